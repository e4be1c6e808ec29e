"""The compiler's reference: ``compile_network`` written plainly, one task, link, impact
and milestone at a time, as it was before it was vectorised. tests/test_compile.py checks
that the fast compiler gives the same arrays, bit for bit."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from riskengine.engine import correlation
from riskengine.engine.calendar import Timeline, build_timeline
from riskengine.engine.compile import (
    UNGROUPED,
    CompiledNetwork,
    duration_to_draw,
    split64,
    stream_of,
    uses_groups,
)
from riskengine.engine.encoding import TableBuilder, encode
from riskengine.kernels.args import (
    ALAP,
    BACKWARD_SLOW,
    FINISH_MILESTONE,
    FORWARD_SLOW,
    HAMMOCK,
    HAS_COST,
    REMAINING_COST,
    RETAINED_LOGIC,
    START_MILESTONE,
)
from riskengine.kernels.sampling import NPAR
from riskengine.model.draws import impact_draw
from riskengine.model.scenario import Link, Scenario
from riskengine.model.validate import checked_order

_READS_FINISH = {"FS": 1, "SS": 0, "FF": 1, "SF": 0}
_SETS_FINISH = {"FS": 0, "SS": 0, "FF": 1, "SF": 1}


def compile_network_naive(
    scenario: Scenario,
    *,
    mitigated: bool = False,
    without: frozenset[str] = frozenset(),
    strict: bool = False,
) -> CompiledNetwork:
    """compile_network as it was first written: one task, link and risk at a time."""
    order = checked_order(scenario)
    order = [i for i in order if scenario.tasks[i].type == "task"] + [
        i for i in order if scenario.tasks[i].type != "task"
    ]  # levels of effort and WBS summaries last
    n = len(order)
    pos = {scenario.tasks[i].id: k for k, i in enumerate(order)}
    tasks = [scenario.tasks[i] for i in order]

    tables = TableBuilder()
    code = np.zeros(n, np.int64)
    par = np.zeros((n, NPAR))
    s_lo = np.zeros(n, np.uint64)
    s_hi = np.zeros(n, np.uint64)
    timeline = build_timeline(scenario)
    task_cal = np.array(
        [timeline.index[t.calendar] if t.calendar else timeline.project for t in tasks],
        np.int64,
    )
    task_mode, fix_es, fix_ef = _progress(scenario, tasks, timeline)
    cost_code = np.zeros((n, 2), np.int64)
    cost_par = np.zeros((n, 2, NPAR))
    has_cost = np.zeros(n, np.int64)
    actual_cost = np.zeros(n)
    task_slow_extra = np.zeros(n, np.int64)
    group_of: dict[str, int] = {}
    task_group = np.full(n, -1, np.int64)
    for k, t in enumerate(tasks):
        code[k], par[k] = encode(duration_to_draw(t, int(task_mode[k])), tables)
        s_lo[k], s_hi[k] = split64(stream_of("task", t.id))
        if t.cost is not None:
            has_cost[k] = 1
            for j, part in enumerate((t.cost.fixed, t.cost.per_day)):
                if part is not None:
                    cost_code[k, j], cost_par[k, j] = encode(part, tables)
        if t.actual_cost is not None and task_mode[k] != 0:
            has_cost[k] = 1
            actual_cost[k] = t.actual_cost
            task_slow_extra[k] |= REMAINING_COST
        if t.group:
            task_group[k] = group_of.setdefault(t.group, len(group_of))

    hammocks = {t.id for t in tasks if t.type != "task"}
    linked = tasks
    if scenario.progress_logic == "retained":
        linked = _through_finished_naive(tasks, task_mode, hammocks)
    done = {t.id for k, t in enumerate(tasks) if task_mode[k] == 1}
    pred_ptr, pred_nstart, gather_a, lags_a, succ = _link_arrays(
        linked, pos, task_cal, hammocks, done
    )
    succ_ptr, succ_nfinish, s_gather, s_lag, s_cal = succ
    gather = gather_a.tolist()  # for the ancestor sweep
    con, con_set = _constraint_limits(tasks, timeline)
    forward_slow = (task_cal >= 0) | (task_mode != 0) | (fix_es != 0)
    forward_slow |= (con[:, 0] != 0) | (con_set != 0)
    backward_slow = (task_cal >= 0) | (task_mode != 0) | (con[:, 1] < np.inf)
    backward_slow |= con[:, 2] < np.inf
    # a task whose successor runs on its own calendar converts its backward limits
    owner = np.repeat(np.arange(n), np.diff(succ_ptr))
    backward_slow[owner[s_cal >= 0]] = True
    task_slow = np.zeros(n, np.int64)
    task_slow[forward_slow] |= FORWARD_SLOW
    task_slow[backward_slow] |= BACKWARD_SLOW

    # the kernel's outputs: the milestones, then the spans of cost items that end with
    # some tasks' finish (a portfolio project's own items), then the project finish
    spans = [c for c in scenario.costs if c.span]
    # then the start of each task not started with a latest start date (read as ~t)
    latest_start = ("start-no-later-than", "start-on", "mandatory-start")
    starts = [
        t.id
        for k, t in enumerate(tasks)
        if task_mode[k] == 0 and any(c.kind in latest_start and c.date for c in t.constraints)
    ]
    # and the finish of each task not finished with a latest finish at a time of day (t)
    latest_finish = ("finish-no-later-than", "finish-on", "mandatory-finish")
    finishes = [
        t.id
        for k, t in enumerate(tasks)
        if task_mode[k] != 1
        and any(c.kind in latest_finish and hasattr(c.date, "hour") for c in t.constraints)
    ]
    ms_ptr = np.zeros(
        len(scenario.milestones) + len(spans) + len(starts) + len(finishes) + 1, np.int64
    )
    ms_task: list[int] = []
    targets = np.full(len(scenario.milestones), np.nan)
    ends = [m.after for m in scenario.milestones] + [c.span for c in spans]
    for m_i, after in enumerate(ends):
        ms_task.extend(pos[tid] for tid in dict.fromkeys(after))
        ms_ptr[m_i + 1] = len(ms_task)
    for j, tid in enumerate(starts):
        ms_task.append(~pos[tid])
        ms_ptr[len(ends) + j + 1] = len(ms_task)
    for j, tid in enumerate(finishes):
        ms_task.append(pos[tid])
        ms_ptr[len(ends) + len(starts) + j + 1] = len(ms_task)
    for m_i, m in enumerate(scenario.milestones):
        if m.target_date is not None:
            targets[m_i] = timeline.end_of(m.target_date)
        elif m.target is not None:
            targets[m_i] = timeline.from_project_days(m.target)

    anc_ptr, anc_task, member = _ancestors(
        n, pred_ptr, gather, ms_ptr, ms_task, len(scenario.milestones), [pos[h] for h in hammocks]
    )

    exist_p = np.array([float(t.existence) for t in tasks])
    risk_p = np.zeros(len(scenario.risks))
    r_lo = np.zeros(len(scenario.risks), np.uint64)
    r_hi = np.zeros(len(scenario.risks), np.uint64)
    per_task: list[list[tuple[int, int, int, int, np.ndarray]]] = [[] for _ in range(n)]
    for r_i, risk in enumerate(scenario.risks):
        p, impacts = risk.state(mitigated)
        risk_p[r_i] = 0.0 if risk.id in without else p
        r_lo[r_i], r_hi[r_i] = split64(stream_of("risk", risk.id))
        for j, imp in enumerate(impacts):
            if task_mode[pos[imp.task]] == 1:
                continue  # a risk no longer touches finished work
            for kind, key in enumerate(("delay", "delay_pct", "cost")):
                dist = getattr(imp, key)
                if dist is not None:
                    code_k, par_k = encode(dist, tables)
                    draw = impact_draw(j, key)
                    per_task[pos[imp.task]].append((r_i, draw, kind, code_k, par_k))
    imp_ptr = np.zeros(n + 1, np.int64)
    flat = [e for lst in per_task for e in lst]
    money = np.array([any(e[2] == 2 for e in lst) for lst in per_task], bool)
    task_slow[(has_cost != 0) | money] |= HAS_COST
    task_slow |= task_slow_extra
    for k, t in enumerate(tasks):  # retained logic and milestones, one task at a time
        if scenario.progress_logic == "retained" and task_mode[k] == 2:
            task_slow[k] |= RETAINED_LOGIC
        zero = t.duration.kind == "fixed" and t.duration.params.get("value") == 0
        if t.milestone == "start":
            task_slow[k] |= START_MILESTONE
        elif t.milestone == "finish" or zero:
            task_slow[k] |= FINISH_MILESTONE
        if task_mode[k] == 0 and any(c.kind == "as-late-as-possible" for c in t.constraints):
            task_slow[k] |= ALAP
        if t.type != "task":  # dated by the hammock pass alone
            task_slow[k] = (task_slow[k] & HAS_COST) | FORWARD_SLOW | HAMMOCK
    alap = [k for k in range(n - 1, -1, -1) if task_slow[k] & ALAP]
    if uses_groups(scenario):
        # every cost lands in a group, so the groups add up to the total
        loose = ((has_cost != 0) | money) & (task_group < 0)
        if loose.any():
            task_group[loose] = group_of.setdefault(UNGROUPED, len(group_of))
    imp_ptr[1:] = np.cumsum([len(lst) for lst in per_task])

    corr_slot = np.full(n, -1, np.int64)
    corr_group = np.full(n, -1, np.int64)
    group_ptr = [0]
    slots: list[tuple[int, int, int]] = []
    slot_of: dict[tuple, int] = {}
    factors: list[np.ndarray] = []
    factor_ptr = [0]
    for g, (members, factor) in enumerate(correlation.groups(scenario, pos, strict=strict)):
        for kind, eid, draw in members:
            slot_of[(kind, eid, draw)] = len(slots)
            if kind == "task":
                corr_slot[pos[eid]] = len(slots)
                corr_group[pos[eid]] = g
            slots.append((*split64(stream_of(kind, eid)), draw))
        group_ptr.append(len(slots))
        factors.append(factor.ravel())
        factor_ptr.append(factor_ptr[-1] + factor.size)
    risk_ids = [r.id for r in scenario.risks]
    imp_slot = [slot_of.get(("risk", risk_ids[e[0]], e[1]), -1) for e in flat]

    return CompiledNetwork(
        task_ids=tuple(t.id for t in tasks),
        code=code,
        par=par,
        tables=tables.array(),
        stream_lo=s_lo,
        stream_hi=s_hi,
        pred_ptr=pred_ptr,
        pred_nstart=pred_nstart,
        pred_gather=gather_a,
        pred_lag=lags_a,
        succ_ptr=succ_ptr,
        succ_nfinish=succ_nfinish,
        succ_gather=s_gather,
        succ_lag=s_lag,
        milestone_ids=tuple(m.id for m in scenario.milestones),
        span_ids=tuple(c.id for c in spans),
        start_ids=tuple(starts),
        finish_ids=tuple(finishes),
        ms_ptr=ms_ptr,
        ms_task=np.asarray(ms_task, np.int64),
        targets=targets,
        exist_p=exist_p,
        risk_ids=tuple(r.id for r in scenario.risks),
        risk_p=risk_p,
        risk_stream_lo=r_lo,
        risk_stream_hi=r_hi,
        imp_ptr=imp_ptr,
        imp_risk=np.array([e[0] for e in flat], np.int64),
        imp_draw=np.array([e[1] for e in flat], np.int64),
        imp_kind=np.array([e[2] for e in flat], np.int64),
        imp_code=np.array([e[3] for e in flat], np.int64),
        imp_par=np.array([e[4] for e in flat], np.float64).reshape(len(flat), NPAR),
        corr_slot=corr_slot,
        corr_group=corr_group,
        group_ptr=np.asarray(group_ptr, np.int64),
        slot_stream=np.array([sl[:2] for sl in slots], np.uint64).reshape(len(slots), 2),
        slot_draw=np.array([sl[2] for sl in slots], np.int64),
        imp_slot=np.asarray(imp_slot, np.int64),
        factor=np.concatenate(factors) if factors else np.zeros(1),
        factor_ptr=np.asarray(factor_ptr, np.int64),
        timeline=timeline,
        task_cal=task_cal,
        task_mode=task_mode,
        fix_es=fix_es,
        fix_ef=fix_ef,
        task_slow=task_slow,
        con=con,
        con_set=con_set,
        con_hard=np.array([scenario.simulation.constraints == "hard"], np.int64),
        alap=np.array(alap, np.int64),
        **_hammock_arrays(tasks, pos),
        actual_cost=actual_cost,
        succ_cal=s_cal,
        data_time=np.array([timeline.start_of(scenario.data_date) if scenario.data_date else 0.0]),
        fm_open=_opening_moments_naive(tasks, scenario, timeline),
        cost_code=cost_code,
        cost_par=cost_par,
        has_cost=has_cost,
        task_group=task_group,
        group_ids=tuple(group_of),
        anc_ptr=anc_ptr,
        anc_task=anc_task,
        member=member,
    )


def _opening_moments_naive(tasks: list, scenario: Scenario, timeline) -> np.ndarray:
    """The data date for every task, except a finish constraint's time at or before the
    opening of the task's calendar day (minutes past midnight) after it, where it is
    that moment."""
    data = timeline.start_of(scenario.data_date) if scenario.data_date else 0.0
    out = []
    for t in tasks:
        cal = next((c for c in scenario.calendars if c.id == t.calendar), None)
        cal = cal or scenario.project_calendar()
        value = data
        for c in t.constraints:
            when = c.date
            finish = c.kind in ("finish-no-earlier-than", "finish-on", "mandatory-finish")
            if finish and hasattr(when, "hour"):
                minutes = when.hour * 60 + when.minute
                if 0 < minutes <= round(cal.day[0][0] * 60):
                    at = timeline.end_of(when)
                    row = timeline.index.get(cal.id, -1)
                    if row >= 0:  # a finish there on the task's own calendar
                        at = float(
                            timeline.finish_time(
                                np.array([row]), np.atleast_1d(timeline.position(at, cal.id))
                            )[0]
                        )
                    value = max(data, at)
        out.append(value)
    return np.array(out, dtype=np.float64)


def _hammock_arrays(tasks: list, pos: dict[str, int]) -> dict[str, np.ndarray]:
    """The rows each level of effort (first) and WBS summary reads, one at a time: its
    predecessors' dates (kind 3), its successors' (kind 0); a summary's members' starts
    (kind 1), then their finishes (kind 2)."""
    order = [t for t in tasks if t.type == "level-of-effort"]
    order += [t for t in tasks if t.type == "wbs-summary"]
    ptr, row, kind, lag = [0], [], [], []
    for h in order:
        if h.type == "level-of-effort":
            for lk in h.predecessors:
                row.append(2 * pos[lk.task] + _READS_FINISH[lk.type])
                kind.append(3)
                lag.append(lk.lag)
            for t in tasks:
                for lk in t.predecessors:
                    if lk.task == h.id:
                        row.append(2 * pos[t.id] + _SETS_FINISH[lk.type])
                        kind.append(0)
                        lag.append(lk.lag)
        else:
            members = list(dict.fromkeys(h.summarises))
            row += [2 * pos[m] for m in members] + [2 * pos[m] + 1 for m in members]
            kind += [1] * len(members) + [2] * len(members)
            lag += [0.0] * (2 * len(members))
        ptr.append(len(row))
    return {
        "hammock": np.array([pos[h.id] for h in order], np.int64),
        "hammock_ptr": np.array(ptr, np.int64),
        "hammock_row": np.array(row, np.int64),
        "hammock_kind": np.array(kind, np.int64),
        "hammock_lag": np.array(lag, np.float64),
        "hammock_lcal": np.full(len(row), -2, np.int64),
    }


def _through_finished_naive(tasks: list, task_mode: np.ndarray, hammocks: set) -> list:
    """The tasks with, under retained logic, a link from every task not finished that a
    finished predecessor F depends on through finished tasks only, after their own links:
    its end of the first link, the task's end of the link from F, the lags added (the
    longest per predecessor and end, for each F)."""
    by_id = {t.id: t for t in tasks}
    mode = {t.id: int(m) for t, m in zip(tasks, task_mode, strict=True)}
    memo: dict[str, dict] = {}

    def ancestors(fid):
        if fid in memo:
            return memo[fid]
        out: dict = {}
        memo[fid] = out
        for lk in by_id[fid].predecessors:
            if lk.task in hammocks:
                continue
            if mode[lk.task] != 1:
                reached = {(lk.task, lk.type in ("FS", "FF")): 0.0}
            else:
                reached = ancestors(lk.task)
            for key, lag in reached.items():
                out[key] = max(out.get(key, -math.inf), lag + lk.lag)
        return out

    out = []
    for t in tasks:
        extra = []
        if mode[t.id] != 1 and t.id not in hammocks:
            for lk in t.predecessors:
                if mode[lk.task] == 1 and lk.task not in hammocks:
                    for (p, fin), lag in ancestors(lk.task).items():
                        kind = ("F" if fin else "S") + ("F" if lk.type in ("FF", "SF") else "S")
                        extra.append(Link(p, kind, lag + lk.lag))
        out.append(dataclasses.replace(t, predecessors=t.predecessors + tuple(extra)))
    return out


def _link_arrays(
    tasks: list, pos: dict[str, int], task_cal: np.ndarray, hammocks: set, done: set
) -> tuple:
    """Predecessor and successor CSR arrays, link by link (kernels/network.py), without
    the links of levels of effort (``hammocks``); no successor entry for a link to a
    finished task (``done``)."""
    n = len(tasks)
    pred_ptr = np.zeros(n + 1, np.int64)
    pred_nstart = np.zeros(n, np.int64)
    gather: list[int] = []
    lags: list[float] = []
    succ_lists: list[list[tuple[int, int, float]]] = [[] for _ in range(n)]
    for k, t in enumerate(tasks):
        links = [lk for lk in t.predecessors if lk.task not in hammocks and t.id not in hammocks]
        starts = [lk for lk in links if not _SETS_FINISH[lk.type]]
        finishes = [lk for lk in links if _SETS_FINISH[lk.type]]
        pred_nstart[k] = len(starts)
        for lk in starts + finishes:
            p = pos[lk.task]
            gather.append(2 * p + _READS_FINISH[lk.type])
            lags.append(lk.lag)
            if t.id not in done:
                succ_lists[p].append((k, _SETS_FINISH[lk.type], lk.lag, _READS_FINISH[lk.type]))
        pred_ptr[k + 1] = len(gather)
    succ_ptr = np.zeros(n + 1, np.int64)
    succ_nfinish = np.zeros(n, np.int64)
    s_gather: list[int] = []
    s_lag: list[float] = []
    s_cal: list[int] = []
    for p in range(n):
        first = [e for e in succ_lists[p] if e[3] == 1]  # links reading p's finish
        rest = [e for e in succ_lists[p] if e[3] == 0]
        succ_nfinish[p] = len(first)

        def by_calendar(e):  # each group by the successor's calendar (a stable sort)
            return task_cal[e[0]]

        ordered = sorted(first, key=by_calendar) + sorted(rest, key=by_calendar)
        for s, sets_finish, lag, _ in ordered:
            s_gather.append(2 * s + sets_finish)
            s_lag.append(lag)
            s_cal.append(int(task_cal[s]))
        succ_ptr[p + 1] = len(s_gather)
    return (
        pred_ptr,
        pred_nstart,
        np.asarray(gather, np.int64),
        np.asarray(lags, np.float64),
        (
            succ_ptr,
            succ_nfinish,
            np.asarray(s_gather, np.int64),
            np.asarray(s_lag, np.float64),
            np.asarray(s_cal, np.int64),
        ),
    )


def _ancestors(
    n: int,
    pred_ptr: np.ndarray,
    gather: list[int],
    ms_ptr: np.ndarray,
    ms_task: list[int],
    n_milestones: int,
    hammocks: list[int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The backward pass of each output (kernels/network.py, "Criticality per
    milestone"): which tasks can reach each milestone's tasks, found with one sweep in
    reverse topological order over bit sets of milestones. Outputs after the first
    ``n_milestones`` (cost spans) get an empty pass, the project every task."""
    n_ms = len(ms_ptr) - 1
    waits = [0] * n  # bit m: milestone m waits on the task
    for m in range(n_milestones):
        for t in ms_task[ms_ptr[m] : ms_ptr[m + 1]]:
            waits[t] |= 1 << m
    reach = waits[:]
    for t in range(n - 1, -1, -1):
        if reach[t]:
            for k in range(pred_ptr[t], pred_ptr[t + 1]):
                reach[gather[k] >> 1] |= reach[t]
    member = np.zeros((n_ms + 1, n), np.int8)
    member[n_ms] = 2
    for t in range(n):
        r, w = reach[t], waits[t]
        while r:
            low = r & -r
            m = low.bit_length() - 1
            member[m, t] = 2 if w & low else 1
            r ^= low
    member[:, hammocks] = 0  # levels of effort and WBS summaries are never critical
    backward = np.arange(n - 1, -1, -1, dtype=np.int64)
    rows = [backward[member[o, ::-1] > 0] for o in range(n_ms + 1)]
    anc_ptr = np.zeros(n_ms + 2, np.int64)
    anc_ptr[1:] = np.cumsum([r.size for r in rows])
    return anc_ptr, np.concatenate(rows).astype(np.int64), member


