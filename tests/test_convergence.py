"""The Monte Carlo uncertainty of P-values (analysis/convergence.py) and runs that stop
when converged (``simulate(convergence=...)``, ``simulation.convergence``, ``run
--converge``)."""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

import riskengine as rk
from riskengine import cli
from riskengine.analysis.convergence import (
    binomial_cdf,
    half_width,
    half_widths,
    interval_ranks,
    percentile_intervals,
)
from riskengine.engine.runner import run_kernel
from riskengine.io.scenario_file import load_scenario
from riskengine.io.scenario_writer import scenario_yaml

ROOT = Path(__file__).resolve().parents[1]
PLANT = ROOT / "scenarios" / "plant_upgrade.yaml"


# ---- the interval's rank arithmetic -------------------------------------------------


def exact_cdf(n: int, p: Fraction) -> list[Fraction]:
    """P(Binomial(n, p) <= k) for k = 0..n, in exact fractions."""
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    return [sum(pmf[: k + 1], Fraction(0)) for k in range(n + 1)]


def test_the_ranks_of_the_median_of_ten_by_hand():
    # B(1) = 11/1024 ≤ 0.025 < B(2) = 56/1024: l − 1 = 1;
    # B(7) = 968/1024 < 0.975 ≤ B(8) = 1013/1024: u − 1 = 8
    cdf = exact_cdf(10, Fraction(1, 2))
    assert (cdf[1], cdf[2], cdf[7], cdf[8]) == tuple(Fraction(k, 1024) for k in (11, 56, 968, 1013))
    assert interval_ranks(10, 50.0, 0.95) == (2, 9)


def test_five_iterations_cannot_bound_a_median_at_95_but_can_at_90():
    # B(0) = 1/32 = 0.03125 > 0.025: no lower rank; B(4) = 31/32 < 0.975: no upper
    assert interval_ranks(5, 50.0, 0.95) == (0, 6)
    assert half_width(percentile_intervals(np.arange(5.0), [50.0], 0.95)[0]) == math.inf
    # at 90 %, α = 0.05: B(0) ≤ 0.05 and B(4) ≥ 0.95, so X(1) and X(5)
    assert interval_ranks(5, 50.0, 0.90) == (1, 5)
    assert percentile_intervals(np.array([5.0, 1.0, 4.0, 2.0, 3.0]), [50.0], 0.90) == [(1.0, 5.0)]


def test_p0_and_p100_are_bounded_on_one_side_only():
    assert interval_ranks(20, 0.0, 0.95) == (0, 1)
    assert interval_ranks(20, 100.0, 0.95) == (20, 21)


