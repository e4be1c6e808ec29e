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
