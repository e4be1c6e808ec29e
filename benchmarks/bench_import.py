"""Importing a large P6 schedule: import + validate of the 3,994-activity fixture.

    python benchmarks/bench_import.py [--repeat 5] [--file PATH]

Issue 13's target: import and validate sp10-cost-loaded.xer (3,994 activities, 5,966
links; ../shared/fixtures/schedules) in under 10 s. Measured in one process, each a
median of ``--repeat`` runs (after one warm-up run of each, so imports of modules do not
count):

(0) baseline: reading the file's tables alone (``read_xer``: decode and split);
(i)  ``import_xer`` + ``validate``: the scenario, checked as a run would check it;
(ii) the same schedule under an uncertainty overlay (``load_scenario`` of a file naming
     it with five rules over its WBS and activity codes: import, rules, validate).

Each is printed with its ratio to the baseline, and the machine's load average, as the
timings are shared with whatever else runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from riskengine import validate  # noqa: E402
from riskengine.io.p6import import import_xer  # noqa: E402
from riskengine.io.scenario_file import load_overlay  # noqa: E402
from riskengine.io.xer import read_xer  # noqa: E402

FIXTURE = ROOT.parent / "shared" / "fixtures" / "schedules" / "sp10-cost-loaded.xer"
TARGET = 10.0

RULES = """\
uncertainty:
  - {dist: triangular, min: 95%, mode: 100%, max: 120%}
  - {match: {wbs: "*.C2.*"}, dist: pert, min: 90%, mode: 105%, max: 150%}
  - {match: {wbs: "*.C3.*", type: task}, dist: uniform, min: 100%, max: 140%}
  - {match: {fusion_wps: "DC1*"}, dist: triangular, min: 100%, mode: 110%, max: 160%}
  - {match: {duration: "..2d"}, dist: uniform, min: 1d, max: 3d}
"""


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``repeat`` calls of ``fn``, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--file", type=Path, default=FIXTURE)
    args = ap.parse_args()
    if not args.file.is_file():
        raise SystemExit(f"no schedule at {args.file} (the fixtures live in ../shared)")

    def imported() -> None:
        scenario, _ = import_xer(args.file)
        validate(scenario)

    with tempfile.TemporaryDirectory() as tmp:
        overlay = Path(tmp) / "overlay.yaml"
        overlay.write_text(f"schedule: {args.file.resolve()}\n{RULES}")
        scenario, report = load_overlay(overlay)
        base = median_time(lambda: read_xer(args.file), args.repeat)
        full = median_time(imported, args.repeat)
        ruled = median_time(lambda: load_overlay(overlay), args.repeat)

    load = os.getloadavg()
    read = report.imported.counts["activities"]
    print(f"{args.file.name}: {read:,} activities read, {len(scenario.tasks):,} in the scenario")
    print(f"medians of {args.repeat} runs; load average {load[0]:.1f} on {os.cpu_count()} cores")
    print(f"  (0) read the tables (baseline)     {base:6.2f} s")
    print(f"  (i) import + validate              {full:6.2f} s  {full / base:5.1f}x baseline")
    print(f"  (ii) overlay: import, rules, check {ruled:6.2f} s  {ruled / base:5.1f}x baseline")
    print(f"       ({len(report.sources):,} activities given a distribution by 5 rules)")
    verdict = "met" if full < TARGET else "NOT met"
    print(f"target: import + validate < {TARGET:g} s: {verdict}")


if __name__ == "__main__":
    main()
