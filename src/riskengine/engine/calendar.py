"""Working calendars and the kernels' time axis.

The kernels measure time in *working days of the union calendar* from the project start:
the days on which at least one calendar in use works, numbered 0, 1, 2, … Time t = k is
the start of union day k (and the end of day k - 1). With one calendar (the usual case)
the union is that calendar and no conversion happens anywhere; days on which no calendar
works (Sundays, common holidays) are skipped by everyone, so dropping them loses nothing.

A task on another calendar c works only on c's days among the union days. Its logic runs
in *positions* of c — working days of c from the start — through three tables per
calendar (``kernels/network.py`` reads them):

``cum[c, L + k]``   working days of c among union days 0 … k-1 (k = 0 … H)
``work[c, L + k]``  1.0 when union day k is a working day of c, else 0.0
``inv[c, L + j]``   the union day of c's j-th working day (j = 0 … n_c - 1)

The tables also cover ``L`` (kernels/args.py LEAD) union days before the start, numbered
-L … -1, with negative positions: late dates of negative float fall before the start,
and count working days there as everywhere (L union days reach about 20 years back; a
calendar that works so little that the search finds fewer gets days no one works).

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
from dataclasses import dataclass, field

import numpy as np

from riskengine.kernels.args import CLOCKED, LEAD, PARTIAL
from riskengine.model.scenario import (
    FULL_DAY_CALENDAR,
    STANDARD_CALENDAR,
    Calendar,
    Scenario,
    day_fraction,
    day_hours,
    weekday_hours,
)

HORIZON_YEARS = 150  # the tables cover this many years from the start
LEAD_SEARCH_YEARS = 100  # the years searched for LEAD union days before the start
NOMINAL_START = _dt.date(2001, 1, 1)  # a Monday: anchors scenarios without a start date
_DATE_EPS = 1e-9  # a finish this close above a day boundary still ends the day before


def _offsets(dates: tuple, first: np.datetime64, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Day offsets of ``dates`` from ``first`` inside the ``n_days``, and which of the
    dates they are."""
    k = (np.array(dates, dtype="datetime64[D]") - first).astype(np.int64)
    inside = (k >= 0) & (k < n_days)
    return k[inside], np.flatnonzero(inside)


def working_amounts(cal: Calendar, first: np.datetime64, n_days: int) -> np.ndarray:
    """Working days of ``cal`` on each of the ``n_days`` dates from ``first``: its hours
    that day over its usual day's (:func:`~riskengine.model.scenario.day_hours`), 0 on a
    day off. Weekdays work their hours, holidays none, extra workdays their weekday's
    hours (``hours_per_day`` when the weekday is not worked), partial days theirs."""
    unit = day_hours(cal)
    by_weekday = np.array(weekday_hours(cal)) / unit
    listed = dict(cal.hours)
    days = first + np.arange(n_days)
    weekday = (days.astype(np.int64) - 4) % 7  # 1970-01-01 was a Thursday
    amounts = by_weekday[weekday]
    if cal.holidays:
        k, _ = _offsets(cal.holidays, first, n_days)
        amounts[k] = 0.0
    if cal.extra_workdays:
        k, _ = _offsets(cal.extra_workdays, first, n_days)
        extra = [listed.get(int(w), cal.hours_per_day) / unit for w in weekday[k]]
        amounts[k] = extra
    if cal.partial_days:
        k, which = _offsets(tuple(d for d, _ in cal.partial_days), first, n_days)
        amounts[k] = np.array([h for _, h in cal.partial_days])[which] / unit
    return amounts


