"""Start and finish milestones (issue 12): a start milestone's date is the working day it
starts, a finish milestone's the working day its predecessors finish, and no date falls
on a day the task's calendar does not work. Worked by hand on January 2027 (Monday 4 is
the start; Saturday 9 and Sunday 10 are the weekend)."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

import riskengine as rk
from riskengine.errors import ScenarioError
from riskengine.io.scenario_file import load_scenario

START = dt.date(2027, 1, 4)
OFFICE = rk.Calendar("office")  # Monday to Friday
SIX = rk.Calendar("six", workdays=(0, 1, 2, 3, 4, 5))  # works Saturdays too


def t(tid, duration, preds=(), calendar="office", milestone=None):
    return rk.Task(
        tid,
        duration=duration,
        predecessors=tuple(rk.Link(p) for p in preds),
        calendar=calendar,
        milestone=milestone,
    )


def dates(tasks, calendars=(OFFICE, SIX)):
    sc = rk.Scenario("m", tasks=tuple(tasks), start=START, calendars=calendars, calendar="office")
    r = rk.simulate(sc, 4, 1, sensitivity=False, drivers=False)
    return {k: v["P50"] for k, v in r.task_dates.items()}


def test_milestones_on_a_calendar_that_does_not_work_every_union_day():
    # the six-day calendar makes Saturday a union day; the office does not work it
    got = dates(
        [
            t("A", 5),  # Mon 4 - Fri 8
            t("F", 0, ["A"]),  # a finish milestone: Friday 8, not Saturday 9
            t("F2", 0, ["A"], milestone="finish"),
            t("S", 0, ["A"], milestone="start"),  # starts Monday 11
            t("X", 1, ["F"], calendar="six"),  # after F on a six-day calendar: Saturday 9
            t("Y", 1, ["S"], calendar="six"),  # after S: Monday 11
        ]
    )
    assert got == {
        "A": "2027-01-08",
        "F": "2027-01-08",
        "F2": "2027-01-08",
        "S": "2027-01-11",
        "X": "2027-01-09",
        "Y": "2027-01-11",
    }


def test_a_finish_milestone_never_comes_before_what_it_waits_for():
    # B finishes on Saturday 9 (six-day calendar); an office finish milestone after it
    # cannot be on Friday 8: it is at the office's next working moment, Monday 11 (as P6
    # puts it at Monday's opening), and so is a one-day office task after it
    got = dates(
        [
            t("B", 6, calendar="six"),  # Mon 4 - Sat 9
            t("F", 0, ["B"]),
            t("G", 1, ["F"]),  # after F: Monday 11
            t("C", 5),  # Mon 4 - Fri 8
            t("E", 0, ["C"]),  # ends with C on Friday 8, as before
        ]
    )
    assert got == {
        "B": "2027-01-09",
        "F": "2027-01-11",
        "G": "2027-01-11",
        "C": "2027-01-08",
        "E": "2027-01-08",
    }
    sc = rk.Scenario(
        "m",
        tasks=(t("B", 6, calendar="six"), t("F", 0, ["B"])),
        start=START,
        calendars=(OFFICE, SIX),
        calendar="office",
    )
    table = rk.schedule_table(sc)  # the deterministic schedule says the same
    assert str(table.loc["F", "early_finish"].date()) == "2027-01-11"


def test_milestones_on_one_calendar():
    got = dates(
        [t("A", 5), t("F", 0, ["A"]), t("S", 0, ["A"], milestone="start"), t("B", 2, ["S"])],
        calendars=(OFFICE,),
    )
    assert got == {"A": "2027-01-08", "F": "2027-01-08", "S": "2027-01-11", "B": "2027-01-12"}


def test_a_start_milestone_at_the_project_start_is_on_the_first_day():
    got = dates([t("S", 0, milestone="start"), t("A", 1, ["S"])], calendars=(OFFICE,))
    assert got == {"S": "2027-01-04", "A": "2027-01-04"}


def load(tmp_path, body):
    path = tmp_path / "m.yaml"
    path.write_text(textwrap.dedent(body))
    return load_scenario(path)


def test_the_scenario_file_takes_milestone_kinds(tmp_path):
    sc = load(
        tmp_path,
        """
        name: m
        start: 2027-01-04
        tasks:
          - {id: A, duration: 5}
          - {id: S, milestone: start, predecessors: [A]}
          - {id: F, milestone: finish, duration: 0, predecessors: [A]}
        """,
    )
    assert [(x.id, x.milestone, x.duration.params) for x in sc.tasks[1:]] == [
        ("S", "start", {"value": 0.0}),
        ("F", "finish", {"value": 0.0}),
    ]


@pytest.mark.parametrize(
    ("task", "field", "words"),
    [
        ("{id: S, milestone: middle}", "tasks[S].milestone", "must be start or finish"),
        ("{id: S, milestone: start, duration: 2}", "tasks[S].duration", "takes no time"),
        ("{id: S}", "tasks[S]", "needs a 'duration'"),
    ],
)
def test_a_wrong_milestone_names_the_field_and_line(tmp_path, task, field, words):
    with pytest.raises(ScenarioError) as e:
        load(tmp_path, f"name: m\ntasks:\n  - {task}\n")
    assert e.value.field == field and e.value.line == 3 and words in str(e.value)


def test_a_milestone_built_in_python_is_checked():
    with pytest.raises(ScenarioError, match=r"tasks\[S\].milestone: must be start or finish"):
        rk.validate(rk.Scenario("m", tasks=(t("S", 0, calendar=None, milestone="end"),)))
    with pytest.raises(ScenarioError, match=r"tasks\[S\].duration: a milestone takes no time"):
        rk.validate(rk.Scenario("m", tasks=(t("S", 3, calendar=None, milestone="start"),)))
