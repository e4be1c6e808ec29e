"""Portfolio options and their fair comparison.

An option is a patch on the portfolio, applied before it is compiled (DESIGN.md §6):

``exclude: [app]``                  drop projects (their milestones are never reached and
                                    they cost nothing); ``include: [erp, data]`` keeps only
                                    those
``start: {warehouse: 2027-04-01}``  move a project's start
``scale_durations: {erp: 0.85}``    multiply every duration of a project by a factor
``add_cost: {erp: 800000}``         add a fixed cost to a project
``mitigate: [vendor, erp.permit]``  switch those risks to their mitigated state (and add
                                    the mitigation's cost)
``override: {erp.build: {dist: triangular, min: 20, mode: 25, max: 40}}``
                                    replace one task's duration estimate

Random streams belong to entity ids, which an option never renames, so every option sees
the same draws for the same task or risk (common random numbers): a difference between
two options is the options' effect, not sampling noise. The comparison reports, per
objective, the difference in probability to ``baseline`` with a 95 % interval from the
paired per-iteration differences.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .distributions import parse_distribution
from .errors import ScenarioError, check_keys, did_you_mean
from .model import Cost, CostItem, Distribution, Risk
from .portfolio import Portfolio, ProjectRef, compose
from .strategy import StrategyOutcome, checked_date, checked_number, evaluate

OPTION_KEYS = ("include", "exclude", "start", "scale_durations", "add_cost", "mitigate", "override")
BASELINE = "baseline"
Z95 = 1.959963984540054
_SCALED = ("value", "min", "mode", "max", "low", "high", "mean", "sd", "p50", "p90")


def scale_distribution(d: Distribution, factor: float) -> Distribution:
    """The distribution of ``factor × X``: every location and scale parameter times the
    factor, so the same uniform gives ``factor ×`` the same sample."""
    spec: dict[str, Any] = {"dist": d.kind}
    if d.kind == "lognormal":
        given = ("mean", "sd") if "mean" in d.params else ("p50", "p90")
        spec.update({k: d.params[k] * factor for k in given})
    elif d.kind == "discrete":
        spec["values"] = [v * factor for v in d.params["values"]]
        spec["weights"] = list(d.params["weights"])
    else:
        for k, v in d.params.items():
            if k in _SCALED and not (d.kind == "trigen" and k in ("min", "max")):
                spec[k] = v * factor
            elif k in ("lambda", "low_pct", "high_pct"):
                spec[k] = v
    return parse_distribution(spec, "scale_durations")


@dataclass(frozen=True)
class Option:
    name: str
    exclude: tuple[str, ...] = ()
    start: dict[str, _dt.date] = dataclasses.field(default_factory=dict)
    scale_durations: dict[str, float] = dataclasses.field(default_factory=dict)
    add_cost: dict[str, float] = dataclasses.field(default_factory=dict)
    mitigate: tuple[str, ...] = ()
    override: dict[str, Distribution] = dataclasses.field(default_factory=dict)


def _names(value: Any, known: set[str], field: str, what: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ScenarioError(f"must be a list of {what}", field=field)
    for name in items:
        if str(name) not in known:
            raise ScenarioError(f"no {what[:-1]} {name!r}{did_you_mean(name, known)}", field=field)
    return tuple(str(n) for n in items)


def _per_project(value: Any, projects: set[str], field: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ScenarioError("must map project ids to values", field=field)
    _names(list(value), projects, field, "projects")
    return {str(k): v for k, v in value.items()}


def parse_options(portfolio: Portfolio) -> tuple[Option, ...]:
    """The portfolio's options, ``baseline`` first (an empty one when not given)."""
    projects = set(portfolio.project_ids)
    whole = compose(portfolio)
    risks = {r.id for r in whole.risks}
    tasks = {t.id for t in whole.tasks}
    raw = dict(portfolio.options)
    raw.setdefault(BASELINE, {})
    out = []
    for name, spec in raw.items():
        field = f"options.{name}"
        spec = spec or {}
        if not isinstance(spec, Mapping):
            raise ScenarioError("an option is a mapping of changes (or {})", field=field)
        check_keys(spec, OPTION_KEYS, field)
        starts = {
            p: checked_date(v, f"{field}.start.{p}")
            for p, v in _per_project(spec.get("start", {}), projects, f"{field}.start").items()
        }
        scales = {
            p: checked_number(v, f"{field}.scale_durations.{p}", positive=True)
            for p, v in _per_project(
                spec.get("scale_durations", {}), projects, f"{field}.scale_durations"
            ).items()
        }
        costs = {
            p: checked_number(v, f"{field}.add_cost.{p}", positive=True)
            for p, v in _per_project(
                spec.get("add_cost", {}), projects, f"{field}.add_cost"
            ).items()
        }
        override = spec.get("override", {})
        if not isinstance(override, Mapping):
            raise ScenarioError("must map task ids to estimates", field=f"{field}.override")
        _names(list(override), tasks, f"{field}.override", "tasks")
        exclude = _names(spec.get("exclude", []), projects, f"{field}.exclude", "projects")
        if "include" in spec:
            if "exclude" in spec:
                raise ScenarioError("give include or exclude, not both", field=field)
            keep = _names(spec["include"], projects, f"{field}.include", "projects")
            exclude = tuple(p for p in portfolio.project_ids if p not in keep)
        out.append(
            Option(
                name=str(name),
                exclude=exclude,
                start=starts,
                scale_durations=scales,
                add_cost=costs,
                mitigate=_names(spec.get("mitigate", []), risks, f"{field}.mitigate", "risks"),
                override={
                    str(t): parse_distribution(d, f"{field}.override.{t}")
                    for t, d in override.items()
                },
            )
        )
    out.sort(key=lambda o: o.name != BASELINE)
    return tuple(out)


