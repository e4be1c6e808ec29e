"""Property-based checks of the CPM kernel on networks that hypothesis invents."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive
import riskengine as rk
from helpers import scenario, task
from riskengine.model.scenario import Link

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def networks(draw, types=("FS", "SS", "FF", "SF")):
    n = draw(st.integers(1, 12))
    durations = draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))
    tasks = []
    for i in range(n):
        preds = []
        if i:
            for p in draw(st.sets(st.integers(0, i - 1), max_size=3)):
                kind = draw(st.sampled_from(types))
                lag = draw(st.integers(-4, 6))
                preds.append(Link(f"t{p}", kind, float(lag)))
        tasks.append(task(f"t{i}", durations[i], preds))
    ms_tasks = draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=4))
    return scenario(tasks, [("m", [f"t{i}" for i in sorted(ms_tasks)])], iterations=5)


def naive_fixed(sc):
    tasks = [(t.id, [(lk.task, lk.type, lk.lag) for lk in t.predecessors]) for t in sc.tasks]
    durations = {t.id: t.duration.params["value"] for t in sc.tasks}
    ms = [(m.id, m.after) for m in sc.milestones]
    return naive.cpm(tasks, durations, ms)


@SETTINGS
@given(networks())
def test_fixed_networks_match_the_textbook_passes(sc):
    r = rk.simulate(sc, iterations=5)
    _, _, ms, finish, critical = naive_fixed(sc)
    assert np.all(r.finishes["m"] == ms["m"])
    assert np.all(r.project_finish == finish)
    assert {t for t, c in r.criticality.items() if c == 1.0} == critical
    assert all(c in (0.0, 1.0) for c in r.criticality.values())
    assert critical  # some task always drives the project finish


@SETTINGS
@given(networks(types=("FS", "FF")), st.data())
def test_longer_tasks_never_finish_milestones_earlier_with_fs_ff_links(sc, data):
    # With only FS and FF links every finish is non-decreasing in every duration. (SS and
    # SF links break this: a finish-constrained task that lasts longer starts earlier.)
    i = data.draw(st.integers(0, len(sc.tasks) - 1))
    extra = data.draw(st.integers(1, 5))
    t = sc.tasks[i]
    longer = task(t.id, t.duration.params["value"] + extra, t.predecessors)
    sc2 = rk.Scenario(
        name="longer",
        tasks=sc.tasks[:i] + (longer,) + sc.tasks[i + 1 :],
        milestones=sc.milestones,
        simulation=sc.simulation,
    )
    before = rk.simulate(sc, iterations=4, criticality=False)
    after = rk.simulate(sc2, iterations=4, criticality=False)
    assert np.all(after.finishes["m"] >= before.finishes["m"])
    assert np.all(after.project_finish >= before.project_finish)


@SETTINGS
@given(networks(), st.integers(0, 2**64 - 1))
def test_milestones_never_finish_after_the_project(sc, seed):
    r = rk.simulate(sc, iterations=9, seed=seed)
    assert np.all(r.finishes["m"] <= r.project_finish)
