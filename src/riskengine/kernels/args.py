"""The kernels' arguments: named tuples of arrays, defined once (no numba here).

numba types a ``typing.NamedTuple`` of arrays as a tuple (its field types are part of
the compiled signature, its class is pickled by reference in the on-disk cache), so the
kernels read the fields by name at no cost. ``CompiledNetwork.kernel_args`` builds
:class:`Network`, whose fields are the block kernel's parameters of the same names; the
runner adds :class:`Run`, :class:`Keys` and :class:`Outputs`. Every field's layout is in
kernels/network.py's docstring.

Each group is flat (arrays and scalars, no tuple inside) and reaches the kernel as a
parameter of its own: numba's parallel loops rebuild a named tuple only when it is a
parameter of the function (one taken from another tuple fails to compile inside
``prange``, numba 0.68), and they unpack tuples one level deep.

The ``task_slow`` bits are here too: the compiler sets them, the kernel tests them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# Bits of ``Schedule.task_slow[t]``: which parts of the full kernel task t needs (the
# others run the plain union-day code).
FORWARD_SLOW = 1  # its forward pass needs its calendar, a constraint or progress
BACKWARD_SLOW = 2  # its backward pass needs its or a successor's calendar, or progress
HAS_COST = 4  # it or one of its risk impacts carries money
START_MILESTONE = 8  # its date is the day it starts (its finish counts on that day)
FINISH_MILESTONE = 16  # on its own calendar, it takes no time at the end of a working day
RETAINED_LOGIC = 32  # in progress: its remaining work waits for its predecessors
ALAP = 64  # as late as possible: placed within its free float after the forward pass
REMAINING_COST = 128  # started, with an actual cost: its rate charges the remaining days
HAMMOCK = 256  # a level of effort or WBS summary: dated by the hammock pass, never driving


class Run(NamedTuple):
    """One kernel call: iterations ``it_start … it_start + n_iter`` in blocks of ``block``
    lanes, split into ``n_chunks`` parallel chunks; ``criticality`` 0 (none), 1 (the
    project) or 2 (every milestone and the project), ``tol`` the float still critical."""

    it_start: int
    n_iter: int
    block: int
    n_chunks: int
    criticality: int
    tol: float


class Keys(NamedTuple):
    """The run's random numbers: the seed as two 32-bit words, and ``lhs_n`` > 0 for Latin
    hypercube draws over a run of ``lhs_n`` iterations (0: plain Monte Carlo)."""

    key_lo: np.uint64
    key_hi: np.uint64
    lhs_n: int


class Tasks(NamedTuple):
    """Per task t: duration distribution ``code[t]``, ``par[t]`` (with ``tables``, which
    every distribution of the network shares), random stream, probability of happening
    and copula slot (-1 when its duration is not correlated)."""

    code: np.ndarray  # int64[n]
    par: np.ndarray  # float64[n, NPAR]
    tables: np.ndarray  # float64[...]
    stream_lo: np.ndarray  # uint64[n]
    stream_hi: np.ndarray  # uint64[n]
    exist_p: np.ndarray  # float64[n]
    corr_slot: np.ndarray  # int64[n]


class Links(NamedTuple):
    """Predecessor and successor CSR: gather rows and lags of each task's links."""

    pred_ptr: np.ndarray  # int64[n + 1]
    pred_nstart: np.ndarray  # int64[n]
    pred_gather: np.ndarray  # int64[links]
    pred_lag: np.ndarray  # float64[links]
    succ_ptr: np.ndarray  # int64[n + 1]
    succ_nfinish: np.ndarray  # int64[n]
    succ_gather: np.ndarray  # int64[links]
    succ_lag: np.ndarray  # float64[links]


class Milestones(NamedTuple):
    """The tasks whose latest finish is each output column (milestones, cost spans)."""

    ms_ptr: np.ndarray  # int64[outputs]
    ms_task: np.ndarray  # int64[...]


class CritSets(NamedTuple):
    """Each output's backward pass for criticality: its tasks and their membership."""

    anc_ptr: np.ndarray  # int64[outputs + 1]
    anc_task: np.ndarray  # int64[...]
    member: np.ndarray  # int8[outputs, n]


class Risks(NamedTuple):
    """Per risk: occurrence probability and stream; per impact (CSR by task): its risk,
    draw, kind, distribution and copula slot."""

    p: np.ndarray  # float64[R]
    stream_lo: np.ndarray  # uint64[R]
    stream_hi: np.ndarray  # uint64[R]
    imp_ptr: np.ndarray  # int64[n + 1]
    imp_risk: np.ndarray  # int64[K]
    imp_draw: np.ndarray  # int64[K]
    imp_kind: np.ndarray  # int64[K]
    imp_code: np.ndarray  # int64[K]
    imp_par: np.ndarray  # float64[K, NPAR]
    imp_slot: np.ndarray  # int64[K]