@dataclass(frozen=True, eq=False)
class Timeline:
    """The union-calendar time axis of one scenario and the tables of its calendars.

    ``index[cal_id]`` is the table row of a calendar, or -1 when it works exactly on the
    union days (no conversion needed). ``project`` is the project calendar's row (or -1).
    ``dated`` is False for scenarios without a start date (times only, no dates).
    ``window`` is the union clock: every period of the day some calendar in use works
    (module docstring)."""

    days: np.ndarray  # datetime64[D][H]: the union days from the start
    cum: np.ndarray  # float64[C, L + H + 1]
    work: np.ndarray  # float64[C, L + H]
    inv: np.ndarray  # float64[C, J]; J = max J_c + n_c, padded with the last working day
    count: np.ndarray  # int64[C]: n_c, whole positions of each calendar in the horizon
    partial: np.ndarray  # int64[C]: 1 when a day of the calendar is not one working day
    clock: np.ndarray  # float64[C, 2, M]: each calendar's day against the union clock
    clocked: np.ndarray  # int64[C]: 1 when a calendar's clock window is not the union's
    index: dict[str, int]
    project: int
    dated: bool
    window: tuple[tuple[float, float], ...] = STANDARD_CALENDAR.day
    # datetime64[D][LEAD]: the union days -LEAD … -1
    before: np.ndarray = field(default_factory=lambda: np.array([], "datetime64[D]"))

    @property
    def lead(self) -> int:
        """Number of union days the tables cover before the start (LEAD)."""
        return LEAD

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
        k = np.clip(np.floor(t).astype(np.int64), -self.lead, self.horizon - 1)
        f = t - k
        if self.clocked[c]:  # inside the day, by the calendar's own clock
            inside = (f >= 0.0) & (f <= 1.0)
            f = np.where(inside, own_fraction(self.clock[c], f), f)
        return self.cum[c, k + self.lead] + self.work[c, k + self.lead] * f

    @property
    def tables(self) -> tuple[np.ndarray, ...]:
        """The arrays the kernels take."""
        kind = self.partial * PARTIAL | self.clocked * CLOCKED
        return (self.cum, self.work, self.inv, self.count, kind, self.clock)

    # -- union time ↔ dates -------------------------------------------------------------
    def _day(self, k: np.ndarray) -> np.ndarray:
        return self.day_dates(k)

    def day_dates(self, k: np.ndarray) -> np.ndarray:
        """Dates of union days ``k`` (the last one past the horizon; before the days the
        tables cover, calendar days back from the first)."""
        k = np.asarray(k, np.int64)
        inside = self.days[np.clip(k, 0, self.horizon - 1)]
        early = np.maximum(k + LEAD, 0)
        before = self.before[np.minimum(early, LEAD - 1)] + np.minimum(k + LEAD, 0)
        return np.where(k < 0, before, inside)

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
        fraction of the union clock's hours passed by then (each calendar's position
        follows from its own window; ``calendar`` is kept for the callers, a moment is
        the same on every calendar). On a day that is no union day, nobody works: the
        start of the next union day, as for a date alone."""
        day = np.datetime64(moment.date(), "D")
        k = int(np.searchsorted(self.days, day, side="left"))
        if k < self.horizon and self.days[k] == day:
            return k + day_fraction(Calendar("union", day=self.window), moment)
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
        return float(self.start_time(np.array([self.project]), np.array([float(p)]))[0])

    def project_finish_time(self, p: float) -> float:
        """Union time of a finish at position ``p`` of the project calendar (the end of
        its last working day): the date a target in working days falls on."""
        if self.project < 0:
            return float(p)
        return float(self.finish_time(np.array([self.project]), np.array([float(p)]))[0])

    def start_time(self, c: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Union times of starts at positions ``p`` of calendar rows ``c`` (all >= 0): in
        the working day holding p, or at the start of the next one when p ends a day,
        as the kernels' ``_start``."""
        return self._inverse(c, p, start=True)

    def finish_time(self, c: np.ndarray, q: np.ndarray) -> np.ndarray:
        """Union times of finishes at positions ``q`` of calendar rows ``c`` (all >= 0):
        in the working day whose work reaches q, its end when q ends it, as the
        kernels' ``_finish``."""
        return self._inverse(c, q, start=False)

    def _inverse(self, c: np.ndarray, p: np.ndarray, start: bool) -> np.ndarray:
        p = np.asarray(p, dtype=np.float64)
        out = p.copy()
        lead = self.lead
        for row in np.unique(c):
            on = c == row
            cum = self.cum[row]
            if start:
                k = np.searchsorted(cum, p[on] + _DATE_EPS, side="right") - 1 - lead
            else:
                k = np.searchsorted(cum, p[on] - _DATE_EPS, side="left") - 1 - lead
            # before the first working day or past the horizon: the first or last one
            first, last = self.inv[row, 0], self.inv[row, LEAD + max(self.count[row] - 1, 0)]
            k = np.where(k < first, first, np.where(k > last, last, k)).astype(np.int64)
            g = (p[on] - cum[k + lead]) / self.work[row, k + lead]
            if self.clocked[row]:
                g = clock_inverse(self.clock[row], g, start)
            out[on] = k + g
        return out

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
    n_lead = round(365.2425 * LEAD_SEARCH_YEARS)
    used = calendars_in_use(scenario)
    amounts = {
        cid: working_amounts(cal, start - n_lead, n_lead + n_days) for cid, cal in used.items()
    }
    union = np.logical_or.reduce([a > 0 for a in amounts.values()])
    found = np.flatnonzero(union)
    at = int(np.searchsorted(found, n_lead))
    ahead = found[max(at - LEAD, 0) : at]
    # fewer union days before the start than LEAD: days no one works, the days before
    pad = LEAD - ahead.size
    first = ahead[0] if ahead.size else n_lead
    day_index = np.concatenate([first - np.arange(pad, 0, -1), ahead, found[at:]])
    all_days = start - n_lead + day_index
    days, before = all_days[LEAD:], all_days[:LEAD]
    rows: list[np.ndarray] = []
    index: dict[str, int] = {}
    window = union_window([c for c in used.values() if c is not FULL_DAY_CALENDAR])
    clocks: list[np.ndarray | None] = []
    for cid, amount in amounts.items():
        on = amount[np.maximum(day_index, 0)] * (day_index >= 0)
        own = None if used[cid] is FULL_DAY_CALENDAR else clock_points(used[cid].day, window)
        if (on == 1.0).all() and own is None:
            index[cid] = -1
        else:
            index[cid] = len(rows)
            rows.append(on)
            clocks.append(own)
    work, cum, inv, count, partial = calendar_tables(rows, all_days.size)
    clock, clocked = clock_tables(clocks)
    project = index[scenario.project_calendar().id]
    return Timeline(
        days=days,
        cum=cum,
        work=work,
        inv=inv,
        count=count,
        partial=partial,
        clock=clock,
        clocked=clocked,
        index=index,
        project=project,
        dated=dated,
        window=window,
        before=before,
    )


