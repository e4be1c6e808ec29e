"""Distribution specs: validation, derived parameters and encoding for the kernels.

A spec is what a scenario file holds, e.g. ``{dist: pert, min: 2, mode: 4, max: 9}``.
Shorthands: a bare number is ``fixed``; a list ``[min, mode, max]`` is ``triangular``.
"""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import numpy as np

from riskengine.errors import ScenarioError, show


@dataclasses.dataclass(frozen=True)
class Distribution:
    """An uncertain quantity, e.g. ``Distribution("pert", {"min": 2, "mode": 4, "max": 9})``.

    Build them with :func:`parse_distribution`, which validates the parameters and fills
    derived ones (``lambda`` for PERT, ``min``/``max`` for trigen, ``mu``/``sigma`` for
    lognormal); the model objects call it for specs given in their place
    (``Task("A", duration=[2, 3, 6])``).

    Parameters
    ----------
    kind : str
        One of ``fixed``, ``uniform``, ``triangular``, ``pert``, ``trigen``, ``normal``,
        ``lognormal``, ``discrete``.
    params : dict, default {}
        The parameters, derived ones included, as floats (``values`` and ``weights`` of
        a discrete one as tuples).
    """

    kind: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


Z90 = 1.2815515655446004  # standard normal P90
LIMIT = 1e15  # larger magnitudes are typos; the kernels' fast square root needs x² < 3e38

_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required keys, optional keys)
    "fixed": (("value",), ()),
    "uniform": (("min", "max"), ()),
    "triangular": (("min", "mode", "max"), ()),
    "pert": (("min", "mode", "max"), ("lambda",)),
    "trigen": (("low", "mode", "high"), ("low_pct", "high_pct")),
    "normal": (("mean", "sd"), ()),
    "lognormal": ((), ("mean", "sd", "p50", "p90")),
    "discrete": (("values", "weights"), ()),
}
KINDS = tuple(_KEYS)


_NUMBER_TEXT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
# a duration with a unit: 5d, 2w, 16h, 1.5d, -2d (a lead)
WITH_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([dwhDWH])\s*$")
_NO_UNIT = (
    " (a unit such as 5d, 2w or 16h is read only in a scenario file's durations, lags and delays)"
)


@dataclasses.dataclass(frozen=True)
class Units:
    """How a calendar turns durations with units into its working days: a week is
    ``days_per_week`` working days, an hour ``1 / hours_per_day`` of one
    (``riskengine.model.scenario.calendar_units`` builds it from a calendar)."""

    days_per_week: float = 5.0
    hours_per_day: float = 8.0

    def days(self, text: str, field: str, *, nonneg: bool = True) -> float:
        """Working days of ``text`` written with a unit (``2w``); ScenarioError naming
        ``field`` if it is not one, or out of range. Hours divide rather than multiply
        by a reciprocal, so ``16h`` on an 8-hour day is exactly 2."""
        m = WITH_UNIT.match(text) if len(text) <= 40 else None
        if m is None:
            raise ScenarioError(
                f"must be a number or a duration with a unit (5d, 2w, 16h), got {show(text)}",
                field=field,
            )
        value, unit = check_number(m[1], field, nonneg=nonneg), m[2].lower()
        if unit == "w":
            value *= self.days_per_week
        elif unit == "h":
            value /= self.hours_per_day
        return check_number(value, field, nonneg=nonneg)


