"""``riskengine import`` and ``run``/``validate`` on schedule files, through click's
CliRunner: the printed report, the written scenario and report files, --strict, and
bad input (one error line naming the file and line, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import riskengine as rk
from riskengine import cli
from riskengine.io.scenario_file import load_scenario
from test_fidelity import stored_xer
from test_import_readers import FIXTURES, needs_fixtures
from test_p6import import small_xer


def invoke(*args: object):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def ok(result) -> None:
    assert result.exit_code == 0, result.output + repr(result.exception)


def one_error(result, *parts: str) -> None:
    """Exit status 2 and one ``error:`` line on stderr holding every part."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for part in parts:
        assert part in lines[0], lines[0]


def test_import_prints_counts_losses_and_the_fidelity_table(tmp_path):
    result = invoke("import", stored_xer(tmp_path))
    ok(result)
    out = result.stdout
    assert "project P1" in out
    assert "activities: task" in out and "links: FS" in out
    assert "links to activities of other projects: left out" in out
    assert "same finish" in out and "85.7 %" in out  # 6 of 7 (test_fidelity)
    assert "project finish: ours 2027-01-12, the file's 2027-01-15 (differs)" in out
    assert "X" in out and "cause: unexplained" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert result.stderr == ""  # nothing written, nothing to say


def test_the_scenario_file_loads_back_to_the_imported_scenario(tmp_path):
    xer = small_xer(tmp_path)
    out = tmp_path / "small.yaml"
    result = invoke("import", xer, "-o", out)
    ok(result)
    assert f"wrote {out}" in result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f"# Imported by riskengine {rk.__version__} from {xer} (project P1)")
    imported, _ = rk.import_schedule(xer)
    loaded = load_scenario(out)
    assert [t.id for t in loaded.tasks] == [t.id for t in imported.tasks]
    assert rk.schedule_table(loaded).equals(rk.schedule_table(imported))


def test_report_import_writes_json_and_the_same_text(tmp_path):
    path = tmp_path / "report.json"
    result = invoke("import", stored_xer(tmp_path), "--report-import", path, "-q")
    ok(result)
    assert result.stderr == ""  # -q: no notes
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["project"] == "P1" and doc["counts"]["activities"] == 7
    assert doc["losses"] == [
        {
            "key": "external-links",
            "what": "links to activities of other projects",
            "why": "left out (the other project is not imported)",
            "items": ["999->L"],
        }
    ]
    fid = doc["fidelity"]
    assert fid["compared"] == {"all": 7, "supported": 5}
    assert fid["shares"]["all"]["same finish"] == pytest.approx(6 / 7)
    assert fid["project_finish"] == "2027-01-12" and fid["same_project_finish"] is False
    assert fid["worst"][0]["task"] == "X" and fid["worst"][0]["finish_days"] == -3
    assert (tmp_path / "report.txt").read_text(encoding="utf-8") == result.stdout


def test_strict_exits_2_after_printing_and_writes_nothing(tmp_path):
    out, report = tmp_path / "s.yaml", tmp_path / "r.json"
    result = invoke(
        "import", stored_xer(tmp_path), "--strict", "-o", out, "--report-import", report
    )
    one_error(result, "stored.xer", "1 item lost or approximated in 1 kind", "--strict")
    assert "Fidelity" in result.stdout  # printed first
    assert not out.exists() and not report.exists()
    # nothing lost: --strict passes
    ok(invoke("import", small_xer(tmp_path), "--strict", "-o", out))
    assert out.exists()


def test_bad_input_is_one_line_naming_the_file_and_line_and_writes_nothing(tmp_path):
    out = tmp_path / "out.yaml"
    not_xer = tmp_path / "notes.xer"
    not_xer.write_text("hello\n", encoding="utf-8")
    one_error(invoke("import", not_xer, "-o", out), f"{not_xer}:1:", "not a Primavera P6 XER")
    broken = tmp_path / "broken.xer"
    text = small_xer(tmp_path).read_text(encoding="cp1252")
    broken.write_text(text.replace("\t90\t90\t", "\tninety\t90\t"), encoding="cp1252")
    one_error(invoke("import", broken, "-o", out), f"{broken}:", "target_drtn_hr_cnt")
    one_error(invoke("import", tmp_path / "missing.xer", "-o", out), "missing.xer")
    assert not out.exists()


