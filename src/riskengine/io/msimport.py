"""An MS Project XML (MSPDI) file as a riskengine scenario, with a record of every loss.

This is the importer's second layer for MS Project (io/mspdi.py reads the elements); it
mirrors io/p6import.py and shares its report, ids and calendar mapping. Everything the
scenario format cannot hold is listed in the :class:`ImportReport`, never dropped
silently; the fidelity is measured by comparing the deterministic schedule of the result
with the Start and Finish MS Project stored.

Ids are the tasks' unique ids (``UID``), not their row numbers (``ID``): MS Project
renumbers ``ID`` whenever a task is inserted above it, so an overlay written against one
month's file would hit other tasks the next month; ``UID`` never changes. Names are kept;
each task's ``group`` is the WBS code (else the outline number) of its summary task.

Units. MSPDI stores durations in ISO 8601 hours of working time and lags in tenths of a
minute; both convert to working days through the real hours per working day of the
calendar they count on (the task's for a duration, the successor's for a lag).

Summary tasks are not activities: they are left out. A link onto a summary that the
network can hold exactly (an FS or FF link from a summary: from each of its tasks; an
FS or SS link to a summary: to each of its tasks) is rewritten onto its tasks, since a
summary finishes with the last of them and starts with the first; any other is a loss.
"""

from __future__ import annotations

import collections
import datetime as _dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from riskengine.io.mspdi import MspdiFile, calendar_working_time, duration_hours, read_mspdi
from riskengine.io.p6import import (
    ImportedCalendar,
    ImportReport,
    StoredDates,
    progress_by,
    replace_task,
    usable_id,
    working_calendar,
)
from riskengine.io.worktime import WorkingTime, clock_hours, constraint_day
from riskengine.model.distributions import parse_distribution
from riskengine.model.scenario import (
    EARLIEST_KINDS,
    Calendar,
    Constraint,
    Cost,
    Link,
    Scenario,
    Task,
)

LINK_TYPES = {"0": "FF", "1": "FS", "2": "SF", "3": "SS"}
# MSPDI duration and lag formats (LagFormat, DurationFormat): the elapsed ones count
# calendar time, 24 hours a day every day; the percent ones a share of the predecessor
ELAPSED_FORMATS = frozenset({"4", "6", "8", "10", "12", "36", "38", "40", "42", "44"})
PERCENT_FORMATS = frozenset({"19", "20", "51", "52"})
EARLY_LATE = {  # ConstraintType -> our kind
    "4": "start-no-earlier-than",
    "5": "start-no-later-than",
    "6": "finish-no-earlier-than",
    "7": "finish-no-later-than",
}
# Must Start On / Must Finish On: with "tasks will always honor their constraint dates"
# (HonorConstraints, MS Project's default) the date beats the links, as P6's mandatory
# dates do; without it the links win and the date is an earliest and a latest one
MUST = {"2": ("start-on", "mandatory-start"), "3": ("finish-on", "mandatory-finish")}
MAX_REWRITTEN = 100_000  # links one link on summaries may become (a file-size guard)
STATUS_NAMES = ("not started", "in progress", "finished")


def _moment(text: Any) -> _dt.datetime | None:
    """An MSPDI date-time (``2012-06-22T09:00:00``), None when absent or not one (MS
    Project writes ``NA`` for an empty date)."""
    if not isinstance(text, str) or len(text) < 10:
        return None
    try:
        return _dt.datetime.fromisoformat(text[:19])
    except ValueError:
        return None


def _works(cal: Calendar, day: _dt.date) -> bool:
    """Whether ``cal`` works on ``day``."""
    if day in cal.extra_workdays:
        return True
    return day.weekday() in cal.workdays and day not in cal.holidays


def _step(cal: Calendar, day: _dt.date, by: int) -> _dt.date:
    """The next (``by`` = 1) or previous (-1) working day of ``cal`` after ``day``."""
    for _ in range(3700):  # ten years of days off: a calendar that never works
        day += _dt.timedelta(days=by)
        if _works(cal, day):
            return day
    return day


def _finish_day(moment: _dt.datetime, cal: Calendar) -> _dt.date:
    """The working day a finish at ``moment`` ends: MS Project may write a finish at the
    opening of the next working day (09:00 when the day opens at 09:00), which is the
    end of the day before."""
    if clock_hours(moment) <= cal.day[0][0] or not _works(cal, moment.date()):
        return _step(cal, moment.date(), -1)
    return moment.date()