def check_number(value: Any, field: str, *, nonneg: bool = True) -> float:
    """A finite number of sane size (not negative unless ``nonneg=False``), as float.

    Text that is plainly a decimal number is accepted too: YAML 1.1 reads ``-.9`` and
    ``1e3`` as text, which would otherwise surprise people. Whole numbers are compared
    before they are converted, so one too large for a float (``10**400``) is reported as
    too large rather than overflowing."""
    cls = value.__class__
    if (cls is float or cls is int) and -LIMIT <= value <= LIMIT and (value >= 0 or not nonneg):
        return float(value)  # the common case; nan fails the comparisons
    given = value
    if isinstance(value, str) and _NUMBER_TEXT.match(value.strip()):
        value = float(value)  # digits never give nan; inf means too large
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"must be a number, got {show(value)}{text_hint(value)}", field=field)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ScenarioError(f"must be finite, got {show(value)}", field=field)
    if nonneg and value < 0:
        raise ScenarioError(f"must not be negative, got {show(given)}", field=field)
    if abs(value) > LIMIT:
        raise ScenarioError(f"must be at most {LIMIT:g} in size, got {show(given)}", field=field)
    return float(value)


PLAIN_NUMBER = re.compile(  # a number as a spreadsheet or a person writes it
    r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
)
_DECIMAL_COMMA = re.compile(r"([+-]?[0-9]+),([0-9]+)")
_NO_DECIMAL_COMMA = "riskengine does not read decimal commas"
_SPACED = re.compile(r"(?<=[0-9])[\s'_]+(?=[0-9])")
_PERCENT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)\s*%")


def text_hint(value: Any) -> str:
    """What to write instead of text in a scenario file that looks like a number written
    the wrong way: a per cent sign, or what :func:`number_hint` sees."""
    if not isinstance(value, str) or len(value) > 40:
        return ""
    text = value.strip()
    if _PERCENT.fullmatch(text):
        return (
            " (write the number without the per cent sign: a probability as a fraction,"
            " 0.3 for 30%)"
        )
    return number_hint(text, thousands=False)


def number_hint(t: str, *, thousands: bool = True) -> str:
    """What to write instead of text that is not a number, when a likely intent shows (a
    decimal comma, a currency sign, spaces between digits): never a guess at the number.
    ``thousands``: whether the reader takes commas as thousands separators (registers
    do, scenario files do not)."""
    if WITH_UNIT.fullmatch(t):
        return _NO_UNIT
    if any(unicodedata.category(ch) == "Sc" for ch in t):
        return " (write the amount without a currency sign)"
    if t.startswith("#"):
        return " (the cell shows a spreadsheet error)"
    spaced = _SPACED.search(t)
    joined = _SPACED.sub("", t)
    # a suggestion repeats the value: only for values short enough to read in a message
    decimal = _DECIMAL_COMMA.fullmatch(joined) if len(t) <= 40 else None
    if decimal:
        whole, frac = decimal.groups()
        digits = whole.lstrip("+-")
        if spaced:
            return (
                f" (write {whole}.{frac}: riskengine reads neither spaces between digits "
                "nor decimal commas)"
            )
        if len(frac) == 3 and len(digits) <= 3 and not digits.startswith("0"):
            point = f"{whole}.{frac.rstrip('0') or '0'}"
            return (
                f" (ambiguous: write {whole}{frac} for thousands or {point} with a decimal "
                f"point; {_NO_DECIMAL_COMMA})"
            )
        return f" (write {whole}.{frac} with a decimal point; {_NO_DECIMAL_COMMA})"
    if "," in t:
        if not thousands:
            return " (write the number without commas, with a decimal point)"
        return (
            " (riskengine reads a comma only as a thousands separator in groups of three, "
            "as in 1,234,567 or 1,234.5: write the number without commas, with a decimal point)"
        )
    if spaced:
        example = "write the number"
        if len(t) <= 40 and PLAIN_NUMBER.fullmatch(joined):
            example = f"write {joined}"
        return f" ({example}: riskengine does not read spaces or other separators between digits)"
    return ""


_SIGNED = frozenset({"value", "min", "mode", "max", "low", "high"})


