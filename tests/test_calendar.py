"""Working calendars, constraints, progress at a data date, and task finish dates."""

from __future__ import annotations

import dataclasses
import datetime as _dt

import numpy as np
import pytest

import naive
import riskengine as rk
from helpers import scenario, task
from riskengine.engine.calendar import build_timeline
from riskengine.model.scenario import Calendar, Link, Milestone
from riskengine.model.validate import topological_order

D = _dt.date
START = D(2027, 1, 4)  # a Monday
STANDARD = Calendar("standard", holidays=(D(2027, 1, 15),))  # Friday 15th off
SITE = Calendar("site", workdays=(0, 1, 2, 3, 4, 5))  # six days a week, no holiday


def with_calendars(sc, calendars=(STANDARD, SITE), **kw):
    return dataclasses.replace(sc, calendars=calendars, calendar=calendars[0].id, **kw)


def on(t, cal):
    return dataclasses.replace(t, calendar=cal)


def run_fixed(sc, **kw):
    r = rk.simulate(sc, iterations=1, sensitivity=False, drivers=False, **kw)
    return r


def milestone_dates(r):
    return {m: s.dates["P50"] for m, s in r.milestones.items()}


def hand_network():
    """Worked by hand on a calendar (Mon 4 Jan 2027 start; Fri 15 Jan a holiday on the
    standard calendar; the site works Monday to Saturday):

    A std 5d           Mon 4 – Fri 8
    B std 3d, FS A +2  lag Mon 11, Tue 12; work Wed 13, Thu 14, (Fri 15 off) Mon 18
    C site 4d, FS A    Sat 9, Mon 11, Tue 12, Wed 13
    D site 2d, FS C +3 lag Thu 14, Fri 15, Sat 16; work Mon 18, Tue 19
    E std 1d, SS C +1  C starts Sat 9 = before Mon 11 on std; +1 → Tue 12
    F std 2d, FS B, FF D   FS B → start Tue 19 (FF D would allow Mon 18) → Tue 19 – Wed 20
    G std 1d, SNET Sat 16  → Mon 18
    """
    tasks = [
        on(task("A", 5), "standard"),
        on(task("B", 3, [Link("A", "FS", 2)]), "standard"),
        on(task("C", 4, [Link("A", "FS", 0)]), "site"),
        on(task("D", 2, [Link("C", "FS", 3)]), "site"),
        on(task("E", 1, [Link("C", "SS", 1)]), "standard"),
        on(task("F", 2, [Link("B", "FS", 0), Link("D", "FF", 0)]), "standard"),
        dataclasses.replace(task("G", 1), start_no_earlier_than=D(2027, 1, 16)),
    ]
    ms = [(t.id, [t.id]) for t in tasks]
    return with_calendars(scenario(tasks, ms, start=START))


def test_hand_calculated_dates_across_calendars_holidays_and_weekend_lags():
    r = run_fixed(hand_network())
    want = {
        "A": "2027-01-08",
        "B": "2027-01-18",
        "C": "2027-01-13",
        "D": "2027-01-19",
        "E": "2027-01-12",
        "F": "2027-01-20",
        "G": "2027-01-18",
    }
    assert milestone_dates(r) == want
    assert r.project.dates["P50"] == "2027-01-20"
    # the driving path A → B → F is critical; D has a day of float before F's finish
    crit = {t for t, c in r.criticality.items() if c == 1.0}
    assert crit == {"A", "B", "F"}
    # numbers are working days of the project (standard) calendar: F ends on day 12
    # (Jan 4–8, 11–14, 18–20 with the 15th off)
    assert r.finishes["F"][0] == pytest.approx(12.0, abs=1e-12)


def test_task_finish_dates_match_the_hand_calculation():
    r = run_fixed(hand_network())
    assert r.task_dates["C"]["P80"] == "2027-01-13"
    assert r.task_dates["D"]["P50"] == "2027-01-19"


def test_start_and_finish_conventions():
    """A 5-day task starting on a Monday finishes that Friday; a 0-day task at the end of
    Friday is reported on Friday; the successor starts on Monday."""
    tasks = [task("a", 5), task("b", 0, ["a"]), task("c", 1, ["b"])]
    sc = scenario(tasks, [("a", ["a"]), ("b", ["b"]), ("c", ["c"])], start=START)
    r = run_fixed(sc)
    assert milestone_dates(r) == {"a": "2027-01-08", "b": "2027-01-08", "c": "2027-01-11"}


