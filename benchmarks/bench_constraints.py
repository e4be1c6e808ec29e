"""What date constraints cost, against the same network without them in the same run.

    python benchmarks/bench_constraints.py [--tasks 10000] [--iterations 100000]

The kernel (forward + backward pass + criticality) on the synthetic network
(benchmarks/network.py) with a start date, as ratios to the plain case:

- plain: no constraint (the plain kernel);
- constrained, soft / hard: 10 % of the tasks, chosen at random, with one of the eight
  constraint types (dates spread over the schedule), ``simulation.constraints`` soft
  or hard.

Target (issue 12): plain networks keep their speed; measure that side by side with the
previous commit by running ``plain`` in both trees (this script prints its M task-it/s).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import riskengine  # noqa: E402, F401  (before numba: it picks numba's vector width)

# isort: split
import numba  # noqa: E402

from network import synthetic_scenario  # noqa: E402
from riskengine.engine.compile import compile_network  # noqa: E402
from riskengine.engine.runner import run_kernel  # noqa: E402
from riskengine.model.scenario import CONSTRAINT_KINDS, Constraint, SimulationSettings  # noqa: E402

SEED = 12345
START = _dt.date(2027, 1, 4)


def constrained(sc, policy: str, share: float = 0.1):
    """``sc`` with ``share`` of its tasks constrained, dates within two years."""
    rng = random.Random(4)
    tasks = list(sc.tasks)
    for i, t in enumerate(tasks):
        if rng.random() < share:
            day = START + _dt.timedelta(days=rng.randrange(730))
            tasks[i] = dataclasses.replace(
                t, constraints=(Constraint(rng.choice(CONSTRAINT_KINDS), day),)
            )
    return dataclasses.replace(
        sc, tasks=tuple(tasks), simulation=SimulationSettings(constraints=policy)
    )


def median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--iterations", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    base = dataclasses.replace(synthetic_scenario(args.tasks, seed=3), start=START)
    its = args.iterations
    work = args.tasks * its
    cases = [
        ("plain", compile_network(base)),
        ("constrained 10 %, soft", compile_network(constrained(base, "soft"))),
        ("constrained 10 %, hard", compile_network(constrained(base, "hard"))),
    ]
    print(
        f"{args.tasks:,} tasks, {its:,} iterations, {numba.get_num_threads()} threads; "
        f"kernel forward + backward + criticality, median of {args.repeat}"
    )
    for _, net in cases:  # compile or load every kernel first
        run_kernel(net, 256, SEED)
    ref = None
    print(f"{'case':<28} {'seconds':>8} {'M task-it/s':>12} {'vs plain':>9}")
    for name, net in cases:
        t = median(lambda net=net: run_kernel(net, its, SEED), args.repeat)
        ref = ref or t
        print(f"{name:<28} {t:>8.3f} {work / t / 1e6:>12,.0f} {ref / t:>8.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
