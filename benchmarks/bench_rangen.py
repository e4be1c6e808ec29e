"""A small dense network as a whole default run: riskengine against pmcontrols.

    python benchmarks/bench_rangen.py [--iterations 20000] [--repeat 7] [--check 200000]

The network is RG300-*sized* (302 tasks with the dummy start and end, 5,208
finish-to-start links, order strength ~0.98; ``network.rangen_like_scenario``), not a
RanGen RG300 file, which is not shipped here. Every activity lasts PERT(0.8 d, d, 1.5 d).

Times, in the same process, the full default ``riskengine.simulate()`` (compiling a scenario
object it has not seen, criticality, the sensitivity pass, percentiles) against
``pmcontrols.pert()`` (a vectorised numpy peer: PERT Monte Carlo with the criticality
index) at the same iteration count, and prints the ratio of the medians (target: 30x)
with a breakdown of ours: compile, kernel, sensitivity, the rest. Then checks that both
give the same P50 and P80 of the project finish within 0.3 % at ``--check`` iterations,
printing the tolerance the two standard errors allow as well.

pmcontrols is a benchmark-only dependency: ``pip install pmcontrols`` (0.2.1 measured).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import riskengine  # noqa: E402  (before numba: it picks numba's vector width)

# isort: split
import numpy as np  # noqa: E402

from network import order_strength, rangen_like_scenario  # noqa: E402
from riskengine.engine import compile as compiler  # noqa: E402
from riskengine.engine.compile import compile_network  # noqa: E402
from riskengine.engine.runner import run_kernel  # noqa: E402
from riskengine.model.scenario import Scenario  # noqa: E402

TARGET_RATIO = 30.0
AGREEMENT = 0.003  # P50 and P80 within 0.3 %


def activities(sc: Scenario) -> list[dict]:
    """The scenario as pmcontrols takes it: id, predecessors, a, m, b."""
    out = []
    for t in sc.tasks:
        p = t.duration.params
        a, m, b = (
            (p["value"],) * 3 if t.duration.kind == "fixed" else (p["min"], p["mode"], p["max"])
        )
        out.append(
            {"id": t.id, "predecessors": [lk.task for lk in t.predecessors], "a": a, "m": m, "b": b}
        )
    return out


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def quantile_se(x: np.ndarray, q: float) -> float:
    """Standard error of the q-quantile of sample x: sqrt(q(1-q)/n) / density, the
    density estimated from the spacing of the quantiles 1 % either side."""
    n = x.size
    lo, hi = np.quantile(x, [max(q - 0.01, 0.0), min(q + 0.01, 1.0)])
    density = 0.02 / max(hi - lo, 1e-12)
    return float(np.sqrt(q * (1 - q) / n) / density)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--check", type=int, default=200_000, help="iterations of the P50/P80 check")
    ap.add_argument("--seed", type=int, default=0, help="seed of the generated network")
    args = ap.parse_args(argv)
    try:
        import pmcontrols
    except ImportError:
        print("pmcontrols is not installed: pip install pmcontrols (benchmark only)")
        return 2

    sc = rangen_like_scenario(seed=args.seed)
    acts = activities(sc)
    n, it = len(sc.tasks), args.iterations
    links = sum(len(t.predecessors) for t in sc.tasks)
    print(
        f"RG300-sized network (generated, not the RanGen file): {n} tasks, {links:,} FS links, "
        f"order strength {order_strength(sc):.3f}; {it:,} iterations, PERT(0.8d, d, 1.5d)"
    )
    print(f"load: {os.getloadavg()[0]:.2f} (1-min average, 2 cores shared)")

    def fresh() -> Scenario:
        return dataclasses.replace(sc)  # a scenario object riskengine has not seen

    riskengine.simulate(fresh(), it, 1)  # load (or compile) the kernels
    net = compile_network(sc)
    dense, compiler.DENSE = compiler.DENSE, float("inf")
    every_link = compile_network(fresh())  # the links implied by others kept
    compiler.DENSE = dense
    run_kernel(every_link, it, 1, criticality=True)
    rounds = []
    for _ in range(args.repeat):
        rounds.append(
            {
                "pmcontrols": median_time(lambda: pmcontrols.pert(acts, n_sim=it, seed=1), 1),
                "simulate": median_time(lambda: riskengine.simulate(fresh(), it, 1), 1),
                "compile": median_time(lambda: compile_network(fresh()), 1),
                "kernel": median_time(lambda: run_kernel(net, it, 1, criticality=True), 1),
                "every link": median_time(
                    lambda: run_kernel(every_link, it, 1, criticality=True), 1
                ),
                "reuse": median_time(lambda: riskengine.simulate(sc, it, 1, network=net), 1),
                "no sensitivity": median_time(
                    lambda: riskengine.simulate(sc, it, 1, network=net, sensitivity=False), 1
                ),
            }
        )
    med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    # the parts: simulate on a compiled network without sensitivity is kernel + rest
    sens = med["reuse"] - med["no sensitivity"]
    rest = med["no sensitivity"] - med["kernel"]
    ratio = med["pmcontrols"] / med["simulate"]
    print(f"medians of {args.repeat} rounds, alternating:")
    print(f"  pmcontrols.pert (baseline)              {med['pmcontrols']:7.3f} s")
    print(f"  riskengine.simulate, default            {med['simulate']:7.3f} s  ({ratio:5.1f}x)")
    for name, t in (
        ("compile_network", med["compile"]),
        ("kernel (criticality on)", med["kernel"]),
        ("sensitivity pass", sens),
        ("the rest (results, percentiles...)", rest),
    ):
        print(f"    {name:36s}  {t:7.3f} s  {100 * t / med['simulate']:4.0f} %")
    parts = med["compile"] + med["kernel"] + sens + rest
    print(f"    (the parts add up to {parts:.3f} s: each is a median of its own runs)")
    print(
        f"  kernel with every link ({every_link.n_links:,}, not {net.n_links:,})  "
        f"{med['every link']:7.3f} s  ({med['every link'] / med['kernel']:.2f}x the kernel)"
    )
    verdict = "PASS" if ratio >= TARGET_RATIO else f"MISS (by {TARGET_RATIO / ratio:.1f}x)"
    print(f"target: >= {TARGET_RATIO:g}x pmcontrols  ->  {verdict}")

    if args.check:
        check = args.check
        ours = riskengine.simulate(fresh(), check, 1, sensitivity=False).project_finish
        t0 = time.perf_counter()
        r = pmcontrols.pert(acts, n_sim=check, seed=1)  # it keeps its percentiles only
        took = time.perf_counter() - t0
        print(f"P50/P80 check at {check:,} iterations (pmcontrols took {took:.1f} s):")
        ok = True
        for q, key in ((0.5, "mc_p50"), (0.8, "mc_p80")):
            a, b = float(np.quantile(ours, q)), float(r.stats[key])
            rel = abs(a - b) / b
            se = quantile_se(ours, q) * np.sqrt(2)  # both samples of the same size
            ok &= rel <= AGREEMENT
            print(
                f"  P{100 * q:.0f}: riskengine {a:9.3f}  pmcontrols {b:9.3f}  "
                f"difference {100 * rel:.3f} % (limit 0.3 %; 4 standard errors = "
                f"{100 * 4 * se / b:.3f} %)"
            )
        print(f"  agreement within 0.3 %: {'PASS' if ok else 'MISS'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
