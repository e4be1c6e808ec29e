"""Portfolio options and their fair comparison.

An option is a patch on the portfolio, applied before it is compiled:

``exclude: [app]``                  drop projects (their milestones are never reached and
                                    they cost nothing); ``include: [erp, data]`` keeps only
                                    those
``start: {warehouse: 2027-04-01}``  move a project's start
``scale_durations: {erp: 0.85}``    multiply every duration of a project by a factor; a
                                    task's per-day cost falls with its duration (the same
                                    rate for fewer days)
``scale_rates: {erp: 1.18}``        multiply the per-day cost rate of every task of a
                                    project (its project cost items keep theirs: an
                                    overhead per day of the project is not paid more
                                    because the work is done faster)
``add_cost: {erp: 800000}``         add a fixed cost to a project
``mitigate: [vendor, erp.permit]``  switch those risks to their mitigated state (and add
                                    the mitigation's cost)
``override: {erp.build: {dist: triangular, min: 20, mode: 25, max: 40}}``
                                    replace one task's duration estimate

Random streams belong to entity ids, which an option never renames, so every option sees
the same draws for the same task or risk (common random numbers): a difference between
two options is the options' effect, not sampling noise. The comparison reports, per
objective, the difference in probability to ``baseline`` with a 95 % interval from the
paired per-iteration differences, and which options dominate which: no worse on every
objective, on the joint success and on every goal's mean (riskengine/strategy.py), and
better on one.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from riskengine.analysis.results import pkey
from riskengine.engine.cluster import DaskBackend, Piece, backend
from riskengine.engine.compile import CompiledNetwork, compile_network, compile_variant
from riskengine.engine.runner import DEFAULT_BLOCK
from riskengine.engine.simulation import check_run_settings, simulate
from riskengine.errors import ScenarioError
from riskengine.io.options_file import BASELINE, parse_options
from riskengine.io.strategy_file import goals_of
from riskengine.model.distributions import parse_distribution
from riskengine.model.portfolio import Goal, Option, Portfolio, ProjectRef
from riskengine.model.scenario import Cost, CostItem, Distribution, Risk, Scenario
from riskengine.portfolio.composition import compose
from riskengine.portfolio.results import StrategyOutcome
from riskengine.portfolio.strategy import evaluate, finite, kpi_statistics, statistics

if TYPE_CHECKING:  # pandas loads when a table is first asked for, distributed with a cluster
    import pandas as pd
    from distributed import Client

Z95 = 1.959963984540054
_SCALED = ("value", "min", "mode", "max", "low", "high", "mean", "sd", "p50", "p90")


def scale_distribution(
    d: Distribution, factor: float, field: str = "scale_durations"
) -> Distribution:
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
    return parse_distribution(spec, field)


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
    rate = option.scale_rates.get(p.id)
    field = f"options.{option.name}"
    tasks = []
    for t in sc.tasks:
        d = option.override.get(f"{p.id}.{t.id}", t.duration)
        if f is not None:
            d = scale_distribution(d, f, f"{field}.scale_durations.{p.id}")
        cost = t.cost
        if rate is not None and cost is not None and cost.per_day is not None:
            per_day = scale_distribution(cost.per_day, rate, f"{field}.scale_rates.{p.id}")
            cost = dataclasses.replace(cost, per_day=per_day)
        tasks.append(dataclasses.replace(t, duration=d, cost=cost))
    items = list(sc.costs)
    if p.id in option.add_cost:
        items.append(_fixed_cost(f"option.{option.name}", option.add_cost[p.id]))
    risks = []
    for r in sc.risks:
        if f"{p.id}.{r.id}" in option.mitigate:
            r, spend = _mitigated(r)
            if spend:
                items.append(_fixed_cost(f"mitigate.{r.id}", spend))
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
    """One option of a comparison, as :func:`compare` found it.

    Each objective's probability, the joint success, each KPI's mean, SD and
    percentiles, each goal's mean, total cost percentiles, per objective (and ``joint``)
    the difference to the baseline with a 95 % interval from the paired per-iteration
    differences, and the options it dominates and is dominated by. A statistic that is not
    finite is None.

    Attributes
    ----------
    name : str
        The option's name.
    objectives : dict of str to float
        Each objective's probability.
    joint : float
        The probability that every objective is met in the same iteration.
    kpis : dict of str to dict
        Each KPI's ``mean``, ``sd`` and ``percentiles``.
    cost : dict of str to float or None
        Total cost percentiles (``"P50"``, ``"P80"``).
    vs_baseline : dict of str to dict of str to float
        Per objective and ``"joint"``: ``{"diff", "low", "high"}``, the difference to the
        baseline's probability with its 95 % interval.
    goals : dict of str to float or None
        Each goal's mean.
    dominated_by, dominates : tuple of str
        The options that dominate this one, and those it dominates.
    """

    name: str
    objectives: dict[str, float]
    joint: float
    kpis: dict[str, dict[str, Any]]
    cost: dict[str, float | None]
    vs_baseline: dict[str, dict[str, float]]
    goals: dict[str, float | None] = dataclasses.field(default_factory=dict)
    dominated_by: tuple[str, ...] = ()
    dominates: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The option's entry of the ``riskengine compare --json`` document."""
        return {
            "objectives": {k: {"probability": v} for k, v in self.objectives.items()},
            "joint": self.joint,
            "kpis": self.kpis,
            "goals": {k: {"mean": v} for k, v in self.goals.items()},
            "cost": {"percentiles": self.cost},
            "vs_baseline": self.vs_baseline,
            "dominated": bool(self.dominated_by),
            "dominated_by": list(self.dominated_by),
            "dominates": list(self.dominates),
        }


