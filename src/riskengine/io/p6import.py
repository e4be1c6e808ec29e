"""A Primavera P6 project (XER) as a riskengine scenario, with a record of every loss.

This is the importer's second layer (io/xer.py reads the tables, io/p6calendar.py the
calendars). It maps one project of the file: its activities (ids are the activity ids
users know, ``task_code``), their links, the calendars they use and their progress at
the data date. Everything the scenario format cannot hold yet is listed in the
:class:`ImportReport`, never dropped silently: the importer's fidelity is measured by
comparing the deterministic schedule of the result with the early dates P6 stored.

Units. P6 stores durations and lags in hours. A duration converts to working days through
the activity's calendar's *real* hours per working day (the intervals of its work week),
not the calendar's ``day_hr_cnt`` setting, which can disagree (a calendar that works
07:00-12:00 and 13:00-17:00 has 9-hour days whatever that field says). A lag counts on
the calendar the file's scheduling options choose (the successor's by default), and its
hours convert through that calendar's hours per day (24 for the 24-hour one).
"""

from __future__ import annotations

import collections
import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from riskengine.io.p6calendar import parse_calendar_data
from riskengine.io.worktime import WorkingTime, clock_hours, constraint_day
from riskengine.io.xer import XerFile, read_xer
from riskengine.model.distributions import most_likely, parse_distribution
from riskengine.model.scenario import (
    LEVEL_OF_EFFORT,
    WBS_SUMMARY,
    Calendar,
    Constraint,
    Cost,
    Link,
    Scenario,
    Task,
)
from riskengine.model.validate import RESERVED_ATTRIBUTES

LINK_TYPES = {"PR_FS": "FS", "PR_SS": "SS", "PR_FF": "FF", "PR_SF": "SF"}
WORK_TYPES = {
    "TT_Task": "task",
    "TT_Rsrc": "resource dependent",
    "TT_Mile": "start milestone",
    "TT_FinMile": "finish milestone",
    "TT_LOE": "level of effort",
    "TT_WBS": "WBS summary",
}
SPANNING = {"TT_LOE": LEVEL_OF_EFFORT, "TT_WBS": WBS_SUMMARY}  # dated by other activities
LAG_CALENDARS = {  # P6's "calendar for scheduling relationship lag"
    "rcal_Successor": "successor",
    "rcal_Predecessor": "predecessor",
    "rcal_24Hour": "24-hour",
    "rcal_ProjDefault": "project",
    "rcal_Project": "project",  # an older spelling
}
MILESTONES = {"TT_Mile": "start", "TT_FinMile": "finish"}
CONSTRAINTS = {  # P6's constraint codes
    "CS_MSOA": "start-no-earlier-than",  # Start On or After
    "CS_MSOB": "start-no-later-than",  # Start On or Before
    "CS_MEOA": "finish-no-earlier-than",  # Finish On or After
    "CS_MEOB": "finish-no-later-than",  # Finish On or Before
    "CS_MSO": "start-on",
    "CS_MEO": "finish-on",
    "CS_MANDSTART": "mandatory-start",
    "CS_MANDFIN": "mandatory-finish",
    "CS_ALAP": "as-late-as-possible",  # no date
}


@dataclass
class Loss:
    """Something the file holds that the scenario holds only approximately, or not."""

    what: str
    why: str
    items: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line for the text report."""
        shown = ", ".join(self.items[:5]) + (" …" if len(self.items) > 5 else "")
        return f"{len(self.items):>6}  {self.what}: {self.why}" + (f" ({shown})" if shown else "")


@dataclass(frozen=True)
class StoredDates:
    """The schedule a file holds for one activity, which the fidelity table compares
    with ours: P6's early start and finish and total float (in working days of the
    activity's calendar), MS Project's start and finish (no float). A finished
    activity's dates are its actual dates."""

    start: _dt.datetime | None
    finish: _dt.datetime | None
    total_float: float | None = None
    kind: str = ""  # the activity type, as WORK_TYPES names it
    status: str = ""  # "not started", "in progress" or "finished"


@dataclass
class ImportReport:
    """What an import read (``counts``), what it mapped approximately or dropped
    (``losses``), what looked wrong in the file (``warnings``), the dates the file
    stores for each imported activity, by its id in the scenario (``stored``), the
    project finish the file stores (``project_finish``; None when it has none), the
    file's actual and remaining cost of the activities imported (``costs``) and, for
    importing every project of a file, each activity's id in the file (``file_ids``:
    P6's task_id to ours) and the links from activities of other projects
    (``external``: ours, the other's task_id in the file, type, lag in days)."""

    source: str
    project: str
    version: str
    counts: dict[str, int] = field(default_factory=dict)
    losses: dict[str, Loss] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    stored: dict[str, StoredDates] = field(default_factory=dict)
    costs: dict[str, float] = field(default_factory=dict)  # "actual", "remaining" in the file
    project_finish: _dt.datetime | None = None
    file_ids: dict[str, str] = field(default_factory=dict)
    external: list[tuple[str, str, str, float]] = field(default_factory=list)

    def lose(self, key: str, what: str, why: str, item: str) -> None:
        """Record one item of a kind of loss."""
        self.losses.setdefault(key, Loss(what, why)).items.append(item)


