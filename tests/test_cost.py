"""Cost loading, cost groups, contingency and the joint confidence level."""

from __future__ import annotations

import dataclasses
import datetime as _dt

import numpy as np
import pytest

import naive
import riskengine as rk
from helpers import scenario, task
from riskengine.engine.compile import stream_of
from riskengine.engine.simulation import _simulate
from riskengine.model.distributions import parse_distribution
from riskengine.model.scenario import Cost, CostItem, Impact, Risk

START = _dt.date(2027, 1, 4)
TRI = {"dist": "triangular", "min": 4, "mode": 6, "max": 14}


def costed(t, fixed=None, per_day=None, group=""):
    parts = [None if v is None else parse_distribution(v) for v in (fixed, per_day)]
    return dataclasses.replace(t, cost=Cost(*parts), group=group)


def run(sc, n=None, **kw):
    kw.setdefault("sensitivity", False)
    return _simulate(sc, n, **kw)  # takes the engine's block and chunk too


def test_mean_cost_is_fixed_plus_rate_times_mean_duration():
    f, r = 12_000.0, 1_500.0
    sc = scenario([costed(task("a", TRI), f, r)], start=START, iterations=20_000)
    res = run(sc)
    mean_d = (4 + 6 + 14) / 3
    sd = res.cost.sd
    assert abs(res.cost.mean - (f + r * mean_d)) < 3 * sd / np.sqrt(20_000)
    assert res.cost.mean_se == pytest.approx(sd / np.sqrt(20_000))


def test_per_day_cost_uses_each_iterations_sampled_duration():
    f, r = 500.0, 100.0
    sc = scenario(
        [costed(task("a", TRI), f, r), costed(task("b", TRI, ["a"]), None, 40.0)],
        start=START,
        iterations=300,
    )
    res = run(sc)
    for it in range(300):
        d, _ = naive.durations(sc, sc.simulation.seed, it)
        want = f + r * d["a"] + 40.0 * d["b"]
        assert res.costs["total"][it] == pytest.approx(want, rel=1e-12)
    # the planned duration would give one value in every iteration
    assert np.ptp(res.costs["total"]) > 0


def test_cost_parts_may_be_distributions_with_their_own_draws():
    fixed = {"dist": "uniform", "min": 1000, "max": 3000}
    rate = {"dist": "uniform", "min": 10, "max": 30}
    sc = scenario([costed(task("a", 10), fixed, rate)], start=START, iterations=200)
    res = run(sc)
    stream = stream_of("task", "a")
    for it in range(200):
        u_f = naive.uniform(sc.simulation.seed, stream, it, 2)
        u_r = naive.uniform(sc.simulation.seed, stream, it, 3)
        want = 1000 + 2000 * u_f + (10 + 20 * u_r) * 10
        assert res.costs["total"][it] == pytest.approx(want, rel=1e-12)


def test_risk_cost_impacts_and_existence():
    risk = Risk(
        "leak",
        0.3,
        (Impact("a", cost=parse_distribution({"dist": "uniform", "min": 100, "max": 200})),),
    )
    maybe = dataclasses.replace(costed(task("b", 5), 1000.0, 10.0), existence=0.4)
    sc = dataclasses.replace(
        scenario([costed(task("a", 5), 50.0), maybe], start=START, iterations=400),
        risks=(risk,),
    )
    res = run(sc)
    seed = sc.simulation.seed
    rs = stream_of("risk", "leak")
    for it in range(400):
        _, exists = naive.durations(sc, seed, it)
        want = 50.0 + (1000.0 + 50.0 if exists["b"] else 0.0)
        if naive.uniform(seed, rs, it, 0) < 0.3:
            want += 100 + 100 * naive.uniform(seed, rs, it, 3)
        assert res.costs["total"][it] == pytest.approx(want, rel=1e-12)


def test_project_cost_items_scale_with_the_project_duration():
    overhead = CostItem("overhead", Cost(per_day=parse_distribution(1000)), group="indirect")
    insurance = CostItem("insurance", Cost(fixed=parse_distribution(5000)))
    sc = dataclasses.replace(
        scenario([costed(task("a", TRI), 0, 100, group="civil")], start=START, iterations=500),
        costs=(overhead, insurance),
    )
    res = run(sc)
    days = res.project_finish
    assert res.costs["indirect"] == pytest.approx(1000 * days, rel=1e-12)
    assert res.costs["civil"] == pytest.approx(100 * days, rel=1e-12)  # duration = finish
    assert res.costs["total"] == pytest.approx(1100 * days + 5000, rel=1e-12)
    # once groups are used every cost is in one: the insurance names none
    assert set(res.group_costs) == {"civil", "indirect", "ungrouped"}
    assert res.costs["ungrouped"] == pytest.approx(np.full(500, 5000.0), rel=1e-12)