def _start_day(moment: _dt.datetime, cal: Calendar) -> _dt.date:
    """The working day a start at ``moment`` begins (a start at the close of a day is
    the next working day)."""
    if clock_hours(moment) >= cal.day[-1][1] or not _works(cal, moment.date()):
        return _step(cal, moment.date(), 1)
    return moment.date()


def _stored_finish(moment: _dt.datetime | None, cal: Calendar) -> _dt.datetime | None:
    """A stored finish as the end of the working day it ends (see :func:`_finish_day`)."""
    if moment is None:
        return None
    day = _finish_day(moment, cal)
    if day == moment.date():
        return moment
    end = cal.day[-1][1]
    return _dt.datetime.combine(day, _dt.time()) + _dt.timedelta(hours=end)


def _number(m: MspdiFile, element: dict[str, Any], name: str, where: str = "") -> float:
    """Field ``name`` of an element: a number (absent or empty: 0). ``where`` names the
    element in an error (default: the task of that UID)."""
    text = element.get(name, "")
    if not isinstance(text, str) or not text:
        return 0.0
    where = where or f"Tasks[UID {element.get('UID', '?')}]"
    try:
        value = float(text)
    except ValueError:
        raise m.error(f"{name} is not a number: {text[:20]!r}", where) from None
    if value != value or abs(value) > 1e12:
        raise m.error(f"{name} is out of range: {text[:20]!r}", where)
    return value


def _hours(m: MspdiFile, task: dict[str, Any], name: str) -> float | None:
    """A task's ISO 8601 duration field in hours, None when absent."""
    text = task.get(name)
    if not isinstance(text, str) or not text:
        return None
    return duration_hours(text, file=m.path, field=f"Tasks[UID {task.get('UID', '?')}].{name}")


def _working_times(m: MspdiFile, report: ImportReport) -> dict[str, WorkingTime]:
    """Every calendar's working time by UID, a derived calendar completed from its base
    (``BaseCalendarUID``): the weekdays it does not define itself, and the base's
    exceptions where it has none of its own for the date."""
    by_uid = {str(c.get("UID", "")): c for c in m.calendars}
    own = {uid: calendar_working_time(c, file=m.path) for uid, c in by_uid.items()}
    out: dict[str, WorkingTime] = {}
    for uid in by_uid:
        chain, seen = [uid], {uid}
        while True:
            base = str(by_uid[chain[-1]].get("BaseCalendarUID", "") or "-1")
            if base == "-1":
                break
            if base not in by_uid or base in seen:
                report.warnings.append(
                    f"calendar {uid} is derived from calendar {base}, which is "
                    + ("not in the file" if base not in by_uid else "derived from it")
                    + ": the weekdays it does not define are not worked"
                )
                break
            chain.append(base)
            seen.add(base)
        week: list[tuple[tuple[int, int], ...]] = [()] * 7
        done = [False] * 7
        exceptions: dict[_dt.date, tuple[tuple[int, int], ...]] = {}
        for cid in chain:  # the calendar itself first, then its bases
            wt, defined = own[cid]
            for d in range(7):
                if defined[d] and not done[d]:
                    week[d], done[d] = wt.week[d], True
            for day, intervals in wt.exceptions.items():
                exceptions.setdefault(day, intervals)
        out[uid] = WorkingTime(tuple(week), exceptions)
    return out


def _calendars(
    m: MspdiFile, used: set[str], report: ImportReport
) -> tuple[dict[str, ImportedCalendar], ImportedCalendar]:
    """The calendars ``used`` (UIDs) as riskengine calendars, and the project's."""
    names: set[str] = set()
    by_uid = {str(c.get("UID", "")): c for c in m.calendars}
    times = _working_times(m, report)
    cals: dict[str, ImportedCalendar] = {}
    for uid in sorted(used, key=lambda u: (len(u), u)):
        if uid not in by_uid:
            report.warnings.append(
                f"calendar {uid} is used but not in the file: the project's instead"
            )
            continue
        name = usable_id(str(by_uid[uid].get("Name", "")), f"calendar_{uid}", names)
        cal = working_calendar(times[uid], name)
        if cal is None:
            raise m.error(
                f"calendar {uid} ({name}) has no working day in its week", f"Calendars[UID {uid}]"
            )
        cals[uid] = cal
    project_cal = cals.get(str(m.project.get("CalendarUID", "")))
    if project_cal is None:
        project_cal = next(iter(cals.values()), None)
    if project_cal is None:
        hours = _number(m, m.project, "MinutesPerDay", "MinutesPerDay") / 60
        hours = hours if 0 < hours <= 24 else 8.0
        report.warnings.append(
            f"the file defines no calendar: Monday to Friday, {hours:g} hours a day"
        )
        project_cal = ImportedCalendar(Calendar("standard", hours_per_day=hours), hours)
        cals[""] = project_cal
    return cals, project_cal