def test_extra_working_day_and_holiday_on_the_project_calendar():
    cal = Calendar("c", holidays=(D(2027, 1, 6),), extra_workdays=(D(2027, 1, 9),))
    sc = with_calendars(scenario([task("a", 5)], [("a", ["a"])], start=START), (cal,))
    # Mon 4, Tue 5, (Wed 6 off), Thu 7, Fri 8, Sat 9 (extra)
    assert milestone_dates(run_fixed(sc)) == {"a": "2027-01-09"}


def test_date_target_counts_through_the_calendar():
    ms = Milestone("a", ("a",), target_date=D(2027, 1, 11))
    sc = with_calendars(
        scenario(
            [task("a", {"dist": "uniform", "min": 4, "max": 6})], [ms], start=START, iterations=4000
        ),
        (STANDARD,),
    )
    r = rk.simulate(sc, sensitivity=False)
    # finishing by the end of Mon 11 = within 6 working days: P = 1 for uniform(4, 6)
    assert r.milestones["a"].p_target == 1.0
    sc2 = dataclasses.replace(sc, milestones=(Milestone("a", ("a",), target_date=D(2027, 1, 8)),))
    p = rk.simulate(sc2, sensitivity=False).milestones["a"].p_target
    se = np.sqrt(0.25 / 4000)
    assert abs(p - 0.5) < 4 * se  # by Fri 8: within 5 working days


def random_calendar_network(rng, n):
    tasks = []
    for i in range(n):
        a = float(rng.integers(0, 5))
        spec = {"dist": "uniform", "min": a, "max": a + float(rng.integers(0, 6))}
        preds = []
        if i:
            for p in sorted(set(rng.integers(0, i, size=rng.integers(0, 4)).tolist())):
                lag = float(rng.choice([0, 0, 1, 2, 3.5]))
                preds.append(Link(f"t{p}", str(rng.choice(["FS", "SS", "FF", "SF"])), lag))
        t = task(f"t{i}", spec, preds)
        t = dataclasses.replace(t, calendar=str(rng.choice(["standard", "site", "seven"])))
        if rng.random() < 0.15:
            t = dataclasses.replace(
                t, start_no_earlier_than=START + _dt.timedelta(days=int(rng.integers(0, 20)))
            )
        tasks.append(t)
    ms = [("m0", [f"t{n - 1}"]), ("m1", [f"t{i}" for i in range(0, n, 3)])]
    return tasks, ms


CALENDARS = (
    # (Christmas and New Year before the start: late dates of negative float fall there)
    Calendar(
        "standard",
        holidays=(D(2026, 12, 25), D(2027, 1, 1), D(2027, 1, 15), D(2027, 1, 25), D(2027, 2, 1)),
    ),
    Calendar("site", workdays=(0, 1, 2, 3, 4, 5), holidays=(D(2027, 1, 25),)),
    Calendar("seven", workdays=tuple(range(7)), extra_workdays=()),
)


@pytest.mark.parametrize("net_seed", range(12))
def test_random_calendar_networks_match_the_naive_reference(net_seed):
    rng = np.random.default_rng(net_seed)
    tasks, ms = random_calendar_network(rng, int(rng.integers(4, 14)))
    sc = with_calendars(scenario(tasks, ms, start=START, iterations=40), CALENDARS)
    r = rk.simulate(sc, seed=net_seed, sensitivity=False, drivers=False)
    tl = r.timeline
    cals, spec, cal_of, earliest = naive_inputs(sc)
    counts = dict.fromkeys(cal_of, 0)
    by_ms = {m: dict.fromkeys(cal_of, 0) for m, _ in ms}
    project = cals["standard"]
    for it in range(40):
        durs, _ = naive.durations(sc, net_seed, it)
        es, ef, m_fin, finish, crit = naive.cpm_calendars(
            spec, durs, ms, cal_of, earliest, milestone_ids=milestone_ids(sc)
        )
        for m, after in ms:
            towards = naive.critical_towards_calendars(
                spec, es, ef, set(after), m_fin[m], 1e-6, cal_of, milestone_ids=milestone_ids(sc)
            )
            for tid in towards:
                by_ms[m][tid] += 1
        for m, t in [*m_fin.items(), ("project", finish)]:
            got = r.times[m][it]
            # same date, and the same position on the project calendar
            day = START + _dt.timedelta(days=max(int(np.ceil(t - 1e-9)) - 1, 0))
            assert str(tl.finish_dates(got)) == str(np.datetime64(day)), (m, it)
            days = r.finishes[m][it] if m != "project" else r.project_finish[it]
            assert days == pytest.approx(project.pos(t), abs=1e-9), (m, it)
        for tid in crit:
            counts[tid] += 1
    assert {t: round(c * 40) for t, c in r.criticality.items()} == counts
    for m, shares in r.milestone_criticality.items():
        assert {t: round(c * 40) for t, c in shares.items()} == by_ms[m], m