def parse_distribution(
    spec: Any, field: str = "duration", *, signed: bool = False, units: Units | None = None
) -> Distribution:
    """Validate a spec and return a :class:`Distribution` with derived parameters filled.

    ``signed`` allows negative values (risk impacts, where negative is an opportunity);
    durations are never negative. Normal and lognormal stay non-negative either way.

    Parameters
    ----------
    spec : mapping, number or sequence
        As a scenario file writes it: ``{"dist": "pert", "min": 2, "mode": 4, "max": 9}``,
        a number (``fixed``) or ``[min, mode, max]`` (``triangular``).
    field : str, default "duration"
        The field named in an error (``tasks[A].duration``).
    signed : bool, default False
        Allow negative values.
    units : Units or None, default None
        Read values written with a unit (``2w``, ``16h``) as working days through
        these; None: a unit is an error (the value is not a duration).

    Returns
    -------
    Distribution
        The distribution, its parameters as floats.

    Raises
    ------
    ScenarioError
        For an unknown kind, a missing or unknown key, a value that is not a number, or
        parameters out of order (``min (5) > mode (3)``), naming ``field``.

    Examples
    --------
    >>> parse_distribution([2, 3, 6])
    Distribution(kind='triangular', params={'min': 2.0, 'mode': 3.0, 'max': 6.0})
    >>> parse_distribution({"dist": "pert", "min": 2, "mode": 4, "max": 9}).params["lambda"]
    4.0
    """
    if spec.__class__ is dict:  # from a file, nearly always: straight to the mapping
        return _from_mapping(spec, field, signed, units)
    if isinstance(spec, bool):
        raise ScenarioError(f"must be a number or a distribution, got {show(spec)}", field=field)
    if units is not None and isinstance(spec, str):
        return Distribution("fixed", {"value": units.days(spec, field, nonneg=not signed)})
    if isinstance(spec, str) and text_hint(spec):
        raise ScenarioError(f"must be a number, got {show(spec)}{text_hint(spec)}", field=field)
    if isinstance(spec, int | float):
        return Distribution("fixed", {"value": check_number(spec, field, nonneg=not signed)})
    if isinstance(spec, list | tuple):
        if len(spec) != 3:
            raise ScenarioError(
                f"a list must be [min, mode, max] (3 numbers), got {len(spec)} items", field=field
            )
        a, c, b = (_number(v, f"{field}[{i}]", not signed, units) for i, v in enumerate(spec))
        return _triangular("triangular", {"min": a, "mode": c, "max": b}, field)
    if not isinstance(spec, Mapping):
        raise ScenarioError(f"must be a number or a distribution, got {show(spec)}", field=field)
    return _from_mapping(spec, field, signed, units)


def _number(value: Any, field: str, nonneg: bool, units: Units | None) -> float:
    """:func:`check_number`, reading text with a unit through ``units`` when given."""
    if units is not None and value.__class__ is str and not _NUMBER_TEXT.match(value.strip()):
        return units.days(value, field, nonneg=nonneg)
    return check_number(value, field, nonneg=nonneg)


# parameters that are durations (a unit converts them); lambda and the trigen
# percentages are not
_DURATION_KEYS = frozenset(
    {"value", "min", "mode", "max", "low", "high", "mean", "sd", "p50", "p90"}
)


def _from_mapping(spec: Mapping, field: str, signed: bool, units: Units | None) -> Distribution:
    """A distribution written as ``{dist: pert, min: …}``."""
    kind = spec.get("dist")
    if kind is None:
        raise ScenarioError("missing 'dist' (one of " + ", ".join(KINDS) + ")", field=field)
    if not isinstance(kind, str) or kind.lower() not in _KEYS:
        raise ScenarioError(
            f"unknown distribution {show(kind)}; expected one of " + ", ".join(KINDS),
            field=f"{field}.dist",
        )
    kind = kind.lower()
    required, optional = _KEYS[kind]
    for key in spec:
        if key != "dist" and key not in required and key not in optional:
            allowed = ", ".join(required + optional)
            raise ScenarioError(
                f"unknown key {show(key)} for {kind} (allowed: {allowed})", field=field
            )
    for key in required:
        if key not in spec:
            raise ScenarioError(f"{kind} needs {key!r}", field=field)
    if kind == "discrete":
        return _discrete({k: v for k, v in spec.items() if k != "dist"}, field, signed, units)
    nums = {}
    for k, v in spec.items():
        if k == "dist":
            continue
        nonneg = k != "mean" and not (signed and k in _SIGNED)
        cls = v.__class__
        if (cls is int or cls is float) and (0 if nonneg else -LIMIT) <= v <= LIMIT:
            nums[k] = float(v)  # the common case, without rendering the field
        else:
            nums[k] = _number(v, f"{field}.{k}", nonneg, units if k in _DURATION_KEYS else None)
    d = _BUILD[kind](kind, nums, field)
    if d.kind == "trigen" and d.params["min"] < 0 and not signed:
        raise ScenarioError(
            f"the implied minimum is negative ({d.params['min']:.4g}): widen low_pct or raise low",
            field=field,
        )
    return d