def _groups_add_up(res):
    groups = sum(x for g, x in res.costs.items() if g != "total")
    np.testing.assert_allclose(groups, res.costs["total"], rtol=1e-12)


def test_every_cost_is_in_a_group_mitigation_spend_included():
    # a grouped task, an ungrouped task with a risk's cost impact, and a mitigation action
    a = costed(task("a", TRI), 100, 10, group="civil")
    b = costed(task("b", 5, ["a"]), 50)
    r = Risk(
        "r",
        0.5,
        (Impact("b", cost=parse_distribution(700)),),
        mitigation=rk.Mitigation(cost=2500.0, probability=0.1),
    )
    sc = dataclasses.replace(scenario([a, b], iterations=400), risks=(r,))
    for mitigated in (False, True):
        res = run(sc, mitigated=mitigated)
        _groups_add_up(res)
        assert ("mitigation" in res.costs) == mitigated
    res = run(sc, mitigated=True)
    assert res.costs["mitigation"] == pytest.approx(np.full(400, 2500.0))
    assert res.group_costs["mitigation"].mean == pytest.approx(2500.0)
    assert res.group_costs["mitigation"].deterministic == pytest.approx(2500.0)


def test_plant_groups_add_up_before_and_after_mitigation():
    sc = rk.load_scenario("scenarios/plant_upgrade.yaml")
    for mitigated in (False, True):
        res = run(sc, 500, mitigated=mitigated, drivers=False, criticality=False)
        _groups_add_up(res)
        det = sum(c.deterministic for c in res.group_costs.values())
        assert det == pytest.approx(res.cost.deterministic, rel=1e-12)


def test_task_mean_costs_and_contingency():
    sc = scenario(
        [costed(task("a", TRI), 100.0, 10.0), costed(task("b", TRI, ["a"]), 0.0, 20.0)],
        start=START,
        iterations=4000,
    )
    res = run(sc)
    # the deterministic plan takes each duration's mode
    assert res.task_costs["a"]["deterministic"] == pytest.approx(100 + 10 * 6)
    assert res.task_costs["b"]["deterministic"] == pytest.approx(20 * 6)
    assert res.cost.deterministic == pytest.approx(100 + 60 + 120)
    for q, v in res.cost.percentiles.items():
        assert res.cost.contingency[q] == pytest.approx(v - res.cost.deterministic)
    # task means (kept in fixed point: 1/64 of a unit per iteration at most) add up
    total = res.task_costs["a"]["mean"] + res.task_costs["b"]["mean"]
    assert total == pytest.approx(res.cost.mean, abs=1 / 64)


def test_costs_are_bit_identical_whatever_the_chunking():
    sc = scenario(
        [costed(task(f"t{i}", TRI, [f"t{i - 1}"] if i else []), 10.0 * i, 3.0) for i in range(9)],
        start=START,
        iterations=3001,
    )
    a = run(sc)
    b = run(sc, block=16, chunk=112)
    assert np.array_equal(a.costs["total"], b.costs["total"])
    assert a.task_costs == b.task_costs


def test_jcl_is_the_empirical_joint_frequency():
    sc = scenario(
        [costed(task("a", TRI), 0, 1000.0), costed(task("b", TRI), 0, 800.0)],
        [("end", ["a", "b"])],
        start=START,
        iterations=5000,
    )
    res = run(sc, jcl=0.7)
    jc = res.jcl
    cost, t = res.costs["total"], res.times["project"]
    for pair in (jc.p50_pair, jc.p80_pair):
        deadline = res.timeline.end_of(_dt.date.fromisoformat(pair["date"]))
        want = np.mean((cost <= pair["cost"]) & (t <= deadline + 1e-9))
        assert pair["jcl"] == pytest.approx(want, abs=0)
    for pt in jc.frontier:
        deadline = res.timeline.end_of(_dt.date.fromisoformat(pt["date"]))
        ok = t <= deadline + 1e-9
        assert np.mean(ok & (cost <= pt["cost"])) >= 0.7
        cheaper = cost[ok & (cost < pt["cost"])]
        if cheaper.size:
            assert np.mean(ok & (cost <= cheaper.max())) < 0.7
    assert res.to_dict()["jcl"]["target"] == 0.7
    assert set(res.to_dict()["cost"]) >= {"mean", "sd", "percentiles", "deterministic"}


def test_no_costs_no_cost_output():
    res = run(scenario([task("a", 3)], start=START, iterations=10))
    assert res.cost is None and res.jcl is None and "cost" not in res.to_dict()
