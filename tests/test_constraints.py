"""Date constraints (README "Constraints"): early dates, late dates and total float of the
deterministic plan per constraint type, soft and hard constraints in the simulation, and
the naive reference on random networks."""

from __future__ import annotations

import dataclasses
import datetime as _dt

import numpy as np
import pytest

import naive
import riskengine as rk
from helpers import scenario, task
from riskengine.engine.compile import compile_network
from riskengine.engine.runner import CRITICAL_TOLERANCE
from riskengine.engine.simulation import point_network
from riskengine.errors import ScenarioError
from riskengine.kernels.args import Keys, Outputs, Run, work_arrays
from riskengine.kernels.network import simulate_blocks
from riskengine.model.scenario import CONSTRAINT_KINDS, Constraint, SimulationSettings
from test_calendar import (
    CALENDARS,
    assert_matches_naive,
    random_calendar_network,
    with_calendars,
)

D = _dt.date
START = D(2027, 1, 4)  # a Monday; times count working days, Monday to Friday


def day(n: int) -> D:
    """Working day n (0 is the start): it starts at time n and ends at time n + 1."""
    return START + _dt.timedelta(days=n + 2 * (n // 5))


def plan_dates(sc):
    """The deterministic plan's ES, EF, LS, LF and total float per task, read from the
    kernel's own passes over one iteration: the early dates from a pass without
    criticality, the late dates from the project pass (written over the early rows)."""
    net = point_network(compile_network(sc), sc)
    args = net.kernel_args()._asdict()
    n, n_out = net.n_tasks, net.ms_ptr.size
    rows = {}
    for level in (0, 1):
        n_cal = net.timeline.tables[0].shape[0]
        work = work_arrays(4, n, n_out, 0, 0, 1, 0, False, False, n_calendars=n_cal)
        sink = Outputs(
            out=np.empty((1, n_out)),
            counts=np.zeros((1, n_out, n), np.int64),
            risk_counts=np.zeros((1, 0), np.int64),
            cost_out=np.empty((1, 0)),
            task_cost=np.zeros((1, n), np.int64),
            hist=np.zeros((1, 0, 0), np.int32),
            day_base=np.zeros(n, np.int64),
            day_first=np.zeros((1, n), np.int64),
            day_last=np.zeros((1, n), np.int64),
        )
        run = Run(0, 1, 4, 1, level, CRITICAL_TOLERANCE)
        simulate_blocks(
            0, run, Keys(np.uint64(1), np.uint64(0), 0), outputs=sink, work=work, **args
        )
        rows[level] = work.X[:, 0].copy()
        if level:
            crit = sink.counts[0, -1] > 0
    out = {}
    for k, tid in enumerate(net.task_ids):
        es, ef = rows[0][2 * k : 2 * k + 2]
        ls, lf = rows[1][2 * k : 2 * k + 2]
        out[tid] = (es, ef, ls, lf, lf - ef, bool(crit[k]))
    return out


def con(t, kind, date, *more):
    """``t`` with the constraint (kind, date), then the (kind, date) pairs ``more``."""
    cons = (Constraint(kind, date), *(Constraint(k, d) for k, d in more))
    return dataclasses.replace(t, constraints=cons)


def chain(constrained, policy="soft"):
    """A (5d) → B (3d) → C (4d), with B replaced by ``constrained(B)``; and X (15d) in
    parallel, so the project ends on day 15 and the chain has 3 days of float."""
    tasks = [task("A", 5), constrained(task("B", 3, ["A"])), task("C", 4, ["B"]), task("X", 15)]
    sc = scenario(tasks, start=START)
    return dataclasses.replace(sc, simulation=SimulationSettings(iterations=1, constraints=policy))


# Day n's start is time n, its end time n + 1 (days counted from 0 at the start).
CASES = {
    # no constraint: B 5–8, late 8–11, float 3
    "none": (lambda t: t, (5, 8, 8, 11, 3)),
    # SNET day 7: early start pushed to 7; late dates unchanged; float 1
    "start-no-earlier-than": (lambda t: con(t, "start-no-earlier-than", day(7)), (7, 10, 8, 11, 1)),
    # FNET end of day 10 (time 11): early finish 11, start 8; float 0
    "finish-no-earlier-than": (
        lambda t: con(t, "finish-no-earlier-than", day(10)),
        (8, 11, 8, 11, 0),
    ),
    # SNLT day 6: late start at most 6 → LS 6, LF 9; float 1
    "start-no-later-than": (lambda t: con(t, "start-no-later-than", day(6)), (5, 8, 6, 9, 1)),
    # FNLT end of day 6 (time 7): LF 7, LS 4; float -1 (negative: critical)
    "finish-no-later-than": (lambda t: con(t, "finish-no-later-than", day(6)), (5, 8, 4, 7, -1)),
    # SO day 6: ES 6 (after logic's 5), LS ≤ 6; float 0
    "start-on": (lambda t: con(t, "start-on", day(6)), (6, 9, 6, 9, 0)),
    # FO end of day 9 (time 10): EF ≥ 10 → ES 7; LF ≤ 10; float 0
    "finish-on": (lambda t: con(t, "finish-on", day(9)), (7, 10, 7, 10, 0)),
    # MS day 2: the start is set to 2 although A finishes at 5 (logic overridden); LS 2
    "mandatory-start": (lambda t: con(t, "mandatory-start", day(2)), (2, 5, 2, 5, 0)),
    # MF end of day 12 (time 13): EF 13, ES 10; LF 13 although C then misses the project
    # finish: C's late finish stays 15, its float 15 - 17 = -2
    "mandatory-finish": (lambda t: con(t, "mandatory-finish", day(12)), (10, 13, 13 - 3, 13, 0)),
    # ALAP: C starts right after B (at 8), so B has no free float and stays
    "as-late-as-possible": (lambda t: con(t, "as-late-as-possible", None), (5, 8, 8, 11, 3)),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_each_type_gives_the_hand_computed_plan_dates(kind):
    make, want = CASES[kind]
    got = plan_dates(chain(make))["B"]
    assert got[:5] == pytest.approx(want, abs=1e-9)
    assert got[5] == (want[4] <= 1e-6)  # critical exactly when the float is at most 0


def test_mandatory_finish_drives_its_successor_past_the_project_end():
    dates = plan_dates(chain(CASES["mandatory-finish"][0]))
    assert dates["C"][:5] == pytest.approx((13, 17, 13, 17, 0))  # C drives the finish now
    assert dates["X"][4] == pytest.approx(2)


def test_negative_float_is_critical_and_propagates_to_the_predecessors():
    dates = plan_dates(chain(CASES["finish-no-later-than"][0]))
    assert dates["A"][2:5] == pytest.approx((-1, 4, -1))
    assert dates["A"][5] and dates["B"][5]
    assert not dates["C"][5]  # C still has 3 days of float towards the project finish


def test_secondary_constraint_bounds_both_sides():
    both = plan_dates(
        chain(lambda t: con(t, "start-no-earlier-than", day(6), ("finish-no-later-than", day(8))))
    )["B"]
    assert both[:5] == pytest.approx((6, 9, 6, 9, 0))


def test_short_form_and_typed_start_no_earlier_than_agree():
    short = plan_dates(chain(lambda t: dataclasses.replace(t, start_no_earlier_than=day(7))))
    typed = plan_dates(chain(CASES["start-no-earlier-than"][0]))
    assert short == typed


# --- the scenario file ---------------------------------------------------------------

YAML = """\
name: constrained
start: 2027-01-04
simulation:
  iterations: 50
  constraints: {policy}
tasks:
  - id: A
    duration: 5
  - id: B
    duration: 3
    predecessors: [A]
    constraint: {constraint}
"""


def load(tmp_path, constraint, policy="soft"):
    path = tmp_path / "s.yaml"
    path.write_text(YAML.format(constraint=constraint, policy=policy))
    return rk.load_scenario(path)


def test_the_file_reads_each_form(tmp_path):
    sc = load(tmp_path, "{type: finish-no-later-than, date: 2027-01-15}", "hard")
    assert sc.simulation.constraints == "hard"
    assert sc.tasks[1].constraints == (Constraint("finish-no-later-than", D(2027, 1, 15)),)
    sc = load(
        tmp_path,
        "{type: Start_No_Earlier_Than, date: 2027-01-12,"
        " secondary: {type: finish-no-later-than, date: 2027-01-20}}",
    )
    assert sc.tasks[1].constraints == (
        Constraint("start-no-earlier-than", D(2027, 1, 12)),
        Constraint("finish-no-later-than", D(2027, 1, 20)),
    )
    sc = load(tmp_path, "{start_no_earlier_than: 2027-01-12}")
    assert sc.tasks[1].start_no_earlier_than == D(2027, 1, 12)
    assert sc.tasks[1].constraints == ()
    assert load(tmp_path, "{type: start-on, date: 2027-01-12}").simulation.constraints == "soft"


@pytest.mark.parametrize(
    ("constraint", "policy", "field", "line", "message"),
    [
        (
            "{type: as-late-as-possible, date: 2027-01-12}",
            "soft",
            "tasks[B].constraint.date",
            12,
            "as-late-as-possible takes no date",
        ),
        (
            "{type: start-later, date: 2027-01-12}",
            "soft",
            "tasks[B].constraint.type",
            12,
            "must be one of",
        ),
        ("{type: start-on}", "soft", "tasks[B].constraint", 12, "needs a 'date'"),
        (
            "{type: start-on, date: 2026-12-01}",
            "soft",
            "tasks[B].constraint.date",
            None,
            "before the project start",
        ),
        (
            "{start_no_earlier_than: 2027-01-12, type: start-on}",
            "soft",
            "tasks[B].constraint",
            12,
            "not both",
        ),
        (
            "{type: start-no-earlier-than, date: 2027-01-12,"
            " secondary: {type: start-on, date: 2027-01-13}}",
            "soft",
            "tasks[B].constraint.secondary.type",
            None,
            "other side",
        ),
        (
            "{type: mandatory-start, date: 2027-01-12,"
            " secondary: {type: finish-no-later-than, date: 2027-01-13}}",
            "soft",
            "tasks[B].constraint.secondary.type",
            None,
            "cannot go with mandatory-start",
        ),
        (
            "{type: start-on, date: 2027-01-12}",
            "firm",
            "simulation.constraints",
            5,
            "must be soft or hard",
        ),
    ],
)
def test_mistakes_name_the_field_and_line(tmp_path, constraint, policy, field, line, message):
    with pytest.raises(ScenarioError) as e:
        sc = load(tmp_path, constraint, policy)
        rk.validate(sc)
    assert e.value.field == field
    assert message in str(e.value)
    if line is not None:
        assert e.value.line == line


# --- soft and hard in the simulation --------------------------------------------------

TRI = {"dist": "triangular", "min": 5, "max": 12, "mode": 8}


def pinned(policy, iterations=4000):
    """A (triangular 5, 8, 12) → B (2d) with a mandatory start on working day 10."""
    tasks = [task("A", TRI), con(task("B", 2, ["A"]), "mandatory-start", day(10))]
    sc = scenario(tasks, [("B", ["B"])], start=START)
    return dataclasses.replace(
        sc, simulation=SimulationSettings(iterations=iterations, constraints=policy)
    )


def test_soft_mandatory_start_waits_for_logic_and_hard_one_does_not():
    soft = rk.simulate(pinned("soft"), seed=3, sensitivity=False, drivers=False)
    hard = rk.simulate(pinned("hard"), seed=3, sensitivity=False, drivers=False)
    a = np.array([naive.durations(pinned("soft"), 3, i)[0]["A"] for i in range(4000)])
    # soft: B starts at max(10, A); hard: B starts on day 10 whatever A does
    # (to rounding: the start goes through the calendar's positions)
    assert np.allclose(soft.finishes["B"], np.maximum(10.0, a) + 2, rtol=0, atol=1e-9)
    assert np.all(hard.finishes["B"] == 12.0)
    assert np.allclose(hard.project_finish, np.maximum(12.0, a), rtol=0, atol=1e-9)
    # P(soft finish by day 12) = P(A <= 10) = 1 - (12 - 10)² / ((12 - 5)(12 - 8))
    p, n = 1 - 4 / 28, 4000
    got = np.mean(soft.finishes["B"] <= 12.0)
    assert abs(got - p) < 4 * np.sqrt(p * (1 - p) / n)
    # hard: A is critical (float 10 - A <= 0) exactly when A >= 10; B always (float 0)
    assert hard.criticality["B"] == 1.0
    assert hard.criticality["A"] == np.mean(a >= 10.0 - 1e-6)


def test_the_plan_applies_hard_rules_whatever_the_policy():
    for policy in ("soft", "hard"):
        plan = rk.deterministic_plan(pinned(policy))
        assert plan.finishes["B"][0] == 12.0  # A at its mode 8; B pinned to day 10


def test_bit_identical_for_any_thread_count_and_chunking():
    import numba

    from riskengine.engine.runner import run_kernel

    tasks, ms, cons = random_constrained(np.random.default_rng(5), 60)
    sc = dataclasses.replace(
        with_calendars(scenario(tasks, ms, start=START), CALENDARS),
        simulation=SimulationSettings(constraints="hard"),
    )
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


# --- the naive reference on random networks -------------------------------------------

KINDS = list(CONSTRAINT_KINDS)
ALAP = "as-late-as-possible"


def random_constrained(rng, n):
    """test_calendar's random calendar networks, a third of the tasks constrained (some
    with a secondary constraint); returns the tasks, milestones and the constraints as
    (kind, calendar day) for the naive reference."""
    tasks, ms = random_calendar_network(rng, n)
    cons = {}
    for k, t in enumerate(tasks):
        if rng.random() < 0.35:
            kind = str(rng.choice(KINDS))
            pairs = [(kind, None if kind == ALAP else int(rng.integers(0, 30)))]
            if kind in ("start-no-earlier-than", "finish-no-earlier-than") and rng.random() < 0.5:
                other = str(rng.choice(["start-no-later-than", "finish-no-later-than"]))
                pairs.append((other, int(rng.integers(0, 30))))
            cons[t.id] = pairs
            dated = [
                (kd, None if dd is None else START + _dt.timedelta(days=dd)) for kd, dd in pairs
            ]
            tasks[k] = con(t, *dated[0], *dated[1:])
    return tasks, ms, cons


@pytest.mark.parametrize("policy", ["soft", "hard"])
@pytest.mark.parametrize("net_seed", range(8))
def test_random_constrained_networks_match_the_naive_reference(net_seed, policy):
    rng = np.random.default_rng(100 + net_seed)
    tasks, ms, cons = random_constrained(rng, int(rng.integers(4, 14)))
    sc = dataclasses.replace(
        with_calendars(scenario(tasks, ms, start=START), CALENDARS),
        simulation=SimulationSettings(iterations=40, constraints=policy),
    )
    assert_matches_naive(sc, ms, net_seed, 40, constraints=cons)


# --- the probability of meeting a latest finish date ------------------------------------


def deadline(kind="finish-no-later-than", policy="soft", iterations=4000):
    """A (triangular 5, 8, 12) that should finish by the end of working day 9 (time 10)."""
    tasks = [con(task("A", TRI), kind, day(9)), task("B", 1, ["A"])]
    sc = scenario(tasks, [("B", ["B"])], start=START)
    return dataclasses.replace(
        sc, simulation=SimulationSettings(iterations=iterations, constraints=policy)
    )


def test_probability_of_meeting_a_latest_finish_is_the_duration_cdf():
    r = rk.simulate(deadline(), seed=11, sensitivity=False, drivers=False)
    a = np.array([naive.durations(deadline(), 11, i)[0]["A"] for i in range(4000)])
    check = r.constraints["A"]
    assert (check.kind, check.date) == ("finish-no-later-than", day(9))
    assert check.p_met == np.mean(a <= 10.0 + 1e-9)  # exact, from the finish-day counts
    p = 1 - 4 / 28  # the triangular CDF at 10
    assert abs(check.p_met - p) < 4 * check.p_met_se
    assert list(r.constraints) == ["A"]  # B has no latest date


def test_a_hard_mandatory_finish_is_always_met_and_a_soft_one_like_the_cdf():
    def late(policy, kind="mandatory-finish"):
        """P (4d) → A (triangular 5, 8, 12) due by the end of working day 12 (time 13)."""
        tasks = [task("P", 4), con(task("A", TRI, ["P"]), kind, day(12))]
        return dataclasses.replace(
            scenario(tasks, start=START),
            simulation=SimulationSettings(iterations=4000, constraints=policy),
        )

    hard = rk.simulate(late("hard"), seed=11, sensitivity=False).constraints["A"]
    soft = rk.simulate(late("soft"), seed=11, sensitivity=False).constraints["A"]
    fnlt = rk.simulate(late("hard", "finish-no-later-than"), seed=11, sensitivity=False)
    assert hard.p_met == 1.0  # A starts early enough to finish on the date, whatever P does
    # soft: the date is only an earliest finish, so A finishes at max(4 + A, 13), and a
    # latest date never moves an early one: P(A <= 9) = 1 - (12 - 9)² / ((12 - 5)(12 - 8))
    assert soft.p_met == fnlt.constraints["A"].p_met
    p = 1 - 9 / 28
    assert abs(soft.p_met - p) < 4 * soft.p_met_se


def test_latest_dates_outside_the_finish_window_are_counted_exactly():
    """A date far before or after every finish, and one inside the window."""
    for n, want in ((0, 0.0), (200, 1.0)):
        tasks = [con(task("A", TRI), "finish-on", day(n))]
        sc = dataclasses.replace(
            scenario(tasks, start=START), simulation=SimulationSettings(iterations=500)
        )
        assert rk.simulate(sc, seed=2, sensitivity=False).constraints["A"].p_met == want


def test_json_and_terminal_report_the_constraints(tmp_path):
    from rich.console import Console

    from riskengine.report.terminal import print_results

    r = rk.simulate(deadline(iterations=200), seed=11, sensitivity=False)
    entry = r.to_dict()["constraints"]["A"]
    assert entry["type"] == "finish-no-later-than"
    assert entry["date"] == "2027-01-15"
    assert entry["p_met"] == r.constraints["A"].p_met
    console = Console(width=100, record=True)
    print_results(r, console)
    text = console.export_text()
    assert "Constraints" in text
    line = next(ln for ln in text.splitlines() if "finish-no-later-than" in ln)
    assert "2027-01-15" in line and f"{100 * r.constraints['A'].p_met:.1f}%" in line


def test_without_constraints_the_json_is_unchanged():
    r = rk.simulate(scenario([task("A", TRI)], start=START, iterations=100), sensitivity=False)
    assert "constraints" not in r.to_dict()
    assert r.constraints == {}


def test_readme_example_loads_and_its_table_is_the_hand_computed_cases(tmp_path):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("### Constraints", 1)[1].split("\n### ", 1)[0]
    (block,) = re.findall(r"^```yaml\n(.*?)\n```$", section, re.S | re.M)
    path = tmp_path / "constraints.yaml"
    path.write_text(block)
    sc = rk.load_scenario(path)
    assert [c.kind for c in sc.tasks[2].constraints] == [
        "start-no-earlier-than",
        "finish-no-later-than",
    ]
    rows = re.findall(
        r"^\| `([a-z-]+)` \| [^|]*\| (\d+), (\d+)[^|]*\| (\d+), (\d+) \| (−?\d+)", section, re.M
    )
    assert len(rows) == 9
    for kind, *nums in rows:
        want = [float(x.replace("−", "-")) for x in nums]
        assert CASES[kind][1] == pytest.approx(want), kind


def test_started_tasks_keep_their_actual_dates_and_latest_dates_still_limit():
    """Data date Mon 11 Jan (working day 5): A finished 4–8 Jan, B started Mon 11 Jan with
    3 days left; a mandatory start on A and B no longer moves them, a finish-no-later-than
    on B (end of Tue 12 Jan, time 7) gives it and nothing finished negative float."""
    tasks = [
        dataclasses.replace(
            con(task("A", 5), "mandatory-start", day(8)),
            actual_start=day(0),
            actual_finish=day(4),
        ),
        dataclasses.replace(
            con(task("B", 3, ["A"]), "mandatory-start", day(9)),
            actual_start=day(5),
            remaining=rk.parse_distribution(3),
        ),
        task("C", 2, ["B"]),
    ]
    sc = dataclasses.replace(scenario(tasks, start=START), data_date=day(5))
    dates = plan_dates(sc)
    assert dates["A"][:2] == pytest.approx((0, 5)) and not dates["A"][5]
    assert dates["B"][:2] == pytest.approx((5, 8))
    late = dataclasses.replace(
        sc, tasks=(tasks[0], con(tasks[1], "finish-no-later-than", day(6)), tasks[2])
    )
    b = plan_dates(late)["B"]
    assert b[3:6] == (7.0, -1.0, True)
    assert not plan_dates(late)["A"][5]  # finished work is never critical


def test_probability_of_meeting_a_latest_start_is_the_predecessors_cdf():
    """P (triangular 5, 8, 12) → A (1 day), which should start by the end of working day
    9 (time 10): A starts when P finishes, so it meets the date when P < 10."""
    for kind in ("start-no-later-than", "start-on", "mandatory-start"):
        tasks = [task("P", TRI), con(task("A", 1, ["P"]), kind, day(9))]
        sc = dataclasses.replace(
            scenario(tasks, start=START), simulation=SimulationSettings(iterations=4000)
        )
        r = rk.simulate(sc, seed=11, sensitivity=False, drivers=False)
        p_dur = np.array([naive.durations(sc, 11, i)[0]["P"] for i in range(4000)])
        check = r.constraints["A"]
        assert (check.kind, check.date) == (kind, day(9))
        want = np.mean(np.maximum(p_dur, 9.0 if kind != "start-no-later-than" else 0) < 10.0)
        assert check.p_met == want  # exact: each iteration's own start
        p = 1 - 4 / 28  # the triangular CDF at 10 (an earliest start of 9 changes nothing)
        assert abs(check.p_met - p) < 4 * check.p_met_se
        assert r.to_dict()["constraints"]["A"]["p_met"] == check.p_met


# --- constraint dates with a time of day ----------------------------------------------------


def _timed(tmp_path, constraint):
    """A (5 days from Monday 4 January 2027, to the end of Friday 8) then the finish
    milestone M with ``constraint``."""
    path = tmp_path / "timed.yaml"
    path.write_text(
        "start: 2027-01-04\n"
        "tasks:\n"
        "  - {id: A, duration: 5}\n"
        "  - {id: M, duration: 0, milestone: finish, predecessors: [A],\n"
        f"     constraint: {constraint}}}\n"
    )
    return rk.load_scenario(path)


def test_a_constraint_time_counts_to_the_fraction_of_the_working_day(tmp_path):
    # M must finish by noon on Friday (half of its 08:00-12:00, 13:00-17:00 day): A, which
    # ends with Friday, has half a day of negative float
    sc = _timed(tmp_path, "{type: finish-no-later-than, date: 2027-01-08T12:00}")
    table = rk.schedule_table(sc)
    assert table.loc["A", "total_float"] == pytest.approx(-0.5)
    # finish-on Monday 08:00, the opening of Monday: the same moment as Friday's close,
    # so A keeps no float, and M is dated on Monday as P6 dates it; the date alone
    # (the end of Monday) gives A a day
    sc = _timed(tmp_path, "{type: finish-on, date: 2027-01-11T08:00}")
    table = rk.schedule_table(sc)
    assert table.loc["A", "total_float"] == 0.0
    assert table.loc["M", "early_finish"].date() == D(2027, 1, 11)
    r = rk.simulate(sc, iterations=2, sensitivity=False, drivers=False, task_dates=True)
    assert r.task_dates["M"]["P50"] == "2027-01-11"
    sc = _timed(tmp_path, "{type: finish-on, date: 2027-01-11}")
    assert rk.schedule_table(sc).loc["A", "total_float"] == 1.0


def test_a_constraint_time_is_written_back_and_checked(tmp_path):
    from riskengine.io.scenario_writer import scenario_yaml

    sc = _timed(tmp_path, "{type: finish-on, date: 2027-01-11T08:00}")
    assert sc.task("M").constraints[0].date == _dt.datetime(2027, 1, 11, 8, 0)
    again = tmp_path / "again.yaml"
    again.write_text(scenario_yaml(sc))
    assert rk.load_scenario(again).task("M").constraints == sc.task("M").constraints
    with pytest.raises(rk.ScenarioError) as e:
        _timed(tmp_path, "{type: finish-on, date: 2027-01-01T08:00}")
    assert e.value.field == "tasks[M].constraint.date"


def test_a_constraint_time_on_a_calendar_of_its_own(tmp_path):
    """The same Monday 08:00 with a six-day calendar beside the milestone's: Saturday is
    a union day its calendar does not work, so M is placed and dated through its own
    calendar's tables."""
    path = tmp_path / "two.yaml"
    path.write_text(
        "start: 2027-01-04\n"
        "calendars: {standard: {}, site: {workdays: [Mon, Tue, Wed, Thu, Fri, Sat]}}\n"
        "tasks:\n"
        "  - {id: A, duration: 5}\n"
        "  - {id: S, duration: 6, calendar: site}\n"
        "  - {id: M, duration: 0, milestone: finish, predecessors: [A],\n"
        "     constraint: {type: finish-on, date: 2027-01-11T08:00}}\n"
    )
    sc = rk.load_scenario(path)
    table = rk.schedule_table(sc)
    assert table.loc["M", "early_finish"].date() == D(2027, 1, 11)
    assert table.loc["A", "total_float"] == 0.0
    r = rk.simulate(sc, iterations=2, sensitivity=False, drivers=False)
    assert r.task_dates["M"]["P50"] == "2027-01-11"


def test_the_chance_of_meeting_a_latest_finish_at_a_time_counts_each_iteration(tmp_path):
    """A takes 4 to 6 days from Monday 4 January: it meets finish-no-later-than Friday
    noon (4.5 working days) in exactly the iterations whose finish is by then, which the
    day counts alone could not tell (a finish on Friday afternoon misses it)."""
    path = tmp_path / "noon.yaml"
    path.write_text(
        "start: 2027-01-04\n"
        "tasks:\n"
        "  - {id: A, duration: {dist: uniform, min: 4, max: 6},\n"
        "     constraint: {type: finish-no-later-than, date: 2027-01-08T12:00}}\n"
        "milestones: [{id: m, after: [A]}]\n"
    )
    r = rk.simulate(rk.load_scenario(path), 4000, 5, sensitivity=False, drivers=False)
    want = np.count_nonzero(r.finishes["m"] <= 4.5 + 1e-9) / 4000
    assert r.constraints["A"].p_met == want
    assert 0.15 < want < 0.35  # about a quarter: (4.5 - 4) / (6 - 4)
