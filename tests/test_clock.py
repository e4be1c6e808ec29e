"""Calendars with different clock windows (README "Calendars and working time"): a time of
day is one moment for every calendar, each counts it by its own working hours, by hand,
against the naive reference and across threads."""

from __future__ import annotations

import dataclasses
import datetime as _dt

import numpy as np
import pytest

import riskengine as rk
from helpers import scenario, task
from riskengine.engine.calendar import build_timeline, clock_points, union_window
from riskengine.model.scenario import Calendar, Link
from test_calendar import (
    assert_matches_naive,
    random_calendar_network,
    runs_by_thread_count,
    with_calendars,
)
from test_partial_days import PARTIAL_CALENDARS

D = _dt.date
START = D(2027, 1, 4)  # a Monday
NORMAL = Calendar("normal", day=((8.0, 16.0),))  # 08:00-16:00
GLOBAL = Calendar("global")  # 08:00-12:00, 13:00-17:00


def test_the_union_clock_and_a_calendars_points():
    window = union_window([NORMAL, GLOBAL])
    assert window == ((8.0, 17.0),)
    pts = clock_points(NORMAL.day, window)
    # 16:00 is 8 of the union's 9 hours and the end of the normal day
    assert pts[0].tolist() == pytest.approx([0.0, 8 / 9, 1.0])
    assert pts[1].tolist() == [0.0, 1.0, 1.0]
    lunch = clock_points(GLOBAL.day, window)
    assert lunch[0].tolist() == pytest.approx([0.0, 4 / 9, 5 / 9, 1.0])
    assert lunch[1].tolist() == [0.0, 0.5, 0.5, 1.0]
    assert clock_points(GLOBAL.day, GLOBAL.day) is None  # the same window: no clock


def hand_scenario():
    """A (normal, 5 days from Monday) ends Friday 8 at 16:00. B (global, 1 day = 8 h,
    FS A) starts then, works 16:00-17:00 on Friday and 7 hours of Monday 11: it ends
    there at 16:00. C (global, 5 days) ends Friday at 17:00; D (normal, 1 day, FS C)
    starts Monday 11 at 08:00 and ends at 16:00."""
    tasks = [
        dataclasses.replace(task("A", 5), calendar="normal"),
        dataclasses.replace(task("B", 1, [Link("A", "FS", 0)]), calendar="global"),
        dataclasses.replace(task("C", 5), calendar="global"),
        dataclasses.replace(task("D", 1, [Link("C", "FS", 0)]), calendar="normal"),
    ]
    ms = [(t.id, [t.id]) for t in tasks]
    return with_calendars(scenario(tasks, ms, start=START), (GLOBAL, NORMAL))


def test_a_successor_starts_at_the_moment_its_predecessor_ends_on_another_clock():
    sc = hand_scenario()
    r = rk.simulate(sc, iterations=1, sensitivity=False, drivers=False)
    t = {m: r.times[m][0] for m in "ABCD"}  # union days: Monday to Friday
    assert t["A"] == pytest.approx(4 + 8 / 9)  # Friday 16:00
    assert t["B"] == pytest.approx(5 + 8 / 9)  # Monday 16:00
    assert t["C"] == 5.0  # the end of Friday, 17:00
    assert t["D"] == pytest.approx(5 + 8 / 9)
    # in project (global) days: A ends with 7 of Friday's 8 hours, B a day later
    assert r.finishes["A"][0] == pytest.approx(4.875)
    assert r.finishes["B"][0] == pytest.approx(5.875)
    table = rk.schedule_table(sc)
    day = {c: {k: v.date() for k, v in table[c].items()} for c in table.columns[:4]}
    assert day["early_start"]["B"] == D(2027, 1, 8)  # P6 shows B starting Friday 16:00
    assert day["early_finish"]["B"] == D(2027, 1, 11)
    assert day["early_start"]["D"] == D(2027, 1, 11)


