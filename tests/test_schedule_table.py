"""The deterministic schedule table (engine/schedule.py): early and late dates, total float
and criticality from the kernel's own passes, against hand cases and the naive reference
on random networks with calendars and constraints."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math

import numpy as np
import pandas as pd
import pytest

import naive
import riskengine as rk
from helpers import scenario, task
from riskengine.model.distributions import parse_distribution
from test_calendar import CALENDARS, naive_inputs, random_calendar_network, with_calendars
from test_constraints import CASES, START, chain, day, plan_dates, random_constrained


def ts(d: _dt.date) -> pd.Timestamp:
    return pd.Timestamp(d)


def test_each_constraint_case_gives_the_hand_computed_dates_and_float():
    """test_constraints' hand table (B in A 5d → B 3d → C 4d, X 15d in parallel): start
    times are the day they begin, finish times the end of their last day."""
    for name, (constrained, (es, ef, ls, lf, fl)) in CASES.items():
        b = rk.schedule_table(chain(constrained)).loc["B"]
        assert b.early_start == ts(day(es)) and b.early_finish == ts(day(ef - 1)), name
        assert b.late_start == ts(day(ls)) and b.late_finish == ts(day(lf - 1)), name
        assert b.total_float == fl, name
        assert bool(b.critical) == (fl <= 0), name


def test_milestones_have_one_date_and_finished_work_no_float():
    tasks = [
        dataclasses.replace(task("A", 5), actual_start=day(0), actual_finish=day(4)),
        dataclasses.replace(
            task("B", 4, ["A"]), actual_start=day(5), remaining=parse_distribution(3)
        ),
        dataclasses.replace(task("S", 0, ["B"]), milestone="start"),
        dataclasses.replace(task("F", 0, ["B"]), milestone="finish"),
        task("C", 2, ["B"]),
    ]
    sc = dataclasses.replace(scenario(tasks, start=START), data_date=day(6))
    df = rk.schedule_table(sc)
    a, b, s, f = (df.loc[k] for k in "ABSF")
    assert (a.early_start, a.early_finish) == (ts(day(0)), ts(day(4)))
    assert (a.late_start, a.late_finish) == (a.early_start, a.early_finish)
    assert math.isnan(a.total_float) and not a.critical
    # B: 3 days left from the data date (day 6): days 6, 7, 8
    assert (b.early_start, b.early_finish) == (ts(day(5)), ts(day(8)))
    assert s.early_start == s.early_finish == ts(day(9))  # starts the next morning
    assert f.early_start == f.early_finish == ts(day(8))  # B's finish day
    assert b.total_float == 0 and b.critical
    assert df.loc["C"].total_float == 0 and s.total_float == 2 and f.total_float == 2


def test_the_table_is_the_kernels_own_passes():
    """The same numbers as test_constraints' direct read of the kernel's rows."""
    sc = chain(CASES["finish-no-later-than"][0])
    df = rk.schedule_table(sc)
    for tid, (_, _, _, _, fl, crit) in plan_dates(sc).items():
        assert df.loc[tid].total_float == pytest.approx(fl, abs=1e-9)
        assert bool(df.loc[tid].critical) == crit


def test_a_scenario_without_dates_gives_working_days():
    df = rk.schedule_table(scenario([task("A", 5), task("B", 3, ["A"]), task("X", 10)]))
    assert df.loc["B"].tolist() == [5.0, 8.0, 7.0, 10.0, 2.0, False]


# --- the naive reference ------------------------------------------------------------------


def naive_late(spec, es, ef, finish, cal_of, constraints):
    """naive.critical_towards_calendars' project pass (hard constraints), keeping what
    it computes: late start and finish (calendar days from START) and total float."""
    keep: dict = {}
    ends = {tid for tid, _ in spec}
    naive.critical_towards_calendars(
        spec,
        es,
        ef,
        ends,
        finish,
        1e-6,
        cal_of,
        limits=constraints,
        keep=keep,
    )  # its zero-duration tasks are start milestones: their late dates are starts
    return (
        {t: v[0] for t, v in keep.items()},
        {t: v[1] for t, v in keep.items()},
        {t: v[2] for t, v in keep.items()},
    )


def start_day(t: float) -> pd.Timestamp:
    return ts(START + _dt.timedelta(days=math.floor(t + 1e-9)))


def finish_day(t: float) -> pd.Timestamp:
    return ts(START + _dt.timedelta(days=math.ceil(t - 1e-9) - 1))


@pytest.mark.parametrize("net_seed", range(10))
def test_random_networks_with_calendars_and_constraints_match_the_naive_reference(net_seed):
    rng = np.random.default_rng(300 + net_seed)
    n = int(rng.integers(4, 16))
    if net_seed % 2:
        tasks, _ = random_calendar_network(rng, n)
        cons: dict = {}
    else:
        tasks, _, cons = random_constrained(rng, n)
    assert_plan_matches_naive(rng, tasks, cons)


@pytest.mark.parametrize("net_seed", range(6))
def test_late_dates_before_the_start_count_working_days(net_seed):
    """Every task that ends a chain must finish within the first days, so late dates
    fall weeks before the start (negative float): there working days count as after it,
    weekends, holidays and each calendar's own days included (the naive reference walks
    day by day, back from the start)."""
    rng = np.random.default_rng(700 + net_seed)
    tasks, _ = random_calendar_network(rng, int(rng.integers(6, 16)))
    has_successor = {lk.task for t in tasks for lk in t.predecessors}
    cons = {}
    for k, t in enumerate(tasks):
        if t.id not in has_successor:
            limit = START + _dt.timedelta(days=int(rng.integers(0, 3)))
            cons[t.id] = [("finish-no-later-than", int((limit - START).days))]
            tasks[k] = dataclasses.replace(
                t, constraints=(rk.Constraint("finish-no-later-than", limit),)
            )
    df = assert_plan_matches_naive(rng, tasks, cons)
    assert (df.late_start < ts(START) - pd.Timedelta(days=3)).any()  # past a weekend


def assert_plan_matches_naive(rng, tasks, cons):
    """The plan of ``tasks`` at fixed durations (drawn from ``rng``) under hard
    constraints ``cons`` equals the naive reference's, date by date and float by
    float; returns the plan."""
    # fixed durations: the plan's single points are the naive reference's durations
    # (a task of no duration is a start milestone: the naive reference has no finish ones)
    durs = {t.id: float(rng.integers(0, 6)) for t in tasks}
    tasks = [
        dataclasses.replace(
            t,
            duration=parse_distribution(durs[t.id]),
            milestone="start" if durs[t.id] == 0 else None,
        )
        for t in tasks
    ]
    sc = with_calendars(scenario(tasks, start=START), CALENDARS)
    df = rk.schedule_table(sc)
    _, spec, cal_of, earliest = naive_inputs(sc)
    es, ef, _, finish, crit = naive.cpm_calendars(
        spec, durs, [], cal_of, earliest, constraints=cons, hard=True
    )  # the zero-duration tasks are start milestones: their late dates are starts
    ls, lf, fl = naive_late(spec, es, ef, finish, cal_of, cons)
    for tid, row in df.iterrows():
        zero = durs[tid] == 0
        assert row.early_start == start_day(es[tid]), tid
        assert row.early_finish == (start_day(ef[tid]) if zero else finish_day(ef[tid])), tid
        assert row.late_start == start_day(ls[tid]), tid
        assert row.late_finish == (start_day(lf[tid]) if zero else finish_day(lf[tid])), tid
        assert row.total_float == pytest.approx(fl[tid], abs=1e-6), tid
        assert bool(row.critical) == (tid in crit), tid
    return df


@pytest.mark.parametrize("net_seed", range(6))
def test_random_networks_with_progress_agree_with_the_simulation(net_seed):
    """With progress (the naive reference has none): at fixed durations, every iteration
    of the simulation is the plan, so its task finish dates and criticality (1 or 0)
    are the table's; finished work has no float and is never critical."""
    rng = np.random.default_rng(500 + net_seed)
    tasks, _, _ = random_constrained(rng, int(rng.integers(6, 16)))
    data = 8  # the data date: calendar day 8 from START
    out = []
    for t in tasks:
        t = dataclasses.replace(t, duration=parse_distribution(float(rng.integers(1, 6))))
        u = rng.random()
        if u < 0.25 and not t.predecessors:
            t = dataclasses.replace(
                t, actual_start=START, actual_finish=START + _dt.timedelta(days=2)
            )
        elif u < 0.45 and not t.predecessors:
            t = dataclasses.replace(
                t, actual_start=START + _dt.timedelta(days=1), remaining=parse_distribution(2)
            )
        out.append(t)
    sc = dataclasses.replace(
        with_calendars(scenario(out, start=START, iterations=4), CALENDARS),
        data_date=START + _dt.timedelta(days=data),
        simulation=dataclasses.replace(scenario([]).simulation, iterations=4, constraints="hard"),
    )
    df = rk.schedule_table(sc)
    r = rk.simulate(sc, seed=1, sensitivity=False, drivers=False)
    for t in sc.tasks:
        row = df.loc[t.id]
        if t.milestone is None:
            assert str(row.early_finish.date()) == r.task_dates[t.id]["P50"], t.id
        assert bool(row.critical) == (r.criticality[t.id] == 1.0), t.id
        if t.actual_finish is not None:
            assert math.isnan(row.total_float) and not row.critical
            assert row.early_finish == ts(t.actual_finish)
