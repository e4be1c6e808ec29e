"""The first layer of the schedule importer: P6 XER tables and MS Project XML elements.

The real files are the public exports in ../shared/fixtures/schedules (MANIFEST.md there
gives each one's source and counts); the tests that read them skip, saying why, in a
clone without that folder. The counts asserted below are the ones the MANIFEST states.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from riskengine.errors import ScenarioError
from riskengine.io.mspdi import parse_mspdi, read_mspdi
from riskengine.io.xer import decode, parse_xer, read_xer

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "schedules"
needs_fixtures = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason=f"the real schedule files are not here ({FIXTURES})"
)

# file: (activities, links, calendars, projects), from MANIFEST.md
XER_COUNTS = {
    "sp10-cost-loaded.xer": (3994, 5966, 6, 1),
    "jaggelas_test.xer": (695, 1595, 5, 2),
    "bhatticoder_hotel_project.xer": (4236, 7586, 11, 4),
    "constantintcacenco_harbour_pointe_baseline.xer": (132, 216, 3, 1),
    "constantintcacenco_harbour_pointe_update.xer": (131, 212, 3, 1),
    "bhatticoder_construction.xer": (51, 59, 2, 1),
}


@needs_fixtures
@pytest.mark.parametrize("name", sorted(XER_COUNTS))
def test_real_xer_files_read_into_their_tables(name):
    x = read_xer(FIXTURES / name)
    activities, links, calendars, projects = XER_COUNTS[name]
    assert len(x.table("TASK")) == activities
    assert len(x.table("TASKPRED")) == links
    assert len(x.table("CALENDAR")) == calendars
    assert len(x.table("PROJECT")) == projects
    task = x.table("TASK")
    assert {"task_id", "task_code", "task_type", "proj_id"} <= set(task.fields)
    # every link names activities of the file (P6 exports both ends of a kept link)
    ids = {row["task_id"] for _, row in task.records()}
    preds = x.table("TASKPRED").frame()
    assert set(preds["task_id"]) <= ids and set(preds["pred_task_id"]) <= ids
    frame = task.frame()
    assert list(frame.columns) == list(task.fields) and len(frame) == activities
    assert frame.index[0] == task.lines[0] > task.line


@needs_fixtures
def test_xer_header_and_encoding():
    x = read_xer(FIXTURES / "jaggelas_test.xer")
    assert x.version == "23.12"
    assert x.encoding == "cp1252"  # bytes that are not UTF-8: read as P6 wrote them
    cr = read_xer(FIXTURES / "constantintcacenco_harbour_pointe_update.xer")  # CR LF lines
    assert not any(v.endswith("\r") for _, row in cr.table("TASK").records() for v in row.values())


def xer(*lines: str) -> str:
    return "\n".join(["ERMHDR\t8.1\t2026-01-01", *lines, "%E", ""])


def test_a_small_xer_reads_exactly():
    x = parse_xer(
        xer("%T\tTASK", "%F\ttask_id\ttask_code\tname", "%R\t1\tA100\tDig", "%R\t2\tA200"),
        "plan.xer",
    )
    task = x.table("TASK")
    assert task.fields == ("task_id", "task_code", "name")
    assert task.rows == [("1", "A100", "Dig"), ("2", "A200", "")]  # short row padded
    assert task.lines == [4, 5] and task.line == 2
    assert len(x.table("TASKPRED")) == 0  # a table the file lacks reads as empty


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("TASK\tid\n%R\t1\n", 1, "not a Primavera P6 XER file"),
        ("", 1, "not a Primavera P6 XER file"),
        (xer("%R\t1"), 2, "before its table's field list"),
        (xer("%T\tTASK", "%R\t1"), 3, "before its table's field list"),
        (xer("%T\tTASK", "%F\ta\tb", "%R\t1\t2\t3"), 4, "3 values for 2 fields"),
        (xer("%T\tTASK", "%F\ta", "%T\tTASK"), 4, "given twice (first on line 2)"),
        (xer("%T\tTASK", "%F\ta\ta"), 3, "empty or repeated name"),
        (xer("%F\ta"), 2, "does not follow a table name"),
        (xer("%T\t"), 2, "without a name"),
        (xer("%T\tTASK", "%F\ta", "garbage"), 4, "not an XER record"),
    ],
)
def test_a_broken_xer_names_the_line(text, line, words):
    with pytest.raises(ScenarioError) as e:
        parse_xer(text, "bad.xer")
    assert e.value.file == "bad.xer" and e.value.line == line
    assert words in str(e.value)


def test_xer_text_is_utf8_when_it_can_be_and_windows_1252_otherwise():
    assert decode("Bâtiment".encode()) == ("Bâtiment", "utf-8")
    assert decode("\ufeffERMHDR".encode()) == ("ERMHDR", "utf-8")  # byte-order mark dropped
    assert decode("Bâtiment – 2".encode("cp1252")) == ("Bâtiment – 2", "cp1252")


def test_a_missing_or_huge_schedule_file_is_a_clean_error(tmp_path, monkeypatch):
    with pytest.raises(ScenarioError, match="file not found"):
        read_xer(tmp_path / "none.xer")
    big = tmp_path / "big.xer"
    big.write_bytes(b"ERMHDR\t8.1\n" + b"%R\t" * 600_000)
    monkeypatch.setenv("RISKENGINE_MAX_INPUT_MB", "1")
    with pytest.raises(ScenarioError, match="above the input limit"):
        read_xer(big)
    with pytest.raises(ScenarioError, match="above the input limit"):
        read_mspdi(big)


@needs_fixtures
def test_real_mspdi_files_read_into_their_elements():
    a = read_mspdi(FIXTURES / "aspose_java_NewProductDev.xml")  # BOM and a comment first
    assert len(a.tasks) == 26 and a.project["MinutesPerDay"] == "480"
    assert a.project["StartDate"] == "2012-06-22T09:00:00"
    days = a.calendars[0]["WeekDays"]["WeekDay"]
    assert sorted(int(d["DayType"]) for d in days)[:7] == [1, 2, 3, 4, 5, 6, 7]
    y = read_mspdi(FIXTURES / "yolean_kv_solsidan.xml")
    assert len(y.tasks) == 100 and len(y.calendars) == 3
    links = [link for t in y.tasks for link in t.get("PredecessorLink", [])]
    assert len(links) == 75 and {link["Type"] for link in links} == {"1"}  # 75 FS
    snet = [t for t in y.tasks if t.get("ConstraintType") == "4"]  # start no earlier than
    assert len(snet) == 29 and all(t["ConstraintDate"] for t in snet)
    uids = {t["UID"] for t in y.tasks}
    assert {link["PredecessorUID"] for link in links} <= uids


def test_a_small_mspdi_reads_exactly():
    data = b"""<?xml version="1.0"?>
