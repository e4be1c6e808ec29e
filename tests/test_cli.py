"""The ``riskengine`` command, driven through click's CliRunner."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import riskengine
from riskengine import cli, errors
from riskengine.engine.simulation import simulate
from riskengine.io.scenario_file import load_scenario

SMALL = """\
name: Small test
start: 2027-01-04
tasks:
  - {id: A, name: Design, duration: {dist: triangular, min: 2, mode: 4, max: 8}}
  - {id: B, name: Build, duration: {dist: pert, min: 5, mode: 7, max: 12}, predecessors: [A]}
  - {id: C, name: Test, duration: {dist: uniform, min: 1, max: 3}, predecessors: ["B SS+2"]}
  - {id: D, name: Docs, duration: [1, 2, 4], predecessors: [A]}
milestones:
  - {id: M0, name: Designed, after: [A]}
  - {id: M1, name: Ready, after: [C, D], target: 2027-01-14}
simulation: {iterations: 1000, seed: 11, percentiles: [10, 50, 80, 90]}
"""

# A 3 -> B 4 -> C 5 (FS) finishes at 12; D 2 after A has 7 days of float.
FIXED_CHAIN = """\
name: Fixed chain
tasks:
  - {id: A, duration: {dist: fixed, value: 3}}
  - {id: B, duration: {dist: fixed, value: 4}, predecessors: [A]}
  - {id: C, duration: {dist: fixed, value: 5}, predecessors: [B]}
  - {id: D, duration: {dist: fixed, value: 2}, predecessors: [A]}
milestones:
  - {id: on_time, after: [C], target: 12}
  - {id: late, after: [C], target: 11.5}
simulation: {iterations: 200, seed: 3}
"""

# Hand calculation: A 0–3; B (FS A) 3–7; C (SS B +1) 4–6; D (FF B +2, 5 days) 4–9.
# M after B and C: 7; project: 9. From Monday 2027-01-04, a finish at t falls on working
# day ceil(t) - 1: t = 7 → Tuesday 2027-01-12, t = 9 → Thursday 2027-01-14.
FIXED_NETWORK = """\
name: Fixed network
start: 2027-01-04
tasks:
  - {id: A, duration: 3}
  - {id: B, duration: 4, predecessors: [A]}
  - {id: C, duration: 2, predecessors: ["B SS+1"]}
  - {id: D, duration: 5, predecessors: [{task: B, type: FF, lag: 2}]}
milestones:
  - {id: M, name: Built, after: [B, C], target: 2027-01-13}
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def invoke(runner: CliRunner, *args: object):
    return runner.invoke(cli.main, [str(a) for a in args])


def ok(result) -> None:
    assert result.exit_code == 0, result.output + repr(result.exception)


def test_run_prints_tables_and_writes_json_equal_to_the_library(runner, tmp_path):
    scenario = write(tmp_path, SMALL)
    out = tmp_path / "out.json"
    result = invoke(runner, "run", scenario, "--json", out)
    ok(result)

    text = out.read_text()
    assert text.endswith("}\n") and "NaN" not in text
    data = json.loads(text)
    assert data["iterations"] == 1000 and data["seed"] == 11  # from the scenario
    m1 = data["milestones"]["M1"]
    assert set(m1["percentiles"]) == {"P10", "P50", "P80", "P90"}
    assert set(m1["dates"]) == {"P10", "P50", "P80", "P90"}
    assert m1["target"] == 9.0  # the end of Thursday 2027-01-14
    assert 0 < m1["p_target"] < 1 and m1["sd"] > 0
    assert data["milestones"]["M0"]["target"] is None
    assert set(data["tasks"]) == {"A", "B", "C", "D"}
    assert all(0 <= t["criticality"] <= 1 for t in data["tasks"].values())
    assert data["tasks"]["A"]["criticality"] == 1.0  # every path starts with A

    direct = simulate(load_scenario(scenario), 1000, 11)
    assert data == direct.to_dict()  # bit-equal floats survive the JSON round trip
    assert m1["mean"] == direct.milestones["M1"].mean

    stdout = result.stdout
    assert "Small test" in stdout and "1,000 iterations" in stdout and "seed 11" in stdout
    assert "start 2027-01-04" in stdout
    assert "P(on" in stdout and "Project finish" in stdout
    assert "2027-01-14" in stdout  # M1's target, shown as a date
    assert direct.milestones["M1"].dates["P80"] in stdout
    assert f"{100 * direct.milestones['M1'].p_target:.1f}%" in stdout
    assert "Most critical tasks" in stdout and "100.0%" in stdout
    assert "wrote" in result.stderr and "out.json" in result.stderr


