"""Model → CompiledNetwork: the flat arrays the kernels read.

Also the one place that checks references (unknown or duplicate ids, cycles), so models
built in Python get the same errors as scenario files.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import warnings
import weakref
from dataclasses import dataclass, field

import numpy as np

from riskengine.engine import correlation
from riskengine.engine.calendar import Timeline, build_timeline, calendars_in_use
from riskengine.engine.encoding import TableBuilder
from riskengine.errors import RiskEngineWarning, ScenarioError
from riskengine.kernels import args
from riskengine.kernels import sampling as ks
from riskengine.kernels.args import (
    ALAP,
    BACKWARD_SLOW,
    FINISH_MILESTONE,
    FORWARD_SLOW,
    HAMMOCK,
    HAMMOCK_MEMBER_FINISH,
    HAMMOCK_MEMBER_START,
    HAMMOCK_PREDECESSOR,
    HAMMOCK_SUCCESSOR,
    HAS_COST,
    REMAINING_COST,
    RETAINED_LOGIC,
    START_MILESTONE,
)
from riskengine.kernels.sampling import NPAR
from riskengine.model.distributions import Distribution
from riskengine.model.draws import impact_draw
from riskengine.model.scenario import (
    FULL_DAY_CALENDAR,
    LEVEL_OF_EFFORT,
    LINK_TYPES,
    CostItem,
    Scenario,
    Task,
)
from riskengine.model.validate import checked_order

_READS_FINISH = {"FS": 1, "SS": 0, "FF": 1, "SF": 0}


def stream_of(kind: str, entity_id: str) -> int:
    """Stable 64-bit random stream of an entity: a hash of its kind and id, never its
    position, so adding or removing a task leaves every other task's samples unchanged."""
    h = hashlib.blake2b(entity_id.encode("utf-8"), digest_size=8, person=kind.encode()[:16])
    return int.from_bytes(h.digest(), "little")


def split64(value: int) -> tuple[int, int]:
    """A 64-bit value (taken modulo 2**64) as its low and high 32-bit words."""
    value &= (1 << 64) - 1
    return value & 0xFFFFFFFF, value >> 32


def seed_keys(seed: int, lhs_n: int = 0) -> args.Keys:
    """The kernels' random keys for ``seed``; ``lhs_n > 0`` draws Latin hypercube
    uniforms for a run of ``lhs_n`` iterations, 0 plain Monte Carlo."""
    lo, hi = split64(seed)
    return args.Keys(np.uint64(lo), np.uint64(hi), lhs_n)


