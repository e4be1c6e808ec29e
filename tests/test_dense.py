"""Dense networks: the links a finish-to-start path already implies are left out of the
compiled network, and every result stays the same, bit for bit."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import random

import numpy as np
import pytest

import riskengine as rk
from riskengine.engine import compile as compiler
from riskengine.model.scenario import (
    Calendar,
    Cost,
    Impact,
    Link,
    Milestone,
    Risk,
    Scenario,
    Task,
)

D = rk.parse_distribution


def dense(seed: int, n: int = 120, per_task: int = 8, *, extras: bool = True) -> Scenario:
    """A random network with ``per_task`` links a task, most of them implied by others;
    with ``extras`` leads and lags, SS/FF links, existence, a constraint, risks, costs,
    milestones with targets and a start (one calendar: times are union days)."""
    rng = random.Random(seed)
    ids = [f"a{i}" for i in range(n)]
    tasks = []
    for i in range(n):
        links = []
        for p in sorted(rng.sample(range(max(0, i - 30), i), min(i, per_task))):
            kind = rng.choice(["FS"] * 8 + ["SS", "FF"]) if extras else "FS"
            lag = rng.choice([0.0] * 8 + [2.0, -1.0]) if extras else 0.0
            links.append(Link(ids[p], kind, lag))
        extra: dict = {}
        if extras and rng.random() < 0.05:
            extra["existence"] = 0.7
        if extras and rng.random() < 0.03:
            extra["start_no_earlier_than"] = _dt.date(2027, 2, 1)
        if extras and rng.random() < 0.1:
            extra["cost"] = Cost(per_day=D([100, 200, 400]))
        d = rng.randint(1, 10)
        dur = D({"dist": "pert", "min": 0.8 * d, "mode": d, "max": 1.5 * d})
        tasks.append(Task(ids[i], dur, predecessors=tuple(links), **extra))
    risks = ()
    milestones = (Milestone("mid", (ids[n // 2],), target=60.0),)
    if extras:
        risks = tuple(
            Risk(f"r{j}", 0.3, (Impact(rng.choice(ids), delay=D([1, 4, 9])),)) for j in range(4)
        )
        milestones += (Milestone("late", (ids[-1], ids[-5]), target_date=_dt.date(2027, 9, 1)),)
    return Scenario(
        name=f"dense {seed}",
        tasks=tuple(tasks),
        milestones=milestones,
        start=_dt.date(2027, 1, 4) if extras else None,
        risks=risks,
    )


def unpruned(sc: Scenario, monkeypatch) -> rk.CompiledNetwork:
    with monkeypatch.context() as m:
        m.setattr(compiler, "DENSE", float("inf"))
        return compiler.compile_network(dataclasses.replace(sc))


@pytest.mark.parametrize("seed,extras", [(0, False), (1, True), (2, True), (3, True)])
def test_implied_links_are_dropped_and_nothing_changes(seed, extras, monkeypatch):
    sc = dense(seed, extras=extras)
    full = unpruned(sc, monkeypatch)
    net = compiler.compile_network(sc)
    assert net.n_links < 0.8 * full.n_links  # many links were implied
    for a, b in [(net, full)]:
        for kw in ({}, {"mitigated": True}):
            r = rk.simulate(sc, 2000, 5, network=a, **kw)
            s = rk.simulate(sc, 2000, 5, network=b, **kw)
            for mid in [*r.milestones, "project"]:
                x = r.project_finish if mid == "project" else r.finishes[mid]
                y = s.project_finish if mid == "project" else s.finishes[mid]
                assert x.tobytes() == y.tobytes()
            assert r.criticality == s.criticality
            assert r.milestone_criticality == s.milestone_criticality
            assert r.sensitivity == s.sensitivity and r.drivers == s.drivers
            for k in r.costs or {}:
                assert r.costs[k].tobytes() == s.costs[k].tobytes()
            assert r.task_dates == s.task_dates and r.task_costs == s.task_costs


def test_links_into_or_out_of_special_tasks_are_kept(monkeypatch):
    """Only plain tasks' links are left out: a link from or to a task on its own
    calendar or with a possibly negative duration stays, and so do those of a network
    whose project calendar is not the union of its calendars (every task converts)."""
    sc = dense(4, extras=False)
    six = Calendar("six", workdays=(0, 1, 2, 3, 4, 5))
    odd = {
        "a50": {"calendar": "office"},  # Mon-Fri in a Mon-Sat project: converts
        "a60": {"duration": rk.Distribution("fixed", {"value": -1})},
    }
    tasks = tuple(dataclasses.replace(t, **odd.get(t.id, {})) for t in sc.tasks)
    cals = (six, Calendar("office"))
    sc = dataclasses.replace(sc, tasks=tasks, start=_dt.date(2027, 1, 4), calendars=cals)
    full = unpruned(sc, monkeypatch)
    net = compiler.compile_network(sc)
    assert net.n_links < full.n_links
    for tid in odd:
        k = net.task_ids.index(tid)
        assert np.array_equal(
            net.pred_gather[net.pred_ptr[k] : net.pred_ptr[k + 1]],
            full.pred_gather[full.pred_ptr[k] : full.pred_ptr[k + 1]],
        )
        mine = np.flatnonzero((net.pred_gather >> 1) == k).size
        assert mine == np.flatnonzero((full.pred_gather >> 1) == k).size
    r = rk.simulate(sc, 1000, 2, network=net, sensitivity=False)
    s = rk.simulate(sc, 1000, 2, network=full, sensitivity=False)
    assert r.project_finish.tobytes() == s.project_finish.tobytes()
    assert r.criticality == s.criticality


def test_a_network_on_two_calendars_keeps_every_link(monkeypatch):
    sc = dense(6)
    cals = (Calendar("office"), Calendar("six", workdays=(0, 1, 2, 3, 4, 5)))
    tasks = (dataclasses.replace(sc.tasks[0], calendar="six"), *sc.tasks[1:])
    sc = dataclasses.replace(sc, tasks=tasks, calendars=cals, calendar="office")
    assert compiler.compile_network(sc).n_links == unpruned(sc, monkeypatch).n_links


def test_sparse_networks_keep_every_link(monkeypatch):
    sc = dense(5, per_task=3, extras=False)
    assert compiler.compile_network(sc).n_links == unpruned(sc, monkeypatch).n_links
