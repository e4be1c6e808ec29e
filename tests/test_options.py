"""Portfolio options compared with common random numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import riskengine as rk
from riskengine import cli
from riskengine.errors import RiskEngineWarning
from riskengine.io.options_file import OPTION_KEYS, parse_options
from riskengine.model.distributions import parse_distribution
from riskengine.portfolio.options import apply_option, compare, scale_distribution
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
    return compare(rk.load_portfolio(write_portfolio(tmp_path, text)), 3000, 11)


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
    from riskengine.engine.encoding import TableBuilder, encode
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
    direct = compare(rk.load_portfolio(path), 1000, 5)
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
    portfolio = rk.load_portfolio(path)
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
    with pytest.raises(rk.ScenarioError, match="include or exclude"):
        compare(rk.load_portfolio(write_portfolio(tmp_path, text)), 10, 1)
    text = PORTFOLIO + "options:\n  core: {include: [erp, app]}\n"
    result = compare(rk.load_portfolio(write_portfolio(tmp_path, text)), 200, 1)
    core = result.outcomes["core"].quantities
    assert np.all(np.isinf(core["warehouse.live"])) and np.all(np.isfinite(core["app.done"]))


# ----------------------------------------------------------------- goals and dominance

# erp.golive is day 15, or day 20 when the vendor risk hits (p = 0.3); the app is always
# delivered unless an option leaves it out; ERP costs 1000 a day for 10 (+5) days + 2000.
DOMINANCE = """\
kpis:
  app_value: {expression: "where(app.done < 1000, 50000, 0)", goal: max}
objectives:
  - {id: erp-live, milestone: erp.golive, by: 2027-01-22}
options:
  baseline: {}
  pricier: {add_cost: {erp: 1000}}
  defer-app: {exclude: [app]}
  faster: {scale_durations: {erp: 0.5}}
