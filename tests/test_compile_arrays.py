"""The compiler gives the arrays of its plain reference (tests/naive_compile.py) bit for
bit, on the shipped scenarios and on random networks with every feature: calendars,
progress, constraints, costs and groups, cost spans, risks with mitigations, correlated
tasks and risks, existence, milestones with targets."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import random
import warnings
from pathlib import Path

import numpy as np
import pytest

import riskengine as rk
from naive_compile import compile_network_naive, topological_order_naive
from riskengine.engine.compile import CompiledNetwork
from riskengine.engine.compile import compile_network as compile_fast
from riskengine.model.distributions import parse_distribution
from riskengine.model.scenario import (
    CONSTRAINT_KINDS,
    Calendar,
    Constraint,
    Correlation,
    Cost,
    CostItem,
    Impact,
    Link,
    Milestone,
    Mitigation,
    Risk,
    Scenario,
    SimulationSettings,
    Task,
)
from riskengine.model.validate import topological_order
from riskengine.portfolio.composition import compose

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
START = _dt.date(2027, 1, 4)


def compile_network(sc: Scenario, **kw) -> CompiledNetwork:
    """The fast compiler on a fresh copy of the scenario, so nothing it keeps for a
    scenario object it has seen before takes part."""
    return compile_fast(dataclasses.replace(sc), **kw)


def assert_same(a: CompiledNetwork, b: CompiledNetwork) -> None:
    """Every field equal: arrays in dtype, shape and every bit (NaN where NaN)."""
    for f in dataclasses.fields(CompiledNetwork):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape, f.name
            assert x.tobytes() == y.tobytes(), f.name
        elif f.name == "timeline":
            for u, v in zip((x.days, *x.tables), (y.days, *y.tables), strict=True):
                assert u.dtype == v.dtype and u.tobytes() == v.tobytes(), f.name
            assert (x.project, x.index, x.dated) == (y.project, y.index, y.dated)
        else:
            assert x == y, f.name


def dist(rng: random.Random, scale: float = 10.0):
    lo = rng.randint(0, int(scale))
    mode = lo + rng.randint(0, int(scale))
    hi = mode + rng.randint(0, int(scale))
    kind = rng.choice(["fixed", "pert", "triangular", "uniform", "discrete", "lognormal"])
    if kind == "fixed":
        return parse_distribution(mode)
    if kind == "discrete":
        return parse_distribution({"dist": "discrete", "values": [lo, hi], "weights": [2, 1]})
    if kind == "lognormal":
        return parse_distribution({"dist": "lognormal", "mean": mode + 1, "sd": 2})
    if kind == "uniform":
        return parse_distribution({"dist": "uniform", "min": lo, "max": hi})
    return parse_distribution({"dist": kind, "min": lo, "mode": mode, "max": hi})


def random_scenario(seed: int, n: int = 40) -> Scenario:
    """A random network using every feature the compiler flattens."""
    rng = random.Random(seed)
    dated = rng.random() < 0.7
    calendars = (
        (
            Calendar("office", holidays=(_dt.date(2027, 3, 26),)),
            Calendar("six", workdays=(0, 1, 2, 3, 4, 5)),
        )
        if dated and rng.random() < 0.6
        else ()
    )
    data_date = START + _dt.timedelta(days=20) if dated and rng.random() < 0.5 else None
    ids = [f"t{i}" for i in range(n)]
    tasks = []
    for i in range(n):
        preds = []
        for p in sorted(rng.sample(range(i), min(i, rng.randint(0, 4)))):
            kind = rng.choice(["FS", "FS", "SS", "FF", "SF"])
            preds.append(Link(ids[p], kind, rng.choice([0.0, 0.0, 2.0, -1.0])))
        extra: dict = {}
        if calendars and rng.random() < 0.5:
            extra["calendar"] = rng.choice(["office", "six"])
        if rng.random() < 0.3:
            extra["cost"] = Cost(
                fixed=dist(rng, 100) if rng.random() < 0.5 else None, per_day=dist(rng, 50)
            )
        if rng.random() < 0.3:
            extra["group"] = rng.choice(["a", "b"])
        if rng.random() < 0.1:
            extra["existence"] = 0.8
        if dated and rng.random() < 0.1:
            extra["start_no_earlier_than"] = START + _dt.timedelta(days=rng.randint(0, 30))
        elif dated and rng.random() < 0.15:
            day = START + _dt.timedelta(days=rng.randint(0, 40))
            kind = rng.choice(CONSTRAINT_KINDS)
            extra["constraints"] = (Constraint(kind, None if kind == ALAP else day),)
        duration = dist(rng)
        if rng.random() < 0.08:  # a milestone: of either kind, or a task of duration 0
            duration = parse_distribution(0)
            extra["milestone"] = rng.choice(["start", "finish", None])
        if data_date is not None and i < 8 and rng.random() < 0.6:
            extra["actual_start"] = START + _dt.timedelta(days=i)
            if rng.random() < 0.5:
                extra["actual_finish"] = START + _dt.timedelta(days=i + 3)
            elif rng.random() < 0.5:
                extra["remaining"] = dist(rng)
            if rng.random() < 0.3:
                extra["actual_cost"] = float(rng.randint(0, 500))
        tasks.append(Task(ids[i], duration, predecessors=tuple(preds), **extra))
    risks = []
    for r in range(rng.randint(0, 5)):
        impacts = []
        for tid in rng.sample(ids, rng.randint(1, 3)):
            impacts.append(
                Impact(
                    tid,
                    delay=dist(rng) if not impacts or rng.random() < 0.7 else None,
                    delay_pct=parse_distribution({"dist": "uniform", "min": 5, "max": 20})
                    if rng.random() < 0.3
                    else None,
                    cost=dist(rng, 1000) if rng.random() < 0.3 else None,
                )
            )
        mitigation = None
        if rng.random() < 0.6:
            mitigation = Mitigation(
                cost=500.0,
                probability=0.05 if rng.random() < 0.7 else None,
                impacts=(Impact(impacts[0].task, delay=dist(rng, 3)),)
                if rng.random() < 0.5
                else (),
            )
        risks.append(Risk(f"r{r}", rng.uniform(0.1, 0.6), tuple(impacts), mitigation=mitigation))
    correlations = []
    if rng.random() < 0.6:
        correlations.append(Correlation(tasks=tuple(rng.sample(ids, 3)), coefficient=0.5))
    if len(risks) >= 2 and rng.random() < 0.5:
        correlations.append(Correlation(risks=(risks[0].id, risks[1].id), coefficient=0.4))
    milestones = [
        Milestone("m1", tuple(rng.sample(ids[: n // 2], 2)), target=float(rng.randint(20, 60)))
    ]
    if dated:
        milestones.append(
            Milestone("m2", (ids[-1], ids[-2]), target_date=START + _dt.timedelta(days=200))
        )
    milestones.append(Milestone("m3", (ids[n // 3],)))
    costs = []
    if rng.random() < 0.7:
        costs.append(CostItem("overhead", Cost(per_day=dist(rng, 100)), group="a"))
    if rng.random() < 0.5:
        costs.append(CostItem("crew", Cost(per_day=dist(rng, 100)), span=(ids[3], ids[9])))
    scenario = Scenario(
        name=f"random {seed}",
        tasks=tuple(tasks),
        milestones=tuple(milestones),
        start=START if dated else None,
        risks=tuple(risks),
        correlations=tuple(correlations),
        calendars=calendars,
        calendar="office" if calendars else None,
        data_date=data_date,
        costs=tuple(costs),
        simulation=SimulationSettings(constraints=rng.choice(["soft", "hard"])),
    )
    return with_spans(scenario, random.Random(seed + 7919))


def with_spans(sc: Scenario, rng: random.Random) -> Scenario:
    """``sc`` with, in most seeds, some tasks made levels of effort (a task with a
    successor, no progress and no risk, correlation or level of effort next to it) and
    a WBS summary added."""
    if rng.random() < 0.3:
        return sc
    busy = {t for c in sc.correlations for t in c.tasks}
    for r in sc.risks:
        busy |= {imp.task for imp in (*r.impacts, *(r.mitigation.impacts if r.mitigation else ()))}
    succs: dict[str, set[str]] = {t.id: set() for t in sc.tasks}
    for t in sc.tasks:
        for lk in t.predecessors:
            succs[lk.task].add(t.id)
    tasks = list(sc.tasks)
    chosen: set[str] = set()
    for k, t in enumerate(tasks):
        near = succs[t.id] | {lk.task for lk in t.predecessors}
        if t.id in busy or not succs[t.id] or near & chosen or t.actual_start is not None:
            continue
        if rng.random() < 0.2:
            chosen.add(t.id)
            tasks[k] = dataclasses.replace(
                t,
                duration=parse_distribution(0),
                type="level-of-effort",
                existence=1.0,
                start_no_earlier_than=None,
                constraints=(),
                milestone=None,
            )
    members = tuple(rng.sample([t.id for t in sc.tasks], 3))
    cal = rng.choice([None, *(c.id for c in sc.calendars)])
    cost = Cost(per_day=dist(rng, 20)) if rng.random() < 0.5 else None
    tasks.append(Task("w0", 0, calendar=cal, cost=cost, type="wbs-summary", summarises=members))
    return dataclasses.replace(sc, tasks=tuple(tasks))


def shipped() -> list[Scenario]:
    out = [rk.load_scenario(SCENARIOS / "plant_upgrade.yaml")]
    out.append(compose(rk.load_portfolio(SCENARIOS / "portfolio" / "fy27.yaml")))
    return out


MODES = [{}, {"mitigated": True}, {"without": frozenset({"r0", "r2"})}]


@pytest.mark.parametrize("kw", MODES)
def test_shipped_scenarios_compile_to_the_reference_arrays(kw):
    for sc in shipped():
        assert_same(compile_network(sc, **kw), compile_network_naive(sc, **kw))


@pytest.mark.parametrize("seed", range(40))
def test_random_networks_compile_to_the_reference_arrays(seed):
    sc = random_scenario(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a random correlation may need repairing
        for kw in MODES:
            assert_same(compile_network(sc, **kw), compile_network_naive(sc, **kw))


ALAP = "as-late-as-possible"


def test_the_random_networks_use_every_feature():
    """The random networks above are worth testing on: between them, they have each
    feature the compiler flattens."""
    nets = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nets = [compile_network(random_scenario(s)) for s in range(40)]
    assert any((n.task_cal >= 0).any() for n in nets)
    assert any((n.task_mode == 1).any() and (n.task_mode == 2).any() for n in nets)
    assert any(n.has_costs and len(n.group_ids) > 1 for n in nets)
    assert any(len(n.span_ids) for n in nets)
    assert any((n.imp_kind == 2).any() and (n.imp_kind == 1).any() for n in nets)
    assert any((n.corr_slot >= 0).any() and (n.imp_slot >= 0).any() for n in nets)
    assert any((n.exist_p < 1).any() for n in nets)
    assert any(n.alap.size for n in nets)
    assert any((n.hammock_kind == 0).any() and (n.hammock_kind == 1).any() for n in nets)
    assert any((n.actual_cost > 0).any() for n in nets)
    assert any(np.isfinite(n.targets).all() and n.targets.size >= 3 for n in nets) or any(
        np.isfinite(n.targets).sum() >= 2 for n in nets
    )


@pytest.mark.parametrize("seed", range(0, 40, 3))
def test_recompiling_the_same_scenario_reuses_its_network_and_gives_the_same_arrays(seed):
    """Compiling a scenario object again under another risk state (the register's
    post-mitigation run, a rerun without some risks) derives the network from the first
    compile instead of starting over, and the arrays are those of a compile from
    scratch."""
    sc = random_scenario(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = compile_fast(sc)
        for kw in [*MODES, {}]:
            again = compile_fast(sc, **kw)
            assert_same(again, compile_network_naive(sc, **kw))
            assert again.pred_gather is first.pred_gather  # reused, not rebuilt
            assert again.member is first.member


def test_a_reused_network_warns_and_rejects_as_a_first_compile_does():
    bad = Correlation(("t0", "t1", "t2"), matrix=((1, 0.9, -0.9), (0.9, 1, 0.9), (-0.9, 0.9, 1)))
    sc = dataclasses.replace(random_scenario(1), correlations=(bad,))
    for _ in range(2):
        with pytest.warns(rk.RiskEngineWarning, match="not positive semi-definite"):
            compile_fast(sc)
        with pytest.raises(rk.ScenarioError, match="not positive semi-definite"):
            compile_fast(sc, strict=True)
    with pytest.raises(rk.ScenarioError, match="not positive semi-definite"):
        compile_fast(dataclasses.replace(sc), strict=True)  # strict first: no repair made


def test_simulating_a_scenario_again_gives_the_results_of_a_fresh_copy():
    """simulate() on a scenario compiled before (in another risk state) returns bit for
    bit what a scenario object never seen before returns."""
    sc = next(s for s in map(random_scenario, range(3, 40)) if s.risks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rk.simulate(sc, 500, 7, mitigated=True, drivers=False)
        for kw in ({}, {"mitigated": True}):
            a = rk.simulate(sc, 500, 7, **kw)
            b = rk.simulate(dataclasses.replace(sc), 500, 7, **kw)
            assert a.project_finish.tobytes() == b.project_finish.tobytes()
            assert a.criticality == b.criticality and a.drivers == b.drivers
            for k in a.costs or {}:
                assert a.costs[k].tobytes() == b.costs[k].tobytes()


@pytest.mark.parametrize("seed", range(12))
def test_topological_order_is_kahns_with_ties_in_file_order(seed):
    """The order numbers every per-task array (and the order costs are summed in): it is
    the plain queue-based Kahn order, duplicate links and shuffled files included."""
    rng = random.Random(seed)
    sc = random_scenario(seed, n=60)
    tasks = list(sc.tasks)
    if seed % 2:  # a link given twice
        t = next(t for t in tasks if t.predecessors)
        tasks[tasks.index(t)] = dataclasses.replace(t, predecessors=t.predecessors * 2)
    rng.shuffle(tasks)
    sc = dataclasses.replace(sc, tasks=tuple(tasks))
    assert topological_order(sc) == topological_order_naive(sc)
