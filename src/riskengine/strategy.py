"""Strategic KPIs and objectives of a portfolio, computed per iteration from a simulation.

Quantities a KPI or objective may name:

- each milestone, ``erp.golive``: its finish in working days of the portfolio calendar;
- ``total_cost`` and ``<project>.cost``: the portfolio's and each project's cost;
- every KPI defined before or after (they are evaluated in dependency order).

A **benefit** KPI is a stream that starts when a milestone is reached: ``per_month``
rising linearly over ``ramp_months``, summed over a reporting ``window`` of dates (months
are 30.4375 days). Per iteration, with s the milestone's finish date and the window
[a, b] clipped to start no earlier than s, the sum is ``per_month · (F(b − s) − F(a − s))``
where F(u) = u²/(2R) for u ≤ R and u − R/2 beyond (u in months, R the ramp), a closed
form, so no per-month loop. An **expression** KPI is a formula over quantities
(riskengine/expr.py).

A **goal** is a quantity whose mean the comparison of options ranks (``max``: higher is
better, ``min``: lower is better): a KPI marked ``goal:``, or any quantity an objective
names (``at_least`` → max, ``at_most`` → min). Per-iteration values that are not finite
(``0/0``, ``1/0``, overflow) are kept: NaN never meets an objective and ±inf compares as a
number; a statistic that comes out non-finite is ``None`` (``null`` in JSON), with a
RiskEngineWarning.
"""

from __future__ import annotations

import datetime as _dt
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .distributions import parse_distribution
from .errors import RiskEngineWarning, ScenarioError, check_keys, did_you_mean, short_list, show
from .expr import Expression, parse_expression
from .model import Distribution
from .results import TARGET_TOLERANCE, Results, pkey

MONTH_DAYS = 30.4375
BENEFIT_KEYS = ("starts_at", "per_month", "ramp_months", "window", "discount_rate")
OBJECTIVE_KEYS = ("id", "milestone", "by", "kpi", "at_least", "at_most")
KPI_KEYS = ("expression", "benefit", "goal")
GOALS = {"max": "higher is better", "min": "lower is better"}


@dataclass(frozen=True)
class Benefit:
    """``per_month`` is a number or an uncertain Distribution (one draw per iteration
    from the KPI's own random stream); ``discount_rate`` (a year, e.g. 0.08) discounts
    the stream continuously to the portfolio's start date (NPV)."""

    starts_at: str
    per_month: float | Distribution
    ramp_months: float
    window: tuple[_dt.date, _dt.date]
    discount_rate: float | None = None


@dataclass(frozen=True)
class Kpi:
    """A benefit stream or an expression; ``goal`` (``"max"`` or ``"min"``) marks it as a
    goal of the comparison of options."""

    id: str
    benefit: Benefit | None = None
    expression: Expression | None = None
    goal: str | None = None


@dataclass(frozen=True)
class Goal:
    """A quantity (a KPI or a built-in one) whose mean ranks options: ``direction`` is
    ``"max"`` (higher is better) or ``"min"``."""

    id: str
    direction: str


@dataclass(frozen=True)
class Objective:
    """A milestone reached ``by`` a date, or a KPI ``at_least`` / ``at_most`` a value."""

    id: str
    milestone: str | None = None
    by: _dt.date | None = None
    kpi: str | None = None
    at_least: float | None = None
    at_most: float | None = None


def checked_number(value: Any, field: str, *, positive: bool = False) -> float:
    """A finite number from a portfolio file (never negative when ``positive``). A whole
    number too large for a float is an error, not an OverflowError."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"must be a number, got {show(value)}", field=field)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ScenarioError(f"must be a finite number, got {show(value)}", field=field)
    if positive and number < 0:
        raise ScenarioError(f"must not be negative, got {show(value)}", field=field)
    return number


def checked_date(value: Any, field: str) -> _dt.date:
    """A date from a portfolio file (YAML dates arrive as text, see io/yamlfile.py)."""
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ScenarioError(f"not a date (YYYY-MM-DD): {show(value)}", field=field)


def checked_name(value: Any, field: str, what: str = "a name") -> str:
    """A name from a portfolio file: text or a whole number (``2028``). A list, mapping or
    set is an error rather than its text (``str`` would turn ``[a, b]`` into a name, and
    an alias bomb into gigabytes)."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() <= 64:
        return str(value)
    raise ScenarioError(f"{what} must be text, got {show(value)}", field=field)


def _unknown(name: str, known: Mapping[str, Any] | set[str], field: str) -> ScenarioError:
    return ScenarioError(f"unknown quantity {show(name)}{did_you_mean(name, known)}", field=field)


