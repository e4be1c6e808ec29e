"""Plain, frozen model objects. The model knows nothing of numba or files."""

from __future__ import annotations

import collections
import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from riskengine.errors import ScenarioError
from riskengine.model.distributions import Distribution, Units, parse_distribution

LINK_TYPES = ("FS", "SS", "FF", "SF")
MILESTONE_KINDS = ("start", "finish")
# Task.type: a plain task, a level of effort (P6's hammock) or a WBS summary
TASK_TYPES = ("task", "level-of-effort", "wbs-summary")
LEVEL_OF_EFFORT, WBS_SUMMARY = TASK_TYPES[1:]
PROGRESS_LOGIC = ("retained", "override")  # what work in progress waits for
# the calendar a link's lag counts on (P6's scheduling option; the successor's by default)
LAG_CALENDARS = ("successor", "predecessor", "project", "24-hour")
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
    """A dependency of the owning task on ``task``: ``type`` FS, SS, FF or SF, lag in days.

    Parameters
    ----------
    task : str
        The id of the predecessor.
    type : {"FS", "SS", "FF", "SF"}, default "FS"
        Finish-to-start (the task starts after the predecessor finishes, plus the lag),
        start-to-start, finish-to-finish or start-to-finish.
    lag : float, default 0.0
        Working days of the owning task's calendar; a negative lag is a lead.
    """

    task: str
    type: str = "FS"
    lag: float = 0.0


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_DAY = ((8.0, 12.0), (13.0, 17.0))  # 08:00-12:00,13:00-17:00: eight hours


@dataclass(frozen=True)
class Calendar:
    """A calendar of working days.

    Working days: ``workdays`` (0 = Monday … 6 = Sunday), minus ``holidays``, plus
    ``extra_workdays`` (e.g. a worked Saturday). Working hours convert durations written
    in hours or weeks into working days (:func:`calendar_units`); the clock window ``day``
    places a time of day within a working day (:func:`day_fraction`).

    Parameters
    ----------
    id : str
        The name tasks and the scenario use to refer to it.
    workdays : tuple of int, default (0, 1, 2, 3, 4)
        Weekdays worked, 0 = Monday … 6 = Sunday (Monday to Friday by default).
    holidays : tuple of datetime.date, default ()
        Dates not worked although their weekday is.
    extra_workdays : tuple of datetime.date, default ()
        Dates worked although their weekday is not.
    hours_per_day : float, default 8.0
        Working hours of a working day: ``16h`` is 2 working days.
    hours : tuple of (int, float), default ()
        Working hours of some weekdays, e.g. ``((4, 6.0),)`` for 6 hours on Fridays
        (others: ``hours_per_day``). A working day (the unit of durations) is the usual
        day's hours (:func:`day_hours`); a day of other hours counts as that share of one.
    day : tuple of (float, float), default ((8.0, 12.0), (13.0, 17.0))
        The clock window of a working day: periods worked, in hours from midnight, in
        order. A time of day in a date counts the fraction of these hours worked by then.
    partial_days : tuple of (datetime.date, float), default ()
        Dates worked for other hours than their weekday's (more than 0, at most 24),
        e.g. a half day on Christmas Eve: ``((date(2027, 12, 24), 4.0),)``.
    """

    id: str
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: tuple[_dt.date, ...] = ()
    extra_workdays: tuple[_dt.date, ...] = ()
    hours_per_day: float = 8.0
    hours: tuple[tuple[int, float], ...] = ()
    day: tuple[tuple[float, float], ...] = DEFAULT_DAY
    partial_days: tuple[tuple[_dt.date, float], ...] = ()


STANDARD_CALENDAR = Calendar("standard")  # Monday–Friday: the default when none is given
# every hour of every day: the calendar of lags with ``lag_calendar: 24-hour`` (its id
# cannot clash with a scenario's: ids have no spaces)
FULL_DAY_CALENDAR = Calendar("24 hours", workdays=tuple(range(7)), hours_per_day=24.0)


def weekday_hours(cal: Calendar) -> tuple[float, ...]:
    """Working hours of each weekday (0 = Monday … 6 = Sunday; 0 for one not worked):
    its ``hours`` entry, else ``hours_per_day``."""
    by_day = dict(cal.hours)
    return tuple(by_day.get(d, cal.hours_per_day) if d in cal.workdays else 0.0 for d in range(7))