def test_iterations_seed_and_percentiles_options_are_honoured(runner, tmp_path):
    scenario = write(tmp_path, SMALL)
    out = tmp_path / "out.json"
    ok(
        invoke(
            runner, "run", scenario, "-n", 500, "--seed", 7, "--percentiles", "5, 95", "--json", out
        )
    )
    data = json.loads(out.read_text())
    assert data["iterations"] == 500 and data["seed"] == 7
    assert data["percentiles"] == [5.0, 95.0]
    assert set(data["milestones"]["M1"]["percentiles"]) == {"P5", "P95"}
    assert set(data["project"]["dates"]) == {"P5", "P95"}
    direct = simulate(load_scenario(scenario), 500, 7, (5, 95))
    assert data == direct.to_dict()
    assert data != simulate(load_scenario(scenario), 500, 8, (5, 95)).to_dict()


def test_fixed_chain_is_certain(runner, tmp_path):
    scenario = write(tmp_path, FIXED_CHAIN)
    out = tmp_path / "out.json"
    result = invoke(runner, "run", scenario, "--json", out)
    ok(result)
    data = json.loads(out.read_text())
    assert data["milestones"]["on_time"]["p_target"] == 1.0
    assert data["milestones"]["late"]["p_target"] == 0.0
    assert data["project"]["mean"] == 12.0 and data["project"]["sd"] == 0.0
    assert data["start"] is None and "dates" not in data["project"]
    crit = {tid: t["criticality"] for tid, t in data["tasks"].items()}
    assert crit == {"A": 1.0, "B": 1.0, "C": 1.0, "D": 0.0}
    # No start date: times are working days with one decimal.
    assert "times in working days from start" in result.stdout
    assert re.search(
        r"on_time\s+12\.0\s+0\.0\s+12\.0\s+12\.0\s+12\.0\s+12\.0\s+12\.0\s+100\.0%", result.stdout
    )
    assert re.search(r"late\s+12\.0\s+0\.0(\s+12\.0){4}\s+11\.5\s+0\.0%", result.stdout)


def test_no_criticality_omits_the_table_and_the_task_criticality(runner, tmp_path):
    scenario = write(tmp_path, SMALL)
    out = tmp_path / "out.json"
    result = invoke(runner, "run", scenario, "-n", 100, "--no-criticality", "--json", out, "-q")
    ok(result)
    assert "Most critical tasks" not in result.stdout
    tasks = json.loads(out.read_text())["tasks"]
    assert tasks and all("criticality" not in t and "sensitivity" in t for t in tasks.values())
    assert result.stderr == ""  # --quiet: no notes


