"""The first layer of the schedule importer: P6 XER tables and MS Project XML elements.

The real files are the public exports in ../shared/fixtures/schedules (MANIFEST.md there
gives each one's source and counts); the tests that read them skip, saying why, in a
clone without that folder. The counts asserted below are the ones the MANIFEST states.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from riskengine.errors import ScenarioError
from riskengine.io.mspdi import calendar_working_time, duration_hours, parse_mspdi, read_mspdi
from riskengine.io.p6calendar import parse_calendar_data
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
    links = [row for _, row in x.table("TASKPRED").records()]
    assert {r["task_id"] for r in links} <= ids and {r["pred_task_id"] for r in links} <= ids
    assert len(task.rows) == len(task.lines) == activities
    assert all(len(row) == len(task.fields) for row in task.rows)
    assert task.lines[0] > task.line  # rows come after their table's %T line


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


def clndr(days: str, exceptions: str = "") -> str:
    """A clndr_data value as P6 writes it (DEL characters for line breaks)."""
    text = f"(0||CalendarData()(\x7f\x7f  (0||DaysOfWeek()({days}))"
    if exceptions:
        text += f"\x7f\x7f  (0||Exceptions()({exceptions}))"
    return text + "))"


def test_p6_calendar_data_gives_the_week_and_the_exceptions():
    days = (
        "(0||1()())(0||2()((0||0(s|08:00|f|12:00)())(0||1(s|13:00|f|17:00)())))"
        "(0||3()((0||0(s|08:00|f|16:00)())))(0||4()((0||0(s|00:00|f|00:00)())))"
        "(0||5()())(0||6()())(0||7()())"
    )
    exceptions = "(0||0(d|41275)())(0||1(d|41276)((0||0(s|08:00|f|12:00)())))"
    w = parse_calendar_data(clndr(days, exceptions))
    assert w.week[0] == ((480, 720), (780, 1020))  # Monday (P6's day 2): 8 hours with a break
    assert w.week[1] == ((480, 960),)
    assert w.week[2] == ((0, 1440),)  # 00:00 to 00:00: the whole day
    assert w.week[6] == ()  # Sunday (P6's day 1)
    assert [w.hours(d) for d in w.week] == [8.0, 8.0, 24.0, 0.0, 0.0, 0.0, 0.0]
    assert w.exceptions == {
        datetime.date(2013, 1, 1): (),  # serial 41275: a holiday
        datetime.date(2013, 1, 2): ((480, 720),),  # a morning only
    }


@needs_fixtures
def test_real_p6_calendars_read_with_their_real_hours():
    x = read_xer(FIXTURES / "bhatticoder_hotel_project.xer")
    rows = {r["clndr_id"]: (line, r) for line, r in x.table("CALENDAR").records()}
    line, row = rows["597"]
    w = parse_calendar_data(row["clndr_data"], line=line)
    # nine working hours a day (07-12, 13-17) every day, while day_hr_cnt says 8
    assert row["day_hr_cnt"] == "8" and [w.hours(d) for d in w.week] == [9.0] * 7
    assert len(w.exceptions) == 12 and sum(1 for v in w.exceptions.values() if v) == 6
    for name in XER_COUNTS:  # every calendar of every real file parses
        for line, r in read_xer(FIXTURES / name).table("CALENDAR").records():
            parse_calendar_data(r["clndr_data"], line=line)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "expected '('"),
        (clndr("(0||8()())"), "a weekday '8'"),
        (clndr("(0||2()())(0||2()())"), "a weekday '2'"),
        (clndr("(0||2()((0||0(s|09:00|f|08:00)())))"), "from 09:00 to 08:00"),
        (clndr("(0||2()((0||0(s|9|f|17:00)())))"), "not HH:MM"),
        (clndr("(0||2()((0||0(s|09:00)())))"), "without s| and f|"),
        (clndr("", "(0||0(d|x)())"), "not a serial day number"),
        ("(0||CalendarData()((0||DaysOfWeek", "no closing"),
        ("(0||Other()())", "no CalendarData"),
        (clndr("") + "junk", "text after the calendar"),
        ("(0||a()(" * 40, "nested too deep"),
    ],
)
def test_broken_p6_calendar_data_is_a_clean_error(text, words):
    with pytest.raises(ScenarioError) as e:
        parse_calendar_data(text, file="plan.xer", field="CALENDAR", line=7)
    assert (e.value.file, e.value.field, e.value.line) == ("plan.xer", "CALENDAR", 7)
    assert words in str(e.value)


@pytest.mark.parametrize(
    ("text", "hours"),
    [("PT16H0M0S", 16.0), ("PT0H0M0S", 0.0), ("PT7H30M0S", 7.5), ("P2DT1H", 49.0), ("-PT8H", -8.0)],
)
def test_mspdi_durations_are_read_in_hours(text, hours):
    assert duration_hours(text) == hours


@pytest.mark.parametrize("text", ["16h", "PT", "P", "PT8X", "P1W", ""])
def test_a_bad_mspdi_duration_is_a_clean_error(text):
    with pytest.raises(ScenarioError, match="not an ISO 8601 duration"):
        duration_hours(text, file="p.xml", field="Tasks[UID 3].Duration")


@needs_fixtures
def test_real_mspdi_calendars_read_with_their_shifts():
    y = read_mspdi(FIXTURES / "yolean_kv_solsidan.xml")
    hours = {}
    for c in y.calendars:
        w, defined = calendar_working_time(c)
        hours[c["Name"]] = [w.hours(d) for d in w.week]
        assert all(defined)
    assert hours["Standard"] == [8.0] * 5 + [0.0, 0.0]
    assert hours["24 Hours"] == [24.0] * 7
    # MS Project's night shift: Monday 23:00-24:00, Tuesday to Friday 8 h, Saturday 7 h
    assert hours["Night Shift"] == [1.0, 8.0, 8.0, 8.0, 8.0, 7.0, 0.0]


def test_mspdi_calendar_exceptions_and_derived_weekdays():
    cal = {
        "UID": "2",
        "BaseCalendarUID": "1",
        "WeekDays": {
            "WeekDay": [
                {
                    "DayType": "7",
                    "DayWorking": "1",
                    "WorkingTimes": {
                        "WorkingTime": [{"FromTime": "08:00:00", "ToTime": "12:00:00"}]
                    },
                },
                {
                    "DayType": "0",
                    "DayWorking": "0",  # MS Project 2003's exception form
                    "TimePeriod": {
                        "FromDate": "2027-12-24T00:00:00",
                        "ToDate": "2027-12-26T23:59:00",
                    },
                },
            ]
        },
        "Exceptions": {
            "Exception": [
                {
                    "TimePeriod": {
                        "FromDate": "2028-01-03T00:00:00",
                        "ToDate": "2028-01-03T23:59:00",
                    },
                    "DayWorking": "1",
                    "WorkingTimes": {
                        "WorkingTime": [
                            {"FromTime": "13:00:00", "ToTime": "17:00:00"},
                            {"FromTime": "08:00:00", "ToTime": "13:00:00"},
                        ]
                    },
                },
            ]
        },
    }
    w, defined = calendar_working_time(cal)
    assert defined == (False,) * 5 + (True, False)  # only Saturday: the rest from the base
    assert w.week[5] == ((480, 720),)
    assert [d.day for d in sorted(w.exceptions)] == [24, 25, 26, 3]
    assert w.exceptions[datetime.date(2027, 12, 25)] == ()
    assert w.exceptions[datetime.date(2028, 1, 3)] == ((480, 1020),)  # shifts joined
    bad = {
        "UID": "9",
        "Exceptions": {
            "Exception": [
                {"TimePeriod": {"FromDate": "1000-01-01T00:00:00", "ToDate": "2900-01-01T00:00:00"}}
            ]
        },
    }
    with pytest.raises(ScenarioError, match=r"Calendars\[UID 9\].*an exception of \d+ days"):
        calendar_working_time(bad, file="p.xml")
