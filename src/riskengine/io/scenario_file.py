"""Scenario files (YAML) → :class:`riskengine.model.Scenario`.

Every problem is a ScenarioError naming the file, the field (``tasks[B].duration.min``)
and the line. Parsing is strict: unknown keys are errors, with a suggestion.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from riskengine.errors import RiskEngineWarning, ScenarioError, show
from riskengine.io._fields import (
    _ID,
    as_date,
    as_id,
    as_mapping,
    as_moment,
    as_number,
    as_probability,
    as_text,
    kind_of,
)
from riskengine.io.overlay import (
    OverlayReport,
    apply_overlay,
    check_ids,
    parse_estimates,
    parse_rules,
    read_schedule,
)
from riskengine.io.register_file import load_register
from riskengine.io.yamlfile import Document, Path_, gc_paused, load_yaml
from riskengine.model.distributions import LIMIT, WITH_UNIT, Units, parse_distribution
from riskengine.model.scenario import (
    CONSTRAINT_KINDS,
    FULL_DAY_CALENDAR,
    LAG_CALENDARS,
    LINK_TYPES,
    MILESTONE_KINDS,
    PROGRESS_LOGIC,
    STANDARD_CALENDAR,
    TASK_TYPES,
    WEEKDAYS,
    Calendar,
    Constraint,
    Convergence,
    Correlation,
    Cost,
    CostItem,
    Distribution,
    Impact,
    Link,
    Milestone,
    Mitigation,
    Risk,
    Scenario,
    SimulationSettings,
    Task,
    calendar_units,
    day_fraction,
)
from riskengine.model.validate import (
    ATTRIBUTE_KEY,
    RESERVED_ATTRIBUTES,
    checked_order,
    cost_message,
    negative_part,
)

TOP_KEYS = (
    "name",
    "start",
    "calendar",
    "calendars",
    "tasks",
    "milestones",
    "risks",
    "correlations",
    "costs",
    "status",
    "simulation",
    "lag_calendar",
    "finish_by",
)
# a file that names a schedule: the schedule gives the tasks, calendars, start and lag
# calendar; the file the uncertainty and what refers to the activities
OVERLAY_KEYS = (
    "name",
    "schedule",
    "uncertainty",
    "estimates",
    "milestones",
    "risks",
    "correlations",
    "costs",
    "status",
    "simulation",
    "finish_by",
)
SCHEDULE_GIVES = ("tasks", "calendars", "calendar", "start", "lag_calendar")
CORRELATION_KEYS = ("tasks", "risks", "coefficient", "matrix")
TASK_KEYS = (
    "id",
    "name",
    "duration",
    "predecessors",
    "existence",
    "calendar",
    "group",
    "cost",
    "constraint",
    "actual_start",
    "actual_finish",
    "remaining",
    "actual_cost",
    "milestone",
    "attributes",
    "type",
    "summarises",
)
CALENDAR_KEYS = (
    "workdays",
    "holidays",
    "extra_workdays",
    "partial_days",
    "hours_per_day",
    "hours",
    "day",
)
COST_KEYS = ("fixed", "per_day")
COST_ITEM_KEYS = ("id", "name", "group", *COST_KEYS)
CONSTRAINT_KEYS = ("start_no_earlier_than", "type", "date", "secondary")
SECONDARY_KEYS = ("type", "date")
AS_LATE = "as-late-as-possible"  # the one constraint without a date
STATUS_KEYS = ("data_date", "logic")
RISK_KEYS = ("id", "name", "owner", "category", "probability", "impacts", "mitigation")
IMPACT_KEYS = ("task", "delay", "delay_pct", "cost")
MITIGATION_KEYS = ("cost", "probability", "impacts")
LINK_KEYS = ("task", "type", "lag")
_LINK_KEYS = frozenset(LINK_KEYS)
_LINK_TYPES = frozenset(LINK_TYPES)
MILESTONE_KEYS = ("id", "name", "after", "target")
SIMULATION_KEYS = ("iterations", "seed", "percentiles", "sampling", "constraints", "convergence")
CONVERGENCE_KEYS = ("p", "tolerance", "cost_tolerance", "confidence", "max_iterations", "block")
CONSTRAINT_POLICIES = ("soft", "hard")
SAMPLING = {
    "monte-carlo": "monte-carlo",
    "mc": "monte-carlo",
    "lhs": "lhs",
    "latin-hypercube": "lhs",
}
_WEEKDAY = {
    name.lower(): i
    for i, full in enumerate(
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    )
    for name in (WEEKDAYS[i], full)
}
_LINK_SHORTHAND = re.compile(
    r"^(?P<task>\S+)(?:\s+(?P<type>[A-Za-z]{2})\s*(?P<lag>[+-]\s*\d+(?:\.\d*)?[dwhDWH]?)?)?$"
)
_CLOCK = re.compile(r"^([0-9]{1,2}):([0-9]{2})-([0-9]{1,2}):([0-9]{2})$")
# the working units of each calendar id, and of None: the project calendar
UnitsOf = Mapping[str | None, Units]


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raises ScenarioError on any problem.

    A file that names a ``schedule:`` imports it and puts its uncertainty rules,
    estimates, risks and milestones on top (README "Uncertainty on an imported
    schedule"); what its report says the analyst should know (activities no rule matched,
    rules that matched nothing, estimates on activities that are gone) is issued as
    :class:`~riskengine.errors.RiskEngineWarning` warnings, which the CLI prints. Use
    :func:`load_overlay` for the report itself.

    Parameters
    ----------
    path : str or pathlib.Path
        A YAML scenario file (README, "A scenario file"); a risk register or schedule it
        names is read relative to it.

    Returns
    -------
    Scenario
        The scenario, checked as :func:`riskengine.validate` checks it.

    Raises
    ------
    ScenarioError
        For the first problem found, naming the file, the field and its line.
    """
    scenario, report = _load(path)
    if report is not None:
        for line in report.warnings():
            warnings.warn(line, RiskEngineWarning, stacklevel=2)
    return scenario


