"""Start-up costs: loading a large scenario file, and a small CLI run with a warm cache.

    python benchmarks/bench_startup.py [--tasks 10000] [--repeat 3]

(i)  writes the 10,000-task synthetic scenario to a temporary YAML file and times
     ``riskengine.load_scenario`` on it (target < 3 s);
(ii) times ``riskengine run scenarios/plant_upgrade.yaml --quiet`` as a subprocess after
     one untimed run that warms numba's cache (target < 2 s), next to the time of
     ``python -c "import numpy"`` measured in the same run as the ratio reference.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402

from network import synthetic_scenario, write_yaml  # noqa: E402
from riskengine.io.scenario_file import load_scenario  # noqa: E402

ROOT = HERE.parent
PLANT = ROOT / "scenarios" / "plant_upgrade.yaml"
TARGET_LOAD = 3.0
TARGET_CLI = 2.0


def verdict(value: float, target: float) -> str:
    return "PASS" if value < target else f"MISS (by {100 * (value / target - 1):.0f}%)"


def timed_runs(cmd: list[str], repeat: int) -> tuple[list[float], subprocess.CompletedProcess]:
    times, proc = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return times, proc


def cli_command() -> list[str] | None:
    """The ``riskengine`` console script next to this Python, else ``python -m``."""
    if importlib.util.find_spec("riskengine.cli") is None:
        return None
    script = Path(sys.executable).parent / "riskengine"
    if script.exists():
        return [str(script)]
    found = shutil.which("riskengine")
    if found:
        return [found]
    return [sys.executable, "-m", "riskengine.cli"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    rep = args.repeat

    # (i) loading a large scenario file
    scenario = synthetic_scenario(args.tasks)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.yaml"
        write_yaml(scenario, path)
        size = path.stat().st_size
        times = []
        for _ in range(rep):
            t0 = time.perf_counter()
            loaded = load_scenario(path)
            times.append(time.perf_counter() - t0)
    assert loaded.tasks == scenario.tasks and loaded.milestones == scenario.milestones
    best, first, median = min(times), times[0], float(np.median(times))
    print(
        f"(i) load_scenario: {args.tasks:,} tasks, {size / 2**20:.1f} MiB YAML "
        f"(round-trips to the same model)"
    )
    print(f"    first {first:.2f} s, best of {rep} {best:.2f} s, median {median:.2f} s")
    print(
        f"    target < {TARGET_LOAD:g} s: {verdict(best, TARGET_LOAD)} (best); "
        f"{verdict(first, TARGET_LOAD)} (first); {verdict(median, TARGET_LOAD)} (median)"
    )

    # baseline: a bare interpreter importing numpy, and importing riskengine
    base, _ = timed_runs([sys.executable, "-c", "import numpy"], rep)
    imp, _ = timed_runs([sys.executable, "-c", "import riskengine"], rep)
    print(f'\nbaseline: python -c "import numpy"       best of {rep} {min(base):.3f} s')
    print(
        f'          python -c "import riskengine"  best of {rep} {min(imp):.3f} s '
        f"({min(imp) / min(base):.1f}x numpy)"
    )

    # (ii) a small CLI run with a warm numba cache
    cmd = cli_command()
    if cmd is None:
        print("\n(ii) CLI: skipped - riskengine.cli does not exist yet (src/riskengine/cli.py)")
        return 0
    full = [*cmd, "run", str(PLANT.relative_to(ROOT)), "--quiet"]
    shown = " ".join(Path(full[0]).name if i == 0 else a for i, a in enumerate(full))
    env_threads = os.environ.get("NUMBA_NUM_THREADS", "default")
    warm = subprocess.run(full, capture_output=True, text=True, cwd=ROOT)
    if warm.returncode != 0:
        print(f"\n(ii) CLI: `{shown}` failed (exit {warm.returncode}):")
        print((warm.stderr or warm.stdout).strip()[-2000:])
        return 1
    times, _ = timed_runs(full, rep)
    best = min(times)
    print(f"\n(ii) CLI: `{shown}` (warm numba cache, NUMBA_NUM_THREADS={env_threads})")
    print(
        f"    best of {rep} {best:.2f} s, median {np.median(times):.2f} s "
        f"= {best / min(base):.1f}x the numpy-import baseline"
    )
    print(f"    target < {TARGET_CLI:g} s: {verdict(best, TARGET_CLI)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
