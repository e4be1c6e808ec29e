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

import math
import warnings
from typing import Any

import numpy as np

from riskengine.analysis.convergence import DEFAULT_CONFIDENCE, percentile_intervals
from riskengine.analysis.results import TARGET_TOLERANCE, Results, pkey
from riskengine.engine.calendar import Timeline
from riskengine.engine.compile import seed_keys, split64, stream_of
from riskengine.engine.encoding import TableBuilder, encode
from riskengine.errors import (
    RiskEngineWarning,
    show,
)
from riskengine.kernels.args import no_copula
from riskengine.kernels.sampling import ppf_array
from riskengine.kernels.sensitivity import regenerate_uniforms
from riskengine.model.draws import BENEFIT_DRAW
from riskengine.model.portfolio import Benefit, Kpi, Objective
from riskengine.model.scenario import Distribution
from riskengine.portfolio.results import Share, StrategyOutcome, StrategySummary

MONTH_DAYS = 30.4375


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
    start = _dated(results).finish_dates(results.times[b.starts_at]).astype("datetime64[D]")
    origin = np.datetime64(results.start, "D")
    w0 = np.datetime64(b.window[0], "D")
    end = np.datetime64(b.window[1], "D") + np.timedelta64(1, "D")  # through the last day
    # days from the portfolio start; the stream starts the day after the milestone's date
    s = (start - origin).astype(np.int64).astype(np.float64) + 1.0
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
    KPI id), draw BENEFIT_DRAW: the same draws in every option (common random numbers)."""
    if not isinstance(b.per_month, Distribution):
        return b.per_month

    n = results.iterations
    lo, hi = split64(stream_of("benefit", kpi_id))
    u = np.empty(n)
    lhs_n = n if results.sampling == "lhs" else 0
    keys = seed_keys(results.seed, lhs_n)
    regenerate_uniforms(n, keys, np.uint64(lo), np.uint64(hi), BENEFIT_DRAW, -1, no_copula(), 1, u)
    tables = TableBuilder()
    code, par = encode(b.per_month, tables)
    return ppf_array(code, par, tables.array(), u)


def _discounted(
    s: np.ndarray, a: np.ndarray, e: np.ndarray, ramp: float, delta: float
) -> np.ndarray:
    """∫ₐᵉ min(1, (x − s)/ramp) · exp(−δx) dx, in closed form (x in days)."""

    def plain(x: np.ndarray) -> np.ndarray:  # ∫ exp(−δx) dx
        return -np.exp(-delta * x) / delta

    def sloped(x: np.ndarray) -> np.ndarray:  # ∫ (x − s) exp(−δx) dx
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
        elif k.expression is not None:
            q[k.id] = k.expression.evaluate({n: q[n] for n in k.expression.names} or q)
        else:
            raise ValueError(f"KPI {k.id!r} has neither a benefit nor an expression")
    hits: dict[str, np.ndarray] = {}
    for o in objectives:
        if o.milestone is not None and o.by is not None:
            limit = _dated(results).end_of(o.by)
            times = results.times.get(o.milestone)
            if times is None:
                hits[o.id] = np.zeros(results.iterations, bool)
            else:
                hits[o.id] = times <= limit + TARGET_TOLERANCE
        elif o.kpi is not None and o.at_least is not None:
            hits[o.id] = q[o.kpi] >= o.at_least
        elif o.kpi is not None and o.at_most is not None:
            hits[o.id] = q[o.kpi] <= o.at_most
        else:
            raise ValueError(f"objective {o.id!r} needs a milestone and 'by', or a KPI and a bound")
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


def _describe(o: Objective) -> str:
    if o.by is not None:
        return f"{o.milestone} by {o.by.isoformat()}"
    if o.at_least is not None:
        return f"{o.kpi} ≥ {_value(o.at_least)}"
    if o.at_most is not None:
        return f"{o.kpi} ≤ {_value(o.at_most)}"
    raise ValueError(f"objective {o.id!r} needs a milestone and 'by', or a KPI and a bound")


def _dated(results: Results) -> Timeline:
    """The run's calendar axis: a portfolio always has a start date, so it has one."""
    if results.timeline is None:
        raise ValueError("strategy objectives and benefits need dated results (a start date)")
    return results.timeline


def finite(v: float) -> float | None:
    """``v`` as a float, or None where it is NaN or infinite (JSON has no such numbers)."""
    v = float(v)
    return v if math.isfinite(v) else None


def statistics(
    x: np.ndarray, percentiles: tuple[float, ...], confidence: float = DEFAULT_CONFIDENCE
) -> dict[str, Any]:
    """``{mean, sd, percentiles, p_interval}`` of per-iteration values (``p_interval``:
    each percentile's confidence interval, analysis/convergence.py); a statistic that is
    not finite (NaN or ±inf among the values, or an overflow) is None, and so are both
    bounds of every interval when some value is NaN."""
    n = x.size
    with np.errstate(all="ignore"):  # inf - inf inside mean, sd and percentiles
        mean = np.mean(x)
        sd = np.std(x, ddof=1) if n > 1 else 0.0
        pct = np.percentile(x, percentiles)
    if np.isnan(x).any():
        bounds: list[tuple[float | None, float | None]] = [(None, None)] * len(percentiles)
    else:
        bounds = percentile_intervals(x, percentiles, confidence)
    return {
        "mean": finite(mean),
        "sd": finite(sd),
        "percentiles": {pkey(p): finite(v) for p, v in zip(percentiles, pct, strict=True)},
        "p_interval": {
            pkey(p): [None if v is None else finite(v) for v in b]
            for p, b in zip(percentiles, bounds, strict=True)
        },
    }


def kpi_statistics(
    x: np.ndarray,
    percentiles: tuple[float, ...],
    kpi: str,
    option: str | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> dict[str, Any]:
    """:func:`statistics` of a KPI, with a RiskEngineWarning when some are missing: it names
    the KPI, the option (in a comparison) and how many iterations were not finite."""
    stats = statistics(x, percentiles, confidence)
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
    out: StrategyOutcome,
    objectives: tuple[Objective, ...],
    percentiles: tuple[float, ...],
    confidence: float = DEFAULT_CONFIDENCE,
) -> StrategySummary:
    """The JSON-ready summary: ``objectives.<id>.{description, probability, se}``,
    ``joint.{probability, se}`` and ``kpis.<id>.{mean, sd, percentiles, p_interval}``
    (None where a statistic is not finite; intervals at ``confidence``)."""
    n = out.joint.size

    def share(hits: np.ndarray) -> Share:
        p = float(np.mean(hits))
        return {"probability": p, "se": math.sqrt(p * (1 - p) / n)}

    return {
        "objectives": {
            o.id: {"description": _describe(o), **share(out.hits[o.id])} for o in objectives
        },
        "joint": share(out.joint),
        "kpis": {
            k: kpi_statistics(out.quantities[k], percentiles, k, confidence=confidence)
            for k in out.kpi_ids
        },
    }
