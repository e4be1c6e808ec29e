"""Slow, obviously-correct reference implementations the fast kernels are tested against.

Pure Python: a Philox4x32-10 written from the paper, closed-form inverse CDFs, and a
textbook CPM forward and backward pass over one iteration at a time.
"""

from __future__ import annotations

import datetime as _dt
import math

M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85
MASK = 0xFFFFFFFF


def philox4x32_10(counter, key):
    c0, c1, c2, c3 = counter
    k0, k1 = key
    for _ in range(10):
        p0 = M0 * c0
        p1 = M1 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & MASK, (p0 >> 32) ^ c3 ^ k1, p0 & MASK
        k0, k1 = (k0 + W0) & MASK, (k1 + W1) & MASK
    return c0, c1, c2, c3


def uniform(seed: int, stream: int, iteration: int, draw: int) -> float:
    """The documented counter layout: word ``iteration & 3`` of
    philox((iteration >> 2, draw, stream_lo, stream_hi), (seed_lo, seed_hi))."""
    ctr = (iteration >> 2, draw, stream & MASK, stream >> 32)
    words = philox4x32_10(ctr, (seed & MASK, seed >> 32))
    return (words[iteration & 3] + 0.5) / 2**32


def ppf(kind: str, p: dict, u: float) -> float:
    """Closed-form inverse CDFs (fixed, uniform, triangular, discrete)."""
    if kind == "fixed":
        return p["value"]
    if kind == "uniform":
        return p["min"] + u * (p["max"] - p["min"])
    if kind == "triangular":
        a, c, b = p["min"], p["mode"], p["max"]
        if b == a:
            return a
        if u < (c - a) / (b - a):
            return a + math.sqrt(u * (b - a) * (c - a))
        return b - math.sqrt((1 - u) * (b - a) * (b - c))
    if kind == "discrete":
        total = sum(p["weights"])
        cum = 0.0
        for v, w in zip(p["values"][:-1], p["weights"][:-1], strict=False):
            cum += w / total
            if u <= cum:
                return v
        return p["values"][-1]
    raise ValueError(kind)


def cpm(tasks, durations, milestones, tol=1e-6):
    """One iteration of the critical path method.

    ``tasks``: list of (id, [(pred_id, type, lag), ...]) in any order that has
    predecessors first; ``durations``: id -> duration. Returns (ES, EF, milestone
    finishes, project finish, set of critical ids), using the textbook rules:

    FS: ES >= EF_p + lag    SS: ES >= ES_p + lag    FF: EF >= EF_p + lag    SF: EF >= ES_p + lag

    with ES >= 0; late dates from the project finish (the latest EF), and a task is
    critical when its total float LF - EF is at most ``tol``.
    """
    es, ef = {}, {}
    for tid, preds in tasks:
        d = durations[tid]
        start = 0.0
        for p, kind, lag in preds:
            if kind == "FS":
                start = max(start, ef[p] + lag)
            elif kind == "SS":
                start = max(start, es[p] + lag)
            elif kind == "FF":
                start = max(start, ef[p] + lag - d)
            else:  # SF
                start = max(start, es[p] + lag - d)
        es[tid] = start
        ef[tid] = start + d
    finish = max(ef.values())
    ms = {m: max(ef[t] for t in after) for m, after in milestones}
    critical = critical_towards(tasks, es, ef, {tid for tid, _ in tasks}, finish, tol)
    return es, ef, ms, finish, critical


def critical_towards(tasks, es, ef, ends, finish, tol=1e-6):
    """The tasks critical towards one finish: late dates from ``finish`` on the tasks in
    ``ends`` (for the project: every task, from the project finish; for a milestone: the
    tasks it waits on, from its finish), through the successors, all others starting at
    +inf, so a task that cannot reach ``ends`` is never critical; critical when LF - EF is
    at most ``tol``. Durations are EF - ES."""
    succs = {tid: [] for tid, _ in tasks}
    for tid, preds in tasks:
        for p, kind, lag in preds:
            succs[p].append((tid, kind, lag))
    ls, lf = {}, {}
    for tid, _ in reversed(tasks):
        d = ef[tid] - es[tid]
        late = finish if tid in ends else math.inf
        for s, kind, lag in succs[tid]:
            if kind == "FS":
                late = min(late, ls[s] - lag)
            elif kind == "SS":
                late = min(late, ls[s] - lag + d)
            elif kind == "FF":
                late = min(late, lf[s] - lag)
            else:  # SF
                late = min(late, lf[s] - lag + d)
        lf[tid] = late
        ls[tid] = late - d
    return {tid for tid, _ in tasks if lf[tid] - ef[tid] <= tol}