def test_csv_writes_three_tables(runner, tmp_path):
    scenario = write(tmp_path, SMALL)
    folder = tmp_path / "results" / "run1"  # parents are created
    ok(invoke(runner, "run", scenario, "-n", 700, "--csv", folder))
    assert sorted(p.name for p in folder.iterdir()) == [
        "iterations.csv",
        "milestones.csv",
        "tasks.csv",
    ]
    milestones = pd.read_csv(folder / "milestones.csv", index_col="id")
    tasks = pd.read_csv(folder / "tasks.csv", index_col="id")
    iterations = pd.read_csv(folder / "iterations.csv", index_col="iteration")
    assert list(milestones.index) == ["M0", "M1", "project"]
    assert list(tasks.index) == ["A", "B", "C", "D"]
    assert tasks["criticality"].between(0, 1).all()
    assert len(iterations) == 700
    assert list(iterations.columns) == ["M0", "M1", "project"]
    direct = simulate(load_scenario(scenario), 700)
    assert (iterations["project"].to_numpy() == direct.project_finish).all()
    assert milestones.loc["M1", "p_target"] == direct.milestones["M1"].p_target


BAD_SCENARIOS = {
    "malformed_yaml": (
        "tasks: [\n  {id: A, duration: 3}\n",
        ["scenario.yaml:3:", "malformed YAML"],
    ),
    "unknown_predecessor": (
        "tasks:\n  - {id: A, duration: 3}\n  - {id: B, duration: 2, predecessors: [Z]}\n",
        ["tasks[B].predecessors[0]", "unknown task 'Z'", ":3"],
    ),
    "cycle": (
        "tasks:\n"
        "  - {id: A, duration: 3, predecessors: [C]}\n"
        "  - {id: B, duration: 2, predecessors: [A]}\n"
        "  - {id: C, duration: 1, predecessors: [B]}\n",
        ["dependency cycle", "→", "predecessors"],
    ),
    "min_above_mode": (
        "tasks:\n  - {id: A, duration: {dist: triangular, min: 5, mode: 3, max: 9}}\n",
        ["tasks[A].duration", "min (5) > mode (3)"],
    ),
    "negative_duration": (
        "tasks:\n  - {id: A, duration: 2}\n  - {id: B, duration: -4, predecessors: [A]}\n",
        ["tasks[B].duration", "must not be negative"],
    ),
    # calendars, constraints, progress and costs (issue 4)
    "bad_date": (
        "start: 2027-02-30\ntasks:\n  - {id: A, duration: 2}\n",
        [":1:", "start"],
    ),
    "holiday_far_away": (
        "start: 2027-01-04\ncalendars:\n  std: {holidays: [1066-10-14]}\n"
        "tasks:\n  - {id: A, duration: 2}\n",
        [":3:", "calendars.std.holidays[0]", "1066-10-14"],
    ),
    "no_working_day": (
        "start: 2027-01-04\ncalendars:\n  std: {workdays: []}\ntasks:\n  - {id: A, duration: 2}\n",
        ["calendars.std", "no working day"],
    ),
    "negative_rate": (
        "start: 2027-01-04\ntasks:\n  - {id: A, duration: 2, cost: {per_day: -100}}\n",
        [":3:", "tasks[A].cost.per_day", "negative"],
    ),
    "constraint_before_start": (
        "start: 2027-01-04\ntasks:\n"
        "  - {id: A, duration: 2, constraint: {start_no_earlier_than: 2026-12-01}}\n",
        ["tasks[A].constraint.start_no_earlier_than", "before"],
    ),
    "finish_before_start": (
        "start: 2027-01-04\nstatus: {data_date: 2027-03-01}\ntasks:\n"
        "  - {id: A, duration: 2, actual_start: 2027-02-01, actual_finish: 2027-01-20}\n",
        ["tasks[A].actual_finish", "before"],
    ),
    "data_date_before_start": (
        "start: 2027-01-04\nstatus: {data_date: 2026-12-01}\ntasks:\n  - {id: A, duration: 2}\n",
        ["status.data_date", "before"],
    ),
}


