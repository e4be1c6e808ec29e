"""Levels of effort and WBS summaries (README "Level of effort and WBS summaries"): dated
after the forward pass from the tasks they span, never driving or critical; checked by
hand, in the simulation, and against the naive reference."""

from __future__ import annotations

import collections
import dataclasses

import numpy as np
import pytest

import naive
import riskengine as rk
from helpers import scenario, task
from riskengine.engine.compile import compile_network
from riskengine.engine.runner import run_kernel
from riskengine.io.scenario_writer import scenario_yaml
from riskengine.model.scenario import (
    Calendar,
    Constraint,
    Cost,
    Link,
    SimulationSettings,
    Task,
)
from test_calendar import (
    CALENDARS,
    assert_matches_naive,
    random_calendar_network,
    with_calendars,
)
from test_constraints import START, plan_dates

LOE = "level-of-effort"
WBS = "wbs-summary"
TRI = {"dist": "triangular", "min": 5, "max": 12, "mode": 8}


def loe(tid, preds=(), **kw):
    """A level of effort after ``preds``."""
    return dataclasses.replace(task(tid, 0, preds), type=LOE, **kw)


def summary(tid, members, **kw):
    return dataclasses.replace(task(tid, 0), type=WBS, summarises=tuple(members), **kw)


def dates(sc, tid):
    """ES, EF, LS, LF and float of ``tid`` in the plan, and whether it is critical."""
    row = plan_dates(sc)[tid]
    return tuple(round(float(x), 9) for x in row[:5]), bool(row[5])


# --- hand-computed plans (union working days: day n starts at n and ends at n + 1) -----


def test_a_level_of_effort_spans_from_its_predecessor_to_its_successor():
    # A (5d); L starts with A (SS) and C (3d, after A) finishes no earlier than L (FF):
    # C runs 5–8, so L spans 0–8. It drives nothing: C's dates are A's, and L is never
    # critical (its late dates are its early ones, float 0).
    tasks = [task("A", 5), loe("L", [Link("A", "SS")]), task("C", 3, ["A", Link("L", "FF")])]
    sc = scenario(tasks, start=START)
    assert dates(sc, "L") == ((0, 8, 0, 8, 0), False)
    assert dates(sc, "C") == ((5, 8, 5, 8, 0), True)


def test_a_start_to_start_lag_and_a_finish_to_start_lag():
    # L starts 2 days after A starts (SS+2); S (4d, after A) starts at 5 and waits 1 day
    # after L finishes (FS+1): L finishes at 5 - 1 = 4. S does not wait for L.
    tasks = [
        task("A", 5),
        loe("L", [Link("A", "SS", 2.0)]),
        task("S", 4, ["A", Link("L", "FS", 1.0)]),
    ]
    assert dates(scenario(tasks, start=START), "L")[0][:2] == (2, 4)
    # a lag that would make it finish before it starts: it takes no time at its start
    tasks[2] = task("S", 4, ["A", Link("L", "FS", 4.0)])
    assert dates(scenario(tasks, start=START), "L")[0][:2] == (2, 2)


def test_the_latest_of_two_successors_sets_its_finish():
    # S1 (3d) runs 5–8 (L finishes by its start, FS); S2 (6d) runs 5–11 and finishes 2
    # days after L (FF+2): L finishes at the latest of 5 and 11 - 2 = 9.
    tasks = [
        task("A", 5),
        loe("L", ["A"]),
        task("S1", 3, ["A", Link("L", "FS")]),
        task("S2", 6, ["A", Link("L", "FF", 2.0)]),
    ]
    sc = scenario(tasks, start=START)
    assert dates(sc, "L")[0][:2] == (5, 9)
    assert dates(sc, "S2")[0][:2] == (5, 11)  # not moved by L's FF link


def week_and_seven(tasks, milestones=()):
    cals = (Calendar("week"), Calendar("seven", workdays=tuple(range(7))))
    sc = scenario(tasks, milestones, start=START, iterations=4)
    return dataclasses.replace(sc, calendars=cals, calendar="week")