@pytest.mark.parametrize("n", [1, 2, 7, 30, 61])
@pytest.mark.parametrize("p", [Fraction(1, 10), Fraction(1, 2), Fraction(4, 5), Fraction(9, 10)])
def test_the_binomial_cdf_is_exact_on_small_n(n, p):
    k0, cdf = binomial_cdf(n, float(p))
    exact = exact_cdf(n, p)
    assert k0 == 0 and len(cdf) == n + 1
    np.testing.assert_allclose(cdf, [float(c) for c in exact], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("n", [3, 10, 99, 1000, 12345, 10**6])
@pytest.mark.parametrize("percentile", [5.0, 10.0, 50.0, 80.0, 97.5])
def test_the_ranks_are_the_extreme_ones_the_definition_allows(n, percentile):
    p, alpha = percentile / 100, 0.025
    low, high = interval_ranks(n, percentile, 0.95)
    b = stats.binom(n, p).cdf
    # the largest l with B(l − 1) ≤ α, the smallest u with B(u − 1) ≥ 1 − α
    assert b(low - 1) <= alpha + 1e-12 and (low == n or b(low) > alpha - 1e-12)
    assert high == n + 1 or b(high - 1) >= 1 - alpha - 1e-12
    assert b(high - 2) < 1 - alpha + 1e-12
    if 1 <= low and high <= n:
        assert b(high - 1) - b(low - 1) >= 0.95 - 1e-12


def test_the_interval_covers_the_true_quantile_at_its_stated_rate():
    # uniform draws: the true P80 is 0.8. 4,000 replications of 1,000 draws; the exact
    # coverage B(u − 1) − B(l − 1) is just above 95 %, the observed one within three
    # binomial standard errors of it
    n, reps, p = 1000, 4000, 80.0
    low, high = interval_ranks(n, p, 0.95)
    exact = stats.binom(n, 0.8).cdf(high - 1) - stats.binom(n, 0.8).cdf(low - 1)
    assert 0.95 <= exact < 0.955
    rng = np.random.default_rng(14)
    hits = 0
    for _ in range(reps):
        lo, hi = percentile_intervals(rng.random(n), [p], 0.95)[0]
        assert lo is not None and hi is not None
        hits += lo <= 0.8 <= hi
    se = math.sqrt(exact * (1 - exact) / reps)
    assert abs(hits / reps - exact) < 3 * se
    assert abs(hits / reps - 0.95) < 3 * se + (exact - 0.95)


def one_uniform_task() -> rk.Scenario:
    """A finish uniform on 10–20 working days: its true Pn is 10 + n / 10."""
    return rk.Scenario("u", (rk.Task("A", {"dist": "uniform", "min": 10, "max": 20}),))


def test_the_engines_intervals_cover_the_true_p_values_over_many_seeds():
    sc = one_uniform_task()
    n, seeds = 400, 300
    quiet = dict(sensitivity=False, drivers=False, criticality=False, plan=False)
    hits = {50.0: 0, 80.0: 0}
    for seed in range(seeds):
        r = rk.simulate(sc, n, seed, (50.0, 80.0), **quiet)
        for p in hits:
            lo, hi = r.project.p_interval[f"P{p:g}"]
            hits[p] += lo <= 10 + p / 10 <= hi
    for p, h in hits.items():
        low, high = interval_ranks(n, p, 0.95)
        b = stats.binom(n, p / 100).cdf
        exact = b(high - 1) - b(low - 1)
        assert exact >= 0.95
        assert abs(h / seeds - exact) < 3 * math.sqrt(exact * (1 - exact) / seeds)


# ---- the intervals in the results ---------------------------------------------------


@pytest.fixture(scope="module")
def plant():
    return load_scenario(PLANT)


@pytest.fixture(scope="module")
def plant_run(plant):
    return rk.simulate(plant, iterations=3000, drivers=False, sensitivity=False)


def test_every_p_value_has_its_interval_in_days_dates_and_money(plant_run):
    r = plant_run
    for s in [*r.milestones.values(), r.project]:
        x = np.sort(r.project_finish if s.id == "project" else r.finishes[s.id])
        for p in r.percentiles:
            key = f"P{p:g}"
            low, high = interval_ranks(r.iterations, p, 0.95)
            assert s.p_interval[key] == (x[low - 1], x[high - 1])
            assert s.p_interval[key][0] <= s.percentiles[key] <= s.p_interval[key][1]
            assert s.date_interval is not None
            lo_date, hi_date = s.date_interval[key]
            assert lo_date <= s.dates[key] <= hi_date
    costs = np.sort(r.costs["total"])
    low, high = interval_ranks(r.iterations, 80.0, 0.95)
    assert r.cost.p_interval["P80"] == (costs[low - 1], costs[high - 1])
    d = r.to_dict()
    assert d["interval_confidence"] == 0.95 and "convergence" not in d
    assert d["project"]["p_interval"]["P50"] == list(r.project.p_interval["P50"])
    assert d["project"]["date_interval"]["P50"] == list(r.project.date_interval["P50"])
    assert d["cost"]["p_interval"]["P80"] == list(r.cost.p_interval["P80"])


def test_an_unbounded_side_is_null_in_the_json():
    r = rk.simulate(one_uniform_task(), 5, 1, (50.0,), sensitivity=False, drivers=False)
    assert r.project.p_interval["P50"] == (None, None)
    assert r.to_dict()["project"]["p_interval"]["P50"] == [None, None]


# ---- runs that stop when converged --------------------------------------------------


def test_blocks_of_iterations_are_the_first_iterations_of_the_whole_run(plant):
    net = rk.compile_network(plant)
    whole = run_kernel(net, 2500, 9, criticality=False)
    parts = [
        run_kernel(net, m, 9, criticality=False, it_start=s)
        for s, m in ((0, 1000), (1000, 1000), (2000, 500))
    ]
    assert np.array_equal(np.concatenate([k.out for k in parts]), whole.out)
    assert np.array_equal(np.concatenate([k.cost for k in parts]), whole.cost)


CONV = rk.Convergence(p=(50.0, 80.0), tolerance=1.5, cost_tolerance=60_000.0, block=500)


@pytest.fixture(scope="module")
def converged(plant):
    return rk.simulate(plant, convergence=CONV, drivers=False)


def test_a_converged_run_equals_the_fixed_run_of_as_many_iterations_bit_for_bit(plant, converged):
    c = converged.convergence
    assert c is not None and c.converged
    assert c.iterations % CONV.block == 0 and CONV.block < c.iterations < CONV.max_iterations
    fixed = rk.simulate(plant, iterations=c.iterations, drivers=False)
    assert converged.iterations == fixed.iterations == c.iterations
    assert np.array_equal(converged.project_finish, fixed.project_finish)
    for m in fixed.finishes:
        assert np.array_equal(converged.finishes[m], fixed.finishes[m])
    assert converged.costs is not None and fixed.costs is not None
    for g in fixed.costs:
        assert np.array_equal(converged.costs[g], fixed.costs[g])
    d = converged.to_dict()
    assert d.pop("convergence") == c.to_dict()
    assert d == fixed.to_dict()


def test_it_stops_at_the_first_block_where_every_watched_interval_is_narrow_enough(
    plant, converged
):
    c = converged.convergence
    assert set(c.half_widths) == {"m_handover", "project", "cost"} | {
        m.id for m in plant.milestones if m.target is not None or m.target_date is not None
    }
    # the widths it stopped on are those of the results it returns
    outputs = {
        oid: converged.finishes[oid] for oid in c.half_widths if oid not in ("project", "cost")
    }
    outputs["project"] = converged.project_finish
    widths = half_widths(outputs, CONV.p, 0.95)
    widths |= half_widths({"cost": converged.costs["total"]}, CONV.p, 0.95)
    assert widths == c.half_widths
    assert all(
        w <= (CONV.cost_tolerance if o == "cost" else CONV.tolerance)
        for o, by_p in widths.items()
        for w in by_p.values()
    )
    # one block fewer was not enough
    before = rk.simulate(
        plant, iterations=c.iterations - CONV.block, drivers=False, sensitivity=False
    )
    outputs = {oid: before.finishes[oid] for oid in c.half_widths if oid not in ("project", "cost")}
    outputs["project"] = before.project_finish
    earlier = half_widths(outputs, CONV.p, 0.95)
    earlier |= half_widths({"cost": before.costs["total"]}, CONV.p, 0.95)
    assert any(
        w > (CONV.cost_tolerance if o == "cost" else CONV.tolerance)
        for o, by_p in earlier.items()
        for w in by_p.values()
    )


def test_a_run_that_does_not_converge_says_so_and_by_how_much(plant):
    conv = rk.Convergence(tolerance=0.01, max_iterations=1200, block=400)
    with pytest.warns(rk.RiskEngineWarning, match=r"did not converge in 1,200 iterations") as w:
        r = rk.simulate(plant, convergence=conv, drivers=False, sensitivity=False)
    assert r.convergence is not None and not r.convergence.converged
    assert r.iterations == 1200
    oid, key, width, limit = r.convergence.excess()
    assert limit == 0.01 and width == max(
        max(v.values()) for v in r.convergence.half_widths.values()
    )
    assert f"±{width:,.4g} working days" in str(w[0].message)


def test_the_scenarios_block_is_used_unless_iterations_are_given(plant):
    sc = dataclasses.replace(
        plant,
        simulation=dataclasses.replace(
            plant.simulation, convergence=rk.Convergence(tolerance=3.0, block=400)
        ),
    )
    quiet = dict(drivers=False, sensitivity=False, criticality=False, task_dates=False)
    r = rk.simulate(sc, **quiet)
    assert r.convergence is not None and r.iterations == r.convergence.iterations
    assert rk.simulate(sc, iterations=800, **quiet).convergence is None
    assert rk.simulate(sc, convergence=False, **quiet).iterations == plant.simulation.iterations


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(sampling="lhs"), "needs monte-carlo sampling"),
        (dict(iterations=1000), "not both"),
        (dict(convergence=rk.Convergence(tolerance=-1)), "must be a number above 0"),
        (dict(convergence=rk.Convergence(p=(50, 100))), "above 0 and below 100"),
        (dict(convergence=rk.Convergence(block=10, max_iterations=5)), "at most max_iterations"),
        (dict(convergence="yes"), "must be a Convergence"),
    ],
)
def test_convergence_mistakes_are_one_clear_error(kwargs, message):
    kwargs.setdefault("convergence", True)
    with pytest.raises(rk.ScenarioError, match=message) as e:
        rk.simulate(one_uniform_task(), **kwargs)
    assert "convergence" in (e.value.field or "") or "sampling" in (e.value.field or "")


