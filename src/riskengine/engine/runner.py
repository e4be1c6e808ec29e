"""The kernel runner: one call of the block kernel over a range of iterations.

Both the engine (:func:`riskengine.engine.simulation.simulate`) and the analyses that
rerun the network (risk drivers) call :func:`run_kernel`; it knows nothing of results,
dates or files.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from typing import NamedTuple, Protocol

import numpy as np

from riskengine.engine.compile import CompiledNetwork, seed_keys
from riskengine.kernels import thread_count
from riskengine.kernels.args import (
    BACKWARD_SLOW,
    FORWARD_SLOW,
    HAS_COST,
    Keys,
    Outputs,
    Run,
    Work,
    work_arrays,
)
from riskengine.kernels.network import COST_SCALE, simulate_blocks, simulate_plain

CRITICAL_TOLERANCE = 1e-6  # working days of total float still counted as critical


DEFAULT_BLOCK = 64


_WORK_PER_CALL = 40_000_000  # task-iterations per kernel call: progress ticks ~ every 0.1 s


Progress = Callable[[int, int], None]


class KernelOutput(NamedTuple):
    """``out``: float64[iterations, milestones + 1] in union working days
    (calendar.py), the last column the project finish; ``critical``: int64[milestones +
    1, n_tasks] (tasks in topological order), iterations in which each task was critical
    for each milestone and (last row) for the project; ``occurred``:
    int64[n_risks], iterations in which each risk occurred; ``cost``: float64[iterations,
    1 + groups], the tasks' and risks' total cost then each cost group's (no columns
    when the network has no costs); ``task_cost``: float64[n_tasks], each task's cost
    summed over the iterations; ``finish_days``: the tasks' finish-day counts
    (:class:`FinishDays`) or None; ``spans``: float64[iterations, spans], where each cost
    item span ends (``CompiledNetwork.span_ids``), in union working days."""

    out: np.ndarray
    critical: np.ndarray
    occurred: np.ndarray
    cost: np.ndarray
    task_cost: np.ndarray
    finish_days: FinishDays | None
    spans: np.ndarray


class FinishDays(NamedTuple):
    """``counts[t, k]``: iterations in which task t finished on union day ``base[t] + k``
    (the first and last bins also take the days beyond them); ``first[t]`` and
    ``last[t]``: the earliest and latest finish day seen."""

    counts: np.ndarray
    base: np.ndarray
    first: np.ndarray
    last: np.ndarray

    def exact(self, ranks: np.ndarray) -> bool:
        """Whether the order statistics ``ranks`` (1-based) of every task fall on a day
        counted exactly, not in an end bin that also holds days beyond the window."""
        width = self.counts.shape[1]
        cum = np.cumsum(self.counts, axis=1)
        for r in ranks:
            k = (cum < r).sum(axis=1)
            low = (k == 0) & (self.first < self.base)
            high = (k == width - 1) & (self.last > self.base + width - 1)
            if low.any() or high.any():
                return False
        return True


def _run_chunks(
    pool: ThreadPoolExecutor | None,
    kernel: Callable[..., None],
    run: Run,
    keys: Keys,
    sink: Outputs,
    network: dict[str, tuple],
    work: list[Work],
) -> None:
    """Run the kernel's ``run.n_chunks`` thread chunks, one call each, on ``pool``'s threads
    (the kernel releases the GIL) or in this thread when there is a single chunk, each with
    scratch arrays of its own. Each chunk writes its own iterations and its own row of the
    per-chunk counters, so the results do not depend on which thread runs which chunk, or
    when."""
    if pool is None or run.n_chunks == 1:
        for c in range(run.n_chunks):
            kernel(c, run, keys, outputs=sink, work=work[c], **network)
        return
    jobs = [
        pool.submit(kernel, c, run, keys, outputs=sink, work=work[c], **network)
        for c in range(run.n_chunks)
    ]
    for job in jobs:
        job.result()  # re-raises a chunk's exception here


class Backend(Protocol):
    """Runs :func:`run_sums` somewhere other than this machine's threads (a Dask cluster,
    engine/cluster.py): same arguments, same bits."""

    def run(
        self,
        net: CompiledNetwork,
        iterations: int,
        seed: int,
        *,
        criticality: bool | str,
        block: int,
        it_start: int,
        progress: Progress | None,
        lhs_n: int,
        finish_window: tuple[np.ndarray, int] | None,
    ) -> KernelOutput:
        """:func:`run_sums` of these iterations."""
        ...


def run_kernel(
    net: CompiledNetwork,
    iterations: int,
    seed: int,
    *,
    criticality: bool | str = True,
    block: int = DEFAULT_BLOCK,
    it_start: int = 0,
    chunk: int | None = None,
    progress: Progress | None = None,
    lhs_n: int = 0,
    finish_window: tuple[np.ndarray, int] | None = None,
    scratch: list[Work] | None = None,
    backend: Backend | None = None,
) -> KernelOutput:
    """Simulate iterations ``it_start … it_start + iterations`` (see KernelOutput).

    ``criticality``: True counts criticality for every milestone and the project,
    ``"project"`` for the project only, False not at all (the rows stay zero).
    ``lhs_n > 0`` draws Latin hypercube uniforms for a whole run of ``lhs_n`` iterations
    (of which this call may be a piece); 0 is plain Monte Carlo. ``finish_window =
    (base, width)`` counts each task's finish days over ``width`` union days from
    ``base[t]``. ``scratch``, a list, receives the scratch arrays of each thread chunk
    (:class:`~riskengine.kernels.args.Work`): after a one-iteration run they hold that
    iteration's dates (engine/schedule.py reads them). ``backend`` runs the iterations
    elsewhere (a Dask cluster); None runs them on this machine's threads."""
    if backend is None:
        k = run_sums(
            net,
            iterations,
            seed,
            criticality=criticality,
            block=block,
            it_start=it_start,
            chunk=chunk,
            progress=progress,
            lhs_n=lhs_n,
            finish_window=finish_window,
            scratch=scratch,
        )
    else:
        k = backend.run(
            net,
            iterations,
            seed,
            criticality=criticality,
            block=block,
            it_start=it_start,
            progress=progress,
            lhs_n=lhs_n,
            finish_window=finish_window,
        )
    return k._replace(task_cost=k.task_cost / COST_SCALE)