def parse_kpis(raw: Mapping[str, Any], builtins: set[str]) -> tuple[Kpi, ...]:
    """KPIs from a portfolio's ``kpis`` mapping, in an order where each comes after the
    KPIs it uses; ``builtins`` are the quantities the simulation provides. A KPI is an
    expression (text), or a mapping with ``expression`` or ``benefit`` and, optionally,
    ``goal: max|min``."""
    kpis: dict[str, Kpi] = {}
    for name, spec in raw.items():
        name = checked_name(name, "kpis", "a KPI name")
        field = f"kpis.{name}"
        if name in builtins:
            raise ScenarioError(f"{show(name)} is already a built-in quantity", field=field)
        kpis[name] = _kpi(name, spec, field)
    known = builtins | set(kpis)
    for k in kpis.values():
        if k.benefit is not None and k.benefit.starts_at not in builtins:
            raise _unknown(k.benefit.starts_at, builtins, f"kpis.{k.id}.benefit.starts_at")
        for used in k.expression.names if k.expression else ():
            if used not in known:
                raise _unknown(used, known, f"kpis.{k.id}")
    return _ordered(kpis)


def _kpi(name: str, spec: Any, field: str) -> Kpi:
    if isinstance(spec, str):
        return Kpi(name, expression=parse_expression(spec, field=field))
    if not isinstance(spec, Mapping) or len({"expression", "benefit"} & set(spec)) != 1:
        raise ScenarioError(
            "a KPI is an expression (text), {expression: text, goal: max|min} or "
            "{benefit: {starts_at, per_month, ramp_months, window}, goal: max|min}",
            field=field,
        )
    check_keys(spec, KPI_KEYS, field)
    goal = spec.get("goal")
    if goal is not None and (not isinstance(goal, str) or goal not in GOALS):
        raise ScenarioError(
            f"goal is max (higher is better) or min (lower is better), got {show(goal)}",
            field=f"{field}.goal",
        )
    if "benefit" in spec:
        return Kpi(name, benefit=_benefit(spec["benefit"], f"{field}.benefit"), goal=goal)
    expression = parse_expression(spec["expression"], field=f"{field}.expression")
    return Kpi(name, expression=expression, goal=goal)


def _ordered(kpis: dict[str, Kpi]) -> tuple[Kpi, ...]:
    """Each KPI after the KPIs it uses (depth first, in file order). A loop with an
    explicit stack, not recursion: a valid chain may be thousands of KPIs long."""
    order: list[Kpi] = []
    done: set[str] = set()
    for root in kpis:
        if root in done:
            continue
        stack = [(root, iter(_uses(kpis[root], kpis)))]
        on_path = {root}
        while stack:
            kid, uses = stack[-1]
            for used in uses:
                if used in on_path:
                    path = [k for k, _ in stack]
                    loop = [*path[path.index(used) :], used]
                    raise ScenarioError(
                        f"KPIs depend on each other in a cycle: {short_list(loop)}", field="kpis"
                    )
                if used not in done:
                    stack.append((used, iter(_uses(kpis[used], kpis))))
                    on_path.add(used)
                    break
            else:
                stack.pop()
                on_path.discard(kid)
                done.add(kid)
                order.append(kpis[kid])
    return tuple(order)


def _uses(k: Kpi, kpis: Mapping[str, Kpi]) -> list[str]:
    return sorted(n for n in k.expression.names if n in kpis) if k.expression else []


def _benefit(spec: Any, field: str) -> Benefit:
    if not isinstance(spec, Mapping):
        raise ScenarioError("must be a mapping", field=field)
    check_keys(spec, BENEFIT_KEYS, field)
    for key in ("starts_at", "per_month", "window"):
        if key not in spec:
            raise ScenarioError(f"a benefit needs {key!r}", field=field)
    window = spec["window"]
    if not isinstance(window, list) or len(window) != 2:
        raise ScenarioError("must be [first date, last date]", field=f"{field}.window")
    w0 = checked_date(window[0], f"{field}.window[0]")
    w1 = checked_date(window[1], f"{field}.window[1]")
    if w1 < w0:
        raise ScenarioError(f"the window ends ({w1}) before it starts ({w0})", field=field)
    per_month = spec["per_month"]
    if isinstance(per_month, Mapping):
        per_month = parse_distribution(per_month, f"{field}.per_month", signed=True)
    else:
        per_month = checked_number(per_month, f"{field}.per_month")
    rate = spec.get("discount_rate")
    if rate is not None:
        rate = checked_number(rate, f"{field}.discount_rate", positive=True)
        if rate > 1:
            raise ScenarioError(
                f"a yearly rate as a fraction (0.08 for 8 %), got {rate}",
                field=f"{field}.discount_rate",
            )
    return Benefit(
        starts_at=checked_name(spec["starts_at"], f"{field}.starts_at", "starts_at"),
        per_month=per_month,
        ramp_months=checked_number(
            spec.get("ramp_months", 0), f"{field}.ramp_months", positive=True
        ),
        window=(w0, w1),
        discount_rate=rate,
    )


