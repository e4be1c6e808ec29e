"""Working days of other hours (README "Calendars and working time"): weekdays of
different hours and partial days, by hand, against the naive reference, and from P6."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import textwrap

import numpy as np
import pytest

import riskengine as rk
from helpers import scenario, task
from riskengine.engine.calendar import build_timeline
from riskengine.io.p6import import working_calendar
from riskengine.io.scenario_file import load_scenario
from riskengine.io.scenario_writer import scenario_yaml
from riskengine.io.worktime import WorkingTime
from riskengine.model.scenario import Calendar, Link, calendar_units
from test_calendar import (
    with_calendars,
)

D = _dt.date
START = D(2027, 1, 4)  # a Monday
# four long days and a short Friday: 44 hours a week, a working day is 10 hours
SHORT_FRIDAY = Calendar(
    "short_friday", hours_per_day=10, hours=((4, 4.0),)
)  # Mon–Thu 10 h (hours_per_day), Fri 4 h


def table(sc):
    return rk.schedule_table(sc)


def day(ts):
    return ts.date()


def test_a_short_friday_is_a_share_of_a_working_day(tmp_path):
    """A: 50 h = 5 days from Monday 4 January: Mon–Thu 40 h, Fri 4 h, then 6 h of Monday
    11 (0.6 of it). B (4 h, FS A) starts there and ends with Monday 11; C (1 day) is
    Tuesday 12. D (44 h) ends with Friday 8."""
    path = tmp_path / "s.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            start: {START}
            calendars:
              site: {{hours_per_day: 10, hours: {{Fri: 4}}}}
            calendar: site
            tasks:
              - {{id: A, duration: 50h}}
              - {{id: B, duration: 4h, predecessors: [A]}}
              - {{id: C, duration: 1, predecessors: [B]}}
              - {{id: D, duration: 1w}}
            """
        )
    )
    sc = load_scenario(path)
    assert [t.duration.params["value"] for t in sc.tasks] == [5.0, 0.4, 1.0, 4.4]
    t = table(sc)
    assert day(t.loc["A", "early_finish"]) == D(2027, 1, 11)
    assert day(t.loc["B", "early_start"]) == D(2027, 1, 11)
    assert day(t.loc["B", "early_finish"]) == D(2027, 1, 11)
    assert day(t.loc["C", "early_finish"]) == D(2027, 1, 12)
    assert day(t.loc["D", "early_finish"]) == D(2027, 1, 8)
    r = rk.simulate(sc, iterations=1, sensitivity=False, drivers=False)
    # the project calendar counts Friday as 0.4: C ends after 4.4 + 1 + 1 days
    assert r.project_finish[0] == pytest.approx(6.4)
    assert str(r.project.dates["P50"]) == "2027-01-12"


def test_the_union_times_of_a_short_friday():
    """Union times (calendar days here: the short-Friday calendar and a seven-day one):
    A on the short-Friday calendar from Monday, 4.2 days = 42 h: Friday 8 holds 4 h of
    it, the last 2 h of 4 are its middle (time 4.5). B on seven days (FS A) starts
    there."""
    seven = Calendar("seven", workdays=tuple(range(7)), hours_per_day=10)
    tasks = [
        dataclasses.replace(task("A", 4.2), calendar="short_friday"),
        dataclasses.replace(task("B", 1, [Link("A", "FS", 0)]), calendar="seven"),
    ]
    sc = with_calendars(
        scenario(tasks, [("A", ["A"]), ("B", ["B"])], start=START), (SHORT_FRIDAY, seven)
    )
    r = rk.simulate(sc, iterations=1, sensitivity=False, drivers=False)
    assert r.times["A"][0] == pytest.approx(4.5)
    assert r.times["B"][0] == pytest.approx(5.5)
    # in the project calendar's days: 4.2 to A, then half of Friday (0.2) and a
    # Saturday the project does not work
    assert r.finishes["B"][0] == pytest.approx(4.4)


def test_a_partial_exception_day():
    """Christmas-Eve style: Friday 8 January works 4 of 8 hours. Five days from Monday
    4 end in the middle of Monday 11 (union days: Monday to Friday, so time 5.5); a
    Saturday 9 worked for 4 hours (not a weekday of the calendar) makes up the half day:
    the work ends with that Saturday."""
    base = Calendar("standard")
    half_friday = dataclasses.replace(base, partial_days=((D(2027, 1, 8), 4.0),))
    sc = with_calendars(scenario([task("A", 5)], [("A", ["A"])], start=START), (half_friday,))
    t = table(sc)
    assert day(t.loc["A", "early_finish"]) == D(2027, 1, 11)
    r = rk.simulate(sc, iterations=1, sensitivity=False, drivers=False)
    assert r.times["A"][0] == pytest.approx(5.5)
    both = dataclasses.replace(
        half_friday, partial_days=((D(2027, 1, 8), 4.0), (D(2027, 1, 9), 4.0))
    )
    sc2 = with_calendars(scenario([task("A", 5)], start=START), (both,))
    assert day(table(sc2).loc["A", "early_finish"]) == D(2027, 1, 9)