def test_choosing_a_project(tmp_path):
    xer = small_xer(tmp_path, projects=2)
    one_error(invoke("import", xer), "2 projects (P1, P2): choose one with --project")
    one_error(invoke("import", xer, "--project", "P9"), "no project 'P9'")
    ok(invoke("import", xer, "--project", "P1"))
    ok(invoke("validate", xer, "--project", "1"))  # its id works too


def test_other_files_are_refused_cleanly(tmp_path):
    xml = tmp_path / "plan.xml"
    xml.write_text("<Project/>", encoding="utf-8")
    one_error(invoke("import", xml), "plan.xml", "not an MS Project XML (MSPDI) file")
    one_error(invoke("import", tmp_path / "plan.mpp"), "not a schedule file riskengine reads")
    xer = small_xer(tmp_path)
    one_error(invoke("import", xer, "-o", xer), "small.xer")  # the input itself
    one_error(invoke("import", xer, "--report-import", tmp_path / "r.txt"), "r.txt")


def test_run_and_validate_take_a_schedule_file(tmp_path):
    xer = small_xer(tmp_path)
    result = invoke("validate", xer)
    ok(result)
    assert "OK" in result.stdout
    assert result.stderr.startswith(f"imported {xer}: project P1, 3 activities, 2 links")
    result = invoke("run", xer, "-n", 100, "--no-drivers")
    ok(result)
    assert "Project finish" in result.stdout and "2027-01-14" in result.stdout
    assert "imported" in result.stderr
    assert "imported" not in invoke("run", xer, "-n", 100, "-q").stderr
    json_out = tmp_path / "r.json"
    one_error(invoke("run", xer, "-n", 100, "-q", "--json", xer), "small.xer")
    assert not json_out.exists()


def test_project_is_for_schedule_files(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: x\ntasks:\n  - {id: A, duration: 1}\n", encoding="utf-8")
    result = invoke("validate", scenario, "--project", "P1")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --project is for schedule files")


@needs_fixtures
def test_the_readme_example_is_what_import_prints():
    """README "Importing P6 and MS Project schedules" shows this import."""
    name = "constantintcacenco_harbour_pointe_update.xer"
    result = invoke("import", FIXTURES / name)
    ok(result)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    shown = result.stdout.split("\n", 2)[2]  # after the file's own path
    assert shown in readme


@needs_fixtures
def test_an_ms_project_file_imports_and_runs(tmp_path):
    xml = FIXTURES / "aspose_java_NewProductDev.xml"
    result = invoke("import", xml, "-o", tmp_path / "plan.yaml")
    ok(result)
    assert "project finish: ours 2012-09-18, the file's 2012-09-18 (same day)" in result.stdout
    assert rk.load_scenario(tmp_path / "plan.yaml").tasks
    ok(invoke("validate", xml))


def test_every_project_of_a_file_as_a_portfolio(tmp_path):
    xer = small_xer(tmp_path, projects=2)  # P2 has no activities
    out = tmp_path / "plant"
    result = invoke("import", xer, "--all-projects", "-o", out)
    ok(result)
    assert "project P2 has no activities: left out" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["P1.yaml", "portfolio.yaml"]
    portfolio = rk.load_portfolio(out / "portfolio.yaml")
    assert [p.id for p in portfolio.projects] == ["P1"]
    assert [t.id for t in rk.compose(portfolio).tasks] == ["P1.A", "P1.B", "P1.M"]
    ok(invoke("validate", out / "portfolio.yaml"))


def test_all_projects_mistakes_are_one_error(tmp_path):
    xer = small_xer(tmp_path, projects=2)
    result = invoke("import", xer, "--all-projects", "--project", "P1", "-o", tmp_path / "d")
    assert result.exit_code == 2 and "either --project or --all-projects" in result.output
    taken = tmp_path / "file.txt"
    taken.write_text("x", encoding="utf-8")
    result = invoke("import", xer, "--all-projects", "-o", taken)
    assert result.exit_code == 2 and "names a folder" in result.output
    assert taken.read_text(encoding="utf-8") == "x"


@needs_fixtures
def test_a_real_file_with_two_projects_in_progress_runs_as_a_portfolio(tmp_path):
    out = tmp_path / "mine"
    ok(invoke("import", FIXTURES / "jaggelas_test.xer", "--all-projects", "-o", out, "-q"))
    result = invoke("run", out / "portfolio.yaml", "-n", "200", "-q")
    ok(result)
    assert "jaggelas_test" in result.stdout