def parse_objectives(raw: list[Any], quantities: set[str]) -> tuple[Objective, ...]:
    out: list[Objective] = []
    seen: set[str] = set()
    for i, spec in enumerate(raw):
        field = f"objectives[{i}]"
        if not isinstance(spec, Mapping) or "id" not in spec:
            raise ScenarioError("an objective is a mapping with an 'id'", field=field)
        oid = checked_name(spec["id"], f"{field}.id", "an objective id")
        field = f"objectives[{oid}]"
        check_keys(spec, OBJECTIVE_KEYS, field)
        if oid in seen:
            raise ScenarioError(f"duplicate objective id {show(oid)}", field=field)
        seen.add(oid)
        if "milestone" in spec:
            if "by" not in spec or {"kpi", "at_least", "at_most"} & set(spec):
                raise ScenarioError("a milestone objective is {milestone, by: date}", field=field)
            ms = checked_name(spec["milestone"], f"{field}.milestone", "milestone")
            if ms not in quantities:
                raise _unknown(ms, quantities, f"{field}.milestone")
            out.append(Objective(oid, milestone=ms, by=checked_date(spec["by"], f"{field}.by")))
        elif "kpi" in spec:
            if "by" in spec:
                raise ScenarioError(
                    "'by' is for milestone objectives; a KPI objective has at_least or at_most",
                    field=f"{field}.by",
                )
            bounds = [k for k in ("at_least", "at_most") if k in spec]
            if len(bounds) != 1:
                raise ScenarioError("a KPI objective has one of at_least or at_most", field=field)
            kpi = checked_name(spec["kpi"], f"{field}.kpi", "kpi")
            if kpi not in quantities:
                raise _unknown(kpi, quantities, f"{field}.kpi")
            value = checked_number(spec[bounds[0]], f"{field}.{bounds[0]}")
            out.append(Objective(oid, kpi=kpi, **{bounds[0]: value}))
        else:
            raise ScenarioError("an objective names a 'milestone' or a 'kpi'", field=field)
    return tuple(out)


def goals_of(kpis: tuple[Kpi, ...], objectives: tuple[Objective, ...]) -> tuple[Goal, ...]:
    """The goals (module docstring): first the quantities objectives name, in objective
    order, then the other KPIs marked ``goal:``. A quantity with objectives in both
    directions (a band) is no goal; an objective against a KPI's own ``goal`` is an
    error."""
    marked = {k.id: k.goal for k in kpis if k.goal is not None}
    wanted: dict[str, set[str]] = {}
    for o in objectives:
        if o.kpi is None:
            continue
        direction = "max" if o.at_least is not None else "min"
        mark = marked.get(o.kpi)
        if mark is not None and mark != direction:
            bound = "at_least" if direction == "max" else "at_most"
            raise ScenarioError(
                f"{bound} contradicts the KPI's goal: {mark} ({GOALS[mark]})",
                field=f"objectives[{o.id}].{bound}",
            )
        wanted.setdefault(o.kpi, set()).add(direction)
    out = [Goal(q, d.pop()) for q, d in wanted.items() if len(d) == 1]
    out += [Goal(k, d) for k, d in marked.items() if k not in wanted]
    return tuple(out)


def builtin_quantities(
    results: Results, projects: tuple[str, ...], missing_milestones: tuple[str, ...] = ()
) -> dict[str, np.ndarray]:
    """Milestone finishes (working days of the portfolio calendar) and costs."""
    q: dict[str, np.ndarray] = dict(results.finishes)
    n = results.iterations
    for m in missing_milestones:
        q[m] = np.full(n, np.inf)  # a project left out never reaches its milestones
    costs = results.costs or {}
    q["total_cost"] = costs.get("total", np.zeros(n))
    for p in projects:
        q[f"{p}.cost"] = costs.get(p, np.zeros(n))
    return q