NOT_IN_IDS = re.compile(r"[\s,\[\]{}]+")


def usable_id(text: str, fallback: str, taken: set[str]) -> str:
    """``text`` as an id the scenario format accepts (no spaces, commas or brackets: runs
    of them become ``_``), or ``fallback`` when nothing is left; ``_2``, ``_3`` … added
    until it is not in ``taken``, which then holds it."""
    base = NOT_IN_IDS.sub("_", text).strip("_") or fallback
    out, k = base, 1
    while out in taken:
        k += 1
        out = f"{base}_{k}"
    taken.add(out)
    return out


def _date(text: str) -> _dt.date | None:
    """The day of a P6 date-time (``2011-05-01 08:00``), None when empty."""
    return _dt.date.fromisoformat(text[:10]) if text else None


# a milestone's finish constraint kept with its time of day: P6 dates the milestone on
# that day and takes the moment as its latest finish (sp10's finish-on 08:00)
OPENING_MOMENTS = (
    "finish-on",
    "finish-no-earlier-than",
    "finish-no-later-than",
    "mandatory-finish",
)


def _moment(text: str) -> _dt.datetime | None:
    """A P6 date-time (``2011-05-01 08:00``) to the minute, None when empty."""
    return _dt.datetime.fromisoformat(text[:16]) if text else None


STATUS = {"TK_NotStart": "not started", "TK_Active": "in progress", "TK_Complete": "finished"}


def _stored(row: dict[str, str], hours_per_day: float) -> StoredDates:
    """The dates P6 stores for an activity: its early dates (its actual ones once
    finished) and its total float in working days."""
    done = row.get("status_code") == "TK_Complete"
    start = _moment(row.get("act_start_date" if done else "early_start_date", ""))
    finish = _moment(row.get("act_end_date" if done else "early_end_date", ""))
    text = row.get("total_float_hr_cnt", "")
    try:
        tf = float(text) / hours_per_day if text else None
    except ValueError:
        tf = None
    kind = row.get("task_type", "")
    status = row.get("status_code", "")
    return StoredDates(start, finish, tf, WORK_TYPES.get(kind, kind), STATUS.get(status, status))


def _hours(xer: XerFile, table: str, name: str, row: dict[str, str], line: int) -> float:
    """Field ``name`` of a ``table`` row: a number of hours (empty: 0)."""
    return _number(xer, table, name, row, line, 1e7)


def _number(
    xer: XerFile, table: str, name: str, row: dict[str, str], line: int, limit: float
) -> float:
    """Field ``name`` of a ``table`` row: a number (empty: 0) of magnitude under
    ``limit``."""
    text = row.get(name, "")
    try:
        value = float(text or 0)
    except ValueError:
        raise xer.error(f"{name} is not a number: {text[:20]!r}", line, table) from None
    if value != value or abs(value) > limit:
        raise xer.error(f"{name} is out of range: {text[:20]!r}", line, table)
    return value


MONEY = 1e15  # the largest cost a field may hold (a typo beyond)


@dataclass
class _Money:
    """An activity's cost in the file: actual to date and remaining, of its resource
    assignments (whose remaining cost follows its remaining duration) and of its
    expenses (lump sums)."""

    actual: float = 0.0
    labour: float = 0.0  # remaining cost of the resource assignments
    expenses: float = 0.0  # remaining cost of the expenses


def _money(
    xer: XerFile,
    kept: dict[str, tuple[int, dict[str, str]]],
    code_of: dict[str, str],
    report: ImportReport,
) -> dict[str, _Money]:
    """Each kept activity's :class:`_Money` (by task_id), from TASKRSRC (resource
    assignments: ``act_reg_cost + act_ot_cost`` actual, ``remain_cost``) and PROJCOST
    (expenses: ``act_cost``, ``remain_cost``); the file's totals go to ``report.costs``."""
    out: dict[str, _Money] = {}
    for table, actual_fields, count in (
        ("TASKRSRC", ("act_reg_cost", "act_ot_cost"), "resource assignments"),
        ("PROJCOST", ("act_cost",), "expenses"),
    ):
        if table not in xer.tables:
            continue
        n = 0
        for line, r in xer.table(table).records():
            tid = r.get("task_id", "")
            if tid not in kept:
                continue
            n += 1
            m = out.setdefault(tid, _Money())
            m.actual += sum(_number(xer, table, f, r, line, MONEY) for f in actual_fields)
            remain = _number(xer, table, "remain_cost", r, line, MONEY)
            if table == "TASKRSRC":
                m.labour += remain
            else:
                m.expenses += remain
        report.counts[count] = n
    for tid, m in out.items():
        if m.labour < 0 or m.expenses < 0 or m.actual < 0:
            report.lose(
                "negative-cost",
                "negative costs (rounding in the file)",
                "counted as 0: a cost is never negative",
                f"{code_of[tid]} ({min(m.labour, m.expenses, m.actual):.4g})",
            )
            m.labour, m.expenses, m.actual = (max(x, 0.0) for x in (m.labour, m.expenses, m.actual))
    report.costs["actual"] = sum(m.actual for m in out.values())
    report.costs["remaining"] = sum(m.labour + m.expenses for m in out.values())
    return out


