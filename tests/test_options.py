"""Portfolio options compared with common random numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import riskengine as re
from riskengine import cli
from riskengine.distributions import parse_distribution
from riskengine.options import compare, scale_distribution
from test_portfolio import PORTFOLIO, STRATEGY, write_portfolio

OPTIONS = """\
options:
  baseline: {}
  same: {scale_durations: {erp: 1.0}}
  defer-app: {exclude: [app]}
  late-erp: {scale_durations: {erp: 1.3}, start: {erp: 2027-01-11}}
  accelerate-erp: {scale_durations: {erp: 0.85}, add_cost: {erp: 800000}}
  mitigate-vendor: {mitigate: [vendor]}
  pricier: {add_cost: {warehouse: 1000}}
"""
MITIGATED_VENDOR = PORTFOLIO.replace(
    "    probability: 0.3\n",
    "    probability: 0.3\n    mitigation: {cost: 5000, probability: 0.05}\n",
)


@pytest.fixture
def comparison(tmp_path):
    text = MITIGATED_VENDOR + STRATEGY.replace("options:\n  baseline: {}\n", "") + OPTIONS
    return compare(re.load_portfolio(write_portfolio(tmp_path, text)), 3000, 11)


def test_an_option_identical_to_the_baseline_differs_by_exactly_zero(comparison):
    base, same = comparison.outcomes["baseline"], comparison.outcomes["same"]
    for oid in base.hits:
        assert np.array_equal(base.hits[oid], same.hits[oid])
    for d in comparison.options["same"].vs_baseline.values():
        assert d == {"diff": 0.0, "low": 0.0, "high": 0.0}


def test_delaying_a_project_never_helps_a_milestone_objective(comparison):
    base, late = comparison.outcomes["baseline"], comparison.outcomes["late-erp"]
    # common random numbers: iteration by iteration, not just on average
    assert np.all(late.hits["erp-live"] <= base.hits["erp-live"])
    assert comparison.options["late-erp"].vs_baseline["erp-live"]["diff"] < 0


def test_excluding_a_project_and_adding_cost(comparison):
    base = comparison.outcomes["baseline"].quantities
    defer = comparison.outcomes["defer-app"].quantities
    assert np.all(np.isinf(defer["app.done"])) and np.all(defer["app.cost"] == 0)
    assert np.array_equal(defer["erp.golive"], base["erp.golive"])  # same draws for erp
    pricier = comparison.outcomes["pricier"].quantities
    assert np.allclose(pricier["total_cost"], base["total_cost"] + 1000, rtol=0, atol=1e-9)
    assert "baseline" in comparison.options["pricier"].dominated_by
    assert comparison.options["baseline"].dominated_by == ()


def test_mitigating_a_shared_risk_keeps_its_draws(comparison):
    base = comparison.outcomes["baseline"].quantities
    mit = comparison.outcomes["mitigate-vendor"].quantities
    # occurrence is u < p on the same u: the mitigated risk hits a subset of iterations
    assert np.all(mit["erp.golive"] <= base["erp.golive"])
    assert np.mean(mit["erp.golive"] > 15.5) == pytest.approx(
        0.05, abs=4 * np.sqrt(0.05 * 0.95 / 3000)
    )
    assert np.allclose(
        mit["erp.cost"] - base["erp.cost"],
        5000 - 1000 * 5 * (base["erp.golive"] > 15.5) + 1000 * 5 * (mit["erp.golive"] > 15.5),
    )


def test_intervals_come_from_the_paired_differences(comparison):
    base, opt = comparison.outcomes["baseline"], comparison.outcomes["late-erp"]
    d = opt.hits["erp-live"].astype(float) - base.hits["erp-live"].astype(float)
    got = comparison.options["late-erp"].vs_baseline["erp-live"]
    half = 1.959963984540054 * d.std(ddof=1) / np.sqrt(d.size)
    assert got["diff"] == pytest.approx(d.mean())
    assert got["high"] - got["low"] == pytest.approx(2 * half)


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "uniform", "min": 2, "max": 9},
        {"dist": "triangular", "min": 2, "mode": 4, "max": 9},
        {"dist": "pert", "min": 2, "mode": 4, "max": 9},
        {"dist": "trigen", "low": 5, "mode": 6, "high": 9, "low_pct": 10, "high_pct": 90},
        {"dist": "normal", "mean": 5, "sd": 2},
        {"dist": "lognormal", "p50": 5, "p90": 9},
        {"dist": "discrete", "values": [2, 5, 9], "weights": [1, 2, 1]},
    ],
)
def test_scaled_durations_scale_every_sample(spec):
    from riskengine.distributions import TableBuilder, encode
    from riskengine.kernels.sampling import ppf_array

    d = parse_distribution(spec)
    u = np.random.default_rng(3).random(2000)

    def samples(dist):
        tables = TableBuilder()
        code, par = encode(dist, tables)
        return ppf_array(code, par, tables.array(), u)

    assert samples(scale_distribution(d, 0.85)) == pytest.approx(0.85 * samples(d), rel=1e-9)


@pytest.mark.parametrize(
    ("option", "fragment"),
    [
        ("{exclude: [apps]}", "did you mean 'app'"),
        ("{scale_duration: {erp: 0.9}}", "did you mean 'scale_durations'"),
        ("{mitigate: [vendr]}", "did you mean 'vendor'"),
        ("{exclude: [erp]}", "waits for 'erp.golive'"),
        ("{add_cost: {erp: -5}}", "must not be negative"),
        ("{override: {erp.biuld: 5}}", "did you mean 'erp.build'"),
    ],
)
def test_bad_options_exit_2(tmp_path, option, fragment):
    text = PORTFOLIO + f"options:\n  bad: {option}\n"
    result = CliRunner().invoke(cli.main, ["compare", str(write_portfolio(tmp_path, text))])
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr and "portfolio.yaml" in result.stderr


def test_cli_compare_prints_and_writes_json(tmp_path):
    text = MITIGATED_VENDOR + STRATEGY.replace("options:\n  baseline: {}\n", "") + OPTIONS
    path = write_portfolio(tmp_path, text)
    out = tmp_path / "c.json"
    result = CliRunner().invoke(
        cli.main, ["compare", str(path), "-n", "1000", "--seed", "5", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "defer-app" in result.stdout and "dominated" in result.stdout
    data = json.loads(out.read_text())
    direct = compare(re.load_portfolio(path), 1000, 5)
    for name, opt in direct.options.items():
        got = data["options"][name]
        assert got["joint"] == opt.joint
        assert got["objectives"]["erp-live"]["probability"] == opt.objectives["erp-live"]
        assert got["cost"]["percentiles"] == opt.cost
        assert got["vs_baseline"]["erp-live"] == opt.vs_baseline["erp-live"]
    frame = direct.to_frame()
    assert list(frame.index)[0] == "baseline" and "P(all)" in frame.columns


def test_shipped_portfolio_is_realistic():
    from pathlib import Path

    path = Path(__file__).parent.parent / "scenarios" / "portfolio" / "fy27.yaml"
    portfolio = re.load_portfolio(path)
    assert 3 <= len(portfolio.projects) <= 6
    assert len(portfolio.objectives) >= 4
    assert any(k.benefit is not None for k in portfolio.kpis)
    result = compare(portfolio, 1000, 3)
    assert list(result.options)[0] == "baseline" and len(result.options) >= 4
    # accelerating the ERP helps its go-live objective in every iteration it can
    base, fast = result.outcomes["baseline"], result.outcomes["accelerate-erp"]
    assert np.all(fast.hits["platform-live"] >= base.hits["platform-live"])


def test_include_keeps_only_the_named_projects(tmp_path):
    text = (
        PORTFOLIO
        + "options:\n  core: {include: [erp, app]}\n  both: {include: [erp], exclude: [app]}\n"
    )
    with pytest.raises(re.ScenarioError, match="include or exclude"):
        compare(re.load_portfolio(write_portfolio(tmp_path, text)), 10, 1)
    text = PORTFOLIO + "options:\n  core: {include: [erp, app]}\n"
    result = compare(re.load_portfolio(write_portfolio(tmp_path, text)), 200, 1)
    core = result.outcomes["core"].quantities
    assert np.all(np.isinf(core["warehouse.live"])) and np.all(np.isfinite(core["app.done"]))
