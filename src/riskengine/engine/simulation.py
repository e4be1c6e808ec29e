"""Runs the block kernel over all iterations and wraps the outputs in Results."""

from __future__ import annotations

import dataclasses
import math
import os
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from riskengine.analysis.convergence import ConvergenceReport, half_widths, merge_sorted
from riskengine.analysis.drivers import risk_drivers
from riskengine.analysis.results import Columns, Results, date_ranks, start_checks
from riskengine.analysis.sensitivity import MAX_OUTPUTS, DrawSampler, task_sensitivity
from riskengine.engine.calendar import HORIZON_YEARS, Timeline
from riskengine.engine.cluster import DaskBackend, backend
from riskengine.engine.compile import (
    MITIGATION_GROUP,
    UNGROUPED,
    CompiledNetwork,
    compile_network,
    duration_to_draw,
    uses_groups,
)
from riskengine.engine.runner import (
    DEFAULT_BLOCK,
    Backend,
    FinishDays,
    KernelOutput,
    Progress,
    run_kernel,
)
from riskengine.errors import RiskEngineWarning, ScenarioError, did_you_mean, short_list, show
from riskengine.kernels import thread_count
from riskengine.kernels.network import DATE_EPS
from riskengine.kernels.sampling import FIXED
from riskengine.model.distributions import most_likely
from riskengine.model.draws import ITEM_FIXED_DRAW, ITEM_RATE_DRAW
from riskengine.model.scenario import MAX_ITERATIONS, Convergence, Cost, Distribution, Scenario

if TYPE_CHECKING:  # distributed loads only when a cluster is used
    from distributed import Client

DEFAULT_JCL = 0.7  # NASA's policy level for the joint confidence of cost and schedule

Selection: TypeAlias = bool | str | Sequence[str]  # what ``simulate(sensitivity=...)`` takes


