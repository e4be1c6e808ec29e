"""How closely an imported schedule reproduces the dates its file stores.

The importer (io/p6import.py) keeps, for each activity, the dates the scheduling tool
stored (``ImportReport.stored``); :func:`fidelity` compares them with our deterministic
schedule (engine/schedule.py) over the activities not finished, and explains each large
difference by the losses the import recorded: an activity is *supported* when no loss
touches it or anything it depends on, and the shares are given for those apart, because
a difference there is ours, not the file's.

A mismatch no loss explains may still have a cause in the file: an activity whose
stored dates span more or fewer working days than its own duration (a file edited
after it was last scheduled, say) cannot come out on those dates.

A loss touches an activity when one of its items names the activity, a link into it
(``pred->succ``) or its calendar (a calendar's day: the activities whose dates span
it); a lag-calendar loss touches every activity with a lagged link from another
calendar. Renamed ids (the ``ids`` loss) change no date and touch nothing.
"""

from __future__ import annotations

import collections
import datetime as _dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskengine.engine.schedule import schedule_table
from riskengine.engine.simulation import deterministic_plan
from riskengine.model.scenario import Calendar, Link, Scenario, Task, day_fraction

if TYPE_CHECKING:
    from riskengine.io.p6import import ImportReport

WORST = 10  # mismatches listed
PER_CAUSE = 3  # at most this many of them per loss, so one loss does not hide the others
HARMLESS = {"ids"}  # losses that change no date
MEASURES = ("same start", "same finish", "finish ±1 day", "float ±1 day")


@dataclass(frozen=True)
class Mismatch:
    """One activity whose dates differ from the file's: the finish difference in working
    days of its calendar (ours later: positive), the float difference (ours less the
    file's; None without a stored float) and the cause."""

    task: str
    ours: tuple[_dt.date, _dt.date]  # start, finish
    file: tuple[_dt.date | None, _dt.date | None]
    finish_days: int
    float_days: float | None
    cause: str

    def to_dict(self) -> dict[str, Any]:
        """The mismatch as JSON (dates as ``YYYY-MM-DD``)."""
        return {
            "task": self.task,
            "start": str(self.ours[0]),
            "finish": str(self.ours[1]),
            "file_start": str(self.file[0]) if self.file[0] else None,
            "file_finish": str(self.file[1]) if self.file[1] else None,
            "finish_days": self.finish_days,
            "float_days": self.float_days,
            "cause": self.cause,
        }


@dataclass
class Fidelity:
    """The fidelity table. ``shares[group][measure]`` for group ``all`` (every open
    activity with stored dates) and ``supported`` (those no loss touches), the measures
    of MEASURES; a share is None when nothing was compared (the float: when the file
    stores none). ``counts[group]``: the activities compared."""

    shares: dict[str, dict[str, float | None]]
    counts: dict[str, int]
    project_finish: _dt.date | None
    file_project_finish: _dt.date | None
    worst: list[Mismatch] = field(default_factory=list)
    has_float: bool = True
    per_cause: int = PER_CAUSE  # the most mismatches ``worst`` lists of one cause
    plan_cost: float | None = None  # the deterministic plan's cost (None: no costs)
    file_cost: float | None = None  # the file's actual + remaining cost (None: none)

    @property
    def cost_gap(self) -> float | None:
        """(plan cost − the file's) / the file's, or None when either is missing."""
        if not self.file_cost or self.plan_cost is None:
            return None
        return (self.plan_cost - self.file_cost) / self.file_cost

    @property
    def same_project_finish(self) -> bool | None:
        """Whether both project finishes fall on the same day (None: the file has none)."""
        if self.file_project_finish is None or self.project_finish is None:
            return None
        return self.project_finish == self.file_project_finish

    def to_dict(self) -> dict[str, Any]:
        """The table as JSON (dates as ``YYYY-MM-DD``, shares as fractions, None for
        n/a)."""
        return {
            "compared": self.counts,
            "shares": self.shares,
            "project_finish": str(self.project_finish) if self.project_finish else None,
            "file_project_finish": (
                str(self.file_project_finish) if self.file_project_finish else None
            ),
            "same_project_finish": self.same_project_finish,
            "plan_cost": self.plan_cost,
            "file_cost": self.file_cost,
            "cost_gap": self.cost_gap,
            "worst": [m.to_dict() for m in self.worst],
        }