def test_units_of_a_calendar_with_other_hours():
    u = calendar_units(SHORT_FRIDAY, "calendars.short_friday.hours")
    assert (u.hours_per_day, u.days_per_week) == (10.0, 4.4)
    # the usual day is the hours most weekdays work, not hours_per_day
    odd = Calendar("odd", hours=((0, 9.0), (1, 9.0), (2, 9.0), (3, 9.0), (4, 8.0)))
    assert calendar_units(odd, "x").hours_per_day == 9.0


def test_timeline_tables_of_a_partial_calendar():
    sc = with_calendars(
        scenario([dataclasses.replace(task("A", 1), calendar="short_friday")], start=START),
        (Calendar("standard"), SHORT_FRIDAY),
    )
    tl = build_timeline(sc)
    c = tl.index["short_friday"]
    assert tl.partial[c] == 1 and tl.project == -1  # the standard calendar is the union
    lead = tl.lead  # the tables' days and positions before the start
    assert list(tl.work[c, lead : lead + 6]) == [1.0, 1.0, 1.0, 1.0, 0.4, 1.0]  # Mon–Fri
    # whole positions: 4 is in Friday, 5 in Monday 11 (position 4.4 starts it)
    assert list(tl.inv[c, lead : lead + 6]) == [0, 1, 2, 3, 4, 5]
    # the week before the start: Friday -1 works 0.4, so position -0.4 is in it
    assert list(tl.work[c, lead - 5 : lead]) == [1.0, 1.0, 1.0, 1.0, 0.4]
    assert tl.cum[c, lead] == 0.0 and tl.cum[c, lead - 1] == pytest.approx(-0.4)
    assert tl.start_time(np.array([c]), np.array([-0.2]))[0] == pytest.approx(-0.5)
    assert tl.finish_time(np.array([c]), np.array([-0.4]))[0] == pytest.approx(-1.0)
    assert tl.start_time(np.array([c]), np.array([4.4]))[0] == pytest.approx(5.0)
    assert tl.finish_time(np.array([c]), np.array([4.4]))[0] == pytest.approx(5.0)
    assert tl.finish_time(np.array([c]), np.array([4.2]))[0] == pytest.approx(4.5)


PARTIAL_CALENDARS = (
    Calendar(
        "standard",
        holidays=(D(2027, 1, 15),),
        hours=((4, 4.0),),
        partial_days=((D(2027, 1, 13), 6.0), (D(2027, 1, 23), 2.0)),
    ),
    Calendar("site", workdays=(0, 1, 2, 3, 4, 5), hours=((5, 5.0),)),
    Calendar("seven", workdays=tuple(range(7)), partial_days=((D(2027, 1, 10), 12.0),)),
)


def test_partial_days_round_trip_through_the_writer(tmp_path):
    sc = with_calendars(scenario([task("A", 5)], start=START), PARTIAL_CALENDARS)
    path = tmp_path / "s.yaml"
    path.write_text(scenario_yaml(sc))
    back = load_scenario(path)
    assert back.calendars == PARTIAL_CALENDARS


def test_p6_calendars_keep_their_hours_and_partial_days():
    """Mon–Thu 08:00–19:00 less lunch (10 h), Friday 08:00–12:00, a holiday, a short
    Christmas Eve on a Thursday and a worked Saturday morning: nothing approximated."""
    long_day = ((480, 720), (780, 1140))
    week = (long_day,) * 4 + (((480, 720),), (), ())
    wt = WorkingTime(
        week,
        {
            D(2027, 12, 23): (),
            D(2027, 12, 24): ((480, 720),),  # a Friday: its usual 4 h
            D(2027, 12, 16): ((480, 720),),  # a Thursday of 4 h
            D(2027, 12, 18): ((480, 600),),  # a Saturday of 2 h
        },
    )
    cal = working_calendar(wt, "site").calendar
    assert cal.workdays == (0, 1, 2, 3, 4)
    assert cal.hours_per_day == 10.0 and cal.hours == ((4, 4.0),)
    assert cal.holidays == (D(2027, 12, 23),)
    assert cal.partial_days == ((D(2027, 12, 16), 4.0), (D(2027, 12, 18), 2.0))
    assert cal.day == ((8.0, 12.0), (13.0, 19.0))