def _task_cost(m: _Money | None, left: float, started: bool) -> tuple[Cost | None, float | None]:
    """An activity's cost and actual cost: the remaining labour as a rate over its
    ``left`` remaining working days (so it follows the duration once that is uncertain;
    a lump sum when none are left), the expenses as a lump sum, and for a started
    activity its actual cost to date, carried as it is."""
    if m is None or (m.actual == 0 and m.labour == 0 and m.expenses == 0):
        return None, None
    fixed, per_day = m.expenses, 0.0
    if left > 0:
        per_day = m.labour / left
    else:
        fixed += m.labour
    rate = parse_distribution({"dist": "fixed", "value": per_day}) if per_day else None
    cost = Cost(fixed=parse_distribution({"dist": "fixed", "value": fixed}), per_day=rate)
    return cost, (m.actual if started else None)


def progress_by(
    t: Task, day: _dt.date, report: ImportReport, label: str, moment: _dt.date | None = None
) -> Task:
    """``t`` with the progress its file's data date ``day`` can hold: an actual start
    after it is taken as not started, an actual finish after it as work in progress,
    each with a warning naming the activity (the file allows it; the model does not).
    An actual date later on the day of a data date with a time of day (``moment``) is
    taken at that moment: done by then, as P6 schedules it."""
    if isinstance(moment, _dt.datetime):
        t = replace_task(
            t,
            actual_start=_no_later(t.actual_start, moment),
            actual_finish=_no_later(t.actual_finish, moment),
        )
    if t.actual_start and _day_of(t.actual_start) > day:
        report.warnings.append(
            f"{t.id} has an actual start {t.actual_start} after {label} {day}: taken as not started"
        )
        return without_progress(t)
    if t.actual_finish and _day_of(t.actual_finish) > day:
        report.warnings.append(
            f"{t.id} has an actual finish {t.actual_finish} after {label} {day}: "
            "taken as in progress"
        )
        return in_progress(t)
    return t


def _no_later(value: _dt.date | None, moment: _dt.datetime) -> _dt.date | None:
    """An actual date with a time of day later than ``moment`` on its day: ``moment``."""
    if isinstance(value, _dt.datetime) and value.date() == moment.date() and value > moment:
        return moment
    return value


def _actual(text: str, cal: Calendar, on_start: bool) -> _dt.date | None:
    """An actual start or finish of P6 on an activity of calendar ``cal``: its day alone
    where that means the same (midnight, a start at or before the opening, a finish at
    or after the close), else the moment (its time counts by the calendar's clock)."""
    moment = _moment(text)
    if moment is None:
        return None
    clock = clock_hours(moment)
    if clock == 0 or (clock <= cal.day[0][0] if on_start else clock >= cal.day[-1][1]):
        return moment.date()
    return moment


def _resource_calendars(
    xer: XerFile,
    kept: dict[str, tuple[int, dict[str, str]]],
    code_of: dict[str, str],
    report: ImportReport,
) -> None:
    """A resource dependent activity is scheduled by its resources' calendars in P6; we
    schedule it on its own: a loss where a resource assigned to it has another calendar
    (named by the resource table, RSRC)."""
    dependent = {tid for tid, (_, r) in kept.items() if r.get("task_type") == "TT_Rsrc"}
    if not dependent:
        return
    rows = xer.table("RSRC").records()
    calendar_of = {r.get("rsrc_id", ""): r.get("clndr_id", "") for _, r in rows}
    for _, a in xer.table("TASKRSRC").records():
        tid = a.get("task_id", "")
        if tid not in dependent:
            continue
        own = kept[tid][1].get("clndr_id", "")
        if calendar_of.get(a.get("rsrc_id", ""), own) not in ("", own):
            dependent.discard(tid)
            report.lose(
                "resource-calendars",
                "resource dependent activities whose resources work other calendars",
                "scheduled on the activity's calendar (P6: its resources')",
                code_of[tid],
            )


def _minute_past(text: str) -> bool:
    """Whether a stored P6 date sits a minute past a calendar's step (08:01): how P6
    finishes an activity just after its start-to-finish predecessor's start, on that
    day."""
    moment = _moment(text)
    return moment is not None and moment.minute % 5 == 1