def check_run_settings(iterations: int, seed: int, percentiles: Sequence[float]) -> None:
    """Validate the settings a user may pass on the command line or in Python."""
    if isinstance(iterations, bool) or not isinstance(iterations, int | np.integer):
        raise ScenarioError(f"must be a whole number, got {iterations!r}", field="iterations")
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise ScenarioError(
            f"must be between 1 and {MAX_ITERATIONS:,}, got {show(iterations)}",
            field="iterations",
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ScenarioError(f"must be a whole number, got {seed!r}", field="seed")
    if not 0 <= seed < 2**64:
        raise ScenarioError(f"must be between 0 and 2**64 - 1, got {seed}", field="seed")
    for p in percentiles:
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 100:
            raise ScenarioError(f"each must be between 0 and 100, got {p!r}", field="percentiles")


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
    sensitivity: Selection = True,
    drivers: bool = True,
    task_dates: bool = True,
    jcl: float | None = DEFAULT_JCL,
    jcl_milestone: str | None = None,
    plan: bool = True,
    progress: Progress | None = None,
    network: CompiledNetwork | None = None,
    convergence: Convergence | bool | None = None,
    client: Client | DaskBackend | None = None,
) -> Results:
    """Simulate a scenario; unset arguments come from the scenario's ``simulation`` block.

    Same scenario and seed give the same numbers bit for bit, whatever the number of
    threads (``NUMBA_NUM_THREADS``). ``mitigated`` simulates every risk after mitigation,
    with the same random draws as before it.

    Parameters
    ----------
    scenario : Scenario
        Loaded with :func:`riskengine.load_scenario` or built in Python; it is checked as
        :func:`riskengine.validate` checks it.
    iterations : int, optional
        Number of iterations, 1 to 10,000,000 (default: the scenario's).
    seed : int, optional
        0 to 2**64 - 1 (default: the scenario's).
    percentiles : sequence of float, optional
        The P-values to report, 0 to 100 (default: the scenario's).
    criticality : bool, default True
        Count how often each task is critical, for the project finish and for each
        milestone.
    mitigated : bool, default False
        Every risk after mitigation, mitigation costs included.
    strict : bool, default False
        Reject inconsistent correlations instead of repairing them (with a
        RiskEngineWarning).
    sampling : {"monte-carlo", "lhs"}, optional
        Plain Monte Carlo or Latin hypercube (default: the scenario's).
    sensitivity : bool, "all", "none" or list of str, default True
        Each task's rank correlation, cruciality and schedule sensitivity index against
        the project finish and each milestone with a target (True), every milestone
        ("all"), the milestones listed (their ids, and "project" for the project
        finish), or none (False or "none"). One extra sampling pass; criticality stays
        per task for every milestone whatever this is.
    drivers : bool, default True
        Re-simulate once without each risk to measure the days it adds to each P50 and
        P80.
    task_dates : bool, default True
        Count each task's finish day for its percentile dates (needs a start date).
    jcl : float or None, default 0.7
        With costs, the target joint confidence level of cost and the finish of
        ``jcl_milestone``; None skips the analysis.
    jcl_milestone : str or None, default None
        The milestone of the JCL (None: the project finish).
    plan : bool, default True
        Also simulate the deterministic plan, the reference for contingency and the JCL.
    progress : callable, optional
        Called as ``progress(done, total)`` with iterations done, from this thread. If
        it also has a ``stage(name)`` method, that is called with ``"sensitivity"``
        before the sensitivity pass, which then reports its own ``(done, total)``
        (iterations of all its passes over the draws).
    network : CompiledNetwork, optional
        This scenario already compiled (:func:`riskengine.compile_network`, with the
        same ``mitigated`` and ``strict``), to run it again without compiling it again.
    convergence : Convergence, bool or None, default None
        Run blocks of iterations until the watched P-values are known within the
        tolerance (README "Convergence"), then exactly as a run of that many iterations:
        a :class:`~riskengine.Convergence`, True for the scenario's
        ``simulation.convergence`` (or the defaults), False for a fixed number of
        iterations, None for the scenario's block when ``iterations`` is not given.
        ``Results.convergence`` says how it went; a RiskEngineWarning says when
        ``max_iterations`` ran without converging.
    client : distributed.Client, optional
        Run the simulation's iterations, and those of the convergence blocks and of the
        risk drivers' reruns, on this Dask cluster (README "Running on a Dask cluster"):
        the same numbers bit for bit. None runs them on this machine's threads.

    Returns
    -------
    Results
        Milestone and project summaries, per-iteration finishes and costs, criticality,
        sensitivity, risk drivers and the JCL analysis.

    Raises
    ------
    ScenarioError
        For an invalid scenario or argument (naming the field, and the file of a loaded
        scenario), a run that needs more memory than is available, or a schedule that
        runs past the calendar's 150 years.

    Examples
    --------
    >>> import riskengine as rk
    >>> sc = rk.Scenario("demo", (rk.Task("A", [2, 3, 6]), rk.Task("B", 4)))
    >>> r = rk.simulate(sc, iterations=1000, seed=1, drivers=False, sensitivity=False)
    >>> r.project_finish.shape
    (1000,)
    """
    return _simulate(
        scenario,
        iterations,
        seed,
        percentiles,
        criticality=criticality,
        mitigated=mitigated,
        strict=strict,
        sampling=sampling,
        sensitivity=sensitivity,
        drivers=drivers,
        task_dates=task_dates,
        jcl=jcl,
        jcl_milestone=jcl_milestone,
        plan=plan,
        progress=progress,
        network=network,
        convergence=convergence,
        client=client,
    )