def _fixed(kind: str, p: dict, field: str) -> Distribution:
    return Distribution("fixed", {"value": p["value"]})


def _uniform(kind: str, p: dict, field: str) -> Distribution:
    if p["min"] > p["max"]:
        raise ScenarioError(f"min ({p['min']:g}) > max ({p['max']:g})", field=field)
    return Distribution(kind, p)


def _order(p: dict, field: str) -> None:
    if p["min"] > p["mode"]:
        raise ScenarioError(f"min ({p['min']:g}) > mode ({p['mode']:g})", field=field)
    if p["mode"] > p["max"]:
        raise ScenarioError(f"mode ({p['mode']:g}) > max ({p['max']:g})", field=field)


def _triangular(kind: str, p: dict, field: str) -> Distribution:
    _order(p, field)
    return Distribution(kind, p)


def _pert(kind: str, p: dict, field: str) -> Distribution:
    _order(p, field)
    lam = p.setdefault("lambda", 4.0)
    if lam <= 0:
        raise ScenarioError(f"lambda must be positive, got {lam:g}", field=f"{field}.lambda")
    return Distribution(kind, p)


def _trigen(kind: str, p: dict, field: str) -> Distribution:
    lo_pct = p.setdefault("low_pct", 10.0)
    hi_pct = p.setdefault("high_pct", 90.0)
    if not 0 <= lo_pct < hi_pct <= 100:
        raise ScenarioError(
            f"need 0 <= low_pct < high_pct <= 100, got {lo_pct:g} and {hi_pct:g}", field=field
        )
    if p["low"] > p["mode"] or p["mode"] > p["high"]:
        raise ScenarioError(
            f"need low <= mode <= high, got {p['low']:g}, {p['mode']:g}, {p['high']:g}",
            field=field,
        )
    a, b = trigen_bounds(p["low"], p["mode"], p["high"], lo_pct / 100, hi_pct / 100)
    p.update({"min": a, "max": b})
    return Distribution(kind, p)


def trigen_bounds(
    low: float, mode: float, high: float, pl: float, ph: float
) -> tuple[float, float]:
    """Min and max of the triangular whose ``pl``/``ph`` quantiles are ``low``/``high``.

    With x = mode - min, y = max - mode and s = x + y, the quantile conditions give
    sqrt(x) = (sqrt(pl s) + sqrt(pl s + 4 (mode - low))) / 2 and the mirror for y; the
    root of x(s) + y(s) = s is unique and found by bisection.
    """
    gap_lo, gap_hi, q = mode - low, high - mode, 1.0 - ph

    def spread(s: float) -> tuple[float, float]:
        x = (math.sqrt(pl * s) + math.sqrt(pl * s + 4 * gap_lo)) ** 2 / 4
        y = (math.sqrt(q * s) + math.sqrt(q * s + 4 * gap_hi)) ** 2 / 4
        return x, y

    lo = gap_lo + gap_hi
    if lo == 0 and pl + q == 0:
        return mode, mode
    hi = max(lo, 1e-12) * 2.0
    while sum(spread(hi)) >= hi:
        hi *= 2.0
    # x(s) + y(s) - s is positive below the root and negative above it: bisect to the
    # last bit (no scipy.optimize import, which would cost start-up time)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if sum(spread(mid)) >= mid:
            lo = mid
        else:
            hi = mid
    s = lo
    x, y = spread(s)
    return mode - x, mode + y


