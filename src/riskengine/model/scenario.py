"""Plain, frozen model objects. The model knows nothing of numba or files."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from riskengine.model.distributions import Distribution, parse_distribution

LINK_TYPES = ("FS", "SS", "FF", "SF")
DEFAULT_PERCENTILES = (10.0, 50.0, 80.0, 90.0)
DEFAULT_ITERATIONS = 10_000
MAX_ITERATIONS = 10_000_000  # per run; P-values settle long before (see README, Limits)
DEFAULT_SEED = 1

# what a scenario file may write for a distribution: {dist: …}, a number, [min, mode, max]
_SPECS = (Mapping, list, tuple, int, float)
_PARSED = frozenset({Distribution, type(None)})


def from_spec(value: Any, field: str, *, signed: bool = False) -> Any:
    """``value`` as its :class:`Distribution` if it is a distribution spec as a scenario
    file writes it, so ``Task("A", duration=[2, 3, 6])`` works as the file does; any other
    value as given: :func:`riskengine.model.validate.validate` reports a wrong type (text,
    say) as it always has. ``signed`` allows negative values (impacts, costs), as the
    loader does; ``field`` names the value in an error (``tasks[A].duration``)."""
    if isinstance(value, _SPECS):
        return parse_distribution(value, field, signed=signed)
    return value


def parse_specs(obj: object, where: str, names: tuple[str, ...], *, signed: bool) -> None:
    """:func:`from_spec` on the fields ``names`` of the frozen dataclass ``obj``, in place
    (from its ``__post_init__``); ``where`` names ``obj`` in errors."""
    for name in names:
        value = getattr(obj, name)
        parsed = from_spec(value, f"{where}.{name}", signed=signed)
        if parsed is not value:
            object.__setattr__(obj, name, parsed)


@dataclass(frozen=True)
class Link:
    """A dependency of the owning task on ``task``: ``type`` FS, SS, FF or SF, lag in days."""

    task: str
    type: str = "FS"
    lag: float = 0.0


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Calendar:
    """Working days: ``workdays`` (0 = Monday … 6 = Sunday), minus ``holidays``, plus
    ``extra_workdays`` (e.g. a worked Saturday)."""

    id: str
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: tuple[_dt.date, ...] = ()
    extra_workdays: tuple[_dt.date, ...] = ()


STANDARD_CALENDAR = Calendar("standard")  # Monday–Friday: the default when none is given


@dataclass(frozen=True)
class Cost:
    """Cost of a task or a project cost item: ``fixed`` plus ``per_day`` times the working
    duration (the task's sampled duration; for a project item, the project's duration in
    working days of the project calendar). Either part is a Distribution, a spec as a
    scenario file writes it (``5000``, ``[min, mode, max]``, ``{"dist": ...}``) or None."""

    fixed: Distribution | None = None
    per_day: Distribution | None = None

    def __post_init__(self) -> None:
        # loaded models hold Distributions already: one set lookup each, no call
        if self.fixed.__class__ not in _PARSED or self.per_day.__class__ not in _PARSED:
            parse_specs(self, "cost", ("fixed", "per_day"), signed=True)


@dataclass(frozen=True)
class CostItem:
    """A project-level cost, e.g. overhead per working day of the project's duration.

    By default the duration runs from the scenario's start to the project finish, in
    working days of the project calendar. In a portfolio each project's items keep to
    their own project (set by :func:`riskengine.portfolio.composition.compose`): ``span`` lists the
    tasks whose latest finish ends the item's duration, ``span_calendar`` the calendar
    whose working days count and ``span_start`` the date it starts from (None: the start).
    """

    id: str
    cost: Cost
    name: str = ""
    group: str = ""
    span: tuple[str, ...] = ()
    span_calendar: str | None = None
    span_start: _dt.date | None = None


@dataclass(frozen=True)
class Task:
    """``existence`` is the probability that the task happens in an iteration: where it
    does not, it takes no time and costs nothing (its successors still wait on its
    predecessors).

    ``calendar`` names one of the scenario's calendars (None: the project calendar);
    ``start_no_earlier_than`` is a date constraint; ``group`` (e.g. a WBS code) groups
    costs. Progress at the scenario's data date: ``actual_start`` and ``actual_finish``
    (a finished task), or ``actual_start`` and optionally ``remaining`` (work in progress;
    without ``remaining`` it needs its duration less the working days already elapsed).

    ``duration`` and ``remaining`` take a :class:`Distribution` or a spec as a scenario
    file writes it (``{"dist": "pert", ...}``, a number, ``[min, mode, max]``), parsed when
    the task is built: ``Task("A", duration=[2, 3, 6])``.
    """

    id: str
    duration: Distribution
    name: str = ""
    predecessors: tuple[Link, ...] = ()
    existence: float = 1.0
    calendar: str | None = None
    cost: Cost | None = None
    group: str = ""
    start_no_earlier_than: _dt.date | None = None
    actual_start: _dt.date | None = None
    actual_finish: _dt.date | None = None
    remaining: Distribution | None = None

    def __post_init__(self) -> None:
        # a loaded task holds a Distribution already: one class check, no call (the
        # loader builds 100,000 of them)
        if self.duration.__class__ is not Distribution or self.remaining is not None:
            parse_specs(self, f"tasks[{self.id}]", ("duration", "remaining"), signed=False)


@dataclass(frozen=True)
class Impact:
    """What a risk does to one task when it occurs: working days added (``delay``), a
    percentage of the task's sampled duration added (``delay_pct``), and money
    (``cost``, used once costs exist). Negative values are opportunities. Each part is a
    Distribution, a spec as a scenario file writes it, or None."""

    task: str
    delay: Distribution | None = None
    delay_pct: Distribution | None = None
    cost: Distribution | None = None

    def __post_init__(self) -> None:
        if (
            self.delay.__class__ not in _PARSED
            or self.delay_pct.__class__ not in _PARSED
            or self.cost.__class__ not in _PARSED
        ):
            parse_specs(self, f"impacts[{self.task}]", ("delay", "delay_pct", "cost"), signed=True)


@dataclass(frozen=True)
class Mitigation:
    """The risk after mitigation: ``probability`` (None: unchanged) and impacts that
    replace the pre-mitigation impact on the same task; ``cost`` is the action's cost."""

    cost: float = 0.0
    probability: float | None = None
    impacts: tuple[Impact, ...] = ()