def _simulate(
    scenario: Scenario,
    iterations: int | None = None,
    seed: int | None = None,
    percentiles: Sequence[float] | None = None,
    *,
    criticality: bool = True,
    mitigated: bool = False,
    strict: bool = False,
    sampling: str | None = None,
    sensitivity: Selection = True,
    drivers: bool = True,
    task_dates: bool = True,
    jcl: float | None = DEFAULT_JCL,
    jcl_milestone: str | None = None,
    plan: bool = True,
    progress: Progress | None = None,
    network: CompiledNetwork | None = None,
    convergence: Convergence | bool | None = None,
    client: Client | DaskBackend | None = None,
    block: int = DEFAULT_BLOCK,
    chunk: int | None = None,
) -> Results:
    """:func:`simulate` with the engine's tuning knobs, for tests and benchmarks: ``block``
    iterations per kernel block and ``chunk`` iterations per call of the kernel
    (:func:`~riskengine.engine.runner.run_kernel`). The results are the same bit for bit
    whatever they are; only speed and memory change, so users never need them."""
    sim = scenario.simulation
    cluster = backend(client)
    conv = _convergence(scenario, iterations, convergence)
    from_file = {"iterations": iterations is None, "seed": seed is None}
    from_file["percentiles"] = percentiles is None
    iterations = sim.iterations if iterations is None else iterations
    seed = sim.seed if seed is None else seed
    percentiles = tuple(sim.percentiles if percentiles is None else percentiles)
    sampling = sim.sampling if sampling is None else sampling
    if sampling not in ("monte-carlo", "lhs"):
        raise ScenarioError(f"must be monte-carlo or lhs, got {sampling!r}", field="sampling")
    lhs_n = iterations if sampling == "lhs" else 0
    try:
        check_run_settings(iterations, seed, percentiles)
    except ScenarioError as e:
        if from_file.get(e.field or ""):  # the scenario's own simulation block: say where
            field = f"simulation.{e.field}"
            raise ScenarioError(e.message, file=scenario.source, field=field) from None
        raise
    if jcl is not None and not (isinstance(jcl, float | int) and 0 < jcl <= 1):
        raise ScenarioError(f"must be above 0 and at most 1, got {jcl!r}", field="jcl")
    ms_ids = [m.id for m in scenario.milestones]
    if jcl_milestone not in (None, "project", *ms_ids):
        known = ", ".join([*ms_ids, "project"])
        raise ScenarioError(
            f"unknown milestone {jcl_milestone!r} (known: {known})", field="jcl_milestone"
        )
    chosen = sensitivity_outputs(scenario, sensitivity)
    net = network
    if net is None:
        try:
            net = compile_network(scenario, mitigated=mitigated, strict=strict)
        except ScenarioError as e:
            raise e.located(scenario.source) from None
    report = None
    if conv is not None:
        if sampling == "lhs":
            raise ScenarioError(
                "a run that stops when converged needs monte-carlo sampling: Latin "
                "hypercube strata depend on the number of iterations",
                file=scenario.source,
                field="sampling",
            )
        report = _converge(scenario, net, conv, seed, mitigated, progress, cluster)
        iterations = report.iterations
        progress = _stage(progress, "converged") or progress
    _check_memory(scenario, net, iterations, sensitivity=chosen)
    timeline = net.timeline
    window = _finish_window(net, iterations, seed, lhs_n) if task_dates and timeline.dated else None

    def run(window: tuple[np.ndarray, int] | None) -> KernelOutput:
        return run_kernel(
            net,
            iterations,
            seed,
            criticality=criticality,
            block=block,
            chunk=chunk,
            progress=progress,
            lhs_n=lhs_n,
            finish_window=window,
            backend=cluster,
        )

    k = run(window)
    _check_horizon(scenario, timeline, k.out[:, -1])
    fd = k.finish_days
    latest = latest_finish_days(net)
    if fd is not None and not (
        fd.exact(date_ranks(percentiles, iterations)) and _counted_exactly(fd, latest)
    ):
        # a percentile or a latest finish date fell beyond some task's window: count
        # again over every day seen
        k = run((fd.first, int((fd.last - fd.first).max()) + 1))
    out = k.out
    output_ids = [*net.milestone_ids, "project"]
    shares = k.critical / iterations if criticality else None  # [output, task]
    # working days of the project calendar, the unit of every result, a column at a
    # time when read: one matrix of finishes is all a run holds
    days = Columns(out, output_ids, timeline)
    sens = None
    if chosen:  # the same uniforms as the run, Latin hypercube ones included
        column = {oid: i for i, oid in enumerate(output_ids)}
        finishes = Columns(out, chosen, timeline, [column[oid] for oid in chosen])
        crit = None if shares is None else {oid: shares[column[oid]] for oid in chosen}
        sens = task_sensitivity(
            net, seed, finishes, crit, lhs_n=lhs_n, progress=_stage(progress, "sensitivity")
        )
    drv = None
    if drivers and net.risk_ids:
        all_days = timeline.to_project_days(out)  # a copy with calendars: freed below
        drv = risk_drivers(
            net, seed, all_days, output_ids, block=block, lhs_n=lhs_n, backend=cluster
        )
        del all_days
    costs = _total_costs(scenario, net, k, seed, lhs_n, mitigated, days["project"])
    det = None
    if plan and costs:
        det = deterministic_plan(scenario, mitigated=mitigated, network=net)
    finish_days = None
    if k.finish_days is not None:
        fd = k.finish_days
        finish_days = {tid: (fd.counts[i], int(fd.base[i])) for i, tid in enumerate(net.task_ids)}
    results = Results.build(
        scenario,
        timeline=timeline,
        iterations=iterations,
        seed=seed,
        percentiles=percentiles,
        times=out,
        output_ids=output_ids,
        criticality=shares,
        task_order=net.task_ids,
        risk_occurrence=dict(zip(net.risk_ids, k.occurred / iterations, strict=True)),
        mitigated=mitigated,
        sensitivity=sens,
        key_milestones=tuple(
            m for m in (chosen or sensitivity_outputs(scenario)) if m != "project"
        ),
        drivers=drv,
        sampling=sampling,
        costs=costs,
        task_cost=dict(zip(net.task_ids, k.task_cost / iterations, strict=True)),
        finish_days=finish_days,
        latest_day={net.task_ids[i]: int(day) for i, day in latest.items()},
        start_checks=start_checks(
            scenario,
            net.start_ids,
            k.spans[:, len(net.span_ids) :],
            timeline,
            net.finish_ids,
        ),
        plan=det,
        jcl=jcl,
        jcl_milestone=jcl_milestone or "project",
        confidence=(conv or sim.convergence or Convergence()).confidence,
    )
    return results if report is None else dataclasses.replace(results, convergence=report)