def test_one_calendar_everywhere_is_the_plain_kernel():
    """Naming the only calendar on every task changes nothing (no conversions run)."""
    rng = np.random.default_rng(3)
    tasks, ms = random_calendar_network(rng, 12)
    plain = scenario([dataclasses.replace(t, calendar=None) for t in tasks], ms, start=START)
    named = with_calendars(
        scenario([dataclasses.replace(t, calendar="standard") for t in tasks], ms, start=START),
        (Calendar("standard"),),
    )
    a = rk.simulate(plain, 500, sensitivity=False)
    b = rk.simulate(named, 500, sensitivity=False)
    assert np.array_equal(a.project_finish, b.project_finish)
    assert a.criticality == b.criticality


DATA_DATE = D(2027, 2, 1)


def progress_network(data_date=DATA_DATE):
    # a 10d done (Jan 4 – Jan 15), b in progress (started Jan 18), c not started
    tasks = [
        dataclasses.replace(
            task("a", {"dist": "uniform", "min": 5, "max": 15}),
            actual_start=D(2027, 1, 4),
            actual_finish=D(2027, 1, 15),
        ),
        dataclasses.replace(
            task("b", {"dist": "uniform", "min": 5, "max": 15}, ["a"]),
            actual_start=D(2027, 1, 18),
            remaining=rk.parse_distribution({"dist": "uniform", "min": 2, "max": 6}),
        ),
        task("c", {"dist": "uniform", "min": 1, "max": 3}, ["b"]),
        task("d", 2),  # no predecessor, not started: waits for the data date
    ]
    ms = [(t.id, [t.id]) for t in tasks]
    return dataclasses.replace(
        scenario(tasks, ms, start=START, iterations=2000), data_date=data_date
    )


def test_finished_tasks_keep_their_actual_dates_in_every_iteration():
    r = rk.simulate(progress_network(), sensitivity=False)
    a = r.times["a"]
    assert np.all(a == a[0])
    assert r.milestones["a"].dates == {k: "2027-01-15" for k in r.milestones["a"].dates}
    assert r.task_dates["a"]["P10"] == r.task_dates["a"]["P90"] == "2027-01-15"
    assert r.criticality["a"] == 0.0  # finished work is never critical
    # b: remaining 2–6 days from Mon 1 Feb → finishes between Tue 2 and Mon 8 Feb
    b_dates = r.timeline.finish_dates(r.times["b"])
    assert b_dates.min() >= np.datetime64("2027-02-02")
    assert b_dates.max() <= np.datetime64("2027-02-08")
    # d cannot start before the data date
    assert r.milestones["d"].dates["P50"] == "2027-02-02"


def test_in_progress_without_remaining_needs_its_duration_less_the_elapsed_days():
    sc = progress_network()
    b = dataclasses.replace(sc.tasks[1], remaining=None)
    sc = dataclasses.replace(sc, tasks=(sc.tasks[0], b, *sc.tasks[2:]))
    r = rk.simulate(sc, sensitivity=False)
    # started Mon 18 Jan: 10 working days elapsed by the data date (Mon 1 Feb); a
    # duration of 5–15 leaves 0–5 days, so b finishes at the data date at the earliest
    t = r.timeline
    days = t.to_project_days(r.times["b"]) - t.to_project_days(t.start_of(D(2027, 1, 18)))
    durs = np.array([naive.durations(sc, sc.simulation.seed, i)[0]["b"] for i in range(50)])
    want = np.maximum(durs, 10.0)
    assert days[:50] == pytest.approx(want, abs=1e-9)