def test_a_data_date_at_a_calendars_close_is_the_end_of_its_day():
    """Data date Wednesday 6 at 16:00: the end of the normal day, an hour before the end
    of the global one. A (normal, 1 day, not started) starts Thursday; B (global, 1 h)
    starts at 16:00 on Wednesday."""
    tasks = [
        dataclasses.replace(task("A", 1), calendar="normal"),
        dataclasses.replace(task("B", 0.125), calendar="global"),
    ]
    sc = with_calendars(
        scenario(tasks, [("A", ["A"]), ("B", ["B"])], start=START),
        (GLOBAL, NORMAL),
        data_date=_dt.datetime(2027, 1, 6, 16, 0),
    )
    r = rk.simulate(sc, iterations=1, sensitivity=False, drivers=False)
    assert r.times["A"][0] == pytest.approx(3 + 8 / 9)  # Thursday 16:00
    assert r.times["B"][0] == pytest.approx(3.0)  # Wednesday 17:00


def test_every_time_of_day_maps_back_and_forth():
    tl = build_timeline(hand_scenario())
    c = tl.index["normal"]
    days = np.array([0.0, 0.5, 0.999, 1.0, 2.25, 3.75])
    starts = tl.start_time(np.full(days.size, c), days)
    finishes = tl.finish_time(np.full(days.size, c), days)
    assert tl.position(starts, "normal") == pytest.approx(days)
    assert tl.position(finishes, "normal") == pytest.approx(days)
    assert starts[3] == 1.0 and finishes[3] == pytest.approx(8 / 9)  # Tue 08:00, Mon 16:00


CLOCK_CALENDARS = (
    Calendar("standard", holidays=(D(2027, 1, 15),), partial_days=((D(2027, 1, 13), 6.0),)),
    Calendar("site", workdays=(0, 1, 2, 3, 4, 5), day=((7.0, 17.5),), hours_per_day=10.5),
    Calendar("seven", workdays=tuple(range(7)), day=((6.0, 14.0),), hours=((6, 4.0),)),
)


# the random networks of the calendar tests on calendars of other hours and windows
CALENDAR_SETS = {"partial days": PARTIAL_CALENDARS, "clock windows": CLOCK_CALENDARS}


@pytest.mark.parametrize("cals", CALENDAR_SETS)
@pytest.mark.parametrize("net_seed", range(10))
def test_random_networks_match_the_naive_reference(cals, net_seed):
    rng = np.random.default_rng(100 * (1 + list(CALENDAR_SETS).index(cals)) + net_seed)
    tasks, ms = random_calendar_network(rng, int(rng.integers(4, 14)))
    sc = with_calendars(scenario(tasks, ms, start=START, iterations=30), CALENDAR_SETS[cals])
    assert_matches_naive(sc, ms, net_seed, 30)


@pytest.mark.parametrize("cals", CALENDAR_SETS)
@pytest.mark.parametrize("policy", ["predecessor", "project", "24-hour"])
def test_every_lag_calendar_matches_the_naive_reference(cals, policy):
    rng = np.random.default_rng(9)
    tasks, ms = random_calendar_network(rng, 12)
    sc = with_calendars(
        scenario(tasks, ms, start=START, iterations=30), CALENDAR_SETS[cals], lag_calendar=policy
    )
    assert_matches_naive(sc, ms, 4, 30)


@pytest.mark.parametrize("cals", CALENDAR_SETS)
def test_bit_identical_across_threads(cals):
    rng = np.random.default_rng(6)
    tasks, ms = random_calendar_network(rng, 12)
    sc = with_calendars(scenario(tasks, ms, start=START, iterations=2000), CALENDAR_SETS[cals])
    a, b = runs_by_thread_count(sc, 12)
    assert np.array_equal(a.project_finish, b.project_finish)
    assert a.criticality == b.criticality
    assert {m: s.dates for m, s in a.milestones.items()} == {
        m: s.dates for m, s in b.milestones.items()
    }
