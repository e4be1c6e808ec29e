"""The results workbooks of ``run --xlsx`` and ``compare --xlsx``: every cell equals the
JSON document's value, dates are date cells, text never becomes a formula, and a failed
run writes nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import math
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import riskengine as rk
from helpers import scenario, task
from riskengine import cli
from riskengine.errors import OutputError
from riskengine.model.scenario import Milestone
from riskengine.report import files, workbook
from riskengine.report.terminal import percent_format

SCENARIOS = Path(__file__).parent.parent / "scenarios"
PLANT = SCENARIOS / "plant_upgrade.yaml"
FY27 = SCENARIOS / "portfolio" / "fy27.yaml"


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def table(ws) -> list[dict[str, object]]:
    """The sheet's rows as dicts by header, with the cells themselves as values."""
    header = [c.value for c in ws[1]]
    return [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2)]


def day(iso: str | None) -> dt.datetime | None:
    return None if iso is None else dt.datetime.fromisoformat(iso)


def same(cell, value, fmt: str | None = None) -> None:
    """The cell holds ``value`` (empty for None) in the format ``fmt``: exactly, but for
    a float's 17th significant digit, which openpyxl does not write."""
    if value is None:
        assert cell.value is None, cell.coordinate
        return
    if isinstance(value, str):
        assert cell.data_type == "s" and cell.value == value, (cell.coordinate, cell.value)
        return
    if isinstance(value, float):  # openpyxl writes 16 significant digits, not 17
        value = float(f"{value:.16g}")
    assert cell.value == value, (cell.coordinate, cell.value, value)
    if isinstance(value, dt.datetime):
        assert cell.is_date and cell.number_format == "yyyy-mm-dd"
    elif fmt is not None:
        assert cell.number_format == fmt, (cell.coordinate, cell.number_format)


def prob(cell, value) -> None:
    same(cell, value, None if value is None else percent_format(value))


@pytest.fixture(scope="module")
def plant():
    sc = rk.load_scenario(PLANT)
    results = rk.simulate(sc, 400, 5)
    plan = rk.deterministic_plan(sc)
    return results, plan, load(workbook.results_workbook(results, plan, sc.inputs))


def test_the_run_workbook_has_its_sheets_frozen_headers_and_fitted_widths(plant):
    _, _, wb = plant
    assert wb.sheetnames == ["Milestones", "Tasks", "Risks", "Costs", "JCL", "Settings"]
    for ws in wb:
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1])
        widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
        assert all(8 <= w <= workbook.MAX_WIDTH for w in widths), (ws.title, widths)
    names = wb["Tasks"].column_dimensions["B"].width
    assert names > 30  # fitted to "Mechanical completion walkdown and punch list"


def test_milestone_cells_equal_the_json(plant):
    results, plan, wb = plant
    doc, plan_doc = results.to_dict(), plan.to_dict()
    rows = table(wb["Milestones"])
    assert [r["Milestone"].value for r in rows] == [*doc["milestones"], "project"]
    for r in rows:
        mid = r["Milestone"].value
        m = doc["project"] if mid == "project" else doc["milestones"][mid]
        p = plan_doc["project"] if mid == "project" else plan_doc["milestones"][mid]
        same(r["Name"], m["name"])
        same(r["Plan finish (working days)"], p["mean"], "0.0")
        same(r["Plan date"], day(p["dates"]["P50"]))
        same(r["Mean (working days)"], m["mean"], "0.0")
        same(r["SD (working days)"], m["sd"], "0.0")
        same(r["Mean standard error (working days)"], m["mean_se"], "0.0")
        for k, v in m["percentiles"].items():
            same(r[f"{k} (working days)"], v, "0.0")
            same(r[f"{k} date"], day(m["dates"][k]))
        same(r["Target (working days)"], m["target"], "0.0")
        same(r["Target date"], day(m.get("target_date")))
        prob(r["P(on target)"], m["p_target"])
        prob(r["P(on target) standard error"], m["p_target_se"])
    assert rows[0]["P50 date"].is_date and rows[0]["Target date"].is_date


