"""The task-major block kernel: sampling, CPM forward pass, backward pass, criticality.

Arguments
---------
The kernel takes named tuples, each defined once in kernels/args.py, so no caller passes
arrays by position: ``chunk`` the thread chunk this call simulates, ``run`` the
iterations of this call and the criticality asked for, ``keys`` the seed and sampling
mode, the compiled network in groups (``tasks``, ``links``, ``milestones``,
``crit_sets``, ``risks``, ``copula``, ``schedule``, ``calendars``, ``cost``: the sections
below; ``CompiledNetwork.kernel_args`` builds them as one ``Network``, passed by
keyword), ``outputs``, the arrays it writes, and ``work``, the chunk's scratch arrays.
Which uniform of an entity's stream each sample reads (its draw) is named in
riskengine/model/draws.py.

Threads and compiling
---------------------
One call simulates one thread chunk: blocks ``chunk * n_blocks // n_chunks`` up to the
next chunk's first, serially, without the GIL (``nogil``). The runner
(engine/runner.py) runs the ``run.n_chunks`` chunks of a call on a pool of
``thread_count()`` threads, each with its own ``work`` and its own row ``c`` of the
per-chunk counters, so nothing depends on which thread runs a chunk. numba's ``prange``
did this before, but its parfor passes on this large body took most of the six minutes
a first run spent compiling. The kernel allocates nothing and runs without numba's
reference counting (``_nrt=False``): as a plain function it would update a reference
count atomically at every row view it takes, which cost it a third of its time.
Helpers whose loops run across the lanes of the inner loops are inlined
(``inline="always"``); those called once per task and block on rarer paths (calendars,
progress, costs, finish days, copula groups, Latin hypercube strata, the rarer
distributions) are calls of their own, which kept the compile short at no measurable
cost.

Layout and units
----------------
Times are float64 working days from the project start. Tasks are numbered in
topological order 0 … n-1. A block holds B iterations (B a multiple of 4) as lanes; the
working arrays are task-major, ``X[2*t + 0, lane] = ES``, ``X[2*t + 1, lane] = EF``, so the
innermost loops run across lanes and vectorise.

Predecessors are CSR: task t's links are ``pred_ptr[t] : pred_ptr[t+1]``; the first
``pred_nstart[t]`` constrain t's start (FS, SS), the rest its finish (FF, SF). Each link
has a gather row ``pred_gather = 2*pred + reads_finish`` (FS, FF read EF; SS, SF read ES)
and a lag, so for every type::

    ES = max(0, max_start(X[g] + lag), max_finish(X[g] + lag) - d);   EF = ES + d

Successors mirror this for the backward pass, which runs in reverse topological order and
overwrites each task's ``[ES, EF]`` row with ``[LS, LF]`` once the task is done (no one
reads its early dates after that), so one array serves both passes. The first
``succ_nfinish[t]`` links constrain t's finish (FS reads LS, FF reads LF of the
successor), the rest its start (SS reads LS, SF reads LF)::

    d = EF - ES;   LF = min(P, min_finish(X[g] - lag), min_start(X[g] - lag) + d);   LS = LF - d

where P is the project finish (the latest EF) of the iteration. A task is critical in an
iteration when its total float ``LF - EF`` is at most ``tol``. Lanes outside the requested
iterations (the ends of partial blocks) get P = +inf, so no task is critical there.

Criticality per milestone
-------------------------
A task is critical *for milestone m* when its total float towards m is at most ``tol``:
the same backward pass, but started from m's finish on m's own tasks and run only over
m's ancestors (the tasks from which one of m's tasks can be reached), so a task that cannot
delay m is never critical for it. ``crit_sets = CritSets(anc_ptr, anc_task, member)``:
output o (the milestones, then the project) runs over ``anc_task[anc_ptr[o]:anc_ptr[o+1]]`` in
reverse topological order; ``member[o, t]`` is 0 for a task outside o's ancestors, 1 for
an ancestor and 2 for a task o waits on (its late finish starts from o's finish). The
project is the last output, with every task a member of kind 2 (the pass described
above). The milestone passes write late dates into a second array and keep the early
dates; the project pass, run last, works in place.

Correlation
-----------
Correlated tasks and risk impacts take their uniforms from the Gaussian copula of their
group (kernels/copula.py), computed for all groups at the start of each block into
``ucorr``: row ``corr_slot[t]`` for task t's duration, ``imp_slot[k]`` for impact k.

Risks and existence (``risks``, ``tasks.exist_p``)
--------------------------------------------------
Before the tasks, each risk r decides per lane whether it occurs (``occ[r] = 1``): its
uniform from draw OCCURRENCE_DRAW of its own stream is below ``risk_p[r]``. Task t's
impacts are ``imp_ptr[t] : imp_ptr[t+1]``; each samples a value v from draw ``imp_draw`` of
its risk's stream and adds ``occ * v`` working days (``imp_kind`` 0) or ``occ * v / 100``
of t's sampled duration (``imp_kind`` 1); the sum is floored at 0 (kind 2 is money, see
Cost). A task with ``exist_p[t] < 1`` takes no time in the lanes where draw
EXISTENCE_DRAW of its own stream is not below ``exist_p[t]`` and is never counted
critical there. ``risk_counts[c, r]`` counts the iterations in which risk r occurred.

Calendars, constraints and progress (``schedule``, ``calendars``)
-----------------------------------------------------------------
Times are union working days (riskengine/calendar.py). A task with ``task_cal[t] >= 0``
works on calendar ``task_cal[t]``: its lags, duration and float are counted in positions of
that calendar (tables ``calendars``: cum, work, inv, count, kind, clock), so a
lag or a duration never counts a day its calendar does not work. A backward link uses the
successor's calendar (``succ_cal``), as its lag belongs to the successor. A link whose lag
counts on another calendar (the scenario's ``lag_calendar``: ``pred_lcal``/ ``succ_lcal``,
-2 where it is the successor's) converts on its own, through that calendar. ``fix_es[t]`` is
the earliest start (a start-no-earlier-than date or the data date; 0 otherwise).
``task_mode[t]`` is 0 for a task not started, 1 for a finished task (fixed dates
``fix_es``/``fix_ef``, never critical, its sampled duration unused) and 2 for work in
progress (start ``fix_es``; finish at position ``max(pos(fix_ef) + d, pos(data date))``).
Date constraints (README "Constraints"): a start's earliest date is in ``fix_es``;
``con[t]`` holds the earliest finish (0: none), the latest start and the latest finish
(+inf: none), and ``con_set[t]`` 1 for a mandatory start (its date is the latest start) or 2
for a mandatory finish (the latest finish). When ``con_hard[0]`` is set, a mandatory date
sets the early dates whatever the logic, and in the project's backward pass the latest dates
bound the late dates and a mandatory date sets them, so the float can be negative; otherwise
only the earliest dates act. An as-late-as-possible task (``schedule.alap``, bit ALAP) is
placed after the forward pass, as late as its free float allows (``_alap_pass``), before the
milestones, finish days and backward passes read its dates. The levels of effort and WBS
summaries (bit HAMMOCK, ``schedule.hammock``: levels of effort, then summaries) are numbered
last; when the task loop reaches the first of them, the as-late-as-possible tasks are placed
and ``_hammock_pass`` dates them all from the rows
``hammock_row[hammock_ptr[i]:hammock_ptr[i+1]]`` of X it reads (``hammock_kind``: a
predecessor's date raises its start, a successor's its finish, a member's start lowers a
summary's start and a member's finish raises its finish); its links are in no other task's
lists and it is in no output's backward pass, so it never drives a date and is never
critical. ``task_slow[t]`` has bit FORWARD_SLOW for a task whose forward pass needs any of
this, BACKWARD_SLOW when its backward pass does and HAS_COST when it has a cost
(kernels/args.py); the others run the plain union-day code inside the main kernel.

Calendar look-ups do not vectorise (they are gathers), so the slow paths do as few as
they can. A task on its own calendar keeps its early dates also as positions of that
calendar (``work.XP``): a successor on the same calendar reads them as they are, and the
backward passes never convert them again. Late dates are kept in positions of each
task's own calendar (union days for a task on none), so a predecessor on the same
calendar subtracts its lag and needs no conversion at all; its other successors come
sorted by calendar (``succ_cal``), and each calendar's least limit is converted once
per task, not once per link (``_start`` and ``_pos`` are monotone, so the least
converts to the least). ``work.bpos`` holds the pass's finish in each calendar's
positions. The skipped round trips through union days change a float by at most
DATE_EPS, far below ``tol``.

Cost (``cost``)
---------------
``cost = Cost(code[n, 2], par[n, 2, NPAR], has_cost[n], task_group[n], actual[n])``: a
task's cost is ``actual + fixed + per_day · w`` where w is its working duration in its
own calendar (the sampled one, risk delays included), both parts sampled from draws
COST_FIXED_DRAW and COST_RATE_DRAW of the task's stream; a task that does not happen
costs nothing. A started task with an actual cost (bit REMAINING_COST) counts in w only
its remaining working days (none once finished); for a level of effort or WBS summary
(bit HAMMOCK) w is its span, costed after the hammock pass.
Impacts with ``imp_kind == 2`` add ``occ · v`` money to their task's cost. Per iteration
``cost_out[i, 0]`` is the total and ``cost_out[i, 1 + g]`` the total of group g
(summed in task order, so bit-identical whatever the chunking); ``task_cost[c, t]`` sums
each task's cost in fixed point (units of 1/COST_SCALE), exact and order-free.

Task finish dates (``outputs``)
-------------------------------
When ``hist.shape[2] > 0``, ``hist[c, t, k]`` counts the iterations in which task t
finished on union day ``day_base[t] + k`` (the day is ``ceil(EF) - 1``; the end bins also
take the days beyond them), and ``day_first[c, t]``/``day_last[c, t]`` the first and last
day seen.

Outputs (``milestones``, ``outputs``)
-------------------------------------
``out[i, m]`` for milestone m (tasks ``ms_task[ms_ptr[m]:ms_ptr[m+1]]``) is the latest EF
of its tasks in iteration ``it_start + i`` (an entry ``~t`` reads t's ES instead: the
outputs that give a latest start date's chance); the last column ``out[i, M]`` is the project
finish (iteration-major, so any run of iterations is a C-contiguous slice).
``counts[c, o, t]`` counts the iterations of thread chunk c in which task t was critical
for output o (summing over c gives exact integer counts, whatever the chunking).
``criticality`` is 0 (none), 1 (the project only) or 2 (every milestone and the project).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from riskengine.model.draws import (
    COST_FIXED_DRAW,
    COST_RATE_DRAW,
    DURATION_DRAW,
    EXISTENCE_DRAW,
    OCCURRENCE_DRAW,
)

from .args import (
    ALAP,
    BACKWARD_SLOW,
    CLOCKED,
    FINISH_MILESTONE,
    FORWARD_SLOW,
    HAMMOCK,
    HAMMOCK_MEMBER_FINISH,
    HAMMOCK_MEMBER_START,
    HAMMOCK_PREDECESSOR,
    HAMMOCK_SUCCESSOR,
    HAS_COST,
    LEAD,
    PARTIAL,
    REMAINING_COST,
    RETAINED_LOGIC,
    START_MILESTONE,
)
from .copula import group_uniforms, slot_or_draw
from .rng import draw_uniforms, lane_iteration
from .sampling import FIXED, sample_into

COST_SCALE = 64.0  # task cost sums are kept in units of 1/64 of the currency
DATE_EPS = 1e-9  # a finish this close above a day boundary ends the day before


@njit(inline="always")
def _own_fraction(clock, c, f):
    """The fraction of calendar c's working day done at union-clock fraction f (its
    points, engine/calendar.py ``clock_points``; linear between them)."""
    m = 1
    last = clock.shape[2] - 1
    while m < last and clock[c, 0, m] < f:
        m += 1
    f0, f1 = clock[c, 0, m - 1], clock[c, 0, m]
    g0, g1 = clock[c, 1, m - 1], clock[c, 1, m]
    if f1 - f <= DATE_EPS:  # at a point (up to rounding of t - k): its fraction exactly
        return g1
    if f - f0 <= DATE_EPS:
        return g0
    return g0 + (g1 - g0) * (f - f0) / (f1 - f0)


@njit(inline="always")
def _union_fraction(clock, c, g, start):
    """The union-clock fraction at which calendar c has done g of its working day: as
    a start the latest such moment (work resumes after a break), as a finish the
    earliest (engine/calendar.py ``clock_inverse``); within DATE_EPS of a break's level
    counts as at it, as a whole position does at a day's end. Outside 0 … 1 (by more
    than DATE_EPS: before the first working day or past the last), g itself."""
    if g < -DATE_EPS or g > 1.0 + DATE_EPS:
        return g
    g = min(max(g, 0.0), 1.0)
    last = clock.shape[2] - 1
    m = 1
    if start:  # within DATE_EPS of a break's level is at it: after the break
        while m < last and clock[c, 1, m] <= g + DATE_EPS:
            m += 1
    else:
        while m < last and clock[c, 1, m] < g - DATE_EPS:
            m += 1
    f0, f1 = clock[c, 0, m - 1], clock[c, 0, m]
    g0, g1 = clock[c, 1, m - 1], clock[c, 1, m]
    if g1 > g0:
        return f0 + min(max(g - g0, 0.0), g1 - g0) * (f1 - f0) / (g1 - g0)
    return f0 if start else f1


@njit(inline="always")
def _pos(cal, c, t):
    """Position of union time t in calendar c (identity for c < 0; +inf stays +inf).
    Branch-free across lanes: the day index is clamped before the look-up, and +inf is
    chosen afterwards (the same values as clamping the floor). A calendar whose clock
    window is not the union clock (``kind`` bit CLOCKED) turns the day's fraction into
    its own."""
    if c < 0:
        return t
    cum, work = cal.cum, cal.work
    # LEAD: the tables' days before the start (engine/calendar.py), a constant
    # the day's floor, branch-free (a branch here kept the lane loops from vectorising:
    # 12 % of the calendar case, measured): int() truncates, and x + LEAD >= 0
    k = int(min(max(t, -LEAD), work.shape[1] - LEAD - 1.0) + LEAD) - LEAD
    f = t - k
    if cal.kind[c] & CLOCKED and 0.0 <= f <= 1.0:
        f = _own_fraction(cal.clock, c, f)
    r = cum[c, k + LEAD] + work[c, k + LEAD] * f
    return t if t == np.inf else r


@njit
def _day_and_fraction(cal, c, p, j, start):
    """The union day holding position p of calendar c (walking from ``inv[c, j]``: a
    start in the day that holds p, the next when p ends a day; a finish in the day whose
    work reaches p) and the union time there, for a calendar of kind PARTIAL (days of
    other than one working day) or CLOCKED (another clock window than the union's)."""
    cum, work, inv, kind = cal.cum, cal.work, cal.inv, cal.kind
    day = inv[c, j + LEAD]
    g = p - j
    if kind[c] & PARTIAL:
        k = int(day) + LEAD  # the day's column
        last = work.shape[1] - 1
        if start:
            while k < last and cum[c, k + 1] <= p + DATE_EPS:
                k += 1
        else:
            while k < last and cum[c, k + 1] < p - DATE_EPS:
                k += 1
        day = float(k - LEAD)
        g = (p - cum[c, k]) / work[c, k]
    if kind[c] & CLOCKED:
        g = _union_fraction(cal.clock, c, g, start)
    return day + g


@njit(inline="always")
def _start(cal, c, p):
    """Union time of a start at position p of calendar c (+inf stays +inf): in the
    working day holding p, at the start of the next one when p ends a day (other kinds
    of calendar: :func:`_day_and_fraction`)."""
    if c < 0:
        return p
    j = int(min(max(p + DATE_EPS, -LEAD), cal.count[c] - 1.0) + LEAD) - LEAD  # as in _pos
    r = cal.inv[c, j + LEAD] + (p - j)
    if cal.kind[c] != 0 and p < np.inf:
        r = _day_and_fraction(cal, c, p, j, True)
    return p if p == np.inf else r


@njit(inline="always")
def _finish(cal, c, q):
    """Union time of a finish at position q of calendar c (end of its last working day;
    +inf stays +inf; other kinds of calendar: :func:`_day_and_fraction`)."""
    if c < 0:
        return q
    j = int(min(max(np.ceil(q - DATE_EPS) - 1.0, -LEAD), cal.count[c] - 1.0))
    r = cal.inv[c, j + LEAD] + (q - j)
    if cal.kind[c] != 0 and q < np.inf:
        r = _day_and_fraction(cal, c, q, j, False)
    return q if q == np.inf else r


def _make_simulate(full):
    """The block kernel; ``full`` (a constant of the closure, so numba drops the code it
    guards) adds calendars, constraints, progress, costs and finish-day counts. The plain
    kernel serves networks that need none of them at full speed: the extra code in the
    task loop alone cost the forward pass about 20 % (measured). The helpers are inlined:
    as calls, passing their arrays cost about 1 µs per task and block."""

    @njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
    def simulate_blocks(
        chunk,
        run,
        keys,
        tasks,
        links,
        milestones,
        crit_sets,
        risks,
        copula,
        schedule,
        calendars,
        cost,
        outputs,
        work,
    ):
        """Simulate thread chunk ``chunk`` of iterations ``run.it_start … run.it_start +
        run.n_iter`` (see the module docstring)."""
        it_start, n_iter, block, n_chunks, criticality, tol = run
        code, par, tables, stream_lo, stream_hi, exist_p, corr_slot = tasks
        pred_ptr = links.pred_ptr
        pred_nstart = links.pred_nstart
        pred_gather = links.pred_gather
        pred_lag = links.pred_lag
        succ_ptr = links.succ_ptr
        succ_nfinish = links.succ_nfinish
        succ_gather = links.succ_gather
        succ_lag = links.succ_lag
        ms_ptr, ms_task = milestones
        anc_ptr, anc_task, member = crit_sets
        risk_p = risks.p
        risk_stream_lo = risks.stream_lo
        risk_stream_hi = risks.stream_hi
        imp_ptr = risks.imp_ptr
        imp_risk = risks.imp_risk
        imp_draw = risks.imp_draw
        imp_kind = risks.imp_kind
        imp_code = risks.imp_code
        imp_par = risks.imp_par
        imp_slot = risks.imp_slot
        task_slow = schedule.task_slow
        out = outputs.out
        counts = outputs.counts
        risk_counts = outputs.risk_counts
        cost_out = outputs.cost_out
        task_cost = outputs.task_cost
        days = (outputs.hist, outputs.day_base, outputs.day_first, outputs.day_last)
        n = code.shape[0]
        n_ms = ms_ptr.shape[0] - 1
        n_risks = risk_p.shape[0]
        n_cost_cols = cost_out.shape[1]
        n_bins = outputs.hist.shape[2]
        group_ptr = copula.group_ptr
        n_groups = group_ptr.shape[0] - 1
        by_milestone = criticality == 2 and n_ms > 0
        hard = full and schedule.con_hard[0] != 0  # constraints' late dates apply
        base0 = it_start - (it_start % 4)
        it_end = it_start + n_iter
        n_blocks = (it_end - base0 + block - 1) // block
        quads = block // 4
        c = chunk
        b_lo = c * n_blocks // n_chunks
        b_hi = (c + 1) * n_blocks // n_chunks
        # The chunk's scratch arrays, reset as if newly allocated (kernels/args.py Work).
        X = work.X
        late = work.late  # late dates of the milestone passes (the project's are in X)
        exists = work.exists  # whether each task happens in each lane (backward passes)
        occ = work.occ
        ucorr = work.ucorr
        eps = work.eps
        csum = work.csum
        ofin = work.ofin  # each output's finish per lane (+inf outside the run)
        u = work.u
        d = work.d
        v = work.v
        extra = work.extra
        money = work.money
        ex = work.ex
        pf = work.pf
        lim = work.lim
        fl = work.fl
        valid = work.valid
        col = work.col
        _fill(X, 0.0)
        _fill(late, 0.0)
        _fill(occ, 0.0)
        _fill(ucorr, 0.0)
        _fill(eps, 0.0)
        _fill(csum, 0.0)
        _fill(ofin, 0.0)
        _fill(exists, 1.0)
        for lane in range(block):
            u[lane] = 0.0
            d[lane] = 0.0
            v[lane] = 0.0
            extra[lane] = 0.0
            money[lane] = 0.0
            ex[lane] = 1.0
            pf[lane] = 0.0
            lim[lane] = 0.0
            fl[lane] = 0.0
            valid[lane] = False
            col[lane] = 0

        for b in range(b_lo, b_hi):
            base = base0 + b * block
            for lane in range(block):
                it = lane_iteration(base, quads, lane)
                valid[lane] = it >= it_start and it < it_end
                col[lane] = it - it_start
                pf[lane] = 0.0
            if full:
                for j in range(n_cost_cols):
                    for lane in range(block):
                        csum[j, lane] = 0.0
            # One occurrence draw per risk and iteration serves all of its impacts.
            for r in range(n_risks):
                draw_uniforms(
                    u, base, quads, OCCURRENCE_DRAW, risk_stream_lo[r], risk_stream_hi[r], keys
                )
                p = risk_p[r]
                hits = 0
                for lane in range(block):
                    hit = u[lane] < p
                    occ[r, lane] = 1.0 if hit else 0.0
                    hits += hit and valid[lane]
                risk_counts[c, r] += hits
            for g in range(n_groups):
                group_uniforms(g, copula, keys, base, quads, eps, ucorr)
            # Levels of effort and WBS summaries are numbered last: when the loop reaches
            # the first (or the end), every other task is dated, so the as-late-as-possible
            # tasks are placed and the hammock pass dates them (one call site each, and the
            # task cost's below serves them too: a second one took the first run's compile
            # 4 s longer).
            n_main = n - schedule.hammock.shape[0] if full else n
            for t in range(n + 1 if full else n):
                if full and t == n_main:
                    if schedule.alap.shape[0] > 0:
                        _alap_pass(X, work.XP, d, u, pf, calendars, schedule, links)
                        if n_bins > 0:
                            for ta in schedule.alap:
                                st = (task_slow[ta] & START_MILESTONE) != 0
                                fm = (task_slow[ta] & FINISH_MILESTONE) != 0
                                row = schedule.task_cal[ta] if fm else -2
                                _count_finishes(
                                    c,
                                    ta,
                                    days,
                                    X[2 * ta + 1],
                                    valid,
                                    st,
                                    calendars,
                                    row,
                                    schedule.fm_open[ta],
                                )
                    if n_main < n:
                        _hammock_pass(c, X, work.XP, u, lim, valid, calendars, schedule, days)
                if full and t == n:
                    break
                i0 = imp_ptr[t]
                i1 = imp_ptr[t + 1]
                if full and task_slow[t] & HAMMOCK:
                    # its span in working days of its calendar, for its cost below (with
                    # an actual cost, only what is left of it after the data date)
                    at = work.XP if schedule.task_cal[t] >= 0 else X
                    p0 = at[2 * t]
                    p1 = at[2 * t + 1]
                    rest = (task_slow[t] & REMAINING_COST) != 0
                    pd = _pos(calendars, schedule.task_cal[t], schedule.data_time[0])
                    for lane in range(block):
                        d[lane] = p1[lane] - (max(p0[lane], pd) if rest else p0[lane])
                        d[lane] = max(d[lane], 0.0)
                else:
                    if code[t] != FIXED or corr_slot[t] >= 0:
                        slot_or_draw(
                            corr_slot[t],
                            ucorr,
                            u,
                            base,
                            quads,
                            DURATION_DRAW,
                            stream_lo[t],
                            stream_hi[t],
                            keys,
                        )
                    sample_into(code[t], par[t], tables, u, d, block)
                    if i1 > i0:
                        # Risk impacts: days added, or % of the sampled duration; the result
                        # never goes below zero (opportunities cannot make time negative).
                        # Cost impacts add money to the task's cost.
                        for lane in range(block):
                            extra[lane] = 0.0
                            money[lane] = 0.0
                        for k in range(i0, i1):
                            r = imp_risk[k]
                            slot_or_draw(
                                imp_slot[k],
                                ucorr,
                                u,
                                base,
                                quads,
                                imp_draw[k],
                                risk_stream_lo[r],
                                risk_stream_hi[r],
                                keys,
                            )
                            sample_into(imp_code[k], imp_par[k], tables, u, v, block)
                            o = occ[r]
                            kind = imp_kind[k]
                            if kind == 1:
                                for lane in range(block):
                                    extra[lane] += o[lane] * (v[lane] * 0.01 * d[lane])
                            elif kind == 0:
                                for lane in range(block):
                                    extra[lane] += o[lane] * v[lane]
                            else:
                                for lane in range(block):
                                    money[lane] += o[lane] * v[lane]
                        for lane in range(block):
                            d[lane] = max(0.0, d[lane] + extra[lane])
                    if exist_p[t] < 1.0:
                        draw_uniforms(
                            u, base, quads, EXISTENCE_DRAW, stream_lo[t], stream_hi[t], keys
                        )
                        p = exist_p[t]
                        for lane in range(block):
                            happens = u[lane] < p
                            ex[lane] = 1.0 if happens else 0.0
                            exists[t, lane] = ex[lane]
                            if not happens:
                                d[lane] = 0.0
                    es = X[2 * t]
                    ef = X[2 * t + 1]
                    k0 = pred_ptr[t]
                    k1 = k0 + pred_nstart[t]
                    k2 = pred_ptr[t + 1]
                    if full and task_slow[t] & FORWARD_SLOW:
                        _forward_slow(
                            t,
                            X,
                            work.XP,
                            work.rest,
                            d,
                            lim,
                            pf,
                            calendars,
                            schedule,
                            pred_ptr,
                            pred_nstart,
                            pred_gather,
                            pred_lag,
                        )
                    else:
                        for lane in range(block):
                            es[lane] = 0.0
                        for k in range(k0, k1):
                            g = X[pred_gather[k]]
                            lag = pred_lag[k]
                            for lane in range(block):
                                es[lane] = max(es[lane], g[lane] + lag)
                        for k in range(k1, k2):
                            g = X[pred_gather[k]]
                            lag = pred_lag[k]
                            for lane in range(block):
                                es[lane] = max(es[lane], g[lane] + lag - d[lane])
                        for lane in range(block):
                            ef[lane] = es[lane] + d[lane]
                            pf[lane] = max(pf[lane], ef[lane])
                    if full and n_bins > 0 and not task_slow[t] & ALAP:
                        fm = (task_slow[t] & FINISH_MILESTONE) != 0
                        _count_finishes(
                            c,
                            t,
                            days,
                            ef,
                            valid,
                            (task_slow[t] & START_MILESTONE) != 0,
                            calendars,
                            schedule.task_cal[t] if fm else -2,
                            schedule.fm_open[t],
                        )
                if full and task_slow[t] & HAS_COST:
                    task_cost[c, t] += _task_cost(
                        t,
                        cost,
                        d,
                        money,
                        i1 > i0,
                        ex,
                        exist_p[t] < 1.0,
                        valid,
                        csum,
                        u,
                        v,
                        extra,
                        base,
                        quads,
                        stream_lo[t],
                        stream_hi[t],
                        keys,
                        tables,
                    )
            for m in range(n_ms + 1):
                if m < n_ms:
                    for lane in range(block):
                        u[lane] = 0.0
                    for j in range(ms_ptr[m], ms_ptr[m + 1]):
                        r = ms_task[j]  # ~t: task t's start (a latest start's output)
                        ef = X[2 * r + 1] if r >= 0 else X[2 * ~r]
                        for lane in range(block):
                            u[lane] = max(u[lane], ef[lane])
                else:
                    for lane in range(block):
                        u[lane] = pf[lane]
                for lane in range(block):
                    if valid[lane]:
                        out[col[lane], m] = u[lane]
                    ofin[m, lane] = u[lane] if valid[lane] else np.inf
            finish_by = schedule.finish_by[0]
            if finish_by < np.inf:  # the plan's late dates count back from it
                for lane in range(block):
                    if valid[lane]:
                        ofin[n_ms, lane] = finish_by
            if full:
                for j in range(n_cost_cols):
                    for lane in range(block):
                        if valid[lane]:
                            cost_out[col[lane], j] = csum[j, lane]
            if criticality == 0:
                continue
            # Milestone passes first: they read the early dates the project pass, run
            # last and in place, overwrites. Lanes outside the run have infinite
            # finishes, so every late date there is infinite and nothing is counted.
            bpos = work.bpos
            for o in range(0 if by_milestone else n_ms, n_ms + 1):
                into = X if o == n_ms else late
                mem = member[o]
                if full:
                    # the output's finish in each calendar's positions, once per pass
                    for cc in range(bpos.shape[0]):
                        bc = bpos[cc]
                        bo = ofin[o]
                        for lane in range(block):
                            bc[lane] = _pos(calendars, cc, bo[lane])
                for j in range(anc_ptr[o], anc_ptr[o + 1]):
                    t = anc_task[j]
                    _backward_task(
                        t,
                        X,
                        work.XP,
                        work.rest,
                        into,
                        mem,
                        ofin[o],
                        bpos,
                        fl,
                        d,
                        u,
                        v,
                        lim,
                        calendars,
                        schedule,
                        succ_ptr,
                        succ_nfinish,
                        succ_gather,
                        succ_lag,
                        full and (task_slow[t] & BACKWARD_SLOW) != 0,
                        hard and o == n_ms,
                    )
                    hits = 0
                    if exist_p[t] < 1.0:
                        # a task that does not happen in an iteration is not critical in it
                        ex_t = exists[t]
                        for lane in range(block):
                            hits += fl[lane] <= tol and ex_t[lane] > 0.0
                    else:
                        for lane in range(block):
                            hits += fl[lane] <= tol
                    counts[c, o, t] += hits

    return simulate_blocks


@njit(inline="always")
def _fill(a, value):
    """Set every element of the 2-d array ``a`` to ``value``."""
    for i in range(a.shape[0]):
        row = a[i]
        for j in range(row.shape[0]):
            row[j] = value


def _arrays_do_not_overlap(kernel):
    """Compile ``kernel`` telling LLVM that no two of its array arguments share memory
    (``noalias``), as numba tells it of a ``prange`` body's arguments: its inner loops then
    vectorise without runtime overlap checks, some of which sent them to scalar code (the
    lanes' vectors are arguments). True of the block kernel: everything it writes (the
    outputs and its scratch arrays) is an array of its own, and several chunks write
    disjoint parts of the shared outputs. numba has no public option for it: the hook is
    its compiler's flags, and without that hook the kernel is correct, only slower."""
    compiler = kernel._compiler
    customize = getattr(compiler, "_customize_flags", None)
    if customize is None:
        return kernel

    def with_noalias(flags):
        flags = customize(flags)
        flags.noalias = True
        return flags

    compiler._customize_flags = with_noalias
    return kernel


simulate_blocks = _arrays_do_not_overlap(_make_simulate(True))
simulate_plain = _arrays_do_not_overlap(_make_simulate(False))


@njit(error_model="numpy", _nrt=False)
def _forward_slow(
    t, X, XP, rest, d, lim, pf, cal, schedule, pred_ptr, pred_nstart, pred_gather, pred_lag
):
    """Forward pass of task t when it runs on its own calendar or has progress (kept out
    of the main kernel, which stays small and fast for the usual case; a call of its own,
    not inlined: with constraints, milestones and retained logic its body took the first
    run's compile past a minute, while the call costs the calendar case nothing
    measurable). A task on its own
    calendar also leaves its early dates as positions of that calendar in ``XP``, which
    every backward pass reads instead of converting them again. A started task leaves where
    its remaining work begins in ``rest`` (its late start is that much before its late
    finish, as P6 counts it)."""
    task_cal = schedule.task_cal
    task_mode = schedule.task_mode
    fix_es = schedule.fix_es
    fix_ef = schedule.fix_ef
    block = d.shape[0]
    tc = task_cal[t]
    mode = task_mode[t]
    es = X[2 * t]
    ef = X[2 * t + 1]
    if mode == 1:
        # finished: its actual dates in every iteration; d becomes its working days (for
        # its cost: none when its actual cost is given)
        w = _pos(cal, tc, fix_ef[t]) - _pos(cal, tc, fix_es[t])
        if schedule.task_slow[t] & REMAINING_COST:
            w = 0.0
        for lane in range(block):
            es[lane] = fix_es[t]
            ef[lane] = fix_ef[t]
            d[lane] = w
            pf[lane] = max(pf[lane], ef[lane])
    elif mode == 2:
        # in progress: started on its actual date, finishes after the data date
        p0 = _pos(cal, tc, fix_es[t])
        pb = _pos(cal, tc, fix_ef[t])
        pd = _pos(cal, tc, schedule.data_time[0])
        r0 = rest[t]
        for lane in range(block):
            es[lane] = max(pb + d[lane], pd)  # its finish without predecessors
            d[lane] = es[lane] - pd  # its remaining working days
            r0[lane] = pd
        if schedule.task_slow[t] & RETAINED_LOGIC:
            # retained logic: the remaining work, from the data date on, also waits for
            # the predecessors (a start later than the data date moves the finish)
            for lane in range(block):
                lim[lane] = pd
            _pred_limits(
                t, X, XP, d, lim, cal, tc, schedule, pred_ptr, pred_nstart, pred_gather, pred_lag
            )
            for lane in range(block):
                if lim[lane] > pd:
                    es[lane] = lim[lane] + d[lane]
                    r0[lane] = lim[lane]
        # its working days for its cost: the remaining ones only when its actual cost
        # is given, else from its actual start
        from_start = (schedule.task_slow[t] & REMAINING_COST) == 0
        for lane in range(block):
            q = es[lane]
            es[lane] = fix_es[t]
            # nothing left at the data date: it finishes where its calendar's work
            # resumes, as P6 dates it (the data date on a day off: the next working day)
            f = _finish(cal, tc, q) if q > pd else _start(cal, tc, q)
            ef[lane] = max(es[lane], f)
            if from_start:
                d[lane] = q - p0
            pf[lane] = max(pf[lane], ef[lane])
    else:
        # on its own calendar: lags and duration in its working days
        e0 = _pos(cal, tc, fix_es[t])
        for lane in range(block):
            lim[lane] = e0
        _pred_limits(
            t, X, XP, d, lim, cal, tc, schedule, pred_ptr, pred_nstart, pred_gather, pred_lag
        )
        _forward_constraints(t, lim, d, cal, tc, schedule)
        if schedule.task_slow[t] & FINISH_MILESTONE:
            # a finish milestone that takes no time is where its predecessors finish:
            # the end of its calendar's last working day, not the next day's start;
            # unless what it waits for (a predecessor without a lag, its earliest
            # start) ends later, on a day its calendar does not work: then it is at its
            # calendar's next working moment, never before them
            k0 = pred_ptr[t]
            k2 = pred_ptr[t + 1]
            for lane in range(block):
                f = _finish(cal, tc, lim[lane] + d[lane])
                s0 = _start(cal, tc, lim[lane])
                if d[lane] == 0.0:
                    lo = fix_es[t]
                    for k in range(k0, k2):
                        if pred_lag[k] == 0.0:
                            lo = max(lo, X[pred_gather[k], lane])
                    es[lane] = f if f >= lo - DATE_EPS else s0
                else:
                    es[lane] = s0
                ef[lane] = max(es[lane], f)
                pf[lane] = max(pf[lane], ef[lane])
        else:
            for lane in range(block):
                es[lane] = _start(cal, tc, lim[lane])
                ef[lane] = max(es[lane], _finish(cal, tc, lim[lane] + d[lane]))
                pf[lane] = max(pf[lane], ef[lane])
        if tc >= 0:  # the positions of ES and EF (the union dates map back to them)
            pes = XP[2 * t]
            pef = XP[2 * t + 1]
            for lane in range(block):
                pes[lane] = lim[lane]
                pef[lane] = lim[lane] + d[lane]
        return
    if tc >= 0:
        pes = XP[2 * t]
        pef = XP[2 * t + 1]
        for lane in range(block):
            pes[lane] = _pos(cal, tc, es[lane])
            pef[lane] = _pos(cal, tc, ef[lane])


@njit(inline="always")
def _pred_limits(t, X, XP, d, lim, cal, tc, schedule, pred_ptr, pred_nstart, pred_gather, pred_lag):
    """Raise ``lim``, task t's start in positions of its calendar, to what its links allow
    for a duration ``d``: a predecessor on the same calendar gives its position as it is
    (XP), any other its union date converted to this calendar. A lag on another calendar
    (``schedule.pred_lcal``) is added there: the predecessor's date in that calendar's
    positions, plus the lag, back to a union date (the end of a working day at a day's
    boundary: no wait for the next working day of that calendar), then to t's."""
    task_cal = schedule.task_cal
    lcal = schedule.pred_lcal
    block = d.shape[0]
    k0 = pred_ptr[t]
    k1 = k0 + pred_nstart[t]
    k2 = pred_ptr[t + 1]
    for k in range(k0, k2):
        lc = lcal[k]
        if lc == -2:
            continue
        g = X[pred_gather[k]]
        lag = pred_lag[k]
        on_finish = k >= k1
        for lane in range(block):
            x = _pos(cal, tc, _finish(cal, lc, _pos(cal, lc, g[lane]) + lag))
            lim[lane] = max(lim[lane], x - d[lane] if on_finish else x)
    for k in range(k0, k1):
        row = pred_gather[k]
        lag = pred_lag[k]
        if lcal[k] != -2:
            continue
        if tc >= 0 and task_cal[row >> 1] == tc:
            g = XP[row]
            for lane in range(block):
                lim[lane] = max(lim[lane], g[lane] + lag)
        else:
            g = X[row]
            for lane in range(block):
                lim[lane] = max(lim[lane], _pos(cal, tc, g[lane]) + lag)
    for k in range(k1, k2):
        row = pred_gather[k]
        lag = pred_lag[k]
        if lcal[k] != -2:
            continue
        if tc >= 0 and task_cal[row >> 1] == tc:
            g = XP[row]
            for lane in range(block):
                lim[lane] = max(lim[lane], g[lane] + lag - d[lane])
        else:
            g = X[row]
            for lane in range(block):
                lim[lane] = max(lim[lane], _pos(cal, tc, g[lane]) + lag - d[lane])


@njit(inline="always")
def _forward_constraints(t, lim, d, cal, tc, schedule):
    """Task t's start position ``lim`` (from logic) under its finish-no-earlier-than limit
    and, when constraints are hard, its mandatory date, which overrides logic but not the
    data date (nothing not started is done before it, as P6 dates it)."""
    con = schedule.con
    block = d.shape[0]
    if con[t, 0] > 0.0:  # finish no earlier than (the start's limit is in fix_es)
        q = _pos(cal, tc, con[t, 0])
        for lane in range(block):
            lim[lane] = max(lim[lane], q - d[lane])
    kind = schedule.con_set[t] if schedule.con_hard[0] != 0 else 0
    if kind != 0:
        now = _pos(cal, tc, schedule.data_time[0])  # the project start without one
        if kind == 1:  # mandatory start
            p = max(_pos(cal, tc, con[t, 1]), now)
            for lane in range(block):
                lim[lane] = p
        else:  # mandatory finish
            q = _pos(cal, tc, con[t, 2])
            for lane in range(block):
                lim[lane] = max(q - d[lane], now)


@njit(inline="always")
def _backward_task(
    t,
    X,
    XP,
    rest,
    late,
    mem,
    bound,
    bpos,
    fl,
    d,
    u,
    v,
    lim,
    cal,
    schedule,
    succ_ptr,
    succ_nfinish,
    succ_gather,
    succ_lag,
    slow,
    limit,
):
    """Late dates of task t towards one output: from ``bound`` (the output's finish) when
    ``mem[t] == 2``, and through the successors that are members of the output's pass
    (``mem[s] > 0``), whose late dates are in ``late``. Reads t's early dates from X, then
    writes its ``[LS, LF]`` row into ``late`` (which may be X itself) and its total float
    into ``fl``, in its own working days. Late dates are positions of the task's calendar
    (union days for a task on none), the unit its predecessors' lags count in. ``limit``
    (the project pass with hard constraints) applies t's latest and mandatory dates."""
    es = X[2 * t]
    ef = X[2 * t + 1]
    block = d.shape[0]
    k0 = succ_ptr[t]
    k1 = k0 + succ_nfinish[t]
    k2 = succ_ptr[t + 1]
    end = mem[t] == 2
    if not slow:
        for lane in range(block):
            d[lane] = ef[lane] - es[lane]
            u[lane] = bound[lane] if end else np.inf
        for k in range(k0, k1):
            if mem[succ_gather[k] >> 1] == 0:
                continue
            g = late[succ_gather[k]]
            lag = succ_lag[k]
            for lane in range(block):
                u[lane] = min(u[lane], g[lane] - lag)
        for k in range(k1, k2):
            if mem[succ_gather[k] >> 1] == 0:
                continue
            g = late[succ_gather[k]]
            lag = succ_lag[k]
            for lane in range(block):
                u[lane] = min(u[lane], g[lane] - lag + d[lane])
        for lane in range(block):
            fl[lane] = u[lane] - ef[lane]
    else:
        _backward_slow(
            t,
            X,
            XP,
            rest,
            late,
            mem,
            bound,
            bpos,
            end,
            d,
            u,
            v,
            lim,
            cal,
            schedule,
            succ_ptr,
            succ_nfinish,
            succ_gather,
            succ_lag,
            limit,
        )
        for lane in range(block):
            fl[lane] = v[lane]
    ls = late[2 * t]
    lf = late[2 * t + 1]
    for lane in range(block):
        lf[lane] = u[lane]
        ls[lane] = u[lane] - d[lane]


@njit(error_model="numpy", _nrt=False)
def _backward_slow(
    t,
    X,
    XP,
    rest,
    late,
    mem,
    bound,
    bpos,
    end,
    d,
    u,
    v,
    lim,
    cal,
    schedule,
    succ_ptr,
    succ_nfinish,
    succ_gather,
    succ_lag,
    limit,
):
    """Backward pass of task t when it or a successor runs on its own calendar, or it has
    progress or a constraint, in positions of t's calendar: the limit from each member
    successor is its late date (a position of its calendar) less the lag, the least per
    successor
    calendar (the links come sorted by it) converted once to t's positions, through the
    union day where the calendars differ. With ``limit``, t's latest start and finish
    bound its late dates and a mandatory date sets them (the float may be negative).
    Leaves LF in ``u``, LF - LS in ``d`` and t's float in ``v``."""
    task_cal = schedule.task_cal
    task_mode = schedule.task_mode
    task_slow = schedule.task_slow
    succ_cal = schedule.succ_cal
    succ_lcal = schedule.succ_lcal
    block = d.shape[0]
    tc = task_cal[t]
    if tc >= 0:
        pes = XP[2 * t]
        pef = XP[2 * t + 1]
        top = bpos[tc]
    else:
        pes = X[2 * t]
        pef = X[2 * t + 1]
        top = bound
    if task_mode[t] == 2:
        pes = rest[t]  # its late start: where its remaining work must begin
    k0 = succ_ptr[t]
    k1 = k0 + succ_nfinish[t]
    k2 = succ_ptr[t + 1]
    for lane in range(block):
        u[lane] = top[lane] if end else np.inf
        lim[lane] = np.inf
    k = k0
    while k < k2:
        sc = succ_cal[k]
        stop = k1 if k < k1 else k2
        g_end = k + 1
        while g_end < stop and succ_cal[g_end] == sc:
            g_end += 1
        tgt = u if k < k1 else lim
        found = False
        found_e = False  # ``d`` (free until the end) gathers the limits taken as finishes
        for j in range(k, g_end):
            if mem[succ_gather[j] >> 1] == 0:
                continue
            g = late[succ_gather[j]]
            lag = succ_lag[j]
            lc = succ_lcal[j]
            # the successor's late date as a moment, where P6's arithmetic puts it: a
            # late start of work (a start milestone's date too) where the work begins, a
            # late finish (or a finish milestone's date) where the work before it ends; a
            # lag walked back from there ends where work begins
            earliest = (succ_gather[j] & 1) == 1 or (
                sc >= 0 and task_slow[succ_gather[j] >> 1] & FINISH_MILESTONE != 0
            )
            if lc != -2:  # the lag counts on another calendar: convert per link
                for lane in range(block):
                    x = g[lane]
                    if sc >= 0:
                        x = _finish(cal, sc, x) if earliest else _start(cal, sc, x)
                    x = _start(cal, lc, _pos(cal, lc, x) - lag)
                    tgt[lane] = min(tgt[lane], _pos(cal, tc, x))
                continue
            if sc == tc:  # the same positions: no conversion
                for lane in range(block):
                    tgt[lane] = min(tgt[lane], g[lane] - lag)
            elif earliest and lag == 0.0 and sc >= 0:
                for lane in range(block):
                    d[lane] = min(d[lane], g[lane]) if found_e else g[lane]
                found_e = True
            elif found:
                for lane in range(block):
                    v[lane] = min(v[lane], g[lane] - lag)
            else:
                for lane in range(block):
                    v[lane] = g[lane] - lag
                found = True
        if found:
            if sc < 0:
                for lane in range(block):
                    tgt[lane] = min(tgt[lane], _pos(cal, tc, v[lane]))
            else:
                for lane in range(block):
                    tgt[lane] = min(tgt[lane], _pos(cal, tc, _start(cal, sc, v[lane])))
        if found_e:
            for lane in range(block):
                tgt[lane] = min(tgt[lane], _pos(cal, tc, _finish(cal, sc, d[lane])))
        k = g_end
    a = np.inf  # latest start and finish, positions of t's calendar
    b = np.inf
    kind = 0
    if limit:
        con = schedule.con
        a = _pos(cal, tc, con[t, 1])
        b = _pos(cal, tc, con[t, 2])
        kind = schedule.con_set[t]
    for lane in range(block):
        w = pef[lane] - pes[lane]
        q = min(min(u[lane], lim[lane] + w), min(b, a + w))
        if kind == 1:
            q = a + w
        elif kind == 2:
            q = b
        if limit and top[lane] == np.inf:
            q = np.inf  # a lane outside the run: nothing is critical there
        v[lane] = q - pef[lane]
        u[lane] = q
        d[lane] = w
    if task_mode[t] == 1:
        for lane in range(block):
            v[lane] = np.inf  # finished work is never critical


@njit(error_model="numpy", _nrt=False)
def _alap_pass(X, XP, d, u, pf, cal, schedule, links):
    """Place the as-late-as-possible tasks (``schedule.alap``, last first) as late as their
    free float allows: each one's finish moves to the least limit its successors' early
    dates set (a successor placed late itself counts where it was placed), the project
    finish for one without, never before its early finish, so no successor moves. The
    limits are the backward pass's, read from early dates: a link's lag counts on the
    successor's calendar, and its date converts to t's positions through the union day.
    Rewrites t's early dates (and their positions in ``XP``): the milestones, finish days
    and float that follow read them."""
    task_cal = schedule.task_cal
    task_slow = schedule.task_slow
    succ_ptr = links.succ_ptr
    succ_gather = links.succ_gather
    succ_lag = links.succ_lag
    block = d.shape[0]
    for t in schedule.alap:
        tc = task_cal[t]
        es = X[2 * t]
        ef = X[2 * t + 1]
        pes = XP[2 * t] if tc >= 0 else es
        pef = XP[2 * t + 1] if tc >= 0 else ef
        k1 = succ_ptr[t] + links.succ_nfinish[t]
        for lane in range(block):
            d[lane] = pef[lane] - pes[lane]
            u[lane] = _pos(cal, tc, pf[lane])
        for k in range(succ_ptr[t], succ_ptr[t + 1]):
            row = succ_gather[k]
            sc = task_cal[row >> 1]
            g = XP[row] if sc >= 0 else X[row]
            lag = succ_lag[k]
            lc = schedule.succ_lcal[k]
            on_start = k >= k1  # SS, SF: the link limits t's start
            x = X[row]
            for lane in range(block):
                q = g[lane] - lag
                if lc != -2:  # the lag on another calendar
                    q = _pos(cal, tc, _start(cal, lc, _pos(cal, lc, x[lane]) - lag))
                elif sc != tc:
                    q = _pos(cal, tc, q if sc < 0 else _start(cal, sc, q))
                if on_start:
                    q += d[lane]
                u[lane] = min(u[lane], q)
        at_end = tc >= 0 and (task_slow[t] & FINISH_MILESTONE) != 0
        for lane in range(block):
            q = max(u[lane], pef[lane])
            w = d[lane]
            if tc < 0:
                es[lane] = q - w
                ef[lane] = q
                continue
            pes[lane] = q - w
            pef[lane] = q
            f = _finish(cal, tc, q)
            es[lane] = f if at_end and w == 0.0 else _start(cal, tc, q - w)
            ef[lane] = max(es[lane], f)


@njit(error_model="numpy", _nrt=False)
def _hammock_pass(c, X, XP, u, lim, valid, cal, schedule, days):
    """Date the levels of effort and WBS summaries (``schedule.hammock``, numbered after
    every other task) from the final early dates of the tasks they read (as late as
    possible ones placed already), and count their finish days (the task loop then costs
    their span). Start and finish are positions of t's calendar: a level of effort starts where its
    predecessors' links put it (duration 0: each link's date plus its lag, the forward
    pass's rule) and finishes at the latest of its successors' early starts (FS, SS) or
    finishes (FF, SF) less the lag (counted on the successor's calendar, or the lag
    calendar, from which a start converts to the start of a working day and a finish to
    the end of one); a WBS summary (its first row a member's start) spans its members'
    earliest start to their latest finish. The finish is never before the start, and the
    span in t's working days (XP, or X on the union days) is what its per-day cost
    charges. One started (``task_mode`` 2) starts on its actual start and goes on at
    least to the data date; a finished one (1) keeps its actual dates. Nothing reads
    these dates but the milestones and finish days, so they never move another task or
    the project finish."""
    task_cal = schedule.task_cal
    ptr = schedule.hammock_ptr
    rows = schedule.hammock_row
    kinds = schedule.hammock_kind
    block = valid.shape[0]
    count = days[0].shape[2] > 0
    for i in range(schedule.hammock.shape[0]):
        t = schedule.hammock[i]
        tc = task_cal[t]
        k0 = ptr[i]
        mode = schedule.task_mode[t]  # started (2) or finished (1): its actual dates
        s0 = _pos(cal, tc, schedule.fix_es[t])
        if mode == 0 and kinds[k0] == HAMMOCK_MEMBER_START:
            s0 = np.inf
        for lane in range(block):
            lim[lane] = s0
            u[lane] = -np.inf
        if mode == 1:
            for lane in range(block):
                u[lane] = _pos(cal, tc, schedule.fix_ef[t])
        elif mode == 2:  # it goes on at least to the data date
            for lane in range(block):
                u[lane] = _pos(cal, tc, schedule.data_time[0])
        for k in range(k0, ptr[i + 1] if mode != 1 else k0):
            # one loop for every kind of row, which keeps the compile short: the row's
            # date in positions of the calendar ``on`` its lag counts on, the lag added
            # (a predecessor's) or taken off (a successor's), back to a union date at
            # the end of a working day (a finish) or the start of one, then to t's
            # positions; a member's date counts on the union days, as it is
            row = rows[k]
            kind = kinds[k]
            if mode == 2 and kind != HAMMOCK_SUCCESSOR and kind != HAMMOCK_MEMBER_FINISH:
                continue  # started: its start is the actual one
            g = X[row]
            lc = schedule.hammock_lcal[k]
            lag = schedule.hammock_lag[k]
            on = -1
            at_finish = True
            if kind == HAMMOCK_PREDECESSOR:
                on = tc if lc == -2 else lc
            elif kind == HAMMOCK_SUCCESSOR:
                on = task_cal[row >> 1] if lc == -2 else lc
                lag = -lag
                at_finish = (row & 1) == 1
            for lane in range(block):
                q = _pos(cal, on, g[lane]) + lag
                z = _pos(cal, tc, _finish(cal, on, q) if at_finish else _start(cal, on, q))
                if kind == HAMMOCK_MEMBER_START:
                    lim[lane] = min(lim[lane], z)
                elif kind == HAMMOCK_PREDECESSOR:
                    lim[lane] = max(lim[lane], z)
                else:
                    u[lane] = max(u[lane], z)
        es = X[2 * t]
        ef = X[2 * t + 1]
        for lane in range(block):
            a = lim[lane]
            b = max(u[lane], a)
            es[lane] = _start(cal, tc, a)
            ef[lane] = max(es[lane], _finish(cal, tc, b))
            u[lane] = b
        if tc >= 0:
            pes = XP[2 * t]
            pef = XP[2 * t + 1]
            for lane in range(block):
                pes[lane] = lim[lane]
                pef[lane] = u[lane]
        if count:
            _count_finishes(c, t, days, ef, valid, False, cal, -2, 0.0)


@njit(error_model="numpy", _nrt=False)
def _count_finishes(c, t, days, ef, valid, on_start, cal, row, opening):
    """Count each valid lane's finish day ``k = ceil(EF) - 1`` in task t's window of bins
    from ``day_base[t]`` (days outside go to the end bins), and track the first and last
    day seen, so the caller knows when the window was too narrow. A start milestone
    (``on_start``) counts the day it starts, ``k = floor(EF)``: at a day boundary that is
    the day after. A finish milestone on calendar ``row`` (-1: union days; -2: not a
    finish milestone) at the start of a working day after days its calendar does not
    work (it waited for them) counts that working day, not the day off before it; one
    that waited for the data date or for a finish constraint at the opening of a day
    (its finish is ``opening``, ``schedule.fm_open[t]``) counts that day or its
    calendar's next working day, as P6 dates it (a moment of that day, not the end of
    the day before)."""
    hist, day_base, day_first, day_last = days
    n_bins = hist.shape[2]
    base = day_base[t]
    work = cal.work  # column LEAD + k: union day k (finish days count from 0)
    last = work.shape[1] - 1 - LEAD
    for lane in range(ef.shape[0]):
        if valid[lane]:
            if on_start:
                kb = max(int(math.floor(ef[lane] + DATE_EPS)), 0)
            else:
                kb = max(int(math.ceil(ef[lane] - DATE_EPS)) - 1, 0)
                if row >= -1 and (
                    ef[lane] == opening or (row >= 0 and work[row, LEAD + min(kb, last)] == 0.0)
                ):
                    kb = max(int(math.floor(ef[lane] + DATE_EPS)), 0)
                    while row >= 0 and kb < last and work[row, LEAD + kb] == 0.0:
                        kb += 1
            day_first[c, t] = min(day_first[c, t], kb)
            day_last[c, t] = max(day_last[c, t], kb)
            hist[c, t, min(max(kb - base, 0), n_bins - 1)] += 1


@njit(error_model="numpy", _nrt=False)
def _task_cost(
    t,
    cost,
    d,
    money,
    has_money,
    ex,
    may_not_exist,
    valid,
    csum,
    u,
    v,
    out,
    base,
    quads,
    s_lo,
    s_hi,
    keys,
    tables,
):
    """Task t's cost per lane into ``out``: its actual cost to the data date (0 when
    none) + fixed + per-day rate × working days ``d`` (+ cost impacts ``money``), only
    where the task happens; added to the total and
    group rows of ``csum``. Returns the valid lanes' sum in fixed point (COST_SCALE)."""
    cost_code, cost_par, has_cost, task_group, actual = cost
    block = d.shape[0]
    for lane in range(block):
        out[lane] = actual[t]
    if has_cost[t]:
        for j in range(2):
            if cost_code[t, j] != FIXED:
                draw = COST_FIXED_DRAW if j == 0 else COST_RATE_DRAW
                draw_uniforms(u, base, quads, draw, s_lo, s_hi, keys)
            sample_into(cost_code[t, j], cost_par[t, j], tables, u, v, block)
            if j == 0:
                for lane in range(block):
                    out[lane] += v[lane]
            else:
                for lane in range(block):
                    out[lane] += v[lane] * d[lane]
    if has_money:
        for lane in range(block):
            out[lane] += money[lane]
    if may_not_exist:
        for lane in range(block):
            out[lane] *= ex[lane]
    grp = task_group[t]
    acc = 0
    for lane in range(block):
        csum[0, lane] += out[lane]
        q = int(math.floor(out[lane] * COST_SCALE + 0.5))
        acc += q if valid[lane] else 0
    if grp >= 0:
        for lane in range(block):
            csum[1 + grp, lane] += out[lane]
    return acc