def day_hours(cal: Calendar) -> float:
    """Hours of the calendar's usual working day, the unit its durations count in: the
    hours most of its working weekdays work (of equally common ones, the longest);
    ``hours_per_day`` when it works no weekday. A day of other hours (a short Friday, a
    partial day) is that share of a working day."""
    worked = [h for h in weekday_hours(cal) if h > 0]
    if not worked:
        return float(cal.hours_per_day)
    counts = collections.Counter(worked)
    return float(max(counts, key=lambda h: (counts[h], h)))


def calendar_units(cal: Calendar, field: str) -> Units:
    """How durations written in weeks and hours convert to working days of ``cal``: an
    hour is ``1 / day_hours(cal)`` of a working day, a week its weekly hours over that.

    Raises ScenarioError (``field``, e.g. ``calendars.site.hours``) when ``hours`` names
    a weekday it never works, whose hours would be silently unused."""
    by_day = dict(cal.hours)
    worked = set(cal.workdays)
    worked.update(d.weekday() for d in cal.extra_workdays if isinstance(d, _dt.date))
    unworked = sorted(set(by_day) - worked)
    if unworked:
        raise ScenarioError(
            f"calendar {cal.id!r} gives hours for {WEEKDAYS[unworked[0]]}, which it never works"
            " (add it to workdays or remove its hours)",
            field=field,
        )
    unit = day_hours(cal)
    return Units(days_per_week=sum(weekday_hours(cal)) / unit, hours_per_day=unit)


def day_fraction(cal: Calendar, moment: _dt.datetime) -> float:
    """The fraction of a working day of ``cal`` worked by the time of day of ``moment``:
    the hours of its clock window ``day`` before that time over all of them (0 before
    the window opens, 1 after it closes; 12:30 is 0.5 of 08:00-12:00,13:00-17:00)."""
    clock = moment.hour + moment.minute / 60 + (moment.second + moment.microsecond / 1e6) / 3600
    total = sum(end - begin for begin, end in cal.day)
    done = sum(min(max(clock - begin, 0.0), end - begin) for begin, end in cal.day)
    return done / total


@dataclass(frozen=True)
class Cost:
    """Cost of a task or a project cost item: ``fixed`` plus ``per_day`` times a duration.

    The duration is the working duration: the task's sampled duration; for a project
    item, the project's duration in working days of the project calendar. Either part is
    a Distribution, a spec as a scenario file writes it (``5000``, ``[min, mode, max]``,
    ``{"dist": ...}``) or None.

    Parameters
    ----------
    fixed : Distribution, spec or None, default None
        Money once per iteration.
    per_day : Distribution, spec or None, default None
        Money per working day of the duration.

    Raises
    ------
    ScenarioError
        If a spec is invalid (field ``cost.fixed`` or ``cost.per_day``). A negative part
        is reported by :func:`riskengine.validate`, as for a file.
    """

    fixed: Distribution | None = None
    per_day: Distribution | None = None

    def __post_init__(self) -> None:
        """Parse the parts given as specs; loaded ones are Distributions already and cost
        one set lookup each, no call."""
        if self.fixed.__class__ not in _PARSED or self.per_day.__class__ not in _PARSED:
            parse_specs(self, "cost", ("fixed", "per_day"), signed=True)


@dataclass(frozen=True)
class CostItem:
    """A project-level cost, e.g. overhead per working day of the project's duration.

    By default the duration runs from the scenario's start to the project finish, in
    working days of the project calendar. In a portfolio each project's items keep to
    their own project (set by :func:`riskengine.compose`): ``span`` lists the tasks whose
    latest finish ends the item's duration, ``span_calendar`` the calendar whose working
    days count and ``span_start`` the date it starts from (None: the start).

    Parameters
    ----------
    id : str
        Unique among the scenario's cost items.
    cost : Cost
        Its fixed part and its rate per working day.
    name : str, default ""
        Shown in reports.
    group : str, default ""
        The cost group it is summed in (e.g. ``"indirect"``).
    span : tuple of str, default ()
        Tasks whose latest finish ends its duration (empty: the project finish).
    span_calendar : str or None, default None
        The calendar whose working days count (None: the project calendar).
    span_start : datetime.date or None, default None
        The date its duration starts from (None: the scenario's start).
    """

    id: str
    cost: Cost
    name: str = ""
    group: str = ""
    span: tuple[str, ...] = ()
    span_calendar: str | None = None
    span_start: _dt.date | None = None