def test_task_risk_cost_and_jcl_cells_equal_the_json(plant):
    results, _, wb = plant
    doc = results.to_dict()
    tasks = table(wb["Tasks"])
    assert [r["Task"].value for r in tasks] == list(doc["tasks"])
    for r in tasks:
        t = doc["tasks"][r["Task"].value]
        same(r["Name"], t["name"])
        prob(r["Criticality"], t["criticality"])
        same(r["Duration SD (working days)"], t["duration_sd"], "0.0")
        for out, v in t["sensitivity"].items():
            same(r[f"Rank correlation with {out}"], v, "0.00")
            same(r[f"Cruciality for {out}"], t["cruciality"][out], "0.00")
            same(r[f"SSI for {out}"], t["ssi"][out], "0.00")
        for k, iso in t["finish_dates"].items():
            same(r[f"{k} finish date"], day(iso))
        same(r["Mean cost"], t["cost"]["mean"], "#,##0")
        same(r["Plan cost"], t["cost"]["deterministic"], "#,##0")

    risks = table(wb["Risks"])
    assert [r["Risk"].value for r in risks] == list(doc["risks"])
    for r in risks:
        k = doc["risks"][r["Risk"].value]
        same(r["Name"], k["name"])
        prob(r["Occurrence"], k["occurrence"])
        for out, d in k["drivers"].items():
            for q in ("P50", "P80"):
                same(r[f"Adds to {out} {q} (working days)"], d[q], "0.0")

    costs = table(wb["Costs"])
    groups = {"Total": doc["cost"], **doc["cost"]["groups"]}
    assert [r["Cost"].value for r in costs] == list(groups)
    for r in costs:
        c = groups[r["Cost"].value]
        for col, key in (("Mean", "mean"), ("SD", "sd"), ("Mean standard error", "mean_se")):
            same(r[col], c[key], "#,##0")
        same(r["Plan"], c["deterministic"], "#,##0")
        for k, v in c["percentiles"].items():
            same(r[k], v, "#,##0")
            same(r[f"Contingency {k}"], c["contingency"][k], "#,##0")

    jcl = doc["jcl"]
    rows = table(wb["JCL"])
    points = [jcl["deterministic"], jcl["p50_pair"], jcl["p80_pair"], *jcl["frontier"]]
    assert len(rows) == len(points) == 3 + len(jcl["frontier"])
    for r, pt in zip(rows, points, strict=True):
        same(r["Cost"], pt["cost"], "#,##0")
        same(r["Finish of project (working days)"], pt["finish"], "0.0")
        same(r["Finish by"], day(pt["date"]))
        prob(r["JCL"], pt.get("jcl"))
    assert rows[3]["Point"].value == f"Frontier 1/{len(jcl['frontier'])}"


def test_settings_name_the_run_and_its_input_files(plant):
    results, _, wb = plant
    settings = {}
    for key, value in wb["Settings"].iter_rows(min_row=2, values_only=True):
        settings.setdefault(key, []).append(value)
    assert settings["Scenario"] == [results.scenario_name]
    assert settings["riskengine version"] == [rk.__version__]
    assert settings["Iterations"] == [400] and settings["Seed"] == ["5"]
    assert settings["Sampling"] == ["monte-carlo"]
    assert settings["Start"] == [dt.datetime(2027, 1, 4)]
    assert settings["JCL target"] == [0.7]
    inputs = [PLANT, PLANT.with_name("plant_upgrade.risks.csv")]
    assert sorted(settings["Input file"]) == sorted(str(p) for p in inputs)
    assert sorted(settings["SHA-256"]) == sorted(
        hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs
    )


def test_a_scenario_without_costs_risks_or_a_start_says_so_on_its_sheets():
    sc = scenario([task("A", [1, 2, 4]), task("B", 3, ["A"])], [("M", ["B"], 6.0)])
    results = rk.simulate(sc, 50, 1)
    wb = load(workbook.results_workbook(results))
    assert wb.sheetnames == ["Milestones", "Tasks", "Risks", "Costs", "JCL", "Settings"]
    assert wb["Costs"]["A2"].value == "No costs in this scenario."
    assert wb["Risks"]["A2"].value == "No risks in this scenario."
    assert wb["JCL"]["A2"].value.startswith("No joint confidence")
    header = [c.value for c in wb["Milestones"][1]]
    assert "P50 date" not in header and "Plan finish (working days)" not in header
    rows = table(wb["Milestones"])
    m = results.to_dict()["milestones"]["M"]
    same(rows[0]["P50 (working days)"], m["percentiles"]["P50"], "0.0")
    same(rows[0]["Target (working days)"], 6.0, "0.0")
    assert rows[0]["Target date"].value is None