def load_overlay(path: str | Path) -> tuple[Scenario, OverlayReport]:
    """Read a scenario file that names a ``schedule:`` (an overlay), without issuing
    warnings: the scenario and the :class:`~riskengine.io.overlay.OverlayReport` of how
    its rules and estimates applied (its ``warnings()`` are what :func:`load_scenario`
    would warn).

    Parameters
    ----------
    path : str or pathlib.Path
        The overlay's scenario file (README "Uncertainty on an imported schedule").

    Returns
    -------
    tuple of (Scenario, OverlayReport)
        The scenario with the overlay applied, and how it applied.

    Raises
    ------
    ScenarioError
        For the first problem found, and for a scenario file that names no schedule.
    """
    scenario, report = _load(path)
    if report is None:
        raise ScenarioError(
            "not an overlay: the file names no 'schedule' (use load_scenario)", file=str(path)
        )
    return scenario, report


def _load(path: str | Path) -> tuple[Scenario, OverlayReport | None]:
    with gc_paused():
        doc = load_yaml(path)
        try:
            report = None
            if isinstance(doc.data, Mapping) and "schedule" in doc.data:
                scenario, report = _parse_overlay(doc)
            else:
                scenario = _parse(doc)
            checked_order(scenario)  # remembered: compiling it later checks nothing twice
        except ScenarioError as e:
            raise (e if e.file else doc.locate(e)) from None
    return scenario, report


def _parse(doc: Document) -> Scenario:
    if doc.data is None:
        raise doc.error("the file is empty", ())
    top = as_mapping(doc, doc.data, (), TOP_KEYS, "a scenario")
    name = as_text(doc, top.get("name"), ("name",)) or Path(doc.file).stem
    calendars = _calendars(doc, top.get("calendars"), ("calendars",))
    calendar = None
    if top.get("calendar") is not None:
        calendar = as_id(doc, top["calendar"], ("calendar",))
    units = _units(calendars, calendar)
    start = None
    if top.get("start") is not None:
        start = _start(doc, top["start"], ("start",), calendars, calendar)
    if "tasks" not in top:
        raise doc.error("missing 'tasks' (the list of tasks)", ())
    raw_tasks = top["tasks"]
    if not isinstance(raw_tasks, list) or not raw_tasks:
        raise doc.error("must be a non-empty list of tasks", ("tasks",))
    lag_calendar = "successor"
    if top.get("lag_calendar") is not None:
        lag_calendar = top["lag_calendar"]
        if lag_calendar not in LAG_CALENDARS:
            raise doc.error(
                f"must be one of {', '.join(LAG_CALENDARS)}, got {show(lag_calendar)}",
                ("lag_calendar",),
            )
    tasks = tuple(_tasks(doc, raw_tasks, _lag_units(raw_tasks, units, lag_calendar)))
    sections = _sections(doc, top, tasks, units)
    data_date, logic = _status(doc, top.get("status"), None, "retained")
    sim = parse_simulation(doc, top.get("simulation"), ("simulation",), units[None])
    finish_by = None
    if top.get("finish_by") is not None:
        finish_by = as_moment(doc, top["finish_by"], ("finish_by",))
    return Scenario(
        name=name,
        tasks=tasks,
        milestones=sections.milestones,
        start=start,
        simulation=sim,
        source=doc.file,
        risks=sections.risks,
        correlations=sections.correlations,
        calendars=calendars,
        calendar=calendar,
        data_date=data_date,
        costs=sections.costs,
        inputs=(doc.file, *sections.inputs),
        progress_logic=logic,
        lag_calendar=lag_calendar,
        finish_by=finish_by,
    )


class Sections(NamedTuple):
    """The parts of a scenario file that refer to its tasks, read the same way whether
    it lists them or names a schedule; ``inputs``: a risk register file it names."""

    milestones: tuple[Milestone, ...]
    risks: tuple[Risk, ...]
    correlations: tuple[Correlation, ...]
    costs: tuple[CostItem, ...]
    inputs: tuple[str, ...]


def _sections(doc: Document, top: dict, tasks: tuple[Task, ...], units: UnitsOf) -> Sections:
    raw_ms = top.get("milestones") or []
    if not isinstance(raw_ms, list):
        raise doc.error("must be a list of milestones", ("milestones",))
    milestones = tuple(
        _milestone(doc, m, ("milestones", i), units[None]) for i, m in enumerate(raw_ms)
    )
    raw_risks = top.get("risks") or []
    inputs: tuple[str, ...] = ()
    if isinstance(raw_risks, dict):
        risks, register = _register_file(doc, raw_risks, ("risks",))
        inputs = (register,)
    elif isinstance(raw_risks, list):
        of_task = _task_units(tasks, units) if raw_risks else None
        risks = tuple(parse_risk(doc, r, ("risks", i), of_task) for i, r in enumerate(raw_risks))
    else:
        raise doc.error("must be a list of risks or {file: register.csv}", ("risks",))
    raw_corr = top.get("correlations") or []
    if not isinstance(raw_corr, list):
        raise doc.error("must be a list of correlations", ("correlations",))
    correlations = tuple(_correlation(doc, c, ("correlations", i)) for i, c in enumerate(raw_corr))
    raw_costs = top.get("costs") or []
    if not isinstance(raw_costs, list):
        raise doc.error("must be a list of cost items", ("costs",))
    costs = tuple(_cost_item(doc, c, ("costs", i)) for i, c in enumerate(raw_costs))
    return Sections(milestones, risks, correlations, costs, inputs)


def _status(
    doc: Document, raw: Any, data_date: _dt.date | None, logic: str
) -> tuple[_dt.date | None, str]:
    """The ``status:`` section's data date and progress logic, each overriding the one
    given (a schedule's, or none) where the section gives it."""
    if raw is None:
        return data_date, logic
    status = as_mapping(doc, raw, ("status",), STATUS_KEYS, "'status'")
    if status.get("data_date") is not None:
        data_date = as_moment(doc, status["data_date"], ("status", "data_date"))
    if status.get("logic") is not None:
        logic = status["logic"]
        if logic not in PROGRESS_LOGIC:
            raise doc.error(
                f"must be retained or override, got {str(logic)[:40]!r}", ("status", "logic")
            )
    return data_date, logic


