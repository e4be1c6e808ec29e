"""A portfolio of projects in progress (README "Portfolios"): one data date, one set of
scheduling options, each project's progress kept."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

import riskengine as rk
from riskengine.model.portfolio import Portfolio, ProjectRef
from riskengine.portfolio.composition import compose

D = dt.date
START = D(2027, 1, 4)  # a Monday
DATA = D(2027, 1, 6)  # the data date: Wednesday


def project(name, data_date=DATA, **kw):
    """A (5 days) started on the start, 2 days left; B (3 days) after it."""
    tasks = (
        rk.Task("A", duration=5, actual_start=START, remaining=2),
        rk.Task("B", duration=3, predecessors=(rk.Link("A"),)),
    )
    return rk.Scenario(name, tasks=tasks, start=START, data_date=data_date, **kw)


def portfolio(*scenarios):
    refs = tuple(ProjectRef(sc.name, sc) for sc in scenarios)
    return Portfolio("p", START, refs)


def test_projects_in_progress_keep_their_progress_at_the_common_data_date():
    sc = compose(portfolio(project("one"), project("two", data_date=None)))
    assert sc.data_date == D(2027, 1, 6)
    r = rk.simulate(sc, 4, 1, sensitivity=False, drivers=False)
    # one: A's 2 remaining days are Wed 6 and Thu 7, B Fri 8 to Tue 12
    assert r.task_dates["one.A"]["P50"] == "2027-01-07"
    assert r.task_dates["one.B"]["P50"] == "2027-01-12"
    # two has no data date of its own: taken at the portfolio's, as the same plan
    assert r.task_dates["two.B"]["P50"] == "2027-01-12"


@pytest.mark.parametrize(
    ("other", "what"),
    [
        ({"data_date": D(2027, 1, 8)}, "data date"),
        ({"progress_logic": "override"}, "status.logic"),
        ({"lag_calendar": "predecessor"}, "lag_calendar"),
    ],
)
def test_projects_that_disagree_on_their_status_are_an_error(other, what):
    two = dataclasses.replace(project("two"), **other)
    with pytest.raises(rk.ScenarioError, match=f"disagree on their {what}") as e:
        compose(portfolio(project("one"), two))
    assert e.value.field == "projects" and "one:" in str(e.value) and "two:" in str(e.value)


def test_a_project_with_a_level_of_effort_and_a_wbs_summary_joins_a_portfolio():
    tasks = (
        rk.Task("A", duration=5),
        rk.Task("B", duration=3, predecessors=(rk.Link("A"),)),
        rk.Task("L", duration=0, type="level-of-effort", predecessors=(rk.Link("A", "SS"),)),
        rk.Task("S", duration=0, type="wbs-summary", summarises=("A", "B")),
    )
    tasks = (
        *tasks[:1],
        dataclasses.replace(tasks[1], predecessors=(rk.Link("A"), rk.Link("L", "FF"))),
        *tasks[2:],
    )
    late = rk.Scenario("late", tasks=tasks, start=D(2027, 1, 11))
    p = Portfolio(
        "p",
        START,
        (
            ProjectRef("one", rk.Scenario("one", (rk.Task("X", duration=2),), start=START)),
            ProjectRef("late", late),
        ),
    )
    sc = compose(p)
    rk.validate(sc)
    assert sc.task("late.S").summarises == ("late.A", "late.B")
    r = rk.simulate(sc, 4, 1, sensitivity=False, drivers=False)
    # the late project starts on Monday 11: A to Fri 15, B to Wed 20; the summary spans them
    assert r.task_dates["late.S"]["P50"] == "2027-01-20"
    assert r.task_dates["late.L"]["P50"] == "2027-01-20"  # it ends with B