def _data_date(text: str) -> _dt.date | None:
    """P6's data date: its day, with its time of day when that is not midnight."""
    moment = _moment(text)
    if moment is None or (moment.hour, moment.minute) == (0, 0):
        return _date(text)
    return moment


def _day_of(value: _dt.date) -> _dt.date:
    """The day of a date or a date with a time."""
    return value.date() if isinstance(value, _dt.datetime) else value


def without_progress(t: Task) -> Task:
    """``t`` not started (an actual cost it had becomes part of its lump sum)."""
    cost = t.cost
    if t.actual_cost and cost is not None:
        lump = most_likely(cost.fixed) if cost.fixed is not None else 0.0
        fixed = parse_distribution({"dist": "fixed", "value": lump + t.actual_cost})
        cost = Cost(fixed=fixed, per_day=cost.per_day)
    return replace_task(
        t, actual_start=None, actual_finish=None, remaining=None, actual_cost=None, cost=cost
    )


def in_progress(t: Task) -> Task:
    """``t`` started, without its actual finish (its remaining work: its duration less
    the working days elapsed, as the model counts it without ``remaining``)."""
    return replace_task(t, actual_finish=None, remaining=None)


def replace_task(t: Task, **changes: Any) -> Task:
    """A copy of ``t`` with ``changes``."""
    fields = {k: getattr(t, k) for k in t.__dataclass_fields__}
    fields.update(changes)
    return Task(**fields)


def choose_project(xer: XerFile, project: str | None) -> dict[str, str]:
    """The PROJECT row named by ``project`` (its short name or id), or the only one."""
    rows = [row for _, row in xer.table("PROJECT").records()]
    if not rows:
        raise xer.error("the file holds no project (no PROJECT table)")
    if project is None:
        if len(rows) > 1:
            names = ", ".join(r.get("proj_short_name", r.get("proj_id", "?")) for r in rows)
            raise xer.error(
                f"the file holds {len(rows)} projects ({names}): choose one with --project"
            )
        return rows[0]
    for r in rows:
        if project in (r.get("proj_short_name"), r.get("proj_id")):
            return r
    names = ", ".join(r.get("proj_short_name", "?") for r in rows)
    raise xer.error(f"no project {project!r} in the file (it holds {names})")


@dataclass(frozen=True)
class ImportedCalendar:
    """A calendar of a schedule file as an import uses it: the riskengine Calendar and
    the real working hours of its usual day, which durations and lags in hours divide."""

    calendar: Calendar
    hours_per_day: float


def working_calendar(wt: WorkingTime, name: str) -> ImportedCalendar | None:
    """A riskengine Calendar named ``name`` from a file's working time (both importers
    use it): weekdays with working time are workdays with their hours, exception dates
    without work holidays, worked days off of the usual hours extra workdays, other
    exception dates with other hours than their weekday's partial days. The usual day
    (the hours most weekdays work) is the unit durations in hours divide by; its clock
    window places times of day (on a day of other hours too: README). None when no
    weekday works (the caller's error, which knows where the calendar is in its file)."""
    hours = [wt.hours(d) for d in wt.week]
    worked = [h for h in hours if h > 0]
    if not worked:
        return None
    counts = collections.Counter(worked)
    usual = max(counts, key=lambda h: (counts[h], h))
    holidays, extra, partial = [], [], []
    for day, intervals in sorted(wt.exceptions.items()):
        h = wt.hours(intervals)
        normal = hours[day.weekday()]
        if h == 0 and normal > 0:
            holidays.append(day)
        elif h == usual and normal == 0:
            extra.append(day)
        elif h > 0 and h != normal:
            partial.append((day, h))
    window = next(wt.week[d] for d in range(7) if hours[d] == usual)
    cal = Calendar(
        name,
        tuple(d for d in range(7) if hours[d] > 0),
        tuple(holidays),
        tuple(extra),
        hours_per_day=usual,
        hours=tuple((d, hours[d]) for d in range(7) if 0 < hours[d] != usual),
        day=tuple((s / 60, e / 60) for s, e in window),
        partial_days=tuple(partial),
    )
    return ImportedCalendar(cal, usual)


def _calendar(
    cid: str, row: dict[str, str], line: int, xer: XerFile, report: ImportReport, names: set[str]
) -> ImportedCalendar:
    """A riskengine Calendar from a P6 calendar (:func:`working_calendar`)."""
    wt: WorkingTime = parse_calendar_data(
        row.get("clndr_data", ""), file=xer.path, field=f"CALENDAR[{cid}].clndr_data", line=line
    )
    if not any(wt.hours(d) > 0 for d in wt.week):
        raise xer.error(f"calendar {cid} has no working day in its week", line, "CALENDAR")
    name = usable_id(row.get("clndr_name", ""), f"calendar_{cid}", names)
    cal = working_calendar(wt, name)
    assert cal is not None  # a working weekday was checked above
    return cal


