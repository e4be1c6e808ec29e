"""Terminal rendering, the validate summary and the all-or-nothing file writers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import math
import os
import re
import socket
import types
from pathlib import Path

import pytest
from rich.console import Console

import riskengine as rk
from helpers import scenario, task
from riskengine.engine.simulation import _simulate, deterministic_plan, simulate
from riskengine.errors import OutputError
from riskengine.model.scenario import Milestone
from riskengine.report import files, outputs, terminal

START = dt.date(2027, 1, 4)  # a Monday


def chain(start=START, iterations=300):
    """A 3 → B [2, 4, 9] → C 5, plus D 1 hanging off A; M1 (with a target) after B."""
    return scenario(
        [
            task("A", 3, name="Alpha"),
            task("B", [2, 4, 9], ["A"], name="Beta"),
            task("C", 5, ["B"]),
            task("D", 1, ["A"]),
        ],
        [
            Milestone(id="M1", after=("B",), name="Beta done", target=8.0),
            Milestone(id="M2", after=("C", "D"), name="All done"),
        ],
        iterations=iterations,
        start=start,
    )


def render(results, width=100) -> str:
    console = Console(file=io.StringIO(), width=width)
    terminal.print_results(results, console)
    return console.file.getvalue()


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ----------------------------------------------------------------------------- terminal


def test_tables_show_dates_when_there_is_a_start():
    res = simulate(chain(), seed=5)
    out = render(res)
    assert "test · 300 iterations · seed 5 · start 2027-01-04" in out
    m1 = res.milestones["M1"]
    # Target 8 working days from Monday 2027-01-04 ends on Wednesday 2027-01-13.
    row = re.search(r"^M1\s+(\S+)\s+(\S+)((?:\s+\S+){4})\s+(\S+)\s+(\S+)\n.*± (\S+)$", out, re.M)
    assert row is not None, out
    assert row[1] == f"{m1.mean:.1f}" and row[2] == f"{m1.sd:.1f}"
    assert row[3].split() == list(m1.dates.values())
    assert row[4] == "2027-01-13"
    assert row[5] == f"{100 * m1.p_target:.1f}%"
    assert row[6] == f"{100 * m1.p_target_se:.1f}"  # its standard error, below it
    assert re.search(r"^M2\s.*\s—\s+—$", out, re.M)  # no target
    assert re.search(r"^Project finish\s", out, re.M)
    assert "Beta done" in out and "All done" in out


def test_a_target_date_is_shown_as_written():
    saturday = dt.date(2027, 1, 9)  # counts as the end of Friday 01-08: 5 working days
    sc = dataclasses.replace(
        chain(),
        milestones=(Milestone(id="M", after=("A",), target=5.0, target_date=saturday),),
    )
    out = render(simulate(sc, iterations=20))
    assert re.search(r"^M\s.*\s2027-01-09\s+100\.0%\n\s+± 0\.0$", out, re.M)


def test_tables_show_working_days_without_a_start():
    res = simulate(chain(start=None), seed=5, percentiles=(50, 97.5))
    out = render(res)
    assert "times in working days from start" in out
    assert re.search(r"Mean\s+SD\s+P50\s+P97\.5\s+Target\s+P\(on\s*\nMilestone\s+\(wd\)", out)
    p = res.project.percentiles
    assert re.search(
        rf"^Project finish\s+\S+\s+\S+\s+{p['P50']:.1f}\s+{p['P97.5']:.1f}\s", out, re.M
    )
    assert re.search(r"^M1\s+\S+\s+\S+\s+\S+\s+\S+\s+8\.0\s", out, re.M)
    assert "-" not in re.search(r"^M1.*$", out, re.M)[0]  # no dates anywhere in the row


def test_critical_table_lists_the_top_tasks_in_order():
    tasks = [task("T0", 1)] + [task(f"T{i}", [1, 2, 3 + i], ["T0"]) for i in range(1, 13)]
    res = simulate(scenario(tasks, [("M", [t.id for t in tasks])], iterations=400), seed=2)
    out = render(res)
    rows = re.findall(r"^(T\d+)\s+(\d+\.\d)% ± \d+\.\d$", out, re.M)
    assert len(rows) == terminal.TOP_CRITICAL
    assert [tid for tid, _ in rows] == [tid for tid, _ in res.most_critical(10)]
    assert rows[0] == ("T0", "100.0")
    shares = [float(c) for _, c in rows]
    assert shares == sorted(shares, reverse=True)


def test_names_are_not_read_as_markup():
    sc = scenario([task("A", 1, name="Pumps [bold]A[/] and [/x]B")], [("M", ["A"])])
    sc = dataclasses.replace(sc, name="Plan [v2]")
    out = render(simulate(sc, iterations=10))
    assert "Plan [v2]" in out and "Pumps [bold]A[/] and [/x]B" in out
    console = Console(file=io.StringIO(), width=100)
    terminal.print_summary(rk.describe(sc), console)
    assert "Plan [v2]" in console.file.getvalue()


def test_no_criticality_table_when_not_computed():
    out = render(simulate(chain(), criticality=False))
    assert "Most critical tasks" not in out and "Milestones" in out


def test_narrow_consoles_never_lose_the_milestone_column():
    out = render(simulate(chain(), iterations=50), width=60)
    assert re.search(r"^M1\s", out, re.M) and re.search(r"P90\s+Target", out)


# ----------------------------------------------------------------------------- progress


class FakeClock:
    def __init__(self, *times: float) -> None:
        self.times = list(times)

    def __call__(self) -> float:
        return self.times.pop(0)


def tty() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=80)


def test_progress_bar_appears_only_for_long_runs():
    # 10% done after 0.5 s: 4.5 s to go.
    with terminal.LazyProgress(tty(), clock=FakeClock(0.0, 0.5)) as slow:
        slow(100, 1000)
        assert slow.shown
        slow(1000, 1000)
    # Half done after 0.5 s: 0.5 s to go; the decision is not revisited.
    with terminal.LazyProgress(tty(), clock=FakeClock(0.0, 0.5)) as quick:
        quick(500, 1000)
        quick(600, 1000)
    assert not quick.shown


@pytest.mark.parametrize(
    "console, enabled",
    [(tty(), False), (Console(file=io.StringIO(), width=80), True)],
    ids=["quiet", "not-a-terminal"],
)
def test_progress_bar_stays_hidden(console, enabled):
    with terminal.LazyProgress(console, enabled=enabled, clock=FakeClock(0.0, 10.0)) as bar:
        bar(1, 1000)
    assert not bar.shown
    assert console.file.getvalue() == ""


def test_spinner_covers_a_slow_start_and_goes_away():
    import time as _time

    console = tty()
    with terminal.LazyProgress(console, threshold=0.05, clock=FakeClock(0.0, 0.1)) as bar:
        deadline = _time.monotonic() + 5
        while bar._status is None and _time.monotonic() < deadline:
            _time.sleep(0.01)
        assert bar._status is not None  # no report yet: the spinner is up
        bar(1000, 1000)
        assert bar._status is None  # the first report takes it down
    assert "first run compiles" in console.file.getvalue()


def test_no_spinner_when_reports_come_quickly():
    console = tty()
    with terminal.LazyProgress(console, threshold=0.5, clock=FakeClock(0.0, 0.01)) as bar:
        bar(1000, 1000)
    assert "first run compiles" not in console.file.getvalue()


def test_simulate_calls_the_progress_callback():
    calls = []
    _simulate(chain(), iterations=1000, chunk=256, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (1000, 1000) and len(calls) == 4


# ----------------------------------------------------------------------------- validate


def test_describe_counts_links_and_kinds_and_plans_with_most_likely_durations():
    sc = scenario(
        [
            task("A", {"dist": "triangular", "min": 1, "mode": 3, "max": 9}),
            task("B", {"dist": "pert", "min": 2, "mode": 4, "max": 20}, ["A"]),
            task("C", {"dist": "uniform", "min": 2, "max": 6}, [("A", "SS", 1)]),
            task("D", {"dist": "discrete", "values": [1, 5], "weights": [0.2, 0.8]}, ["C"]),
            task("E", 2, [("B", "FF", 0), ("D", "SF", 3)]),
        ],
        [Milestone(id="M", after=("D",), target=9.0)],
        start=START,
    )
    s = rk.describe(sc)
    assert s.links == {"FS": 2, "SS": 1, "FF": 1, "SF": 1}
    assert s.distributions == {
        "fixed": 1,
        "uniform": 1,
        "triangular": 1,
        "pert": 1,
        "discrete": 1,
    }
    # A 0–3, B 3–7, C 1–5 (SS+1, mid-range 4), D 5–10 (mode 5), E: FF B → finish ≥ 7,
    # SF D+3 → finish ≥ 3, so 5–7. M after D: 10; project: 10.
    assert s.plan.milestones["M"].mean == 10.0
    assert s.plan.project.mean == 10.0
    assert s.plan.iterations == 1 and s.plan.criticality is None

    console = Console(file=io.StringIO(), width=100)
    terminal.print_summary(s, console)
    out = console.file.getvalue()
    assert re.search(r"Links\s+5 \(FS 2, SS 1, FF 1, SF 1\)", out)
    # 9 working days from Monday 2027-01-04 end on Thursday 01-14; 10 on Friday 01-15.
    assert re.search(r"^M\s+9\.0 wd \(2027-01-14\)\s+10\.0 wd \(2027-01-15\)$", out, re.M)


def test_deterministic_plan_leaves_the_scenario_alone():
    sc = chain()
    deterministic_plan(sc)
    assert sc.task("B").duration.kind == "triangular"


# ----------------------------------------------------------------------------- files


def test_results_json_refuses_nan():
    res = simulate(chain(), iterations=20)
    assert json.loads(files.results_json(res)) == res.to_dict()
    broken = dataclasses.replace(res, project=dataclasses.replace(res.project, mean=math.nan))
    with pytest.raises(ValueError):
        files.results_json(broken)


def test_write_atomic_writes_text_or_callback_and_replaces(tmp_path):
    path = tmp_path / "a.txt"
    outputs.write_atomic(path, "first\n")
    assert path.read_text() == "first\n"
    outputs.write_atomic(path, lambda fh: fh.write("second\n"))
    assert path.read_text() == "second\n"
    assert files_in(tmp_path) == ["a.txt"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")

    def half_then_fail(fh):
        fh.write("half")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        outputs.write_atomic(path, half_then_fail)
    assert path.read_text() == "old"
    assert files_in(tmp_path) == ["a.txt"]


def test_write_files_is_all_or_nothing(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("old")
    files = {good: "new", tmp_path / "missing" / "bad.txt": "x"}
    with pytest.raises(OutputError, match=r"bad\.txt: cannot write"):
        outputs.write_files(files)
    assert good.read_text() == "old"
    assert files_in(tmp_path) == ["good.txt"]


def test_check_outputs_touches_nothing(tmp_path):
    files.check_outputs(tmp_path / "out.json", tmp_path / "new" / "csv")
    assert files_in(tmp_path) == []
    with pytest.raises(OutputError, match="does not exist"):
        files.check_outputs(tmp_path / "nope" / "out.json")
    with pytest.raises(OutputError, match="is a folder"):
        files.check_outputs(tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match="not a folder"):
        files.check_outputs(csv_dir=tmp_path / "file")
    with pytest.raises(OutputError, match="not a folder"):
        files.check_outputs(csv_dir=tmp_path / "file" / "sub")


def test_write_outputs_creates_the_csv_folder(tmp_path):
    res = simulate(chain(), iterations=30)
    written = files.write_outputs(res, json_path=tmp_path / "r.json", csv_dir=tmp_path / "a" / "b")
    assert [p.name for p in written] == ["r.json", "milestones.csv", "tasks.csv", "iterations.csv"]
    assert files_in(tmp_path / "a" / "b") == ["iterations.csv", "milestones.csv", "tasks.csv"]
    assert len((tmp_path / "a" / "b" / "iterations.csv").read_text().splitlines()) == 31


def test_a_failed_write_removes_the_folders_it_created(tmp_path):
    res = simulate(chain(), iterations=30)
    with pytest.raises(OutputError):
        files.write_outputs(
            res, json_path=tmp_path / "missing" / "r.json", csv_dir=tmp_path / "a" / "b"
        )
    assert files_in(tmp_path) == []


def test_check_outputs_refuses_outputs_named_like_the_wrong_thing(tmp_path):
    with pytest.raises(OutputError, match=r"x\.csv: --json writes JSON.*\.json, not \.csv"):
        files.check_outputs(tmp_path / "x.csv")
    files.check_outputs(tmp_path / "x.JSON")
    files.check_outputs(Path("/dev/null"))  # no suffix: a device, a pipe, a plain name
    for suffix in files.FILE_SUFFIXES:
        with pytest.raises(OutputError, match=f"--csv takes a folder.*ending in \\{suffix}"):
            files.check_outputs(csv_dir=tmp_path / f"out{suffix}")
        with pytest.raises(OutputError, match=f"--charts takes a folder.*ending in \\{suffix}"):
            files.check_outputs(charts_dir=tmp_path / f"out{suffix}")
    with pytest.raises(OutputError, match="written as .xlsx or .csv"):
        files.check_outputs(register=tmp_path / "r.json")
    assert files_in(tmp_path) == []


def test_check_outputs_refuses_two_outputs_in_one_file(tmp_path):
    with pytest.raises(OutputError, match="tasks.csv: --json and --csv would both write"):
        files.check_outputs(tmp_path / "tasks.csv", tmp_path, inputs=())
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "r.json").symlink_to(tmp_path / "out" / "tasks.csv")
    with pytest.raises(OutputError, match="--json and --csv would both write"):
        files.check_outputs(tmp_path / "out" / "r.json", tmp_path / "out")
    files.check_outputs(tmp_path / "r.json", tmp_path / "out", charts_dir=tmp_path / "out")


def test_check_outputs_refuses_to_overwrite_an_input(tmp_path):
    scenario, register = tmp_path / "plan.yaml", tmp_path / "risks.csv"
    scenario.write_text("tasks: []\n")
    register.write_text("id\n")
    inputs = (str(scenario), str(register))
    with pytest.raises(OutputError, match=f"--json would overwrite the input file {scenario}"):
        files.check_outputs(tmp_path / "." / "plan.yaml", inputs=inputs)
    with pytest.raises(OutputError, match="--output would overwrite the input file"):
        files.check_outputs(register=register, inputs=inputs)
    # the register's CSV siblings count too
    sibling = tmp_path / "x.tornado.csv"
    with pytest.raises(OutputError, match=r"x\.tornado\.csv: --output would overwrite"):
        files.check_outputs(register=tmp_path / "x.csv", inputs=(str(sibling),))
    assert scenario.read_text() == "tasks: []\n" and register.read_text() == "id\n"


def test_check_outputs_refuses_what_is_not_a_file(tmp_path):
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(tmp_path / "sock.json"))
        with pytest.raises(OutputError, match="sock.json: is a socket"):
            files.check_outputs(tmp_path / "sock.json")
    (tmp_path / "csv").mkdir()
    os.mkfifo(tmp_path / "csv" / "tasks.csv")
    files.check_outputs(csv_dir=tmp_path / "csv")  # a pipe is written, not replaced


# ----------------------------------------------------------------------------- probabilities


@pytest.mark.parametrize(
    ("p", "shown", "xlsx"),
    [
        (1.0, "100.0%", "0.0%"),
        (0.9996, ">99.9%", '">99.9%"'),
        (0.9995, ">99.9%", '">99.9%"'),  # Excel would round 99.95 up
        (0.9994, "99.9%", "0.0%"),
        (0.5, "50.0%", "0.0%"),
        (0.0006, "0.1%", "0.0%"),
        (0.0004, "<0.1%", '"<0.1%"'),
        (1e-9, "<0.1%", '"<0.1%"'),
        (0.0, "0.0%", "0.0%"),
        (None, terminal.NONE, None),
    ],
)
def test_probabilities_never_round_to_a_false_certainty(p, shown, xlsx):
    assert terminal._pct(p) == shown
    if p is not None:
        assert terminal.percent_format(p) == xlsx


def test_every_probability_column_uses_the_honest_format():
    res = simulate(chain(), iterations=50)
    near = dataclasses.replace(res.milestones["M1"], p_target=0.9996)
    res = dataclasses.replace(
        res,
        milestones={**res.milestones, "M1": near},
        criticality={**res.criticality, "A": 0.9996, "D": 0.0004},
    )
    out = render(res)
    assert re.search(r"^M1\s.*\s>99\.9%$", out, re.M)
    assert re.search(r"^A\s+Alpha\s+>99\.9% ± 0\.3$", out, re.M)  # √(p(1 − p)/50)
    assert re.search(r"^D\s+<0\.1% ± 0\.3$", out, re.M)
    assert terminal._share({"probability": 0.9996, "se": 0.0002}) == ">99.9% ± 0.0"
    assert terminal._share({"probability": 0.0004, "se": 0.0002}) == "<0.1% ± 0.0"
    delta = {"diff": 0.0004, "low": 0.0, "high": 0.0008}
    assert terminal._with_delta(0.0004, delta, "baseline", 10**6) == "<0.1% ± 0.0"
    assert terminal._with_delta(0.9996, delta, "option", 10**6).split("\n") == [
        ">99.9% ± 0.0",
        "Δ +0.0",  # differences round normally
        "[+0.0, +0.1]",
    ]


def test_risk_occurrence_uses_the_honest_format(tmp_path):
    import test_risks
    from riskengine.io.scenario_file import load_scenario

    path = tmp_path / "risky.yaml"
    path.write_text(test_risks.SCENARIO)
    res = simulate(load_scenario(path), iterations=200)
    occurrence = {"permit": 0.0004, "early-steel": 0.9996}
    out = render(dataclasses.replace(res, risk_occurrence=occurrence))
    assert re.search(r"^permit\s+<0\.1%\s", out, re.M)
    assert re.search(r"^early-steel\s+>99\.9%\s", out, re.M)


# ----------------------------------------------------------------------------- injection

HOSTILE = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A9)", "\tx", "\ry", "#REF!"]


def hostile_register():
    import pandas as pd

    register = pd.DataFrame(
        {
            "rank": [1, 2, 3, 4, 5, 6, 7],
            "id": HOSTILE,
            "name": ["plain", *HOSTILE[1:]],
            "probability": [0.9996, 1.0, 0.0004, 0.0, 0.5, 0.25, None],
            "expected_delay": [-4.5, 2.0, 0.0, -1.0, 3.0, 1.0, 0.5],
            "contribution_=M_P80": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        }
    )
    empty = pd.DataFrame({"milestone": ["=M"], "P(target) before": [0.9996]})
    return types.SimpleNamespace(register=register, mitigation=empty, tornado=empty.iloc[:0])


def test_workbook_text_is_never_a_formula_and_numbers_stay_numbers():
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(files.register_xlsx(hostile_register())))
    ws = book["Register"]
    headers = [c.value for c in ws[1]]
    assert headers[-1] == "Adds to =M P80 (days)"
    ids = [ws.cell(row=r, column=2) for r in range(2, 9)]
    names = [ws.cell(row=r, column=3) for r in range(2, 9)]
    # exactly as written, no quote added (XML reads a carriage return back as a newline)
    assert [c.value for c in ids] == [h.replace("\r", "\n") for h in HOSTILE]
    assert all(c.data_type == "s" for c in ids + names)
    assert all(c.data_type == "s" for c in ws[1])
    delays = [ws.cell(row=r, column=5) for r in range(2, 9)]
    assert [c.value for c in delays] == [-4.5, 2, 0, -1, 3, 1, 0.5]
    assert all(c.data_type == "n" and c.number_format == "0.0" for c in delays)
    formats = [ws.cell(row=r, column=4).number_format for r in range(2, 8)]
    assert formats == ['">99.9%"', "0.0%", '"<0.1%"', "0.0%", "0.0%", "0.0%"]
    assert ws.cell(row=2, column=4).value == 0.9996  # the cell keeps its value
    assert ws.cell(row=8, column=4).value is None
    mitigation = book["Mitigation"]
    assert mitigation["A2"].value == "=M" and mitigation["A2"].data_type == "s"
    assert mitigation["B2"].number_format == '">99.9%"'


def test_workbook_control_characters_are_shown_escaped():
    from openpyxl import load_workbook

    reg = hostile_register()
    reg.register.loc[0, "name"] = "bell\x07 and escape\x1b[31m"
    book = load_workbook(io.BytesIO(files.register_xlsx(reg)))
    assert book["Register"]["C2"].value == "bell\\x07 and escape\\x1b[31m"


def test_csv_text_starting_like_a_formula_gets_a_quote():
    import csv

    frame = hostile_register().register.set_index("id")
    frame.loc["+1+1", "name"] = "line\r=cmd|' /C calc'!A0"
    text = files.csv_text(frame)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 8  # a carriage return inside a name starts no new row
    assert rows[0][-1] == "contribution_=M_P80"  # starts with c: left alone
    assert [r[0] for r in rows[1:]] == ["'" + h if h[0] in "=+-@\t\r" else h for h in HOSTILE]
    assert rows[2][2] == "line\r=cmd|' /C calc'!A0"
    assert [r[2] for r in rows[3:]] == [*("'" + h for h in HOSTILE[2:-1]), "#REF!"]
    assert [r[4] for r in rows[1:]] == ["-4.5", "2.0", "0.0", "-1.0", "3.0", "1.0", "0.5"]
    assert '\n"\'+1+1",' in text and ",-4.5," in text  # text quoted, numbers bare
    assert frame.loc["-2+3", "name"] == "-2+3"  # the frame itself is untouched
    assert files.inert_text(-3) == -3 and files.inert_text("a=b") == "a=b"
    header = files.csv_text(frame.rename(columns={"name": "=name"})).splitlines()[0]
    assert header.split(",")[2] == '"\'=name"'


def test_names_from_files_reach_the_terminal_as_plain_one_line_text():
    """A name with rich markup, a newline or terminal escape codes prints as text."""
    tasks = [
        task("a", 3, name="Pumps [bold]A/B[/] \x1b[31mred\x1b[0m"),
        task("[/x]", 2, ["a"], name="two\nlines"),
    ]
    sc = dataclasses.replace(scenario(tasks, [("m", ["[/x]"])]), name="\x1b]0;title\x07plan")
    console = Console(record=True, width=120, force_terminal=False)
    terminal.print_results(simulate(sc, 200, sensitivity=False), console)
    out = console.export_text()
    assert "\x1b" not in out and "\x07" not in out
    assert "Pumps [bold]A/B[/] \\x1b[31mred\\x1b[0m" in out
    assert "two lines" in out and "[/x]" in out
    assert "\\x1b]0;title\\x07plan" in out