def calendar_tables(
    rows: list[np.ndarray], h: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The kernels' tables of calendars working ``rows[c][i]`` days on the i-th of ``h``
    union days, the first ``lead`` (LEAD) of them before the start (module docstring): work,
    cum (0 at the start: negative before it), inv (``inv[c, lead + j]``: the union day,
    from the start, holding whole position j as a start, ``cum[k] <= j < cum[k + 1]``,
    for j from ``-lead``; the first working day where the tables hold no such position),
    count (whole positions from the start to the horizon) and partial (1 when some day
    works other than a whole day)."""
    lead = LEAD
    c_n = max(len(rows), 1)
    work = np.zeros((c_n, h))
    cum = np.zeros((c_n, h + 1))
    count = np.zeros(c_n, np.int64)
    partial = np.zeros(c_n, np.int64)
    for c, on in enumerate(rows):
        work[c] = on
        # from the start and back from it, so the positions after it are the sums alone
        cum[c, lead + 1 :] = np.cumsum(on[lead:])
        cum[c, :lead] = -np.cumsum(on[:lead][::-1])[::-1]
        count[c] = int(np.ceil(cum[c, h] - _DATE_EPS)) if h > lead else 0
        partial[c] = int(((on != 0.0) & (on != 1.0)).any())
    inv = np.zeros((c_n, lead + max(int(count.max()), 1)))
    for c in range(len(rows)):
        n_c = lead + count[c]
        k = np.searchsorted(cum[c], np.arange(-lead, count[c]), side="right") - 1
        k = np.clip(k, np.searchsorted(cum[c], cum[c, 0], side="right") - 1, h - 1)
        inv[c, :n_c] = k - lead
        inv[c, n_c:] = inv[c, n_c - 1] if n_c else h - lead
    return work, cum, inv, count, partial


def union_window(calendars: list[Calendar]) -> tuple[tuple[float, float], ...]:
    """The union clock: the periods of the day (hours from midnight) in which at least
    one of ``calendars`` works, merged, in order."""
    out: list[list[float]] = []
    for begin, end in sorted(p for c in calendars for p in c.day):
        if out and begin <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([begin, end])
    return tuple((a, b) for a, b in out) or STANDARD_CALENDAR.day


def _hours_before(window: tuple[tuple[float, float], ...], clock: float) -> float:
    return sum(min(max(clock - a, 0.0), b - a) for a, b in window)


def clock_points(
    own: tuple[tuple[float, float], ...], window: tuple[tuple[float, float], ...]
) -> np.ndarray | None:
    """A calendar's working day against the union clock: points (f, g) where f is the
    fraction of the union clock's hours passed and g the fraction of the calendar's own
    hours worked, at every edge of either window (between them both grow linearly or g
    stays flat); None when the windows are the same (g = f)."""
    if tuple(own) == tuple(window):
        return None
    edges = sorted({x for period in (*own, *window) for x in period})
    union_total = _hours_before(window, 24.0)
    own_total = _hours_before(own, 24.0)
    f = [_hours_before(window, x) / union_total for x in edges]
    g = [_hours_before(own, x) / own_total for x in edges]
    pts = np.array([[0.0, *f, 1.0], [0.0, *g, 1.0]])
    # edges with no union hours between them (a break of every calendar) fall together,
    # with the same g: keep one
    _, first = np.unique(pts[0], return_index=True)
    return pts[:, first]


def clock_tables(clocks: list[np.ndarray | None]) -> tuple[np.ndarray, np.ndarray]:
    """The kernels' ``clock[c, 0 or 1, m]`` (each row's points, padded with (1, 1)) and
    ``clocked[c]``."""
    m = max((p.shape[1] for p in clocks if p is not None), default=2)
    clock = np.ones((max(len(clocks), 1), 2, m))
    clocked = np.zeros(max(len(clocks), 1), np.int64)
    for c, pts in enumerate(clocks):
        if pts is None:
            clock[c, :, 0] = 0.0  # the identity, should anything read it
        else:
            clock[c, :, : pts.shape[1]] = pts
            clocked[c] = 1
    return clock, clocked


def own_fraction(points: np.ndarray, f: np.ndarray) -> np.ndarray:
    """The fraction of a calendar's working day done at union-clock fractions ``f`` (0 …
    1), by its points, as the kernels' ``_own_fraction`` computes it."""
    fs, gs = points
    m = np.clip(np.searchsorted(fs, f, side="left"), 1, fs.size - 1)
    f0, f1, g0, g1 = fs[m - 1], fs[m], gs[m - 1], gs[m]
    rise = np.where(f1 > f0, f1 - f0, 1.0)
    # at a point (up to the rounding of t - k): its fraction exactly
    return np.where(
        f1 - f <= _DATE_EPS, g1, np.where(f - f0 <= _DATE_EPS, g0, g0 + (g1 - g0) * (f - f0) / rise)
    )


