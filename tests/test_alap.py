"""As late as possible (README "Constraints"): a task placed within its free float after
the forward pass, checked by hand, in closed form, and against the naive reference."""

from __future__ import annotations

import dataclasses
import datetime as _dt

import numpy as np
import pytest

import naive
import riskengine as rk
from helpers import scenario, task
from riskengine.engine.compile import compile_network
from riskengine.engine.runner import run_kernel
from riskengine.io.scenario_writer import scenario_yaml
from riskengine.model.scenario import Calendar, Constraint, Link, SimulationSettings
from test_calendar import (
    CALENDARS,
    assert_matches_naive,
    random_calendar_network,
    with_calendars,
)
from test_constraints import START, chain, load, plan_dates

ALAP = "as-late-as-possible"
TRI = {"dist": "triangular", "min": 5, "max": 12, "mode": 8}


def late(t):
    """``t`` placed as late as possible."""
    return dataclasses.replace(t, constraints=(Constraint(ALAP, None),))


def dates(sc, tid):
    """ES, EF, LS, LF and float of ``tid`` in the plan."""
    return tuple(round(float(x), 9) for x in plan_dates(sc)[tid][:5])


# --- hand-computed plans (union working days: day n starts at n and ends at n + 1) -----


def test_a_task_with_free_float_moves_up_to_its_successor():
    # A (5d) → B (3d) → C (4d), X (15d): C has 3 days of free float before the project
    # finish, so as late as possible it runs 11–15; B then has 3 days of free float (C
    # now starts at 11) and runs 8–11. Both have no float left; A does not move.
    def both(t):
        return late(t)

    tasks = [task("A", 5), late(task("B", 3, ["A"])), late(task("C", 4, ["B"])), task("X", 15)]
    sc = scenario(tasks, start=START)
    plan = plan_dates(sc)
    assert [round(float(v), 9) for v in plan["C"][:5]] == [11, 15, 11, 15, 0]
    assert [round(float(v), 9) for v in plan["B"][:5]] == [8, 11, 8, 11, 0]
    assert [round(float(v), 9) for v in plan["A"][:5]] == [0, 5, 3, 8, 3]
    assert plan["B"][5] and plan["C"][5]  # no float left: critical, as P6 shows them
    assert dates(chain(both), "B") == (5, 8, 8, 11, 3)  # C not moved: B's free float is 0


def test_start_and_finish_links_limit_the_move():
    # P (10d); Q (3d, ALAP) —SS+1→ R (2d, after P): R starts at 10, so Q starts by 9.
    q_ss = late(task("Q", 3))
    r = task("R", 2, ["P", Link("Q", "SS", 1.0)])
    sc = scenario([task("P", 10), q_ss, r], start=START)
    assert dates(sc, "Q")[:2] == (9, 12)
    # FF+0 instead: R runs 10–14, so Q may finish at 14 and runs 11–14
    r = task("R", 4, ["P", Link("Q", "FF", 0.0)])
    sc = scenario([task("P", 10), late(task("Q", 3)), r], start=START)
    assert dates(sc, "Q")[:2] == (11, 14)
    # SF+5: R (4d) finishes at 14, no earlier than Q's start + 5, so Q starts by 9
    r = task("R", 4, ["P", Link("Q", "SF", 5.0)])
    sc = scenario([task("P", 10), late(task("Q", 3)), r], start=START)
    assert dates(sc, "Q")[:2] == (9, 12)
    # SF+1: Q could start at 13, but no task finishes after the project: Q runs 11–14
    r = task("R", 4, ["P", Link("Q", "SF", 1.0)])
    sc = scenario([task("P", 10), late(task("Q", 3)), r], start=START)
    assert dates(sc, "Q")[:2] == (11, 14)


def test_it_never_moves_before_its_early_dates():
    # B (4d, ALAP) → C (5d) with a lag of -3: C starts at 5 (after A), B's limit is
    # 5 + 3 = 8, its early finish 4: it moves to 4–8. After A (1d), C starts at 1 and B's
    # limit 4 is its early finish: it stays.
    for a, want in ((5, (4, 8)), (1, (0, 4))):
        c = task("C", 5, ["A", Link("B", "FS", -3.0)])
        sc = scenario([task("A", a), late(task("B", 4)), c], start=START)
        assert dates(sc, "B")[:2] == want