def test_names_from_files_are_text_cells_never_formulas():
    hostile = ["=1+1", '=HYPERLINK("http://x","y")', "@SUM(A1)", "+cmd", "#REF!", "a\x07b"]
    tasks = [task(f"T{i}", 2, name=name) for i, name in enumerate(hostile)]
    sc = scenario(tasks, [Milestone(id="=M", name="-2+3", after=("T0",), target=3.0)])
    sc = dataclasses.replace(sc, name="=cmd|' /C calc'!A0")
    wb = load(workbook.results_workbook(rk.simulate(sc, 20, 1)))
    names = [r["Name"] for r in table(wb["Tasks"])]
    assert [c.value for c in names] == [*hostile[:-1], "a\\x07b"]
    assert all(c.data_type == "s" for c in names)
    ms = table(wb["Milestones"])[0]
    assert ms["Milestone"].value == "=M" and ms["Milestone"].data_type == "s"
    assert ms["Name"].value == "-2+3" and ms["Name"].data_type == "s"
    scenario_cell = wb["Settings"]["B2"]
    assert scenario_cell.value == "=cmd|' /C calc'!A0" and scenario_cell.data_type == "s"


@pytest.fixture(scope="module")
def fy27():
    portfolio = rk.load_portfolio(FY27)
    return rk.simulate_portfolio(portfolio, 300, 3), rk.compare(portfolio, 300, 3)


def test_a_portfolio_run_adds_objectives_and_kpis_equal_to_the_json(fy27):
    results, _ = fy27
    doc = results.to_dict()
    wb = load(workbook.results_workbook(results))
    assert wb.sheetnames == [
        "Milestones", "Tasks", "Risks", "Costs", "JCL", "Objectives", "KPIs", "Settings"
    ]  # fmt: skip
    rows = table(wb["Objectives"])
    assert [r["Objective"].value for r in rows] == [*doc["objectives"], "All together"]
    for r, o in zip(rows, [*doc["objectives"].values(), doc["joint"]], strict=True):
        prob(r["Probability"], o["probability"])
        prob(r["Standard error"], o["se"])
    rows = table(wb["KPIs"])
    assert [r["KPI"].value for r in rows] == list(doc["kpis"])
    for r in rows:
        k = doc["kpis"][r["KPI"].value]
        same(r["Mean"], k["mean"], "#,##0.00")
        same(r["SD"], k["sd"], "#,##0.00")
        for q, v in k["percentiles"].items():
            same(r[q], v, "#,##0.00")
    assert [r["Milestone"].value for r in table(wb["Milestones"])][0] == "erp.golive"


def test_the_compare_workbook_equals_the_json(fy27):
    _, comparison = fy27
    doc = comparison.to_dict()
    n = doc["iterations"]
    wb = load(workbook.comparison_workbook(comparison))
    assert wb.sheetnames == ["Options", "Objectives", "KPIs", "Settings"]
    objectives = [*next(iter(doc["options"].values()))["objectives"], "all"]

    def p(o, oid):
        return o["joint"] if oid == "all" else o["objectives"][oid]["probability"]

    rows = table(wb["Options"])
    assert [r["Option"].value for r in rows] == list(doc["options"])
    for r in rows:
        o = doc["options"][r["Option"].value]
        for oid in objectives:
            prob(r[f"P({oid})"], p(o, oid))
            prob(r[f"P({oid}) standard error"], math.sqrt(p(o, oid) * (1 - p(o, oid)) / n))
        for g in doc["goals"]:
            same(r[f"Mean {g['id']} ({g['direction']})"], o["goals"][g["id"]]["mean"], "#,##0.00")
        for k, v in o["cost"]["percentiles"].items():
            same(r[f"Total cost {k}"], v, "#,##0")
        same(r["Dominated by"], ", ".join(o["dominated_by"]) or None)
        same(r["Dominates"], ", ".join(o["dominates"]) or None)

    rows = table(wb["Objectives"])
    assert len(rows) == len(doc["options"]) * len(objectives)
    for r in rows:
        o = doc["options"][r["Option"].value]
        oid = r["Objective"].value
        d = o["vs_baseline"]["joint" if oid == "all" else oid]
        prob(r["Probability"], p(o, oid))
        same(r["Difference to baseline"], d["diff"], workbook.FORMATS["difference"])
        same(r["95% interval low"], d["low"], workbook.FORMATS["difference"])
        same(r["95% interval high"], d["high"], workbook.FORMATS["difference"])

    rows = table(wb["KPIs"])
    assert len(rows) == sum(len(o["kpis"]) for o in doc["options"].values())
    for r in rows:
        k = doc["options"][r["Option"].value]["kpis"][r["KPI"].value]
        same(r["Mean"], k["mean"], "#,##0.00")
        for q, v in k["percentiles"].items():
            same(r[q], v, "#,##0.00")
    settings = dict(wb["Settings"].iter_rows(min_row=2, max_row=5, values_only=True))
    assert settings["Iterations per option"] == n and settings["Seed"] == "3"