def test_a_cost_tolerance_needs_costs():
    with pytest.raises(rk.ScenarioError, match="cost_tolerance needs costs"):
        rk.simulate(one_uniform_task(), convergence=rk.Convergence(cost_tolerance=10.0))


# ---- the scenario file and the command line -----------------------------------------

BASE = """\
name: demo
tasks:
  - {id: A, duration: [10, 15, 20]}
  - {id: B, duration: [1, 2, 4], predecessors: [A]}
"""


def test_the_convergence_block_reads_and_writes_back(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        BASE + "simulation:\n  convergence: {p: [50, 90], tolerance: 1w, confidence: 0.9,"
        " max_iterations: 50000, block: 2000}\n"
    )
    sc = load_scenario(path)
    assert sc.simulation.convergence == rk.Convergence(
        p=(50.0, 90.0), tolerance=5.0, confidence=0.9, max_iterations=50_000, block=2000
    )
    back = tmp_path / "back.yaml"
    back.write_text(scenario_yaml(sc))
    assert load_scenario(back).simulation == sc.simulation
    path.write_text(BASE + "simulation: {convergence: true}\n")
    assert load_scenario(path).simulation.convergence == rk.Convergence()


@pytest.mark.parametrize(
    ("block", "field", "message"),
    [
        ("{p: [0]}", "simulation.convergence.p", "above 0 and below 100"),
        ("{tolerance: 0}", "simulation.convergence.tolerance", "above 0"),
        ("{tolerance: 2x}", "simulation.convergence.tolerance", "must be a number"),
        ("{confidence: 1}", "simulation.convergence.confidence", "below 1"),
        ("{max_iterations: 2.5}", "simulation.convergence.max_iterations", "whole number"),
        ("{block: 0}", "simulation.convergence.block", "whole number"),
        ("{tolerence: 1}", "simulation.convergence", "tolerence"),
    ],
)
def test_a_mistake_in_the_block_is_one_line_naming_the_field(tmp_path, block, field, message):
    path = tmp_path / "s.yaml"
    path.write_text(BASE + f"simulation:\n  convergence: {block}\n")
    with pytest.raises(rk.ScenarioError, match=message) as e:
        load_scenario(path)
    assert (e.value.field or "").startswith(field) and e.value.line == 6
    assert "\n" not in str(e.value)


