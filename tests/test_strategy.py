"""Strategic KPIs and objectives computed from a portfolio simulation."""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskengine as rk
from riskengine.io.strategy_file import goals_of, parse_kpis, parse_objectives
from riskengine.portfolio.composition import compose
from riskengine.portfolio.strategy import MONTH_DAYS, benefit_values, evaluate
from test_portfolio import write_portfolio

PROJECTS = ("erp", "warehouse", "app")


@pytest.fixture
def baseline(tmp_path):
    return rk.simulate(
        compose(rk.load_portfolio(write_portfolio(tmp_path))), sensitivity=False, drivers=False
    )


def builtins(results):
    return {*results.finishes, "total_cost", *(f"{p}.cost" for p in PROJECTS)}


def test_benefit_with_a_ramp_matches_a_hand_calculation(baseline):
    # warehouse.live: Mon 1 Mar 2027 + uniform(5, 15) working days
    spec = {
        "benefits": {
            "benefit": {
                "starts_at": "warehouse.live",
                "per_month": 400_000,
                "ramp_months": 3,
                "window": ["2028-01-01", "2028-12-31"],
            }
        }
    }
    (kpi,) = parse_kpis(spec, builtins(baseline))
    v = benefit_values(kpi.benefit, baseline)
    # every go-live is in spring 2027: the ramp is over by 2028, so 12 full months of
    # 366 days (2028 is a leap year) at 400k per 30.4375-day month
    assert v == pytest.approx(np.full(baseline.iterations, 400_000 * 366 / MONTH_DAYS))


def test_benefit_matches_numerical_integration_per_iteration(baseline):
    b = {
        "starts_at": "warehouse.live",
        "per_month": 1000,
        "ramp_months": 2,
        "window": ["2027-03-10", "2027-06-30"],
    }
    (kpi,) = parse_kpis({"b": {"benefit": b}}, builtins(baseline))
    v = benefit_values(kpi.benefit, baseline)
    dates = baseline.timeline.finish_dates(baseline.times["warehouse.live"])
    w0, w1 = np.datetime64("2027-03-10"), np.datetime64("2027-07-01")
    for i in range(0, baseline.iterations, 97):
        s = dates[i] + np.timedelta64(1, "D")
        a = max(w0, s)
        days = np.linspace(0, max((w1 - a).astype(int), 0), 200_001)
        x = ((a - s).astype(int) + days) / MONTH_DAYS  # months since the stream started
        rate = 1000 * np.minimum(1.0, x / 2)
        integral = np.trapezoid(rate, days) / MONTH_DAYS if days[-1] > 0 else 0.0
        assert v[i] == pytest.approx(integral, rel=1e-6, abs=1e-6)


def test_objectives_are_the_empirical_frequencies(baseline):
    kpis = parse_kpis(
        {"net": "1000000 - erp.cost - 0.5 * app.cost", "late": "max(app.done - 30, 0)"},
        builtins(baseline),
    )
    quantities = builtins(baseline) | {k.id for k in kpis}
    objectives = parse_objectives(
        [
            {"id": "golive", "milestone": "erp.golive", "by": _dt.date(2027, 1, 22)},
            {"id": "budget", "kpi": "total_cost", "at_most": 16_000},
            {"id": "net", "kpi": "net", "at_least": 983_500},
        ],
        quantities,
    )
    out = evaluate(baseline, PROJECTS, kpis, objectives)
    golive = baseline.times["erp.golive"] <= baseline.timeline.end_of(_dt.date(2027, 1, 22))
    assert out.probability("golive") == np.mean(golive)
    cost = baseline.costs["total"]
    assert out.probability("budget") == np.mean(cost <= 16_000)
    net = 1_000_000 - baseline.costs["erp"] - 0.5 * baseline.costs["app"]
    assert np.array_equal(out.quantities["net"], net)
    assert np.array_equal(out.joint, golive & (cost <= 16_000) & (net >= 983_500))
    assert np.array_equal(out.quantities["late"], np.maximum(baseline.finishes["app.done"] - 30, 0))


