"""What calendars, costs and task finish dates cost, against the plain kernel in the same run.

    python benchmarks/bench_calendar_cost.py [--tasks 10000] [--iterations 100000]

All cases run the full kernel (forward + backward pass + criticality) on the same
synthetic network (benchmarks/network.py), so the ratios show the price of each feature:

- plain: one calendar, no costs (the throughput benchmark's case (b));
- calendars: half the tasks, chosen at random, on a six-day calendar, the rest on
  Monday–Friday with ten holidays a year, so every link crosses calendars half the time;
- costs: every task with a fixed cost and a per-day rate, both uncertain, in ten groups;
- finish dates: the per-task finish-day counts behind the task P-value dates;
- all three together, and ``riskengine.simulate`` with everything on (sensitivity off).

Target (issue 4): none given; the plain case stays the reference for issues 2's targets.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import riskengine  # noqa: E402  (before numba: it picks numba's vector width)

# isort: split
import numba  # noqa: E402

from network import synthetic_scenario  # noqa: E402
from riskengine.engine.compile import compile_network
from riskengine.engine.simulation import _finish_window, run_kernel  # noqa: E402
from riskengine.model.distributions import parse_distribution
from riskengine.model.scenario import Calendar, Cost

SEED = 12345
START = _dt.date(2027, 1, 4)


def holidays(years: int = 20) -> tuple[_dt.date, ...]:
    rng = random.Random(1)
    days = []
    for y in range(START.year, START.year + years):
        days += [_dt.date(y, 1, 1) + _dt.timedelta(days=rng.randrange(365)) for _ in range(10)]
    return tuple(sorted(set(days)))


def with_calendars(sc):
    rng = random.Random(2)
    tasks = tuple(
        dataclasses.replace(t, calendar="six" if rng.random() < 0.5 else "office") for t in sc.tasks
    )
    cals = (Calendar("office", holidays=holidays()), Calendar("six", workdays=tuple(range(6))))
    return dataclasses.replace(sc, tasks=tasks, calendars=cals, calendar="office")


def with_costs(sc):
    fixed = parse_distribution({"dist": "triangular", "min": 900, "mode": 1000, "max": 1500})
    rate = parse_distribution({"dist": "uniform", "min": 400, "max": 600})
    tasks = tuple(
        dataclasses.replace(t, cost=Cost(fixed, rate), group=f"g{i % 10}")
        for i, t in enumerate(sc.tasks)
    )
    return dataclasses.replace(sc, tasks=tasks)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--iterations", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    base = dataclasses.replace(synthetic_scenario(args.tasks, seed=3), start=START)
    its = args.iterations
    work = args.tasks * its
    nets = {
        "plain": compile_network(base),
        "calendars": compile_network(with_calendars(base)),
        "costs": compile_network(with_costs(base)),
    }
    nets["all three"] = compile_network(with_costs(with_calendars(base)))
    plain_window = _finish_window(nets["plain"], its, SEED, 0)
    cases = [
        ("plain", nets["plain"], None),
        ("calendars (half the tasks on a 6-day week)", nets["calendars"], None),
        ("costs (every task, 10 groups)", nets["costs"], None),
        (f"finish dates ({plain_window[1]}-day window per task)", nets["plain"], plain_window),
        ("all three", nets["all three"], _finish_window(nets["all three"], its, SEED, 0)),
    ]
    print(
        f"{args.tasks:,} tasks, {its:,} iterations, {numba.get_num_threads()} threads; "
        f"kernel forward + backward + criticality, best of {args.repeat}"
    )
    for _, net, b in cases:  # compile or load every variant first
        run_kernel(net, 256, SEED, finish_window=b)
    ref = None
    print(f"{'case':<46} {'seconds':>8} {'M task-it/s':>12} {'vs plain':>9}")
    for name, net, b in cases:
        t = best(lambda net=net, b=b: run_kernel(net, its, SEED, finish_window=b), args.repeat)
        ref = ref or t
        print(f"{name:<46} {t:>8.3f} {work / t / 1e6:>12,.0f} {ref / t:>8.2f}x")
    full = with_costs(with_calendars(base))
    t = best(lambda: riskengine.simulate(full, its, SEED, sensitivity=False, drivers=False), 1)
    print(
        f"{'simulate(): all three + plan + JCL':<46} {t:>8.3f} {work / t / 1e6:>12,.0f} "
        f"{ref / t:>8.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