def _choose(m: MspdiFile, project: str | None) -> str:
    """The project's name; an MSPDI file holds one project, which ``project`` may name."""
    name = str(m.project.get("Name") or m.project.get("Title") or Path(m.path).stem)
    if project is not None and project not in (name, m.project.get("Title")):
        raise m.error(f"no project {project!r} in the file (it holds one project, {name})")
    return name


def _outline_parent(number: str) -> str:
    """The outline number of a task's summary (``1.2`` for ``1.2.3``; ``""`` at the top)."""
    return number.rpartition(".")[0]


def import_mspdi(path: str | Path, project: str | None = None) -> tuple[Scenario, ImportReport]:
    """Read the MSPDI file at ``path`` into a scenario with fixed durations (the plan as
    MS Project holds it; risk analysts add the uncertainty) and the import report."""
    m = read_mspdi(path)
    report = ImportReport(str(path), _choose(m, project), str(m.project.get("SaveVersion", "")))
    rows = [
        t
        for t in m.tasks
        if t.get("UID") not in (None, "", "0")
        and t.get("OutlineLevel") != "0"  # not the
        and t.get("IsNull") != "1"  # project's summary task nor a blank row
    ]
    if not rows:
        raise m.error("the file holds no tasks")
    rows = _with_outline_numbers(rows)
    report.counts["activities"] = len(rows)

    def kind_of(t: dict[str, Any]) -> str:
        if t.get("Summary") == "1":
            return "summary"
        return "finish milestone" if t.get("Milestone") == "1" else "task"

    for kind, n in collections.Counter(kind_of(t) for t in rows).items():
        report.counts[f"activities: {kind}"] = n

    # ids; tasks left out (summaries, inactive and external tasks)
    ids: dict[str, str] = {}
    taken: set[str] = set()
    kept: dict[str, dict[str, Any]] = {}
    summaries: dict[str, dict[str, Any]] = {}
    for t in rows:
        uid = str(t["UID"])
        if uid in ids:
            raise m.error(f"two tasks have the unique id {uid}", f"Tasks[UID {uid}]")
        ids[uid] = usable_id(uid, f"task_{uid}", taken)
        if t.get("Summary") == "1":
            summaries[uid] = t
            report.lose(
                "summaries",
                "summary tasks",
                "left out (they span their tasks); their links go to their tasks where exact",
                ids[uid],
            )
        elif t.get("Active") == "0":
            report.lose("inactive", "inactive tasks", "left out, as MS Project ignores them", uid)
        elif t.get("ExternalTask") == "1" or t.get("IsSubproject") == "1":
            report.lose(
                "external", "external tasks and subprojects", "left out (not in this file)", uid
            )
        else:
            kept[uid] = t

    # calendars: the project's and those the kept tasks use (-1: the project's)
    used = {str(t.get("CalendarUID", "-1") or "-1") for t in kept.values()} - {"-1"}
    used.add(str(m.project.get("CalendarUID", "")))
    cals, project_cal = _calendars(m, used - {""}, report)
    report.counts["calendars"] = len([k for k in cals if k])

    def cal_of(uid: str) -> ImportedCalendar:
        return cals.get(str(kept[uid].get("CalendarUID", "-1") or "-1"), project_cal)

    # the kept tasks under each summary, by outline number
    by_outline = {str(t.get("OutlineNumber", "")): str(t["UID"]) for t in rows}
    under: dict[str, list[str]] = collections.defaultdict(list)
    for uid, t in kept.items():
        parent = _outline_parent(str(t.get("OutlineNumber", "")))
        while parent:
            if parent in by_outline:
                under[by_outline[parent]].append(uid)
            parent = _outline_parent(parent)

    preds = _links(m, rows, ids, kept, summaries, under, cal_of, report)
    tasks, n_constraints = _tasks(m, kept, ids, preds, cal_of, summaries, by_outline, report)
    tasks = _with_attributes(tasks, kept, ids, summaries, by_outline)
    report.counts["constraints"] = n_constraints
    report.counts["resources"] = sum(1 for r in m.resources if r.get("UID") not in ("0", None))
    report.counts["assignments"] = len(m.assignments)
    written = [t for t in kept.values() if "Finish" in t]
    if written and not any("EarlyFinish" in t for t in written):
        report.warnings.append(
            "the file stores no early dates nor slack (MS Project writes them; the tool that "
            "wrote this file did not): the fidelity compares its Start and Finish as written"
        )

    # the start and the data date; the project finish the file stores
    start_at = _moment(m.project.get("StartDate"))
    report.project_finish = _moment(m.project.get("FinishDate"))
    if m.project.get("ScheduleFromStart") == "0":
        report.lose(
            "from-finish",
            "projects scheduled from their finish",
            "scheduled forward from their start here",
            report.project,
        )
    data_date = _data_date(m, tasks, report)
    tasks = _apply_data_date(tasks, data_date, report)
    actuals = [t.actual_start for t in tasks if t.actual_start]
    starts = [d for d in (start_at.date() if start_at else None, *actuals) if d is not None]
    start = min(starts, default=None)
    if start is None:
        raise m.error("the project has no StartDate and no task has an actual start")
    if data_date is None and start_at is not None and start_at.date() == start:
        if clock_hours(start_at) > project_cal.calendar.day[0][0]:
            # the start's time of day: the scenario's start is a date, so the time goes
            # on the data date, before which nothing is scheduled (as before the start)
            data_date = start_at
    if data_date is not None and _day(data_date) < start:
        data_date = start  # nothing is scheduled before the start either
    tasks = [_from_start(t, start, report) for t in tasks]
    scenario = Scenario(
        name=report.project,
        tasks=tuple(tasks),
        start=start,
        calendars=tuple(c.calendar for c in cals.values()),
        calendar=project_cal.calendar.id,
        data_date=data_date,
        source=str(path),
        # "split in-progress tasks" lets links move the remaining work of a task started
        # out of sequence, as P6's retained logic; without it the work goes on (override)
        progress_logic="override" if m.project.get("SplitsInProgressTasks") == "0" else "retained",
    )
    return scenario, report