@dataclass(frozen=True, eq=False)
class CompiledNetwork:
    """Flat arrays of one network, tasks renumbered topologically (see kernels/network.py).

    Built by :func:`compile_network`; pass it to :func:`riskengine.simulate` (``network=``)
    to run a scenario again without compiling it again. The arrays are the kernels'
    input, laid out as kernels/network.py describes.

    Attributes
    ----------
    task_ids : tuple of str
        Task ids in topological order (levels of effort and WBS summaries last), the
        order of every per-task array.
    milestone_ids : tuple of str
        The scenario's milestones, in file order.
    risk_ids : tuple of str
        The scenario's risks, in file order.
    timeline : Timeline
        The union-calendar time axis.
    """

    task_ids: tuple[str, ...]  # in topological order
    code: np.ndarray  # int64[n]
    par: np.ndarray  # float64[n, NPAR]
    tables: np.ndarray  # float64[...]
    stream_lo: np.ndarray  # uint64[n]
    stream_hi: np.ndarray  # uint64[n]
    pred_ptr: np.ndarray
    pred_nstart: np.ndarray
    pred_gather: np.ndarray
    pred_lag: np.ndarray
    succ_ptr: np.ndarray
    succ_nfinish: np.ndarray
    succ_gather: np.ndarray
    succ_lag: np.ndarray
    milestone_ids: tuple[str, ...]
    span_ids: tuple[str, ...]  # cost items whose span ends with their tasks' finish
    ms_ptr: np.ndarray
    ms_task: np.ndarray
    targets: np.ndarray  # float64[M], NaN where a milestone has no target
    exist_p: np.ndarray  # float64[n]: probability that each task happens
    risk_ids: tuple[str, ...]
    risk_p: np.ndarray  # float64[R]: occurrence probability in the compiled state
    risk_stream_lo: np.ndarray  # uint64[R]
    risk_stream_hi: np.ndarray  # uint64[R]
    imp_ptr: np.ndarray  # int64[n+1]: CSR of the risk impacts on each task
    imp_risk: np.ndarray  # int64[K]: the risk of each impact
    imp_draw: np.ndarray  # int64[K]: its draw index in the risk's stream
    imp_kind: np.ndarray  # int64[K]: 0 working days, 1 % of the task's duration, 2 money
    imp_code: np.ndarray  # int64[K]
    imp_par: np.ndarray  # float64[K, NPAR]
    corr_slot: np.ndarray  # int64[n]: copula slot of each task, -1 when uncorrelated
    corr_group: np.ndarray  # int64[n]: its group, -1 when uncorrelated
    group_ptr: np.ndarray  # int64[G+1]: slots of each group (kernels/copula.py)
    slot_stream: np.ndarray  # uint64[S, 2]: the random stream (lo, hi) of each slot
    slot_draw: np.ndarray  # int64[S]: and its draw
    imp_slot: np.ndarray  # int64[K]: copula slot of each impact, -1 when uncorrelated
    factor: np.ndarray  # float64[Σ k²]: each group's factor, row-major
    factor_ptr: np.ndarray  # int64[G+1]
    timeline: Timeline  # the union-calendar time axis (calendar.py)
    task_cal: np.ndarray  # int64[n]: calendar table row of each task, -1 for union days
    task_mode: np.ndarray  # int64[n]: 0 not started, 1 finished, 2 in progress
    fix_es: np.ndarray  # float64[n]: earliest (or actual) start, union days
    fix_ef: np.ndarray  # float64[n]: actual finish, or where remaining work starts
    task_slow: np.ndarray  # int64[n]: FORWARD_SLOW | BACKWARD_SLOW | HAS_COST bits
    succ_cal: np.ndarray  # int64[succ links]: calendar row of each link's successor
    data_time: np.ndarray  # float64[1]: the data date in union days (0 without one)
    # float64[n]: the moment a finish milestone is dated on the day it begins (the data
    # date, or its finish constraint's moment at the opening of a day)
    fm_open: np.ndarray
    cost_code: np.ndarray  # int64[n, 2]: fixed and per-day cost distributions
    cost_par: np.ndarray  # float64[n, 2, NPAR]
    has_cost: np.ndarray  # int64[n]
    task_group: np.ndarray  # int64[n]: cost group of each task, -1 for none
    group_ids: tuple[str, ...]  # cost groups in order of first appearance
    anc_ptr: np.ndarray  # int64[M + 2]: each output's backward pass (kernels/network.py)
    anc_task: np.ndarray  # int64[...]: its tasks, in reverse topological order
    member: np.ndarray  # int8[M + 1, n]: 0 outside the pass, 1 ancestor, 2 waited on
    # date constraints (last, with defaults: a network built without them has none)
    con: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))  # float64[n, 3]:
    # earliest finish (0: none), latest start, latest finish (+inf: none), union days
    con_set: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # int64[n]:
    # 1 mandatory start, 2 mandatory finish, 0 neither
    con_hard: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))  # int64[1]:
    # 1 when mandatory and latest dates apply (hard constraints, the plan)
    alap: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # int64[k]: the
    # tasks placed as late as possible (bit ALAP), in reverse topological order
    # the calendar each link's lag counts on where it is not its successor's (LAG_ON_SUCCESSOR
    # otherwise), in the order of the predecessor and of the successor arrays
    pred_lcal: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    succ_lcal: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # float64[n]: the actual cost of a started task to the data date (0: none)
    actual_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # float64[1]: where the project's backward pass starts, union days: +inf for each
    # iteration's own finish; the plan's must-finish-by date (point_network)
    finish_by: np.ndarray = field(default_factory=lambda: np.full(1, np.inf))
    # the tasks with a latest start date (not started), whose start is an output of its
    # own after the cost spans (its ``ms_task`` entry ``~t``: the kernel reads ES)
    start_ids: tuple[str, ...] = ()
    finish_ids: tuple[str, ...] = ()
    # levels of effort and WBS summaries (bit HAMMOCK), dated after the forward pass from
    # the rows they read (kernels/args.py Schedule, kernels/network.py)
    hammock: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    hammock_ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    hammock_row: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    hammock_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    hammock_lag: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hammock_lcal: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __post_init__(self) -> None:
        """Fill the constraint arrays of a network built without them (a reference
        compiler, an older caller): no task then has a constraint."""
        n = len(self.task_ids)
        if self.con.shape[0] != n:
            none = np.zeros((n, 3))
            none[:, 1:] = np.inf
            object.__setattr__(self, "con", none)
        if self.con_set.shape[0] != n:
            object.__setattr__(self, "con_set", np.zeros(n, np.int64))
        if self.actual_cost.shape[0] != n:
            object.__setattr__(self, "actual_cost", np.zeros(n))
        # (the successor arrays leave out links to finished tasks: sizes may differ)
        for name, links in (("pred_lcal", self.pred_gather), ("succ_lcal", self.succ_gather)):
            if getattr(self, name).shape[0] != links.shape[0]:
                object.__setattr__(self, name, np.full(links.shape[0], LAG_ON_SUCCESSOR, np.int64))

    @property
    def n_tasks(self) -> int:
        """Tasks in the network."""
        return len(self.task_ids)

    def kernel_args(self) -> args.Network:
        """The arrays grouped as the kernels take them (kernels/args.py): the one place
        that puts each array in its group."""
        return args.Network(
            tasks=args.Tasks(
                code=self.code,
                par=self.par,
                tables=self.tables,
                stream_lo=self.stream_lo,
                stream_hi=self.stream_hi,
                exist_p=self.exist_p,
                corr_slot=self.corr_slot,
            ),
            links=args.Links(
                pred_ptr=self.pred_ptr,
                pred_nstart=self.pred_nstart,
                pred_gather=self.pred_gather,
                pred_lag=self.pred_lag,
                succ_ptr=self.succ_ptr,
                succ_nfinish=self.succ_nfinish,
                succ_gather=self.succ_gather,
                succ_lag=self.succ_lag,
            ),
            milestones=args.Milestones(ms_ptr=self.ms_ptr, ms_task=self.ms_task),
            crit_sets=args.CritSets(
                anc_ptr=self.anc_ptr, anc_task=self.anc_task, member=self.member
            ),
            risks=args.Risks(
                p=self.risk_p,
                stream_lo=self.risk_stream_lo,
                stream_hi=self.risk_stream_hi,
                imp_ptr=self.imp_ptr,
                imp_risk=self.imp_risk,
                imp_draw=self.imp_draw,
                imp_kind=self.imp_kind,
                imp_code=self.imp_code,
                imp_par=self.imp_par,
                imp_slot=self.imp_slot,
            ),
            copula=args.Copula(
                group_ptr=self.group_ptr,
                slot_stream=self.slot_stream,
                slot_draw=self.slot_draw,
                factor=self.factor,
                factor_ptr=self.factor_ptr,
            ),
            schedule=args.Schedule(
                task_cal=self.task_cal,
                task_mode=self.task_mode,
                fix_es=self.fix_es,
                fix_ef=self.fix_ef,
                con=self.con,
                con_set=self.con_set,
                con_hard=self.con_hard,
                task_slow=self.task_slow,
                succ_cal=self.succ_cal,
                data_time=self.data_time,
                fm_open=self.fm_open,
                alap=self.alap,
                pred_lcal=self.pred_lcal,
                succ_lcal=self.succ_lcal,
                hammock=self.hammock,
                hammock_ptr=self.hammock_ptr,
                hammock_row=self.hammock_row,
                hammock_kind=self.hammock_kind,
                hammock_lag=self.hammock_lag,
                hammock_lcal=self.hammock_lcal,
                finish_by=self.finish_by,
            ),
            calendars=args.Calendars(*self.timeline.tables),
            cost=args.Cost(
                code=self.cost_code,
                par=self.cost_par,
                has_cost=self.has_cost,
                task_group=self.task_group,
                actual=self.actual_cost,
            ),
        )

    @property
    def n_links(self) -> int:
        """Links (predecessor entries) in the network."""
        return int(self.pred_ptr[-1])

    @property
    def has_costs(self) -> bool:
        """Whether any task or risk impact carries money (``task_slow`` bit HAS_COST)."""
        return bool((self.task_slow & HAS_COST).any())

    def without_costs(self) -> CompiledNetwork:
        """The same network with the money left out, for runs that only need times (the
        risk drivers' re-runs, the pilot sizing the finish-day counts)."""
        return dataclasses.replace(self, task_slow=self.task_slow & ~np.int64(HAS_COST))


UNGROUPED = "ungrouped"  # the cost group of costs without one, once groups are used
MITIGATION_GROUP = "mitigation"  # the cost group of mitigation spend in a mitigated run


def uses_groups(scenario: Scenario) -> bool:
    """Whether the scenario sorts its costs into groups (a task's or a cost item's
    ``group``): then every cost is in exactly one group (UNGROUPED when it names none)."""
    return any(t.group for t in scenario.tasks) or any(c.group for c in scenario.costs)


FINISHED = 1  # task_mode of a task with an actual finish
IN_PROGRESS = 2  # task_mode of a task that has started and not finished


def duration_to_draw(task: Task, mode: int) -> Distribution:
    """The distribution a task's duration is drawn from: its remaining duration when it
    is in progress (``mode`` is :data:`IN_PROGRESS`) and one is given, else its duration."""
    if mode == IN_PROGRESS and task.remaining is not None:
        return task.remaining
    return task.duration