CONSTRAINT_KINDS = (
    "start-no-earlier-than",
    "finish-no-earlier-than",
    "start-no-later-than",
    "finish-no-later-than",
    "start-on",
    "finish-on",
    "mandatory-start",
    "mandatory-finish",
    "as-late-as-possible",
)
# the kinds a secondary constraint may take, and the primaries each may join (P6 allows a
# secondary only on the other side of the primary: an earliest date with a latest one)
EARLIEST_KINDS = ("start-no-earlier-than", "finish-no-earlier-than")
LATEST_KINDS = ("start-no-later-than", "finish-no-later-than")


@dataclass(frozen=True)
class Constraint:
    """A date constraint on a task (README "Constraints"): ``kind`` one of
    CONSTRAINT_KINDS, ``date`` counted from the start of the day for a start constraint and
    from the end of the day for a finish constraint. ``as-late-as-possible`` takes no
    date: the task is placed as late as its free float allows.

    Parameters
    ----------
    kind : str
        One of CONSTRAINT_KINDS, e.g. ``"finish-no-later-than"``.
    date : datetime.date or None
        The constraint date (None for ``as-late-as-possible``).
    """

    kind: str
    date: _dt.date | None

    @property
    def on_start(self) -> bool:
        """Whether the constraint is on the task's start (else on its finish)."""
        return self.kind.startswith("start") or self.kind == "mandatory-start"