class Copula(NamedTuple):
    """The correlation groups' members and factors (kernels/copula.py)."""

    group_ptr: np.ndarray  # int64[G + 1]
    slot_stream: np.ndarray  # uint64[S, 2]
    slot_draw: np.ndarray  # int64[S]
    factor: np.ndarray  # float64[Σ k²]
    factor_ptr: np.ndarray  # int64[G + 1]


def no_copula() -> Copula:
    """A copula without groups, for draws that are never correlated."""
    return Copula(
        np.zeros(1, np.int64),
        np.zeros((0, 2), np.uint64),
        np.zeros(0, np.int64),
        np.zeros(1),
        np.zeros(1, np.int64),
    )


class Schedule(NamedTuple):
    """Each task's calendar, constraints and progress, and the data date."""

    task_cal: np.ndarray  # int64[n]
    task_mode: np.ndarray  # int64[n]
    fix_es: np.ndarray  # float64[n]
    fix_ef: np.ndarray  # float64[n]
    con: np.ndarray  # float64[n, 3]: earliest finish, latest start, latest finish
    con_set: np.ndarray  # int64[n]: 1 mandatory start, 2 mandatory finish
    con_hard: np.ndarray  # int64[1]: whether latest and mandatory dates apply
    task_slow: np.ndarray  # int64[n]: FORWARD_SLOW | BACKWARD_SLOW | HAS_COST
    succ_cal: np.ndarray  # int64[links]
    data_time: np.ndarray  # float64[1]
    fm_open: np.ndarray  # float64[n]: a finish milestone ending here is dated the day after
    alap: np.ndarray  # int64[k]: the tasks placed as late as possible, last first
    pred_lcal: np.ndarray  # int64[links]: a predecessor link's lag calendar, -2: successor's
    succ_lcal: np.ndarray  # int64[links]: a successor link's lag calendar, -2: successor's
    hammock: np.ndarray  # int64[h]: levels of effort, then WBS summaries (bit HAMMOCK)
    hammock_ptr: np.ndarray  # int64[h + 1]: each one's rows
    hammock_row: np.ndarray  # int64[rows]: the X row each reads
    hammock_kind: np.ndarray  # int64[rows]: HAMMOCK_* below
    hammock_lag: np.ndarray  # float64[rows]: a link's lag
    hammock_lcal: np.ndarray  # int64[rows]: a link's lag calendar, -2: its successor's
    finish_by: np.ndarray  # float64[1]: the project pass's finish (+inf: each lane's own)


# ``Schedule.hammock_kind``: what each row of a hammock's dates does (kernels/network.py)
HAMMOCK_SUCCESSOR = 0  # a successor's early start or finish raises a level of effort's finish
HAMMOCK_MEMBER_START = 1  # a member's early start lowers a WBS summary's start
HAMMOCK_MEMBER_FINISH = 2  # a member's early finish raises a WBS summary's finish
HAMMOCK_PREDECESSOR = 3  # a predecessor's early date raises a level of effort's start


PARTIAL = 1  # Calendars.kind: some day works other than one working day
CLOCKED = 2  # Calendars.kind: its clock window is not the union clock


# Union days the calendar tables cover before the start (late dates of negative float
# fall there), and whole positions of each calendar's ``inv`` row before its position 0:
# one constant, so the kernels index with it at no cost (engine/calendar.py).
LEAD = 5_000


class Calendars(NamedTuple):
    """The calendar tables (engine/calendar.py ``Timeline.tables``)."""

    cum: np.ndarray
    work: np.ndarray
    inv: np.ndarray
    count: np.ndarray
    kind: np.ndarray  # int64[C]: PARTIAL | CLOCKED bits, 0 for a plain calendar
    clock: np.ndarray  # float64[C, 2, M]: (union-clock fraction, own fraction) points


class Cost(NamedTuple):
    """Each task's fixed and per-day cost distributions, its cost group and its actual
    cost to the data date (0: none)."""

    code: np.ndarray  # int64[n, 2]
    par: np.ndarray  # float64[n, 2, NPAR]
    has_cost: np.ndarray  # int64[n]
    task_group: np.ndarray  # int64[n]
    actual: np.ndarray  # float64[n]


class Network(NamedTuple):
    """Everything the block kernel reads of one compiled network: pass it by keyword,
    ``kernel(run, keys, outputs=..., **network._asdict())``."""

    tasks: Tasks
    links: Links
    milestones: Milestones
    crit_sets: CritSets
    risks: Risks
    copula: Copula
    schedule: Schedule
    calendars: Calendars
    cost: Cost