def compile_network(
    scenario: Scenario,
    *,
    mitigated: bool = False,
    without: frozenset[str] = frozenset(),
    strict: bool = False,
) -> CompiledNetwork:
    """Validate references, order tasks topologically and flatten everything to arrays.

    ``mitigated`` compiles every risk's post-mitigation state; risks named in
    ``without`` never occur (their probability is 0). Either way the random draws of
    every entity stay the same. Inconsistent correlations are repaired with a warning,
    or rejected when ``strict``.

    Compiling the same scenario object again (another risk state, the register's or a
    plan's second run) reuses everything but the risks: models are frozen, so the tasks,
    links, milestones, calendars and correlations compile to the same arrays.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    mitigated : bool, default False
        Compile every risk after mitigation.
    without : frozenset of str, default frozenset()
        Risk ids that never occur (the risk drivers' reruns).
    strict : bool, default False
        Reject inconsistent correlations instead of repairing them.

    Returns
    -------
    CompiledNetwork
        The network as the kernels take it.

    Raises
    ------
    ScenarioError
        If the scenario is invalid (:func:`riskengine.validate`) or its correlations
        cannot be met and ``strict`` is set.
    """
    base = _base(scenario, strict)
    if base.repairs and strict:
        raise ScenarioError(base.repairs[0], field="correlations")
    for msg in base.repairs:
        warnings.warn(msg, RiskEngineWarning, stacklevel=2)
    return _with_risks(base, scenario, mitigated, without)


def compile_variant(
    scenario: Scenario, like: Scenario, *, mitigated: bool = False, strict: bool = False
) -> CompiledNetwork:
    """:func:`compile_network` of ``scenario``, a variant of ``like`` (a scenario compiled
    before, e.g. the baseline of an option comparison): when the two differ only in their
    risks and cost items (mitigations, added costs), ``like``'s network is reused and only
    the risks and cost spans are compiled again. Every other part is compared first, so
    any other change compiles ``scenario`` in full; either way the arrays are the same as
    compiling it from scratch. ``scenario`` is validated in full as always."""
    if not _same_network(scenario, like):
        return compile_network(scenario, mitigated=mitigated, strict=strict)
    checked_order(scenario)
    base = _base(like, strict)
    if base.repairs and strict:
        raise ScenarioError(base.repairs[0], field="correlations")
    for msg in base.repairs:
        warnings.warn(msg, RiskEngineWarning, stacklevel=2)
    return _with_risks(base, scenario, mitigated, frozenset())


def _same_network(a: Scenario, b: Scenario) -> bool:
    """Whether everything the risk-free part of a compiled network is built from is equal
    in ``a`` and ``b``: tasks, milestones, the calendars in use, dates and correlations
    (and the risks, when a correlation names risks, whose draws then join the copula).
    Cost items may differ: their spans are compiled with the risks."""
    return (
        a.tasks == b.tasks
        and a.milestones == b.milestones
        and list(calendars_in_use(a).items()) == list(calendars_in_use(b).items())
        and (a.start, a.data_date) == (b.start, b.data_date)
        and a.simulation.constraints == b.simulation.constraints
        and a.correlations == b.correlations
        and (a.risks == b.risks or not any(c.risks for c in a.correlations))
    )


@dataclass(frozen=True, eq=False)
class _Base:
    """Everything of a compiled scenario that its risk state leaves alone: the network
    with the risks of no state (``net``), and what the risk arrays are built from."""

    net: CompiledNetwork
    pos: dict[str, int]  # task id -> topological position
    tables: TableBuilder  # the tasks' tables, to which the risks' are added
    group_of: dict[str, int]  # cost group -> index, before UNGROUPED
    slot_of: dict[tuple, int]  # (kind, id, draw) -> copula slot
    repairs: list[str]  # correlation repairs, warned at each compile
    ms_member: np.ndarray  # int8[M, n]: the milestones' rows of ``member``
    ms_ptr: np.ndarray  # the milestones' ends, before any cost span's
    ms_task: np.ndarray
    spans: list[CostItem]  # the cost items with a span the base's outputs have


_BASES: dict[int, tuple[weakref.ref, _Base]] = {}


def _base(scenario: Scenario, strict: bool) -> _Base:
    """:func:`_compile_base`, once per scenario object (models are frozen). ``strict``
    rejects inconsistent correlations before any repair is computed; a base compiled
    either way serves both, as it keeps the repairs it made."""
    key = id(scenario)
    hit = _BASES.get(key)
    if hit is not None and hit[0]() is scenario:
        return hit[1]
    base = _compile_base(scenario, strict)
    _BASES[key] = (weakref.ref(scenario, lambda _: _BASES.pop(key, None)), base)
    return base


