"""What stopping when converged costs: a converged run against the fixed run of the same
number of iterations, in the same process.

    python benchmarks/bench_convergence.py [--scenario scenarios/plant_upgrade.yaml]
                                           [--tolerance 0.5] [--repeat 5]

A converged run (``simulate(convergence=...)``: P50 and P80 of the project finish and of
each milestone with a target within ±tolerance working days at 95 %, blocks of 1,000)
runs its blocks of finishes only, then the full run of the N iterations it settled on; the
baseline is ``simulate(iterations=N)``, the same numbers bit for bit. Two settings: the
defaults (criticality, sensitivity, risk drivers, task dates: what ``riskengine run``
does) and a bare run (none of those: the worst case for the ratio, since the blocks then
cost about as much as the run itself). Times are medians of ``--repeat`` runs,
alternating the two cases so both see the same load; the machine is shared, so
``uptime`` is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import riskengine as rk

ROOT = Path(__file__).resolve().parents[1]
BARE = dict(criticality=False, sensitivity=False, drivers=False, task_dates=False, plan=False)


def timed(sc: rk.Scenario, **kwargs: object) -> tuple[float, rk.Results]:
    """Wall time and results of ``simulate(sc, **kwargs)``."""
    t0 = time.perf_counter()
    out = rk.simulate(sc, **kwargs)
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "plant_upgrade.yaml"))
    ap.add_argument("--tolerance", type=float, default=0.5)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print("uptime:", os.popen("uptime").read().strip())
    sc = rk.load_scenario(args.scenario)
    conv = rk.Convergence(tolerance=args.tolerance)
    rk.simulate(sc, iterations=1000, **BARE)  # load the kernels
    for label, opts in (("default", {}), ("bare", BARE)):
        converged, fixed = [], []
        n = 0
        for _ in range(args.repeat):
            t, r = timed(sc, convergence=conv, **opts)
            converged.append(t)
            assert r.convergence is not None
            n = r.convergence.iterations
            t, _ = timed(sc, iterations=n, **opts)
            fixed.append(t)
        c, f = statistics.median(converged), statistics.median(fixed)
        state = "converged" if r.convergence.converged else "NOT converged"
        print(
            f"{label:8s} N = {n:,} ({state})  converged run {c:.3f} s  fixed run {f:.3f} s"
            f"  ratio {c / f:.2f}"
        )
    print("uptime:", os.popen("uptime").read().strip())


if __name__ == "__main__":
    main()
