"""A big real-shaped schedule through the command line, as a user runs it.

    python benchmarks/bench_big_schedule.py [--tasks 4000] [--milestones 800]
                                            [--iterations 10000,100000] [--repeat 3]

The schedule is ``schedule_scenario`` of benchmarks/network.py (4,000 tasks, 800 key-date
milestones with few ancestors, 8 of them with a target, a start date), written as a
scenario file. Each case runs ``riskengine run FILE -n N --json out.json -q`` in a fresh
process with the defaults (criticality for every milestone, task dates, sensitivity for
the project and the milestones with a target) and reports its wall time, its peak
memory (VmHWM of the child's own /proc/self/status, read when it exits) and the size of
the JSON file; then the same with ``--sensitivity all --json-detail`` (every milestone,
as before issue 11) at the first iteration count, for comparison. ``python -c "import
numpy"`` in the same run is the reference for the ratios. Targets (issue 11): at 10,000
iterations under 15 s and under 1 GiB; at 100,000 no more memory than that plus the
per-iteration finishes that a run returns (iterations x milestones, 8 bytes each:
nothing grows with iterations x milestones x tasks), printed as the ratio of the two
peaks against that floor; JSON under 20 MB by default.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from network import schedule_scenario, write_yaml  # noqa: E402

MIB = 2**20
TARGET_SECONDS = 15.0
TARGET_RSS = 2**30
TARGET_JSON = 20e6

# The child: riskengine's command line, then its own peak memory on stderr at exit.
CHILD = """\
import atexit, sys
def _peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("VmHWM " + line.split()[1] + "\\n")
atexit.register(_peak)
from riskengine.cli import main
sys.argv = ["riskengine", *sys.argv[1:]]
main()
"""


def run_child(args: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS (bytes) of ``riskengine ARGS`` in a fresh process."""
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - t0
    if done.returncode:
        raise SystemExit(f"riskengine {' '.join(args)} failed:\n{done.stderr}")
    kib = [int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("VmHWM")]
    return wall, kib[-1] * 1024


def uptime() -> str:
    load = os.getloadavg()
    return f"load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}"


def verdict(value: float, target: float) -> str:
    return "PASS" if value < target else f"MISS (by {100 * (value / target - 1):.0f}%)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tasks", type=int, default=4_000)
    ap.add_argument("--milestones", type=int, default=800)
    ap.add_argument("--iterations", default="10000,100000", help="comma-separated")
    ap.add_argument("--repeat", type=int, default=3, help="runs per case; medians reported")
    args = ap.parse_args(argv)
    counts = [int(x) for x in args.iterations.split(",")]
    print(f"before: {uptime()}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "schedule.yaml"
        out = Path(tmp) / "out.json"
        sc = schedule_scenario(args.tasks, args.milestones)
        write_yaml(sc, path)
        targets = sum(m.target is not None for m in sc.milestones)
        print(
            f"{args.tasks:,} tasks, {args.milestones:,} milestones ({targets} with a target), "
            f"file {path.stat().st_size / MIB:.1f} MiB; medians of {args.repeat} runs"
        )
        run_child(["run", str(path), "-n", "100", "-q"])  # numba's cache, the OS's file cache
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy"], check=True)
        ref = time.perf_counter() - t0
        cases = [(n, []) for n in counts]
        cases.append((counts[0], ["--sensitivity", "all", "--json-detail"]))
        rows = []
        for n, extra in cases:
            times, peaks, sizes = [], [], []
            for _ in range(args.repeat):
                cmd = ["run", str(path), "-n", str(n), *extra, "--json", str(out), "-q"]
                wall, peak = run_child(cmd)
                times.append(wall)
                peaks.append(peak)
                sizes.append(out.stat().st_size)
                out.unlink()
            rows.append((n, extra, float(np.median(times)), max(peaks), sizes[-1]))
    print(
        f"\n{'riskengine run FILE -q --json out.json':<52} {'seconds':>8} {'peak MiB':>9} "
        f"{'JSON MB':>8}"
    )
    for n, extra, t, peak, size in rows:
        name = f"-n {n:,} {' '.join(extra) or '(defaults)'}"
        print(f"{name:<52} {t:>8.2f} {peak / MIB:>9,.0f} {size / 1e6:>8.1f}")
    print(f"{'python -c import numpy (the reference)':<52} {ref:>8.2f}")
    first = rows[0]
    print(f"\n{'target':<52} {'measured':>9} {'target':>8}  result")
    print(
        f"{'wall time, defaults, ' + format(first[0], ',') + ' iterations':<52} "
        f"{first[2]:>8.1f}s {'< 15 s':>8}  {verdict(first[2], TARGET_SECONDS)}"
    )
    print(
        f"{'peak memory, defaults, ' + format(first[0], ',') + ' iterations':<52} "
        f"{first[3] / MIB:>5,.0f} MiB {'< 1 GiB':>8}  {verdict(first[3], TARGET_RSS)}"
    )
    print(
        f"{'JSON, defaults':<52} {first[4] / 1e6:>6.1f} MB {'< 20 MB':>8}  "
        f"{verdict(first[4], TARGET_JSON)}"
    )
    for n, _, _, peak, _ in rows[1 : len(counts)]:
        # what a run must keep: its one matrix of per-iteration finishes (8-byte floats)
        finishes = (n - first[0]) * (args.milestones + 1) * 8
        floor = 1 + finishes / first[3]  # the first peak plus those finishes
        label = f"peak memory, {n:,} / {first[0]:,} iterations"
        print(
            f"{label:<52} {peak / first[3]:>8.2f}x {'>= ' + format(floor, '.2f') + 'x':>8}  "
            f"+{(peak - first[3]) / MIB:,.0f} MiB; the finishes a run returns: "
            f"+{finishes / MIB:,.0f} MiB"
        )
    print(f"after: {uptime()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