def _compile_base(scenario: Scenario, strict: bool) -> _Base:
    """The scenario compiled without its risks: tasks, links, outputs, calendars,
    progress, costs and correlation groups, a whole array at a time where the model
    allows (a Python pass over the tasks reads their fields once)."""
    order = checked_order(scenario)
    n = len(order)
    tasks = [scenario.tasks[i] for i in order]
    if any(t.type != "task" for t in tasks):
        # levels of effort and WBS summaries last: the kernel dates them when its task
        # loop has dated every other task (their links are in no other task's lists)
        tasks = [t for t in tasks if t.type == "task"] + [t for t in tasks if t.type != "task"]
    pos = {t.id: k for k, t in enumerate(tasks)}

    tables = TableBuilder()
    timeline = build_timeline(scenario)
    index, project = timeline.index, timeline.project
    task_cal = np.array([index[t.calendar] if t.calendar else project for t in tasks], np.int64)
    task_mode, fix_es, fix_ef = _progress(scenario, tasks, timeline)
    con, con_set = _constraints(tasks, timeline)
    data_time = timeline.start_of(scenario.data_date) if scenario.data_date else 0.0
    draws = [t.duration for t in tasks]
    for k in np.flatnonzero(task_mode == IN_PROGRESS).tolist():
        draws[k] = duration_to_draw(tasks[k], IN_PROGRESS)
    encoded: list[tuple[int, np.ndarray]] = []
    cost_code = np.zeros((n, 2), np.int64)
    cost_par = np.zeros((n, 2, NPAR))
    has_cost = np.zeros(n, np.int64)
    actual_cost = np.zeros(n)
    group_of: dict[str, int] = {}
    task_group = np.full(n, -1, np.int64)
    for k, t in enumerate(tasks):
        encoded.append(tables.encode(draws[k]))  # tables in task order, costs after each
        if t.cost is not None:
            has_cost[k] = 1
            for j, part in enumerate((t.cost.fixed, t.cost.per_day)):
                if part is not None:
                    cost_code[k, j], cost_par[k, j] = tables.encode(part)
        if t.actual_cost is not None and task_mode[k] != 0:
            has_cost[k] = 1
            actual_cost[k] = t.actual_cost
        if t.group:
            task_group[k] = group_of.setdefault(t.group, len(group_of))
    code = np.array([e[0] for e in encoded], np.int64)
    par = np.array([e[1] for e in encoded], np.float64).reshape(n, NPAR)
    streams = np.array([stream_of("task", t.id) for t in tasks], np.uint64)

    links = _flat_links(tasks, pos)
    if scenario.progress_logic == "retained":
        links = _through_finished(links, task_mode, np.array([t.type == "task" for t in tasks]))
    lcal = _lag_calendars(scenario, timeline, links, task_cal)
    # the links of levels of effort date them only: the other tasks' passes never see them
    is_hammock = np.array([t.type != "task" for t in tasks], bool)
    links, lcal, hammocks = _split_hammock_links(tasks, pos, is_hammock, links, lcal)
    done = task_mode == FINISHED
    pred_ptr, pred_nstart, gather, lags, succ = _link_arrays(n, *links, task_cal, lcal, done)
    succ_ptr, succ_nfinish, s_gather, s_lag, s_cal, p_lcal, s_lcal = succ
    forward_slow = (task_cal >= 0) | (task_mode != 0) | (fix_es != 0)
    forward_slow |= (con[:, 0] != 0) | (con_set != 0)
    backward_slow = (task_cal >= 0) | (task_mode != 0) | (con[:, 1:] < np.inf).any(axis=1)
    # a task whose successor runs on its own calendar converts its backward limits
    owner = np.repeat(np.arange(n), np.diff(succ_ptr))
    backward_slow[owner[s_cal >= 0]] = True
    # a lag on another calendar than the successor's converts in both passes
    other = lcal != LAG_ON_SUCCESSOR
    forward_slow[links[0][other]] = True
    backward_slow[links[1][other]] = True
    task_slow = np.zeros(n, np.int64)
    task_slow[forward_slow] |= FORWARD_SLOW
    task_slow[backward_slow] |= BACKWARD_SLOW
    task_slow[has_cost != 0] |= HAS_COST
    # an actual cost given: the rate charges only the remaining working days
    actual_given = np.array([t.actual_cost is not None for t in tasks], bool)
    task_slow[actual_given & (task_mode != 0)] |= REMAINING_COST
    task_slow |= milestone_bits(tasks)
    if scenario.progress_logic == "retained":  # work in progress waits for its predecessors
        task_slow[task_mode == IN_PROGRESS] |= RETAINED_LOGIC
    # as late as possible: only work not started yet is placed
    alap = np.array([any(c.kind == AS_LATE for c in t.constraints) for t in tasks], bool)
    task_slow[alap & (task_mode == 0)] |= ALAP
    # dated by the hammock pass alone (FORWARD_SLOW: the full kernel runs it)
    kept_bits = HAS_COST | REMAINING_COST
    task_slow[is_hammock] = (task_slow[is_hammock] & kept_bits) | FORWARD_SLOW | HAMMOCK
    keep = _needed_links(n, links, task_slow, code, par, tables.array())
    if keep is not None:  # a dense network: drop the links that never decide a date
        succ_a, pred_a, kind_a, lag_a = links
        kept = (succ_a[keep], pred_a[keep], kind_a[keep], lag_a[keep])
        dense = _link_arrays(n, *kept, task_cal, lcal[keep], done)
        pred_ptr, pred_nstart, gather, lags, succ = dense
        succ_ptr, succ_nfinish, s_gather, s_lag, s_cal, p_lcal, s_lcal = succ

    # the kernel's outputs: the milestones, then the spans of cost items that end with
    # some tasks' finish (a portfolio project's own items), then the project finish
    spans = [c for c in scenario.costs if c.span]
    ms_ptr, ms_task = _end_tasks([m.after for m in scenario.milestones], pos)
    targets = np.full(len(scenario.milestones), np.nan)
    for m_i, m in enumerate(scenario.milestones):
        if m.target_date is not None:
            targets[m_i] = timeline.end_of(m.target_date)
        elif m.target is not None:
            targets[m_i] = timeline.from_project_days(m.target)
    ms_member = _milestone_members(n, pred_ptr, gather, ms_ptr, ms_task)
    # a task not started with a latest start date: its start is an output, for the
    # chance of meeting that date
    starts = tuple(
        t.id
        for k, t in enumerate(tasks)
        if task_mode[k] == 0 and any(c.kind in START_UPPER and c.date for c in t.constraints)
    )
    # one not finished with a latest finish at a time of day: its finish too (the day
    # counts cannot tell a finish at 11:00 from one at 15:00)
    finishes = tuple(
        t.id
        for k, t in enumerate(tasks)
        if task_mode[k] != 1
        and any(c.kind in FINISH_UPPER and isinstance(c.date, _dt.datetime) for c in t.constraints)
    )
    outputs = _outputs(ms_member, ms_ptr, ms_task, spans, pos, is_hammock, starts, finishes)

    corr_slot = np.full(n, -1, np.int64)
    corr_group = np.full(n, -1, np.int64)
    group_ptr = [0]
    slots: list[tuple[int, int, int]] = []
    slot_of: dict[tuple, int] = {}
    factors: list[np.ndarray] = []
    factor_ptr = [0]
    repairs: list[str] = []
    for g, (members, factor) in enumerate(
        correlation.groups(scenario, pos, strict=strict, repairs=repairs)
    ):
        for kind, eid, draw in members:
            slot_of[(kind, eid, draw)] = len(slots)
            if kind == "task":
                corr_slot[pos[eid]] = len(slots)
                corr_group[pos[eid]] = g
            slots.append((*split64(stream_of(kind, eid)), draw))
        group_ptr.append(len(slots))
        factors.append(factor.ravel())
        factor_ptr.append(factor_ptr[-1] + factor.size)

    net = CompiledNetwork(
        task_ids=tuple(t.id for t in tasks),
        code=code,
        par=par,
        tables=tables.array(),
        stream_lo=streams & np.uint64(0xFFFFFFFF),
        stream_hi=streams >> np.uint64(32),
        pred_ptr=pred_ptr,
        pred_nstart=pred_nstart,
        pred_gather=gather,
        pred_lag=lags,
        succ_ptr=succ_ptr,
        succ_nfinish=succ_nfinish,
        succ_gather=s_gather,
        succ_lag=s_lag,
        milestone_ids=tuple(m.id for m in scenario.milestones),
        span_ids=outputs.span_ids,
        start_ids=outputs.start_ids,
        finish_ids=outputs.finish_ids,
        ms_ptr=outputs.ms_ptr,
        ms_task=outputs.ms_task,
        targets=targets,
        exist_p=np.array([float(t.existence) for t in tasks]),
        risk_ids=(),  # the risks are compiled by _with_risks
        risk_p=np.zeros(0),
        risk_stream_lo=np.zeros(0, np.uint64),
        risk_stream_hi=np.zeros(0, np.uint64),
        imp_ptr=np.zeros(n + 1, np.int64),
        imp_risk=np.zeros(0, np.int64),
        imp_draw=np.zeros(0, np.int64),
        imp_kind=np.zeros(0, np.int64),
        imp_code=np.zeros(0, np.int64),
        imp_par=np.zeros((0, NPAR)),
        corr_slot=corr_slot,
        corr_group=corr_group,
        group_ptr=np.asarray(group_ptr, np.int64),
        slot_stream=np.array([sl[:2] for sl in slots], np.uint64).reshape(len(slots), 2),
        slot_draw=np.array([sl[2] for sl in slots], np.int64),
        imp_slot=np.zeros(0, np.int64),
        factor=np.concatenate(factors) if factors else np.zeros(1),
        factor_ptr=np.asarray(factor_ptr, np.int64),
        timeline=timeline,
        task_cal=task_cal,
        task_mode=task_mode,
        fix_es=fix_es,
        fix_ef=fix_ef,
        con=con,
        con_set=con_set,
        con_hard=np.array([constraint_policy(scenario) == "hard"], np.int64),
        alap=np.flatnonzero(task_slow & ALAP)[::-1].astype(np.int64),
        pred_lcal=p_lcal,
        succ_lcal=s_lcal,
        actual_cost=actual_cost,
        **hammocks,
        task_slow=task_slow,
        succ_cal=s_cal,
        data_time=np.array([data_time]),
        fm_open=_opening_moments(tasks, scenario, timeline, data_time),
        cost_code=cost_code,
        cost_par=cost_par,
        has_cost=has_cost,
        task_group=task_group,
        group_ids=tuple(group_of),
        anc_ptr=outputs.anc_ptr,
        anc_task=outputs.anc_task,
        member=outputs.member,
    )
    return _Base(net, pos, tables, group_of, slot_of, repairs, ms_member, ms_ptr, ms_task, spans)