def milestone_critical(tasks, es, ef, milestones, finishes, tol=1e-6, towards=critical_towards):
    """Per milestone: the tasks critical towards it (``finishes`` from :func:`cpm`)."""
    return {m: towards(tasks, es, ef, set(after), finishes[m], tol) for m, after in milestones}


def durations(scenario, seed: int, iteration: int, *, mitigated: bool = False, without=()):
    """Each task's duration in one iteration, risks and existence included, following
    the documented draws: a task's duration is draw 0 and its existence draw 1 of its
    stream; a risk occurs when draw 0 of its stream is below its probability; impact j
    samples its delay from draw 1 + 3j and its delay_pct from draw 2 + 3j."""
    from riskengine.engine.compile import stream_of

    base = {}
    for t in scenario.tasks:
        u = uniform(seed, stream_of("task", t.id), iteration, 0)
        base[t.id] = ppf(t.duration.kind, t.duration.params, u)
    extra = dict.fromkeys(base, 0.0)
    for risk in scenario.risks:
        p, impacts = risk.state(mitigated)
        stream = stream_of("risk", risk.id)
        if risk.id in without or not uniform(seed, stream, iteration, 0) < p:
            continue
        for j, imp in enumerate(impacts):
            if imp.delay is not None:
                u = uniform(seed, stream, iteration, 1 + 3 * j)
                extra[imp.task] += ppf(imp.delay.kind, imp.delay.params, u)
            if imp.delay_pct is not None:
                u = uniform(seed, stream, iteration, 2 + 3 * j)
                pct = ppf(imp.delay_pct.kind, imp.delay_pct.params, u)
                extra[imp.task] += pct * 0.01 * base[imp.task]
    out, exists = {}, {}
    for t in scenario.tasks:
        u = uniform(seed, stream_of("task", t.id), iteration, 1)
        exists[t.id] = t.existence >= 1 or u < t.existence
        out[t.id] = max(0.0, base[t.id] + extra[t.id]) if exists[t.id] else 0.0
    return out, exists


class NaiveCalendar:
    """Working days by brute force: day i (calendar days from the start date) works when
    its weekday is in ``workdays`` and it is not a holiday, or it is an extra working day
    or a partial day. Time is calendar days from the start; positions count working
    days, day by day: a day of h hours is h / (the hours most weekdays work) of one
    (``hours``: weekday -> hours, others ``hours_per_day``; ``partial``: date -> hours;
    an extra working day works its weekday's hours, ``hours_per_day`` if none)."""

    def __init__(
        self,
        start,
        workdays=(0, 1, 2, 3, 4),
        holidays=(),
        extra=(),
        hours=None,
        partial=None,
        hours_per_day=8.0,
        window=None,
        union=None,
    ):
        self.start = start
        self.workdays = set(workdays)
        self.holidays = set(holidays)
        self.extra = set(extra)
        self.hours = dict(hours or {})
        self.partial = dict(partial or {})
        self.hpd = hours_per_day
        worked = [self.hours.get(d, hours_per_day) for d in sorted(self.workdays)]
        self.unit = max(worked, key=lambda h: (worked.count(h), h))
        # the clock: times within a day are fractions of the union window's hours (the
        # periods some calendar works); the calendar works its own window's hours
        self.window = window
        self.union = union

    def _to_own(self, f):
        """Fraction of the calendar's own hours done at union fraction f of a day."""
        if self.window is None or not 0 <= f <= 1:
            return f
        clock = _clock_at(self.union, f * _hours(self.union), True)
        return _before(self.window, clock) / _hours(self.window)

    def _to_union(self, g, start):
        """Union fraction at which the calendar has done g of its own hours (a start:
        the latest such moment; a finish: the earliest)."""
        if self.window is None or not -1e-9 <= g <= 1 + 1e-9:
            return g
        g = min(max(g, 0.0), 1.0)
        clock = _clock_at(self.window, g * _hours(self.window), start)
        return _before(self.union, clock) / _hours(self.union)

    def amount(self, i):
        """Working days of day i."""
        day = self.start + _dt.timedelta(days=i)
        if day in self.partial:
            return self.partial[day] / self.unit
        if day in self.extra or (day.weekday() in self.workdays and day not in self.holidays):
            return self.hours.get(day.weekday(), self.hpd) / self.unit
        return 0.0

    def works(self, i):
        return self.amount(i) > 0

    def pos(self, t):
        """Working days done from the start to time t; before the start (late dates of
        negative float fall there) the working days from t to the start, negative."""
        k = math.floor(t)
        if k >= 0:
            done = sum(self.amount(i) for i in range(k))
        else:
            done = -sum(self.amount(i) for i in range(k, 0))
        return done + self.amount(k) * self._to_own(t - k)

    def _walk(self, p, start):
        """The day holding position p (as a start: the next working day when p ends one;
        as a finish: the day whose work reaches p) and the positions before it."""
        i, done = 0, 0.0
        while done > p - 1.0:  # back before p first (before the start, for a negative p)
            i -= 1
            done -= self.amount(i)
        while True:
            a = self.amount(i)
            if a > 0 and (done + a > p + 1e-9 if start else done + a >= p - 1e-9):
                return i, done
            done += a
            i += 1

    def start_at(self, p):
        i, done = self._walk(p, True)
        return i + self._to_union((p - done) / self.amount(i), True)

    def finish_at(self, q):
        i, done = self._walk(q, False)
        return i + self._to_union((q - done) / self.amount(i), False)