@dataclass(frozen=True)
class Risk:
    """A risk-register entry: one occurrence draw per iteration applies to all impacts."""

    id: str
    probability: float
    impacts: tuple[Impact, ...]
    name: str = ""
    owner: str = ""
    category: str = ""
    mitigation: Mitigation | None = None

    def state(self, mitigated: bool) -> tuple[float, tuple[Impact, ...]]:
        """Probability and impacts before or after mitigation; impact order is kept, so
        each impact keeps its random draws (common random numbers)."""
        if not mitigated or self.mitigation is None:
            return self.probability, self.impacts
        m = self.mitigation
        override = {i.task: i for i in m.impacts}
        impacts = tuple(override.get(i.task, i) for i in self.impacts)
        p = self.probability if m.probability is None else m.probability
        return p, impacts


@dataclass(frozen=True)
class Milestone:
    """Reached when every task in ``after`` has finished.

    ``target`` is in working days of the project calendar from the start; or
    ``target_date``, a date (finishing on or before that day meets it).
    """

    id: str
    after: tuple[str, ...]
    name: str = ""
    target: float | None = None
    target_date: _dt.date | None = None


@dataclass(frozen=True)
class Correlation:
    """Target rank (Spearman) correlation between task durations: one ``coefficient``
    for every pair of ``tasks`` (a pair or a group), or a full ``matrix`` in their order.
    With ``risks`` instead of tasks, the delay draws of those risks' impacts are
    correlated (a coefficient for every pair of them)."""

    tasks: tuple[str, ...] = ()
    coefficient: float | None = None
    matrix: tuple[tuple[float, ...], ...] | None = None
    risks: tuple[str, ...] = ()


@dataclass(frozen=True)
class SimulationSettings:
    iterations: int = DEFAULT_ITERATIONS
    seed: int = DEFAULT_SEED
    percentiles: tuple[float, ...] = DEFAULT_PERCENTILES
    sampling: str = "monte-carlo"  # or "lhs" (Latin hypercube)


@dataclass(frozen=True)
class Scenario:
    """One project: its task network, milestones and simulation settings.

    ``calendar`` names the project calendar among ``calendars`` (None: the first one, or
    Monday–Friday when there are none); ``data_date`` marks a project in progress;
    ``costs`` are project-level cost items; ``inputs`` names the files it was read from,
    which no output may overwrite."""

    name: str
    tasks: tuple[Task, ...]
    milestones: tuple[Milestone, ...] = ()
    start: _dt.date | None = None
    simulation: SimulationSettings = SimulationSettings()
    source: str | None = None
    risks: tuple[Risk, ...] = ()
    correlations: tuple[Correlation, ...] = ()
    calendars: tuple[Calendar, ...] = ()
    calendar: str | None = None
    data_date: _dt.date | None = None
    costs: tuple[CostItem, ...] = ()
    inputs: tuple[str, ...] = ()  # every file it was read from (the scenario, its register)

    def project_calendar(self) -> Calendar:
        if not self.calendars:
            return STANDARD_CALENDAR
        if self.calendar is None:
            return self.calendars[0]
        for c in self.calendars:
            if c.id == self.calendar:
                return c
        raise KeyError(self.calendar)

    def task(self, task_id: str) -> Task:
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise KeyError(task_id)