def working_days(cal: Calendar, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Signed working days of ``cal`` from dates ``a`` to dates ``b`` (the working days
    in ``[a, b)``; negative when b is earlier)."""
    a = np.asarray(a, "datetime64[D]")
    b = np.asarray(b, "datetime64[D]")
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    weekmask = [d in cal.workdays for d in range(7)]
    holidays = np.array(cal.holidays, "datetime64[D]")
    n = np.busday_count(lo, hi, weekmask=weekmask, holidays=holidays)
    for extra in np.array(cal.extra_workdays, "datetime64[D]"):
        n += (lo <= extra) & (extra < hi)
    return np.where(b >= a, n, -n)


def _spans(span: tuple[np.datetime64, np.datetime64] | None, when: str) -> bool:
    """Whether a calendar loss on day ``when`` (empty: every day) falls within an
    activity's ``span`` (the earliest start to the latest finish, ours or the file's;
    None: unknown, so it may)."""
    if not when or span is None:
        return True
    try:
        day = np.datetime64(_dt.date.fromisoformat(when), "D")
    except ValueError:
        return True
    return bool(span[0] <= day <= span[1])


def touched(
    scenario: Scenario,
    report: ImportReport,
    spans: dict[str, tuple[np.datetime64, np.datetime64]] | None = None,
) -> dict[str, str]:
    """Each activity a loss touches (module docstring), with the loss's description.
    ``spans``: each activity's dates (see :func:`_spans`)."""
    spans = spans or {}
    ids = {t.id for t in scenario.tasks}
    project = scenario.project_calendar().id
    on_cal = collections.defaultdict(list)
    calendar_of = {t.id: t.calendar or project for t in scenario.tasks}
    for t in scenario.tasks:
        on_cal[calendar_of[t.id]].append(t.id)

    def _other_calendar(link: Link, t: Task) -> bool:
        return bool(link.lag) and calendar_of.get(link.task) != calendar_of[t.id]

    out: dict[str, str] = {}
    for key, loss in report.losses.items():
        if key in HARMLESS:
            continue
        hit: list[str] = []
        if key == "lag-calendar":
            hit = [
                t.id for t in scenario.tasks if any(_other_calendar(lk, t) for lk in t.predecessors)
            ]
        for item in loss.items:
            succ = item.rpartition("->")[2]
            pred = item.partition("->")[0]
            if key == "external-links" and pred in ids:  # its successor is elsewhere
                hit.append(pred)
            cal, _, when = item.partition(" ")
            if item in ids:
                hit.append(item)
            elif succ in ids:
                hit.append(succ)
            elif cal in on_cal:
                hit.extend(t for t in on_cal[cal] if _spans(spans.get(t), when))
        for tid in hit:
            out.setdefault(tid, loss.what)
    return out


def _cause(tid: str, own: dict[str, str], preds: dict[str, list[str]]) -> tuple[str, str]:
    """Why ``tid`` may differ, as (the loss, the cause in words): its own loss, else the
    nearest activity it depends on with one (breadth first through the predecessors),
    else unexplained."""
    if tid in own:
        return own[tid], f"{own[tid]} (this activity)"
    seen, queue = {tid}, collections.deque(preds.get(tid, ()))
    while queue:
        p = queue.popleft()
        if p in seen:
            continue
        seen.add(p)
        if p in own:
            return own[p], f"depends on {p}: {own[p]}"
        queue.extend(preds.get(p, ()))
    return "unexplained", "unexplained"