def assert_one_error_line(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize("case", sorted(BAD_SCENARIOS))
def test_scenario_errors_exit_2_with_one_line_and_write_nothing(runner, tmp_path, case):
    text, fragments = BAD_SCENARIOS[case]
    scenario = write(tmp_path, text)
    result = invoke(
        runner, "run", scenario, "-n", 100, "--json", tmp_path / "out.json", "--csv", tmp_path / "c"
    )
    assert_one_error_line(result, "scenario.yaml", *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.yaml"]


COSTED = """\
name: Costed
start: 2027-01-04
calendars:
  office: {holidays: [2027-01-15]}
  site: {workdays: [Mon, Tue, Wed, Thu, Fri, Sat]}
tasks:
  - {id: A, duration: {dist: triangular, min: 2, mode: 4, max: 8},
     cost: {fixed: 1000, per_day: 500}, group: design}
  - {id: B, duration: {dist: pert, min: 5, mode: 7, max: 12}, predecessors: [A], calendar: site,
     cost: {per_day: {dist: uniform, min: 800, max: 1200}}, group: build}
costs:
  - {id: overhead, per_day: 100, group: indirect}
milestones:
  - {id: M1, after: [B]}
simulation: {iterations: 2000, seed: 5}
"""


def test_run_with_costs_prints_cost_and_jcl_and_writes_the_chart(runner, tmp_path):
    result = invoke(
        runner,
        "run",
        write(tmp_path, COSTED),
        "--jcl",
        0.8,
        "--json",
        tmp_path / "r.json",
        "--charts",
        tmp_path / "charts",
        "--csv",
        tmp_path / "csv",
    )
    ok(result)
    assert "Contingency" in result.stdout and "Joint confidence" in result.stdout
    data = json.loads((tmp_path / "r.json").read_text())
    direct = simulate(load_scenario(tmp_path / "scenario.yaml"), jcl=0.8)
    assert data["cost"]["mean"] == direct.cost.mean
    assert set(data["cost"]["groups"]) == {"design", "build", "indirect"}
    assert data["jcl"]["target"] == 0.8
    assert data["jcl"]["frontier"] == direct.jcl.frontier
    assert data["tasks"]["B"]["finish_dates"] == direct.task_dates["B"]
    png = (tmp_path / "charts" / "jcl.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    costs = pd.read_csv(tmp_path / "csv" / "costs.csv", index_col="cost")
    assert list(costs.index) == ["total", "design", "build", "indirect"]
    assert costs.loc["total", "P80"] == pytest.approx(direct.cost.percentiles["P80"])


@pytest.mark.parametrize("args", [["--jcl", "0"], ["--jcl", "1.5"], ["--jcl-milestone", "nope"]])
def test_bad_jcl_options_exit_2(runner, tmp_path, args):
    result = invoke(runner, "run", write(tmp_path, COSTED), "-n", 50, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_validate_reports_the_same_errors(runner, tmp_path):
    text, fragments = BAD_SCENARIOS["cycle"]
    result = invoke(runner, "validate", write(tmp_path, text))
    assert_one_error_line(result, "scenario.yaml", *fragments)


def test_missing_scenario_file(runner, tmp_path):
    result = invoke(runner, "run", tmp_path / "nope.yaml", "--json", tmp_path / "out.json")
    assert_one_error_line(result, "nope.yaml", "file not found")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["10,150", "10,abc", "", "50,50", "nan"])
def test_bad_percentiles_are_a_usage_error(runner, tmp_path, value):
    scenario = write(tmp_path, SMALL)
    result = invoke(runner, "run", scenario, "--percentiles", value, "--json", tmp_path / "o.json")
    assert result.exit_code == 2
    assert "--percentiles" in result.stderr and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.yaml"]


def test_json_into_a_missing_folder_fails_before_simulating(runner, tmp_path, monkeypatch):
    scenario = write(tmp_path, SMALL)

    def no_simulation(*args, **kwargs):
        raise AssertionError("simulated before checking the output path")

    monkeypatch.setattr(riskengine, "simulate", no_simulation)
    result = invoke(runner, "run", scenario, "--json", tmp_path / "missing" / "out.json")
    assert_one_error_line(result, "out.json", "does not exist")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.yaml"]


def test_an_unwritable_csv_target_leaves_the_json_unwritten(runner, tmp_path):
    scenario = write(tmp_path, SMALL)
    (tmp_path / "c" / "tasks.csv").mkdir(parents=True)  # a folder where a file must go
    result = invoke(
        runner, "run", scenario, "--json", tmp_path / "out.json", "--csv", tmp_path / "c"
    )
    assert_one_error_line(result, "tasks.csv", "is a folder")
    assert not (tmp_path / "out.json").exists()
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["tasks.csv"]


def test_unexpected_exceptions_are_not_hidden(runner, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli.terminal, "print_results", broken)
    result = invoke(runner, "run", write(tmp_path, SMALL), "-n", 10)
    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)


def test_validate_prints_the_summary_and_the_hand_calculated_plan(runner, tmp_path):
    result = invoke(runner, "validate", write(tmp_path, FIXED_NETWORK))
    ok(result)
    out = result.stdout
    assert re.search(r"Scenario\s+Fixed network", out)
    assert re.search(r"Start\s+2027-01-04", out)
    assert re.search(r"Tasks\s+4\b", out)
    assert re.search(r"Links\s+3 \(FS 1, SS 1, FF 1, SF 0\)", out)
    assert re.search(r"Durations\s+fixed 4\b", out)
    # Target: end of Wednesday 2027-01-13 = 8 working days; plan 7 (Tuesday 01-12).
    assert re.search(r"M\s+8\.0 wd \(2027-01-13\)\s+7\.0 wd \(2027-01-12\)\s+Built", out)
    assert re.search(r"Project finish\s+—\s+9\.0 wd \(2027-01-14\)", out)
    assert out.rstrip().endswith("OK")


def test_validate_without_start_uses_most_likely_durations(runner, tmp_path):
    text = (
        "tasks:\n"
        "  - {id: A, duration: {dist: triangular, min: 1, mode: 3, max: 9}}\n"
        "  - {id: B, duration: {dist: pert, min: 2, mode: 4, max: 20}, predecessors: [A]}\n"
        "  - {id: C, duration: {dist: uniform, min: 2, max: 6}, predecessors: ['A SS']}\n"
        "milestones:\n"
        "  - {id: M, after: [C], target: 5}\n"
    )
    result = invoke(runner, "validate", write(tmp_path, text))
    ok(result)
    assert "none — results in working days" in result.stdout
    assert re.search(r"Durations\s+uniform 1, triangular 1, pert 1", result.stdout)
    assert re.search(r"M\s+5\.0 wd\s+4\.0 wd", result.stdout)  # C: 0 + (2 + 6) / 2
    assert re.search(r"Project finish\s+—\s+7\.0 wd", result.stdout)  # A 3 + B 4


def test_version(runner):
    result = invoke(runner, "--version")
    ok(result)
    assert riskengine.__version__ in result.stdout


def test_no_sensitivity_and_no_drivers_flags(runner, tmp_path):
    import test_risks

    scenario = tmp_path / "risky.yaml"
    scenario.write_text(test_risks.SCENARIO)
    out = tmp_path / "o.json"
    ok(invoke(runner, "run", scenario, "-n", 300, "--json", out, "-q"))
    doc = json.loads(out.read_text())
    assert "drivers" in doc["risks"]["permit"] and "sensitivity" in doc["tasks"]["design"]
    ok(
        invoke(
            runner,
            "run",
            scenario,
            "-n",
            300,
            "--json",
            out,
            "-q",
            "--no-sensitivity",
            "--no-drivers",
        )
    )
    doc = json.loads(out.read_text())
    assert "drivers" not in doc["risks"]["permit"] and "sensitivity" not in doc["tasks"]["design"]


# ----------------------------------------------------------------------------- outputs


def no_simulation(monkeypatch) -> None:
    """Every output check must come before the simulation: make simulating a failure."""

    def refuse(*args, **kwargs):
        raise AssertionError("simulated before checking the outputs")

    monkeypatch.setattr(riskengine, "simulate", refuse)
    monkeypatch.setattr(riskengine, "simulate_portfolio", refuse)


def test_json_to_dev_null_leaves_the_device_in_place(runner, tmp_path):
    before = os.stat("/dev/null")
    result = invoke(runner, "run", write(tmp_path, SMALL), "-n", 50, "--json", "/dev/null")
    ok(result)
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino
    assert "wrote /dev/null" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.yaml"]


def test_a_pipe_without_a_reader_is_a_clean_error(runner, tmp_path):
    from test_outputs import no_hang

    scenario = write(tmp_path, SMALL)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with no_hang():
        result = invoke(runner, "run", scenario, "-n", 50, "--json", fifo, "--csv", tmp_path / "c")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.splitlines() == [
        f"error: {fifo}: no process is reading this named pipe (start the reader first)"
    ]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe", "scenario.yaml"]


def test_a_pipe_with_a_reader_receives_the_json(runner, tmp_path):
    from test_outputs import PipeReader, no_hang

    scenario = write(tmp_path, SMALL)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = PipeReader(fifo)
    reader.start()
    with no_hang():
        ok(invoke(runner, "run", scenario, "-n", 200, "--json", fifo, "-q"))
    reader.join(20)
    assert json.loads(reader.data) == simulate(load_scenario(scenario), 200).to_dict()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe", "scenario.yaml"]


def test_an_output_aimed_at_an_input_is_refused_before_simulating(runner, tmp_path, monkeypatch):
    import test_register_file

    scenario = test_register_file.write(tmp_path)  # s.yaml reading its risks from register.csv
    (tmp_path / "alias.json").symlink_to(scenario)  # passes the suffix rule
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "tasks.csv").hardlink_to(tmp_path / "register.csv")

    def snapshot():
        return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.rglob("*.*")}

    files = snapshot()
    no_simulation(monkeypatch)
    cases = [
        (["run", scenario, "--json", tmp_path / "alias.json"], "alias.json: --json", "s.yaml"),
        (["run", scenario, "--csv", tmp_path / "c"], "tasks.csv: --csv", "register.csv"),
        (["register", scenario, "-o", tmp_path / "register.csv"], "--output", "register.csv"),
        (["run", scenario, "--json", scenario], "s.yaml: --json", "s.yaml"),
    ]
    for args, *fragments in cases:
        result = invoke(runner, *args)
        assert_one_error_line(result, "would overwrite the input file", *fragments)
    assert snapshot() == files and len(files) == 4