def _hours(window):
    return sum(e - b for b, e in window)


def _before(window, clock):
    """Hours of ``window`` before the clock time."""
    return sum(min(max(clock - b, 0.0), e - b) for b, e in window)


def _clock_at(window, h, start):
    """The clock time at which ``h`` hours of ``window`` have passed: the latest such
    time (``start``: after a break) or the earliest; within 1e-9 of a day of a break,
    at it."""
    tol = 1e-9 * _hours(window)
    for b, e in window:
        if (h < e - b - tol) if start else (h <= e - b + tol):
            return b + min(max(h, 0.0), e - b)
        h -= e - b
    return window[-1][1]


def merged_window(windows):
    """The periods of the day in which any of ``windows`` works, merged, by brute force
    over minutes."""
    minutes = sorted(
        {m for w in windows for b, e in w for m in range(round(b * 60), round(e * 60))}
    )
    out = []
    for m in minutes:
        if out and out[-1][1] == m:
            out[-1][1] = m + 1
        else:
            out.append([m, m + 1])
    return tuple((b / 60, e / 60) for b, e in out)


def cpm_calendars(
    tasks,
    durations,
    milestones,
    cal_of,
    earliest=None,
    tol=1e-6,
    constraints=None,
    hard=False,
    lag_cal=None,
    hammocks=None,
    milestone_ids=(),
):
    """:func:`cpm` with working calendars: ``cal_of[id]`` is the task's NaiveCalendar;
    lags and durations count working days of the successor's (the task's own) calendar;
    ``earliest[id]`` an earliest start time. Times are calendar days from the start.

    ``constraints[id]``: list of (kind, day) date constraints, ``day`` the calendar day of
    the date (a start counts from time ``day``, a finish from ``day + 1``), with P6's
    rules (README "Constraints"): the start's and finish's earliest dates limit the early
    dates; with ``hard``, a mandatory date sets them, and the project's late dates are
    bounded by the latest dates and set by the mandatory ones. Without ``hard`` a
    mandatory date is only an earliest one.

    ``lag_cal(pred, succ)``: the NaiveCalendar a link's lag counts on when it is not the
    successor's (None: the successor's). Forward, the lag is added on that calendar from
    the predecessor's date, ending at the end of a working day; backward, it is taken off
    there from the successor's late date, starting at the start of one. A lag of 0 is no
    lag: the date passes as it is.

    ``hammocks[id]``: ("level-of-effort",) or ("wbs-summary", members) (README "Level of
    effort and WBS summaries"): their links are in no other task's passes; they are dated
    last (:func:`hammock_dates`), never move the project finish and are never critical."""
    earliest = earliest or {}
    constraints = constraints or {}
    hammocks = hammocks or {}
    every = tasks
    tasks = [
        (tid, [lk for lk in preds if lk[0] not in hammocks])
        for tid, preds in tasks
        if tid not in hammocks
    ]
    es, ef = {}, {}
    for tid, preds in tasks:
        cal = cal_of[tid]
        d = durations[tid]
        p = cal.pos(earliest.get(tid, 0.0))
        cons = constraints.get(tid, ())
        for kind, day in cons:
            if kind in ("start-no-earlier-than", "start-on", "mandatory-start"):
                p = max(p, cal.pos(day))
        for pid, kind, lag in preds:
            x = ef[pid] if kind in ("FS", "FF") else es[pid]
            lc = _lag_calendar(lag_cal, pid, tid, lag)
            bound = cal.pos(x) + lag if lc is None else cal.pos(lc.finish_at(lc.pos(x) + lag))
            p = max(p, bound if kind in ("FS", "SS") else bound - d)
        for kind, day in cons:
            if kind in ("finish-no-earlier-than", "finish-on", "mandatory-finish"):
                p = max(p, cal.pos(day + 1) - d)
        for kind, day in cons:
            if hard and kind == "mandatory-start":
                p = cal.pos(day)
            elif hard and kind == "mandatory-finish":
                p = max(cal.pos(day + 1) - d, 0.0)
        es[tid] = cal.start_at(p)
        ef[tid] = max(es[tid], cal.finish_at(p + d))
    finish = max(ef.values())
    as_late_as_possible(tasks, es, ef, finish, cal_of, constraints, lag_cal)
    hammock_dates(every, es, ef, cal_of, earliest, hammocks, lag_cal)
    ms = {m: max(ef[t] for t in after) for m, after in milestones}
    everything = {tid for tid, _ in tasks}
    limits = constraints if hard else None
    critical = critical_towards_calendars(
        tasks, es, ef, everything, finish, tol, cal_of, limits, lag_cal, milestone_ids=milestone_ids
    )
    return es, ef, ms, finish, critical


