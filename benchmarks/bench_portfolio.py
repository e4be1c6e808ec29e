"""Portfolio comparison: 20 projects × 250 tasks, 8 options, 20,000 iterations.

    python benchmarks/bench_portfolio.py [--projects 20] [--tasks 250] [--iterations 20000]

Prints the time of ``riskengine.compare`` with a warm numba cache (target on the
2-core reference machine: under 15 s), and one plain simulation of the whole portfolio
as the baseline for the ratio (same process).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import riskengine  # noqa: E402  (before numba: it picks numba's vector width)

# isort: split
from network import synthetic_scenario  # noqa: E402
from riskengine.io.strategy_file import parse_kpis, parse_objectives
from riskengine.model.distributions import parse_distribution
from riskengine.model.portfolio import Portfolio, ProjectRef
from riskengine.model.scenario import Cost, Impact, Mitigation, Risk
from riskengine.portfolio.composition import builtin_names, compose

START = _dt.date(2027, 1, 4)
TARGET_SECONDS = 15.0


def build(n_projects: int, n_tasks: int) -> Portfolio:
    rate = parse_distribution({"dist": "uniform", "min": 800, "max": 1200})
    projects = []
    for i in range(n_projects):
        sc = synthetic_scenario(n_tasks, seed=i)
        tasks = tuple(dataclasses.replace(t, cost=Cost(per_day=rate)) for t in sc.tasks)
        sc = dataclasses.replace(sc, tasks=tasks, start=START)
        after = ((f"p{i - 1}.{sc.milestones[1].id}", 5.0),) if i % 4 else ()
        projects.append(ProjectRef(f"p{i}", sc, None, after))
    delay = parse_distribution({"dist": "uniform", "min": 10, "max": 30})
    shared = Risk(
        "vendor",
        0.2,
        tuple(
            Impact(f"p{i}.{projects[i].scenario.tasks[5].id}", delay=delay)
            for i in range(0, n_projects, 3)
        ),
        mitigation=Mitigation(cost=100_000, probability=0.05),
    )
    p = Portfolio("benchmark", START, tuple(projects), (shared,))
    last = [f"p{i}.{projects[i].scenario.milestones[-1].id}" for i in range(n_projects)]
    names = builtin_names(p)
    kpis = parse_kpis(
        {
            "benefits": {
                "benefit": {
                    "starts_at": last[0],
                    "per_month": 100_000,
                    "ramp_months": 3,
                    "window": ["2029-01-01", "2029-12-31"],
                }
            },
            "net": "benefits - 0.1 * total_cost",
        },
        names,
    )
    objectives = parse_objectives(
        [
            {"id": "first", "milestone": last[0], "by": "2030-12-31"},
            {"id": "last", "milestone": last[-1], "by": "2032-12-31"},
            {"id": "value", "kpi": "net", "at_least": 0},
            {"id": "budget", "kpi": "total_cost", "at_most": 1e12},
        ],
        names | {k.id for k in kpis},
    )
    options = {
        "baseline": {},
        "defer-last": {"exclude": [f"p{n_projects - 1}"]},
        "scale-p0": {"scale_durations": {"p0": 0.9}},
        "scale-p1": {"scale_durations": {"p1": 0.9}, "add_cost": {"p1": 500_000}},
        "mitigate": {"mitigate": ["vendor"]},
        "late-p2": {"start": {"p2": "2027-06-01"}},
        "cost-p3": {"add_cost": {"p3": 1_000_000}},
        "combo": {"scale_durations": {"p0": 0.9}, "mitigate": ["vendor"]},
    }
    return dataclasses.replace(p, kpis=kpis, objectives=objectives, options=options)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=20)
    ap.add_argument("--tasks", type=int, default=250)
    ap.add_argument("--iterations", type=int, default=20_000)
    args = ap.parse_args()
    portfolio = build(args.projects, args.tasks)
    riskengine.compare(portfolio, 64, 1)  # load (or compile) the kernels
    t0 = time.perf_counter()
    riskengine.simulate(
        compose(portfolio),
        args.iterations,
        1,
        criticality=False,
        sensitivity=False,
        drivers=False,
        task_dates=False,
        jcl=None,
        plan=False,
    )
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = riskengine.compare(portfolio, args.iterations, 1)
    took = time.perf_counter() - t0
    n = len(result.options)
    print(
        f"{args.projects} projects × {args.tasks} tasks, {n} options, {args.iterations:,} "
        f"iterations each"
    )
    print(f"one simulation of the portfolio        {one:6.2f} s")
    print(
        f"compare (all options + evaluation)     {took:6.2f} s  ({took / one:.1f}x one simulation)"
    )
    verdict = "PASS" if took < TARGET_SECONDS else f"MISS (by {took / TARGET_SECONDS - 1:.0%})"
    print(f"target < {TARGET_SECONDS:.0f} s: {verdict}")
    print(f"(sanity: P(first) baseline {result.options['baseline'].objectives['first']:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