def apply_option(portfolio: Portfolio, option: Option) -> Portfolio:
    """The portfolio with the option's changes (module docstring)."""
    kept = [p for p in portfolio.projects if p.id not in option.exclude]
    kept_ids = {p.id for p in kept}
    for p in kept:
        for ref, _ in p.after:
            if ref.split(".", 1)[0] not in kept_ids:
                raise ScenarioError(
                    f"project {p.id!r} waits for {ref!r}, whose project the option excludes",
                    field=f"options.{option.name}.exclude",
                )
    # A shared risk keeps its id, so its draws, whatever it still hits; the cost of its
    # mitigation goes to the project of its first remaining impact.
    shared = []
    shared_costs: dict[str, list[CostItem]] = {p.id: [] for p in kept}
    for r in portfolio.shared_risks:
        impacts = tuple(i for i in r.impacts if i.task.split(".", 1)[0] in kept_ids)
        if not impacts:
            continue
        if r.id in option.mitigate:
            r, cost = _mitigated(r)
            if cost:
                owner = impacts[0].task.split(".", 1)[0]
                shared_costs[owner].append(_fixed_cost(f"mitigate.{r.id}", cost))
        shared.append(dataclasses.replace(r, impacts=impacts))
    projects = tuple(_patched(p, option, shared_costs[p.id]) for p in kept)
    return dataclasses.replace(portfolio, projects=projects, shared_risks=tuple(shared))


def _patched(p: ProjectRef, option: Option, shared_costs: list[CostItem]) -> ProjectRef:
    """One project with the option's durations, costs, mitigations and start."""
    sc = p.scenario
    f = option.scale_durations.get(p.id)
    tasks = []
    for t in sc.tasks:
        d = option.override.get(f"{p.id}.{t.id}", t.duration)
        tasks.append(dataclasses.replace(t, duration=d if f is None else scale_distribution(d, f)))
    items = list(sc.costs)
    if p.id in option.add_cost:
        items.append(_fixed_cost(f"option.{option.name}", option.add_cost[p.id]))
    risks = []
    for r in sc.risks:
        if f"{p.id}.{r.id}" in option.mitigate:
            r, cost = _mitigated(r)
            if cost:
                items.append(_fixed_cost(f"mitigate.{r.id}", cost))
        risks.append(r)
    sc = dataclasses.replace(
        sc, tasks=tuple(tasks), costs=(*items, *shared_costs), risks=tuple(risks)
    )
    return ProjectRef(p.id, sc, option.start.get(p.id, p.start), p.after)


def _mitigated(r: Risk) -> tuple[Risk, float]:
    """The risk in its mitigated state (impact order kept, so draws stay the same) and
    the mitigation's cost."""
    p, impacts = r.state(True)
    cost = r.mitigation.cost if r.mitigation else 0.0
    return dataclasses.replace(r, probability=p, impacts=impacts, mitigation=None), cost


def _fixed_cost(item_id: str, amount: float) -> CostItem:
    return CostItem(item_id, Cost(fixed=parse_distribution(amount)))


@dataclass(frozen=True)
class OptionResult:
    """One option: each objective's probability, the joint success, each KPI's mean and
    percentiles, total cost percentiles, and per objective (and ``joint``) the difference to the
    baseline with a 95 % interval from the paired per-iteration differences."""

    name: str
    objectives: dict[str, float]
    joint: float
    kpis: dict[str, dict[str, Any]]
    cost: dict[str, float]
    vs_baseline: dict[str, dict[str, float]]
    dominated_by: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "objectives": {k: {"probability": v} for k, v in self.objectives.items()},
            "joint": self.joint,
            "kpis": self.kpis,
            "cost": {"percentiles": self.cost},
            "vs_baseline": self.vs_baseline,
            "dominated": bool(self.dominated_by),
            "dominated_by": list(self.dominated_by),
        }


