"""Compiled networks reused where the same network is simulated again (option
comparisons, the risk register) give the numbers of compiling from scratch, bit for bit."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import riskengine as rk
from naive_compile import compile_network_naive
from riskengine.analysis.register import risk_register
from riskengine.engine.compile import compile_network, compile_variant
from riskengine.io.options_file import parse_options
from riskengine.portfolio.composition import compose
from riskengine.portfolio.options import apply_option
from riskengine.portfolio.strategy import evaluate
from test_compile_arrays import assert_same, random_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture(scope="module")
def portfolio():
    return rk.load_portfolio(SCENARIOS / "portfolio" / "fy27.yaml")


def test_option_networks_equal_their_own_compile_whether_reused_or_not(portfolio):
    options = parse_options(portfolio)
    first = compose(apply_option(portfolio, options[0]))
    base = compile_network(first)
    reused = 0
    for opt in options:
        sc = compose(apply_option(portfolio, opt))
        net = compile_variant(sc, first)
        assert_same(net, compile_network_naive(sc))
        reused += net.pred_gather is base.pred_gather
    # the baseline and the shared risk's mitigation share the baseline's network; the
    # options that move starts, scale durations or drop projects compile their own
    assert reused == 2


def test_a_variant_that_changes_anything_but_risks_and_costs_is_compiled_in_full():
    sc = random_scenario(5)
    compile_network(sc)
    tasks = (dataclasses.replace(sc.tasks[0], duration=rk.parse_distribution(99)), *sc.tasks[1:])
    other = dataclasses.replace(sc, tasks=tasks)
    net = compile_variant(other, sc)
    assert net.par[net.task_ids.index(sc.tasks[0].id), 0] == 99
    assert_same(net, compile_network_naive(other))


def test_compare_gives_the_results_of_simulating_each_option_afresh(portfolio):
    comparison = rk.compare(portfolio, 300, 11)
    all_ms = tuple(f"{p.id}.{m.id}" for p in portfolio.projects for m in p.scenario.milestones)
    for opt in parse_options(portfolio):
        r = rk.simulate(
            compose(apply_option(portfolio, opt)),
            300,
            11,
            criticality=False,
            sensitivity=False,
            drivers=False,
            task_dates=False,
            jcl=None,
            plan=False,
        )
        fresh = evaluate(r, portfolio.project_ids, portfolio.kpis, portfolio.objectives, all_ms)
        outcome = comparison.outcomes[opt.name]
        assert outcome.quantities.keys() == fresh.quantities.keys()
        for key, values in fresh.quantities.items():
            assert outcome.quantities[key].tobytes() == values.tobytes(), (opt.name, key)


def test_the_register_reuses_its_network_and_matches_fresh_runs():
    sc = rk.load_scenario(SCENARIOS / "plant_upgrade.yaml")
    reg = risk_register(sc, iterations=400, seed=3)
    fresh = rk.simulate(dataclasses.replace(sc), 400, 3, mitigated=True, sensitivity=False)
    assert reg.post.project_finish.tobytes() == fresh.project_finish.tobytes()
    assert reg.post.costs["total"].tobytes() == fresh.costs["total"].tobytes()
    pre = rk.simulate(dataclasses.replace(sc), 400, 3)
    assert reg.pre.project_finish.tobytes() == pre.project_finish.tobytes()
    assert reg.pre.drivers == pre.drivers
