"""Portfolios compiled to one network: namespacing, starts, cross-project waits, shared
risks, per-project cost, and the errors a portfolio file can raise."""

from __future__ import annotations

import datetime as _dt
import json

import numpy as np
import pytest
from click.testing import CliRunner

import riskengine as rk
from riskengine import cli
from riskengine.portfolio.composition import compose
from riskengine.portfolio.simulation import simulate_portfolio

ERP = """\
name: ERP
start: 2027-01-04
tasks:
  - {id: build, duration: 10, cost: {per_day: 1000}}
  - {id: test, duration: 5, predecessors: [build], cost: 2000}
milestones:
  - {id: golive, after: [test]}
"""
WAREHOUSE = """\
name: Warehouse
start: 2027-01-04
tasks:
  - {id: fit, duration: {dist: uniform, min: 5, max: 15}}
milestones:
  - {id: live, after: [fit]}
"""
APP = """\
name: App
start: 2027-01-04
tasks:
  - {id: build, duration: 8}
  - {id: release, duration: 2, predecessors: [build]}
milestones:
  - {id: done, after: [release]}
"""
PORTFOLIO = """\
portfolio: FY27 transformation
start: 2027-01-04
projects:
  erp: {scenario: erp.yaml}
  warehouse: {scenario: warehouse.yaml, start: 2027-03-01}
  app: {scenario: app.yaml, after: [{milestone: erp.golive, lag: 10}]}
shared_risks:
  - id: vendor
    probability: 0.3
    impacts: [{task: erp.build, delay: 5}, {task: app.build, delay: 3}]
simulation: {iterations: 2000, seed: 4}
"""


def write_portfolio(tmp_path, text=PORTFOLIO, **files):
    contents = {"erp.yaml": ERP, "warehouse.yaml": WAREHOUSE, "app.yaml": APP, **files}
    for name, body in contents.items():
        (tmp_path / name).write_text(body)
    path = tmp_path / "portfolio.yaml"
    path.write_text(text)
    return path


def test_projects_are_namespaced_and_linked(tmp_path):
    sc = compose(rk.load_portfolio(write_portfolio(tmp_path)))
    ids = {t.id for t in sc.tasks}
    assert ids == {"erp.build", "erp.test", "warehouse.fit", "app.build", "app.release"}
    assert {m.id for m in sc.milestones} == {"erp.golive", "warehouse.live", "app.done"}
    app_build = sc.task("app.build")
    assert [(lk.task, lk.type, lk.lag) for lk in app_build.predecessors] == [
        ("erp.test", "FS", 10.0)
    ]


def test_hand_calculated_portfolio_dates(tmp_path):
    r = rk.simulate(compose(rk.load_portfolio(write_portfolio(tmp_path))), sensitivity=False)
    occurs = r.risk_occurrence["vendor"]
    assert 0.25 < occurs < 0.35
    # ERP: build 10 (+5 when the vendor risk hits) + test 5 → golive end of day 15 or 20
    golive = r.times["erp.golive"]
    hit = golive > 15.5
    assert set(np.unique(golive)) == {15.0, 20.0}
    # app waits 10 working days after golive, then 8 (+3) + 2 days
    assert np.array_equal(r.times["app.done"], golive + 10 + 10 + np.where(hit, 3, 0))
    # the same draw hits both projects: one occurrence per iteration
    assert r.milestones["erp.golive"].dates["P10"] == "2027-01-22"  # Mon 4 + 15 working days
    # the warehouse cannot start before Monday 1 March 2027 (day 40)
    assert r.times["warehouse.live"].min() >= 45.0
    # per-project cost comes out of the cost groups
    assert r.group_costs["erp"].mean == pytest.approx(
        2000 + 1000 * (10 + 5 * np.mean(hit)), rel=1e-12
    )