def _supported(scenario: Scenario, own: dict[str, str], order: list[str]) -> set[str]:
    """The activities no loss touches, nor anything they depend on (``order``: the
    tasks in topological order)."""
    preds = {t.id: [lk.task for lk in t.predecessors] for t in scenario.tasks}
    bad: set[str] = set()
    for tid in order:
        if tid in own or any(p in bad for p in preds[tid]):
            bad.add(tid)
    return set(order) - bad


def _works(cal: Calendar, day: _dt.date) -> bool:
    return day in cal.extra_workdays or (day.weekday() in cal.workdays and day not in cal.holidays)


def start_day(cal: Calendar, moment: _dt.datetime | None) -> np.datetime64:
    """The day a stored start begins work: P6 stores an early start at its
    predecessor's finish, the end of a working day (16:00 on an 08:00-16:00 calendar),
    when the work begins the next working day. A finish milestone's start is its
    finish: the caller takes its day as it is."""
    if moment is None:
        return np.datetime64("NaT", "D")
    day = moment.date()
    if day_fraction(cal, moment) >= 1.0 - 1e-9:
        day += _dt.timedelta(days=1)
        for _ in range(366):
            if _works(cal, day):
                break
            day += _dt.timedelta(days=1)
    return np.datetime64(day, "D")


def _day(moment: _dt.datetime | None) -> np.datetime64:
    return np.datetime64(moment.date() if moment else "NaT", "D")


STALE = "the file's dates disagree with its own duration"


def _stale(
    scenario: Scenario,
    report: ImportReport,
    rows: list[str],
    start: np.ndarray,
    finish: np.ndarray,
    cal_of: list[Calendar],
) -> dict[str, str]:
    """The activities not started whose stored dates span more or fewer working days
    than their duration (by more than one): no schedule of that duration can match
    those dates (a file edited after it was last scheduled, say). A cause, not a loss:
    they stay supported."""
    by_id = {t.id: t for t in scenario.tasks}
    out = {}
    for k, tid in enumerate(rows):
        task, stored = by_id[tid], report.stored[tid]
        if stored.status != "not started" or task.milestone or task.duration.kind != "fixed":
            continue
        if np.isnat(start[k]) or np.isnat(finish[k]):
            continue
        span = working_days(cal_of[k], start[k : k + 1], finish[k : k + 1] + 1)[0]
        days = task.duration.params["value"]
        if abs(span - days) > 1:
            out[tid] = f"{STALE} ({span} working days, {days:g} of work)"
    return out


def _activity_spans(
    table: pd.DataFrame, report: ImportReport
) -> dict[str, tuple[np.datetime64, np.datetime64]]:
    """Each activity's earliest start and latest finish, ours or the file's."""
    out = {}
    starts = table["early_start"].to_numpy("datetime64[D]")
    finishes = table["early_finish"].to_numpy("datetime64[D]")
    for tid, a, b in zip(table.index, starts, finishes, strict=True):
        s = report.stored.get(tid)
        lo = min(a, _day(s.start)) if s and s.start else a
        hi = max(b, _day(s.finish)) if s and s.finish else b
        out[tid] = (lo, hi)
    return out