# keys an activity code type may not take: the attributes the importer fills itself and
# what an uncertainty rule matches on the task (model/validate.py RESERVED_ATTRIBUTES)
OWN_ATTRIBUTES = ("type", "wbs", "wbs_name", *RESERVED_ATTRIBUTES)


def code_key(name: str, fallback: str, taken: set[str]) -> str:
    """An activity code type's name as an attribute key: lower case, each run of other
    characters than letters and digits as ``_`` (``Area`` → ``area``, ``Work Front`` →
    ``work_front``); ``code_`` before one that starts with a digit; ``_code`` after one
    the importer uses itself (``Type`` → ``type_code``); ``_2``, ``_3`` … until it is not
    in ``taken``, which then holds it."""
    base = re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_") or fallback
    if base[0].isdigit():
        base = f"code_{base}"
    if base in OWN_ATTRIBUTES:
        base = f"{base}_code"
    out, k = base, 1
    while out in taken:
        k += 1
        out = f"{base}_{k}"
    taken.add(out)
    return out


def _wbs_paths(xer: XerFile, pid: str) -> dict[str, tuple[str, str]]:
    """Each WBS node of project ``pid``: its path (the ``wbs_short_name``s from the
    project's root down, joined with ".", the root itself left out, as every activity
    shares it) and its ``wbs_name``; the root's path is empty."""
    nodes = {
        r.get("wbs_id", ""): r for _, r in xer.table("PROJWBS").records() if r.get("proj_id") == pid
    }
    paths: dict[str, tuple[str, str]] = {}

    def path_of(wid: str) -> str:
        names: list[str] = []
        seen: set[str] = set()
        node = nodes.get(wid)
        while node is not None and node.get("proj_node_flag") != "Y" and wid not in seen:
            seen.add(wid)  # a loop in a broken file ends the path
            names.append(node.get("wbs_short_name", ""))
            wid = node.get("parent_wbs_id", "")
            node = nodes.get(wid)
        return ".".join(reversed(names))

    for wid, r in nodes.items():
        path = path_of(wid)
        paths[wid] = (path, r.get("wbs_name", "") if path else "")
    return paths


def _code_values(xer: XerFile, tids: set[str]) -> dict[str, list[tuple[str, str]]]:
    """Each activity's activity codes (of the activities ``tids``), as ``(key, value)``:
    the key from its code type's name (:func:`code_key`), the value the code's
    ``short_name``; code types in the file's order, one value per type."""
    assigned = [
        (r.get("task_id", ""), r.get("actv_code_type_id", ""), r.get("actv_code_id", ""))
        for _, r in xer.table("TASKACTV").records()
        if r.get("task_id") in tids
    ]
    if not assigned:
        return {}
    used = {type_id for _, type_id, _ in assigned}
    taken: set[str] = set()
    keys = {
        r["actv_code_type_id"]: code_key(
            r.get("actv_code_type", ""), f"code_{r['actv_code_type_id']}", taken
        )
        for _, r in xer.table("ACTVTYPE").records()
        if r.get("actv_code_type_id") in used
    }
    order = {type_id: i for i, type_id in enumerate(keys)}
    short = {
        r.get("actv_code_id", ""): r.get("short_name", "")
        for _, r in xer.table("ACTVCODE").records()
    }
    out: dict[str, dict[str, tuple[int, str]]] = collections.defaultdict(dict)
    for tid, type_id, code_id in assigned:
        if type_id in keys and code_id in short and keys[type_id] not in out[tid]:
            out[tid][keys[type_id]] = (order[type_id], short[code_id])
    return {
        tid: [(k, v) for k, (_, v) in sorted(codes.items(), key=lambda kv: kv[1][0])]
        for tid, codes in out.items()
    }


def _attributes(
    xer: XerFile, pid: str, rows: list[tuple[int, dict[str, str]]]
) -> dict[str, tuple[tuple[str, str], ...]]:
    """Each activity's attributes (by task_id): ``type`` (WORK_TYPES), ``wbs`` and
    ``wbs_name`` of its WBS node (:func:`_wbs_paths`; none at the project's root) and
    its activity codes (:func:`_code_values`)."""
    wbs = _wbs_paths(xer, pid)
    codes = _code_values(xer, {r.get("task_id", "") for _, r in rows})
    out = {}
    for _, r in rows:
        tid = r.get("task_id", "")
        kind = r.get("task_type", "")
        attrs = [("type", WORK_TYPES.get(kind, kind))] if kind else []
        path, name = wbs.get(r.get("wbs_id", ""), ("", ""))
        if path:
            attrs += [("wbs", path), ("wbs_name", name)] if name else [("wbs", path)]
        attrs += codes.get(tid, [])
        out[tid] = tuple(attrs)
    return out