@pytest.mark.parametrize(
    ("kpis", "objectives", "fragment"),
    [
        ({"x": "total_cst * 2"}, [], "did you mean 'total_cost'"),
        ({"a": "b + 1", "b": "a + 1"}, [], "cycle"),
        ({"x": "__import__('os')"}, [], "kpis.x"),
        ({"x": {"benefit": {"starts_at": "erp.golive", "per_month": 1}}}, [], "window"),
        ({}, [{"id": "o", "milestone": "erp.goliev", "by": "2027-09-30"}], "did you mean"),
        ({}, [{"id": "o", "kpi": "total_cost"}], "at_least or at_most"),
        ({}, [{"id": "o", "kpi": "total_cost", "at_most": 1, "by": "2027-01-01"}], "'by'"),
        ({"total_cost": "1"}, [], "built-in"),
    ],
)
def test_bad_kpis_and_objectives(baseline, kpis, objectives, fragment):
    names = builtins(baseline) | {"benefits"}
    with pytest.raises(rk.ScenarioError) as e:
        ks = parse_kpis(kpis, builtins(baseline))
        parse_objectives(objectives, names | {k.id for k in ks})
    assert fragment in str(e.value)


def test_discounted_benefit_matches_numerical_integration(baseline):
    b = {
        "starts_at": "warehouse.live",
        "per_month": 1000,
        "ramp_months": 2,
        "window": ["2027-03-10", "2028-06-30"],
        "discount_rate": 0.08,
    }
    (kpi,) = parse_kpis({"b": {"benefit": b}}, builtins(baseline))
    v = benefit_values(kpi.benefit, baseline, "b")
    dates = baseline.timeline.finish_dates(baseline.times["warehouse.live"])
    origin = np.datetime64("2027-01-04")
    w0, w1 = np.datetime64("2027-03-10"), np.datetime64("2028-07-01")
    delta = np.log(1.08) / 365.25
    for i in range(0, baseline.iterations, 211):
        s = dates[i] + np.timedelta64(1, "D")
        a = max(w0, s)
        x = np.linspace((a - origin).astype(int), (w1 - origin).astype(int), 400_001)
        since = (x - (s - origin).astype(int)) / MONTH_DAYS
        rate = 1000 / MONTH_DAYS * np.minimum(1.0, since / 2) * np.exp(-delta * x)
        assert v[i] == pytest.approx(np.trapezoid(rate, x), rel=1e-6)
    undiscounted = parse_kpis({"u": {"benefit": {**b, "discount_rate": 0}}}, builtins(baseline))
    assert np.all(v < benefit_values(undiscounted[0].benefit, baseline, "u"))


def test_uncertain_benefit_rate_mean_and_common_draws(baseline):
    spec = {
        "benefit": {
            "starts_at": "erp.golive",  # always within January 2027
            "per_month": {"dist": "triangular", "min": 100, "mode": 200, "max": 600},
            "window": ["2027-06-01", "2027-11-30"],
        }
    }
    (kpi,) = parse_kpis({"b": spec}, builtins(baseline))
    v = benefit_values(kpi.benefit, baseline, "b")
    months = 183 / MONTH_DAYS  # 1 June to 30 November
    want = 300 * months  # E[triangular(100, 200, 600)] = 300
    se = np.std(v, ddof=1) / np.sqrt(v.size)
    assert abs(v.mean() - want) < 3 * se
    assert np.array_equal(v, benefit_values(kpi.benefit, baseline, "b"))  # same draws
    assert not np.array_equal(v, benefit_values(kpi.benefit, baseline, "other"))


def test_benefit_mean_matches_the_closed_form_within_three_standard_errors(baseline):
    """warehouse.live = Mon 1 Mar 2027 + uniform(5, 15) working days, so its finish date
    is working day 5 … 14 after 1 March with probability 1/10 each; with no ramp the
    benefit is rate × the months from the day after that date to the window's end."""
    spec = {
        "starts_at": "warehouse.live",
        "per_month": 30_000,
        "window": ["2027-01-01", "2027-06-30"],
    }
    (kpi,) = parse_kpis({"b": {"benefit": spec}}, builtins(baseline))
    v = benefit_values(kpi.benefit, baseline, "b")
    days = np.busday_offset(np.datetime64("2027-03-01"), np.arange(5, 15), roll="forward")
    end = np.datetime64("2027-07-01")
    want = 30_000 * np.mean((end - (days + np.timedelta64(1, "D"))).astype(int)) / MONTH_DAYS
    se = np.std(v, ddof=1) / np.sqrt(v.size)
    assert abs(v.mean() - want) < 3 * se


def test_a_chain_of_3000_kpis_in_reverse_order_is_ordered_without_recursion(baseline):
    n = 3000
    raw = {f"k{i}": f"k{i + 1} + 1" for i in range(n - 1)}
    raw[f"k{n - 1}"] = "total_cost"
    kpis = parse_kpis(raw, builtins(baseline))
    assert [k.id for k in kpis] == [f"k{i}" for i in reversed(range(n))]
    out = evaluate(baseline, PROJECTS, kpis, ())
    assert np.array_equal(out.quantities["k0"], baseline.costs["total"] + (n - 1))


