"""Working calendars and the kernels' time axis.

The kernels measure time in *working days of the union calendar* from the project start:
the days on which at least one calendar in use works, numbered 0, 1, 2, … Time t = k is
the start of union day k (and the end of day k - 1). With one calendar (the usual case)
the union is that calendar and no conversion happens anywhere; days on which no calendar
works (Sundays, common holidays) are skipped by everyone, so dropping them loses nothing.

A task on another calendar c works only on c's days among the union days. Its logic runs
in *positions* of c — working days of c from the start — through three tables per
calendar (``kernels/network.py`` reads them):

``cum[c, k]``   working days of c among union days 0 … k-1 (k = 0 … H)
``work[c, k]``  1.0 when union day k is a working day of c, else 0.0
``inv[c, j]``   the union day of c's j-th working day (j = 0 … n_c - 1)

A time t on union day k = floor(t) is at position ``cum[k] + work[k] · (t - k)``; a
position p maps back to a start at ``inv[floor p] + frac p`` (the start of the next
working day when p is whole) or to a finish at ``inv[ceil p - 1] + (p - ceil p + 1)`` (the
end of the last working day). Dates come from union days only at the edges (results and
reports), vectorised with numpy, never in a per-iteration Python loop.

A date with a time of day (a data date at 17:00, an actual start at 12:30) is the start
of its union day plus the fraction of the working day done by then, by the clock window
of the project calendar (``Calendar.day``): 17:00 on 08:00-17:00 is the end of the day,
12:30 on 08:00-12:00,13:00-17:00 its middle. A date alone keeps its meaning exactly.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from riskengine.model.scenario import (
    FULL_DAY_CALENDAR,
    STANDARD_CALENDAR,
    Calendar,
    Scenario,
    day_fraction,
)

HORIZON_YEARS = 150  # the tables cover this many years from the start
NOMINAL_START = _dt.date(2001, 1, 1)  # a Monday: anchors scenarios without a start date
_DATE_EPS = 1e-9  # a finish this close above a day boundary still ends the day before


def working_mask(cal: Calendar, first: np.datetime64, n_days: int) -> np.ndarray:
    """Booleans: is each of the ``n_days`` dates from ``first`` a working day of ``cal``."""
    weekmask = [d in cal.workdays for d in range(7)]
    days = first + np.arange(n_days)
    holidays = np.array(cal.holidays, dtype="datetime64[D]")
    mask = np.is_busday(days, weekmask=weekmask, holidays=holidays)
    if cal.extra_workdays:
        extra = np.array(cal.extra_workdays, dtype="datetime64[D]") - first
        extra = extra.astype(np.int64)
        mask[extra[(extra >= 0) & (extra < n_days)]] = True
    return mask


@dataclass(frozen=True, eq=False)
class Timeline:
    """The union-calendar time axis of one scenario and the tables of its calendars.

    ``index[cal_id]`` is the table row of a calendar, or -1 when it works exactly on the
    union days (no conversion needed). ``project`` is the project calendar's row (or -1).
    ``dated`` is False for scenarios without a start date (times only, no dates).
    ``calendar`` is the project calendar, whose clock window places times of day unless
    a date is given with another calendar of ``clocks`` (the calendars in use, by id)."""

    days: np.ndarray  # datetime64[D][H]: the union days
    cum: np.ndarray  # float64[C, H + 1]
    work: np.ndarray  # float64[C, H]
    inv: np.ndarray  # float64[C, J]; J = max n_c, padded with the last working day
    count: np.ndarray  # int64[C]: n_c, working days of each calendar in the horizon
    index: dict[str, int]
    project: int
    dated: bool
    calendar: Calendar = STANDARD_CALENDAR
    clocks: Mapping[str, Calendar] = field(default_factory=dict)

    @property
    def horizon(self) -> int:
        """Number of union days the tables cover."""
        return int(self.days.size)

    @property
    def bounded(self) -> bool:
        """Whether times go through the tables (dates, or several calendars), which end
        at the horizon."""
        return self.dated or any(c >= 0 for c in self.index.values())

    @property
    def last_day(self) -> str:
        """The last date the tables cover."""
        return str(self.days[-1]) if self.days.size else "the start"

    def position(self, t: np.ndarray | float, calendar: str | None) -> np.ndarray:
        """Positions of union times ``t`` in working days of ``calendar`` (None: the
        project calendar; a calendar the timeline does not know works on union days)."""
        c = self.project if calendar is None else self.index.get(calendar, -1)
        t = np.asarray(t, dtype=np.float64)
        if c < 0:
            return t
        k = np.clip(np.floor(t).astype(np.int64), 0, self.horizon - 1)
        return self.cum[c, k] + self.work[c, k] * (t - k)

    @property
    def tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The arrays the kernels take."""
        return (self.cum, self.work, self.inv, self.count)

    # -- union time ↔ dates -------------------------------------------------------------
    def _day(self, k: np.ndarray) -> np.ndarray:
        return self.days[np.clip(k, 0, self.horizon - 1)]

    def finish_dates(self, t: np.ndarray | float) -> np.ndarray:
        """Dates of finishes at union times ``t``: the last working day of the work."""
        t = np.asarray(t, dtype=np.float64)
        return self._day(np.ceil(t - _DATE_EPS).astype(np.int64) - 1)

    def end_of(self, date: _dt.date, calendar: str | None = None) -> float:
        """Union time at the end of ``date``: a finish is on or before ``date`` exactly
        when its time is at most this. With a time of day: that time on a union day, by
        the clock of ``calendar`` (:meth:`at_time`)."""
        if isinstance(date, _dt.datetime):
            return self.at_time(date, calendar)
        return float(np.searchsorted(self.days, np.datetime64(date, "D"), side="right"))

    def start_of(self, date: _dt.date, calendar: str | None = None) -> float:
        """Union time at the start of ``date`` (or of the next union day if it is none).
        With a time of day: that time on a union day, by the clock of ``calendar``
        (:meth:`at_time`)."""
        if isinstance(date, _dt.datetime):
            return self.at_time(date, calendar)
        return float(np.searchsorted(self.days, np.datetime64(date, "D"), side="left"))

    def at_time(self, moment: _dt.datetime, calendar: str | None = None) -> float:
        """Union time of a date with a time of day: the start of its day plus the
        fraction of the working day done by then, by the clock window of ``calendar``
        (None, or one not in use: the project calendar's). On a day that is no union
        day, nobody works: the start of the next union day, as for a date alone."""
        day = np.datetime64(moment.date(), "D")
        k = int(np.searchsorted(self.days, day, side="left"))
        if k < self.horizon and self.days[k] == day:
            clock = self.calendar if calendar is None else self.clocks.get(calendar, self.calendar)
            return k + day_fraction(clock, moment)
        return float(k)

    # -- union time ↔ working days of the project calendar -------------------------------
    def to_project_days(self, t: np.ndarray | float) -> np.ndarray:
        """Positions of union times in working days of the project calendar."""
        return self.position(t, None)

    def from_project_days(self, p: float) -> float:
        """The latest union time at a position ``p`` of the project calendar (a target in
        working days: finishing at or before it meets the target)."""
        if self.project < 0:
            return float(p)
        c = self.project
        j = min(int(np.floor(p)), int(self.count[c]) - 1)
        return float(self.inv[c, j] + (p - j))

    def project_finish_time(self, p: float) -> float:
        """Union time of a finish at position ``p`` of the project calendar (the end of
        its last working day): the date a target in working days falls on."""
        if self.project < 0:
            return float(p)
        c = self.project
        j = int(np.clip(np.ceil(p - _DATE_EPS) - 1, 0, self.count[c] - 1))
        return float(self.inv[c, j] + (p - j))

    def iso(self, dates: np.ndarray) -> list[str]:
        """Dates as ``YYYY-MM-DD`` texts, as reports and JSON show them."""
        return [str(d) for d in np.atleast_1d(np.asarray(dates, dtype="datetime64[D]"))]


