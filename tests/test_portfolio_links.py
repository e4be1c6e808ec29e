"""Links between tasks of different projects of a portfolio (``links:``, ProjectLink),
worked by hand; their errors; and the links a multi-project P6 file holds between its
projects, kept by ``import --all-projects``."""

from __future__ import annotations

import dataclasses
import datetime as _dt

import pytest
from click.testing import CliRunner

import riskengine as rk
from riskengine import cli
from riskengine.errors import ScenarioError
from riskengine.io.scenario_writer import portfolio_yaml
from riskengine.portfolio.composition import compose
from test_p6import import small_xer
from test_portfolio import PORTFOLIO, write_portfolio

D = _dt.date
LINKS = """\
links:
  - {task: warehouse.fit, after: erp.test}
  - {task: app.release, after: erp.build, type: SS, lag: 3}
"""


def test_a_link_between_projects_moves_its_successor(tmp_path):
    """erp.build takes 10 days from Monday 4 January, erp.test 5 more (to Friday 22):
    warehouse.fit waits for erp.test (it would start on 1 March anyway: its project's
    start), and app.release, after app.build (8 days), must also start 3 days after
    erp.build starts (Thursday 7), which does not move it."""
    plain = rk.load_portfolio(write_portfolio(tmp_path))
    linked = rk.load_portfolio(write_portfolio(tmp_path, PORTFOLIO + LINKS))
    assert linked.links == (
        rk.ProjectLink("warehouse.fit", "erp.test"),
        rk.ProjectLink("app.release", "erp.build", "SS", 3.0),
    )
    sc = compose(linked)
    fit = sc.task("warehouse.fit")
    assert rk.Link("erp.test") in fit.predecessors
    # a tight case: warehouse starting with the portfolio, fit waits for erp.test
    early = dataclasses.replace(
        linked,
        projects=tuple(
            dataclasses.replace(p, start=None) if p.id == "warehouse" else p
            for p in linked.projects
        ),
    )
    df = rk.schedule_table(compose(early))
    assert df.loc["erp.test", "early_finish"].date() == D(2027, 1, 22)
    assert df.loc["warehouse.fit", "early_start"].date() == D(2027, 1, 25)
    without = rk.schedule_table(
        compose(dataclasses.replace(early, links=()))
    )  # the same portfolio without the links
    assert without.loc["warehouse.fit", "early_start"].date() == D(2027, 1, 4)
    assert df.loc["app.release", "early_start"] == without.loc["app.release", "early_start"]
    assert plain.links == ()


def test_an_option_that_drops_a_project_drops_its_links(tmp_path):
    linked = rk.load_portfolio(write_portfolio(tmp_path, PORTFOLIO + LINKS))
    kept = tuple(p for p in linked.projects if p.id != "warehouse")
    sc = compose(linked, kept)
    assert rk.Link("erp.build", "SS", 3.0) in sc.task("app.release").predecessors
    assert not any(t.id.startswith("warehouse.") for t in sc.tasks)


@pytest.mark.parametrize(
    ("entry", "field", "message"),
    [
        ("{task: warehouse.fit, after: crm.build}", "links[0].after", "no task of a project"),
        ("{task: warehouse.fit, after: erp.nothing}", "links[0].after", "unknown task"),
        ("{task: erp.test, after: erp.build}", "links[0]", "joins tasks of two projects"),
    ],
)
def test_a_wrong_link_names_its_field(tmp_path, entry, field, message):
    path = write_portfolio(tmp_path, PORTFOLIO + f"links:\n  - {entry}\n")
    with pytest.raises(ScenarioError) as e:
        rk.validate(compose(rk.load_portfolio(path)))
    assert message in str(e.value) and e.value.field == field


@pytest.mark.parametrize(
    ("entry", "message", "line"),
    [
        ("{task: warehouse.fit, after: erp}", "'after' must be project.task", 13),
        ("{task: warehouse.fit, after: erp.test, type: XX}", "must be one of FS", 13),
        ("{task: warehouse.fit, after: erp.test, lag: soon}", "lag", 13),
        ("{task: warehouse.fit, after: erp.test, with: 1}", "with", 13),
    ],
)
def test_a_malformed_link_is_one_error_line_in_the_file(tmp_path, entry, message, line):
    path = write_portfolio(tmp_path, PORTFOLIO + f"links:\n  - {entry}\n")
    with pytest.raises(ScenarioError) as e:
        rk.load_portfolio(path)
    assert message in str(e.value) and e.value.line == line


def test_the_writer_keeps_the_links(tmp_path):
    links = (
        rk.ProjectLink("warehouse.fit", "erp.test"),
        rk.ProjectLink("app.release", "erp.build", "SS", 3.0),
    )
    write_portfolio(tmp_path)  # the projects' files
    text = portfolio_yaml(
        "p",
        D(2027, 1, 4),
        {"erp": "erp.yaml", "warehouse": "warehouse.yaml", "app": "app.yaml"},
        links=links,
    )
    path = tmp_path / "written.yaml"
    path.write_text(text)
    assert rk.load_portfolio(path).links == links


def two_projects(tmp_path):
    """small_xer's project P1 (A, B, M) and P2 with X, which must follow P1's B (FS,
    9 hours: one day of P2's nine-hour calendar); and P1's M follows X (FF)."""
    row = "%R\t200\t2\t10\tX\tOther\tTT_Task\tTK_NotStart\t18\t18\t\t"
    path = small_xer(tmp_path, projects=2, extra_task=row)
    links = "%R\t3\t200\t101\tPR_FS\t9\n%R\t4\t102\t200\tPR_FF\t0\n%E"
    path.write_text(path.read_text(encoding="cp1252").replace("%E", links), encoding="cp1252")
    return path


def test_import_all_projects_keeps_the_links_between_them(tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli.main, ["import", str(two_projects(tmp_path)), "--all-projects", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "2 links between the projects: kept as the portfolio's links" in res.output
    portfolio = rk.load_portfolio(out / "portfolio.yaml")
    assert portfolio.links == (
        rk.ProjectLink("P1.M", "P2.X", "FF", 0.0),
        rk.ProjectLink("P2.X", "P1.B", "FS", 1.0),
    )
    df = rk.schedule_table(compose(portfolio))
    # X starts a working day after B finishes and ends two days later; M waits for it
    b_finish = df.loc["P1.B", "early_finish"]
    x = df.loc["P2.X"]
    assert x.early_start > b_finish
    assert df.loc["P1.M", "early_finish"] >= x.early_finish
    # each project alone lost them
    one, report = rk.import_schedule(two_projects(tmp_path), "P2")
    assert report.losses["external-links"].items == ["B->X", "X->M"]
    assert report.external == [("X", "101", "FS", 1.0)]


def test_a_portfolio_without_objectives_shows_no_objectives_table(tmp_path):
    """No objectives: no "all together" line claiming a certain success of nothing."""
    path = write_portfolio(tmp_path, PORTFOLIO + LINKS)
    res = CliRunner().invoke(cli.main, ["run", str(path), "-n", "200", "-q"])
    assert res.exit_code == 0, res.output
    assert "Strategic objectives" not in res.output and "All together" not in res.output
    assert "Project finish" in res.output or "project" in res.output.lower()