def test_a_long_kpi_cycle_is_one_short_error(baseline):
    n = 3000
    raw = {f"k{i}": f"k{(i + 1) % n} * 2" for i in range(n)}
    with pytest.raises(rk.ScenarioError) as e:
        parse_kpis(raw, builtins(baseline))
    message = str(e.value)
    assert message.startswith("kpis: KPIs depend on each other in a cycle: k0 → k1 → k2")
    assert "(2,995 more)" in message and message.endswith("k2999 → k0")
    assert len(message) < 200


def test_dependencies_come_first_and_file_order_is_kept_otherwise(baseline):
    raw = {"c": "b + a", "a": "total_cost", "d": "1", "b": "a * 2"}
    assert [k.id for k in parse_kpis(raw, builtins(baseline))] == ["a", "b", "c", "d"]
    with pytest.raises(rk.ScenarioError, match="cycle: a → b → a"):
        parse_kpis({"a": "b", "b": "a", "c": "a"}, builtins(baseline))


def _goals(kpis, objectives, baseline):
    from riskengine.io.strategy_file import goals_of

    ks = parse_kpis(kpis, builtins(baseline))
    os = parse_objectives(objectives, builtins(baseline) | {k.id for k in ks})
    return [(g.id, g.direction) for g in goals_of(ks, os)]


def test_goals_come_from_objectives_and_marks(baseline):
    kpis = {
        "net": {"expression": "1 - total_cost", "goal": "max"},
        "late": {"expression": "app.done", "goal": "min"},
        "plain": "2 * total_cost",
        "band": "erp.cost",
        "b": {
            "benefit": {
                "starts_at": "erp.golive",
                "per_month": 1,
                "window": ["2027-01-01", "2027-02-01"],
            },
            "goal": "max",
        },
    }
    objectives = [
        {"id": "go", "milestone": "erp.golive", "by": "2027-02-01"},
        {"id": "budget", "kpi": "total_cost", "at_most": 1},
        {"id": "net-min", "kpi": "net", "at_least": 0},
        {"id": "band-low", "kpi": "band", "at_least": 0},
        {"id": "band-high", "kpi": "band", "at_most": 10},
        {"id": "finish", "kpi": "erp.golive", "at_most": 20},
    ]
    # objectives first (milestone objectives name no goal, a band is none), then the marks
    assert _goals(kpis, objectives, baseline) == [
        ("total_cost", "min"),
        ("net", "max"),
        ("erp.golive", "min"),
        ("late", "min"),
        ("b", "max"),
    ]
    assert _goals({"plain": "total_cost"}, [], baseline) == []


@pytest.mark.parametrize(
    ("kpis", "objectives", "fragment"),
    [
        ({"n": {"expression": "1", "goal": "maximum"}}, [], "kpis.n.goal: goal is max"),
        ({"n": {"expression": "1", "goal": ["max"]}}, [], "got ['max']"),
        ({"n": {"expression": "1", "goal": "max", "gaol": 1}}, [], "did you mean 'goal'"),
        ({"n": {"expression": "1", "benefit": {}}}, [], "a KPI is an expression"),
        ({"n": {"goal": "max"}}, [], "a KPI is an expression"),
        ({"n": {"expression": 5}}, [], "kpis.n.expression: expected an expression as text"),
        ({None: "1"}, [], "kpis: a KPI name must be text, got None"),
        ({True: "1"}, [], "a KPI name must be text, got True"),
        ({("a", "b"): "1"}, [], "a KPI name must be text"),
        (
            {"n": {"expression": "1", "goal": "min"}},
            [{"id": "o", "kpi": "n", "at_least": 0}],
            "objectives[o].at_least: at_least contradicts the KPI's goal: min",
        ),
        (
            {},
            [{"id": ["a", "b"], "kpi": "total_cost", "at_most": 1}],
            "an objective id must be text",
        ),
        ({}, [{"id": {"a": 1}, "kpi": "total_cost", "at_most": 1}], "objectives[0].id"),
        ({}, [{"id": {"a"}, "kpi": "total_cost", "at_most": 1}], "got {'a'}"),
        ({}, [{"id": "o", "kpi": ["total_cost"], "at_most": 1}], "kpi must be text"),
        ({}, [{"id": "o", "milestone": {"a": 1}, "by": "2027-01-01"}], "milestone must be text"),
        ({}, [{"id": "o", "milestone": "erp.golive", "by": [2027, 1, 1]}], "not a date"),
        ({}, [{"id": "o", "kpi": "total_cost", "at_most": 10**400}], "must be a finite number"),
        ({}, [{"id": "o", "kpi": "total_cost", "at_most": float("nan")}], "finite number"),
        ({}, [{"id": "o", "kpi": "total_cost", "at_most": "5"}], "must be a number, got '5'"),
        ({}, [{"id": "o", "kpi": "total_cost", "at_least": True}], "must be a number"),
        (
            {
                "b": {
                    "benefit": {
                        "starts_at": "erp.golive",
                        "per_month": 10**400,
                        "window": ["2027-01-01", "2027-02-01"],
                    }
                }
            },
            [],
            "kpis.b.benefit.per_month: must be a finite number",
        ),
        (
            {
                "b": {
                    "benefit": {
                        "starts_at": ["erp.golive"],
                        "per_month": 1,
                        "window": ["2027-01-01", "2027-02-01"],
                    }
                }
            },
            [],
            "starts_at must be text",
        ),
    ],
)
def test_wrong_types_in_kpis_and_objectives_are_clear_errors(baseline, kpis, objectives, fragment):
    with pytest.raises(rk.ScenarioError) as e:
        _goals(kpis, objectives, baseline)
    assert fragment in str(e.value)