def _with_risks(
    base: _Base, scenario: Scenario, mitigated: bool, without: frozenset[str]
) -> CompiledNetwork:
    """The base network with the risks in one state: their probabilities and impacts
    (appended to a copy of the base's tables), the money they put on tasks and the
    copula slots of their draws. The base's arrays are shared, never changed."""
    net, pos = base.net, base.pos
    tables = base.tables.copy() if scenario.risks else base.tables
    risk_p = np.zeros(len(scenario.risks))
    entries: list[tuple[int, int, int, int, int, np.ndarray]] = []
    finished = net.task_mode == 1
    for r_i, risk in enumerate(scenario.risks):
        p, impacts = risk.state(mitigated)
        risk_p[r_i] = 0.0 if risk.id in without else p
        for j, imp in enumerate(impacts):
            k = pos[imp.task]
            if finished[k]:
                continue  # a risk no longer touches finished work
            for kind, key in enumerate(("delay", "delay_pct", "cost")):
                dist = getattr(imp, key)
                if dist is not None:
                    code_k, par_k = tables.encode(dist)
                    entries.append((k, r_i, impact_draw(j, key), kind, code_k, par_k))
    n = net.n_tasks
    # each task's impacts together, in the order found (risk, impact, kind)
    at = np.array([e[0] for e in entries], np.int64)
    order = np.argsort(at, kind="stable")
    flat = [entries[i] for i in order.tolist()]
    imp_ptr = np.zeros(n + 1, np.int64)
    imp_ptr[1:] = np.cumsum(np.bincount(at, minlength=n))
    imp_kind = np.array([e[3] for e in flat], np.int64)
    money = np.zeros(n, bool)
    money[at[np.array([e[3] == 2 for e in entries], bool)]] = True
    task_slow = net.task_slow.copy()
    task_slow[money] |= HAS_COST
    task_group = net.task_group
    group_of = base.group_of
    if uses_groups(scenario):
        # every cost lands in a group, so the groups add up to the total
        loose = ((net.has_cost != 0) | money) & (task_group < 0)
        if loose.any():
            group_of = dict(group_of)
            task_group = task_group.copy()
            task_group[loose] = group_of.setdefault(UNGROUPED, len(group_of))
    risk_ids = tuple(r.id for r in scenario.risks)
    streams = np.array([stream_of("risk", rid) for rid in risk_ids], np.uint64)
    slot_of = base.slot_of
    spans = [c for c in scenario.costs if c.span]
    same = [(c.id, c.span) for c in spans] == [(c.id, c.span) for c in base.spans]
    outputs = (
        _Outputs.of(net)
        if same
        else _outputs(
            base.ms_member,
            base.ms_ptr,
            base.ms_task,
            spans,
            pos,
            (net.task_slow & HAMMOCK) != 0,
            net.start_ids,
            net.finish_ids,
        )
    )
    return dataclasses.replace(
        net,
        **{f.name: getattr(outputs, f.name) for f in dataclasses.fields(outputs)},
        tables=tables.array(),
        risk_ids=risk_ids,
        risk_p=risk_p,
        risk_stream_lo=streams & np.uint64(0xFFFFFFFF),
        risk_stream_hi=streams >> np.uint64(32),
        imp_ptr=imp_ptr,
        imp_risk=np.array([e[1] for e in flat], np.int64),
        imp_draw=np.array([e[2] for e in flat], np.int64),
        imp_kind=imp_kind,
        imp_code=np.array([e[4] for e in flat], np.int64),
        imp_par=np.array([e[5] for e in flat], np.float64).reshape(len(flat), NPAR),
        imp_slot=np.array(
            [slot_of.get(("risk", risk_ids[e[1]], e[2]), -1) for e in flat], np.int64
        ),
        task_slow=task_slow,
        task_group=task_group,
        group_ids=tuple(group_of),
    )


_TYPE_CODE = {t: i for i, t in enumerate(LINK_TYPES)}  # FS 0, SS 1, FF 2, SF 3
_READS_FINISH_A = np.array([_READS_FINISH[t] for t in LINK_TYPES], np.int64)
_SETS_FINISH_A = np.array([t in ("FF", "SF") for t in LINK_TYPES], np.int64)


_Links = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _flat_links(tasks: list, pos: dict[str, int]) -> _Links:
    """Every link in file order (tasks in topological order): its successor's and its
    predecessor's position, its type code (_TYPE_CODE) and its lag."""
    n = len(tasks)
    links = [lk for t in tasks for lk in t.predecessors]
    succ_a = np.repeat(np.arange(n), [len(t.predecessors) for t in tasks])
    pred_a = np.array([pos[lk.task] for lk in links], np.int64)
    kind_a = np.array([_TYPE_CODE[lk.type] for lk in links], np.int64)
    lag_a = np.array([lk.lag for lk in links], np.float64)
    return succ_a, pred_a, kind_a, lag_a


def _through_finished(links: _Links, mode: np.ndarray, plain: np.ndarray) -> _Links:
    """The links with, under retained logic, the logic kept through finished tasks, as
    P6 keeps it: a task finished out of sequence, while something it depends on is not,
    holds its successors back as if it took no time after that (P6 dates it there). Each
    link from a finished task F to a task not finished gains a link from every task not
    finished that F depends on through finished tasks only, joining the two links' ends
    (P's end of the first, S's end of the second) and adding their lags. The links of
    levels of effort and WBS summaries (``plain`` False) are left as they are."""
    succ_a, pred_a, kind_a, lag_a = links
    done = mode == FINISHED
    into: dict[int, list[int]] = {}
    for j, s_ in enumerate(succ_a.tolist()):
        into.setdefault(s_, []).append(j)
    open_ancestors: dict[int, dict[tuple[int, int], float]] = {}

    def ancestors(f: int) -> dict[tuple[int, int], float]:
        """(task not finished, reads its finish) -> the longest lag to finished task f."""
        if f in open_ancestors:
            return open_ancestors[f]
        out: dict[tuple[int, int], float] = {}
        open_ancestors[f] = out
        for j in into.get(f, ()):
            p = int(pred_a[j])
            if not plain[p]:
                continue
            reached = {(p, int(_READS_FINISH_A[kind_a[j]])): 0.0} if not done[p] else ancestors(p)
            for key, lag in reached.items():
                out[key] = max(out.get(key, -np.inf), lag + float(lag_a[j]))
        return out

    extra: list[tuple[int, int, int, float]] = []
    for j in range(succ_a.size):
        f, s_ = int(pred_a[j]), int(succ_a[j])
        if not done[f] or done[s_] or not plain[f] or not plain[s_]:
            continue
        for (p, finish), lag in ancestors(f).items():
            ends = ("F" if finish else "S") + ("F" if _SETS_FINISH_A[kind_a[j]] else "S")
            code = _TYPE_CODE[ends]
            extra.append((s_, p, code, lag + float(lag_a[j])))
    if not extra:
        return links
    order = np.argsort(np.concatenate([succ_a, np.array([e[0] for e in extra])]), kind="stable")
    return tuple(
        np.concatenate([a, np.array([e[i] for e in extra], a.dtype)])[order]
        for i, a in enumerate((succ_a, pred_a, kind_a, lag_a))
    )  # type: ignore[return-value]