def test_compare_refuses_to_overwrite_a_project_file(runner, tmp_path, monkeypatch):
    import test_portfolio

    portfolio = test_portfolio.write_portfolio(
        tmp_path, test_portfolio.PORTFOLIO + test_portfolio.STRATEGY
    )
    (tmp_path / "erp.json").symlink_to(tmp_path / "erp.yaml")
    erp = (tmp_path / "erp.yaml").read_text()
    monkeypatch.setattr(riskengine, "compare", None)  # must not get that far
    result = invoke(runner, "compare", portfolio, "-n", 50, "--json", tmp_path / "erp.json")
    assert_one_error_line(result, "erp.json: --json would overwrite the input file", "erp.yaml")
    assert (tmp_path / "erp.yaml").read_text() == erp
    result = invoke(runner, "compare", portfolio, "--json", tmp_path / "cmp.csv")
    assert_one_error_line(result, "cmp.csv: --json writes JSON")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--json", "x.csv"], ["x.csv: --json writes JSON", "ending in .json, not .csv"]),
        (["--csv", "out.csv"], ["out.csv: --csv takes a folder", "not a file name ending in .csv"]),
        (["--csv", "r.json"], ["r.json: --csv takes a folder"]),
        (["--charts", "c.png"], ["c.png: --charts takes a folder"]),
        (["--json", "out/tasks.csv", "--csv", "out"], ["tasks.csv: --json and --csv would both"]),
        (["--json", "sub/r.json", "--csv", "sub/r.json"], ["--csv takes a folder"]),
        (["--json", "scenario.yaml"], ["would overwrite the input file"]),
    ],
)
def test_outputs_named_like_the_wrong_thing_are_refused(
    runner, tmp_path, monkeypatch, args, fragments
):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, SMALL)
    no_simulation(monkeypatch)
    result = invoke(runner, "run", "scenario.yaml", *args)
    assert_one_error_line(result, *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.yaml"]


def test_a_register_named_like_the_wrong_thing_is_refused(runner, tmp_path, monkeypatch):
    import test_risks

    scenario = write(tmp_path, test_risks.SCENARIO)
    result = invoke(runner, "register", scenario, "-o", tmp_path / "reg.json")
    assert_one_error_line(result, "reg.json: the register is written as .xlsx or .csv")
    result = invoke(runner, "register", scenario, "-o", "/dev/null")
    assert_one_error_line(result, "/dev/null: the register is written as .xlsx or .csv")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_run_removes_the_temporaries_a_killed_run_left(runner, tmp_path):
    from test_outputs import dead_pid, stale_temporary

    scenario = write(tmp_path, SMALL)
    out = tmp_path / "out"
    out.mkdir()
    stale = [
        stale_temporary(out / "r.json", dead_pid(), age=300),
        stale_temporary(out / "tasks.csv", dead_pid(), age=300),
    ]
    assert all(p.exists() for p in stale)
    ok(invoke(runner, "run", scenario, "-n", 50, "--json", out / "r.json", "--csv", out))
    assert sorted(p.name for p in out.iterdir()) == [
        "iterations.csv",
        "milestones.csv",
        "r.json",
        "tasks.csv",
    ]


# ----------------------------------------------------------------------------- injection

HOSTILE_SCENARIO = """\
name: Hostile names
tasks:
  - {id: "=A", name: "=cmd|' /C calc'!A0", duration: [2, 4, 8]}
  - {id: "+B", name: "-2+3", duration: [2, 3, 5], predecessors: ["=A"]}
  - {id: "@C", name: "@SUM(A1:A9)", duration: 2, predecessors: ["+B"]}
  - {id: "-D", name: "\\tTab", duration: 1, predecessors: ["@C"]}
milestones:
  - {id: "=M", name: "+milestone", after: ["-D"], target: 12}
risks:
  - {id: "=R", name: "=1+1", owner: "+owner", category: "-cat", probability: 0.5,
     impacts: [{task: "=A", delay: [1, 2, 3]}]}
  - {id: "@S", name: "@early", owner: "=HYPERLINK(\\"http://x\\")", category: "@c",
     probability: 0.5, impacts: [{task: "+B", delay: [-3, -2, -1]}]}
simulation: {iterations: 300, seed: 1}
"""
HOSTILE_TEXT = {
    "=A",
    "+B",
    "@C",
    "-D",
    "=M",
    "=R",
    "@S",
    "=cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\tTab",
    "+milestone",
    "=1+1",
    "+owner",
    "-cat",
    "@early",
    '=HYPERLINK("http://x")',
    "@c",
}


def csv_cells(path: Path) -> list[str]:
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def test_csv_outputs_never_start_a_formula(runner, tmp_path):
    scenario = write(tmp_path, HOSTILE_SCENARIO)
    ok(invoke(runner, "run", scenario, "--csv", tmp_path / "c", "-q"))
    ok(invoke(runner, "register", scenario, "-o", tmp_path / "reg.csv", "-q"))
    files = [*(tmp_path / "c").iterdir(), *tmp_path.glob("reg*.csv")]
    assert len(files) == 6
    cells = [c for f in files for c in csv_cells(f)]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    text = {c[1:] for c in cells if c.startswith("'")}
    assert text <= HOSTILE_TEXT and {"=A", "=M", "=R", "=1+1", "-cat"} <= text
    negatives = [float(c) for c in cells if c.startswith("-")]
    assert negatives and all(v < 0 for v in negatives)  # numbers stay numbers
    tasks = pd.read_csv(tmp_path / "c" / "tasks.csv", index_col="id")
    assert list(tasks.index) == ["'=A", "'+B", "'@C", "'-D"]
    assert tasks["criticality"].between(0, 1).all()


def test_the_workbook_holds_names_as_text(runner, tmp_path):
    from openpyxl import load_workbook

    scenario = write(tmp_path, HOSTILE_SCENARIO)
    ok(invoke(runner, "register", scenario, "-o", tmp_path / "reg.xlsx", "-q"))
    book = load_workbook(tmp_path / "reg.xlsx")
    cells = [c for ws in book for row in ws.iter_rows() for c in row if c.value is not None]
    text = [c for c in cells if isinstance(c.value, str)]
    assert {c.value for c in text} >= {"=R", "=1+1", "+owner", "-cat", "@S", "=A", "=M"}
    assert all(c.data_type == "s" for c in text)
    assert not [c for c in cells if c.data_type == "f"]
    delays = [c.value for c in book["Register"]["I"][1:]]  # delay_P10 of each risk
    assert any(isinstance(v, float) and v < 0 for v in delays)


# ----------------------------------------------------------------------------- messages


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--bogus", "x.yaml"], "error: No such option '--bogus'."),
        (["run", "x.yaml", "-n", "abc"], "error: Invalid value for '-n' / '--iterations':"),
        (["run"], "error: Missing argument 'SCENARIO'."),
        (["run", "x.yaml", "--sampling", "magic"], "error: Invalid value for '--sampling':"),
        (["nonsense"], "error: No such command 'nonsense'."),
        (["--bogus"], "error: No such option '--bogus'."),
        (["register", "x.yaml"], "error: Missing option '-o' / '--output'."),
    ],
)
def test_usage_errors_put_the_error_line_first(runner, args, message):
    result = invoke(runner, *args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith(message), result.stderr
    assert lines[1].startswith("Usage: ") and lines[2].startswith("Try '")
    assert len(lines) == 3 and result.stdout == ""


def test_messages_escape_control_characters(runner, tmp_path):
    name = tmp_path / "evil\x1b[2J\x07\u202e.yaml"
    result = invoke(runner, "run", name)
    assert_one_error_line(result, "evil\\x1b[2J\\x07\\u202e.yaml", "file not found")
    assert "\x1b" not in result.stderr
    result = invoke(runner, "run", "x.yaml", "--sampling", "lhs\x1b[31m\nsecond line")
    assert result.stderr.splitlines()[0].startswith("error: Invalid value for '--sampling'")
    assert "\x1b" not in result.stderr and "\nsecond line" not in result.stderr
    assert errors.one_line("a\n b\tc\x1b[0m\x9b") == "a b c\\x1b[0m\\x9b"


def test_errors_found_after_loading_name_their_line(runner, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "name: far\nstart: 2027-01-04\ntasks:\n  - {id: a, duration: 5}\n"
        "  - id: b\n    duration: 3\n    predecessors: [{task: a, lag: 1000000000}]\n"
        "simulation:\n  seed: 3\n  iterations: 1000000000000\n"
    )
    r = runner.invoke(cli.main, ["run", "-q", str(plan)])
    assert r.exit_code == 2
    assert f"{plan}:10: simulation.iterations: must be between 1 and 10,000,000" in r.stderr
    r = runner.invoke(cli.main, ["run", "-q", "-n", "20", str(plan)])
    assert r.exit_code == 2
    assert f"{plan}:7: tasks[b].predecessors[0].lag: the schedule runs past" in r.stderr