def test_on_its_calendar_it_ends_on_a_working_day():
    # X (6d, seven days a week from Monday 4 January) runs to the end of Saturday the
    # 9th; S (seven days) starts on Sunday the 10th. L (Monday to Friday) starts with X
    # and finishes by S's start: the end of Friday the 8th, its last working day.
    tasks = [
        dataclasses.replace(task("X", 6), calendar="seven"),
        loe("L", [Link("X", "SS")]),
        dataclasses.replace(task("S", 2, ["X", Link("L", "FS")]), calendar="seven"),
    ]
    sc = week_and_seven(tasks, [("l", ["L"])])
    assert plan_dates(sc)["L"][:2] == (0.0, 5.0)
    r = rk.simulate(sc, seed=1, sensitivity=False, drivers=False)
    assert r.task_dates["L"]["P50"] == "2027-01-08"
    assert r.milestones["l"].dates["P50"] == "2027-01-08"
    assert r.criticality["L"] == 0.0


def test_a_wbs_summary_spans_its_members_on_its_own_calendar():
    # M1 (6d, seven days) runs Monday to Saturday; M2 (3d, Monday to Friday) Monday to
    # Wednesday. W (Monday to Friday) spans Monday to Friday: Saturday is no working day
    # of its own. On the seven-day calendar it spans Monday to Saturday.
    tasks = [
        dataclasses.replace(task("M1", 6), calendar="seven"),
        task("M2", 3),
        summary("W", ["M1", "M2"]),
        summary("W7", ["M1", "M2"], calendar="seven"),
    ]
    plan = plan_dates(week_and_seven(tasks))
    assert plan["W"][:2] == (0.0, 5.0)
    assert plan["W7"][:2] == (0.0, 6.0)
    # members that start later: the earliest start of its members
    tasks = [task("A", 2), task("B", 3, ["A"]), task("C", 1, ["B"]), summary("W", ["B", "C"])]
    assert dates(scenario(tasks, start=START), "W") == ((2, 6, 2, 6, 0), False)


def test_an_as_late_as_possible_successor_counts_where_it_is_placed():
    # S (3d, after A, as late as possible) moves to 12–15 (X ends at 15); L finishes by
    # S's start: at 12, not at S's early start 5.
    s = dataclasses.replace(
        task("S", 3, ["A", Link("L", "FS")]),
        constraints=(Constraint("as-late-as-possible", None),),
    )
    tasks = [task("A", 5), task("X", 15), loe("L", [Link("A", "SS")]), s]
    assert dates(scenario(tasks, start=START), "L")[0][:2] == (0, 12)


def test_it_never_moves_the_project_finish():
    # L starts 20 days after A finishes, after everything else: it takes no time there,
    # and the project still finishes with S.
    tasks = [task("A", 5), loe("L", [Link("A", "FS", 20.0)]), task("S", 3, ["A", "L"])]
    sc = scenario(tasks, start=START, iterations=8)
    assert dates(sc, "L")[0][:2] == (25, 25)
    r = rk.simulate(sc, seed=1, sensitivity=False, drivers=False)
    assert np.all(r.project_finish == 8.0)


def test_costs_charge_the_span():
    # L spans 0–8 (8 working days) at 100 a day plus 50; W spans A and C, 0–8 too; on
    # the week calendar L of the calendar test spans 5 working days.
    tasks = [
        task("A", 5),
        loe("L", [Link("A", "SS")], cost=Cost(fixed=50, per_day=100)),
        task("C", 3, ["A", Link("L", "FF")]),
        summary("W", ["A", "C"], cost=Cost(per_day=10)),
    ]
    r = rk.simulate(scenario(tasks, iterations=8), seed=1, sensitivity=False, drivers=False)
    assert np.all(r.costs["total"] == 850.0 + 80.0)
    assert r.task_costs["L"]["mean"] == 850.0
    tasks = [
        dataclasses.replace(task("X", 6), calendar="seven"),
        loe("L", [Link("X", "SS")], cost=Cost(per_day=100)),
        dataclasses.replace(task("S", 2, ["X", Link("L", "FS")]), calendar="seven"),
    ]
    r = rk.simulate(week_and_seven(tasks), seed=1, sensitivity=False, drivers=False)
    assert np.all(r.costs["total"] == 500.0)


# --- in the simulation -----------------------------------------------------------------