def _split_hammock_links(
    tasks: list[Task],
    pos: dict[str, int],
    is_hammock: np.ndarray,
    links: _Links,
    lcal: np.ndarray,
) -> tuple[_Links, np.ndarray, dict[str, np.ndarray]]:
    """The links (:func:`_flat_links`) and their lag calendars without those of the levels
    of effort (a WBS summary has none), and the hammock pass's arrays (CompiledNetwork
    ``hammock*``): the levels of effort, then the WBS summaries, each in topological
    order. A level of effort reads its predecessors' dates (row ``2 * pred +
    reads_finish``, HAMMOCK_PREDECESSOR) and its successors' early start (FS, SS) or
    finish (FF, SF) (HAMMOCK_SUCCESSOR); a summary its members' early starts, then their
    early finishes."""
    succ_a, pred_a, kind_a, lag_a = links
    touch = is_hammock[succ_a] | is_hammock[pred_a]
    main = (succ_a[~touch], pred_a[~touch], kind_a[~touch], lag_a[~touch])
    h_succ, h_pred, h_kind, h_lag, h_lcal = (
        succ_a[touch],
        pred_a[touch],
        kind_a[touch],
        lag_a[touch],
        lcal[touch],
    )
    loe = [k for k in np.flatnonzero(is_hammock).tolist() if tasks[k].type == LEVEL_OF_EFFORT]
    summaries = [k for k in np.flatnonzero(is_hammock).tolist() if tasks[k].type != LEVEL_OF_EFFORT]
    ptr, row, kind, lag, lc = [0], [], [], [], []
    for h in loe:
        into = np.flatnonzero(h_succ == h)
        out = np.flatnonzero(h_pred == h)
        row += (2 * h_pred[into] + _READS_FINISH_A[h_kind[into]]).tolist()
        row += (2 * h_succ[out] + _SETS_FINISH_A[h_kind[out]]).tolist()
        kind += [HAMMOCK_PREDECESSOR] * into.size + [HAMMOCK_SUCCESSOR] * out.size
        lag += h_lag[into].tolist() + h_lag[out].tolist()
        lc += h_lcal[into].tolist() + h_lcal[out].tolist()
        ptr.append(len(row))
    for h in summaries:
        members = [pos[m] for m in dict.fromkeys(tasks[h].summarises)]
        row += [2 * m for m in members] + [2 * m + 1 for m in members]
        kind += [HAMMOCK_MEMBER_START] * len(members) + [HAMMOCK_MEMBER_FINISH] * len(members)
        lag += [0.0] * (2 * len(members))
        lc += [LAG_ON_SUCCESSOR] * (2 * len(members))
        ptr.append(len(row))
    arrays = {
        "hammock": np.array(loe + summaries, np.int64),
        "hammock_ptr": np.array(ptr, np.int64),
        "hammock_row": np.array(row, np.int64),
        "hammock_kind": np.array(kind, np.int64),
        "hammock_lag": np.array(lag, np.float64),
        "hammock_lcal": np.array(lc, np.int64),
    }
    return main, lcal[~touch], arrays


def _link_arrays(
    n: int,
    succ_a: np.ndarray,
    pred_a: np.ndarray,
    kind_a: np.ndarray,
    lag_a: np.ndarray,
    task_cal: np.ndarray,
    lcal_a: np.ndarray,
    done: np.ndarray | None = None,
) -> tuple:
    """The predecessor and successor CSR arrays (kernels/network.py) of the links
    (:func:`_flat_links`), built with numpy. The successor arrays leave out the links to
    finished tasks (``done``): finished work bounds no late date, as P6 leaves it out.

    Predecessors of each task: the links that constrain its start (FS, SS) first, each
    group in file order; gather row ``2 * pred + reads_finish``. Successors of each task:
    the links that read its finish (FS, FF) first, each group sorted by the successor's
    calendar (a lag counts on it; the backward pass converts once per calendar, not once
    per link), then in the order the predecessor lists give them; gather row
    ``2 * succ + sets_finish`` and the successor's calendar. Each link's lag calendar
    (``lcal_a``, :func:`_lag_calendars`) comes in both orders, last."""
    on_finish = _SETS_FINISH_A[kind_a]  # FF, SF: constrain the successor's finish
    order = np.lexsort((on_finish, succ_a))  # stable: file order within each group
    pred_ptr = np.zeros(n + 1, np.int64)
    pred_ptr[1:] = np.cumsum(np.bincount(succ_a, minlength=n))
    pred_nstart = np.bincount(succ_a[on_finish == 0], minlength=n).astype(np.int64)
    gather = (2 * pred_a + _READS_FINISH_A[kind_a])[order]
    # successors: grouped by predecessor, links reading its start (SS, SF) after the rest,
    # in the order of the predecessor lists above
    reads_start = 1 - _READS_FINISH_A[kind_a[order]]
    s_order = order[np.lexsort((task_cal[succ_a[order]], reads_start, pred_a[order]))]
    back = np.ones(succ_a.size, bool) if done is None else ~done[succ_a]
    s_order = s_order[back[s_order]]
    succ_ptr = np.zeros(n + 1, np.int64)
    succ_ptr[1:] = np.cumsum(np.bincount(pred_a[back], minlength=n))
    succ_nfinish = np.bincount(pred_a[(_READS_FINISH_A[kind_a] == 1) & back], minlength=n)
    s_gather = 2 * succ_a[s_order] + on_finish[s_order]
    s_cal = task_cal[succ_a[s_order]]
    return (
        pred_ptr,
        pred_nstart,
        gather,
        lag_a[order],
        (
            succ_ptr,
            succ_nfinish.astype(np.int64),
            s_gather,
            lag_a[s_order],
            s_cal,
            lcal_a[order],
            lcal_a[s_order],
        ),
    )


LAG_ON_SUCCESSOR = -2  # a link whose lag counts on its successor's calendar (kernels)


def _lag_calendars(
    scenario: Scenario, timeline: Timeline, links: _Links, task_cal: np.ndarray
) -> np.ndarray:
    """The calendar table row each link's lag counts on (``scenario.lag_calendar``), or
    LAG_ON_SUCCESSOR where that is the successor's calendar (the kernels' usual case) or
    the lag is 0 (no lag to count: the successor waits for the predecessor's date as it
    is)."""
    succ_a, pred_a, _, lag_a = links
    policy = scenario.lag_calendar
    if policy == "predecessor":
        lcal = task_cal[pred_a]
    elif policy == "project":
        lcal = np.full(succ_a.size, timeline.project, np.int64)
    elif policy == "24-hour":
        lcal = np.full(succ_a.size, timeline.index[FULL_DAY_CALENDAR.id], np.int64)
    else:
        lcal = task_cal[succ_a]
    same = (lcal == task_cal[succ_a]) | (lag_a == 0)
    return np.where(same, LAG_ON_SUCCESSOR, lcal).astype(np.int64)


