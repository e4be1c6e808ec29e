"""Kernel throughput against its targets and against the numpy reference, in the same run.

    python benchmarks/bench_throughput.py [--tasks 10000] [--iterations 100000] [--block 64]
    python benchmarks/bench_throughput.py --blocks 16,32,64,128      # block-size sweep
    python benchmarks/bench_throughput.py --fixed                    # no sampling cost

Throughput is task-iterations per second (tasks x iterations / wall time). Targets (see
benchmarks/README.md): (a) forward pass with milestone outputs >= 1.5 G/s; (b) forward +
backward pass + criticality (of the project, as the numpy reference computes it)
>= 700 M/s and >= 15x the numpy reference. Row (c) is what ``simulate`` runs by default:
criticality towards every milestone too (one backward pass per milestone over its
ancestors), shown as a ratio to (b).
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import riskengine  # noqa: E402, F401  (before numba: it picks numba's vector width)

# isort: split
import numba  # noqa: E402
import numpy as np  # noqa: E402

from network import synthetic_scenario  # noqa: E402
from numpy_reference import LevelPlan, Workspace, cpm_chunk, self_check  # noqa: E402
from riskengine.engine.compile import compile_network
from riskengine.engine.simulation import run_kernel  # noqa: E402

TARGET_A = 1.5e9
TARGET_B = 700e6
TARGET_RATIO_B = 15.0
SEED = 12345


def best_time(fn, repeat: int) -> tuple[float, float]:
    """Best and median wall time of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


def numpy_rate(net, plan, criticality: bool, chunk: int, seconds: float) -> tuple[int, float]:
    """Run the numpy reference chunk after chunk for at least ``seconds``; (iters, time)."""
    gen = np.random.Generator(np.random.Philox(SEED))
    work = Workspace(plan, chunk)
    for _ in range(2):  # warm-up: page faults of the workspace, allocator
        cpm_chunk(net, plan, chunk, criticality, gen=gen, work=work)
    done, t0 = 0, time.perf_counter()
    while True:
        cpm_chunk(net, plan, chunk, criticality, gen=gen, work=work)
        done += chunk
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return done, elapsed


def verdict(value: float, target: float) -> str:
    if value >= target:
        return "PASS"
    return f"MISS (by {100 * (1 - value / target):.0f}%)"