class Work(NamedTuple):
    """One thread chunk's scratch arrays (:func:`work_arrays`): the runner allocates them
    once per run and the kernel resets them at each call, so the kernel allocates nothing
    and runs without numba's reference counting (``_nrt=False``), whose atomic updates
    on every row view cost it a third of its time (measured). The per-lane vectors are
    arrays of their own, not rows of one: LLVM then checks that they do not overlap and
    vectorises the loops over them (as rows of one array it ran some of them scalar)."""

    X: np.ndarray  # float64[2 n, block]: [ES, EF] rows, then [LS, LF] of the project
    XP: np.ndarray  # float64[2 n or 0, block]: [ES, EF] in positions of each task's calendar
    rest: np.ndarray  # float64[n or 0, block]: where a started task's remaining work begins
    bpos: np.ndarray  # float64[calendars, block]: the pass's finish in each calendar
    late: np.ndarray  # float64[2 n or 2, block]: [LS, LF] rows of the milestone passes
    exists: np.ndarray  # float64[n or 1, block]: whether each task happens
    occ: np.ndarray  # float64[max(R, 1), block]: whether each risk occurs
    ucorr: np.ndarray  # float64[max(S, 1), block]: the copula's uniforms
    eps: np.ndarray  # float64[k_max, block]: normal scores of one copula group
    csum: np.ndarray  # float64[max(cost columns, 1), block]: cost sums
    ofin: np.ndarray  # float64[outputs, block]: each output's finish (+inf off the run)
    u: np.ndarray  # float64[block]: uniforms
    d: np.ndarray  # float64[block]: durations
    v: np.ndarray  # float64[block]: impact values
    extra: np.ndarray  # float64[block]: delays of the risks
    money: np.ndarray  # float64[block]: cost of the risks
    ex: np.ndarray  # float64[block]: whether the task happens
    pf: np.ndarray  # float64[block]: the project finish so far
    lim: np.ndarray  # float64[block]: limits of the calendar passes
    fl: np.ndarray  # float64[block]: total float
    valid: np.ndarray  # bool[block]: lanes inside the run
    col: np.ndarray  # int64[block]: each lane's row of ``out``


def work_arrays(
    block: int,
    n_tasks: int,
    n_outputs: int,
    n_risks: int,
    n_slots: int,
    k_max: int,
    n_cost_cols: int,
    by_milestone: bool,
    may_vanish: bool,
    n_calendars: int = 0,
    started: bool = False,
) -> Work:
    """Scratch arrays for one thread chunk (their contents are set by the kernel), each
    starting on a 64-byte boundary, so every row of ``block`` lanes does: a full-width
    vector then never straddles two cache lines."""

    def rows(k: int) -> np.ndarray:
        return aligned_empty((k, block))

    return Work(
        X=rows(2 * n_tasks),
        XP=rows(2 * n_tasks if n_calendars else 0),
        rest=rows(n_tasks if started else 0),
        bpos=rows(n_calendars),
        late=rows(2 * n_tasks if by_milestone else 2),
        exists=rows(n_tasks if may_vanish else 1),
        occ=rows(max(n_risks, 1)),
        ucorr=rows(max(n_slots, 1)),
        eps=rows(max(k_max, 1)),
        csum=rows(max(n_cost_cols, 1)),
        ofin=rows(n_outputs),
        u=aligned_empty((block,)),
        d=aligned_empty((block,)),
        v=aligned_empty((block,)),
        extra=aligned_empty((block,)),
        money=aligned_empty((block,)),
        ex=aligned_empty((block,)),
        pf=aligned_empty((block,)),
        lim=aligned_empty((block,)),
        fl=aligned_empty((block,)),
        valid=aligned_empty((block,), np.bool_),
        col=aligned_empty((block,), np.int64),
    )


def aligned_empty(shape: tuple[int, ...], dtype: type = np.float64, align: int = 64) -> np.ndarray:
    """``np.empty(shape, dtype)`` whose data starts on an ``align``-byte boundary."""
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    raw = np.empty(size + align, np.uint8)
    start = -raw.ctypes.data % align
    return raw[start : start + size].view(dtype).reshape(shape)


class Outputs(NamedTuple):
    """What the block kernel writes: per iteration of the call (``out``, ``cost_out``) or
    added up per thread chunk (the rest). ``hist[c, t, k]`` counts task t's finishes on
    union day ``day_base[t] + k``; ``day_first``/``day_last`` the first and last day
    seen."""

    out: np.ndarray  # float64[n_iter, outputs]
    counts: np.ndarray  # int64[chunks, outputs, n]
    risk_counts: np.ndarray  # int64[chunks, R]
    cost_out: np.ndarray  # float64[n_iter, 1 + groups] (no columns without costs)
    task_cost: np.ndarray  # int64[chunks, n], units of 1/COST_SCALE
    hist: np.ndarray  # int32[chunks, n, bins] (no bins: no finish days counted)
    day_base: np.ndarray  # int64[n]
    day_first: np.ndarray  # int64[chunks, n]
    day_last: np.ndarray  # int64[chunks, n]