<Project xmlns="http://schemas.microsoft.com/project"><Name>p</Name><MinutesPerDay>480</MinutesPerDay>
<Tasks><Task><UID>1</UID><Name>A</Name><Duration>PT16H0M0S</Duration></Task>
<Task><UID>2</UID><Name>B</Name><PredecessorLink><PredecessorUID>1</PredecessorUID>
<Type>1</Type><LinkLag>4800</LinkLag></PredecessorLink></Task></Tasks></Project>"""
    m = parse_mspdi(data, "p.xml")
    assert m.project == {"Name": "p", "MinutesPerDay": "480"}
    assert m.tasks[0] == {"UID": "1", "Name": "A", "Duration": "PT16H0M0S"}
    assert m.tasks[1]["PredecessorLink"] == [
        {"PredecessorUID": "1", "Type": "1", "LinkLag": "4800"}
    ]
    assert m.calendars == [] and m.assignments == []


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"<Project xmlns='http://schemas.microsoft.com/project'><Name>", "not well-formed"),
        (b"<Plan><Task/></Plan>", "its root is <Plan>"),
        (b"<Project><Name>x</Name></Project>", "not an MS Project XML"),  # no namespace
        (
            b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
            b"<Project xmlns='http://schemas.microsoft.com/project'><Name>&b;</Name></Project>",
            "refused",
        ),
        (b"", "not well-formed"),
    ],
)
def test_a_broken_or_hostile_mspdi_is_a_clean_error(data, words):
    with pytest.raises(ScenarioError) as e:
        parse_mspdi(data, "bad.xml")
    assert e.value.file == "bad.xml" and words in str(e.value)
