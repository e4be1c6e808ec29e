"""compile_network against its plain reference (tests/naive_compile.py), same process.

    python benchmarks/bench_compile.py [--repeat 5]

Each row compiles scenario objects the compiler has not seen (validation excluded: it is
done once before timing) with the plain reference, one task, link and milestone at a
time, and with ``compile_network``, and prints the medians and their ratio:

- the RG300-sized network (302 tasks, 5,208 links; bench_rangen.py);
- the 10,000-task benchmark network (5 milestones);
- a 4,000-task network with 800 milestones, where each milestone's ancestor set counts;
- the 8 options of bench_portfolio.py's comparison (20 projects x 250 tasks): the
  reference compiles each option in full, ``compare`` compiles the baseline and reuses
  its network for the options that change only risks or cost items
  (``compile_variant``);
- a scenario compiled again in another risk state (the register's post-mitigation run):
  the same scenario object, so only its risks are compiled again.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

import riskengine  # noqa: E402, F401  (before numba: it picks numba's vector width)

# isort: split
from bench_portfolio import build  # noqa: E402
from bench_register import with_risks  # noqa: E402
from naive_compile import compile_network_naive  # noqa: E402
from network import rangen_like_scenario, synthetic_scenario  # noqa: E402
from riskengine.engine.compile import compile_network, compile_variant  # noqa: E402
from riskengine.io.options_file import parse_options  # noqa: E402
from riskengine.model.scenario import Milestone, Scenario  # noqa: E402
from riskengine.model.validate import checked_order  # noqa: E402
from riskengine.portfolio.composition import compose  # noqa: E402
from riskengine.portfolio.options import apply_option  # noqa: E402


def fresh(sc: Scenario) -> Scenario:
    """A scenario object the compiler has not seen, already validated."""
    copy = dataclasses.replace(sc)
    checked_order(copy)
    return copy


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def many_milestones(n_tasks: int = 4_000, n_milestones: int = 800) -> Scenario:
    sc = synthetic_scenario(n_tasks, seed=2)
    rng = random.Random(1)
    ids = [t.id for t in sc.tasks]
    ms = tuple(Milestone(f"K{i}", tuple(rng.sample(ids, 2))) for i in range(n_milestones))
    return dataclasses.replace(sc, milestones=ms)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    print(f"load: {os.getloadavg()[0]:.2f} (1-min average, 2 cores shared)")
    print(f"{'case':44s} {'reference':>10s} {'compile':>10s} {'ratio':>7s}")

    def row(name: str, ref: Callable[[], float], new: Callable[[], float]) -> None:
        a, b = [], []
        for _ in range(args.repeat):
            a.append(ref())
            b.append(new())
        ra, rb = statistics.median(a), statistics.median(b)
        print(f"{name:44s} {ra:9.4f}s {rb:9.4f}s {ra / rb:6.1f}x")

    for name, sc in (
        ("RG300-sized (302 tasks, 5,208 links)", rangen_like_scenario()),
        ("10,000 tasks, 5 milestones", synthetic_scenario(10_000)),
        ("4,000 tasks, 800 milestones", many_milestones()),
        ("1,000 tasks, 100 risks", with_risks(synthetic_scenario(1_000), 100)),
    ):
        compile_network(sc)  # tables of its shapes cached, as in any process after a run
        row(
            name,
            lambda sc=sc: timed(lambda: compile_network_naive(fresh(sc))),
            lambda sc=sc: timed(lambda: compile_network(fresh(sc))),
        )

    portfolio = build(20, 250)
    options = parse_options(portfolio)
    scenarios = [compose(apply_option(portfolio, o)) for o in options]

    def each_in_full() -> float:
        copies = [fresh(sc) for sc in scenarios]
        return timed(lambda: [compile_network_naive(sc) for sc in copies])

    def with_reuse() -> float:
        copies = [fresh(sc) for sc in scenarios]
        return timed(lambda: [compile_variant(sc, copies[0]) for sc in copies])

    row(f"portfolio: {len(options)} options x 5,000 tasks", each_in_full, with_reuse)

    sc = with_risks(synthetic_scenario(1_000), 100)

    def again() -> float:
        copy = fresh(sc)
        compile_network(copy)
        return timed(lambda: compile_network(copy, mitigated=True))

    row(
        "1,000 tasks, 100 risks: again, mitigated",
        lambda: timed(lambda: compile_network_naive(fresh(sc), mitigated=True)),
        again,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
