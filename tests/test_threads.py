"""Results are the same bit for bit whatever the number of threads: the kernel's thread
chunks run on a pool of ``NUMBA_NUM_THREADS`` threads (engine/runner.py), each writing its
own iterations and its own row of the per-chunk counters. Each thread count runs in a
process of its own (numba fixes the largest count at start-up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numba

from riskengine.kernels import thread_count

ROOT = Path(__file__).resolve().parents[1]

# Both kernels (the plant needs the full one: calendars, costs; the random network the
# plain one), every analysis on, several kernel calls per run (chunk), odd iterations.
SCRIPT = """
import json, sys
sys.path.insert(0, "tests")
import numpy as np
import riskengine as rk
from riskengine.engine.simulation import _simulate
from riskengine.kernels import thread_count
from test_network import random_network
plant = rk.load_scenario("scenarios/plant_upgrade.yaml")
runs = {
    "plant": _simulate(plant, 3001, 5, chunk=256),
    "random": _simulate(random_network(np.random.default_rng(3), 150), 2999, 7, chunk=512),
}
out = {k: r.to_dict() for k, r in runs.items()}
out["threads"] = thread_count()
out["finish"] = runs["random"].project_finish.tolist()
print(json.dumps(out, sort_keys=True, default=str))
"""


def _run(threads: int) -> dict[str, object]:
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_one_two_and_three_threads_give_the_same_results():
    one, two, three = (_run(k) for k in (1, 2, 3))
    assert (one.pop("threads"), two.pop("threads"), three.pop("threads")) == (1, 2, 3)
    assert one == two == three


def test_the_thread_count_follows_numba_set_num_threads():
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        assert thread_count() == 1
    finally:
        numba.set_num_threads(before)
    assert thread_count() == before
