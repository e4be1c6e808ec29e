"""The calendar a lag counts on (README "Links"): the successor's, the predecessor's, the
project's or 24 hours a day, by hand and against the naive reference."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import riskengine as rk
from helpers import scenario, task
from riskengine.model.scenario import Calendar, Link, SimulationSettings
from test_calendar import (
    CALENDARS,
    assert_matches_naive,
    random_calendar_network,
    with_calendars,
)
from test_constraints import START, plan_dates

WEEK = Calendar("week")  # Monday to Friday
SEVEN = Calendar("seven", workdays=tuple(range(7)))


def pair(policy, lag=10.0, succ_cal="seven", project="week"):
    """P (5 days, Monday to Friday: it ends at the end of Friday 8 January, time 5) → S
    (1 day on ``succ_cal``) with a finish-to-start lag of ``lag``."""
    tasks = [
        dataclasses.replace(task("P", 5), calendar="week"),
        dataclasses.replace(task("S", 1, [Link("P", "FS", lag)]), calendar=succ_cal),
    ]
    sc = scenario(tasks, start=START)
    return dataclasses.replace(sc, calendars=(WEEK, SEVEN), calendar=project, lag_calendar=policy)


def start_of(sc, tid):
    """The union day (calendar days from Monday 4 January 2027) ``tid`` starts."""
    return float(plan_dates(sc)[tid][0])


def test_each_lag_calendar_by_hand():
    # successor's (seven days): from the end of Friday (time 5) ten days on: time 15,
    # Tuesday 19 January
    assert start_of(pair("successor"), "S") == 15
    # predecessor's (Monday to Friday): ten working days after Friday 8 January end on
    # Friday 22 January (time 19): S starts on the Saturday, time 19
    assert start_of(pair("predecessor"), "S") == 19
    # the project calendar is the predecessor's here: the same; with a seven-day project
    # calendar, as the successor's
    assert start_of(pair("project"), "S") == 19
    assert start_of(pair("project", project="seven"), "S") == 15
    # 24 hours a day: ten calendar days
    assert start_of(pair("24-hour"), "S") == 15
    # a lag of 0 is no lag on any calendar: S starts when P ends
    for policy in ("successor", "predecessor", "project", "24-hour"):
        assert start_of(pair(policy, lag=0.0), "S") == 5


def test_the_late_dates_count_the_lag_on_the_same_calendar():
    # the backward pass takes the lag off where the forward pass added it: P has no float
    for policy in ("successor", "predecessor", "24-hour"):
        es, ef, ls, lf, tf, critical = plan_dates(pair(policy))["P"]
        assert tf == pytest.approx(0.0, abs=1e-9) and critical, policy


def test_a_24_hour_lag_between_weekday_tasks_runs_through_the_weekend():
    # both on Monday to Friday, lag 3: on their calendar S runs on Thursday 14 January;
    # counted in whole days from the end of Friday, it starts on Tuesday 12
    assert finish_day(pair("successor", 3.0, "week")) == "2027-01-14"
    assert finish_day(pair("24-hour", 3.0, "week")) == "2027-01-12"


def finish_day(sc):
    """The day S finishes in the plan."""
    r = rk.simulate(sc, iterations=4, seed=1, sensitivity=False, drivers=False)
    return r.task_dates["S"]["P50"]


YAML = """\
start: 2027-01-04
lag_calendar: {policy}
calendars:
  week: {{workdays: [Mon, Tue, Wed, Thu, Fri], hours_per_day: 8}}
  seven: {{workdays: [Mon, Tue, Wed, Thu, Fri, Sat, Sun], hours_per_day: 8}}
calendar: week
tasks:
  - {{id: P, duration: 5, calendar: week}}
  - {{id: S, duration: 1, calendar: seven, predecessors: [{{task: P, lag: 16h}}]}}
"""


@pytest.mark.parametrize(("policy", "days"), [("successor", 2.0), ("24-hour", 16 / 24)])
def test_a_lag_in_hours_converts_through_its_lag_calendar(tmp_path, policy, days):
    path = tmp_path / "s.yaml"
    path.write_text(YAML.format(policy=policy))
    sc = rk.load_scenario(path)
    assert sc.lag_calendar == policy
    assert sc.tasks[1].predecessors[0].lag == pytest.approx(days)


def test_an_unknown_lag_calendar_names_the_field(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(YAML.format(policy="sideways"))
    with pytest.raises(rk.ScenarioError) as e:
        rk.load_scenario(path)
    assert e.value.field == "lag_calendar" and e.value.line == 2
    assert "successor, predecessor, project, 24-hour" in str(e.value)


@pytest.mark.parametrize("policy", ["predecessor", "project", "24-hour"])
@pytest.mark.parametrize("net_seed", range(8))
def test_random_networks_match_the_naive_reference(net_seed, policy):
    rng = np.random.default_rng(900 + net_seed)
    tasks, ms = random_calendar_network(rng, int(rng.integers(4, 16)))
    sc = dataclasses.replace(
        with_calendars(scenario(tasks, ms, start=START), CALENDARS),
        simulation=SimulationSettings(iterations=30),
        lag_calendar=policy,
    )
    assert_matches_naive(sc, ms, net_seed, 30)