def test_run_converge_prints_the_iterations_needed_and_writes_them_to_json(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(BASE)
    out = tmp_path / "r.json"
    runner = CliRunner()
    args = ["run", str(path), "--converge", "--tolerance", "4h", "--json", str(out), "-q"]
    result = runner.invoke(cli.main, args)
    assert result.exit_code == 0, result.output
    d = json.loads(out.read_text())
    n = d["convergence"]["iterations"]
    assert d["convergence"]["tolerance"] == 0.5 and d["convergence"]["converged"]
    assert f"Converged in {n:,} iterations: P50, P80 within ±0.5 working days" in result.output
    both = runner.invoke(cli.main, ["run", str(path), "--converge", "-n", "100"])
    assert both.exit_code == 2 and "--iterations and --converge" in both.output
    bad = runner.invoke(cli.main, ["run", str(path), "--tolerance", "soon"])
    assert bad.exit_code == 2 and bad.output.startswith("error: ")
    assert len(bad.output.strip().splitlines()) == 1


def test_warnings_are_not_raised_by_a_converged_run(plant):
    with warnings.catch_warnings():
        warnings.simplefilter("error", rk.RiskEngineWarning)
        r = rk.simulate(one_uniform_task(), convergence=rk.Convergence(tolerance=2.0))
    assert r.convergence is not None and r.convergence.converged


def test_kpi_statistics_carry_the_intervals_of_their_p_values():
    from riskengine.portfolio.strategy import statistics

    x = np.random.default_rng(3).normal(size=500)
    s = statistics(x, (50.0, 80.0), 0.9)
    want = percentile_intervals(x, (50.0, 80.0), 0.9)
    assert s["p_interval"] == {"P50": list(want[0]), "P80": list(want[1])}


def test_the_header_says_how_many_iterations_a_converged_run_needed():
    from riskengine.report.terminal import header

    r = rk.simulate(one_uniform_task(), convergence=rk.Convergence(tolerance=2.0, block=200))
    n = r.convergence.iterations
    assert header(r).plain.splitlines()[1] == (
        f"Converged in {n:,} iterations: P50, P80 within ±2 working days"
    )
    fixed = rk.simulate(one_uniform_task(), iterations=n)
    assert "\n" not in header(fixed).plain


def test_costs_without_project_cost_items_converge_block_by_block_to_the_same_bits(plant):
    # task and risk costs only: each block's costs are merged in as they come, where
    # project cost items (plant's own) are redrawn from iteration 0 at each check
    sc = dataclasses.replace(plant, costs=())
    conv = rk.Convergence(tolerance=3.0, cost_tolerance=40_000.0, block=400)
    quiet = dict(drivers=False, sensitivity=False, task_dates=False)
    r = rk.simulate(sc, convergence=conv, **quiet)
    c = r.convergence
    assert c is not None and c.converged and "cost" in c.half_widths
    assert c.iterations > conv.block
    fixed = rk.simulate(sc, iterations=c.iterations, **quiet)
    assert np.array_equal(r.costs["total"], fixed.costs["total"])
    assert (
        c.half_widths["cost"] == half_widths({"cost": fixed.costs["total"]}, conv.p, 0.95)["cost"]
    )
    assert max(c.half_widths["cost"].values()) <= 40_000.0


def test_a_portfolio_converges_and_its_kpis_carry_intervals():
    portfolio = rk.load_portfolio(ROOT / "scenarios" / "portfolio" / "fy27.yaml")
    conv = rk.Convergence(tolerance=3.0, block=500)
    pr = rk.simulate_portfolio(portfolio, convergence=conv, drivers=False, sensitivity=False)
    c = pr.results.convergence
    assert c is not None and c.converged and pr.results.iterations == c.iterations
    fixed = rk.simulate_portfolio(portfolio, c.iterations, drivers=False, sensitivity=False)
    d = pr.to_dict()
    d.pop("convergence")
    assert d == fixed.to_dict()
    for k, stats_ in d["kpis"].items():
        x = pr.outcome.quantities[k]
        want = percentile_intervals(x, pr.results.percentiles, 0.95)
        assert stats_["p_interval"] == {
            f"P{p:g}": list(b) for p, b in zip(pr.results.percentiles, want, strict=True)
        }


def test_running_intervals_are_what_the_shorter_runs_report(plant_run, plant):
    from riskengine.analysis.convergence import running_intervals

    r = plant_run
    run = running_intervals(r.project_finish, (50.0, 80.0), points=6)
    assert run["iterations"] == [500, 1000, 1500, 2000, 2500, 3000]
    assert run["P80"]["value"][-1] == r.project.percentiles["P80"]
    assert (run["P80"]["lower"][-1], run["P80"]["upper"][-1]) == r.project.p_interval["P80"]
    short = rk.simulate(plant, iterations=1000, drivers=False, sensitivity=False)
    assert run["P50"]["value"][1] == short.project.percentiles["P50"]
    assert (run["P50"]["lower"][1], run["P50"]["upper"][1]) == short.project.p_interval["P50"]
