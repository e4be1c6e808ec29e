"""Checking a large scenario: ``load_scenario`` and ``riskengine validate`` on 100,000 tasks.

    python benchmarks/bench_validate.py [--tasks 100000] [--repeat 1] [--file PATH]

Writes the synthetic scenario (network.py) as a YAML file of about 21 MB, then runs each
measurement in its own process and reads that process's wall time and peak RSS:

(0) baseline: iterating libyaml's events over the file (``yaml.CSafeLoader.get_event``),
    the least any loader built on PyYAML's events can do;
(i)  ``riskengine.load_scenario`` (read, parse and check; target < 5 s, half the budget
     of validate);
(ii) the whole ``riskengine validate`` command (target < 10 s and < 1 GiB peak RSS).

Times are printed next to the baseline measured in the same run, as a ratio.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

TARGET_LOAD = 5.0
TARGET_VALIDATE = 10.0
TARGET_RSS_MB = 1024.0

EVENTS = """
import sys, time, yaml
data = open(sys.argv[1], "rb").read()
t0 = time.perf_counter()
parser = yaml.CSafeLoader(data)
n = 0
while not isinstance(parser.get_event(), yaml.StreamEndEvent):
    n += 1
print(time.perf_counter() - t0, n)
"""

WRITE = """
import sys
from network import synthetic_scenario, write_yaml
write_yaml(synthetic_scenario(int(sys.argv[1])), sys.argv[2])
"""

LOAD = """
import sys, time
from riskengine import load_scenario
t0 = time.perf_counter()
scenario = load_scenario(sys.argv[1])
print(time.perf_counter() - t0, len(scenario.tasks))
"""


def run(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB and stdout of one process (its own rusage, from
    wait4, so runs do not mask each other's peaks)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(HERE)])}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{err.read().decode()[-2000:]}")
        return wall, usage.ru_maxrss / 1024, out.read().decode()


def measure(cmd: list[str], repeat: int) -> tuple[float, float, str]:
    """The best wall time of ``repeat`` runs, the largest peak RSS, the last output."""
    runs = [run(cmd) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2]


def verdict(value: float, target: float) -> str:
    return "PASS" if value < target else f"MISS (by {100 * (value / target - 1):.0f}%)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tasks", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--file", type=Path, help="write the scenario here (default: a temp dir)")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or Path(tmp) / f"synthetic{args.tasks}.yaml"
        # written by a child process, so this one stays small: a child's peak RSS counts
        # its parent's pages until it starts the new program
        run([sys.executable, "-c", WRITE, str(args.tasks), str(path)])
        size = path.stat().st_size / 2**20
        py = sys.executable
        base_wall, base_rss, out = measure([py, "-c", EVENTS, str(path)], args.repeat)
        events_s, n_events = out.split()
        load_wall, load_rss, out = measure([py, "-c", LOAD, str(path)], args.repeat)
        load_s = float(out.split()[0])
        val_wall, val_rss, _ = measure([py, "-m", "riskengine", "validate", str(path)], args.repeat)

    base = float(events_s)
    print(f"{args.tasks:,} tasks, {size:.1f} MiB of YAML, {int(n_events):,} YAML events")
    print(f"{'':34} {'seconds':>8} {'x baseline':>11} {'peak RSS':>10}")
    print(f"{'(0) libyaml events (baseline)':34} {base:8.2f} {1:11.2f} {base_rss:8.0f} MB")
    print(
        f"{'(i) load_scenario':34} {load_s:8.2f} {load_s / base:11.2f} {load_rss:8.0f} MB"
        f"   target < {TARGET_LOAD:g} s: {verdict(load_s, TARGET_LOAD)}"
    )
    print(
        f"{'(ii) riskengine validate (whole)':34} {val_wall:8.2f} {val_wall / base:11.2f} "
        f"{val_rss:8.0f} MB   target < {TARGET_VALIDATE:g} s: "
        f"{verdict(val_wall, TARGET_VALIDATE)}, < {TARGET_RSS_MB:g} MB: "
        f"{verdict(val_rss, TARGET_RSS_MB)}"
    )
    print(
        f"(times in-process for (0) and (i), wall time of the whole process for (ii); "
        f"best of {args.repeat}; process start-up {load_wall - load_s:.2f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