def run_sums(
    net: CompiledNetwork,
    iterations: int,
    seed: int,
    *,
    criticality: bool | str = True,
    block: int = DEFAULT_BLOCK,
    it_start: int = 0,
    chunk: int | None = None,
    progress: Progress | None = None,
    lhs_n: int = 0,
    finish_window: tuple[np.ndarray, int] | None = None,
    scratch: list[Work] | None = None,
    threads: int | None = None,
) -> KernelOutput:
    """:func:`run_kernel` on this machine's threads (``threads`` of them, default
    :func:`~riskengine.kernels.thread_count`), with ``task_cost`` left as the int64 sums
    the kernel keeps (units of 1 / COST_SCALE): those of iteration ranges add up exactly,
    so a backend merges the outputs of its pieces before one division."""
    if block <= 0 or block % 4:
        raise ValueError("block must be a positive multiple of 4")
    n = net.n_tasks
    n_ms = len(net.milestone_ids)
    n_out = net.ms_ptr.size  # milestones, cost spans, the project
    out = np.empty((iterations, n_out))
    threads = threads or thread_count()
    counts = np.zeros((threads, n_out, n), np.int64)
    level = {False: 0, "project": 1, True: 2}[criticality]
    risk_counts = np.zeros((threads, len(net.risk_ids)), np.int64)
    n_cost = 1 + len(net.group_ids) if net.has_costs else 0
    cost = np.empty((iterations, n_cost))
    task_cost = np.zeros((threads, n), np.int64)
    if finish_window is not None:
        day_base = np.asarray(finish_window[0], np.int64)
        hist = np.zeros((threads, n, finish_window[1]), np.int32)
    else:
        day_base = np.zeros(n, np.int64)
        hist = np.zeros((threads, 0, 0), np.int32)
    day_first = np.full((threads, n), np.iinfo(np.int64).max, np.int64)
    day_last = np.full((threads, n), -1, np.int64)
    keys = seed_keys(seed, lhs_n)
    args = net.kernel_args()
    network = args._asdict()
    if chunk is None:
        chunk = max(block * threads, _WORK_PER_CALL // max(n, 1))
        chunk = math.ceil(chunk / block) * block
    # a start milestone's bit matters only where finish days are counted
    slow = net.task_slow & (FORWARD_SLOW | BACKWARD_SLOW | HAS_COST)
    full = bool(finish_window is not None or n_cost or slow.any())
    kernel = simulate_blocks if full else simulate_plain
    done = 0
    group_ptr = args.copula.group_ptr
    work = [
        work_arrays(
            block,
            n,
            n_out,
            n_risks=args.risks.p.shape[0],
            n_slots=args.copula.slot_draw.shape[0],
            k_max=int(np.diff(group_ptr).max(initial=1)),
            n_cost_cols=n_cost,
            by_milestone=level == 2 and n_out > 1,
            may_vanish=bool((args.tasks.exist_p < 1.0).any()),
            n_calendars=args.calendars.cum.shape[0] if (args.schedule.task_cal >= 0).any() else 0,
            started=bool((args.schedule.task_mode == 2).any()),
        )
        for _ in range(threads)
    ]
    if scratch is not None:
        scratch.extend(work)
    with ThreadPoolExecutor(threads) if threads > 1 else nullcontext() as pool:
        while done < iterations:
            m = min(chunk, iterations - done)
            n_blocks = (m + (it_start + done) % 4 + block - 1) // block
            run = Run(
                it_start=it_start + done,
                n_iter=m,
                block=block,
                n_chunks=min(threads, n_blocks),
                criticality=level,
                tol=CRITICAL_TOLERANCE,
            )
            sink = Outputs(
                out=out[done : done + m],
                counts=counts,
                risk_counts=risk_counts,
                cost_out=cost[done : done + m],
                task_cost=task_cost,
                hist=hist,
                day_base=day_base,
                day_first=day_first,
                day_last=day_last,
            )
            _run_chunks(pool, kernel, run, keys, sink, network, work)
            done += m
            if progress is not None:
                progress(done, iterations)
    critical = counts.sum(axis=0)
    spans = out[:, n_ms:-1]
    if spans.shape[1]:  # the spans go apart: outputs are the milestones and the project
        spans = spans.copy()
        out = np.delete(out, np.s_[n_ms:-1], axis=1)
        critical = np.delete(critical, np.s_[n_ms:-1], axis=0)
    return KernelOutput(
        out,
        critical,
        risk_counts.sum(axis=0),
        cost,
        task_cost.sum(axis=0),
        None
        if finish_window is None
        else FinishDays(
            hist.sum(axis=0, dtype=np.int64), day_base, day_first.min(0), day_last.max(0)
        ),
        spans,
    )