def _lag_calendar(lag_cal, pid, tid, lag):
    """The calendar a link's lag counts on when not the successor's, else None."""
    return lag_cal(pid, tid) if lag_cal is not None and lag != 0 else None


def _back(x, lag, sc, lc):
    """The latest time a link's predecessor date may have for its successor's late date
    (or early date, for as late as possible) ``x``: the lag taken off on the successor's
    calendar ``sc`` or on the lag calendar ``lc``."""
    on = sc if lc is None else lc
    return on.start_at(on.pos(x) - lag)


def as_late_as_possible(tasks, es, ef, finish, cal_of, constraints, lag_cal=None):
    """Move each as-late-as-possible task (last first) as late as its free float allows:
    its finish to the least of the project finish and the limits its successors' early
    dates set (those of a successor moved already where it moved to), never earlier
    than its early finish. A limit is the backward pass's, from early dates: the lag
    counts on the successor's calendar."""
    succs = {tid: [] for tid, _ in tasks}
    for tid, preds in tasks:
        for pid, kind, lag in preds:
            succs[pid].append((tid, kind, lag))
    for tid, _ in reversed(tasks):
        if not any(kind == "as-late-as-possible" for kind, _ in constraints.get(tid, ())):
            continue
        cal = cal_of[tid]
        w = cal.pos(ef[tid]) - cal.pos(es[tid])
        q = cal.pos(finish)
        for sid, kind, lag in succs[tid]:
            x = es[sid] if kind in ("FS", "SS") else ef[sid]
            limit = cal.pos(_back(x, lag, cal_of[sid], _lag_calendar(lag_cal, tid, sid, lag)))
            q = min(q, limit if kind in ("FS", "FF") else limit + w)
        q = max(q, cal.pos(ef[tid]))
        es[tid] = cal.start_at(q - w)
        ef[tid] = max(es[tid], cal.finish_at(q))


def hammock_dates(tasks, es, ef, cal_of, earliest, hammocks, lag_cal=None):
    """Date the levels of effort, then the WBS summaries, from the other tasks' final
    early dates, on their own calendars. A level of effort starts where its predecessors'
    links put a task of duration 0 and finishes at the latest of its successors' early
    starts (FS, SS) or finishes (FF, SF) less the lag (on the successor's calendar, or
    the lag calendar: a start back to the start of a working day, a finish to the end of
    one); a summary spans its members' earliest start to their latest finish. Never a
    finish before the start."""
    succs = {tid: [] for tid, _ in tasks}
    for tid, preds in tasks:
        for pid, kind, lag in preds:
            succs[pid].append((tid, kind, lag))
    levels = [
        (tid, preds) for tid, preds in tasks if hammocks.get(tid, ("",))[0] == "level-of-effort"
    ]
    summaries = [tid for tid, _ in tasks if hammocks.get(tid, ("",))[0] == "wbs-summary"]
    dates = {}
    for tid, preds in levels:
        cal = cal_of[tid]
        p = cal.pos(earliest.get(tid, 0.0))
        for pid, kind, lag in preds:
            x = ef[pid] if kind in ("FS", "FF") else es[pid]
            lc = _lag_calendar(lag_cal, pid, tid, lag)
            p = max(p, cal.pos(x) + lag if lc is None else cal.pos(lc.finish_at(lc.pos(x) + lag)))
        q = -math.inf
        for sid, kind, lag in succs[tid]:
            lc = _lag_calendar(lag_cal, tid, sid, lag)
            on = cal_of[sid] if lc is None else lc
            if kind in ("FS", "SS"):
                q = max(q, cal.pos(on.start_at(on.pos(es[sid]) - lag)))
            else:
                q = max(q, cal.pos(on.finish_at(on.pos(ef[sid]) - lag)))
        dates[tid] = (p, q)
    for tid, (p, q) in dates.items():
        _set_span(tid, p, q, cal_of[tid], es, ef)
    for tid in summaries:
        cal = cal_of[tid]
        members = hammocks[tid][1]
        p = min(cal.pos(es[m]) for m in members)
        q = max(cal.pos(ef[m]) for m in members)
        _set_span(tid, p, q, cal, es, ef)