def _with_attributes(
    tasks: list[Task],
    kept: dict[str, dict[str, Any]],
    ids: dict[str, str],
    summaries: dict[str, dict[str, Any]],
    by_outline: dict[str, str],
) -> list[Task]:
    """The tasks with their attributes: ``type`` (task, or the kind of milestone),
    ``wbs`` (the task's WBS code, else its outline number), ``outline`` (its outline
    number) and ``summary`` (the names of the summary tasks above it, top first, joined
    with " / "). Extended attributes and outline codes are not read."""
    uid_of = {ids[uid]: uid for uid in kept}
    out = []
    for t in tasks:
        row = kept[uid_of[t.id]]
        outline = str(row.get("OutlineNumber") or "")
        names = []
        parent = _outline_parent(outline)
        while parent:
            s = summaries.get(by_outline.get(parent, ""))
            if s is not None and s.get("Name"):
                names.append(str(s["Name"]))
            parent = _outline_parent(parent)
        attrs = [("type", f"{t.milestone} milestone" if t.milestone else "task")]
        wbs = str(row.get("WBS") or outline)
        attrs += [(k, v) for k, v in (("wbs", wbs), ("outline", outline)) if v]
        if names:
            attrs.append(("summary", " / ".join(reversed(names))))
        out.append(replace_task(t, attributes=tuple(attrs)))
    return out


def _from_start(t: Task, start: _dt.date, report: ImportReport) -> Task:
    """``t`` without constraint dates before the project's start, which the model
    refuses (an earliest date there holds anyway; a latest one could not be met)."""
    kept = tuple(c for c in t.constraints if c.date is None or c.date >= start)  # ALAP: None
    if kept == t.constraints:
        return t
    report.lose(
        "constraint-before-start",
        "constraint dates before the project start",
        "left out",
        t.id,
    )
    return replace_task(t, constraints=kept)