DENSE = 4.0  # links per task from which redundant links are looked for
DENSE_TASKS = 5_000  # and tasks up to which (the search keeps a bit set of tasks per task)


def _needed_links(
    n: int,
    links: _Links,
    task_slow: np.ndarray,
    code: np.ndarray,
    par: np.ndarray,
    tables: np.ndarray,
) -> np.ndarray | None:
    """Which links (:func:`_flat_links`) to keep in a dense network: all but the
    redundant finish-to-start ones, or None (keep all) for a sparse or large network.

    A link a → c (FS, no lag) is redundant when c has another such predecessor b that a
    reaches through such links, every task on the way plain (union days, not started, no
    constraint, a duration that cannot be negative). Then in every iteration the path
    gives c a start no earlier than a's finish: each step adds a non-negative duration
    (risks' delays are floored at 0, a task that does not happen lasts 0) and a max never
    lowers a value; backwards, each step subtracts one and a min never raises it, so a's
    late finish is the same without the link. Dropping such links changes no result, bit
    for bit, while the kernel skips them in every iteration: RanGen-like networks have
    ten times more links than they need."""
    succ_a, pred_a, kind_a, lag_a = links
    if succ_a.size < DENSE * n or n > DENSE_TASKS:
        return None
    simple = (task_slow & (FORWARD_SLOW | BACKWARD_SLOW | ALAP)) == 0
    plain = simple & _never_negative(code, par, tables)
    eligible = (kind_a == _TYPE_CODE["FS"]) & (lag_a == 0) & plain[succ_a] & plain[pred_a]
    keep = np.ones(succ_a.size, bool)
    # reach[t]: bit a set when plain task a reaches t along eligible links
    reach = [0] * n
    ptr = np.zeros(n + 1, np.int64)
    ptr[1:] = np.cumsum(np.bincount(succ_a, minlength=n))  # links are grouped by successor
    preds = pred_a.tolist()
    ok = eligible.tolist()
    for c in np.flatnonzero(plain).tolist():
        mine = [k for k in range(ptr[c], ptr[c + 1]) if ok[k]]
        if not mine:
            continue
        via = 0
        for k in mine:
            via |= reach[preds[k]]
        own = 0
        for k in mine:
            if via >> preds[k] & 1:
                keep[k] = False
            own |= 1 << preds[k]
        reach[c] = via | own
    return keep


def _never_negative(code: np.ndarray, par: np.ndarray, tables: np.ndarray) -> np.ndarray:
    """bool[task]: whether a duration can never be sampled below 0 (parsed distributions
    never are; a Distribution built by hand might be)."""
    ok = np.zeros(code.size, bool)
    low, span = par[:, 0], par[:, 1]
    ok[code == ks.FIXED] = (low >= 0)[code == ks.FIXED]
    bounded = (code == ks.UNIFORM) | (code == ks.TABLE)
    ok[bounded] = ((low >= 0) & (low + span >= 0))[bounded]
    ok[code == ks.TRIANGULAR] = ((low >= 0) & (span >= 0))[code == ks.TRIANGULAR]
    ok[(code == ks.NORMAL) | (code == ks.LOGNORMAL)] = True  # truncated at 0, or positive
    for k in np.flatnonzero(code == ks.DISCRETE).tolist():
        off, count = int(par[k, 0]), int(par[k, 1])
        ok[k] = tables[off + count : off + 2 * count].min() >= 0
    return ok