def _set_span(tid, p, q, cal, es, ef):
    """A span from position p to q of ``cal`` (never ending before it starts)."""
    es[tid] = cal.start_at(p)
    ef[tid] = max(es[tid], cal.finish_at(max(p, q)))


def critical_towards_calendars(
    tasks,
    es,
    ef,
    ends,
    finish,
    tol,
    cal_of,
    limits=None,
    lag_cal=None,
    keep=None,
    milestone_ids=(),
):
    """:func:`critical_towards` with working calendars: a link's lag counts in the
    successor's calendar, the float in the task's own working days. ``limits``: the
    constraints of :func:`cpm_calendars` whose latest and mandatory dates bound or set
    the late dates (the project's pass with hard constraints). ``keep``: a dict that
    receives each task's late start and finish (times) and total float.
    ``milestone_ids``: the finish milestones (dated where the work before them ends)."""
    limits = limits or {}
    succs = {tid: [] for tid, _ in tasks}
    for tid, preds in tasks:
        for pid, kind, lag in preds:
            succs[pid].append((tid, kind, lag))
    ls, lf, critical = {}, {}, set()
    late_pos = {}  # late start and finish, positions of the task's calendar
    for tid, _ in reversed(tasks):
        cal = cal_of[tid]
        w = cal.pos(ef[tid]) - cal.pos(es[tid])
        late_finish = finish if tid in ends else math.inf
        late_start = math.inf
        for sid, kind, lag in succs[tid]:
            sc = cal_of[sid]
            start_pos, finish_pos = late_pos[sid]
            p = start_pos if kind in ("FS", "SS") else finish_pos
            if p == math.inf:
                continue  # a successor that cannot reach ``ends`` sets no limit
            # the successor's late date as a moment, where P6's arithmetic puts it: a
            # late start of work (a start milestone's date too) where the work begins, a
            # late finish (or a finish milestone's date) where the work before it ends; a
            # lag walked back ends where work begins
            earliest = kind in ("FF", "SF") or sid in milestone_ids
            x = sc.finish_at(p) if earliest else sc.start_at(p)
            on = _lag_calendar(lag_cal, tid, sid, lag) or sc
            limit = on.start_at(on.pos(x) - lag) if lag else x
            if kind in ("FS", "FF"):
                late_finish = min(late_finish, limit)
            else:
                late_start = min(late_start, limit)
        if late_finish == late_start == math.inf:
            ls[tid] = lf[tid] = math.inf
            late_pos[tid] = (math.inf, math.inf)
            continue
        q = cal.pos(late_finish) if late_finish < math.inf else math.inf
        if late_start < math.inf:
            q = min(q, cal.pos(late_start) + w)
        for kind, day in limits.get(tid, ()):
            if kind in ("start-no-later-than", "start-on", "mandatory-start"):
                q = min(q, cal.pos(day) + w)
            if kind in ("finish-no-later-than", "finish-on", "mandatory-finish"):
                q = min(q, cal.pos(day + 1))
        for kind, day in limits.get(tid, ()):
            if kind == "mandatory-start":
                q = cal.pos(day) + w
            elif kind == "mandatory-finish":
                q = cal.pos(day + 1)
        if q - cal.pos(ef[tid]) <= tol:
            critical.add(tid)
        late_pos[tid] = (q - w, q)
        ls[tid] = cal.start_at(q - w)
        lf[tid] = max(ls[tid], cal.finish_at(q))
        if keep is not None:
            keep[tid] = (ls[tid], lf[tid], q - cal.pos(ef[tid]))
    return critical