def _convergence(
    scenario: Scenario, iterations: int | None, convergence: Convergence | bool | None
) -> Convergence | None:
    """The convergence settings a run uses (``simulate``'s ``convergence``), checked."""
    own = scenario.simulation.convergence
    if convergence is None:
        conv = own if iterations is None else None
    elif convergence is True:
        conv = own or Convergence()
    elif convergence is False:
        conv = None
    elif isinstance(convergence, Convergence):
        conv = convergence
    else:
        raise ScenarioError(
            f"must be a Convergence, True, False or None, got {show(convergence)}",
            field="convergence",
        )
    if conv is not None and convergence is not None and iterations is not None:
        raise ScenarioError(
            "give a number of iterations or convergence settings, not both",
            field="convergence",
        )
    if conv is None:
        return None
    try:
        conv.check()
    except ScenarioError as e:
        if conv is own:
            field = f"simulation.convergence.{e.field}"
            raise ScenarioError(e.message, file=scenario.source, field=field) from None
        raise ScenarioError(e.message, field=f"convergence.{e.field}") from None
    return conv


def _converge(
    scenario: Scenario,
    net: CompiledNetwork,
    conv: Convergence,
    seed: int,
    mitigated: bool,
    progress: Progress | None,
    cluster: Backend | None = None,
) -> ConvergenceReport:
    """Run blocks of ``conv.block`` iterations (finishes and costs only, no criticality)
    until the interval of every watched P-value is within its tolerance, or
    ``conv.max_iterations`` have run; warn when they did not converge.

    Watched: the project finish and each milestone with a target (the outputs of the
    default sensitivity) and, with ``cost_tolerance``, the total cost. Iteration i's
    draws depend only on (seed, i), so the blocks are the first iterations of the run of
    that many iterations that follows, and these intervals are that run's. Each watched
    output is kept sorted, a block merged in at a time; the project cost items' draws
    can only be regenerated from iteration 0, so a scenario with some recomputes the
    total cost of every iteration at each check."""
    watch_cost = conv.cost_tolerance is not None
    kernel_net = net if watch_cost else net.without_costs()
    watched = sensitivity_outputs(scenario)
    column = {oid: j for j, oid in enumerate((*net.milestone_ids, "project"))}
    ordered = {oid: np.empty(0) for oid in (*watched, "cost")}
    parts: list[KernelOutput] = []  # kept only to recompute project cost items
    done = 0
    own = conv is scenario.simulation.convergence
    progress = _stage(progress, "convergence") or progress
    while True:
        m = min(conv.block, conv.max_iterations - done)
        k = run_kernel(kernel_net, m, seed, criticality=False, it_start=done, backend=cluster)
        done += m
        if progress is not None:
            progress(done, conv.max_iterations)
        project_days = net.timeline.to_project_days(k.out[:, -1])
        for oid in watched:
            days = (
                project_days
                if oid == "project"
                else net.timeline.to_project_days(k.out[:, column[oid]])
            )
            ordered[oid] = merge_sorted(ordered[oid], days)
        if watch_cost:
            if scenario.costs:
                parts.append(k)
                k = _joined(parts)
                project_days = net.timeline.to_project_days(k.out[:, -1])
            costs = _total_costs(scenario, net, k, seed, 0, mitigated, project_days)
            if costs is None:
                raise ScenarioError(
                    "cost_tolerance needs costs in the scenario",
                    file=scenario.source if own else None,
                    field=f"{'simulation.' if own else ''}convergence.cost_tolerance",
                )
            total = costs["total"]
            ordered["cost"] = (
                np.sort(total) if scenario.costs else merge_sorted(ordered["cost"], total)
            )
        shown = {oid: x for oid, x in ordered.items() if oid != "cost" or watch_cost}
        widths = half_widths(shown, conv.p, conv.confidence, ordered=True)
        limit = {"cost": conv.cost_tolerance or math.inf}
        ok = all(
            w <= limit.get(oid, conv.tolerance)
            for oid, by_p in widths.items()
            for w in by_p.values()
        )
        if ok or done >= conv.max_iterations:
            break
    report = ConvergenceReport(
        converged=ok,
        iterations=done,
        percentiles=tuple(conv.p),
        tolerance=conv.tolerance,
        cost_tolerance=conv.cost_tolerance,
        confidence=conv.confidence,
        max_iterations=conv.max_iterations,
        block=conv.block,
        half_widths=widths,
    )
    if not ok:
        warnings.warn(not_converged(report), RiskEngineWarning, stacklevel=4)
    return report