def _progress(
    scenario: Scenario, tasks: list, timeline: Timeline
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per task: mode (0 not started, 1 finished, 2 in progress), the earliest or actual
    start and the actual finish (or where the remaining work is counted from), in union
    days. A task not started waits for its start-no-earlier-than date and the data
    date."""
    n = len(tasks)
    mode = np.zeros(n, np.int64)
    es = np.zeros(n)
    ef = np.zeros(n)
    data = timeline.start_of(scenario.data_date) if scenario.data_date else 0.0
    for k, t in enumerate(tasks):
        if t.actual_start is not None:
            es[k] = timeline.start_of(t.actual_start, t.calendar)
            if t.actual_finish is not None:
                mode[k] = 1
                ef[k] = max(es[k], timeline.end_of(t.actual_finish, t.calendar))
            else:
                mode[k] = 2
                ef[k] = data if t.remaining is not None else es[k]
        else:
            es[k] = data
            if t.start_no_earlier_than is not None:
                es[k] = max(es[k], timeline.start_of(t.start_no_earlier_than))
            for c in t.constraints:
                if c.kind in ("start-no-earlier-than", "start-on", "mandatory-start"):
                    es[k] = max(es[k], timeline.start_of(c.date))
    return mode, es, ef


def _constraint_limits(tasks, timeline):
    """Per task, one constraint at a time: the earliest finish, the latest start and the
    latest finish in union days (0, +inf, +inf: none), and 1 for a mandatory start, 2 for
    a mandatory finish. A start counts from the start of its day, a finish from its end."""
    n = len(tasks)
    con = np.zeros((n, 3))
    con[:, 1:] = np.inf
    con_set = np.zeros(n, np.int64)
    for k, t in enumerate(tasks):
        for c in t.constraints:
            if c.kind == "as-late-as-possible":
                continue
            start, end = timeline.start_of(c.date), timeline.end_of(c.date)
            if c.kind == "finish-no-earlier-than":
                con[k, 0] = max(con[k, 0], end)
            elif c.kind == "start-no-later-than":
                con[k, 1] = min(con[k, 1], start)
            elif c.kind == "finish-no-later-than":
                con[k, 2] = min(con[k, 2], end)
            elif c.kind in ("start-on", "mandatory-start"):
                con[k, 1] = min(con[k, 1], start)
                con_set[k] = 1 if c.kind == "mandatory-start" else con_set[k]
            elif c.kind in ("finish-on", "mandatory-finish"):
                con[k, 0] = max(con[k, 0], end)
                con[k, 2] = min(con[k, 2], end)
                con_set[k] = 2 if c.kind == "mandatory-finish" else con_set[k]
    return con, con_set


def topological_order_naive(scenario: Scenario) -> list[int]:
    """Kahn's algorithm with a queue and per-task successor lists, ties broken by file
    order (the order model/validate.py must give); None for a network with a cycle."""
    from collections import deque

    index = {t.id: i for i, t in enumerate(scenario.tasks)}
    n = len(scenario.tasks)
    succs: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for i, t in enumerate(scenario.tasks):
        indeg[i] = len(t.predecessors)
        for link in t.predecessors:
            succs[index[link.task]].append(i)
    ready = deque(i for i in range(n) if indeg[i] == 0)
    order: list[int] = []
    while ready:
        i = ready.popleft()
        order.append(i)
        for s in succs[i]:
            indeg[s] -= 1
            if indeg[s] == 0:
                ready.append(s)
    return order