@dataclass(frozen=True)
class Task:
    """A task of the network: an uncertain duration and its predecessors.

    ``existence`` is the probability that the task happens in an iteration: where it
    does not, it takes no time and costs nothing (its successors still wait on its
    predecessors).

    ``calendar`` names one of the scenario's calendars (None: the project calendar);
    ``start_no_earlier_than`` is a date constraint (the short form), ``constraints`` the
    primary date constraint and optionally a secondary one; ``group`` (e.g. a WBS code) groups
    costs. Progress at the scenario's data date: ``actual_start`` and ``actual_finish``
    (a finished task), or ``actual_start`` and optionally ``remaining`` (work in progress;
    without ``remaining`` it needs its duration less the working days already elapsed).

    ``duration`` and ``remaining`` take a :class:`Distribution` or a spec as a scenario
    file writes it (``{"dist": "pert", ...}``, a number, ``[min, mode, max]``), parsed when
    the task is built: ``Task("A", duration=[2, 3, 6])``.

    Parameters
    ----------
    id : str
        Unique among the scenario's tasks.
    duration : Distribution or spec
        Working days of the task's calendar.
    name : str, default ""
        Shown in reports.
    predecessors : tuple of Link, default ()
        What the task waits for.
    existence : float, default 1.0
        Probability, 0 to 1, that the task happens in an iteration.
    calendar : str or None, default None
        The id of one of the scenario's calendars (None: the project calendar).
    cost : Cost or None, default None
        The task's cost.
    group : str, default ""
        The cost group its cost is summed in.
    start_no_earlier_than : datetime.date or None, default None
        The task starts on or after this date.
    constraints : tuple of Constraint, default ()
        The primary constraint, then optionally the secondary one.
    actual_start, actual_finish : datetime.date or None, default None
        Progress at the scenario's data date.
    remaining : Distribution, spec or None, default None
        Working days still needed after the data date (work in progress).
    actual_cost : float or None, default None
        The money spent on a started task up to the data date. When given, it is the
        cost of the work done, carried as it is: ``cost``'s ``per_day`` then applies to
        the remaining working days only and ``fixed`` is what is still to be spent as a
        lump sum. Without it, the work done is costed at ``cost`` as planned.
    milestone : {"start", "finish"} or None, default None
        A milestone (it takes no time): a start milestone's date is the working day on
        which it starts, a finish milestone's the working day on which its predecessors
        finish (P6's Start and Finish Milestone). A task of fixed duration 0 without it
        is a finish milestone.
    type : {"task", "level-of-effort", "wbs-summary"}, default "task"
        A level of effort (P6's Level of Effort, a hammock) spans from where its
        predecessors let it start to where its successors start or finish, never
        driving them; a WBS summary spans its ``summarises`` tasks. Neither has a
        duration of its own (README "Level of effort and WBS summaries").
    summarises : tuple of str, default ()
        The ids of a WBS summary's member tasks.
    attributes : tuple of (str, str), default ()
        Named text values, e.g. ``(("wbs", "1.2.3"), ("area", "North"))``: what an
        import keeps of the schedule's structure (WBS path, activity codes, type), which
        uncertainty rules match. A mapping is accepted and kept as its items;
        :attr:`attrs` gives them as a dict.

    Raises
    ------
    ScenarioError
        If a spec is invalid; the field names the task (``tasks[A].duration``). Every
        other check is :func:`riskengine.validate`'s.
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
    constraints: tuple[Constraint, ...] = ()
    actual_start: _dt.date | None = None
    actual_finish: _dt.date | None = None
    remaining: Distribution | None = None
    milestone: str | None = None
    actual_cost: float | None = None
    type: str = "task"
    summarises: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        """Parse ``duration`` and ``remaining`` given as specs; a loaded task holds a
        Distribution already and costs one class check, no call (the loader builds
        100,000 of them). Attributes given as a mapping are kept as its items, so the
        task stays frozen and comparable."""
        if self.duration.__class__ is not Distribution or self.remaining is not None:
            parse_specs(self, f"tasks[{self.id}]", ("duration", "remaining"), signed=False)
        if self.attributes.__class__ is not tuple and isinstance(self.attributes, Mapping):
            object.__setattr__(self, "attributes", tuple(self.attributes.items()))

    @property
    def attrs(self) -> dict[str, str]:
        """The attributes as a dict (``task.attrs.get("wbs")``)."""
        return dict(self.attributes)


@dataclass(frozen=True)
class Impact:
    """What a risk does to one task when it occurs.

    Working days added (``delay``), a percentage of the task's sampled duration added
    (``delay_pct``), and money (``cost``, used once costs exist). Negative values are
    opportunities. Each part is a Distribution, a spec as a scenario file writes it, or
    None.

    Parameters
    ----------
    task : str
        The id of the task it hits.
    delay : Distribution, spec or None, default None
        Working days added to the task.
    delay_pct : Distribution, spec or None, default None
        Per cent of the task's sampled duration added.
    cost : Distribution, spec or None, default None
        Money added to the task's cost.

    Raises
    ------
    ScenarioError
        If a spec is invalid (field ``impacts[<task>].delay`` and so on).
    """

    task: str
    delay: Distribution | None = None
    delay_pct: Distribution | None = None
    cost: Distribution | None = None

    def __post_init__(self) -> None:
        """Parse the parts given as specs (a loaded impact's are Distributions already)."""
        if (
            self.delay.__class__ not in _PARSED
            or self.delay_pct.__class__ not in _PARSED
            or self.cost.__class__ not in _PARSED
        ):
            parse_specs(self, f"impacts[{self.task}]", ("delay", "delay_pct", "cost"), signed=True)


@dataclass(frozen=True)
class Mitigation:
    """The risk after mitigation.

    ``probability`` (None: unchanged) and impacts that replace the pre-mitigation impact
    on the same task; ``cost`` is the action's cost.

    Parameters
    ----------
    cost : float, default 0.0
        What the mitigation costs (added in a mitigated run).
    probability : float or None, default None
        The probability after mitigation (None: unchanged).
    impacts : tuple of Impact, default ()
        Each replaces the risk's impact on the same task.
    """

    cost: float = 0.0
    probability: float | None = None
    impacts: tuple[Impact, ...] = ()


@dataclass(frozen=True)
class Risk:
    """A risk-register entry: one occurrence draw per iteration applies to all impacts.

    Parameters
    ----------
    id : str
        Unique among the scenario's risks; it also names the risk's random stream.
    probability : float
        Chance, 0 to 1, that the risk occurs in an iteration.
    impacts : tuple of Impact
        What it does to which task (each task at most once).
    name, owner, category : str, default ""
        Shown in reports and the register.
    mitigation : Mitigation or None, default None
        The risk after mitigation.
    """

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

    Parameters
    ----------
    id : str
        Unique among the scenario's milestones.
    after : tuple of str
        The ids of the tasks it waits for (at least one).
    name : str, default ""
        Shown in reports.
    target : float or None, default None
        Working days of the project calendar from the start.
    target_date : datetime.date or None, default None
        A date target (needs the scenario's start).
    """

    id: str
    after: tuple[str, ...]
    name: str = ""
    target: float | None = None
    target_date: _dt.date | None = None


@dataclass(frozen=True)
class Correlation:
    """Target rank (Spearman) correlation between task durations or risk delays.

    One ``coefficient`` for every pair of ``tasks`` (a pair or a group), or a full
    ``matrix`` in their order. With ``risks`` instead of tasks, the delay draws of those
    risks' impacts are correlated (a coefficient for every pair of them).

    Parameters
    ----------
    tasks : tuple of str, default ()
        The task ids whose durations are correlated.
    coefficient : float or None, default None
        One coefficient, -1 to 1, for every pair.
    matrix : tuple of tuple of float or None, default None
        A full correlation matrix, in the order of ``tasks``.
    risks : tuple of str, default ()
        Risk ids whose delay draws are correlated instead of tasks.
    """

    tasks: tuple[str, ...] = ()
    coefficient: float | None = None
    matrix: tuple[tuple[float, ...], ...] | None = None
    risks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Convergence:
    """When a run stops: blocks of ``block`` iterations until the confidence interval
    of each watched P-value (the project finish, each milestone with a target and, with
    ``cost_tolerance``, the total cost) is at most twice its tolerance wide, or
    ``max_iterations`` have run (README "Convergence").

    Parameters
    ----------
    p : tuple of float, default (50.0, 80.0)
        The P-values watched, above 0 and below 100.
    tolerance : float, default 0.5
        The largest half-width, in working days of the project calendar.
    cost_tolerance : float or None, default None
        The largest half-width of the total cost's P-values (None: costs not watched).
    confidence : float, default 0.95
        The intervals' confidence, above 0 and below 1 (also that of every P-value's
        interval in the results).
    max_iterations : int, default 200000
        Stop here, converged or not.
    block : int, default 1000
        Iterations between two checks.
    """

    p: tuple[float, ...] = (50.0, 80.0)
    tolerance: float = 0.5
    cost_tolerance: float | None = None
    confidence: float = 0.95
    max_iterations: int = 200_000
    block: int = 1000

    def check(self) -> None:
        """ScenarioError naming the first setting out of range (``field`` is its name)."""
        if not self.p or not all(_number(x) and 0 < x < 100 for x in self.p):
            raise ScenarioError(
                f"must be a non-empty list of numbers above 0 and below 100, got {list(self.p)}",
                field="p",
            )
        for name in ("tolerance", "cost_tolerance"):
            x = getattr(self, name)
            if (x is not None or name == "tolerance") and not (_number(x) and 0 < x < 1e300):
                raise ScenarioError(f"must be a number above 0, got {x!r}", field=name)
        if not (_number(self.confidence) and 0 < self.confidence < 1):
            raise ScenarioError(
                f"must be above 0 and below 1, got {self.confidence!r}", field="confidence"
            )
        for name in ("max_iterations", "block"):
            x = getattr(self, name)
            if isinstance(x, bool) or not isinstance(x, int) or not 1 <= x <= MAX_ITERATIONS:
                raise ScenarioError(
                    f"must be a whole number from 1 to {MAX_ITERATIONS:,}, got {x!r}", field=name
                )
        if self.block > self.max_iterations:
            raise ScenarioError(
                f"must be at most max_iterations ({self.max_iterations:,}), got {self.block:,}",
                field="block",
            )


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and x == x


@dataclass(frozen=True)
class SimulationSettings:
    """A scenario's ``simulation`` block: what a run uses unless told otherwise.

    Parameters
    ----------
    iterations : int, default 10000
        Number of iterations, 1 to 10,000,000.
    seed : int, default 1
        The seed: the same scenario and seed give the same numbers.
    percentiles : tuple of float, default (10.0, 50.0, 80.0, 90.0)
        The P-values reported, 0 to 100.
    sampling : {"monte-carlo", "lhs"}, default "monte-carlo"
        Plain Monte Carlo or Latin hypercube sampling.
    constraints : {"soft", "hard"}, default "soft"
        What no-later-than and mandatory constraints do in the simulation (README
        "Constraints"); the deterministic plan always applies them as P6 does.
    convergence : Convergence or None, default None
        Run until the P-values are known well enough instead of ``iterations`` (README
        "Convergence").
    """

    iterations: int = DEFAULT_ITERATIONS
    seed: int = DEFAULT_SEED
    percentiles: tuple[float, ...] = DEFAULT_PERCENTILES
    sampling: str = "monte-carlo"  # or "lhs" (Latin hypercube)
    constraints: str = "soft"  # or "hard"
    convergence: Convergence | None = None


@dataclass(frozen=True)
class Scenario:
    """One project: its task network, milestones and simulation settings.

    ``calendar`` names the project calendar among ``calendars`` (None: the first one, or
    Monday–Friday when there are none); ``data_date`` marks a project in progress;
    ``costs`` are project-level cost items; ``inputs`` names the files it was read from,
    which no output may overwrite.

    Parameters
    ----------
    name : str
        Shown in reports.
    tasks : tuple of Task
        The network, in any order that names predecessors by id.
    milestones : tuple of Milestone, default ()
        The outputs reported besides the project finish.
    start : datetime.date or None, default None
        The project's start; without it results are working days, not dates.
    simulation : SimulationSettings, default SimulationSettings()
        Iterations, seed, percentiles and sampling for runs that do not override them.
    source : str or None, default None
        The file it was loaded from (None for a model built in Python).
    risks : tuple of Risk, default ()
        The risk register.
    correlations : tuple of Correlation, default ()
        Target rank correlations between durations or risk delays.
    calendars : tuple of Calendar, default ()
        The calendars tasks may name (none: Monday to Friday).
    calendar : str or None, default None
        The id of the project calendar.
    data_date : datetime.date or None, default None
        The status date of a project in progress.
    finish_by : datetime.date or None, default None
        The date the project must finish by (P6's "must finish by"): the plan's late
        dates and total float count back from it, not from the planned finish (a date
        alone: the end of that day). The simulation's criticality still counts from each
        iteration's own finish.
    progress_logic : {"retained", "override"}, default "retained"
        For work in progress: with ``retained`` (P6's default) the remaining work waits
        for the predecessors that are not finished, link by link; with ``override`` it
        goes on from the data date whatever they do.
    lag_calendar : {"successor", "predecessor", "project", "24-hour"}, default "successor"
        The calendar a link's lag counts in (P6's scheduling option): the successor's,
        the predecessor's, the project calendar or every hour of every day.
    costs : tuple of CostItem, default ()
        Project-level cost items.
    inputs : tuple of str, default ()
        Every file it was read from, which no output may overwrite.

    Examples
    --------
    >>> import riskengine as rk
    >>> a = rk.Task("A", duration=[2, 3, 6])
    >>> b = rk.Task("B", duration=4, predecessors=(rk.Link("A"),))
    >>> rk.validate(rk.Scenario("demo", (a, b), (rk.Milestone("done", ("B",)),)))
    >>> b.duration
    Distribution(kind='fixed', params={'value': 4.0})
    """

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
    progress_logic: str = "retained"
    lag_calendar: str = "successor"
    finish_by: _dt.date | None = None

    def project_calendar(self) -> Calendar:
        """The calendar whose working days results count: ``calendar``, else the first."""
        if not self.calendars:
            return STANDARD_CALENDAR
        if self.calendar is None:
            return self.calendars[0]
        for c in self.calendars:
            if c.id == self.calendar:
                return c
        raise KeyError(self.calendar)

    def task(self, task_id: str) -> Task:
        """The task with id ``task_id`` (KeyError if there is none)."""
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise KeyError(task_id)