def fidelity(
    scenario: Scenario, report: ImportReport, table: pd.DataFrame | None = None
) -> Fidelity:
    """Compare the deterministic schedule of an imported scenario with the dates its
    file stored, over the activities not finished (module docstring).

    Parameters
    ----------
    scenario : Scenario
        The imported scenario.
    report : ImportReport
        Its import report: the stored dates (``report.stored``), the file's project
        finish and the losses that explain differences.
    table : pandas.DataFrame, optional
        The scenario's :func:`~riskengine.engine.schedule.schedule_table`, when already
        computed.

    Returns
    -------
    Fidelity
        The shares for all open activities and the supported ones, both project
        finishes and the worst mismatches with their causes.

    Raises
    ------
    ScenarioError
        For an invalid scenario.
    """
    if table is None:
        table = schedule_table(scenario)
    cals = {c.id: c for c in scenario.calendars}
    project_cal = scenario.project_calendar()
    by_id = {t.id: t for t in scenario.tasks}
    rows = [
        tid
        for tid in table.index
        if tid in report.stored
        and report.stored[tid].status != "finished"
        and report.stored[tid].finish is not None
    ]
    own = touched(scenario, report, _activity_spans(table, report))
    supported = _supported(scenario, own, list(table.index))
    cal_of = [cals.get(by_id[t].calendar or "", project_cal) for t in rows]
    start = np.array(
        [
            _day(s.start) if s.kind == "finish milestone" else start_day(c, s.start)
            for s, c in zip((report.stored[t] for t in rows), cal_of, strict=True)
        ],
        "datetime64[D]",
    )
    finish = np.array([_day(report.stored[t].finish) for t in rows], "datetime64[D]")
    ours_s = table.loc[rows, "early_start"].to_numpy("datetime64[D]")
    ours_f = table.loc[rows, "early_finish"].to_numpy("datetime64[D]")
    days = np.zeros(len(rows), np.int64)
    for k, cal in enumerate(cal_of):
        days[k] = working_days(cal, finish[k : k + 1], ours_f[k : k + 1])[0]
    # a started activity's start is its actual start in both: only the others count
    not_started = np.array([report.stored[t].status != "in progress" for t in rows], bool)
    stored_float = np.array(
        [
            np.nan if report.stored[t].total_float is None else report.stored[t].total_float
            for t in rows
        ]
    )
    float_diff = table.loc[rows, "total_float"].to_numpy(float) - stored_float
    has_float = bool(np.isfinite(stored_float).any())
    measures = {
        "same start": ours_s == start,
        "same finish": ours_f == finish,
        "finish ±1 day": np.abs(days) <= 1,
        "float ±1 day": np.abs(float_diff) <= 1 + 1e-9,
    }
    groups = {"all": np.ones(len(rows), bool), "supported": np.isin(rows, list(supported))}
    shares: dict[str, dict[str, float | None]] = {}
    for g, mask in groups.items():
        shares[g] = {}
        for name, hit in measures.items():
            valid = mask & np.isfinite(float_diff) if name == "float ±1 day" else mask
            valid = valid & not_started if name == "same start" else valid
            shares[g][name] = float(hit[valid].mean()) if valid.any() else None
    preds = {t.id: [lk.task for lk in t.predecessors] for t in scenario.tasks}
    stale = _stale(scenario, report, rows, start, finish, cal_of)
    explain = {**stale, **own}
    badness = np.abs(days) + np.nan_to_num(np.abs(float_diff)) * 1e-3
    worst: list[Mismatch] = []
    per_cause: collections.Counter[str] = collections.Counter()
    for k in np.argsort(-badness, kind="stable"):
        if len(worst) == WORST or (days[k] == 0 and not abs(float_diff[k]) > 1 + 1e-9):
            break
        kind, cause = _cause(rows[k], explain, preds)
        per_cause[kind] += 1
        if per_cause[kind] > PER_CAUSE:
            continue
        fd = None if np.isnan(float_diff[k]) else float(round(float_diff[k], 3))
        dates = (ours_s[k].item(), ours_f[k].item()), (start[k].item(), finish[k].item())
        worst.append(Mismatch(rows[k], *dates, int(days[k]), fd, cause))
    ours_end = table["early_finish"].max()
    file_cost = sum(report.costs.values()) if report.costs else None
    plan = deterministic_plan(scenario) if file_cost else None
    return Fidelity(
        shares,
        {g: int(m.sum()) for g, m in groups.items()},
        None if pd.isna(ours_end) else pd.Timestamp(ours_end).date(),
        report.project_finish.date() if report.project_finish else None,
        worst,
        has_float,
        plan_cost=float(plan.costs["total"][0]) if plan is not None and plan.costs else None,
        file_cost=file_cost or None,
    )
