"""Cold start: the first `riskengine run` in a fresh process with an empty numba cache.

    python benchmarks/bench_coldstart.py [--scenario scenarios/plant_upgrade.yaml] [--repeat 1]

Runs ``riskengine run SCENARIO -q`` in a subprocess whose ``NUMBA_CACHE_DIR`` is a new,
empty directory (cold: every kernel is compiled), then again with the cache that run
filled (warm: every kernel is loaded), and prints both wall times, their ratio and where
the cold run's compiling went, kernel by kernel (riskengine.kernels.compiling records it).
The package's own ``__pycache__`` is neither read nor touched. Compile times grow with
how busy the machine is, so the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs the command line in this process and writes the kernels' compile times to argv[1].
DRIVER = """
import json, sys
from riskengine.cli import main
try:
    main(sys.argv[2:], standalone_mode=False)
finally:
    from riskengine.kernels.compiling import compile_report
    with open(sys.argv[1], "w") as f:
        json.dump(compile_report(), f)
"""


def run_once(args: list[str], cache: Path) -> tuple[float, list[tuple[str, float]], str]:
    """Wall time of one CLI run in a fresh process, its kernels' compile times, stderr."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "compiled.json"
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", DRIVER, str(report), "run", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        seconds = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"riskengine run failed:\n{done.stderr}")
        compiled = [(name, float(s)) for name, s in json.loads(report.read_text())]
    return seconds, compiled, done.stderr


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scenario", default="scenarios/plant_upgrade.yaml")
    ap.add_argument("--repeat", type=int, default=1, help="cold and warm runs; medians shown")
    args = ap.parse_args(argv)
    cli = [args.scenario, "-q"]

    print(f"riskengine run {' '.join(cli)}; before: {load()}")
    colds, warms, breakdown, notes = [], [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="riskengine-numba-") as cache:
            seconds, compiled, stderr = run_once(cli, Path(cache))
            colds.append(seconds)
            breakdown = compiled
            notes.append(stderr)
            seconds, compiled_warm, stderr_warm = run_once(cli, Path(cache))
            warms.append(seconds)
            if compiled_warm:
                print(f"warning: the warm run compiled {[k for k, _ in compiled_warm]}")
            notes.append(stderr_warm)

    cold, warm = statistics.median(colds), statistics.median(warms)
    each = {"cold": colds, "warm": warms}
    for label, seconds in (("cold (empty cache): ", cold), ("warm (cache filled):", warm)):
        runs = each[label.split()[0]]
        detail = "  (median of " + ", ".join(f"{s:.1f}" for s in runs) + ")"
        print(f"{label} {seconds:7.1f} s" + (detail if len(runs) > 1 else ""))
    print(f"ratio cold/warm:     {cold / warm:7.1f}x")
    print(f"compile time per kernel in the last cold run ({sum(s for _, s in breakdown):.1f} s):")
    for name, seconds in sorted(breakdown, key=lambda row: -row[1]):
        print(f"  {seconds:6.1f} s  {name}")
    first = notes[0].strip().splitlines()
    print(f"stderr of the cold run: {first[0] if first else '(nothing)'}")
    print(f"stderr of the warm run: {notes[1].strip() or '(nothing)'}")
    print(f"after: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