def calendars_in_use(scenario: Scenario) -> dict[str, Calendar]:
    """The project calendar first, then every calendar a task or a cost item's span
    names, by id."""
    project = scenario.project_calendar()
    used = {project.id: project}
    by_id = {c.id: c for c in scenario.calendars}
    named = [t.calendar for t in scenario.tasks] + [c.span_calendar for c in scenario.costs]
    for cid in named:
        if cid is not None and cid not in used:
            used[cid] = by_id.get(cid, project)
    if scenario.lag_calendar == "24-hour":  # lags count every hour of every day
        used[FULL_DAY_CALENDAR.id] = FULL_DAY_CALENDAR
    return used


def build_timeline(scenario: Scenario) -> Timeline:
    """The union-calendar axis from the scenario's start over HORIZON_YEARS."""
    dated = scenario.start is not None
    start = np.datetime64(scenario.start if dated else NOMINAL_START, "D")
    n_days = round(365.2425 * HORIZON_YEARS)
    used = calendars_in_use(scenario)
    masks = {cid: working_mask(cal, start, n_days) for cid, cal in used.items()}
    union = np.logical_or.reduce(list(masks.values()))
    day_index = np.flatnonzero(union)
    days = start + day_index
    rows: list[np.ndarray] = []
    index: dict[str, int] = {}
    for cid, mask in masks.items():
        on = mask[day_index]
        if on.all():
            index[cid] = -1
        else:
            index[cid] = len(rows)
            rows.append(on)
    h = days.size
    c_n = len(rows)
    work = np.zeros((max(c_n, 1), h))
    cum = np.zeros((max(c_n, 1), h + 1))
    count = np.zeros(max(c_n, 1), np.int64)
    positions = [np.flatnonzero(on) for on in rows]
    j_max = max((p.size for p in positions), default=1)
    inv = np.zeros((max(c_n, 1), max(j_max, 1)))
    for c, on in enumerate(rows):
        work[c] = on
        cum[c, 1:] = np.cumsum(on)
        p = positions[c]
        count[c] = p.size
        inv[c, : p.size] = p
        inv[c, p.size :] = p[-1] if p.size else h
    project = index[scenario.project_calendar().id]
    return Timeline(
        days=days,
        cum=cum,
        work=work,
        inv=inv,
        count=count,
        index=index,
        project=project,
        dated=dated,
        calendar=scenario.project_calendar(),
        clocks=used,
    )