def not_converged(report: ConvergenceReport) -> str:
    """The warning of a run that reached max_iterations: the widest interval against its
    tolerance."""
    oid, key, width, limit = report.excess()
    what = (
        "the total cost"
        if oid == "cost"
        else ("the project finish" if oid == "project" else f"milestone {show(oid)}")
    )
    unit = "" if oid == "cost" else " working days"
    known = (
        f"is known within ±{width:,.4g}{unit}" if math.isfinite(width) else "cannot be bounded yet"
    )
    return (
        f"did not converge in {report.iterations:,} iterations (max_iterations): the "
        f"{key} of {what} {known} at {report.confidence:.0%} confidence, against a "
        f"tolerance of ±{limit:,.4g}{unit}"
    )


def _joined(parts: list[KernelOutput]) -> KernelOutput:
    """The kernel outputs of consecutive iteration ranges as one (outputs, costs and cost
    spans; the counters are not needed)."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    return first._replace(
        out=np.concatenate([p.out for p in parts]),
        cost=np.concatenate([p.cost for p in parts]),
        spans=np.concatenate([p.spans for p in parts]),
    )


def latest_finish_days(net: CompiledNetwork) -> dict[int, int]:
    """Task position -> the union day its latest finish date (a finish-no-later-than,
    finish-on or mandatory-finish constraint) ends, the day its finish is counted on
    (kernels/network.py ``_count_finishes``)."""
    limit = net.con[:, 2]
    return {int(i): int(math.ceil(limit[i] - DATE_EPS)) - 1 for i in np.flatnonzero(limit < np.inf)}


def _counted_exactly(fd: FinishDays, latest: dict[int, int]) -> bool:
    """Whether each task's finishes up to its latest finish day are counted exactly: the
    day is inside the task's window, before every finish seen or after all of them (the
    end bins also hold the days beyond the window)."""
    width = fd.counts.shape[1]
    for i, day in latest.items():
        inside = fd.base[i] <= day < fd.base[i] + width - 1
        if not (inside or day < fd.first[i] or day >= fd.last[i]):
            return False
    return True


def _stage(progress: Progress | None, name: str) -> Progress | None:
    """The callback for a pass after the main simulation: ``progress`` itself when it has
    a ``stage`` method (called with the pass's name first, as terminal.LazyProgress
    has), else None: a plain callback hears of the simulation's iterations only."""
    stage = getattr(progress, "stage", None)
    if stage is None:
        return None
    stage(name)
    return progress