# ----------------------------------------------------------------------------- command line


SMALL = """\
name: Small
start: 2027-01-04
tasks:
  - {id: A, name: "=1+1", duration: [2, 4, 8], cost: {per_day: 1000}}
  - {id: B, duration: [5, 7, 12], predecessors: [A], cost: {per_day: 500}}
milestones:
  - {id: M, after: [B], target: 2027-01-20}
simulation: {iterations: 300, seed: 4}
"""


def invoke(*args: object):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def test_run_and_compare_write_their_workbooks(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    result = invoke("run", path, "--xlsx", tmp_path / "out.xlsx", "--json", tmp_path / "o.json")
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert wb["Tasks"]["B2"].value == "=1+1" and wb["Tasks"]["B2"].data_type == "s"
    ms = table(wb["Milestones"])
    assert ms[0]["Plan date"].is_date and ms[0]["Plan finish (working days)"].value > 0
    result = invoke("compare", FY27, "-n", 50, "--xlsx", tmp_path / "cmp.xlsx", "-q")
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(tmp_path / "cmp.xlsx").sheetnames[0] == "Options"


@pytest.mark.parametrize("command", ["run", "compare"])
def test_bad_xlsx_paths_are_refused_before_the_run(tmp_path, command):
    target = FY27 if command == "compare" else PLANT
    (tmp_path / "folder.xlsx").mkdir()
    cases = [
        (tmp_path / "out.csv", "--xlsx writes a workbook; give a file name ending in .xlsx"),
        (tmp_path / "folder.xlsx", "folder"),
        (tmp_path / "missing" / "out.xlsx", "does not exist"),
        (target, "would overwrite the input file"),
    ]
    for path, message in cases:
        result = invoke(command, target, "-n", 10, "--xlsx", path)
        assert result.exit_code == 2, result.output
        assert message in result.output, result.output
    result = invoke(command, target, "-n", 10, "--xlsx", tmp_path / "a.xlsx", "--json",
                    tmp_path / "a.xlsx")  # fmt: skip
    assert result.exit_code == 2 and "would both write this file" in result.output


def test_a_failed_workbook_leaves_no_file_behind(tmp_path, monkeypatch):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    (tmp_path / "old.xlsx").write_bytes(b"old")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(files, "results_workbook", broken)
    result = invoke("run", path, "--xlsx", tmp_path / "old.xlsx", "--json", tmp_path / "o.json")
    assert isinstance(result.exception, RuntimeError)
    assert (tmp_path / "old.xlsx").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.xlsx", "small.yaml"]


def test_a_sheet_larger_than_a_workbook_opens_is_an_error_not_a_broken_file(monkeypatch):
    monkeypatch.setattr(workbook, "MAX_COLUMNS", 8)
    sc = scenario([task("A", [1, 2, 4])], [("M", ["A"], 2.0)])
    message = r"the Milestones sheet would have \d+ columns.*\(8 × 1,048,576\)"
    with pytest.raises(OutputError, match=message):
        workbook.results_workbook(rk.simulate(sc, 20, 1))