def _parse_overlay(doc: Document) -> tuple[Scenario, OverlayReport]:
    """A scenario file that names a ``schedule:``: the schedule imported, the
    uncertainty rules and estimates applied to its activities (io/overlay.py), and the
    file's other sections read as for any scenario, on the schedule's calendars."""
    for key in SCHEDULE_GIVES:
        if key in doc.data:
            raise doc.error(
                f"{key!r} comes from the schedule in a file that names one; remove it",
                (key,),
            )
    top = as_mapping(doc, doc.data, (), OVERLAY_KEYS, "a scenario")
    base, imported = read_schedule(doc, top["schedule"])
    report = OverlayReport(imported.source, imported)
    units = _units(base.calendars, base.calendar)
    rules = parse_rules(doc, top.get("uncertainty"), units[None])
    estimates = parse_estimates(doc, top.get("estimates"), units[None])
    tasks = apply_overlay(doc, base, rules, estimates, report)
    sections = _sections(doc, top, tasks, units)
    ids = {t.id for t in tasks}
    check_ids(doc, ids, imported.source, sections.risks, sections.milestones, sections.correlations)
    data_date, logic = _status(doc, top.get("status"), base.data_date, base.progress_logic)
    finish_by = base.finish_by
    if top.get("finish_by") is not None:
        finish_by = as_moment(doc, top["finish_by"], ("finish_by",))
    sim = base.simulation
    if top.get("simulation") is not None:
        sim = parse_simulation(doc, top["simulation"], ("simulation",), units[None])
    scenario = dataclasses.replace(
        base,
        name=as_text(doc, top.get("name"), ("name",)) or Path(doc.file).stem,
        tasks=tasks,
        milestones=sections.milestones,
        risks=sections.risks,
        correlations=sections.correlations,
        costs=sections.costs,
        data_date=data_date,
        progress_logic=logic,
        finish_by=finish_by,
        simulation=sim,
        source=doc.file,
        inputs=(doc.file, imported.source, *sections.inputs),
    )
    return scenario, report