def clock_inverse(points: np.ndarray, g: np.ndarray, start: bool) -> np.ndarray:
    """Union-clock fractions at which a calendar with these points has worked ``g`` of
    its day: as a start, the latest such moment (after a break, the work resumes); as a
    finish, the earliest (before a break)."""
    f, gs = points
    raw = np.asarray(g, dtype=np.float64)
    g = raw
    # before the first working day or past the last (by more than rounding): time
    # counts as it is, as without a clock
    outside = (g < -_DATE_EPS) | (g > 1.0 + _DATE_EPS)
    g = np.clip(g, 0.0, 1.0)
    if start:  # within _DATE_EPS of a break's level is at it (as the kernels)
        m = np.searchsorted(gs, g + _DATE_EPS, side="right")
    else:
        m = np.searchsorted(gs, g - _DATE_EPS, side="left")
    m = np.clip(m, 1, gs.size - 1)
    g0, g1, f0, f1 = gs[m - 1], gs[m], f[m - 1], f[m]
    rise = np.where(g1 > g0, g1 - g0, 1.0)
    done = np.clip(g - g0, 0.0, g1 - g0)
    inside = np.where(g1 > g0, f0 + done * (f1 - f0) / rise, f1 if not start else f0)
    return np.where(outside, raw, inside)
