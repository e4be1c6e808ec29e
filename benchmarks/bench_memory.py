"""Peak memory of a large run: 10,000 tasks x 1,000,000 iterations through ``simulate``.

    python benchmarks/bench_memory.py [--tasks 10000] [--iterations 1000000] [--block 64]

Target: peak RSS (``ru_maxrss``) below 1.5 GiB with criticality on. Memory must not grow
with iterations x tasks (samples are never stored): the per-iteration outputs are
iterations x (milestones + 1) floats, the kernel's work arrays are per thread.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import riskengine  # noqa: E402, F401  (before numba: it picks numba's vector width)

# isort: split
import numba  # noqa: E402

from network import synthetic_scenario  # noqa: E402
from riskengine.engine.simulation import _simulate

TARGET = 1.5 * 2**30
MIB = 2**20


def peak_rss() -> int:
    """Peak resident set size of this process in bytes (Linux reports KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib if sys.platform == "darwin" else kib * 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--iterations", type=int, default=1_000_000)
    ap.add_argument("--block", type=int, default=64)
    args = ap.parse_args(argv)

    # with a start date, as a PMO runs it: task finish dates are counted too
    scenario = dataclasses.replace(synthetic_scenario(args.tasks), start=_dt.date(2027, 1, 4))
    t0 = time.perf_counter()
    _simulate(scenario, iterations=256, seed=1, block=args.block)  # numba warm-up
    warm = time.perf_counter() - t0
    before = peak_rss()

    t0 = time.perf_counter()
    res = _simulate(scenario, iterations=args.iterations, seed=1, block=args.block)
    elapsed = time.perf_counter() - t0
    after = peak_rss()
    n_out = len(scenario.milestones) + 1
    rate = args.tasks * args.iterations / elapsed

    print(
        f"simulate: {args.tasks:,} tasks x {args.iterations:,} iterations, criticality on, "
        f"block {args.block}, {numba.get_num_threads()} numba threads"
    )
    print(f"warm-up (256 iterations, numba cache load)  {warm:8.2f} s")
    print(f"run time                                    {elapsed:8.2f} s", end="")
    print(f"  ({rate / 1e6:,.0f} M task-it/s)")
    print(f"peak RSS before the run (imports + model)   {before / MIB:8,.0f} MiB")
    print(f"peak RSS after the run                      {after / MIB:8,.0f} MiB")
    print(f"growth during the run                       {(after - before) / MIB:8,.0f} MiB")
    outputs = args.iterations * n_out * 8
    print(
        f"  per-iteration outputs, for comparison    {outputs / MIB:8,.0f} MiB"
        "  (the kernel's array; Results holds views of its columns)"
    )
    verdict = "PASS" if after < TARGET else f"MISS (by {100 * (after / TARGET - 1):.0f}%)"
    print(f"target: peak RSS < {TARGET / MIB:,.0f} MiB (1.5 GiB)  ->  {verdict}")
    print(f"(sanity: project finish mean {res.project_finish.mean():.1f} working days)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