def _spanning_link(pred: dict[str, str], succ: dict[str, str]) -> tuple[str, str, str] | None:
    """The loss (key, what, why) of a link the scenario cannot hold between two kept
    activities: one to or from a WBS summary, or between two levels of effort."""
    kinds = (pred.get("task_type"), succ.get("task_type"))
    if "TT_WBS" in kinds:
        return (
            "wbs-links",
            "links to or from WBS summary activities",
            "left out (a WBS summary's dates come from its WBS's activities)",
        )
    if kinds == ("TT_LOE", "TT_LOE"):
        return (
            "loe-links",
            "links between level of effort activities",
            "left out (a level of effort waits for and drives activities only)",
        )
    return None


def _spanned(
    xer: XerFile,
    kept: dict[str, tuple[int, dict[str, str]]],
    code_of: dict[str, str],
    preds: dict[str, list[Link]],
    report: ImportReport,
) -> dict[str, tuple[str, ...]]:
    """The level of effort and WBS summary activities that can be kept, each with its
    members (ids): a level of effort needs a successor (its finish comes from them), a
    WBS summary spans the other activities of its WBS node and the nodes below it
    (PROJWBS ``parent_wbs_id``), and needs one. The others are a loss, with the reason."""
    waited_for = {lk.task for links in preds.values() for lk in links}
    children: dict[str, list[str]] = collections.defaultdict(list)
    for _, w in xer.table("PROJWBS").records():
        children[w.get("parent_wbs_id", "")].append(w.get("wbs_id", ""))
    out: dict[str, tuple[str, ...]] = {}
    for tid, (_, r) in kept.items():
        if r.get("task_type") != "TT_LOE":
            continue
        if code_of[tid] in waited_for:
            out[tid] = ()
        else:
            report.lose(
                "loe-without-successor",
                "level of effort activities without successors",
                "left out (a level of effort's finish comes from its successors)",
                code_of[tid],
            )
    in_node: dict[str, list[str]] = collections.defaultdict(list)
    for tid, (_, r) in kept.items():
        if r.get("task_type") not in SPANNING or tid in out:
            in_node[r.get("wbs_id", "")].append(code_of[tid])
    for tid, (_, r) in kept.items():
        if r.get("task_type") == "TT_WBS":
            found: list[str] = []
            nodes, seen = [r.get("wbs_id", "")], set()
            while nodes:
                node = nodes.pop()
                if node in seen:
                    continue
                seen.add(node)
                found += in_node.get(node, [])
                nodes += children.get(node, [])
            if found:
                out[tid] = tuple(found)
            else:
                report.lose(
                    "empty-wbs-summary",
                    "WBS summary activities without activities in their WBS",
                    "left out (nothing to span)",
                    code_of[tid],
                )
    return out