def spanning(iterations=2000):
    """A (triangular 5, 8, 12); L starts with A, C (1d, after A) finishes after L; a
    summary of A and C; milestones on L, C and the summary."""
    tasks = [
        task("A", TRI),
        loe("L", [Link("A", "SS")]),
        task("C", 1, ["A", Link("L", "FF")]),
        summary("W", ["A", "C"]),
    ]
    ms = [("l", ["L"]), ("c", ["C"]), ("w", ["W"])]
    return scenario(tasks, ms, iterations=iterations, start=START)


def test_each_iteration_spans_that_iterations_successor():
    r = rk.simulate(spanning(), seed=7, sensitivity=False, drivers=False)
    assert np.array_equal(r.finishes["l"], r.finishes["c"])
    assert np.array_equal(r.finishes["w"], r.finishes["c"])
    a = np.array([naive.durations(spanning(), 7, i)[0]["A"] for i in range(2000)])
    assert np.allclose(r.finishes["c"], a + 1, rtol=0, atol=1e-9)
    assert r.criticality["L"] == 0.0 and r.criticality["W"] == 0.0
    assert r.criticality["A"] == 1.0
    # towards a milestone on it, nothing is critical (it is in no backward pass)
    assert set(r.milestone_criticality["l"].values()) == {0.0}
    assert r.milestone_criticality["c"] == {"A": 1.0, "L": 0.0, "C": 1.0, "W": 0.0}
    assert r.task_dates["L"] == r.task_dates["C"]


# --- validation, the file and the writer -------------------------------------------------

YAML = """\
name: spans
start: 2027-01-04
tasks:
  - {id: A, duration: 5}
  - {id: L, type: level-of-effort, predecessors: [A]}
  - {id: C, duration: 3, predecessors: [A, L]}
  - {id: W, type: wbs-summary, summarises: [A, C]}
"""


