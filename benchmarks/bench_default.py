"""The full default ``simulate()`` against the numpy reference, measured in the same run.

    python benchmarks/bench_default.py [--tasks 10000] [--iterations 100000] [--repeat 3]
                                       [--dated]

What a user waits for: ``riskengine.simulate`` with its defaults (criticality for every
milestone, task sensitivity for the project and the milestones with a target: all five
here) on the synthetic network of benchmarks/network.py; ``--dated`` gives it a start
date, so task finish dates are counted too. The kernel alone (``run_kernel`` with
criticality for every milestone, what the main simulation spends most of its time in)
is shown for reference.
Targets (issue 11): the full default run at least 15x the numpy reference (forward +
backward pass + project criticality, benchmarks/numpy_reference.py, as in
bench_throughput.py), and the sensitivity pass at most half the cost of the main
simulation (``simulate(sensitivity=False)``). Times are medians of ``--repeat`` runs;
the machine is shared, so ``uptime`` is printed before and after.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import riskengine  # noqa: E402  (before numba: it picks numba's vector width)

# isort: split
import numba  # noqa: E402
import numpy as np  # noqa: E402

from bench_throughput import numpy_rate  # noqa: E402
from network import synthetic_scenario  # noqa: E402
from numpy_reference import LevelPlan  # noqa: E402
from riskengine.analysis.sensitivity import task_sensitivity  # noqa: E402
from riskengine.engine.compile import compile_network  # noqa: E402
from riskengine.engine.runner import run_kernel  # noqa: E402
from riskengine.engine.simulation import sensitivity_outputs  # noqa: E402

SEED = 12345
START = _dt.date(2027, 1, 4)
TARGET_RATIO = 15.0
TARGET_SENS = 0.5


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def uptime() -> str:
    load = os.getloadavg()
    return f"load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}"


def verdict(ok: bool, by: float) -> str:
    return "PASS" if ok else f"MISS (by {by:.0f}%)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--iterations", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3, help="timings per case; medians reported")
    ap.add_argument("--numpy-seconds", type=float, default=5.0, help="min numpy run time")
    ap.add_argument("--numpy-chunk", type=int, default=1000, help="numpy iterations per chunk")
    ap.add_argument("--dated", action="store_true", help="a start date: task dates counted")
    args = ap.parse_args(argv)
    print(f"before: {uptime()}")

    scenario = synthetic_scenario(args.tasks)
    if args.dated:
        scenario = dataclasses.replace(scenario, start=START)
    net = compile_network(scenario)
    its = args.iterations
    work = net.n_tasks * its
    outputs = sensitivity_outputs(scenario, True)
    print(
        f"network: {net.n_tasks:,} tasks, {len(net.milestone_ids)} milestones, "
        f"start {scenario.start or '(none: no task dates)'}; "
        f"{its:,} iterations, {numba.get_num_threads()} numba threads; "
        f"sensitivity against {', '.join(outputs)}"
    )
    riskengine.simulate(scenario, 256, SEED, network=net)  # numba: compile or load

    def full() -> None:
        riskengine.simulate(scenario, its, SEED, network=net)

    def main_sim() -> None:
        riskengine.simulate(scenario, its, SEED, network=net, sensitivity=False)

    k = run_kernel(net, its, SEED)
    days = net.timeline.to_project_days(k.out)
    ids = [*net.milestone_ids, "project"]
    cols = {oid: days[:, ids.index(oid)] for oid in outputs}
    crit = {oid: k.critical[ids.index(oid)] / its for oid in outputs}

    def sens_pass() -> None:
        task_sensitivity(net, SEED, cols, crit)

    plan = LevelPlan(net)
    cases = {
        "full": full,
        "main": main_sim,
        "sens": sens_pass,
        "kernel": lambda: run_kernel(net, its, SEED),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    numpy_rates = []
    for _ in range(args.repeat):  # round after round, so every case sees the same load
        for name, fn in cases.items():
            times[name].append(median_time(fn, 1))
        n_its, n_t = numpy_rate(net, plan, True, args.numpy_chunk, args.numpy_seconds)
        numpy_rates.append(net.n_tasks * n_its / n_t)
    t_full, t_main, t_sens, t_kernel = (
        float(np.median(times[k])) for k in ("full", "main", "sens", "kernel")
    )
    r_numpy = float(np.median(numpy_rates))
    print(
        f"\nmedians of {args.repeat} rounds (each case once per round); numpy: "
        f"{args.numpy_chunk}-iteration chunks for {args.numpy_seconds:g} s a round (its "
        "seconds: the same work at its rate)"
    )
    print(f"{'case':<58} {'seconds':>8} {'M task-it/s':>12} {'vs numpy':>9}")
    rows = [
        ("simulate() with defaults (full)", t_full, work / t_full),
        ("simulate(sensitivity=False) (the main simulation)", t_main, work / t_main),
        ("the sensitivity pass alone (task_sensitivity)", t_sens, work / t_sens),
        ("the kernel alone (run_kernel, criticality per milestone)", t_kernel, work / t_kernel),
        ("numpy reference: forward + backward + project crit.", work / r_numpy, r_numpy),
    ]
    for name, t, r in rows:
        print(f"{name:<58} {t:>8.3f} {r / 1e6:>12,.0f} {r / r_numpy:>8.1f}x")
    ratio = work / t_full / r_numpy
    share = t_sens / t_main
    print(f"\n{'target':<58} {'measured':>8} {'target':>8}  result")
    print(
        f"{'full default simulate() / numpy reference':<58} {ratio:>7.1f}x {'>= 15x':>8}  "
        f"{verdict(ratio >= TARGET_RATIO, 100 * (1 - ratio / TARGET_RATIO))}"
    )
    print(
        f"{'sensitivity pass / main simulation':<58} {share:>8.2f} {'<= 0.5':>8}  "
        f"{verdict(share <= TARGET_SENS, 100 * (share / TARGET_SENS - 1))}"
    )
    print(f"after: {uptime()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