def test_project_cost_items_run_over_their_own_project(tmp_path):
    # ERP overhead per working day of the ERP's own duration (15 or 20 days), the
    # warehouse's from its own start (1 March) to its finish, not the portfolio's
    erp = ERP + "costs:\n  - {id: office, per_day: 100}\n"
    wh = WAREHOUSE + "costs:\n  - {id: site, per_day: 10, fixed: 7}\n"
    path = write_portfolio(tmp_path, **{"erp.yaml": erp, "warehouse.yaml": wh})
    r = rk.simulate(compose(rk.load_portfolio(path)), sensitivity=False, drivers=False)
    golive = r.times["erp.golive"]
    tasks_erp = 1000 * (golive - 5) + 2000  # build's per-day cost over its (delayed) duration
    np.testing.assert_allclose(r.costs["erp"], tasks_erp + 100 * golive, rtol=1e-12)
    live = r.finishes["warehouse.live"]  # working days of the portfolio calendar (Mon-Fri)
    start = 40.0  # Monday 1 March 2027 is working day 40 from Monday 4 January
    np.testing.assert_allclose(r.costs["warehouse"], 7 + 10 * (live - start), rtol=1e-12)
    assert (live - start).min() >= 5 and (live - start).max() <= 15
    # the deterministic plan (fixed durations, no risk) uses the same rule
    assert r.group_costs["erp"].deterministic == pytest.approx(1000 * 10 + 2000 + 100 * 15)


def test_portfolio_errors_name_the_file_and_field(tmp_path):
    bad_after = PORTFOLIO.replace("erp.golive, lag: 10", "erp.goliev, lag: 10")
    with pytest.raises(rk.ScenarioError) as e:
        rk.load_portfolio(write_portfolio(tmp_path, bad_after))
    assert "portfolio.yaml" in str(e.value) and "erp.goliev" in str(e.value)
    cycle = PORTFOLIO.replace(
        "erp: {scenario: erp.yaml}", "erp: {scenario: erp.yaml, after: [app.done]}"
    )
    with pytest.raises(
        rk.ScenarioError, match="cycle: erp.build → erp.test → app.build → app.release → erp.build"
    ):
        rk.load_portfolio(write_portfolio(tmp_path, cycle))
    missing = PORTFOLIO.replace("scenario: app.yaml", "scenario: nope.yaml")
    with pytest.raises(rk.ScenarioError, match="nope.yaml"):
        rk.load_portfolio(write_portfolio(tmp_path, missing))
    broken = APP.replace("duration: 8", "duration: -8")
    with pytest.raises(rk.ScenarioError) as e:
        rk.load_portfolio(write_portfolio(tmp_path, PORTFOLIO, **{"app.yaml": broken}))
    assert "app.yaml" in str(e.value) and "duration" in str(e.value)
    dotted = PORTFOLIO.replace("  erp: {scenario", "  e.rp: {scenario")
    with pytest.raises(rk.ScenarioError, match="must not contain"):
        rk.load_portfolio(write_portfolio(tmp_path, dotted))
    shared = PORTFOLIO.replace("task: app.build", "task: app.biuld")
    with pytest.raises(rk.ScenarioError, match="app.biuld"):
        rk.load_portfolio(write_portfolio(tmp_path, shared))


STRATEGY = """\
kpis:
  benefits_2027:
    benefit: {starts_at: warehouse.live, per_month: 400000, ramp_months: 3,
              window: [2027-01-01, 2027-12-31]}
  net_value: "benefits_2027 - 0.25 * total_cost"
objectives:
  - {id: erp-live, milestone: erp.golive, by: 2027-01-22}
  - {id: benefits, kpi: benefits_2027, at_least: 3000000}
  - {id: budget, kpi: total_cost, at_most: 40000}
options:
  baseline: {}
"""