def _with_outline_numbers(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tasks with an ``OutlineNumber`` each: some tools write only ``OutlineLevel``,
    from which the numbers follow in file order (1, 1.1, 1.2, 2 …)."""
    if all(t.get("OutlineNumber") for t in rows) or not all(
        str(t.get("OutlineLevel", "")).isdigit() for t in rows
    ):
        return rows
    counters: list[int] = []
    out = []
    for t in rows:
        level = max(int(t["OutlineLevel"]), 1)
        counters = counters[:level] + [0] * (level - len(counters))
        counters[level - 1] += 1
        out.append({**t, "OutlineNumber": ".".join(map(str, counters))})
    return out


def _day(value: _dt.date) -> _dt.date:
    """The day of a date or date-time."""
    return value.date() if isinstance(value, _dt.datetime) else value


def _links(
    m: MspdiFile,
    rows: list[dict[str, Any]],
    ids: dict[str, str],
    kept: dict[str, dict[str, Any]],
    summaries: dict[str, dict[str, Any]],
    under: dict[str, list[str]],
    cal_of: Callable[[str], ImportedCalendar],
    report: ImportReport,
) -> dict[str, dict[tuple[str, str], float]]:
    """Each kept task's predecessors: ``{(pred id, type): lag in days}`` (a link the
    summaries repeat keeps its largest lag, which is the one that binds)."""
    preds: dict[str, dict[tuple[str, str], float]] = collections.defaultdict(dict)
    n_links: collections.Counter[str] = collections.Counter()
    n_expanded = 0
    for t in rows:
        succ = str(t["UID"])
        for p in t.get("PredecessorLink", []):
            if not isinstance(p, dict):
                continue
            ltype = LINK_TYPES.get(str(p.get("Type", "1")))
            if ltype is None:
                raise m.error(
                    f"unknown link type {str(p.get('Type'))[:12]!r} (0 FF, 1 FS, 2 SF, 3 SS)",
                    f"Tasks[UID {succ}].PredecessorLink",
                )
            n_links[ltype] += 1
            pred = str(p.get("PredecessorUID", ""))
            if p.get("CrossProject") == "1":
                report.lose(
                    "external-links",
                    "links to tasks of other projects",
                    "left out (the other project is not imported)",
                    ids[succ],
                )
                continue
            if pred not in ids:
                report.warnings.append(
                    f"task {ids[succ]} has a link from task UID {pred}, which is not in the "
                    "file: left out"
                )
                continue
            where = f"{ids[pred]}->{ids[succ]}"
            if pred in summaries and ltype not in ("FS", "FF"):
                report.lose(
                    "summary-links",
                    "SS and SF links from summary tasks",
                    "left out (a summary starts with the first of its tasks)",
                    where,
                )
                continue
            if succ in summaries and ltype not in ("FS", "SS"):
                report.lose(
                    "summary-links",
                    "FF and SF links to summary tasks",
                    "left out (a summary finishes with the last of its tasks)",
                    where,
                )
                continue
            froms = under[pred] if pred in summaries else [pred]
            tos = under[succ] if succ in summaries else [succ]
            if not froms or not tos:
                report.lose(
                    "summary-links",
                    "links to summary tasks with no task under them",
                    "left out",
                    where,
                )
                continue
            if pred in summaries or succ in summaries:
                n_expanded += 1
            if not all(u in kept for u in (*froms, *tos)):
                report.lose("dropped-links", "links to tasks left out", "left out", where)
                continue
            if len(froms) * len(tos) > MAX_REWRITTEN:
                report.lose(
                    "summary-links",
                    f"links between summaries that would make over {MAX_REWRITTEN:,} links",
                    "left out",
                    where,
                )
                continue
            lag_h = _number(m, p, "LinkLag", f"Tasks[UID {succ}].PredecessorLink") / 600
            fmt = str(p.get("LagFormat", "7"))
            if lag_h and fmt in PERCENT_FORMATS:
                report.lose(
                    "percent-lags",
                    "lags in per cent of the predecessor's duration",
                    "left out (lag 0)",
                    where,
                )
                lag_h = 0.0
            for a in froms:
                for b in tos:
                    if a == b:
                        continue
                    cal = cal_of(b)
                    if fmt in ELAPSED_FORMATS and lag_h:
                        # elapsed hours -> calendar days -> their share of working days
                        lag = lag_h / 24 * len(cal.calendar.workdays) / 7
                    else:
                        lag = lag_h / cal.hours_per_day
                    key = (ids[a], ltype)
                    preds[b][key] = max(lag, preds[b].get(key, lag))
            if lag_h and fmt in ELAPSED_FORMATS:
                report.lose(
                    "elapsed-lags",
                    "lags in elapsed time",
                    "counted as their share of the successor's working days",
                    where,
                )
    report.counts["links"] = sum(n_links.values())
    for kind, n in sorted(n_links.items()):
        report.counts[f"links: {kind}"] = n
    if n_expanded:
        report.counts["links: on summaries, rewritten onto their tasks"] = n_expanded
    return preds


def _status(t: dict[str, Any]) -> int:
    """0 not started, 1 in progress, 2 finished (STATUS_NAMES)."""
    if _moment(t.get("ActualFinish")) or t.get("PercentComplete") == "100":
        return 2
    return 1 if _moment(t.get("ActualStart")) else 0


def _tasks(
    m: MspdiFile,
    kept: dict[str, dict[str, Any]],
    ids: dict[str, str],
    preds: dict[str, dict[tuple[str, str], float]],
    cal_of: Callable[[str], ImportedCalendar],
    summaries: dict[str, dict[str, Any]],
    by_outline: dict[str, str],
    report: ImportReport,
) -> tuple[list[Task], int]:
    """The kept tasks as scenario tasks (progress not yet checked against the data date),
    and the number of constraints read."""
    honor = m.project.get("HonorConstraints", "1") != "0"
    n_constraints = 0
    # a summary starts with the first of its tasks, so its start-no-earlier-than holds
    # exactly as the same constraint on each of them; its other constraints cannot
    summary_snet: dict[str, _dt.datetime] = {}
    for uid, s in summaries.items():
        ctype = s.get("ConstraintType", "0")
        moment = _moment(s.get("ConstraintDate"))
        if ctype in ("0", ""):
            continue
        n_constraints += 1
        if ctype == "4" and moment is not None:
            summary_snet[str(s.get("OutlineNumber", ""))] = moment
        else:
            report.lose(
                "summary-constraints",
                "constraints on summary tasks other than start no earlier than",
                "left out with their summary",
                ids[uid],
            )
    tasks = []
    for uid, t in kept.items():
        code, c = ids[uid], cal_of(uid)
        cal = c.calendar
        hours = _hours(m, t, "Duration") or 0.0
        fmt = str(t.get("DurationFormat", "7"))
        if fmt in ELAPSED_FORMATS and hours:
            days = hours / 24 * len(cal.workdays) / 7
            report.lose(
                "elapsed-durations",
                "durations in elapsed time",
                "counted as their share of working days",
                code,
            )
        else:
            days = max(hours, 0.0) / c.hours_per_day
        milestone = None
        if t.get("Milestone") == "1":
            if days:
                report.lose(
                    "milestone-duration",
                    "milestones with a duration",
                    "kept as tasks of that duration",
                    code,
                )
            else:
                milestone = "finish"  # MS Project shows a milestone at its finish
        if t.get("Manual") == "1":
            report.lose(
                "manual",
                "manually scheduled tasks",
                "scheduled by their links here (MS Project keeps their dates)",
                code,
            )
        constraints = []
        ctype = str(t.get("ConstraintType", "0") or "0")
        moment = _moment(t.get("ConstraintDate"))
        if ctype == "1":
            n_constraints += 1
            constraints.append(Constraint("as-late-as-possible", None))
        elif ctype in EARLY_LATE or ctype in MUST:
            n_constraints += 1
            kind = EARLY_LATE.get(ctype) or MUST[ctype][honor]
            if moment is None:
                report.lose("constraint-date", "constraints without a date", "left out", code)
            else:
                on_start = kind.startswith("start") or kind == "mandatory-start"
                day, exact = constraint_day(moment, on_start, cal)
                constraints.append(Constraint(kind, day))
                if not exact:
                    report.lose(
                        "constraint-time",
                        "constraint dates inside a working day",
                        "counted from the start of the day (start) or its end (finish)",
                        code,
                    )
                if honor and ctype in ("5", "7"):
                    report.lose(
                        "honored-latest",
                        "latest dates MS Project honors against the links",
                        "they limit the late dates only (the links win)",
                        code,
                    )
        elif ctype != "0":
            raise m.error(f"unknown constraint type {ctype[:10]!r}", f"Tasks[UID {uid}]")
        inherited = _inherited_start(str(t.get("OutlineNumber", "")), summary_snet, cal)
        if inherited is not None:
            constraints = _with_earliest_start(constraints, inherited, code, report)
        deadline = _moment(t.get("Deadline"))
        if deadline is not None:
            constraints = _with_deadline(constraints, deadline, cal, code, report)
        if _number(m, t, "LevelingDelay"):
            report.lose(
                "leveling-delay",
                "leveling delays",
                "not applied (resource leveling is not modelled)",
                code,
            )
        status = _status(t)
        start = _moment(t.get("ActualStart"))
        finish = _moment(t.get("ActualFinish"))
        actual_start = actual_finish = remaining = None
        if status == 2:
            finish = finish or _moment(t.get("Finish"))
            start = start or _moment(t.get("Start")) or finish
            if start and finish:
                actual_start, actual_finish = _start_day(start, cal), _finish_day(finish, cal)
                actual_finish = max(actual_finish, actual_start)
            else:
                report.warnings.append(f"{code} is complete without any date: not started")
        elif status == 1 and start:
            actual_start = _start_day(start, cal)
            left = _hours(m, t, "RemainingDuration")
            if left is None:
                left = hours * (1 - _number(m, t, "PercentComplete") / 100)
            remaining = parse_distribution(
                {"dist": "fixed", "value": max(left, 0.0) / c.hours_per_day}
            )
        left = days if actual_start is None else 0.0  # the working days the rate covers
        if remaining is not None:
            left = float(remaining.params["value"])
        cost, actual_cost = _cost(m, t, left, actual_start is not None, report)
        slack = t.get("TotalSlack")
        tf = _number(m, t, "TotalSlack") / 600 / c.hours_per_day if slack else None
        kind_name = "finish milestone" if milestone else "task"
        report.stored[code] = StoredDates(
            _moment(t.get("Start")),
            # a milestone at the opening of a day is on that day (it takes no time)
            _stored_finish(_moment(t.get("Finish")), cal) if days else _moment(t.get("Finish")),
            tf,
            kind_name,
            STATUS_NAMES[status],
        )
        parent = by_outline.get(_outline_parent(str(t.get("OutlineNumber", ""))))
        group = ""
        if parent in summaries:
            s = summaries[parent]
            group = str(s.get("WBS") or s.get("OutlineNumber") or "")
        tasks.append(
            Task(
                code,
                duration=parse_distribution({"dist": "fixed", "value": days}),
                name=str(t.get("Name", "")),
                predecessors=tuple(Link(p, ty, lag) for (p, ty), lag in preds[uid].items()),
                calendar=cal.id,
                group=group,
                constraints=tuple(constraints),
                actual_start=actual_start,
                actual_finish=actual_finish,
                remaining=remaining,
                milestone=milestone,
                cost=cost,
                actual_cost=actual_cost,
            )
        )
    return tasks, n_constraints


def _inherited_start(
    outline: str, summary_snet: dict[str, _dt.datetime], cal: Calendar
) -> _dt.date | None:
    """The latest start-no-earlier-than date of the summaries above a task (their
    outline numbers are the prefixes of its own), in the task's calendar."""
    days = []
    parent = _outline_parent(outline)
    while parent:
        if parent in summary_snet:
            days.append(constraint_day(summary_snet[parent], True, cal)[0])
        parent = _outline_parent(parent)
    return max(days, default=None)