"""


def _dominance(tmp_path, text, n=400):
    result = compare(rk.load_portfolio(write_portfolio(tmp_path, PORTFOLIO + text)), n, 3)
    return result, set(result.dominance())


def test_dominance_counts_objectives_joint_and_goals_only(tmp_path):
    result, pairs = _dominance(tmp_path, DOMINANCE)
    assert [(g.id, g.direction) for g in result.goals] == [("app_value", "max")]
    opts = result.options
    # pricier costs 1000 more but cost is no goal: it ties with the baseline everywhere
    assert opts["pricier"].objectives == opts["baseline"].objectives
    assert opts["pricier"].goals == opts["baseline"].goals == {"app_value": 50000.0}
    # defer-app loses the app's value and changes nothing else; faster (5 + 2.5 days, +5
    # with the vendor: always by day 15) meets erp-live in every iteration
    assert opts["defer-app"].goals == {"app_value": 0.0}
    assert opts["faster"].objectives["erp-live"] == 1.0
    assert opts["baseline"].objectives["erp-live"] < 1.0
    expected = {
        (a, b) for a in ("baseline", "pricier", "faster") for b in ("defer-app",) if a != b
    } | {("faster", "baseline"), ("faster", "pricier")}
    assert pairs == expected
    assert opts["baseline"].dominates == ("defer-app",)
    assert opts["baseline"].dominated_by == ("faster",)
    assert opts["defer-app"].dominated_by == ("baseline", "pricier", "faster")


def test_cost_is_compared_only_when_it_is_a_goal(tmp_path):
    with_budget = DOMINANCE.replace(
        "objectives:\n", "objectives:\n  - {id: budget, kpi: total_cost, at_most: 1000000}\n"
    )
    result, pairs = _dominance(tmp_path, with_budget)
    assert [(g.id, g.direction) for g in result.goals] == [
        ("total_cost", "min"),
        ("app_value", "max"),
    ]
    assert ("baseline", "pricier") in pairs and ("pricier", "baseline") not in pairs
    # faster is cheaper too (fewer days at the same rate), so it still dominates
    base = result.options["baseline"].goals["total_cost"]
    assert result.options["pricier"].goals["total_cost"] == pytest.approx(base + 1000)
    assert ("faster", "baseline") in pairs


def test_a_goal_that_is_not_finite_makes_every_pair_incomparable(tmp_path):
    text = DOMINANCE.replace(
        "objectives:",
        '  broken: {expression: "app_value / 0 - app_value / 0", goal: max}\nobjectives:',
    )
    with pytest.warns(RiskEngineWarning) as caught:
        result, pairs = _dominance(tmp_path, text)
    assert sorted(str(w.message).split(" is ")[0] for w in caught) == [
        f"KPI 'broken' under option {o!r}" for o in sorted(result.options)
    ]
    assert pairs == set()
    assert all(o.goals["broken"] is None for o in result.options.values())
    assert all(not o.dominated_by for o in result.options.values())


def _option(name, probs, joint, goals):
    from riskengine.portfolio.options import OptionResult

    zero = {"diff": 0.0, "low": 0.0, "high": 0.0}
    return OptionResult(name, dict(probs), joint, {}, {}, {"joint": zero}, dict(goals))


@pytest.mark.parametrize(
    ("a", "b", "pairs"),
    [
        # equal everywhere: neither dominates
        (([0.5], 0.4, [1.0, 2.0]), ([0.5], 0.4, [1.0, 2.0]), set()),
        # better on the min goal only
        (([0.5], 0.4, [1.0, 2.0]), ([0.5], 0.4, [1.0, 1.5]), {("b", "a")}),
        # better on an objective, worse on the max goal: a trade-off
        (([0.6], 0.4, [0.9, 2.0]), ([0.5], 0.4, [1.0, 2.0]), set()),
        # better on the joint success only
        (([0.5], 0.5, [1.0, 2.0]), ([0.5], 0.4, [1.0, 2.0]), {("a", "b")}),
        # a missing goal mean: incomparable even though a is better on everything else
        (([0.9], 0.9, [9.0, None]), ([0.1], 0.1, [1.0, 5.0]), set()),
    ],
)
def test_dominance_rule_on_hand_made_results(a, b, pairs):
    from riskengine.model.portfolio import Goal
    from riskengine.portfolio.options import _mark_dominance

    goals = (Goal("value", "max"), Goal("cost", "min"))

    def make(name, spec):
        probs, joint, means = spec
        return _option(name, {"o": probs[0]}, joint, zip(("value", "cost"), means, strict=True))

    marked = _mark_dominance({"a": make("a", a), "b": make("b", b)}, goals)
    got = {(x, y) for x, o in marked.items() for y in o.dominates}
    assert got == pairs
    assert {(y, x) for x, o in marked.items() for y in o.dominated_by} == pairs


def test_cli_compare_prints_who_dominates_whom_and_json(tmp_path):
    path = write_portfolio(tmp_path, PORTFOLIO + DOMINANCE)
    out = tmp_path / "c.json"
    result = CliRunner().invoke(cli.main, ["compare", str(path), "-n", "400", "--json", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "baseline dominates defer-app" in lines and "faster dominates baseline" in lines
    assert "app_value" in result.stdout and "50,000" in result.stdout
    data = json.loads(out.read_text())
    assert data["goals"] == [{"id": "app_value", "direction": "max"}]
    assert data["options"]["baseline"]["dominates"] == ["defer-app"]
    assert data["options"]["baseline"]["dominated_by"] == ["faster"]
    assert data["options"]["baseline"]["dominated"] is True
    assert data["options"]["defer-app"]["goals"] == {"app_value": {"mean": 0.0}}

    tie = PORTFOLIO + DOMINANCE.split("  defer-app")[0]  # baseline and pricier only
    path = write_portfolio(tmp_path, tie)
    result = CliRunner().invoke(cli.main, ["compare", str(path), "-n", "100"])
    assert result.exit_code == 0, result.output
    assert "no option dominates another" in result.stdout.splitlines()


def test_shipped_portfolio_baseline_is_not_dominated_by_deferring_the_app():
    from pathlib import Path

    path = Path(__file__).parent.parent / "scenarios" / "portfolio" / "fy27.yaml"
    result = compare(rk.load_portfolio(path), 2000, 2027)
    goals = [(g.id, g.direction) for g in result.goals]
    assert goals == [("benefits_2028", "max"), ("total_cost", "min"), ("net_value", "max")]
    base, defer = result.options["baseline"], result.options["defer-app"]
    # deferring the app saves cost but loses the app's benefits: net value falls
    assert defer.goals["total_cost"] < base.goals["total_cost"]
    assert defer.goals["net_value"] < base.goals["net_value"]
    assert "defer-app" not in base.dominated_by
    # the marks agree with the rule applied to what the JSON holds
    data = result.to_dict()

    def criteria(o):
        d = data["options"][o]
        sign = {g["id"]: 1 if g["direction"] == "max" else -1 for g in data["goals"]}
        goals = [sign[k] * v["mean"] for k, v in d["goals"].items()]
        return [v["probability"] for v in d["objectives"].values()] + [d["joint"], *goals]

    for a in result.options:
        for b in result.options:
            x, y = criteria(a), criteria(b)
            wins = a != b and all(p >= q for p, q in zip(x, y, strict=True)) and x != y
            assert (b in data["options"][a]["dominates"]) == wins


# ----------------------------------------------------------------- scale_rates

ERP_RATES = """\
name: ERP
start: 2027-01-04
tasks:
  - {id: build, duration: 10, cost: {fixed: 300, per_day: 1000}}
  - {id: test, duration: 5, predecessors: [build], cost: 2000}