def test_cli_runs_a_portfolio_with_objectives(tmp_path):
    path = write_portfolio(tmp_path, PORTFOLIO + STRATEGY)
    result = CliRunner().invoke(
        cli.main, ["run", str(path), "-n", "500", "-q", "--json", str(tmp_path / "r.json")]
    )
    assert result.exit_code == 0, result.output
    assert "erp.golive" in result.stdout and "Strategic objectives" in result.stdout
    assert result.stderr == ""  # run shows the baseline; compare handles the options
    data = json.loads((tmp_path / "r.json").read_text())
    direct = simulate_portfolio(rk.load_portfolio(path), 500)
    assert data["objectives"] == direct.strategy["objectives"]
    golive = direct.results.times["erp.golive"] <= direct.results.timeline.end_of(
        _dt.date(2027, 1, 22)
    )
    assert data["objectives"]["erp-live"]["probability"] == np.mean(golive)
    assert data["joint"]["probability"] == np.mean(direct.outcome.joint)
    assert set(data["kpis"]) == {"benefits_2027", "net_value"}


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("starts_at: warehouse.live", "starts_at: warehouse.lvie", "did you mean 'warehouse.live'"),
        ("milestone: erp.golive, by", "milestone: erp.goliv, by", "did you mean 'erp.golive'"),
        ('"benefits_2027 - 0.25', '"benefits_2027 ** 0.25', "powers are not supported"),
        ("at_least: 3000000", "at_lest: 3000000", "did you mean 'at_least'"),
    ],
)
def test_strategy_errors_exit_2_naming_the_field(tmp_path, old, new, fragment):
    path = write_portfolio(tmp_path, PORTFOLIO + STRATEGY.replace(old, new))
    result = CliRunner().invoke(cli.main, ["run", str(path), "-n", "50"])
    assert result.exit_code == 2, result.output
    assert "portfolio.yaml" in result.stderr and fragment in result.stderr


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ("kpis: []\n", "kpis: must map KPI names"),
        ("kpis: 0\n", "kpis: must map KPI names"),
        ("objectives: {}\n", "objectives: must be a list"),
        ('objectives: ""\n', "objectives: must be a list"),
        ("options: []\n", "options: must map option names"),
        (
            "kpis:\n  net: {expression: total_cost, goal: maximum}\n",
            "portfolio.yaml:13: kpis.net.goal: goal is max",
        ),
        (
            "kpis:\n  net: {expression: total_cost, goal: min}\n"
            "objectives:\n  - {id: o, kpi: net, at_least: 1}\n",
            "portfolio.yaml:15: objectives[o].at_least: at_least contradicts",
        ),
        ("objectives:\n  - {id: [a, b], kpi: total_cost, at_most: 1}\n", "an objective id must be"),
        ("objectives:\n  - {id: o, kpi: total_cost, at_most: 1.0e+999}\n", "finite number"),
        ("kpis:\n  null: total_cost\n", "a KPI name must be text, got None"),
    ],
)
def test_kpi_objective_and_option_sections_of_the_wrong_kind_exit_2(tmp_path, extra, fragment):
    path = write_portfolio(tmp_path, PORTFOLIO + extra)
    result = CliRunner().invoke(cli.main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr and result.stderr.count("\n") == 1


def test_empty_sections_mean_none(tmp_path):
    path = write_portfolio(tmp_path, PORTFOLIO + "kpis:\nobjectives:\noptions:\n")
    portfolio = rk.load_portfolio(path)
    assert portfolio.kpis == () and portfolio.objectives == () and portfolio.options == {}


def test_kpis_that_are_not_finite_give_null_statistics_and_warnings(tmp_path):
    from riskengine.errors import RiskEngineWarning
    from riskengine.report.files import results_json

    kpis = 'kpis:\n  nan: "0/0"\n  inf: "-1/0"\n  big: "1e308 * 10"\n  ok: "erp.cost / 1000"\n'
    path = write_portfolio(tmp_path, PORTFOLIO + kpis)
    with pytest.warns(RiskEngineWarning) as caught:
        r = simulate_portfolio(rk.load_portfolio(path), 300, sensitivity=False, drivers=False)
    assert sorted(str(w.message).split(";")[0] for w in caught) == [
        f"KPI {k!r} is NaN or infinite in 300 of 300 iterations" for k in ("big", "inf", "nan")
    ]
    assert np.all(np.isnan(r.outcome.quantities["nan"]))  # per iteration, kept as they are
    assert np.all(r.outcome.quantities["inf"] == -np.inf)
    data = json.loads(results_json(r))
    for k in ("nan", "inf", "big"):
        assert data["kpis"][k]["mean"] is None and data["kpis"][k]["sd"] is None
        assert set(data["kpis"][k]["percentiles"].values()) == {None}
    hit = r.results.times["erp.golive"] > 15.5
    assert data["kpis"]["ok"]["mean"] == pytest.approx(np.mean(12 + 5 * hit))