def test_a_threshold_that_is_not_finite_is_described_without_crashing():
    from riskengine.model.portfolio import Objective
    from riskengine.portfolio.strategy import _describe

    assert _describe(Objective("o", kpi="x", at_least=float("inf"))) == "x ≥ inf"
    assert _describe(Objective("o", kpi="x", at_most=1e20)) == "x ≤ 1e+20"
    assert _describe(Objective("o", kpi="x", at_most=4_500_000)) == "x ≤ 4,500,000"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (float("nan"), "—"),
        (float("-inf"), "—"),
        (0.0, "0"),
        (0.8523, "0.8523"),
        (12.345, "12.35"),
        (-3.0, "-3"),
        (1234.6, "1,235"),
        (11_393_416.4, "11,393,416"),
        (2e15, "2e+15"),
    ],
)
def test_kpi_statistics_are_shown_to_a_sensible_precision(value, text):
    from riskengine.report.terminal import format_statistic

    assert format_statistic(value) == text


def test_statistics_that_are_not_finite_are_none_with_a_warning():
    from riskengine.errors import RiskEngineWarning
    from riskengine.portfolio.strategy import kpi_statistics

    x = np.array([1.0, np.nan, 3.0, np.inf])
    with pytest.warns(
        RiskEngineWarning, match=r"KPI 'r' under option 'o' is NaN or infinite in 2 of 4"
    ):
        s = kpi_statistics(x, (50.0,), "r", "o")
    assert s == {
        "mean": None,
        "sd": None,
        "percentiles": {"P50": None},
        "p_interval": {"P50": [None, None]},
    }
    big = np.array([1e308, 1e308])  # every value finite, the mean overflows
    with pytest.warns(RiskEngineWarning, match="KPI 'big' overflows in its statistics"):
        s = kpi_statistics(big, (50.0,), "big")
    assert s["mean"] is None and s["percentiles"]["P50"] == 1e308
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kpi_statistics(np.array([1.0, 2.0, 3.0]), (50.0,), "fine")["mean"] == 2.0


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["max", "min", "total_cost", "erp.golive", "a", "b", "1/0", "2027-02-01", ""]),
    st.text(max_size=8),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "kpi",
                    "milestone",
                    "by",
                    "at_least",
                    "at_most",
                    "goal",
                    "expression",
                    "benefit",
                    "starts_at",
                    "per_month",
                    "window",
                    "ramp_months",
                    "a",
                    "b",
                ]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(
    kpis=st.dictionaries(st.one_of(_SCALARS, st.sampled_from(["a", "b"])), _VALUES, max_size=3),
    objectives=st.lists(_VALUES, max_size=3),
)
def test_kpi_and_objective_parsers_raise_only_scenario_errors(kpis, objectives):
    names = {"total_cost", "erp.golive", "erp.cost"}
    try:
        ks = parse_kpis(kpis, names)
        os = parse_objectives(objectives, names | {k.id for k in ks})
        goals_of(ks, os)
    except rk.ScenarioError:
        pass