milestones:
  - {id: golive, after: [test]}
costs:
  - {id: office, per_day: 100}
"""


def test_scale_rates_multiplies_task_rates_and_not_project_items(tmp_path):
    text = PORTFOLIO + (
        "options:\n"
        "  fast: {scale_durations: {erp: 0.8}}\n"
        "  fast-paid: {scale_durations: {erp: 0.8}, scale_rates: {erp: 1.25}}\n"
        "  paid: {scale_rates: {erp: 1.25}}\n"
    )

    def erp_costs(**files):
        result = compare(rk.load_portfolio(write_portfolio(tmp_path, text, **files)), 500, 9)
        q = {k: v.quantities for k, v in result.outcomes.items()}
        hit = q["baseline"]["erp.golive"] > 15.5  # the vendor risk: +5 days on erp.build
        assert 0 < hit.mean() < 1
        return {k: v["erp.cost"] for k, v in q.items()}, hit

    # ERP: build 10 days (+5 with the vendor risk) at 1000 a day, test a fixed 2000
    cost, hit = erp_costs()
    assert np.array_equal(cost["baseline"], 1000 * (10 + 5 * hit) + 2000)
    assert np.array_equal(cost["fast"], 1000 * (8 + 5 * hit) + 2000)  # same rate, fewer days
    assert np.array_equal(cost["fast-paid"], 1250 * (8 + 5 * hit) + 2000)
    assert np.array_equal(cost["paid"], 1250 * (10 + 5 * hit) + 2000)
    # a project cost item per day keeps its rate: only the tasks' labour changes
    cost, hit = erp_costs(**{"erp.yaml": ERP_RATES})
    assert np.allclose(cost["paid"] - cost["baseline"], 250 * (10 + 5 * hit), rtol=0, atol=1e-6)
    assert np.allclose(cost["fast-paid"] - cost["fast"], 250 * (8 + 5 * hit), rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    ("option", "fragment"),
    [
        ("{include: []}", "options.bad.include: must name at least one project"),
        ("{exclude: [erp, warehouse, app]}", "excludes every project"),
        ("{exclude: [app, warehouse, erp, app]}", "excludes every project"),
        ("[]", "an option is a mapping"),
        ("0", "an option is a mapping"),
        ("{exclude: [[app]]}", "must be text, got ['app']"),
        ("{exclude: [{app: 1}]}", "must be text"),
        ("{mitigate: [!!set {vendor}]}", "the tag '!!set' is not allowed"),
        ("{start: {[erp]: 2027-02-01}}", "a key must be text"),
        ("{scale_rates: {erp: 0}}", "scale_rates.erp: must be above zero"),
        ("{scale_durations: {erp: 0}}", "scale_durations.erp: must be above zero"),
        ("{scale_rates: {erp: -1}}", "must not be negative"),
        ("{scale_rates: {erp: 1.0e+999}}", "must be a finite number"),
        ("{add_cost: {erp: " + "9" * 400 + "}}", "must be a finite number"),
        ("{scale_rate: {erp: 2}}", "did you mean 'scale_rates'"),
        ("{start: {erp: [2027, 1, 1]}}", "not a date"),
    ],
)
def test_more_bad_options_exit_2(tmp_path, option, fragment):
    text = PORTFOLIO + f"options:\n  bad: {option}\n"
    result = CliRunner().invoke(cli.main, ["compare", str(write_portfolio(tmp_path, text))])
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr and "portfolio.yaml" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("true", "an option name must be text, got True"), ("null", "got None"), ("1.5", "got 1.5")],
)
def test_an_option_name_must_be_text(tmp_path, name, fragment):
    text = PORTFOLIO + f"options:\n  {name}: {{}}\n"
    with pytest.raises(rk.ScenarioError, match=fragment):
        compare(rk.load_portfolio(write_portfolio(tmp_path, text)), 10, 1)
    # a Python-built portfolio: a tuple is no name either
    portfolio = rk.load_portfolio(write_portfolio(tmp_path, PORTFOLIO))
    import dataclasses

    with pytest.raises(rk.ScenarioError, match="an option name must be text"):
        compare(dataclasses.replace(portfolio, options={("a", "b"): {}}), 10, 1)


# ----------------------------------------------------------------- KPIs that are not finite

NOT_FINITE = """\
kpis:
  nan: "0/0"
  inf: "1/0"
  big: "1e308 * 10"
  some: "where(erp.golive > 15.5, 0/0, 1)"
