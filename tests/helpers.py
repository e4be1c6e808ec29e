"""Small builders shared by the tests."""

from __future__ import annotations

from riskengine.model.distributions import parse_distribution
from riskengine.model.scenario import (
    Distribution,
    Link,
    Milestone,
    Scenario,
    SimulationSettings,
    Task,
)


def task(tid: str, duration, preds=(), name: str = "") -> Task:
    links = tuple(
        p if isinstance(p, Link) else Link(*p) if isinstance(p, tuple) else Link(p) for p in preds
    )
    d = duration if isinstance(duration, Distribution) else parse_distribution(duration)
    return Task(id=tid, duration=d, name=name, predecessors=links)


def scenario(tasks, milestones=(), iterations=1000, seed=1, start=None) -> Scenario:
    ms = tuple(
        m
        if isinstance(m, Milestone)
        else Milestone(id=m[0], after=tuple(m[1]), target=(m[2] if len(m) > 2 else None))
        for m in milestones
    )
    return Scenario(
        name="test",
        tasks=tuple(tasks),
        milestones=ms,
        start=start,
        simulation=SimulationSettings(iterations=iterations, seed=seed),
    )