def _calendars(doc: Document, raw: Any, path: Path_) -> tuple[Calendar, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise doc.error(
            f"must map calendar ids to calendars, e.g. standard: {{workdays: [Mon, Tue]}}; "
            f"got {kind_of(raw)}",
            path,
        )
    out = []
    for key, value in raw.items():
        cpath = (*path, str(key))
        cid = as_id(doc, key, cpath)
        c = as_mapping(doc, {} if value is None else value, cpath, CALENDAR_KEYS, "a calendar")
        workdays = Calendar(cid).workdays
        if "workdays" in c:
            workdays = _workdays(doc, c["workdays"], (*cpath, "workdays"))
        out.append(
            Calendar(
                id=cid,
                workdays=workdays,
                holidays=_dates(doc, c.get("holidays"), (*cpath, "holidays")),
                extra_workdays=_dates(doc, c.get("extra_workdays"), (*cpath, "extra_workdays")),
                **_hours(doc, c, cpath),
            )
        )
    return tuple(out)


def _hours(doc: Document, c: dict, path: Path_) -> dict[str, Any]:
    """The working hours of a calendar entry ``c``: ``hours_per_day``, ``hours`` per
    weekday and the clock window ``day``, as Calendar's keyword arguments."""
    out: dict[str, Any] = {}
    if c.get("hours_per_day") is not None:
        out["hours_per_day"] = _day_hours(doc, c["hours_per_day"], (*path, "hours_per_day"))
    if c.get("hours") is not None:
        hpath = (*path, "hours")
        raw = c["hours"]
        if not isinstance(raw, Mapping):
            raise doc.error(
                f"must map weekdays to working hours, e.g. {{Fri: 6}}, got {kind_of(raw)}", hpath
            )
        by_day: dict[int, float] = {}
        for key, value in raw.items():
            day = _weekday(doc, key, (*hpath, str(key)))
            if day in by_day:
                raise doc.error(f"{WEEKDAYS[day]} is given twice", (*hpath, str(key)))
            by_day[day] = _day_hours(doc, value, (*hpath, str(key)))
        out["hours"] = tuple(sorted(by_day.items()))
    if c.get("day") is not None:
        out["day"] = _clock(doc, c["day"], (*path, "day"))
    if c.get("partial_days") is not None:
        out["partial_days"] = _partial_days(doc, c["partial_days"], (*path, "partial_days"))
    return out


def _partial_days(doc: Document, raw: Any, path: Path_) -> tuple[tuple[_dt.date, float], ...]:
    """``partial_days: {2027-12-24: 4}``: dates worked for these hours instead of
    their weekday's."""
    if not isinstance(raw, Mapping):
        raise doc.error(
            f"must map dates to working hours, e.g. {{2027-12-24: 4}}, got {kind_of(raw)}", path
        )
    out: dict[_dt.date, float] = {}
    for key, value in raw.items():
        day = as_date(doc, key, (*path, str(key)))
        if day in out:
            raise doc.error(f"{day} is given twice", (*path, str(key)))
        out[day] = _day_hours(doc, value, (*path, str(key)))
    return tuple(sorted(out.items()))


def _day_hours(doc: Document, value: Any, path: Path_) -> float:
    hours = as_number(doc, value, path)
    if not 0 < hours <= 24:
        raise doc.error(
            f"working hours must be more than 0 and at most 24, got {show(value)}", path
        )
    return hours


def _clock(doc: Document, raw: Any, path: Path_) -> tuple[tuple[float, float], ...]:
    """A clock window ``"08:00-17:00"`` or with breaks ``"08:00-12:00,13:00-17:00"``:
    the periods worked, in hours from midnight, in order and not overlapping."""
    example = 'write e.g. "08:00-17:00" or "08:00-12:00,13:00-17:00"'
    if not isinstance(raw, str):
        raise doc.error(f"must be a clock window, {example}; got {kind_of(raw)}", path)
    periods: list[tuple[float, float]] = []
    for part in raw.split(","):
        m = _CLOCK.match(part.strip())
        times = [int(h) + int(mi) / 60 for h, mi in ((m[1], m[2]), (m[3], m[4]))] if m else []
        if not m or any(int(x) > 59 for x in (m[2], m[4])) or not all(0 <= t <= 24 for t in times):
            raise doc.error(f"cannot read clock window {show(raw)}; {example}", path)
        begin, end = times
        if end <= begin or (periods and begin < periods[-1][1]):
            raise doc.error(
                f"clock window {show(raw)}: periods must run forward, in order, without"
                " overlapping",
                path,
            )
        periods.append((begin, end))
    return tuple(periods)


def _units(calendars: tuple[Calendar, ...], project: str | None) -> dict[str | None, Units]:
    """The units of each calendar and, under None, of the project calendar (a task on
    an unknown calendar is reported by validation; its values count on the project
    calendar meanwhile)."""
    units: dict[str | None, Units] = {
        c.id: calendar_units(c, f"calendars.{c.id}.hours") for c in calendars
    }
    default = calendar_units(STANDARD_CALENDAR, "calendar")
    first = calendars[0].id if calendars else None
    units[None] = units.get(project if project is not None else first, default)
    return units


class LagUnits(NamedTuple):
    """The units of each calendar (``of``) and, per predecessor id, the units its lags
    count in (``lag``): those of the lag calendar the scenario chose."""

    of: UnitsOf
    lag: Callable[[str, Units], Units]  # (predecessor id, the successor's units) -> units


def _lag_units(raw_tasks: list, units: UnitsOf, policy: str) -> LagUnits:
    """What a lag written in hours or weeks converts through: the successor's calendar
    (the task's own units), the predecessor's (read from the raw list, as a task may
    name a predecessor that comes later), the project calendar's, or 24 hours a day and 7
    days a week."""
    if policy == "predecessor":
        cal_of = {str(r.get("id")): r.get("calendar") for r in raw_tasks if isinstance(r, Mapping)}
        return LagUnits(units, lambda pid, own: units.get(_as_key(cal_of.get(pid)), units[None]))
    if policy == "project":
        return LagUnits(units, lambda pid, own: units[None])
    if policy == "24-hour":
        full = calendar_units(FULL_DAY_CALENDAR, "lag_calendar")
        return LagUnits(units, lambda pid, own: full)
    return LagUnits(units, lambda pid, own: own)


def _as_key(cal: Any) -> str | None:
    return None if cal is None else str(cal)


def _task_units(tasks: tuple[Task, ...], units: UnitsOf) -> Callable[[str], Units]:
    """The units a risk's delay on a task counts in: its calendar's."""
    by_task = {t.id: t.calendar for t in tasks}
    return lambda tid: units.get(by_task.get(tid), units[None])


def _start(
    doc: Document, raw: Any, path: Path_, calendars: tuple[Calendar, ...], project: str | None
) -> _dt.date:
    """The start date. A time of day is accepted at or before the opening of the
    project calendar's working day (the same as the date alone); a later one is not
    supported yet: every task would have to start part way through day 0."""
    start = as_moment(doc, raw, path)
    if isinstance(start, _dt.datetime):
        by_id = {c.id: c for c in calendars}
        cal = by_id.get(project or "", calendars[0] if calendars else STANDARD_CALENDAR)
        if day_fraction(cal, start) > 0:
            raise doc.error(
                f"a start at {start:%H:%M}, after the working day opens, is not supported yet;"
                " start at the opening time or give the date alone",
                path,
            )
        start = start.date()
    return start


def _workdays(doc: Document, raw: Any, path: Path_) -> tuple[int, ...]:
    if not isinstance(raw, list):
        raise doc.error(
            f"must be a list of weekdays, e.g. [Mon, Tue, Wed], got {kind_of(raw)}", path
        )
    days: list[int] = []
    for j, name in enumerate(raw):
        day = _weekday(doc, name, (*path, j))
        if day in days:
            raise doc.error(f"{WEEKDAYS[day]} is listed twice", (*path, j))
        days.append(day)
    return tuple(sorted(days))


def _weekday(doc: Document, name: Any, path: Path_) -> int:
    """A weekday written as ``Mon`` or ``Monday`` (any case), 0 = Monday."""
    day = _WEEKDAY.get(name.strip().lower()) if isinstance(name, str) else None
    if day is None:
        close = []
        if isinstance(name, str) and len(name) < 100:
            close = difflib.get_close_matches(name.strip().lower(), list(_WEEKDAY), n=1)
        more = (
            f" (did you mean {WEEKDAYS[_WEEKDAY[close[0]]]!r}?)"
            if close
            else f" (use {', '.join(WEEKDAYS)} or the full names)"
        )
        raise doc.error(f"unknown weekday {show(name)}{more}", path)
    return day


def _dates(doc: Document, raw: Any, path: Path_) -> tuple[_dt.date, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise doc.error(f"must be a list of dates (YYYY-MM-DD), got {kind_of(raw)}", path)
    return tuple(as_date(doc, d, (*path, j)) for j, d in enumerate(raw))


def _entity(
    doc: Document, raw: Any, path: Path_, allowed: tuple[str, ...], what: str
) -> tuple[dict, str]:
    """The keys of a list entry that has an ``id``, and that id; later errors in the
    entry name it (``tasks[B].duration``)."""
    entry = as_mapping(doc, raw, path, allowed, what)
    if "id" not in entry:
        raise doc.error(f"{what} needs an 'id'", path)
    eid = as_id(doc, entry["id"], (*path, "id"))
    doc.names[path] = eid
    return entry, eid


def _task(doc: Document, raw: Any, path: Path_, lag_units: LagUnits) -> Task:
    t, tid = _entity(doc, raw, path, TASK_KEYS, "a task")
    get = t.get
    milestone = get("milestone")
    if milestone is not None and milestone not in MILESTONE_KINDS:
        raise doc.error(
            f"must be start or finish, got {str(milestone)[:40]!r}", (*path, "milestone")
        )
    kind = get("type", "task")
    if kind not in TASK_TYPES:
        raise doc.error(
            f"must be one of {', '.join(TASK_TYPES)}, got {str(kind)[:40]!r}", (*path, "type")
        )
    if "duration" not in t and milestone is None and kind == "task":
        raise doc.error("a task needs a 'duration' (or 'milestone: start|finish')", path)
    cal = get("calendar")  # checked below; an unknown one is validation's to report
    units_of = lag_units.of
    units = units_of.get(None if cal is None else str(cal), units_of[None])
    duration = _distribution(doc, t.get("duration", 0), (*path, "duration"), units=units)
    if milestone is not None and (duration.kind != "fixed" or duration.params["value"] != 0):
        raise doc.error("a milestone takes no time: give duration 0 or none", (*path, "duration"))
    preds = get("predecessors") or []
    if preds.__class__ is not list:
        if isinstance(preds, str | int) and not isinstance(preds, bool):
            preds = [preds]
        else:
            raise doc.error("must be a list of predecessors", (*path, "predecessors"))
    links = tuple([_link(doc, p, path, j, units, lag_units.lag) for j, p in enumerate(preds)])
    existence = 1.0
    if "existence" in t:
        existence = as_probability(doc, t["existence"], (*path, "existence"))
    calendar = get("calendar")
    if calendar is not None:
        calendar = as_id(doc, calendar, (*path, "calendar"))
    cost = get("cost")
    if cost is not None:
        if isinstance(cost, int | float) and not isinstance(cost, bool):
            cost = Cost(fixed=_cost_part(doc, cost, (*path, "cost"), "fixed"))
        else:
            cost = _cost(doc, cost, (*path, "cost"), COST_KEYS, "a cost")
    snet: _dt.date | None = None
    constraints: tuple[Constraint, ...] = ()
    if get("constraint") is not None:
        snet, constraints = _constraints(doc, t["constraint"], (*path, "constraint"))
    actual_start = get("actual_start")
    if actual_start is not None:
        actual_start = as_moment(doc, actual_start, (*path, "actual_start"))
    actual_finish = get("actual_finish")
    if actual_finish is not None:
        actual_finish = as_moment(doc, actual_finish, (*path, "actual_finish"))
    remaining = get("remaining")
    if remaining is not None:
        remaining = _distribution(doc, remaining, (*path, "remaining"), units=units)
    actual_cost = get("actual_cost")
    if actual_cost is not None:
        actual_cost = as_number(doc, actual_cost, (*path, "actual_cost"))
    attributes: tuple[tuple[str, str], ...] = ()
    if get("attributes") is not None:
        attributes = _attributes(doc, t["attributes"], (*path, "attributes"))
    summarises: tuple[str, ...] = ()
    if get("summarises") is not None:
        summarises = _ids(doc, t["summarises"], (*path, "summarises"))
    name, group = get("name"), get("group")
    return Task(
        id=tid,
        name=name if name.__class__ is str else as_text(doc, name, (*path, "name")),
        duration=duration,
        predecessors=links,
        existence=existence,
        calendar=calendar,
        cost=cost,
        group=group if group.__class__ is str else as_text(doc, group, (*path, "group")),
        start_no_earlier_than=snet,
        constraints=constraints,
        actual_start=actual_start,
        actual_finish=actual_finish,
        remaining=remaining,
        milestone=milestone,
        actual_cost=actual_cost,
        attributes=attributes,
        type=kind,
        summarises=summarises,
    )


def _attributes(doc: Document, raw: Any, path: Path_) -> tuple[tuple[str, str], ...]:
    """A task's ``attributes: {wbs: 1.2.3, area: North}``: identifier keys, text values
    (a number is kept as the text YAML read, so quote ``"1.10"`` to keep its zero)."""
    if not isinstance(raw, Mapping):
        raise doc.error(
            f"must map attribute names to text, e.g. {{wbs: 1.2, area: North}}; got {kind_of(raw)}",
            path,
        )
    out = []
    for key, value in raw.items():
        kpath = (*path, str(key))
        if not isinstance(key, str) or not ATTRIBUTE_KEY.match(key):
            raise doc.error(
                f"attribute key {show(key)} must be an identifier (letters, digits and _, "
                "not starting with a digit)",
                kpath,
            )
        if key in RESERVED_ATTRIBUTES:
            raise doc.error(
                f"attribute key {key!r} is reserved (a rule matches the task's own {key}); "
                "rename it",
                kpath,
            )
        if value is None or isinstance(value, list | Mapping):
            raise doc.error(f"an attribute value must be text, got {kind_of(value)}", kpath)
        out.append((key, as_text(doc, value, kpath)))
    return tuple(out)


def _constraints(
    doc: Document, raw: Any, path: Path_
) -> tuple[_dt.date | None, tuple[Constraint, ...]]:
    """A task's ``constraint:``: the short form ``{start_no_earlier_than: date}`` or
    ``{type: kind, date: date}`` with an optional ``secondary: {type, date}``."""
    c = as_mapping(doc, raw, path, CONSTRAINT_KEYS, "a constraint")
    if "start_no_earlier_than" in c:
        if "type" in c or "date" in c or "secondary" in c:
            raise doc.error("give either start_no_earlier_than or type and date, not both", path)
        value = c["start_no_earlier_than"]
        snet = None if value is None else as_date(doc, value, (*path, "start_no_earlier_than"))
        return snet, ()
    primary = _constraint(doc, c, path)
    if c.get("secondary") is None:
        return None, (primary,)
    spath = (*path, "secondary")
    secondary = _constraint(
        doc, as_mapping(doc, c["secondary"], spath, SECONDARY_KEYS, "a constraint"), spath
    )
    return None, (primary, secondary)


def _constraint(doc: Document, c: dict, path: Path_) -> Constraint:
    """One ``{type, date}`` constraint."""
    if "type" not in c:
        raise doc.error("a constraint needs a 'type'", path)
    kind = c["type"]
    name = kind.lower().replace("_", "-").replace(" ", "-") if isinstance(kind, str) else None
    if name not in CONSTRAINT_KINDS:
        raise doc.error(
            f"must be one of {', '.join(CONSTRAINT_KINDS)}, got {show(kind)}", (*path, "type")
        )
    if name == AS_LATE:
        if c.get("date") is not None:
            raise doc.error(
                "as-late-as-possible takes no date (the task is placed as late as its free "
                "float allows)",
                (*path, "date"),
            )
        return Constraint(name, None)
    if "date" not in c:
        raise doc.error("a constraint needs a 'date'", path)
    return Constraint(name, as_moment(doc, c["date"], (*path, "date")))


def _cost(doc: Document, raw: Any, path: Path_, allowed: tuple[str, ...], what: str) -> Cost:
    """The fixed and per-day parts of a task's cost or of a cost item (keys ``allowed``)."""
    if isinstance(raw, Mapping) and "dist" in raw:
        raise doc.error(
            "a cost is {fixed: …, per_day: …}; put a distribution under one of them, "
            "e.g. {fixed: {dist: pert, …}}",
            (*path, "dist"),
        )
    if not isinstance(raw, Mapping):
        raise doc.error(
            f"a cost is a number (fixed) or {{fixed: …, per_day: …}}, got {kind_of(raw)}", path
        )
    c = as_mapping(doc, raw, path, allowed, what)
    parts = {k: _cost_part(doc, c[k], (*path, k), k) for k in COST_KEYS if c.get(k) is not None}
    if not parts:
        raise doc.error(f"{what} needs 'fixed' and/or 'per_day'", path)
    return Cost(**parts)


def _distribution(
    doc: Document, raw: Any, path: Path_, *, signed: bool = False, units: Units | None = None
) -> Distribution:
    """:func:`parse_distribution` with errors located in the file. The field is rendered
    only for an error: rendering it for each of 100,000 tasks would cost seconds.
    ``units``: the value is a duration, which may be written with a unit."""
    try:
        return parse_distribution(raw, "", signed=signed, units=units)
    except ScenarioError as e:
        raise doc.locate(
            ScenarioError(e.message, field=doc.field(path) + (e.field or ""))
        ) from None


def _cost_part(doc: Document, raw: Any, path: Path_, part: str) -> Distribution:
    d = _distribution(doc, raw, path, signed=True)
    how = negative_part(d)
    if how:
        raise doc.error(cost_message(part, how), path)
    return d


def _cost_item(doc: Document, raw: Any, path: Path_) -> CostItem:
    c, cid = _entity(doc, raw, path, COST_ITEM_KEYS, "a cost item")
    return CostItem(
        id=cid,
        cost=_cost(doc, c, path, COST_ITEM_KEYS, "a cost item"),
        name=as_text(doc, c.get("name"), (*path, "name")),
        group=as_text(doc, c.get("group"), (*path, "group")),
    )


def parse_risk(
    doc: Document, raw: Any, path: Path_, units: Callable[[str], Units] | None = None
) -> Risk:
    """A risk entry: of a scenario's ``risks`` or a portfolio's ``shared_risks``.
    ``units`` gives the units a delay on a task may be written in (its calendar's);
    None: delays take no unit."""
    r, rid = _entity(doc, raw, path, RISK_KEYS, "a risk")
    if "probability" not in r:
        raise doc.error("a risk needs a 'probability' (0 to 1)", path)
    probability = as_probability(doc, r["probability"], (*path, "probability"))
    raw_impacts = r.get("impacts")
    if not isinstance(raw_impacts, list) or not raw_impacts:
        raise doc.error("'impacts' must list what the risk does to which task", (*path, "impacts"))
    impacts = tuple(
        _impact(doc, x, (*path, "impacts", j), units) for j, x in enumerate(raw_impacts)
    )
    seen: set[str] = set()
    for j, imp in enumerate(impacts):
        if imp.task in seen:
            raise doc.error(
                f"task {show(imp.task)} is impacted twice; combine the impacts",
                (*path, "impacts", j, "task"),
            )
        seen.add(imp.task)
    mitigation = None
    if r.get("mitigation") is not None:
        mitigation = _mitigation(doc, r["mitigation"], (*path, "mitigation"), seen, units)
    return Risk(
        id=rid,
        probability=probability,
        impacts=impacts,
        name=as_text(doc, r.get("name"), (*path, "name")),
        owner=as_text(doc, r.get("owner"), (*path, "owner")),
        category=as_text(doc, r.get("category"), (*path, "category")),
        mitigation=mitigation,
    )


def _impact(
    doc: Document, raw: Any, path: Path_, units: Callable[[str], Units] | None = None
) -> Impact:
    i = as_mapping(doc, raw, path, IMPACT_KEYS, "an impact")
    if "task" not in i:
        raise doc.error("an impact needs 'task'", path)
    task = as_id(doc, i["task"], (*path, "task"))
    dists = {}
    for key in ("delay", "delay_pct", "cost"):
        if i.get(key) is not None:
            of = units(task) if units is not None and key == "delay" else None
            dists[key] = _distribution(doc, i[key], (*path, key), signed=True, units=of)
    if not dists:
        raise doc.error("an impact needs 'delay', 'delay_pct' or 'cost'", path)
    return Impact(task=task, **dists)


def _mitigation(
    doc: Document,
    raw: Any,
    path: Path_,
    tasks: set[str],
    units: Callable[[str], Units] | None = None,
) -> Mitigation:
    m = as_mapping(doc, raw, path, MITIGATION_KEYS, "a mitigation")
    cost = as_number(doc, m.get("cost", 0), (*path, "cost"))
    probability = None
    if m.get("probability") is not None:
        probability = as_probability(doc, m["probability"], (*path, "probability"))
    raw_impacts = m.get("impacts") or []
    if not isinstance(raw_impacts, list):
        raise doc.error("must be a list of impacts", (*path, "impacts"))
    impacts = tuple(
        _impact(doc, x, (*path, "impacts", j), units) for j, x in enumerate(raw_impacts)
    )
    for j, imp in enumerate(impacts):
        if imp.task not in tasks:
            raise doc.error(
                f"the mitigation changes the impact on {show(imp.task)}, which the risk does not "
                "impact before mitigation",
                (*path, "impacts", j, "task"),
            )
    return Mitigation(cost=cost, probability=probability, impacts=impacts)


def _link(
    doc: Document,
    raw: Any,
    task_path: Path_,
    j: int,
    units: Units,
    lag_units: Callable[[str, Units], Units],
) -> Link:
    """Predecessor ``j`` of the task at ``task_path``; a lag with a unit counts in the
    units of the lag calendar: ``lag_units(predecessor, units)``, ``units`` being those
    of the task's (the successor's) calendar."""
    if raw.__class__ is dict:  # the common {task: A, type: SS, lag: 2}, checked quickly
        task, kind, lag = raw.get("task"), raw.get("type", "FS"), raw.get("lag", 0)
        if (
            task.__class__ is str
            and kind.__class__ is str
            and kind in _LINK_TYPES
            and lag.__class__ in (int, float)
            and -LIMIT <= lag <= LIMIT
            and raw.keys() <= _LINK_KEYS
            and (task.isalnum() or _ID.match(task))
        ):
            return Link(task, kind, float(lag))
    return _link_checked(doc, raw, (*task_path, "predecessors", j), units, lag_units)


def _lag(doc: Document, raw: Any, path: Path_, units: Units) -> float:
    """A lag: working days, or a duration with a unit (negative: a lead)."""
    if isinstance(raw, str) and WITH_UNIT.match(raw):
        try:
            return units.days(raw, "", nonneg=False)
        except ScenarioError as e:
            raise doc.error(e.message, path) from None
    return as_number(doc, raw, path, allow_negative=True)


def _link_checked(
    doc: Document,
    raw: Any,
    path: Path_,
    units: Units,
    lag_units: Callable[[str, Units], Units],
) -> Link:
    if isinstance(raw, str):
        m = _LINK_SHORTHAND.match(raw.strip())
        if not m:
            raise doc.error(
                f"cannot read link {show(raw)}; write e.g. 'A', 'A SS' or 'A FS+2'", path
            )
        kind = (m["type"] or "FS").upper()
        if kind not in LINK_TYPES:
            raise doc.error(f"unknown link type {show(m['type'])} (use FS, SS, FF or SF)", path)
        lag = 0.0
        if m["lag"]:
            lag = _lag(doc, m["lag"].replace(" ", ""), path, lag_units(m["task"], units))
        return Link(task=m["task"], type=kind, lag=lag)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return Link(task=str(raw))
    d = as_mapping(doc, raw, path, LINK_KEYS, "a predecessor")
    if "task" not in d:
        raise doc.error("a predecessor needs 'task'", path)
    task = as_id(doc, d["task"], (*path, "task"))
    kind = d.get("type", "FS")
    if not isinstance(kind, str) or kind.upper() not in LINK_TYPES:
        raise doc.error(f"unknown link type {show(kind)} (use FS, SS, FF or SF)", (*path, "type"))
    lag = _lag(doc, d.get("lag", 0), (*path, "lag"), lag_units(task, units))
    return Link(task=task, type=kind.upper(), lag=lag)


def _ids(doc: Document, raw: Any, path: Path_) -> tuple[str, ...]:
    """A list of task ids (one id alone stands for a list of one)."""
    if isinstance(raw, str | int) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list):
        raise doc.error(f"must be a list of task ids, got {kind_of(raw)}", path)
    return tuple(as_id(doc, a, (*path, j)) for j, a in enumerate(raw))


def _milestone(doc: Document, raw: Any, path: Path_, units: Units) -> Milestone:
    """A milestone; a target written with a unit counts in ``units``, the project
    calendar's, like a target in working days."""
    m, mid = _entity(doc, raw, path, MILESTONE_KEYS, "a milestone")
    after = m.get("after")
    if isinstance(after, str | int) and not isinstance(after, bool):
        after = [after]
    if not isinstance(after, list) or not after:
        raise doc.error("'after' must list the tasks this milestone waits for", (*path, "after"))
    after_ids = tuple(as_id(doc, a, (*path, "after", j)) for j, a in enumerate(after))
    target = target_date = None
    raw_target = m.get("target")
    if raw_target is not None:
        tpath = (*path, "target")
        if isinstance(raw_target, int | float) and not isinstance(raw_target, bool):
            target = as_number(doc, raw_target, tpath)
        elif isinstance(raw_target, str) and WITH_UNIT.match(raw_target):
            try:
                target = units.days(raw_target, "")
            except ScenarioError as e:
                raise doc.error(e.message, tpath) from None
        else:  # converted to working days through the calendars when compiled
            target_date = as_date(doc, raw_target, tpath)
    return Milestone(
        id=mid,
        after=after_ids,
        name=as_text(doc, m.get("name"), (*path, "name")),
        target=target,
        target_date=target_date,
    )


def parse_simulation(
    doc: Document, raw: Any, path: Path_, units: Units | None = None
) -> SimulationSettings:
    """The ``simulation:`` section of a scenario or portfolio file (defaults when absent);
    a convergence tolerance with a unit counts in ``units``, the project calendar's."""
    if raw is None:
        return SimulationSettings()
    s = as_mapping(doc, raw, path, SIMULATION_KEYS, "'simulation'")
    out = SimulationSettings()
    iterations, seed, percentiles = out.iterations, out.seed, out.percentiles
    if "iterations" in s:
        iterations = s["iterations"]
        if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
            raise doc.error(
                f"must be a whole number ≥ 1, got {show(iterations)}", (*path, "iterations")
            )
    if "seed" in s:
        seed = s["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64:
            raise doc.error(f"must be a whole number ≥ 0, got {show(seed)}", (*path, "seed"))
    if "percentiles" in s:
        raw_p = s["percentiles"]
        if not isinstance(raw_p, list) or not raw_p:
            raise doc.error("must be a non-empty list of numbers", (*path, "percentiles"))
        percentiles = tuple(
            _percentile(doc, p, (*path, "percentiles", i)) for i, p in enumerate(raw_p)
        )
    sampling = out.sampling
    if "sampling" in s:
        raw = s["sampling"]
        if not isinstance(raw, str) or raw.lower() not in SAMPLING:
            raise doc.error(f"must be monte-carlo or lhs, got {show(raw)}", (*path, "sampling"))
        sampling = SAMPLING[raw.lower()]
    policy = out.constraints
    if "constraints" in s:
        raw = s["constraints"]
        if not isinstance(raw, str) or raw.lower() not in CONSTRAINT_POLICIES:
            raise doc.error(f"must be soft or hard, got {show(raw)}", (*path, "constraints"))
        policy = raw.lower()
    convergence = None
    if s.get("convergence") not in (None, False):
        convergence = _convergence(doc, s["convergence"], (*path, "convergence"), units or Units())
    return SimulationSettings(
        iterations=iterations,
        seed=seed,
        percentiles=percentiles,
        sampling=sampling,
        constraints=policy,
        convergence=convergence,
    )


def _convergence(doc: Document, raw: Any, path: Path_, units: Units) -> Convergence:
    """``simulation.convergence``: ``true`` for the defaults, or a mapping of some of
    :class:`Convergence`'s settings; the tolerance in working days or with a unit."""
    if raw is True:
        return Convergence()
    c = as_mapping(doc, raw, path, CONVERGENCE_KEYS, "'convergence' (true or a mapping)")
    given: dict[str, Any] = {}
    if "p" in c:
        raw_p = c["p"] if isinstance(c["p"], list) else [c["p"]]
        given["p"] = tuple(as_number(doc, x, (*path, "p", i)) for i, x in enumerate(raw_p))
    if "tolerance" in c:
        tol = c["tolerance"]
        if isinstance(tol, str) and WITH_UNIT.match(tol):
            try:
                given["tolerance"] = units.days(tol, "")
            except ScenarioError as e:
                raise doc.error(e.message, (*path, "tolerance")) from None
        else:
            given["tolerance"] = as_number(doc, tol, (*path, "tolerance"))
    for key in ("cost_tolerance", "confidence"):
        if c.get(key) is not None:
            given[key] = as_number(doc, c[key], (*path, key))
    for key in ("max_iterations", "block"):
        if key in c:
            given[key] = c[key]
    out = Convergence(**given)
    try:
        out.check()
    except ScenarioError as e:
        raise doc.error(e.message, (*path, e.field or "")) from None
    return out


def _percentile(doc: Document, value: Any, path: Path_) -> float:
    x = as_number(doc, value, path)
    if not 0 <= x <= 100:
        raise doc.error(f"must be between 0 and 100, got {show(value)}", path)
    return x


def _correlation(doc: Document, raw: Any, path: Path_) -> Correlation:
    c = as_mapping(doc, raw, path, CORRELATION_KEYS, "a correlation")
    if ("tasks" in c) == ("risks" in c):
        raise doc.error("give either 'tasks' or 'risks' to correlate", path)
    if "risks" in c:
        raw_r = c["risks"]
        if not isinstance(raw_r, list) or len(raw_r) < 2:
            raise doc.error("'risks' must list at least two risks", (*path, "risks"))
        rids = tuple(as_id(doc, r, (*path, "risks", j)) for j, r in enumerate(raw_r))
        if "coefficient" not in c or "matrix" in c:
            raise doc.error("risks are correlated with one 'coefficient'", path)
        rho = as_number(doc, c["coefficient"], (*path, "coefficient"), allow_negative=True)
        if not -1 <= rho <= 1:
            raise doc.error(f"must be between -1 and 1, got {rho:g}", (*path, "coefficient"))
        return Correlation(risks=rids, coefficient=rho)
    tasks = c.get("tasks")
    if not isinstance(tasks, list) or len(tasks) < 2:
        raise doc.error("'tasks' must list at least two tasks", (*path, "tasks"))
    ids = tuple(as_id(doc, t, (*path, "tasks", j)) for j, t in enumerate(tasks))
    if ("coefficient" in c) == ("matrix" in c):
        raise doc.error("give either 'coefficient' (every pair) or 'matrix'", path)
    if "coefficient" in c:
        rho = as_number(doc, c["coefficient"], (*path, "coefficient"), allow_negative=True)
        if not -1 <= rho <= 1:
            raise doc.error(f"must be between -1 and 1, got {rho:g}", (*path, "coefficient"))
        return Correlation(tasks=ids, coefficient=rho)
    raw_m = c["matrix"]
    k = len(ids)
    if not isinstance(raw_m, list) or len(raw_m) != k:
        raise doc.error(f"must be a {k}×{k} matrix, one row per task", (*path, "matrix"))
    rows = []
    for i, row in enumerate(raw_m):
        if not isinstance(row, list) or len(row) != k:
            raise doc.error(f"row {i + 1} must have {k} numbers", (*path, "matrix", i))
        vals = tuple(
            as_number(doc, v, (*path, "matrix", i, j), allow_negative=True)
            for j, v in enumerate(row)
        )
        for j, v in enumerate(vals):
            if not -1 <= v <= 1:
                raise doc.error(f"must be between -1 and 1, got {v:g}", (*path, "matrix", i, j))
        rows.append(vals)
    return Correlation(tasks=ids, matrix=tuple(rows))


def _register_file(doc: Document, raw: dict, path: Path_) -> tuple[tuple[Risk, ...], str]:
    r = as_mapping(doc, raw, path, ("file",), "'risks'")
    name = r.get("file")
    if not isinstance(name, str) or not name:
        raise doc.error("'file' must name a .csv or .xlsx risk register", (*path, "file"))
    file = Path(doc.file).parent / name
    return load_register(file), str(file)


def _tasks(doc: Document, raw: list, units: LagUnits) -> Iterator[Task]:
    """The tasks, each entry of the file's list dropped once it is read: its memory then
    serves the tasks that follow, a fifth less at the peak for a large file. No other
    field takes a list of tasks, so a list shared by a YAML alias is an error anyway."""
    for i in range(len(raw)):
        yield _task(doc, raw[i], ("tasks", i), units)
        raw[i] = None