objectives:
  - {id: never, kpi: nan, at_least: -1.0e+300}
  - {id: always, kpi: inf, at_least: 1.0e+300}
  - {id: some, kpi: some, at_most: 1}
options:
  baseline: {}
  defer-app: {exclude: [app]}
"""


def test_kpis_that_are_not_finite_compare_with_warnings_and_null(tmp_path):
    path = write_portfolio(tmp_path, PORTFOLIO + NOT_FINITE)
    with pytest.warns(RiskEngineWarning) as caught:
        result = compare(rk.load_portfolio(path), 500, 7)
    hit = result.outcomes["baseline"].quantities["erp.golive"] > 15.5
    messages = [str(w.message) for w in caught]
    for option in ("baseline", "defer-app"):
        for kpi in ("nan", "inf", "big"):
            assert (
                f"KPI {kpi!r} under option {option!r} is NaN or infinite in 500 of 500"
                in " ".join(messages)
            )
        assert f"KPI 'some' under option {option!r} is NaN or infinite in {hit.sum()} of 500" in (
            " ".join(messages)
        )
    base = result.options["baseline"]
    # NaN never meets an objective; inf compares as a number
    assert base.objectives == {"never": 0.0, "always": 1.0, "some": 1 - hit.mean()}
    assert base.kpis["nan"] == {
        "mean": None,
        "sd": None,
        "percentiles": {"P50": None, "P80": None},
        "p_interval": {"P50": [None, None], "P80": [None, None]},
    }
    assert base.kpis["inf"]["mean"] is None and base.kpis["big"]["percentiles"]["P50"] is None
    text = json.dumps(result.to_dict(), allow_nan=False)
    assert json.loads(text)["options"]["defer-app"]["goals"]["nan"] == {"mean": None}


def test_cli_run_and_compare_survive_kpis_that_are_not_finite(tmp_path):
    path = write_portfolio(tmp_path, PORTFOLIO + NOT_FINITE)
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli.main, ["run", str(path), "-n", "200", "-q", "--json", str(out)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 4 and "KPI 'big' is NaN or infinite in 200 of 200" in result.stderr
    data = json.loads(out.read_text())
    assert data["kpis"]["nan"]["mean"] is None and data["kpis"]["inf"]["sd"] is None
    assert data["objectives"]["never"]["probability"] == 0.0
    assert data["objectives"]["always"]["probability"] == 1.0
    assert "—" in result.stdout

    out = tmp_path / "c.json"
    result = CliRunner().invoke(cli.main, ["compare", str(path), "-n", "200", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "warning: KPI 'nan' under option 'defer-app' is NaN or infinite" in result.stderr
    data = json.loads(out.read_text())
    assert data["options"]["baseline"]["kpis"]["big"]["mean"] is None
    assert "no option dominates another" in result.stdout


@pytest.fixture(scope="module")
def small_portfolio(tmp_path_factory):
    return rk.load_portfolio(write_portfolio(tmp_path_factory.mktemp("p"), MITIGATED_VENDOR))


_NAMES = st.sampled_from(["erp", "app", "warehouse", "vendor", "erp.build", "nope", "baseline"])
_LEAVES = st.one_of(
    _NAMES,
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["2027-02-01", "2027-02-30", ""]),
)
_OPTION_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_NAMES, inner, max_size=3)
    ),
    max_leaves=8,
)
_OPTION = (
    st.dictionaries(st.sampled_from([*OPTION_KEYS, "other"]), _OPTION_VALUES, max_size=3) | _LEAVES
)


@settings(max_examples=200, deadline=None)
@given(options=st.dictionaries(st.one_of(_NAMES, _LEAVES), _OPTION, max_size=3))
def test_option_parser_raises_only_scenario_errors(small_portfolio, options):
    import dataclasses

    try:
        for opt in parse_options(dataclasses.replace(small_portfolio, options=options)):
            apply_option(small_portfolio, opt)
    except rk.ScenarioError:
        pass