# The canonical form of the calendars issue, verbatim (the README shows it too).
CANONICAL = """\
start: 2027-01-04
calendar: standard                       # project default
calendars:
  standard: {workdays: [Mon, Tue, Wed, Thu, Fri], holidays: [2027-04-02, 2027-04-05]}
  site: {workdays: [Mon, Tue, Wed, Thu, Fri, Sat], holidays: [2027-04-05]}
tasks:
  - id: pour
    calendar: site
    duration: {dist: pert, min: 4, mode: 5, max: 9}
    cost: {fixed: 12000, per_day: 1500}  # either may be a number or a distribution
    constraint: {start_no_earlier_than: 2027-02-01}
status:
  data_date: 2027-03-01                  # optional: a project in progress
finish_by: 2027-09-30                    # optional: the date it must finish by
# task fields for progress: actual_start, actual_finish, remaining (a distribution)
"""


def test_canonical_form_loads_and_runs(tmp_path):
    path = tmp_path / "canonical.yaml"
    path.write_text(CANONICAL)
    sc = rk.load_scenario(path)
    r = rk.simulate(sc, 4000, sensitivity=False)
    # nothing starts before the data date (Mon 1 Mar); pour takes 4–9 site days (Mon–Sat)
    assert r.task_dates["pour"]["P10"] >= "2027-03-04"
    assert r.task_dates["pour"]["P90"] <= "2027-03-10"
    # mean cost = 12,000 + 1,500 × E[PERT(4, 5, 9)] = 12,000 + 1,500 × 5.5
    se = r.cost.sd / np.sqrt(4000)
    assert abs(r.cost.mean - (12_000 + 1_500 * 5.5)) < 3 * se
    assert r.cost.deterministic == 12_000 + 1_500 * 5
    assert sc.finish_by == D(2027, 9, 30)
    # pour's plan: Mon 1 Mar to Sat 6 Mar (5 site days); its float to Thu 30 Sep
    assert rk.schedule_table(sc).loc["pour", "late_finish"].date() == D(2027, 9, 30)


def test_timeline_maps_dates_and_times():
    sc = with_calendars(scenario([on(task("a", 1), "site")], start=START))
    tl = build_timeline(sc)
    # site works Saturdays, so the union axis has Mon–Sat; standard skips Fri 15 Jan
    assert tl.index == {"standard": 0, "site": -1}
    assert str(tl.days[5]) == "2027-01-09"
    assert tl.end_of(D(2027, 1, 8)) == 5.0
    assert tl.start_of(D(2027, 1, 10)) == 6.0  # a Sunday: the next union day, Monday
    assert tl.to_project_days(np.array([6.0]))[0] == 5.0  # Saturday is not standard work
    assert tl.from_project_days(5.0) == 6.0


def test_task_finish_dates_equal_the_exact_order_statistics(monkeypatch):
    """Per-task dates come from windowed day counts sized by a pilot run; a rare long
    tail outside the pilot's window forces an exact recount (seeds 2 and 3 here). Either
    way each task's dates equal those of a milestone on that task (stored finishes)."""
    from riskengine.engine import simulation as engine

    windows = []
    real = engine.run_kernel

    def spy(*args, **kw):
        windows.append(kw.get("finish_window"))
        return real(*args, **kw)

    monkeypatch.setattr(engine, "run_kernel", spy)
    tail = {"dist": "discrete", "values": [3, 400], "weights": [0.9995, 0.0005]}
    tasks = [
        on(task("a", {"dist": "uniform", "min": 2, "max": 9}), "site"),
        task("b", tail, ["a"]),
        task("c", {"dist": "triangular", "min": 1, "mode": 2, "max": 30}, ["a"]),
        on(task("d", 4, [Link("b", "FF", 2), "c"]), "site"),
    ]
    sc = with_calendars(scenario(tasks, [(t.id, [t.id]) for t in tasks], start=START))
    recounts = []
    for seed in (1, 2, 3, 4):
        windows.clear()
        r = rk.simulate(sc, 3000, seed, (10, 50, 80, 100), sensitivity=False, drivers=False)
        recounts.append(len(windows) == 3)  # pilot, run, recount
        for t in tasks:
            assert r.task_dates[t.id] == r.milestones[t.id].dates, (seed, t.id)
    assert recounts == [False, True, True, False]


