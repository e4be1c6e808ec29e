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
import dataclasses
import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from riskengine.io.p6calendar import parse_calendar_data
from riskengine.io.worktime import WorkingTime
from riskengine.io.xer import XerFile, read_xer
from riskengine.model.distributions import parse_distribution
from riskengine.model.scenario import (
    LEVEL_OF_EFFORT,
    WBS_SUMMARY,
    Calendar,
    Constraint,
    Link,
    Scenario,
    Task,
)

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
    (``losses``), what looked wrong in the file (``warnings``) and the dates the file
    stores for each imported activity, by its id in the scenario (``stored``)."""

    source: str
    project: str
    version: str
    counts: dict[str, int] = field(default_factory=dict)
    losses: dict[str, Loss] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    stored: dict[str, StoredDates] = field(default_factory=dict)

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
    text = row.get(name, "")
    try:
        value = float(text or 0)
    except ValueError:
        raise xer.error(f"{name} is not a number: {text[:20]!r}", line, table) from None
    if value != value or abs(value) > 1e7:
        raise xer.error(f"{name} is out of range: {text[:20]!r}", line, table)
    return value


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
class _Cal:
    """A P6 calendar as the import uses it."""

    calendar: Calendar
    hours_per_day: float


def _calendar(
    cid: str, row: dict[str, str], line: int, xer: XerFile, report: ImportReport, names: set[str]
) -> _Cal:
    """A riskengine Calendar from a P6 calendar: weekdays with working time are workdays,
    exception dates without work holidays, worked exceptions on other days extra
    workdays. Days with other hours than the usual are recorded as approximations."""
    wt: WorkingTime = parse_calendar_data(
        row.get("clndr_data", ""), file=xer.path, field=f"CALENDAR[{cid}].clndr_data", line=line
    )
    hours = [wt.hours(d) for d in wt.week]
    worked = [h for h in hours if h > 0]
    if not worked:
        raise xer.error(f"calendar {cid} has no working day in its week", line, "CALENDAR")
    usual = collections.Counter(worked).most_common(1)[0][0]
    name = usable_id(row.get("clndr_name", ""), f"calendar_{cid}", names)
    if any(h != usual for h in worked):
        report.lose(
            "weekday-hours",
            "calendars with different hours on different weekdays",
            f"each working day counts as {usual:g} h (partial days are not modelled yet)",
            name,
        )
    holidays, extra = [], []
    for day, intervals in sorted(wt.exceptions.items()):
        h = wt.hours(intervals)
        normal = hours[day.weekday()]
        if h == 0 and normal > 0:
            holidays.append(day)
        elif h > 0 and normal == 0:
            extra.append(day)
        if h > 0 and h != usual:
            report.lose(
                "partial-days",
                "exception days with part of a day's work",
                "counted as a whole working day",
                f"{name} {day}",
            )
    window = next(wt.week[d] for d in range(7) if hours[d] == usual)
    cal = Calendar(
        name,
        tuple(d for d in range(7) if hours[d] > 0),
        tuple(holidays),
        tuple(extra),
        hours_per_day=usual,
        day=tuple((s / 60, e / 60) for s, e in window),
    )
    return _Cal(cal, usual)


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
    tasks_rows = [(line, r) for line, r in xer.table("TASK").records() if r.get("proj_id") == pid]
    if not tasks_rows:
        raise xer.error(f"project {report.project} has no activities")
    report.counts["activities"] = len(tasks_rows)
    for kind, n in collections.Counter(r.get("task_type", "") for _, r in tasks_rows).items():
        report.counts[f"activities: {WORK_TYPES.get(kind, kind or 'unknown')}"] = n

    # calendars the activities use, and the project's
    cal_rows = {r.get("clndr_id", ""): (line, r) for line, r in xer.table("CALENDAR").records()}
    used = {r.get("clndr_id", "") for _, r in tasks_rows} | {proj.get("clndr_id", "")}
    cals: dict[str, _Cal] = {}
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

    def cal_of(row: dict[str, str]) -> _Cal:
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
        kind = r.get("task_type", "")
        if kind in SPANNING and r.get("status_code", "") != "TK_NotStart":
            report.lose(
                f"{kind}-progress",
                f"{WORK_TYPES[kind]} activities in progress or finished",
                "left out (their progress is not modelled yet)",
                code,
            )
            continue
        kept[tid] = (line, r)

    # links between kept activities of the project
    preds: dict[str, list[Link]] = collections.defaultdict(list)
    n_links: collections.Counter[str] = collections.Counter()
    for line, r in xer.table("TASKPRED").records():
        succ, pred = r.get("task_id", ""), r.get("pred_task_id", "")
        if succ not in code_of:
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
                code_of[succ],
            )
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
        preds[succ].append(Link(code_of[pred], ltype, lag_h))  # hours: days below

    report.counts["links"] = sum(n_links.values())
    for kind, n in sorted(n_links.items()):
        report.counts[f"links: {kind}"] = n
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

    def lag_days(link: Link, succ_row: dict[str, str]) -> Link:
        """A lag in hours as working days of the calendar it counts on."""
        if lag_calendar == "24-hour":
            per_day = 24.0
        elif lag_calendar == "project":
            per_day = project_cal.hours_per_day
        elif lag_calendar == "predecessor":
            per_day = cal_of(kept[tid_of[link.task]][1]).hours_per_day
        else:
            per_day = cal_of(succ_row).hours_per_day
        return dataclasses.replace(link, lag=link.lag / per_day)

    tid_of = {code: tid for tid, code in code_of.items()}
    for succ, links in preds.items():
        preds[succ] = [lag_days(lk, kept[succ][1]) for lk in links]
    members = _spanned(xer, kept, code_of, preds, report)

    # the data date and progress
    data_date = _date(proj.get("last_recalc_date", ""))
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
            actual_start = _date(r.get("act_start_date", "")) or _date(r.get("act_end_date", ""))
            actual_finish = _date(r.get("act_end_date", "")) or actual_start
        elif status == "TK_Active":
            actual_start = _date(r.get("act_start_date", ""))
            if actual_start is None:
                report.warnings.append(
                    f"{code} is in progress without an actual start: not started"
                )
            else:
                remaining = parse_distribution(
                    {"dist": "fixed", "value": max(remain, 0.0) / c.hours_per_day}
                )
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
            day = _date(cdate)
            if ckind == "as-late-as-possible":
                constraints.append(Constraint(ckind, None))
            elif ckind is None or day is None:
                report.lose(ctype, f"constraints {ctype}", "left out (not modelled yet)", code)
            else:
                constraints.append(Constraint(ckind, day))
                if cdate[11:16] not in ("", "00:00"):
                    report.lose(
                        "constraint-time",
                        "constraint dates with a time of day",
                        "counted from the start or end of the day",
                        code,
                    )
        report.stored[code] = _stored(r, c.hours_per_day)
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
                remaining=remaining,
                milestone=MILESTONES.get(kind),
                type=SPANNING.get(kind, "task"),
                summarises=members.get(tid, ()) if kind == "TT_WBS" else (),
            )
        )
    report.counts["constraints"] = n_constraints
    # P6 schedules the remaining work from the data date, started or not; the start is
    # the earliest of the planned start and any actual start
    actuals = [t.actual_start for t in tasks if t.actual_start]
    planned = _date(proj.get("plan_start_date", "")) or data_date
    start = min([d for d in (planned, *actuals) if d is not None], default=None)
    if data_date and start and data_date < start:
        data_date = start  # nothing is scheduled before the planned start either
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
    )
    return scenario, report