def _available_memory() -> int | None:
    """Bytes of memory available to a new allocation, where the system says."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def memory_needed(net: CompiledNetwork, iterations: int, *, sensitivity: Selection = True) -> int:
    """An estimate (from above) of the bytes a run needs: the per-iteration outputs and
    their working copies (project days, sorting), the ranks of the outputs of one
    sensitivity pass and their sorting, costs, and the per-thread counters. Samples are
    never stored."""
    outputs = net.ms_ptr.size  # milestones, cost spans, project
    chosen = _select(net.milestone_ids, ~np.isnan(net.targets), sensitivity)
    ranked = min(len(chosen), MAX_OUTPUTS) + 6 if chosen else 0  # + average_ranks' work
    groups = 1 + len(net.group_ids) if net.has_costs else 0
    per_iteration = outputs * 8 * 3 + ranked * 8 + groups * 8 * 3 + 64
    counters = thread_count() * net.n_tasks * (outputs + 4) * 8
    return iterations * per_iteration + counters


def _check_memory(
    scenario: Scenario, net: CompiledNetwork, iterations: int, *, sensitivity: Selection
) -> None:
    """ScenarioError before anything is allocated when the run cannot fit in memory."""
    need = memory_needed(net, iterations, sensitivity=sensitivity)
    have = _available_memory()
    if have is None or need <= 0.8 * have:
        return
    raise ScenarioError(
        f"{iterations:,} iterations of this network need about {need / 2**30:,.1f} GB of "
        f"memory for their per-iteration results, but only {have / 2**30:,.1f} GB is "
        "available: run fewer iterations",
        file=scenario.source,
        field="iterations",
    )


def sensitivity_outputs(scenario: Scenario, sensitivity: Selection = True) -> tuple[str, ...]:
    """The outputs :func:`simulate` computes task sensitivity against for its
    ``sensitivity`` argument: milestone ids in file order, then ``"project"``.

    Raises
    ------
    ScenarioError
        For an unknown milestone id, or a value that is none of those ``simulate``
        takes.
    """
    with_target = [m.target is not None or m.target_date is not None for m in scenario.milestones]
    return _select(tuple(m.id for m in scenario.milestones), with_target, sensitivity)


def _select(
    milestone_ids: Sequence[str], with_target: Sequence[bool], sensitivity: Selection
) -> tuple[str, ...]:
    outputs = (*milestone_ids, "project")
    if sensitivity is True:
        return (*(m for m, t in zip(milestone_ids, with_target, strict=True) if t), "project")
    if sensitivity is False or sensitivity == "none":
        return ()
    if sensitivity == "all":
        return outputs
    if isinstance(sensitivity, str) or not isinstance(sensitivity, Sequence):
        raise ScenarioError(
            'must be True, False, "all", "none" or a list of milestone ids, '
            f"got {show(sensitivity)}",
            field="sensitivity",
        )
    for oid in sensitivity:
        if oid not in outputs:
            raise ScenarioError(
                f"unknown milestone {show(oid)}{did_you_mean(oid, outputs)} "
                f"(known: {short_list(outputs, ', ')})",
                field="sensitivity",
            )
    named = set(sensitivity)
    return tuple(o for o in outputs if o in named)


def _check_horizon(scenario: Scenario, timeline: Timeline, project_finish: np.ndarray) -> None:
    """ScenarioError when an iteration finishes beyond the calendar tables (150 years),
    where dates and working days would be wrong."""
    if not timeline.bounded:
        return  # no start date and one calendar: plain numbers, no tables
    worst = float(project_finish.max())
    if worst <= timeline.horizon:
        return
    field, value = largest_quantity(scenario)
    hint = f" (the largest, {value:,.6g} working days, is here)" if field else ""
    raise ScenarioError(
        f"the schedule runs past {timeline.last_day}, the end of the calendar "
        f"({HORIZON_YEARS} years from the start): check the durations and lags{hint}",
        file=scenario.source,
        field=field,
    )


def largest_quantity(scenario: Scenario) -> tuple[str | None, float]:
    """The field of the largest duration bound, lag or risk delay bound of a scenario,
    and its value: the likely cause of a schedule that runs off the calendar."""
    best: tuple[str | None, float] = (None, 0.0)

    def consider(field: str, d: Distribution | None) -> None:
        nonlocal best
        if d is None:
            return
        p = d.params
        values = [v for k, v in p.items() if k in ("value", "max", "high", "mean", "p90")]
        values += list(p.get("values", ()))
        top = max((abs(float(v)) for v in values), default=0.0)
        if top > best[1]:
            best = (field, top)

    for t in scenario.tasks:
        consider(f"tasks[{t.id}].duration", t.duration)
        consider(f"tasks[{t.id}].remaining", t.remaining)
        for j, lk in enumerate(t.predecessors):
            if abs(lk.lag) > best[1]:
                best = (f"tasks[{t.id}].predecessors[{j}].lag", abs(lk.lag))
    for r in scenario.risks:
        for j, imp in enumerate(r.impacts):
            consider(f"risks[{r.id}].impacts[{j}].delay", imp.delay)
    return best


_FINISH_DAYS_BYTES = 256 * 2**20  # finish-day counts larger than this: no task dates
_PILOT = 256  # iterations of the pilot run that sizes each task's window


def _finish_window(
    net: CompiledNetwork, iterations: int, seed: int, lhs_n: int
) -> tuple[np.ndarray, int] | None:
    """Each task's window of finish days to count: the range a short pilot run saw,
    widened by that range plus 16 days on each side (a percentile beyond it triggers an
    exact recount); None when the counts would not fit in memory."""
    n = net.n_tasks
    pilot = run_kernel(
        net.without_costs(),
        min(iterations, _PILOT),
        seed,
        criticality=False,
        lhs_n=lhs_n,
        finish_window=(np.zeros(n, np.int64), 1),
    ).finish_days
    assert pilot is not None  # a finish window was asked for
    spread = pilot.last - pilot.first
    base = np.maximum(pilot.first - spread - 16, 0)
    width = int((pilot.last + spread + 16 - base).max()) + 1
    if thread_count() * n * width * 4 > _FINISH_DAYS_BYTES:
        return None
    return base, width


def _total_costs(
    scenario: Scenario,
    net: CompiledNetwork,
    k: KernelOutput,
    seed: int,
    lhs_n: int,
    mitigated: bool,
    project_days: np.ndarray,
) -> dict[str, np.ndarray] | None:
    """Per-iteration cost: ``"total"`` and one array per cost group; None without costs.

    Adds the project cost items (fixed + per day × the project's duration,
    ``project_days``, in working days of the project calendar; draws 0 and 1 of each
    item's own stream) and, in a
    mitigated run, the mitigation actions' costs. When the scenario uses cost groups,
    every cost is in one group, so the groups add up to the total: an item without a
    group in UNGROUPED (as the kernel puts such tasks), mitigation spend in
    MITIGATION_GROUP."""
    action = sum(r.mitigation.cost for r in scenario.risks if r.mitigation) if mitigated else 0.0
    if not k.cost.shape[1] and not scenario.costs and not action:
        return None
    n = k.out.shape[0]
    total = k.cost[:, 0].copy() if k.cost.shape[1] else np.zeros(n)
    groups = {g: k.cost[:, 1 + i].copy() for i, g in enumerate(net.group_ids)}
    grouped = uses_groups(scenario)
    if scenario.costs:
        sampler = DrawSampler(net, seed, n, lhs_n)
        tl = net.timeline
        span_of = {sid: j for j, sid in enumerate(net.span_ids)}
        for item in scenario.costs:
            value = np.zeros(n)
            if item.cost.fixed is not None:
                value += sampler.draws("cost", item.id, ITEM_FIXED_DRAW, item.cost.fixed)
            if item.cost.per_day is not None:
                if item.span:  # its own tasks' finish, from its own start, its calendar
                    begin = tl.start_of(item.span_start) if item.span_start else 0.0
                    cal = item.span_calendar
                    days = tl.position(k.spans[:, span_of[item.id]], cal) - tl.position(begin, cal)
                    days = np.maximum(days, 0.0)
                else:
                    days = project_days
                value += sampler.draws("cost", item.id, ITEM_RATE_DRAW, item.cost.per_day) * days
            total += value
            group = item.group or (UNGROUPED if grouped else "")
            if group:
                groups[group] = groups.get(group, 0.0) + value
    total += action
    if action and grouped:
        groups[MITIGATION_GROUP] = groups.get(MITIGATION_GROUP, np.zeros(n)) + action
    return {"total": total, **groups}


def deterministic_plan(
    scenario: Scenario, *, mitigated: bool = False, network: CompiledNetwork | None = None
) -> Results:
    """The deterministic plan: the single-point schedule and cost of a scenario.

    Every duration, remaining duration and cost at its single-point estimate
    (:func:`~riskengine.model.distributions.most_likely`), every task happening and no
    risk events, simulated as one iteration of the same engine.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    mitigated : bool, default False
        Add every mitigation's cost, as a mitigated run does.
    network : CompiledNetwork, optional
        The scenario already compiled (with the same ``mitigated``), whose arrays are
        then fixed at those estimates instead of compiling a second network.

    Returns
    -------
    Results
        One iteration: ``project_finish[0]``, ``finishes[milestone][0]`` and, with costs,
        ``costs["total"][0]``.

    Raises
    ------
    ScenarioError
        For an invalid scenario.
    """
    if network is None:
        try:
            network = compile_network(scenario, mitigated=mitigated)
        except ScenarioError as e:
            raise e.located(scenario.source) from None

    def point(d: Distribution | None) -> Distribution | None:
        return None if d is None else Distribution("fixed", {"value": most_likely(d)})

    items = tuple(
        dataclasses.replace(c, cost=Cost(point(c.cost.fixed), point(c.cost.per_day)))
        for c in scenario.costs
    )
    return simulate(
        dataclasses.replace(scenario, costs=items),
        iterations=1,
        mitigated=mitigated,
        plan=False,
        percentiles=(50.0,),
        criticality=False,
        sensitivity=False,
        drivers=False,
        task_dates=False,
        jcl=None,
        sampling="monte-carlo",
        network=point_network(network, scenario),
    )


def point_network(net: CompiledNetwork, scenario: Scenario) -> CompiledNetwork:
    """``net`` (compiled from ``scenario``) with every duration, remaining duration and
    cost part fixed at its single-point estimate, every task happening, no risk
    occurring and no correlation, and every constraint applied as P6 applies it (the
    mandatory dates, and the latest dates in the late dates), the late dates counted
    back from the must-finish-by date when there is one: the deterministic plan's
    network."""
    tasks = {t.id: t for t in scenario.tasks}
    n = net.n_tasks
    par = np.zeros_like(net.par)
    cost_par = np.zeros_like(net.cost_par)
    for k, tid in enumerate(net.task_ids):
        t = tasks[tid]
        par[k, 0] = most_likely(duration_to_draw(t, int(net.task_mode[k])))
        if t.cost is not None:
            for j, part in enumerate((t.cost.fixed, t.cost.per_day)):
                if part is not None:
                    cost_par[k, j, 0] = most_likely(part)
    return dataclasses.replace(
        net,
        code=np.full(n, FIXED, np.int64),
        par=par,
        cost_code=np.full_like(net.cost_code, FIXED),
        cost_par=cost_par,
        exist_p=np.ones(n),
        risk_p=np.zeros_like(net.risk_p),
        corr_slot=np.full(n, -1, np.int64),
        corr_group=np.full(n, -1, np.int64),
        imp_slot=np.full_like(net.imp_slot, -1),
        group_ptr=np.zeros(1, np.int64),
        slot_stream=np.zeros((0, 2), np.uint64),
        slot_draw=np.zeros(0, np.int64),
        factor=np.zeros(1),
        factor_ptr=np.zeros(1, np.int64),
        con_hard=np.ones(1, np.int64),  # the plan applies every constraint, as P6 does
        finish_by=np.array(
            [np.inf if scenario.finish_by is None else net.timeline.end_of(scenario.finish_by)]
        ),
    )