def fmt_rate(r: float) -> str:
    return f"{r / 1e6:,.0f} M/s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--iterations", type=int, default=100_000, help="kernel iterations")
    ap.add_argument("--block", type=int, default=64)
    ap.add_argument("--blocks", help="comma-separated block sizes: sweep the kernel only")
    ap.add_argument("--fixed", action="store_true", help="fixed durations (no sampling)")
    ap.add_argument("--repeat", type=int, default=3, help="kernel timings; best is reported")
    ap.add_argument("--numpy-seconds", type=float, default=5.0, help="min numpy run time")
    ap.add_argument("--numpy-chunk", type=int, default=1000, help="numpy iterations per chunk")
    ap.add_argument("--seed", type=int, default=0, help="network seed")
    args = ap.parse_args(argv)

    durations = "fixed" if args.fixed else "triangular"
    print(f"python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}")
    self_check()
    print("numpy reference self-check: exact match with run_kernel (fixed + triangular)")

    t0 = time.perf_counter()
    scenario = synthetic_scenario(args.tasks, seed=args.seed, durations=durations)
    t1 = time.perf_counter()
    net = compile_network(scenario)
    t2 = time.perf_counter()
    plan = LevelPlan(net)
    n = net.n_tasks
    print(
        f"network: {n:,} tasks, {net.n_links:,} links, {plan.n_levels} levels, "
        f"{durations} durations (built {t1 - t0:.2f} s, compiled {t2 - t1:.2f} s)"
    )

    t0 = time.perf_counter()
    blocks = [int(b) for b in args.blocks.split(",")] if args.blocks else [args.block]
    for b in blocks:
        for crit in (False, "project", True):
            run_kernel(net, 8 * b, SEED, criticality=crit, block=b)
    threads = numba.get_num_threads()
    print(
        f"numba threads: {threads} (layer {numba.threading_layer()}), "
        f"warm-up {time.perf_counter() - t0:.2f} s"
    )

    its = args.iterations
    work = n * its

    def kernel(crit: bool | str, block: int, net=net) -> tuple[float, float]:
        return best_time(
            lambda: run_kernel(net, its, SEED, criticality=crit, block=block), args.repeat
        )

    if args.blocks:
        print(f"\nblock sweep, {its:,} iterations, best of {args.repeat} (M task-it/s)")
        print(f"{'block':>6} {'(a) forward':>12} {'(b) fwd+bwd+crit':>17}")
        for b in blocks:
            ta, _ = kernel(False, b)
            tb, _ = kernel("project", b)
            print(f"{b:>6} {work / ta / 1e6:>12,.0f} {work / tb / 1e6:>17,.0f}")
        return 0

    ta, ma = kernel(False, args.block)
    tb, mb = kernel("project", args.block)
    tc, mc = kernel(True, args.block)
    # ~Sampling alone: the same tasks with no links, so the CPM part is trivial.
    bare = dataclasses.replace(
        scenario, tasks=tuple(dataclasses.replace(t, predecessors=()) for t in scenario.tasks)
    )
    net_bare = compile_network(bare)
    run_kernel(net_bare, 8 * args.block, SEED, criticality=False, block=args.block)
    ts, ms = kernel(False, args.block, net_bare)
    na_its, na_t = numpy_rate(net, plan, False, args.numpy_chunk, args.numpy_seconds)
    nb_its, nb_t = numpy_rate(net, plan, True, args.numpy_chunk, args.numpy_seconds)

    ra, rb, rc, rs = work / ta, work / tb, work / tc, work / ts
    rna, rnb = n * na_its / na_t, n * nb_its / nb_t
    rows = [
        ("(a) kernel: forward + milestones", its, ta, ma, ra),
        ("(b) kernel: forward + backward + criticality", its, tb, mb, rb),
        ("(c) (b) + criticality per milestone (default)", its, tc, mc, rc),
        ("    kernel: same tasks, no links (~sampling only)", its, ts, ms, rs),
        ("(a) numpy by level: forward + milestones", na_its, na_t, None, rna),
        ("(b) numpy by level: forward + backward + crit.", nb_its, nb_t, None, rnb),
    ]
    print(
        f"\nblock {args.block}; kernel: best (median) of {args.repeat}; "
        f"numpy: one run of {args.numpy_chunk}-iteration chunks"
    )
    print(f"{'case':<50} {'iterations':>10} {'seconds':>16} {'M task-it/s':>12}")
    for name, it, t, med, r in rows:
        secs = f"{t:.3f} ({med:.3f})" if med is not None else f"{t:.3f}"
        print(f"{name:<50} {it:>10,} {secs:>16} {r / 1e6:>12,.0f}")
    print(f"ratio kernel/numpy: (a) {ra / rna:.1f}x   (b) {rb / rnb:.1f}x")
    print(
        f"ratio (c)/(b): {rc / rb:.2f} (the milestone passes: {net.anc_task.size / n:.1f}x n tasks)"
    )

    note = (
        "  (fixed durations: sampling excluded; targets are for triangular)" if args.fixed else ""
    )
    print(f"\n{'target':<44} {'measured':>12} {'target':>12}  result{note}")
    checks = [
        ("(a) kernel forward + milestones", fmt_rate(ra), ">= 1,500 M/s", verdict(ra, TARGET_A)),
        (
            "(b) kernel forward + backward + criticality",
            fmt_rate(rb),
            ">= 700 M/s",
            verdict(rb, TARGET_B),
        ),
        (
            "(b) kernel / numpy reference",
            f"{rb / rnb:.1f}x",
            ">= 15x",
            verdict(rb / rnb, TARGET_RATIO_B),
        ),
    ]
    for name, val, tgt, res in checks:
        print(f"{name:<44} {val:>12} {tgt:>12}  {res}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