def _with_earliest_start(
    constraints: list[Constraint], day: _dt.date, code: str, report: ImportReport
) -> list[Constraint]:
    """A task's constraints with a summary's start-no-earlier-than ``day`` added: the
    later of two such dates; as the primary before a latest date of its own; a loss
    beside any other kind (the model takes no second constraint of that kind)."""
    if not constraints:
        return [Constraint("start-no-earlier-than", day)]
    own = constraints[0]
    if own.kind == "start-no-earlier-than" and own.date is not None:
        return [Constraint(own.kind, max(own.date, day))]
    if own.kind in ("start-no-later-than", "finish-no-later-than"):
        return [Constraint("start-no-earlier-than", day), own]
    report.lose(
        "summary-constraints",
        "start-no-earlier-than dates of summaries over a task with its own constraint",
        "the task keeps its own only",
        code,
    )
    return constraints


def _with_deadline(
    constraints: list[Constraint],
    deadline: _dt.datetime,
    cal: Calendar,
    code: str,
    report: ImportReport,
) -> list[Constraint]:
    """A task's constraints with its ``Deadline``: MS Project's deadline moves no early
    date and limits the late finish, which is our finish-no-later-than; as the
    secondary beside an earliest date, the later of two latest finishes, a loss beside
    any other kind (the model takes no third date)."""
    day, exact = constraint_day(deadline, False, cal)
    if not exact:
        report.lose(
            "constraint-time",
            "constraint dates inside a working day",
            "counted from the start of the day (start) or its end (finish)",
            code,
        )
    late = Constraint("finish-no-later-than", day)
    if not constraints:
        return [late]
    own = constraints[0]
    if len(constraints) == 1 and own.kind in EARLIEST_KINDS:
        return [own, late]
    if len(constraints) == 1 and own.kind == late.kind and own.date is not None:
        return [Constraint(late.kind, min(day, own.date))]
    report.lose(
        "deadlines",
        "deadlines of tasks with another constraint the model cannot pair with them",
        "left out",
        code,
    )
    return constraints