def test_on_its_calendar_it_ends_on_a_working_day():
    # S (2d, Monday to Friday, ALAP) → C on a seven-day calendar that starts after X
    # (6 calendar days from Monday 4 January): C starts on Sunday the 10th. S may finish
    # by then, and the last working day before it is Friday the 8th: S runs Thursday and
    # Friday, and its finish date is the Friday, not the weekend.
    cals = (Calendar("week"), Calendar("seven", workdays=tuple(range(7))))
    tasks = [
        dataclasses.replace(task("X", 6), calendar="seven"),
        dataclasses.replace(late(task("S", 2)), calendar="week"),
        dataclasses.replace(task("C", 1, ["X", "S"]), calendar="seven"),
    ]
    sc = dataclasses.replace(
        scenario(tasks, [("s", ["S"])], start=START), calendars=cals, calendar="week"
    )
    es, ef = plan_dates(sc)["S"][:2]
    assert (es, ef) == (3.0, 5.0)  # Thursday 00:00 to the end of Friday, in union days
    plan = rk.simulate(sc, iterations=4, seed=1, sensitivity=False, drivers=False)
    assert plan.task_dates["S"]["P50"] == "2027-01-08"
    assert plan.milestones["s"].dates["P50"] == "2027-01-08"


def test_work_already_started_stays_where_it_is():
    tasks = [task("A", 5), late(task("B", 3)), task("C", 1, ["A", "B"])]
    tasks[1] = dataclasses.replace(tasks[1], actual_start=START)
    sc = dataclasses.replace(scenario(tasks, start=START), data_date=START + _dt.timedelta(1))
    assert dates(sc, "B")[:2] == (0, 3)  # as planned from its actual start, not moved


# --- in the simulation -----------------------------------------------------------------


def alap_before(iterations=2000):
    """A (triangular 5, 8, 12) → C (1d); B (2d, ALAP) → C; milestones on A and B."""
    tasks = [task("A", TRI), late(task("B", 2)), task("C", 1, ["A", "B"])]
    return scenario(tasks, [("a", ["A"]), ("b", ["B"])], iterations=iterations, start=START)


def test_each_iteration_places_it_against_that_iterations_successor():
    r = rk.simulate(alap_before(), seed=7, sensitivity=False, drivers=False)
    # B finishes exactly when A does (C waits for A), whatever A's sampled duration
    assert np.array_equal(r.finishes["b"], r.finishes["a"])
    a = np.array([naive.durations(alap_before(), 7, i)[0]["A"] for i in range(2000)])
    assert np.allclose(r.finishes["a"], a, rtol=0, atol=1e-9)
    assert r.criticality["B"] == 1.0  # it never has float left
    # its finish day counts follow it too: B's P80 finish day is A's
    assert r.task_dates["B"] == r.task_dates["A"]


def test_the_file_reads_it_and_the_writer_keeps_it(tmp_path):
    sc = load(tmp_path, "{type: as-late-as-possible}")
    assert sc.tasks[1].constraints == (Constraint(ALAP, None),)
    path = tmp_path / "again.yaml"
    path.write_text(scenario_yaml(sc))
    assert rk.load_scenario(path).tasks == sc.tasks
    with pytest.raises(rk.ScenarioError, match="no date"):
        rk.validate(dataclasses.replace(sc, tasks=(sc.tasks[0], late_with_date(sc.tasks[1]))))


def late_with_date(t):
    return dataclasses.replace(t, constraints=(Constraint(ALAP, START),))


# --- the naive reference ----------------------------------------------------------------


def random_alap(rng, n):
    """test_calendar's random networks with about 40 % of the tasks as late as possible."""
    tasks, ms = random_calendar_network(rng, n)
    cons = {}
    for k, t in enumerate(tasks):
        if rng.random() < 0.4:
            tasks[k] = late(t)
            cons[t.id] = [(ALAP, None)]
    return tasks, ms, cons


@pytest.mark.parametrize("policy", ["soft", "hard"])
@pytest.mark.parametrize("net_seed", range(10))
def test_random_networks_match_the_naive_reference(net_seed, policy):
    rng = np.random.default_rng(700 + net_seed)
    tasks, ms, cons = random_alap(rng, int(rng.integers(4, 16)))
    sc = dataclasses.replace(
        with_calendars(scenario(tasks, ms, start=START), CALENDARS),
        simulation=SimulationSettings(iterations=30, constraints=policy),
    )
    assert_matches_naive(sc, ms, net_seed, 30, constraints=cons)


def test_bit_identical_for_any_thread_count_and_chunking():
    import numba

    tasks, ms, _ = random_alap(np.random.default_rng(9), 60)
    sc = with_calendars(scenario(tasks, ms, start=START), CALENDARS)
    net = compile_network(sc)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run_kernel(net, 3001, 8, block=16)[:2]
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = run_kernel(net, 3001, 8, chunk=512)[:2]
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one[0], many[0])
    assert np.array_equal(one[1], many[1])
