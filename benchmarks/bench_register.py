"""The full risk register with drivers: 1,000 tasks, 100 risks, 101 simulations.

    python benchmarks/bench_register.py [--tasks 1000] [--risks 100] [--iterations 10000]

Target (issue 3): the whole register, drivers included (one baseline simulation plus one
re-run without each risk), under 10 s with a warm numba cache. Prints the time, the
simulations per second, and the ratio to one plain simulation measured in the same run.

    python benchmarks/bench_register.py --load 100000 [--format csv|xlsx]

Loading a register file instead (issue 9): writes one of ROWS rows (14 columns, as in the
README) to a temporary folder and prints the time and peak RSS of ``load_register`` alone,
or the error a register above the limits gives. Run it in a process of its own: the peak
RSS is the whole process's.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import riskengine  # noqa: E402, F401  (before numba: it picks numba's vector width)

# isort: split
from network import synthetic_scenario  # noqa: E402
from riskengine.analysis.register import risk_register  # noqa: E402
from riskengine.engine.simulation import simulate
from riskengine.errors import ScenarioError  # noqa: E402
from riskengine.io.register_file import load_register  # noqa: E402
from riskengine.model.distributions import parse_distribution
from riskengine.model.scenario import Impact, Mitigation, Risk, Scenario

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


HEADER = (
    "id,name,owner,category,probability,task,delay_min,delay_mode,delay_max,"
    "delay_pct_min,delay_pct_max,cost,mitigated_probability,mitigation_cost"
).split(",")


def register_rows(n: int):
    """``n`` rows like the README's example: a triangular delay, a cost, a mitigation."""
    for i in range(n):
        yield [f"R{i}", f"Risk {i}", "Legal", "external", 0.3, "design", 5, 10, 20]
        yield [None, None, 20000, 0.1, 5000]


def write_register(folder: Path, n: int, fmt: str) -> Path:
    rows = register_rows(n)
    if fmt == "csv":
        path = folder / "register.csv"
        with open(path, "w") as fh:
            fh.write(",".join(HEADER) + "\n")
            for head, tail in zip(rows, rows, strict=True):
                fh.write(",".join("" if v is None else str(v) for v in head + tail) + "\n")
        return path
    from openpyxl import Workbook

    path = folder / "register.xlsx"
    wb = Workbook()  # not write-only: it states the sheet's size, as Excel does
    ws = wb.active
    ws.append(HEADER)
    for head, tail in zip(rows, rows, strict=True):
        ws.append(head + tail)
    wb.save(path)
    return path


def load(rows: int, fmt: str) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = write_register(Path(folder), rows, fmt)
        size = path.stat().st_size / 2**20
        t0 = time.perf_counter()
        try:
            outcome = f"{len(load_register(path)):,} risks"
        except ScenarioError as e:
            outcome = f"refused: {e.message}"
        took = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{rows:,}-row {fmt} register ({size:,.1f} MB): {outcome}")
    print(f"load_register {took:7.2f} s, peak RSS of the process {peak:,.0f} MB")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tasks", type=int, default=1_000)
    ap.add_argument("--risks", type=int, default=100)
    ap.add_argument("--iterations", type=int, default=10_000)
    ap.add_argument("--load", type=int, metavar="ROWS", help="time loading a register file")
    ap.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    args = ap.parse_args(argv)
    if args.load is not None:
        return load(args.load, args.format)
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