def benefit_values(b: Benefit, results: Results, kpi_id: str = "") -> np.ndarray:
    """Per-iteration benefit summed over the window (closed form, module docstring); zero
    when the milestone is not in the simulation (its project left out)."""
    n = results.iterations
    if b.starts_at not in results.times:
        return np.zeros(n)
    tl = results.timeline
    start = tl.finish_dates(results.times[b.starts_at]).astype("datetime64[D]")
    origin = np.datetime64(results.start, "D")
    w0 = np.datetime64(b.window[0], "D")
    end = np.datetime64(b.window[1], "D") + np.timedelta64(1, "D")  # through the last day
    # days from the portfolio start; the stream starts the day after the milestone's date
    s = (start + np.timedelta64(1, "D") - origin).astype(np.int64).astype(np.float64)
    a = np.maximum(float((w0 - origin).astype(np.int64)), s)
    e = np.maximum(float((end - origin).astype(np.int64)), a)
    rate = _per_month(b, results, kpi_id) / MONTH_DAYS  # per day at full rate
    ramp = b.ramp_months * MONTH_DAYS
    if not b.discount_rate:
        return rate * (_ramp_integral(e - s, ramp) - _ramp_integral(a - s, ramp))
    delta = math.log1p(b.discount_rate) / 365.25
    return rate * _discounted(s, a, e, ramp, delta)


def _per_month(b: Benefit, results: Results, kpi_id: str) -> np.ndarray | float:
    """The monthly value: a number, or one draw per iteration from stream ("benefit",
    KPI id), draw 0: the same draws in every option (common random numbers)."""
    if not isinstance(b.per_month, Distribution):
        return b.per_month
    from .compile import split64, stream_of
    from .distributions import TableBuilder, encode
    from .kernels.sampling import ppf_array
    from .kernels.sensitivity import regenerate_uniforms

    n = results.iterations
    lo, hi = split64(stream_of("benefit", kpi_id))
    key_lo, key_hi = split64(results.seed)
    no_copula = (
        np.zeros(1, np.int64),
        np.zeros((0, 2), np.uint64),
        np.zeros(0, np.int64),
        np.zeros(1),
        np.zeros(1, np.int64),
    )
    u = np.empty(n)
    lhs_n = n if results.sampling == "lhs" else 0
    regenerate_uniforms(
        n,
        np.uint64(key_lo),
        np.uint64(key_hi),
        np.uint64(lo),
        np.uint64(hi),
        0,
        lhs_n,
        -1,
        no_copula,
        1,
        u,
    )
    tables = TableBuilder()
    code, par = encode(b.per_month, tables)
    return ppf_array(code, par, tables.array(), u)


def _discounted(s, a, e, ramp: float, delta: float) -> np.ndarray:
    """∫ₐᵉ min(1, (x − s)/ramp) · exp(−δx) dx, in closed form (x in days)."""

    def plain(x):  # ∫ exp(−δx) dx
        return -np.exp(-delta * x) / delta

    def sloped(x):  # ∫ (x − s) exp(−δx) dx
        return -np.exp(-delta * x) * ((x - s) / delta + 1 / delta**2)

    if ramp <= 0:
        return plain(e) - plain(a)
    c = s + ramp  # the ramp ends
    lo1, hi1 = a, np.minimum(e, c)
    up = np.where(hi1 > lo1, (sloped(hi1) - sloped(lo1)) / ramp, 0.0)
    lo2 = np.maximum(a, c)
    flat = np.where(e > lo2, plain(e) - plain(lo2), 0.0)
    return up + flat


def _ramp_integral(u: np.ndarray, ramp: float) -> np.ndarray:
    """∫₀ᵘ min(1, x/ramp) dx."""
    if ramp <= 0:
        return u
    return np.where(u <= ramp, u * u / (2 * ramp), u - ramp / 2)


@dataclass(frozen=True, eq=False)
class StrategyOutcome:
    """Per-iteration quantities (built-in and KPIs), each objective's hits, and the joint
    success (every objective met in the same iteration)."""

    quantities: dict[str, np.ndarray]
    kpi_ids: tuple[str, ...]
    hits: dict[str, np.ndarray]
    joint: np.ndarray

    def probability(self, objective: str) -> float:
        return float(np.mean(self.hits[objective]))