def test_the_file_reads_them_and_the_writer_keeps_them(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(YAML)
    sc = rk.load_scenario(path)
    assert sc.tasks[1].type == LOE and sc.tasks[3].summarises == ("A", "C")
    again = tmp_path / "again.yaml"
    again.write_text(scenario_yaml(sc))
    assert rk.load_scenario(again).tasks == sc.tasks


@pytest.mark.parametrize(
    "line, text, field",
    [
        (5, "  - {id: L, type: level-of-effort, duration: 2, predecessors: [A]}", "duration"),
        (5, "  - {id: L, type: level-of-effort, existence: 0.5, predecessors: [A]}", "existence"),
        (5, "  - {id: L, type: level-of-effort, milestone: start, predecessors: [A]}", "milestone"),
        (
            5,
            "  - {id: L, type: level-of-effort, constraint: {start_no_earlier_than: 2027-01-05}}",
            "constraint",
        ),
        (5, "  - {id: L, type: level-of-effort, actual_start: 2027-01-04}", "actual_start"),
        (5, "  - {id: L, type: hammock}", "type"),
        (5, "  - {id: L, type: level-of-effort, summarises: [A]}", "summarises"),
        (7, "  - {id: W, type: wbs-summary, summarises: [A, Q]}", "summarises[1]"),
        (7, "  - {id: W, type: wbs-summary, summarises: []}", "summarises"),
        (7, "  - {id: W, type: wbs-summary, summarises: [A], predecessors: [A]}", "predecessors"),
        (7, "  - {id: W, type: wbs-summary, summarises: [A, W]}", "summarises[1]"),
        (6, "  - {id: C, duration: 3, predecessors: [A, L, W]}", "predecessors[2]"),
    ],
)
def test_each_mistake_names_its_field_and_line(tmp_path, line, text, field):
    lines = YAML.splitlines()
    lines[line - 1] = text
    path = tmp_path / "bad.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(rk.ScenarioError) as e:
        rk.load_scenario(path)
    tid = text.split("id: ")[1].split(",")[0]
    assert e.value.field == f"tasks[{tid}].{field}"
    assert e.value.line == line


def test_more_mistakes_in_a_model_built_in_python():
    base = [task("A", 5), loe("L", ["A"]), task("C", 3, ["A", "L"])]

    def error(tasks, risks=()):
        with pytest.raises(rk.ScenarioError) as e:
            rk.validate(dataclasses.replace(scenario(tasks), risks=tuple(risks)))
        return e.value

    assert error([task("A", 5), loe("L", ["A"])]).field == "tasks[L]"  # no successor
    assert "successor" in str(error([task("A", 5), loe("L", ["A"])]))
    two = [*base, loe("L2", ["L"]), task("D", 1, ["L2"])]
    assert error(two).field == "tasks[L2].predecessors[0]"  # one waits for another
    risk = rk.Risk("R", probability=0.5, impacts=(rk.Impact("L", delay=2),))
    assert error(base, [risk]).field == "risks[R].impacts[0].task"
    assert error([task("A", 5), dataclasses.replace(task("B", 1), summarises=("A",))]).field == (
        "tasks[B].summarises"
    )
    ok = Task("L", 0, predecessors=(Link("A"),), type=LOE)
    rk.validate(scenario([task("A", 5), ok, task("C", 3, ["A", "L"])]))


# --- the naive reference ----------------------------------------------------------------


def random_spans(rng, n):
    """test_calendar's random networks with some tasks made levels of effort (those with
    a successor and no level of effort next to them) and a few WBS summaries added."""
    tasks, ms = random_calendar_network(rng, n)
    succs = {t.id: set() for t in tasks}
    for t in tasks:
        for lk in t.predecessors:
            succs[lk.task].add(t.id)
    hammocks = {}
    for k, t in enumerate(tasks):
        near = succs[t.id] | {lk.task for lk in t.predecessors}
        if succs[t.id] and not near & hammocks.keys() and rng.random() < 0.3:
            tasks[k] = dataclasses.replace(
                t, duration=task("x", 0).duration, start_no_earlier_than=None, type=LOE
            )
            hammocks[t.id] = (LOE,)
    for j in range(int(rng.integers(1, 3))):
        members = rng.choice(n, size=int(rng.integers(1, 4)), replace=False)
        ids = tuple(f"t{m}" for m in sorted(members.tolist()))
        cal = str(rng.choice(["standard", "site", "seven"]))
        tasks.append(dataclasses.replace(summary(f"w{j}", ids), calendar=cal))
        hammocks[f"w{j}"] = (WBS, ids)
    ms = [*ms, *((f"on {h}", [h]) for h in hammocks)]  # each one's own finish
    return tasks, ms, hammocks


CASES = [(seed, policy, "successor") for seed in range(10) for policy in ("soft", "hard")]
CASES += [
    (seed, "soft", lags) for seed in range(6) for lags in ("predecessor", "project", "24-hour")
]


@pytest.mark.parametrize(("net_seed", "policy", "lags"), CASES)
def test_random_networks_match_the_naive_reference(net_seed, policy, lags):
    rng = np.random.default_rng(900 + net_seed)
    tasks, ms, hammocks = random_spans(rng, int(rng.integers(4, 16)))
    sc = dataclasses.replace(
        with_calendars(scenario(tasks, ms, start=START), CALENDARS),
        simulation=SimulationSettings(iterations=30, constraints=policy),
        lag_calendar=lags,
    )
    counts = assert_matches_naive(sc, ms, net_seed, 30, hammocks=hammocks)
    assert all(counts[h] == 0 for h in hammocks)  # never critical


def test_the_random_networks_have_levels_of_effort_with_links_of_every_type():
    kinds = collections.Counter()
    for seed in range(10):
        tasks, _, hammocks = random_spans(np.random.default_rng(900 + seed), 12)
        for t in tasks:
            kinds.update(lk.type for lk in t.predecessors if lk.task in hammocks)
            if t.id in hammocks:
                kinds.update(f"to {lk.type}" for lk in t.predecessors)
    assert all(kinds[k] > 0 for k in ("FS", "SS", "FF", "SF", "to FS", "to SS", "to FF", "to SF"))


def test_bit_identical_for_any_thread_count_and_chunking():
    import numba

    tasks, ms, _ = random_spans(np.random.default_rng(9), 60)
    tasks = [
        dataclasses.replace(t, cost=Cost(per_day={"dist": "uniform", "min": 1, "max": 3}))
        if t.type != "task"
        else t
        for t in tasks
    ]
    sc = with_calendars(scenario(tasks, ms, start=START), CALENDARS)
    net = compile_network(sc)
    assert net.hammock.size > 3
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run_kernel(net, 3001, 8, block=16)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = run_kernel(net, 3001, 8, chunk=512)
    finally:
        numba.set_num_threads(before)
    for a, b in zip(one[:2], many[:2], strict=True):
        assert np.array_equal(a, b)


# --- progress ----------------------------------------------------------------------------


def progressed(loe_kw, summary_kw, a_kw=None):
    """Data date Wednesday 6 January 2027 (union day 2): A (5 days) started Monday 4 with 3
    days left (ends at 5); L (a level of effort from A's start to C's finish) and W (a
    summary of A and C), each with the progress given; C (2 days) after A."""
    a_kw = a_kw or {"actual_start": START, "remaining": 3}
    tasks = [
        dataclasses.replace(task("A", 5), **a_kw),
        loe("L", [Link("A", "SS")], cost=Cost(per_day=100), **loe_kw),
        task("C", 2, ["A", Link("L", "FF")]),
        summary("W", ["A", "C"], cost=Cost(per_day=10), **summary_kw),
    ]
    ms = [("l", ["L"]), ("w", ["W"])]
    sc = scenario(tasks, ms, start=START, iterations=4)
    return dataclasses.replace(sc, data_date=START + _days(2))


def _days(n):
    import datetime as _dt

    return _dt.timedelta(days=n)


def test_a_level_of_effort_in_progress_starts_on_its_actual_start():
    """L started on Tuesday 5 (day 1), later than A: its start is its own, its finish
    still C's (7); its cost with an actual cost of 250 is that plus the 5 days left after
    the data date (2 to 7) at 100."""
    sc = progressed({"actual_start": START + _days(1), "actual_cost": 250.0}, {})
    (es, ef, *_), crit = dates(sc, "L")
    assert (es, ef, crit) == (1.0, 7.0, False)
    r = rk.simulate(sc, seed=1, sensitivity=False, drivers=False)
    assert r.task_costs["L"]["mean"] == 250.0 + 5 * 100.0
    # without an actual cost the per-day cost charges its whole span, 1 to 7
    sc = progressed({"actual_start": START + _days(1)}, {})
    r = rk.simulate(sc, seed=1, sensitivity=False, drivers=False)
    assert r.task_costs["L"]["mean"] == 6 * 100.0


def test_a_started_level_of_effort_goes_on_to_the_data_date():
    """Its successor C finished already (Tuesday 5, day 2): L still goes on to the data
    date."""
    a_kw = {"actual_start": START, "actual_finish": START}
    tasks_c = {"actual_start": START + _days(1), "actual_finish": START + _days(1)}
    sc = progressed({"actual_start": START}, {}, a_kw)
    sc = dataclasses.replace(
        sc,
        tasks=tuple(dataclasses.replace(t, **tasks_c) if t.id == "C" else t for t in sc.tasks),
    )
    (es, ef, *_), _ = dates(sc, "L")
    assert (es, ef) == (0.0, 2.0)


def test_a_finished_level_of_effort_and_summary_keep_their_actual_dates():
    """Finished on Tuesday 5 (ends at 2) though C finishes at 7: their actual dates; with
    an actual cost, nothing more is charged."""
    done = {"actual_start": START, "actual_finish": START + _days(1), "actual_cost": 80.0}
    sc = progressed(done, done)
    for tid in ("L", "W"):
        (es, ef, *_), crit = dates(sc, tid)
        assert (es, ef, crit) == (0.0, 2.0, False), tid
    r = rk.simulate(sc, seed=1, sensitivity=False, drivers=False)
    assert r.task_costs["L"]["mean"] == r.task_costs["W"]["mean"] == 80.0
    assert str(r.milestones["l"].dates["P50"]) == "2027-01-05"


def test_a_wbs_summary_in_progress_starts_on_its_actual_start():
    sc = progressed({}, {"actual_start": START + _days(1)})
    (es, ef, *_), _ = dates(sc, "W")
    assert (es, ef) == (1.0, 7.0)  # its own start, its members' latest finish


def test_a_level_of_effort_takes_no_remaining_duration():
    sc = progressed({"actual_start": START, "remaining": 2}, {})
    with pytest.raises(rk.ScenarioError) as e:
        rk.validate(sc)
    assert e.value.field == "tasks[L].remaining"
