"""Plain, frozen model objects. The model knows nothing of numba or files."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

LINK_TYPES = ("FS", "SS", "FF", "SF")
DEFAULT_PERCENTILES = (10.0, 50.0, 80.0, 90.0)
DEFAULT_ITERATIONS = 10_000
DEFAULT_SEED = 1


@dataclass(frozen=True)
class Distribution:
    """An uncertain quantity, e.g. ``Distribution("pert", {"min": 2, "mode": 4, "max": 9})``.

    Build them with :func:`riskengine.distributions.parse_distribution`, which validates
    the parameters and fills derived ones (``lambda`` for PERT, ``min``/``max`` for
    trigen, ``mu``/``sigma`` for lognormal).
    """

    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    """A dependency of the owning task on ``task``: ``type`` FS, SS, FF or SF, lag in days."""

    task: str
    type: str = "FS"
    lag: float = 0.0


@dataclass(frozen=True)
class Task:
    id: str
    duration: Distribution
    name: str = ""
    predecessors: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Milestone:
    """Reached when every task in ``after`` has finished.

    ``target`` is in working days from the start; ``target_date`` keeps the date the user
    wrote, when they wrote one.
    """

    id: str
    after: tuple[str, ...]
    name: str = ""
    target: float | None = None
    target_date: _dt.date | None = None


@dataclass(frozen=True)
class SimulationSettings:
    iterations: int = DEFAULT_ITERATIONS
    seed: int = DEFAULT_SEED
    percentiles: tuple[float, ...] = DEFAULT_PERCENTILES


@dataclass(frozen=True)
class Scenario:
    """One project: its task network, milestones and simulation settings."""

    name: str
    tasks: tuple[Task, ...]
    milestones: tuple[Milestone, ...] = ()
    start: _dt.date | None = None
    simulation: SimulationSettings = SimulationSettings()
    source: str | None = None

    def task(self, task_id: str) -> Task:
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise KeyError(task_id)