def evaluate(
    results: Results,
    projects: tuple[str, ...],
    kpis: tuple[Kpi, ...],
    objectives: tuple[Objective, ...],
    all_milestones: tuple[str, ...] = (),
) -> StrategyOutcome:
    """Quantities, KPIs and objective hits per iteration. ``all_milestones`` lists the
    milestones of every project of the portfolio: those of projects an option left out
    count as never reached."""
    missing = tuple(m for m in all_milestones if m not in results.times)
    q = builtin_quantities(results, projects, missing)
    for k in kpis:
        if k.benefit is not None:
            q[k.id] = benefit_values(k.benefit, results, k.id)
        else:
            q[k.id] = k.expression.evaluate({n: q[n] for n in k.expression.names} or q)
    hits: dict[str, np.ndarray] = {}
    for o in objectives:
        if o.milestone is not None:
            limit = results.timeline.end_of(o.by)
            times = results.times.get(o.milestone)
            if times is None:
                hits[o.id] = np.zeros(results.iterations, bool)
            else:
                hits[o.id] = times <= limit + TARGET_TOLERANCE
        elif o.at_least is not None:
            hits[o.id] = q[o.kpi] >= o.at_least
        else:
            hits[o.id] = q[o.kpi] <= o.at_most
    joint = np.ones(results.iterations, bool)
    for h in hits.values():
        joint &= h
    return StrategyOutcome(q, tuple(k.id for k in kpis), hits, joint)


def _value(v: float) -> str:
    """A threshold as written: whole numbers with thousands separators, others to six
    significant digits (also inf and nan, which only a model built in Python can hold)."""
    if math.isfinite(v) and abs(v) < 1e15 and v == int(v):
        return f"{v:,.0f}"
    return f"{v:,.6g}"


def format_statistic(v: float | None) -> str:
    """A KPI statistic as tables show it: to the unit from 1,000 on (money), to four
    significant digits below (days, ratios); ``—`` when it is missing (not finite)."""
    if v is None or not math.isfinite(v):
        return "—"
    if abs(v) >= 1e15:
        return f"{v:.6g}"
    if abs(v) >= 1000 or v == int(v):
        return f"{v:,.0f}"
    return f"{v:.4g}"


def _describe(o: Objective) -> str:
    if o.milestone is not None:
        return f"{o.milestone} by {o.by.isoformat()}"
    if o.at_least is not None:
        return f"{o.kpi} ≥ {_value(o.at_least)}"
    return f"{o.kpi} ≤ {_value(o.at_most)}"


def finite(v: float) -> float | None:
    """``v`` as a float, or None where it is NaN or infinite (JSON has no such numbers)."""
    v = float(v)
    return v if math.isfinite(v) else None


def statistics(x: np.ndarray, percentiles: tuple[float, ...]) -> dict[str, Any]:
    """``{mean, sd, percentiles}`` of per-iteration values; a statistic that is not finite
    (NaN or ±inf among the values, or an overflow) is None."""
    n = x.size
    with np.errstate(all="ignore"):  # inf - inf inside mean, sd and percentiles
        mean = np.mean(x)
        sd = np.std(x, ddof=1) if n > 1 else 0.0
        pct = np.percentile(x, percentiles)
    return {
        "mean": finite(mean),
        "sd": finite(sd),
        "percentiles": {pkey(p): finite(v) for p, v in zip(percentiles, pct, strict=True)},
    }


def kpi_statistics(
    x: np.ndarray, percentiles: tuple[float, ...], kpi: str, option: str | None = None
) -> dict[str, Any]:
    """:func:`statistics` of a KPI, with a RiskEngineWarning when some are missing: it names
    the KPI, the option (in a comparison) and how many iterations were not finite."""
    stats = statistics(x, percentiles)
    missing = stats["mean"] is None or stats["sd"] is None
    if missing or None in stats["percentiles"].values():
        bad = int(np.count_nonzero(~np.isfinite(x)))
        where = f" under option {show(option)}" if option is not None else ""
        why = (
            f"is NaN or infinite in {bad:,} of {x.size:,} iterations"
            if bad
            else "overflows in its statistics"
        )
        warnings.warn(
            f"KPI {show(kpi)}{where} {why}; its statistics that are not finite are "
            "written as null (— in tables)",
            RiskEngineWarning,
            stacklevel=3,
        )
    return stats


def summarise_outcome(
    out: StrategyOutcome, objectives: tuple[Objective, ...], percentiles: tuple[float, ...]
) -> dict[str, Any]:
    """The JSON-ready summary: ``objectives.<id>.{description, probability, se}``,
    ``joint.{probability, se}`` and ``kpis.<id>.{mean, sd, percentiles}`` (None where a
    statistic is not finite)."""
    n = out.joint.size

    def share(hits: np.ndarray) -> dict[str, float]:
        p = float(np.mean(hits))
        return {"probability": p, "se": math.sqrt(p * (1 - p) / n)}

    return {
        "objectives": {
            o.id: {"description": _describe(o), **share(out.hits[o.id])} for o in objectives
        },
        "joint": share(out.joint),
        "kpis": {k: kpi_statistics(out.quantities[k], percentiles, k) for k in out.kpi_ids},
    }