def _data_date(m: MspdiFile, tasks: list[Task], report: ImportReport) -> _dt.date | None:
    """The status date: ``StatusDate``; without it, when tasks have progress, the
    file's ``CurrentDate``, as MS Project itself uses the current date then."""
    status = _moment(m.project.get("StatusDate"))
    progress = any(t.actual_start for t in tasks)
    if status is None and progress:
        status = _moment(m.project.get("CurrentDate"))
        if status is None:
            raise m.error("tasks have progress but the file has no StatusDate nor CurrentDate")
        report.warnings.append(
            f"the file has no status date: its current date {status:%Y-%m-%d %H:%M} is the "
            "data date, as MS Project takes it"
        )
    if status is None:
        return None
    return status if (status.hour, status.minute) != (0, 0) else status.date()


def _apply_data_date(
    tasks: list[Task], data_date: _dt.date | None, report: ImportReport
) -> list[Task]:
    """Progress the data date cannot hold becomes a warning: an actual start after it
    is taken as not started, an actual finish after it as work in progress."""
    if data_date is None:
        return tasks
    dd = _day(data_date)
    out = []
    for t in tasks:
        t = progress_by(t, dd, report, "the status date")
        stored = report.stored[t.id]
        if t.actual_start is None and stored.start is not None and stored.start.date() < dd:
            report.lose(
                "before-status-date",
                "tasks not started that MS Project keeps before the status date",
                "their work starts at the status date here, as in P6",
                t.id,
            )
        elif t.actual_start and not t.actual_finish and stored.finish and stored.finish.date() < dd:
            report.lose(
                "remaining-before-status-date",
                "work in progress that MS Project finishes before the status date",
                "its remaining work goes on after the status date here, as in P6",
                t.id,
            )
        out.append(t)
    return out