def _end_tasks(ends: list[tuple[str, ...]], pos: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """CSR of the tasks each output waits for (each task once), as ``ms_ptr``, ``ms_task``."""
    per_output = [[pos[tid] for tid in dict.fromkeys(after)] for after in ends]
    ptr = np.zeros(len(ends) + 1, np.int64)
    ptr[1:] = np.cumsum([len(x) for x in per_output], dtype=np.int64)
    return ptr, np.array([k for x in per_output for k in x], np.int64)


def _milestone_members(
    n: int, pred_ptr: np.ndarray, gather: np.ndarray, ms_ptr: np.ndarray, ms_task: np.ndarray
) -> np.ndarray:
    """int8[milestone, task]: 2 for the tasks a milestone waits on, 1 for the other tasks
    that can reach them (its ancestors), 0 elsewhere (kernels/network.py, "Criticality
    per milestone")."""
    n_milestones = len(ms_ptr) - 1
    member = np.zeros((n_milestones, n), np.int8)
    if n_milestones:
        member[_reach(n, pred_ptr, gather, ms_ptr, ms_task, n_milestones)] = 1
        m_of = np.repeat(np.arange(n_milestones), np.diff(ms_ptr))
        member[m_of, ms_task] = 2
    return member


@dataclass(frozen=True)
class _Outputs:
    """The kernel's outputs (milestones, cost spans, the project) and their backward
    passes: the fields of CompiledNetwork of those names."""

    span_ids: tuple[str, ...]
    ms_ptr: np.ndarray
    ms_task: np.ndarray
    anc_ptr: np.ndarray
    anc_task: np.ndarray
    member: np.ndarray
    start_ids: tuple[str, ...]
    finish_ids: tuple[str, ...]

    @classmethod
    def of(cls, net: CompiledNetwork) -> _Outputs:
        return cls(**{f.name: getattr(net, f.name) for f in dataclasses.fields(cls)})


def _outputs(
    ms_member: np.ndarray,
    ms_ptr: np.ndarray,
    ms_task: np.ndarray,
    spans: list[CostItem],
    pos: dict[str, int],
    hammock: np.ndarray,
    starts: tuple[str, ...] = (),
    finishes: tuple[str, ...] = (),
) -> _Outputs:
    """The outputs: the milestones (``ms_member`` their passes), then the cost ``spans``,
    then the ``starts`` of the tasks with a latest start date (entry ``~t``: task t's
    start, not its finish) and the ``finishes`` of those with a latest finish at a time
    of day (entry ``t``), whose passes are empty, then the project, whose pass is
    every task but the levels of effort and WBS summaries (``hammock``: never critical,
    they are in no pass); ``anc_task[anc_ptr[o]:anc_ptr[o+1]]`` lists output o's members
    in reverse topological order."""
    m, n = ms_member.shape
    span_ptr, span_task = _end_tasks([c.span for c in spans], pos)
    own = [~pos[tid] for tid in starts] + [pos[tid] for tid in finishes]
    span_ptr = np.concatenate([span_ptr, span_ptr[-1] + 1 + np.arange(len(own))])
    span_task = np.concatenate([span_task, np.array(own, np.int64)])
    member = np.zeros((m + len(spans) + len(own) + 1, n), np.int8)
    member[:m] = ms_member
    member[-1] = 2
    member[:, hammock] = 0
    rows, cols = np.nonzero(member[:, ::-1])  # row by row, tasks backwards
    anc_ptr = np.zeros(member.shape[0] + 1, np.int64)
    anc_ptr[1:] = np.cumsum(np.bincount(rows, minlength=member.shape[0]))
    return _Outputs(
        span_ids=tuple(c.id for c in spans),
        ms_ptr=np.concatenate([ms_ptr, ms_ptr[-1] + span_ptr[1:]]),
        ms_task=np.concatenate([ms_task, span_task]),
        anc_ptr=anc_ptr,
        anc_task=(n - 1 - cols).astype(np.int64),
        member=member,
        start_ids=starts,
        finish_ids=finishes,
    )


def _reach(
    n: int,
    pred_ptr: np.ndarray,
    gather: np.ndarray,
    ms_ptr: np.ndarray,
    ms_task: np.ndarray,
    n_milestones: int,
) -> np.ndarray:
    """bool[milestone, task]: whether the task can reach (or is) one of the milestone's
    tasks. One sweep in reverse topological order ORs each task's set of milestones into
    its predecessors': a set is a Python integer with a bit per milestone, so a link costs
    one OR for every milestone at once, and the sweep's cost does not depend on the
    network's depth (a level-by-level numpy sweep pays a few calls per level, which on
    deep schedules costs more than it saves). The sets are then unpacked in bulk."""
    reach = [0] * n
    m_of = np.repeat(np.arange(n_milestones), np.diff(ms_ptr))
    for t, m in zip(ms_task.tolist(), m_of.tolist(), strict=True):
        reach[t] |= 1 << m
    ptr = pred_ptr.tolist()
    pred = (gather >> 1).tolist()
    for t in range(n - 1, -1, -1):
        r = reach[t]
        if r:
            for p in pred[ptr[t] : ptr[t + 1]]:
                reach[p] |= r
    width = (n_milestones + 7) // 8
    packed = np.frombuffer(b"".join(r.to_bytes(width, "little") for r in reach), np.uint8)
    bits = np.unpackbits(packed.reshape(n, width), axis=1, count=n_milestones, bitorder="little")
    return bits.T.astype(bool)


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
            # a time of day counts by the clock of the task's own calendar
            es[k] = timeline.start_of(t.actual_start, t.calendar)
            if t.actual_finish is not None:
                mode[k] = 1
                ef[k] = max(es[k], timeline.end_of(t.actual_finish, t.calendar))
                if _same_day_after(t.actual_finish, scenario.data_date):
                    ef[k] = max(es[k], data)  # finished by the data date, on its day
            else:
                mode[k] = 2
                ef[k] = data if t.remaining is not None else es[k]
        else:
            es[k] = data
            if t.start_no_earlier_than is not None:
                es[k] = max(es[k], timeline.start_of(t.start_no_earlier_than))
            for c in t.constraints:
                if c.kind in START_LOWER and c.date is not None:
                    es[k] = max(es[k], timeline.start_of(c.date))
    return mode, es, ef


def _same_day_after(finish: _dt.date, data_date: _dt.date | None) -> bool:
    """Whether an actual finish given as a date alone falls on the day of a data date
    given with a time of day: finished by then, it ends at the data date at the latest,
    not at the end of that day."""
    return (
        isinstance(data_date, _dt.datetime)
        and not isinstance(finish, _dt.datetime)
        and finish == data_date.date()
    )


# The constraint kinds that limit each date (README "Constraints"); the start's lower
# limits join the data date in ``fix_es`` (a mandatory start is one too, which is all it
# is when constraints are soft).
START_LOWER = ("start-no-earlier-than", "start-on", "mandatory-start")
FINISH_LOWER = ("finish-no-earlier-than", "finish-on", "mandatory-finish")
START_UPPER = ("start-no-later-than", "start-on", "mandatory-start")
FINISH_UPPER = ("finish-no-later-than", "finish-on", "mandatory-finish")
MANDATORY = {"mandatory-start": 1, "mandatory-finish": 2}
AS_LATE = "as-late-as-possible"
POLICIES = ("soft", "hard")


def constraint_policy(scenario: Scenario) -> str:
    """The scenario's ``simulation.constraints`` (soft or hard), checked."""
    policy = scenario.simulation.constraints
    if policy not in POLICIES:
        raise ScenarioError(f"must be soft or hard, got {policy!r}", field="simulation.constraints")
    return policy


def _constraints(tasks: list, timeline: Timeline) -> tuple[np.ndarray, np.ndarray]:
    """Per task, the constraint limits other than the start's lower one (see ``_progress``)
    in union days: ``con[:, 0]`` the earliest finish (0: none), ``con[:, 1]`` the latest
    start and ``con[:, 2]`` the latest finish (+inf: none); and ``con_set`` 1 for a
    mandatory start, 2 for a mandatory finish. A start counts from the start of its
    day, a finish from the end of its day."""
    n = len(tasks)
    con = np.zeros((n, 3))
    con[:, 1:] = np.inf
    con_set = np.zeros(n, np.int64)
    for k, t in enumerate(tasks):
        for c in t.constraints:
            if c.date is None:  # as late as possible: placed by the kernel (bit ALAP)
                continue
            start, end = timeline.start_of(c.date), timeline.end_of(c.date)
            if c.kind in FINISH_LOWER:
                con[k, 0] = max(con[k, 0], end)
            if c.kind in START_UPPER:
                con[k, 1] = min(con[k, 1], start)
            if c.kind in FINISH_UPPER:
                con[k, 2] = min(con[k, 2], end)
            con_set[k] = MANDATORY.get(c.kind, con_set[k])
    return con, con_set


def _opening_moments(
    tasks: list[Task], scenario: Scenario, timeline: Timeline, data_time: float
) -> np.ndarray:
    """Per task, the union time at which a finish milestone is dated on the day that
    begins there, not the day before (kernels' ``fm_open``): the data date, or a later
    finish constraint's moment at (or before) the opening of its calendar's day, as P6
    dates them (the constraint's moment as the milestone's finish on its own calendar,
    as the kernel places it)."""
    cals = {c.id: c for c in scenario.calendars}
    project = scenario.project_calendar()
    out = np.full(len(tasks), data_time)
    for k, t in enumerate(tasks):
        cal = cals.get(t.calendar or "", project)
        for c in t.constraints:
            moment = c.date
            if c.kind in FINISH_LOWER and isinstance(moment, _dt.datetime):
                if 0 < moment.hour + moment.minute / 60 <= cal.day[0][0]:
                    row = timeline.index.get(cal.id, -1)
                    at = timeline.end_of(moment)
                    if row >= 0:  # the end of its last working day on its own calendar
                        at = float(
                            timeline.finish_time(
                                np.array([row]), np.atleast_1d(timeline.position(at, cal.id))
                            )[0]
                        )
                    out[k] = max(data_time, at)
    return out


def milestone_bits(tasks: list[Task]) -> np.ndarray:
    """The ``task_slow`` bits of the milestones: START_MILESTONE for a start milestone
    (its date is the day it starts), FINISH_MILESTONE for a finish milestone (a task of
    fixed duration 0 is one unless it says ``milestone: start``): on its own calendar
    its finish is the end of that calendar's last working day (on the union days a
    finish already is), and a finish at its ``fm_open`` moment is dated on that day."""
    bits = np.zeros(len(tasks), np.int64)
    for k, t in enumerate(tasks):
        if t.milestone == "start":
            bits[k] = START_MILESTONE
        elif t.milestone == "finish" or (
            t.duration.kind == "fixed" and t.duration.params.get("value") == 0
        ):
            bits[k] = FINISH_MILESTONE
    return bits