@dataclass(frozen=True, eq=False)
class Comparison:
    """What :func:`compare` returns: ``options[name]`` (baseline first)."""

    portfolio: str
    iterations: int
    seed: int
    options: dict[str, OptionResult]
    outcomes: dict[str, StrategyOutcome]

    def to_dict(self) -> dict[str, Any]:
        return {
            "portfolio": self.portfolio,
            "iterations": self.iterations,
            "seed": self.seed,
            "options": {k: v.to_dict() for k, v in self.options.items()},
        }

    def to_frame(self):
        """One row per option: objective probabilities, joint success, cost P50/P80 and
        the differences to the baseline."""
        import pandas as pd

        rows = []
        for o in self.options.values():
            row: dict[str, Any] = {"option": o.name}
            row.update({f"P({k})": v for k, v in o.objectives.items()})
            row["P(all)"] = o.joint
            row.update({f"cost {k}": v for k, v in o.cost.items()})
            row.update({f"Δ {k}": d["diff"] for k, d in o.vs_baseline.items()})
            row["dominated"] = bool(o.dominated_by)
            rows.append(row)
        return pd.DataFrame(rows).set_index("option")


def paired_difference(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Mean of ``a - b`` per iteration with a 95 % normal interval (paired samples)."""
    d = a.astype(np.float64) - b.astype(np.float64)
    n = d.size
    diff = float(np.mean(d))
    se = float(np.std(d, ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    return {"diff": diff, "low": diff - Z95 * se, "high": diff + Z95 * se}


def compare(
    portfolio: Portfolio,
    iterations: int | None = None,
    seed: int | None = None,
    percentiles: tuple[float, ...] = (50.0, 80.0),
    *,
    progress: Any = None,
) -> Comparison:
    """Simulate every option with the same seed (common random numbers) and compare
    each with ``baseline``."""
    from .engine import simulate
    from .results import pkey

    options = parse_options(portfolio)
    iterations = portfolio.simulation.iterations if iterations is None else iterations
    seed = portfolio.simulation.seed if seed is None else seed
    all_ms = tuple(f"{p.id}.{m.id}" for p in portfolio.projects for m in p.scenario.milestones)
    outcomes: dict[str, StrategyOutcome] = {}
    costs: dict[str, np.ndarray] = {}
    for i, opt in enumerate(options):
        patched = apply_option(portfolio, opt)
        r = simulate(
            compose(patched),
            iterations,
            seed,
            percentiles,
            criticality=False,
            sensitivity=False,
            drivers=False,
            task_dates=False,
            jcl=None,
            plan=False,
        )
        outcomes[opt.name] = evaluate(
            r, portfolio.project_ids, portfolio.kpis, portfolio.objectives, all_ms
        )
        costs[opt.name] = (r.costs or {}).get("total", np.zeros(iterations))
        if progress is not None:
            progress(i + 1, len(options))
    base = outcomes[BASELINE]
    results: dict[str, OptionResult] = {}
    for opt in options:
        out = outcomes[opt.name]
        vs = {
            o.id: paired_difference(out.hits[o.id], base.hits[o.id]) for o in portfolio.objectives
        }
        vs["joint"] = paired_difference(out.joint, base.joint)
        pct = np.percentile(costs[opt.name], percentiles)
        results[opt.name] = OptionResult(
            name=opt.name,
            objectives={o.id: out.probability(o.id) for o in portfolio.objectives},
            joint=float(np.mean(out.joint)),
            kpis={
                k: {
                    "mean": float(np.mean(out.quantities[k])),
                    "percentiles": {
                        pkey(p): float(v)
                        for p, v in zip(
                            percentiles, np.percentile(out.quantities[k], percentiles), strict=True
                        )
                    },
                }
                for k in out.kpi_ids
            },
            cost={pkey(p): float(v) for p, v in zip(percentiles, pct, strict=True)},
            vs_baseline=vs,
        )
    return Comparison(
        portfolio=portfolio.name,
        iterations=iterations,
        seed=seed,
        options=_mark_dominated(results, percentiles),
        outcomes=outcomes,
    )


def _mark_dominated(
    results: dict[str, OptionResult], percentiles: tuple[float, ...]
) -> dict[str, OptionResult]:
    """An option is dominated when another is at least as likely to meet every
    objective (and all of them together) at no higher cost (every cost percentile), and
    strictly better in one of these."""

    def scores(o: OptionResult) -> list[float]:
        # higher is better everywhere: probabilities, and minus each cost percentile
        return [*o.objectives.values(), o.joint, *(-v for v in o.cost.values())]

    out = {}
    for name, o in results.items():
        mine = scores(o)
        by = tuple(
            other
            for other, r in results.items()
            if other != name
            and all(b >= a for a, b in zip(mine, scores(r), strict=True))
            and any(b > a for a, b in zip(mine, scores(r), strict=True))
        )
        out[name] = dataclasses.replace(o, dominated_by=by)
    return out