def _cost(
    m: MspdiFile, t: dict[str, Any], left: float, started: bool, report: ImportReport
) -> tuple[Cost | None, float | None]:
    """A task's cost and actual cost: its ``RemainingCost`` (its assignments' and its
    fixed cost still to come; ``Cost`` less ``ActualCost`` when absent) as a rate over
    its ``left`` remaining working days, except a task not started's ``FixedCost``,
    a lump sum; a lump sum too when no working days are left. A started task carries its
    ``ActualCost`` as it is. The file's totals add up in ``report.costs``."""
    actual = _number(m, t, "ActualCost")
    if "RemainingCost" in t:
        remaining = _number(m, t, "RemainingCost")
    else:
        remaining = _number(m, t, "Cost") - actual
    if remaining < 0 or actual < 0:
        report.lose(
            "negative-cost",
            "negative costs",
            "counted as 0: a cost is never negative",
            f"{t.get('UID')} ({min(remaining, actual):.4g})",
        )
        remaining, actual = max(remaining, 0.0), max(actual, 0.0)
    report.costs["actual"] = report.costs.get("actual", 0.0) + actual
    report.costs["remaining"] = report.costs.get("remaining", 0.0) + remaining
    if not remaining and not actual:
        return None, None
    lump = 0.0 if started else min(_number(m, t, "FixedCost"), remaining)
    rate = (remaining - lump) / left if left > 0 else 0.0
    if left <= 0:
        lump = remaining
    fixed = parse_distribution({"dist": "fixed", "value": max(lump, 0.0)})
    per_day = parse_distribution({"dist": "fixed", "value": rate}) if rate > 0 else None
    return Cost(fixed=fixed, per_day=per_day), (actual if started else None)
