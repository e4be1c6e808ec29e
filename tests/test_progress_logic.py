"""Retained logic and progress override for work in progress (issue 12), worked by hand.

Monday 4 January 2027 is the start and Wednesday 6 the data date. A has not started
and takes 5 days: Wednesday 6 to Tuesday 12. B, C, D and G started on Monday 4 although
A had not finished (out of sequence). With retained logic (P6's default) their remaining
work waits for A, link by link; with progress override it goes on from the data date."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

import riskengine as rk
from riskengine.errors import ScenarioError
from riskengine.io.scenario_file import load_scenario

D = dt.date


def plan(logic):
    def t(tid, duration, preds=(), **kw):
        links = tuple(rk.Link(*p) if isinstance(p, tuple) else rk.Link(p) for p in preds)
        return rk.Task(tid, duration=duration, predecessors=links, **kw)

    started = {"actual_start": D(2027, 1, 4)}
    tasks = (
        t("A", 5),
        t("B", 9, ["A"], remaining=3, **started),  # FS: its 3 days after A
        t("C", 9, [("A", "FF")], remaining=1, **started),  # FF: finishes with A at the earliest
        t("D", 4, ["A"], **started),  # no remaining given: 2 of its 4 days are left
        t("F", 2, actual_start=D(2027, 1, 4), actual_finish=D(2027, 1, 5)),
        t("E", 9, ["F"], remaining=2, actual_start=D(2027, 1, 5)),  # F is finished
        t("G", 9, ["A"], remaining=2, calendar="six", **started),  # works Saturdays
    )
    sc = rk.Scenario(
        "progress",
        tasks=tasks,
        start=D(2027, 1, 4),
        data_date=D(2027, 1, 6),
        calendars=(rk.Calendar("office"), rk.Calendar("six", workdays=(0, 1, 2, 3, 4, 5))),
        calendar="office",
        progress_logic=logic,
    )
    r = rk.simulate(sc, 4, 1, sensitivity=False, drivers=False)
    return {k: v["P50"] for k, v in r.task_dates.items()}


def test_retained_logic_makes_remaining_work_wait_for_unfinished_predecessors():
    assert plan("retained") == {
        "A": "2027-01-12",
        "B": "2027-01-15",  # Wed 13 to Fri 15
        "C": "2027-01-12",  # its last day is A's
        "D": "2027-01-14",  # its 2 remaining days: Wed 13, Thu 14
        "F": "2027-01-05",
        "E": "2027-01-07",  # a finished predecessor holds nothing back: Wed 6, Thu 7
        "G": "2027-01-14",  # six-day week: Wed 13, Thu 14
    }


def test_progress_override_goes_on_from_the_data_date():
    assert plan("override") == {
        "A": "2027-01-12",
        "B": "2027-01-08",  # Wed 6 to Fri 8
        "C": "2027-01-06",
        "D": "2027-01-07",  # its start plus 4 days: Thu 7
        "F": "2027-01-05",
        "E": "2027-01-07",
        "G": "2027-01-07",
    }


def test_the_scenario_file_chooses_the_logic(tmp_path):
    body = """
        name: p
        start: 2027-01-04
        status: {{data_date: 2027-01-06{logic}}}
        tasks:
          - {{id: A, duration: 5}}
    """
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(body.format(logic="")))
    assert load_scenario(path).progress_logic == "retained"
    path.write_text(textwrap.dedent(body.format(logic=", logic: override")))
    assert load_scenario(path).progress_logic == "override"
    path.write_text(textwrap.dedent(body.format(logic=", logic: sometimes")))
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    assert e.value.field == "status.logic" and e.value.line == 4
    assert "must be retained or override" in str(e.value)
    with pytest.raises(ScenarioError, match=r"status.logic: must be retained or override"):
        rk.validate(rk.Scenario("p", tasks=(rk.Task("A", duration=1),), progress_logic="x"))


@pytest.mark.parametrize("calendar", [None, "six"])
def test_a_started_task_starts_late_where_its_remaining_work_must_begin(calendar):
    """P6's late start of work in progress is its late finish less its remaining
    duration, not less the time since its actual start: what comes before it is held
    only by its remaining work. X (Wed 6, Thu 7) and A (Wed 6 to Tue 12) come before B,
    started on Monday 4 with 3 days left: Wed 13 to Fri 15 under retained logic. B ends
    the project, so its late finish is Friday 15 and its late start Wednesday 13; X may
    then finish as late as Tuesday 12 (3 days of float), A not a day later. Counting B's
    late start from its actual start would put X's and A's late finish before Monday 4."""
    b = rk.Task(
        "B",
        duration=9,
        predecessors=(rk.Link("A"), rk.Link("X")),
        remaining=3,
        actual_start=D(2027, 1, 4),
        calendar=calendar,
    )
    sc = rk.Scenario(
        "late",
        tasks=(rk.Task("A", duration=5), rk.Task("X", duration=2), b),
        start=D(2027, 1, 4),
        data_date=D(2027, 1, 6),
        calendars=(rk.Calendar("office"), rk.Calendar("six", workdays=(0, 1, 2, 3, 4, 5))),
        calendar="office",
    )
    df = rk.schedule_table(sc)
    day = lambda tid, col: df.loc[tid, col].date()  # noqa: E731
    assert day("B", "early_finish") == D(2027, 1, 15)
    assert day("B", "late_finish") == D(2027, 1, 15)
    # on the six-day week, 3 days before Friday 15 end are Wed 13, Thu 14, Fri 15 too
    assert day("B", "late_start") == D(2027, 1, 13)
    assert df.loc["B", "total_float"] == 0.0
    assert day("X", "late_finish") == D(2027, 1, 12)
    assert df.loc["X", "total_float"] == 3.0
    assert day("A", "late_finish") == D(2027, 1, 12)
    assert df.loc["A", "total_float"] == 0.0


@pytest.mark.parametrize(("logic", "expected"), [("retained", 13), ("override", 6)])
def test_logic_runs_through_a_task_finished_out_of_sequence(logic, expected):
    """F finished on Tuesday 5 although A, before it, has not started (Wed 6 to Tue 12).
    Under retained logic P6 keeps the logic through F: F holds S back as if it took no
    time after A, so S starts on Wednesday 13; under progress override S starts at the
    data date, Wednesday 6. A start-to-start link from A through F to T joins A's start
    to T's start: T may start with A, on Wednesday 6, either way."""
    f = rk.Task(
        "F",
        duration=2,
        predecessors=(rk.Link("A"),),
        actual_start=D(2027, 1, 4),
        actual_finish=D(2027, 1, 5),
    )
    g = rk.Task(
        "G",
        duration=1,
        predecessors=(rk.Link("A", "SS"),),
        actual_start=D(2027, 1, 4),
        actual_finish=D(2027, 1, 4),
    )
    sc = rk.Scenario(
        "through",
        tasks=(
            rk.Task("A", duration=5),
            f,
            g,
            rk.Task("S", duration=1, predecessors=(rk.Link("F"),)),
            rk.Task("T", duration=1, predecessors=(rk.Link("G", "SS"),)),
        ),
        start=D(2027, 1, 4),
        data_date=D(2027, 1, 6),
        progress_logic=logic,
    )
    df = rk.schedule_table(sc)
    assert df.loc["S", "early_start"].date() == D(2027, 1, expected)
    assert df.loc["T", "early_start"].date() == D(2027, 1, 6)
    # F keeps its actual dates
    assert df.loc["F", "early_finish"].date() == D(2027, 1, 5)


def test_work_in_progress_with_nothing_left_finishes_where_its_calendar_resumes():
    """B, on a five-day week, started on Monday 4 with nothing left; the data date is
    Saturday 9. P6 dates its finish where its calendar's work resumes, Monday 11 in the
    morning, so C (FS, on a seven-day week) starts on Monday 11, not on Saturday 9."""
    sc = rk.Scenario(
        "resume",
        tasks=(
            rk.Task("B", duration=5, remaining=0, actual_start=D(2027, 1, 4), calendar="office"),
            rk.Task("C", duration=2, predecessors=(rk.Link("B"),), calendar="seven"),
        ),
        start=D(2027, 1, 4),
        data_date=D(2027, 1, 9),
        calendars=(rk.Calendar("office"), rk.Calendar("seven", workdays=tuple(range(7)))),
        calendar="seven",
    )
    df = rk.schedule_table(sc)
    assert df.loc["C", "early_start"].date() == D(2027, 1, 11)
    assert df.loc["C", "early_finish"].date() == D(2027, 1, 12)