def import_xer(path: str | Path, project: str | None = None) -> tuple[Scenario, ImportReport]:
    """Read one project of the XER file at ``path`` into a scenario with fixed durations
    (the plan as P6 holds it; risk analysts add the uncertainty) and the report."""
    xer = read_xer(path)
    proj = choose_project(xer, project)
    pid = proj.get("proj_id", "")
    report = ImportReport(str(path), proj.get("proj_short_name", pid), xer.version)
    try:
        report.project_finish = _moment(proj.get("scd_end_date", ""))
    except ValueError:
        report.warnings.append("the project's scd_end_date is not a date: no finish to compare")
    tasks_rows = [(line, r) for line, r in xer.table("TASK").records() if r.get("proj_id") == pid]
    if not tasks_rows:
        raise xer.error(f"project {report.project} has no activities")
    report.counts["activities"] = len(tasks_rows)
    for kind, n in collections.Counter(r.get("task_type", "") for _, r in tasks_rows).items():
        report.counts[f"activities: {WORK_TYPES.get(kind, kind or 'unknown')}"] = n

    # calendars the activities use, and the project's
    cal_rows = {r.get("clndr_id", ""): (line, r) for line, r in xer.table("CALENDAR").records()}
    used = {r.get("clndr_id", "") for _, r in tasks_rows} | {proj.get("clndr_id", "")}
    cals: dict[str, ImportedCalendar] = {}
    names: set[str] = set()
    for cid in sorted(used - {""}):
        if cid not in cal_rows:
            report.warnings.append(
                f"calendar {cid} is used but not in the file: the project's instead"
            )
            continue
        cals[cid] = _calendar(cid, cal_rows[cid][1], cal_rows[cid][0], xer, report, names)
    report.counts["calendars"] = len(cals)
    project_cal = cals.get(proj.get("clndr_id", "")) or next(iter(cals.values()), None)
    if project_cal is None:
        raise xer.error(f"project {report.project} has no calendar the file defines")

    def cal_of(row: dict[str, str]) -> ImportedCalendar:
        return cals.get(row.get("clndr_id", ""), project_cal)

    # activities
    code_of: dict[str, str] = {}
    codes: set[str] = set()
    kept: dict[str, tuple[int, dict[str, str]]] = {}
    for line, r in tasks_rows:
        tid = r.get("task_id", "")
        given = r.get("task_code") or tid
        code = usable_id(given, f"task_{tid}", codes)
        if code != given:
            report.lose(
                "ids",
                "activity ids that are not usable as ids (spaces, commas, brackets, repeats)",
                "written with _ instead, or with a number added",
                f"{given} -> {code}",
            )
        code_of[tid] = code
        kept[tid] = (line, r)

    options = next(
        (row for _, row in xer.table("SCHEDOPTIONS").records() if row.get("proj_id") in (pid, "")),
        {},
    )
    # P6's retained logic unless the file asks for progress override
    logic = "override" if options.get("sched_progress_override") == "Y" else "retained"
    lag_option = options.get("sched_calendar_on_relationship_lag", "") or "rcal_Successor"
    lag_calendar = LAG_CALENDARS.get(lag_option)
    if lag_calendar is None:
        report.lose(
            "lag-calendar",
            f"lags on {lag_option.removeprefix('rcal_')} calendars",
            "counted on the successor's calendar",
            lag_option,
        )
        lag_calendar = "successor"

    def lag_hours_per_day(pred_row: dict[str, str], succ_row: dict[str, str]) -> float:
        """The hours of a working day of the calendar a lag counts on."""
        if lag_calendar == "24-hour":
            return 24.0
        if lag_calendar == "project":
            return project_cal.hours_per_day
        return cal_of(pred_row if lag_calendar == "predecessor" else succ_row).hours_per_day

    # links between kept activities of the project; the others' ends named by their codes
    elsewhere = {
        r.get("task_id", ""): r.get("task_code") or r.get("task_id", "")
        for _, r in xer.table("TASK").records()
    }
    preds: dict[str, list[Link]] = collections.defaultdict(list)
    n_links: collections.Counter[str] = collections.Counter()
    for line, r in xer.table("TASKPRED").records():
        succ, pred = r.get("task_id", ""), r.get("pred_task_id", "")
        if succ not in code_of:
            if pred in code_of:  # a successor in another project: P6's late dates see it
                report.lose(
                    "external-links",
                    "links to activities of other projects",
                    "left out (the other project is not imported)",
                    f"{code_of[pred]}->{elsewhere.get(succ, succ)}",
                )
            continue
        ltype = LINK_TYPES.get(r.get("pred_type", ""))
        if ltype is None:
            raise xer.error(f"unknown link type {r.get('pred_type', '')[:12]!r}", line, "TASKPRED")
        n_links[ltype] += 1
        if pred not in code_of:
            report.lose(
                "external-links",
                "links to activities of other projects",
                "left out (the other project is not imported)",
                f"{elsewhere.get(pred, pred)}->{code_of[succ]}",
            )
            if succ in kept:  # the lag in the successor's working days (P6's default)
                lag = _hours(xer, "TASKPRED", "lag_hr_cnt", r, line)
                lag /= cal_of(kept[succ][1]).hours_per_day
                report.external.append((code_of[succ], pred, ltype, lag))
            continue
        if succ not in kept or pred not in kept:
            report.lose(
                "dropped-links",
                "links to activities left out",
                "left out with them",
                f"{code_of[pred]}->{code_of[succ]}",
            )
            continue
        spanning = _spanning_link(kept[pred][1], kept[succ][1])
        if spanning:
            report.lose(spanning[0], spanning[1], spanning[2], f"{code_of[pred]}->{code_of[succ]}")
            continue
        lag_h = _hours(xer, "TASKPRED", "lag_hr_cnt", r, line)
        lag = lag_h / lag_hours_per_day(kept[pred][1], kept[succ][1])
        preds[succ].append(Link(code_of[pred], ltype, lag))
        if ltype == "SF" and _minute_past(kept[succ][1].get("early_end_date", "")):
            report.lose(
                "sf-minute",
                "start-to-finish links P6 finishes a minute into a day (08:01)",
                "finished at the end of the day before, where a finish at a day's opening is",
                f"{code_of[pred]}->{code_of[succ]}",
            )

    report.counts["links"] = sum(n_links.values())
    for kind, n in sorted(n_links.items()):
        report.counts[f"links: {kind}"] = n

    members = _spanned(xer, kept, code_of, preds, report)
    _resource_calendars(xer, kept, code_of, report)

    money = _money(xer, kept, code_of, report)
    attributes = _attributes(xer, pid, tasks_rows)

    # the data date and progress
    data_date = _data_date(proj.get("last_recalc_date", ""))
    tasks = []
    n_constraints = 0
    for tid, (line, r) in kept.items():
        code = code_of[tid]
        c = cal_of(r)
        kind = r.get("task_type", "")
        if kind in SPANNING and tid not in members:
            continue  # left out, with the reason (_spanned)
        status = r.get("status_code", "")
        target = _hours(xer, "TASK", "target_drtn_hr_cnt", r, line)
        remain = _hours(xer, "TASK", "remain_drtn_hr_cnt", r, line)
        zero = kind in ("TT_Mile", "TT_FinMile", *SPANNING)
        days = 0.0 if zero else max(target, 0.0) / c.hours_per_day
        actual_start = actual_finish = remaining = None
        if status == "TK_Complete":
            act_start, act_end = r.get("act_start_date", ""), r.get("act_end_date", "")
            actual_start = _actual(act_start or act_end, c.calendar, True)
            actual_finish = _actual(act_end, c.calendar, False) or actual_start
        elif status == "TK_Active":
            actual_start = _actual(r.get("act_start_date", ""), c.calendar, True)
            if actual_start is None:
                report.warnings.append(
                    f"{code} is in progress without an actual start: not started"
                )
            else:
                remaining = parse_distribution(
                    {"dist": "fixed", "value": max(remain, 0.0) / c.hours_per_day}
                )
        # the working days the rate covers; a level of effort's or summary's span is
        # computed, so its cost is a rate over the span P6 planned
        left = days if actual_start is None else 0.0
        if kind in SPANNING:
            left = max(target, 0.0) / c.hours_per_day
        if remaining is not None:
            left = max(remain, 0.0) / c.hours_per_day
        cost, actual_cost = _task_cost(money.get(tid), left, actual_start is not None)
        constraints = []
        for ctype, cdate in (
            (r.get("cstr_type", ""), r.get("cstr_date", "")),
            (r.get("cstr_type2", ""), r.get("cstr_date2", "")),
        ):
            if not ctype:
                continue
            n_constraints += 1
            if kind in SPANNING:
                report.lose(
                    "spanning-constraints",
                    "constraints on level of effort and WBS summary activities",
                    "left out (their dates come from other activities)",
                    code,
                )
                continue
            ckind = CONSTRAINTS.get(ctype)
            moment = _moment(cdate)
            if ckind == "as-late-as-possible":
                constraints.append(Constraint(ckind, None))
            elif ckind is None or moment is None:
                report.lose(ctype, f"constraints {ctype}", "left out (not modelled yet)", code)
            else:
                on_start = ckind.startswith("start") or ckind == "mandatory-start"
                day, exact = constraint_day(moment, on_start, c.calendar)
                # a time inside the working day is that moment
                when: _dt.date = day if exact else moment
                if kind in MILESTONES and not on_start:
                    when = moment.date()  # P6 dates a milestone on its day
                    if ckind in OPENING_MOMENTS and moment.hour + moment.minute > 0:
                        when = moment  # its latest finish is that moment too
                constraints.append(Constraint(ckind, when))
        report.stored[code] = _stored(r, c.hours_per_day)
        report.file_ids[tid] = code
        tasks.append(
            Task(
                code,
                duration=parse_distribution({"dist": "fixed", "value": days}),
                name=r.get("task_name", ""),
                predecessors=tuple(preds.get(tid, ())),
                calendar=c.calendar.id,
                constraints=tuple(constraints),
                actual_start=actual_start,
                actual_finish=actual_finish,
                remaining=None if kind in SPANNING else remaining,  # dated by others
                milestone=MILESTONES.get(kind),
                cost=cost,
                actual_cost=actual_cost,
                attributes=attributes[tid],
                type=SPANNING.get(kind, "task"),
                summarises=members.get(tid, ()) if kind == "TT_WBS" else (),
            )
        )
    report.counts["constraints"] = n_constraints
    if data_date is not None:  # progress after the data date: warnings (P6 allows it)
        day = _day_of(data_date)
        tasks = [progress_by(t, day, report, "the data date", data_date) for t in tasks]
    # P6 schedules the remaining work from the data date, started or not; the start is
    # the earliest of the planned start and any actual start
    actuals = [t.actual_start for t in tasks if t.actual_start]
    planned = _date(proj.get("plan_start_date", "")) or (data_date and _day_of(data_date))
    start = min([_day_of(d) for d in (planned, *actuals) if d is not None], default=None)
    if data_date and start and _day_of(data_date) < start:
        data_date = start  # nothing is scheduled before the planned start either
    if not actuals and data_date and start:
        # nothing has started: the plan starts on the data date, the same schedule
        # without a status (and a project without one can join a portfolio)
        start, data_date = max(start, _day_of(data_date)), None
    scenario = Scenario(
        name=report.project,
        tasks=tuple(tasks),
        start=start,
        calendars=tuple(c.calendar for c in cals.values()),
        calendar=project_cal.calendar.id,
        data_date=data_date,
        source=str(path),
        progress_logic=logic,
        lag_calendar=lag_calendar,
        finish_by=_finish_by(proj, start),
    )
    return scenario, report


def _finish_by(proj: dict[str, str], start: _dt.date | None) -> _dt.datetime | None:
    """The project's must-finish-by date (``plan_end_date``), to the minute: P6 counts
    the late dates back from it (00:00 is the end of the day before). None when there
    is none, or no start, or it is before the start."""
    moment = _moment(proj.get("plan_end_date", ""))
    if moment is None or start is None or moment.date() < start:
        return None
    return moment