@dataclass(frozen=True, eq=False)
class Comparison:
    """What :func:`compare` returns: each option's results and what decides dominance.

    ``options[name]`` (baseline first) and the ``goals`` that, with every objective and
    the joint success, decide dominance.

    Attributes
    ----------
    portfolio : str
        The portfolio's name.
    iterations, seed : int
        What every option was run with.
    options : dict of str to OptionResult
        Each option's results, baseline first.
    outcomes : dict of str to StrategyOutcome
        Each option's per-iteration quantities and objective hits.
    goals : tuple of Goal
        The quantities whose means rank options.
    """

    portfolio: str
    iterations: int
    seed: int
    options: dict[str, OptionResult]
    outcomes: dict[str, StrategyOutcome]
    goals: tuple[Goal, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON document written by ``riskengine compare --json``."""
        return {
            "portfolio": self.portfolio,
            "iterations": self.iterations,
            "seed": self.seed,
            "goals": [{"id": g.id, "direction": g.direction} for g in self.goals],
            "options": {k: v.to_dict() for k, v in self.options.items()},
        }

    def dominance(self) -> list[tuple[str, str]]:
        """Every (dominating, dominated) pair, in option order."""
        return [(o.name, other) for o in self.options.values() for other in o.dominates]

    def to_frame(self) -> pd.DataFrame:
        """One row per option: objective probabilities, joint success, goal means, cost
        percentiles and the differences to the baseline.

        Returns
        -------
        pandas.DataFrame
            Indexed by option name, baseline first.
        """
        import pandas as pd

        rows = []
        for o in self.options.values():
            row: dict[str, Any] = {"option": o.name}
            row.update({f"P({k})": v for k, v in o.objectives.items()})
            row["P(all)"] = o.joint
            row.update({f"mean {k}": v for k, v in o.goals.items()})
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
    client: Client | DaskBackend | None = None,
) -> Comparison:
    """Simulate every option with the same seed (common random numbers), compare each
    with ``baseline`` and find which options dominate which.

    Parameters
    ----------
    portfolio : Portfolio
        A portfolio with ``options`` (a portfolio without them has only the baseline).
    iterations : int, optional
        Iterations per option (default: the portfolio's).
    seed : int, optional
        The same for every option (default: the portfolio's).
    percentiles : tuple of float, default (50.0, 80.0)
        The P-values of KPIs and total cost.
    progress : callable, optional
        Called as ``progress(done, total)`` with options simulated.
    client : distributed.Client, optional
        Run the options on this Dask cluster: the chunks of every option are submitted
        at once, so the workers stay busy; the same numbers bit for bit. None runs them
        on this machine's threads.

    Returns
    -------
    Comparison
        Each option's results, the goals, and which options dominate which.

    Raises
    ------
    ScenarioError
        For an invalid option (naming ``options.<name>``) or setting.
    """
    options = parse_options(portfolio)
    goals = goals_of(portfolio.kpis, portfolio.objectives)
    iterations = portfolio.simulation.iterations if iterations is None else iterations
    seed = portfolio.simulation.seed if seed is None else seed
    all_ms = tuple(f"{p.id}.{m.id}" for p in portfolio.projects for m in p.scenario.milestones)
    outcomes: dict[str, StrategyOutcome] = {}
    costs: dict[str, np.ndarray] = {}
    cluster = backend(client)
    networks: Iterable[tuple[Option, Scenario, CompiledNetwork]] = _networks(portfolio, options)
    ahead: dict[str, list[Piece]] = {}
    if cluster is not None:  # every option's chunks in flight; each simulate then gathers
        check_run_settings(iterations, seed, percentiles)
        networks = list(networks)
        ahead = {opt.name: _submit(cluster, sc, net, iterations, seed) for opt, sc, net in networks}
    for i, (opt, sc, net) in enumerate(networks):
        r = simulate(
            sc,
            iterations,
            seed,
            percentiles,
            criticality=False,
            sensitivity=False,
            drivers=False,
            task_dates=False,
            jcl=None,
            plan=False,
            network=net,
            client=cluster,
        )
        ahead.pop(opt.name, None)  # its chunks' results may leave the workers now
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
        kpis = {
            k: kpi_statistics(out.quantities[k], percentiles, k, opt.name, r.interval_confidence)
            for k in out.kpi_ids
        }
        means = {
            g.id: kpis[g.id]["mean"]
            if g.id in kpis
            else statistics(out.quantities[g.id], ())["mean"]
            for g in goals
        }
        pct = np.percentile(costs[opt.name], percentiles)
        results[opt.name] = OptionResult(
            name=opt.name,
            objectives={o.id: out.probability(o.id) for o in portfolio.objectives},
            joint=float(np.mean(out.joint)),
            kpis=kpis,
            cost={pkey(p): finite(v) for p, v in zip(percentiles, pct, strict=True)},
            vs_baseline=vs,
            goals=means,
        )
    return Comparison(
        portfolio=portfolio.name,
        iterations=iterations,
        seed=seed,
        options=_mark_dominance(results, goals),
        outcomes=outcomes,
        goals=goals,
    )


def _networks(
    portfolio: Portfolio, options: Iterable[Option]
) -> Iterator[tuple[Option, Scenario, CompiledNetwork]]:
    """Each option with its scenario and network, compiled as they are asked for."""
    first: Scenario | None = None  # the first option's scenario, whose network others reuse
    for opt in options:
        sc = compose(apply_option(portfolio, opt))
        yield opt, sc, _compiled(sc, first)
        first = first or sc


def _submit(
    cluster: DaskBackend, sc: Scenario, net: CompiledNetwork, iterations: int, seed: int
) -> list[Piece]:
    """Submit the chunks of an option's run as :func:`compare`'s ``simulate`` will ask for
    them (the same keys, so Dask computes them once): its results are on the workers, or
    being computed, when that simulate gathers them."""
    lhs_n = iterations if sc.simulation.sampling == "lhs" else 0
    return cluster.submit(
        net,
        iterations,
        seed,
        criticality=False,
        block=DEFAULT_BLOCK,
        it_start=0,
        lhs_n=lhs_n,
        finish_window=None,
    )


def _compiled(sc: Scenario, first: Scenario | None) -> CompiledNetwork:
    """An option's network: the first option's reused when this one changes only risks or
    cost items (mitigations, added costs), else compiled in full (same arrays either
    way)."""
    try:
        return compile_network(sc) if first is None else compile_variant(sc, first)
    except ScenarioError as e:
        raise e.located(sc.source) from None


def _mark_dominance(
    results: dict[str, OptionResult], goals: tuple[Goal, ...]
) -> dict[str, OptionResult]:
    """One option dominates another when it is no worse on every criterion (each
    objective's probability, the joint success, each goal's mean in its direction) and
    better on one. A goal mean that is not finite (None) makes the pair incomparable: no
    dominance is claimed either way."""

    def scores(o: OptionResult) -> list[float] | None:
        # higher is better everywhere: probabilities, and each goal's mean (negated for min);
        # None when a goal mean is not finite
        means = []
        for g in goals:
            mean = o.goals[g.id]
            if mean is None:
                return None
            means.append(mean if g.direction == "max" else -mean)
        return [*o.objectives.values(), o.joint, *means]

    def beats(a: list[float] | None, b: list[float] | None) -> bool:
        if a is None or b is None:
            return False
        pairs = list(zip(a, b, strict=True))
        return all(x >= y for x, y in pairs) and any(x > y for x, y in pairs)

    score = {name: scores(o) for name, o in results.items()}
    return {
        name: dataclasses.replace(
            o,
            dominated_by=tuple(k for k in results if k != name and beats(score[k], score[name])),
            dominates=tuple(k for k in results if k != name and beats(score[name], score[k])),
        )
        for name, o in results.items()
    }
