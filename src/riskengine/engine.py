"""Runs the block kernel over all iterations and wraps the outputs in Results."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numba
import numpy as np

from .analysis import risk_drivers, task_sensitivity
from .compile import CompiledNetwork, compile_network, split64
from .distributions import most_likely
from .errors import ScenarioError
from .kernels.network import simulate_blocks
from .model import Distribution, Scenario
from .results import Results

CRITICAL_TOLERANCE = 1e-6  # working days of total float still counted as critical
DEFAULT_BLOCK = 64
_WORK_PER_CALL = 40_000_000  # task-iterations per kernel call: progress ticks ~ every 0.1 s

Progress = Callable[[int, int], None]


class KernelOutput(NamedTuple):
    """``out``: float64[iterations, milestones + 1], the last column the project finish;
    ``critical``: int64[n_tasks] (topological order), iterations in which each task was
    critical; ``occurred``: int64[n_risks], iterations in which each risk occurred."""

    out: np.ndarray
    critical: np.ndarray
    occurred: np.ndarray


def check_run_settings(iterations: int, seed: int, percentiles: Sequence[float]) -> None:
    """Validate the settings a user may pass on the command line or in Python."""
    if isinstance(iterations, bool) or not isinstance(iterations, int | np.integer):
        raise ScenarioError(f"must be a whole number, got {iterations!r}", field="iterations")
    if not 1 <= iterations <= 2**40:
        raise ScenarioError(f"must be between 1 and 2**40, got {iterations}", field="iterations")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ScenarioError(f"must be a whole number, got {seed!r}", field="seed")
    if not 0 <= seed < 2**64:
        raise ScenarioError(f"must be between 0 and 2**64 - 1, got {seed}", field="seed")
    for p in percentiles:
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 100:
            raise ScenarioError(f"each must be between 0 and 100, got {p!r}", field="percentiles")


def run_kernel(
    net: CompiledNetwork,
    iterations: int,
    seed: int,
    *,
    criticality: bool = True,
    block: int = DEFAULT_BLOCK,
    it_start: int = 0,
    chunk: int | None = None,
    progress: Progress | None = None,
    lhs_n: int = 0,
) -> KernelOutput:
    """Simulate iterations ``it_start … it_start + iterations`` (see KernelOutput).

    ``lhs_n > 0`` draws Latin hypercube uniforms for a whole run of ``lhs_n`` iterations
    (of which this call may be a piece); 0 is plain Monte Carlo."""
    if block <= 0 or block % 4:
        raise ValueError("block must be a positive multiple of 4")
    n = net.n_tasks
    n_ms = len(net.milestone_ids)
    out = np.empty((iterations, n_ms + 1))
    threads = numba.get_num_threads()
    counts = np.zeros((threads, n), np.int64)
    risk_counts = np.zeros((threads, len(net.risk_ids)), np.int64)
    key_lo, key_hi = (np.uint64(v) for v in split64(seed))
    if chunk is None:
        chunk = max(block * threads, _WORK_PER_CALL // max(n, 1))
        chunk = math.ceil(chunk / block) * block
    done = 0
    while done < iterations:
        m = min(chunk, iterations - done)
        n_blocks = (m + (it_start + done) % 4 + block - 1) // block
        simulate_blocks(
            it_start + done,
            m,
            block,
            min(threads, n_blocks),
            key_lo,
            key_hi,
            net.code,
            net.par,
            net.tables,
            net.stream_lo,
            net.stream_hi,
            net.pred_ptr,
            net.pred_nstart,
            net.pred_gather,
            net.pred_lag,
            net.succ_ptr,
            net.succ_nfinish,
            net.succ_gather,
            net.succ_lag,
            net.ms_ptr,
            net.ms_task,
            net.exist_p,
            net.risk_p,
            net.risk_stream_lo,
            net.risk_stream_hi,
            net.imp_ptr,
            net.imp_risk,
            net.imp_draw,
            net.imp_pct,
            net.imp_code,
            net.imp_par,
            net.imp_slot,
            net.corr_slot,
            net.copula,
            criticality,
            CRITICAL_TOLERANCE,
            lhs_n,
            out[done : done + m],
            counts,
            risk_counts,
        )
        done += m
        if progress is not None:
            progress(done, iterations)
    return KernelOutput(out, counts.sum(axis=0), risk_counts.sum(axis=0))


def simulate(
    scenario: Scenario,
    iterations: int | None = None,
    seed: int | None = None,
    percentiles: Sequence[float] | None = None,
    *,
    criticality: bool = True,
    mitigated: bool = False,
    strict: bool = False,
    sampling: str | None = None,
    sensitivity: bool = True,
    drivers: bool = True,
    block: int = DEFAULT_BLOCK,
    chunk: int | None = None,
    progress: Progress | None = None,
) -> Results:
    """Simulate a scenario; unset arguments come from the scenario's ``simulation`` block.

    Same scenario and seed give the same numbers bit for bit, whatever ``block``,
    ``chunk`` or the number of threads (``NUMBA_NUM_THREADS``). ``mitigated`` simulates
    every risk after mitigation, with the same random draws as before it.
    ``sensitivity`` adds each task's rank correlation, cruciality and schedule
    sensitivity index against each milestone (one extra sampling pass); ``drivers``
    re-simulates once without each risk to measure the days it adds to each P50 and P80.
    ``strict`` rejects inconsistent correlations instead of repairing them.
    ``sampling`` is "monte-carlo" or "lhs" (Latin hypercube; default: the scenario's).
    """
    sim = scenario.simulation
    iterations = sim.iterations if iterations is None else iterations
    seed = sim.seed if seed is None else seed
    percentiles = tuple(sim.percentiles if percentiles is None else percentiles)
    sampling = sim.sampling if sampling is None else sampling
    if sampling not in ("monte-carlo", "lhs"):
        raise ScenarioError(f"must be monte-carlo or lhs, got {sampling!r}", field="sampling")
    lhs_n = iterations if sampling == "lhs" else 0
    check_run_settings(iterations, seed, percentiles)
    try:
        net = compile_network(scenario, mitigated=mitigated, strict=strict)
    except ScenarioError as e:
        raise e.located(scenario.source) from None
    out, counts, occurred = run_kernel(
        net,
        iterations,
        seed,
        criticality=criticality,
        block=block,
        chunk=chunk,
        progress=progress,
        lhs_n=lhs_n,
    )
    crit = dict(zip(net.task_ids, counts / iterations, strict=True)) if criticality else None
    output_ids = [*net.milestone_ids, "project"]
    sens = task_sensitivity(net, seed, out, output_ids, crit) if sensitivity else None
    drv = (
        risk_drivers(net, seed, out, output_ids, block=block) if drivers and net.risk_ids else None
    )
    return Results.build(
        scenario,
        iterations=iterations,
        seed=seed,
        percentiles=percentiles,
        # column views of the kernel's output: no second copy of every finish
        milestone_finishes={m: out[:, i] for i, m in enumerate(net.milestone_ids)},
        project_finish=out[:, -1],
        criticality=crit,
        risk_occurrence=dict(zip(net.risk_ids, occurred / iterations, strict=True)),
        mitigated=mitigated,
        sensitivity=sens,
        drivers=drv,
        sampling=sampling,
    )


def deterministic_plan(scenario: Scenario) -> Results:
    """The deterministic plan: every duration at its single-point estimate
    (:func:`~riskengine.distributions.most_likely`), one iteration of the same engine."""
    tasks = tuple(
        dataclasses.replace(t, duration=Distribution("fixed", {"value": most_likely(t.duration)}))
        for t in scenario.tasks
    )
    fixed = dataclasses.replace(scenario, tasks=tasks)
    return simulate(fixed, iterations=1, percentiles=(50.0,), criticality=False)