def _normal(kind: str, p: dict, field: str) -> Distribution:
    if p["mean"] < 0:
        raise ScenarioError(f"mean must not be negative, got {p['mean']:g}", field=f"{field}.mean")
    if p["sd"] == 0:
        return Distribution("fixed", {"value": p["mean"]})
    return Distribution(kind, p)


def _lognormal(kind: str, p: dict, field: str) -> Distribution:
    keys = set(p)
    if keys == {"mean", "sd"}:
        m, s = p["mean"], p["sd"]
        if m <= 0:
            raise ScenarioError(f"mean must be positive, got {m:g}", field=f"{field}.mean")
        if s == 0:
            return Distribution("fixed", {"value": m})
        sigma2 = math.log1p((s / m) ** 2)
        p.update({"mu": math.log(m) - sigma2 / 2, "sigma": math.sqrt(sigma2)})
    elif keys == {"p50", "p90"}:
        m, h = p["p50"], p["p90"]
        if m <= 0:
            raise ScenarioError(f"p50 must be positive, got {m:g}", field=f"{field}.p50")
        if h < m:
            raise ScenarioError(f"p90 ({h:g}) < p50 ({m:g})", field=field)
        if h == m:
            return Distribution("fixed", {"value": m})
        p.update({"mu": math.log(m), "sigma": math.log(h / m) / Z90})
    else:
        raise ScenarioError("lognormal needs either mean and sd, or p50 and p90", field=field)
    return Distribution(kind, p)


def _discrete(
    p: dict, field: str, signed: bool = False, units: Units | None = None
) -> Distribution:
    values, weights = p["values"], p["weights"]
    for key, seq in (("values", values), ("weights", weights)):
        if not isinstance(seq, list | tuple) or not seq:
            raise ScenarioError("must be a non-empty list of numbers", field=f"{field}.{key}")
    if len(values) != len(weights):
        raise ScenarioError(
            f"values ({len(values)}) and weights ({len(weights)}) differ in length", field=field
        )
    v = tuple(_number(x, f"{field}.values[{i}]", not signed, units) for i, x in enumerate(values))
    w = tuple(check_number(x, f"{field}.weights[{i}]") for i, x in enumerate(weights))
    if sum(w) <= 0:
        raise ScenarioError("weights must not all be zero", field=f"{field}.weights")
    return Distribution("discrete", {"values": v, "weights": w})


_BUILD = {
    "fixed": _fixed,
    "uniform": _uniform,
    "triangular": _triangular,
    "pert": _pert,
    "trigen": _trigen,
    "normal": _normal,
    "lognormal": _lognormal,
}


def pert_shape(p: Mapping[str, float]) -> tuple[float, float]:
    """Beta shape (alpha, beta) of a PERT with min, mode, max and lambda."""
    w = p["max"] - p["min"]
    lam = p.get("lambda", 4.0)
    return 1 + lam * (p["mode"] - p["min"]) / w, 1 + lam * (p["max"] - p["mode"]) / w


def most_likely(d: Distribution) -> float:
    """The single-point estimate a deterministic plan would use (mode, else median)."""
    p = d.params
    if d.kind == "fixed":
        return p["value"]
    if d.kind == "uniform":
        return (p["min"] + p["max"]) / 2
    if d.kind in ("triangular", "pert", "trigen"):
        return p["mode"]
    if d.kind == "normal":
        return p["mean"]
    if d.kind == "lognormal":
        return math.exp(p["mu"])
    w = np.asarray(p["weights"])
    return p["values"][int(np.argmax(w))]