def test_finish_day_window_exactness_check():
    from riskengine.engine.runner import FinishDays

    counts = np.array([[2, 3, 5]])
    inside = FinishDays(counts, np.array([10]), np.array([10]), np.array([12]))
    assert inside.exact(np.array([1, 10]))
    spill = FinishDays(counts, np.array([10]), np.array([10]), np.array([40]))
    assert spill.exact(np.array([1, 5]))  # ranks 1–5 land in days 10–11: exact
    assert not spill.exact(np.array([6]))  # rank 6 lands in the end bin with day 40
    under = FinishDays(counts, np.array([10]), np.array([3]), np.array([12]))
    assert not under.exact(np.array([1]))


def naive_inputs(sc):
    """What the naive calendar reference needs of ``sc`` (its calendars, from START): the
    calendars, the tasks in topological order with their links, each task's calendar
    and each start-no-earlier-than in days from the start."""
    union = naive.merged_window([c.day for c in sc.calendars])
    cals = {c.id: naive_calendar(c, union) for c in sc.calendars}
    order = [sc.tasks[i] for i in topological_order(sc)]
    spec = [(t.id, [(lk.task, lk.type, lk.lag) for lk in t.predecessors]) for t in order]
    cal_of = {t.id: cals[t.calendar] for t in sc.tasks}
    earliest = {
        t.id: float((t.start_no_earlier_than - START).days)
        for t in sc.tasks
        if t.start_no_earlier_than
    }
    return cals, spec, cal_of, earliest


def runs_by_thread_count(sc, seed):
    """``sc`` simulated on one thread and on every thread numba has (bit-identity)."""
    import numba

    before = numba.get_num_threads()
    runs = []
    try:
        for threads in (1, numba.config.NUMBA_NUM_THREADS):
            numba.set_num_threads(threads)
            runs.append(rk.simulate(sc, seed=seed, sensitivity=False, drivers=False))
    finally:
        numba.set_num_threads(before)
    return runs


def milestone_ids(sc):
    """The tasks the kernel dates as finish milestones (whose date is where the work
    before them ends): finish milestones and tasks of a duration fixed at 0 that are
    not start milestones."""
    return {
        t.id
        for t in sc.tasks
        if t.milestone == "finish"
        or (t.milestone is None and t.duration.kind == "fixed" and t.duration.params["value"] == 0)
    }


def naive_calendar(c, union):
    """The naive reference's calendar of Calendar ``c`` (from START), its clock window
    against the ``union`` of every calendar's."""
    return naive.NaiveCalendar(
        START,
        c.workdays,
        c.holidays,
        c.extra_workdays,
        hours=dict(c.hours),
        partial=dict(c.partial_days),
        hours_per_day=c.hours_per_day,
        window=c.day,
        union=union,
    )


def lag_calendar_of(sc, cals, cal_of):
    """The naive reference's ``lag_cal`` for ``sc.lag_calendar`` (None: the successor's)."""
    full = naive.NaiveCalendar(START, range(7))
    return {
        "successor": None,
        "predecessor": lambda p, s: cal_of[p],
        "project": lambda p, s: cals["standard"],
        "24-hour": lambda p, s: full,
    }[sc.lag_calendar]


def assert_matches_naive(sc, ms, seed, iterations, **naive_kw):
    """Simulate ``sc`` (on CALENDARS from START) and check every iteration's milestone
    and project finishes, and the criticality counts, against ``naive.cpm_calendars``
    with ``naive_kw`` (constraints, hammocks; ``hard`` follows the scenario's policy and
    the lag calendar its ``lag_calendar``). Returns the naive criticality counts."""
    r = rk.simulate(sc, seed=seed, sensitivity=False, drivers=False)
    cals, spec, cal_of, earliest = naive_inputs(sc)
    project = cals["standard"]
    lag_cal = lag_calendar_of(sc, cals, cal_of)
    hard = sc.simulation.constraints == "hard"
    counts = dict.fromkeys(cal_of, 0)
    for it in range(iterations):
        durs, _ = naive.durations(sc, seed, it)
        es, ef, m_fin, finish, crit = naive.cpm_calendars(
            spec,
            durs,
            ms,
            cal_of,
            earliest,
            hard=hard,
            lag_cal=lag_cal,
            milestone_ids=milestone_ids(sc),
            **naive_kw,
        )
        for m, t in [*m_fin.items(), ("project", finish)]:
            days = r.finishes[m][it] if m != "project" else r.project_finish[it]
            assert days == pytest.approx(project.pos(t), abs=1e-9), (m, it)
        for tid in crit:
            counts[tid] += 1
    assert {t: round(c * iterations) for t, c in r.criticality.items()} == counts
    return counts
