"""The full risk register with drivers: 1,000 tasks, 100 risks, 101 simulations.

    python benchmarks/bench_register.py [--tasks 1000] [--risks 100] [--iterations 10000]

Target (issue 3): the whole register, drivers included (one baseline simulation plus one
re-run without each risk), under 10 s with a warm numba cache. Prints the time, the
simulations per second, and the ratio to one plain simulation measured in the same run.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import riskengine  # noqa: E402, F401  (before numba: it picks numba's vector width)

# isort: split
from network import synthetic_scenario  # noqa: E402
from riskengine import Scenario, parse_distribution, simulate  # noqa: E402
from riskengine.model import Impact, Mitigation, Risk  # noqa: E402
from riskengine.register import risk_register  # noqa: E402

TARGET = 10.0


def with_risks(scenario: Scenario, n_risks: int, seed: int = 1) -> Scenario:
    rng = random.Random(seed)
    ids = [t.id for t in scenario.tasks]
    risks = []
    for r in range(n_risks):
        impacts = []
        for tid in rng.sample(ids, rng.randint(1, 3)):
            lo = rng.randint(1, 10)
            delay = parse_distribution([lo, lo + rng.randint(0, 10), lo + rng.randint(11, 30)])
            pct = parse_distribution({"dist": "uniform", "min": 5, "max": 25})
            impacts.append(Impact(tid, delay=delay, delay_pct=pct if rng.random() < 0.3 else None))
        mitigation = Mitigation(cost=1000.0, probability=rng.uniform(0.0, 0.1))
        risks.append(
            Risk(f"R{r:03d}", rng.uniform(0.05, 0.5), tuple(impacts), mitigation=mitigation)
        )
    return Scenario(
        name=f"{scenario.name} + {n_risks} risks",
        tasks=scenario.tasks,
        milestones=scenario.milestones,
        simulation=scenario.simulation,
        risks=tuple(risks),
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tasks", type=int, default=1_000)
    ap.add_argument("--risks", type=int, default=100)
    ap.add_argument("--iterations", type=int, default=10_000)
    args = ap.parse_args(argv)
    sc = with_risks(synthetic_scenario(args.tasks), args.risks)
    risk_register(sc, iterations=256, seed=1)  # warm-up: numba cache load

    t0 = time.perf_counter()
    simulate(sc, iterations=args.iterations, seed=1, sensitivity=False, drivers=False)
    one = time.perf_counter() - t0

    t0 = time.perf_counter()
    simulate(sc, iterations=args.iterations, seed=1)
    with_drivers = time.perf_counter() - t0

    t0 = time.perf_counter()
    reg = risk_register(sc, iterations=args.iterations, seed=1)
    full = time.perf_counter() - t0
    sims = args.risks + 2  # baseline + one per risk + the post-mitigation run

    print(f"{args.tasks:,} tasks, {args.risks} risks, {args.iterations:,} iterations")
    print(f"one simulation (baseline for ratios)         {one:7.3f} s")
    print(
        f"simulate with sensitivity + drivers          {with_drivers:7.3f} s"
        f"  ({with_drivers / one:5.1f}x one simulation)"
    )
    print(
        f"full register ({sims} simulations + tables)  {full:7.3f} s"
        f"  ({full / one:5.1f}x one simulation, {sims / full:,.1f} simulations/s)"
    )
    verdict = "PASS" if full < TARGET else f"MISS (by {100 * (full / TARGET - 1):.0f}%)"
    print(f"target: full register < {TARGET:g} s  ->  {verdict}")
    print(f"(sanity: top risk {reg.register.iloc[0]['id']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
