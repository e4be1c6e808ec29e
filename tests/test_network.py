"""The block kernel against the naive CPM, textbook link cases and invariances."""

from __future__ import annotations

import os
import subprocess
import sys

import numba
import numpy as np
import pytest

import naive
import riskengine as rk
from helpers import scenario, task
from riskengine.engine.compile import stream_of
from riskengine.engine.simulation import _simulate, run_kernel
from riskengine.model.scenario import Link
from riskengine.model.validate import topological_order

KINDS = ("fixed", "uniform", "triangular", "discrete")


def random_network(rng: np.random.Generator, n: int):
    """Random DAG with every link type, positive and negative lags, mixed distributions."""
    tasks = []
    for i in range(n):
        kind = KINDS[rng.integers(len(KINDS))]
        a = float(rng.integers(0, 6))
        c = a + float(rng.integers(0, 5))
        b = c + float(rng.integers(1, 6))
        spec = {
            "fixed": {"dist": "fixed", "value": c},
            "uniform": {"dist": "uniform", "min": a, "max": b},
            "triangular": {"dist": "triangular", "min": a, "mode": c, "max": b},
            "discrete": {"dist": "discrete", "values": [a, c, b], "weights": [1, 2, 1]},
        }[kind]
        preds = []
        if i:
            for p in sorted(set(rng.integers(0, i, size=rng.integers(0, 4)).tolist())):
                lag = float(rng.choice([0, 0, 2, -1, 3.5, -2.5]))
                preds.append(Link(f"t{p}", str(rng.choice(["FS", "SS", "FF", "SF"])), lag))
        tasks.append(task(f"t{i}", spec, preds))
    order = rng.permutation(n)  # file order need not be topological
    tasks = [tasks[i] for i in order]
    milestones = [("m0", [f"t{n - 1}"]), ("m1", [f"t{i}" for i in range(0, n, 3)])]
    return scenario(tasks, milestones)


def naive_run(sc, seed, iterations):
    order = [sc.tasks[i] for i in topological_order(sc)]
    tasks = [(t.id, [(lk.task, lk.type, lk.lag) for lk in t.predecessors]) for t in order]
    ms = [(m.id, m.after) for m in sc.milestones]
    finishes = np.zeros((iterations, len(ms) + 1))
    counts = dict.fromkeys((t.id for t in sc.tasks), 0)
    by_ms = {m: dict.fromkeys(counts, 0) for m, _ in ms}
    for it in range(iterations):
        dur = {
            t.id: naive.ppf(
                t.duration.kind,
                t.duration.params,
                naive.uniform(seed, stream_of("task", t.id), it, 0),
            )
            for t in sc.tasks
        }
        es, ef, m_fin, finish, critical = naive.cpm(tasks, dur, ms)
        finishes[it, :-1] = [m_fin[m] for m, _ in ms]
        finishes[it, -1] = finish
        for tid in critical:
            counts[tid] += 1
        for m, crit in naive.milestone_critical(tasks, es, ef, ms, m_fin).items():
            for tid in crit:
                by_ms[m][tid] += 1
    return finishes, counts, by_ms


@pytest.mark.parametrize("case", range(60))
def test_kernel_matches_naive_cpm_on_random_networks(case):
    rng = np.random.default_rng(1000 + case)
    sc = random_network(rng, int(rng.integers(2, 30)))
    seed, iterations = int(rng.integers(0, 2**63)), 37
    r = _simulate(sc, iterations=iterations, seed=seed, block=16)
    expected, counts, by_ms = naive_run(sc, seed, iterations)
    got = np.column_stack([r.finishes["m0"], r.finishes["m1"], r.project_finish])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    got_counts = {tid: round(c * iterations) for tid, c in r.criticality.items()}
    assert got_counts == counts
    for m, crit in r.milestone_criticality.items():
        assert {tid: round(c * iterations) for tid, c in crit.items()} == by_ms[m], m


def fixed_finishes(tasks, **kw):
    sc = scenario(tasks, [(t.id, [t.id]) for t in tasks], iterations=9)
    r = rk.simulate(sc, **kw)
    return {t.id: r.finishes[t.id][0] for t in tasks}, r.criticality


# A lasts 5 days, B 3 days, B depends on A: (type, lag) -> B's early finish, B critical
TWO_TASK = [
    ("FS", 0, 8, True),
    ("FS", 2, 10, True),
    ("FS", -2, 6, True),
    ("SS", 0, 3, False),
    ("SS", 2, 5, True),
    ("SS", 4, 7, True),
    ("SS", -2, 3, False),
    ("FF", 0, 5, True),
    ("FF", 2, 7, True),
    ("FF", -2, 3, False),
    ("SF", 2, 3, False),
    ("SF", 6, 6, True),
    ("SF", -1, 3, False),
]


@pytest.mark.parametrize("kind,lag,finish_b,b_critical", TWO_TASK)
def test_two_task_textbook_dates(kind, lag, finish_b, b_critical):
    tasks = [task("A", 5), task("B", 3, [Link("A", kind, lag)])]
    f, crit = fixed_finishes(tasks)
    assert f["A"] == 5
    assert f["B"] == finish_b
    assert crit["B"] == (1.0 if b_critical else 0.0)
    # A drives the finish unless B ends later; it is critical when it constrains B or ends last
    assert crit["A"] == (1.0 if (finish_b <= 5 or b_critical) else 0.0)


def test_three_task_textbook_network():
    # A(4); B(2) SS+1 after A; C(3) FF+2 after B and FS-1 after A.
    # B: ES 1, EF 3. C: start >= EF_A - 1 = 3; finish >= EF_B + 2 = 5 -> ES 3, EF 6.
    # Late pass from 6: C LF 6, LS 3; B LF = LF_C - 2 = 4 -> float 1;
    # A LF = min(6, LS_C + 1 = 4, LS_B - 1 + 4 = 5) = 4 -> critical.
    tasks = [
        task("A", 4),
        task("B", 2, [Link("A", "SS", 1)]),
        task("C", 3, [Link("B", "FF", 2), Link("A", "FS", -1)]),
    ]
    f, crit = fixed_finishes(tasks)
    assert (f["A"], f["B"], f["C"]) == (4, 3, 6)
    assert crit == {"A": 1.0, "B": 0.0, "C": 1.0}


def test_lead_cannot_start_before_project_start():
    tasks = [task("A", 2), task("B", 4, [Link("A", "FS", -5)])]
    f, _ = fixed_finishes(tasks)
    assert f["B"] == 4


def test_series_matches_numerical_convolution():
    from scipy import stats

    dx = 1e-3
    grid = np.arange(0, 25, dx)
    dists = [
        ({"dist": "uniform", "min": 1, "max": 3}, stats.uniform(1, 2)),
        ({"dist": "triangular", "min": 2, "mode": 3, "max": 6}, stats.triang(1 / 4, 2, 4)),
        (
            {"dist": "pert", "min": 1, "mode": 2, "max": 7},
            stats.beta(1 + 4 / 6, 1 + 4 * 5 / 6, 1, 6),
        ),
    ]
    pdf = None
    for _, d in dists:
        p = d.pdf(grid) * dx
        pdf = p if pdf is None else np.convolve(pdf, p)[: grid.size]
    cdf = np.cumsum(pdf)
    cdf /= cdf[-1]
    tasks = [
        task("a", dists[0][0]),
        task("b", dists[1][0], ["a"]),
        task("c", dists[2][0], ["b"]),
    ]
    n = 40_000
    r = rk.simulate(scenario(tasks, [("end", ["c"])]), iterations=n, seed=11, criticality=False)
    x = r.finishes["end"]
    for q in (0.05, 0.1, 0.25, 0.5, 0.75, 0.8, 0.9, 0.95):
        exact = np.interp(q, cdf, grid + dx)  # the CDF at grid[i] covers sums < grid[i] + dx
        density = np.interp(exact, grid, np.gradient(cdf, dx))
        se = np.sqrt(q * (1 - q) / n) / density
        assert abs(np.quantile(x, q) - exact) < 3 * se + dx, q
    assert abs(x.mean() - sum(d.mean() for _, d in dists)) < 3 * x.std() / np.sqrt(n)


def test_merge_of_identical_tasks_is_max_order_statistic():
    from scipy import stats

    k, n = 5, 40_000
    spec = {"dist": "triangular", "min": 3, "mode": 5, "max": 10}
    F = stats.triang(2 / 7, 3, 7)
    tasks = [task(f"t{i}", spec) for i in range(k)]
    r = rk.simulate(scenario(tasks, [("all", [t.id for t in tasks])]), iterations=n, seed=5)
    x = r.finishes["all"]
    for v in (6.0, 7.0, 8.0, 9.0, 9.5):
        p = F.cdf(v) ** k
        assert abs(np.mean(x <= v) - p) < 3 * np.sqrt(p * (1 - p) / n), v
    for q in (0.1, 0.5, 0.9):
        exact = F.ppf(q ** (1 / k))
        density = k * F.cdf(exact) ** (k - 1) * F.pdf(exact)
        assert abs(np.quantile(x, q) - exact) < 3 * np.sqrt(q * (1 - q) / n) / density


@pytest.fixture(scope="module")
def busy_network():
    return random_network(np.random.default_rng(7), 120)


def test_bit_identical_for_any_block_size_and_chunking(busy_network):
    net = rk.compile_network(busy_network)
    ref, ref_counts, _ = run_kernel(net, 5003, 99, block=64)[:3]
    for block, chunk in [(16, None), (4, 777), (128, 64), (32, 5003)]:
        out, counts, _ = run_kernel(net, 5003, 99, block=block, chunk=chunk)[:3]
        assert np.array_equal(out, ref)
        assert np.array_equal(counts, ref_counts)


def test_bit_identical_when_run_in_pieces(busy_network):
    net = rk.compile_network(busy_network)
    ref, ref_counts, _ = run_kernel(net, 3000, 4)[:3]
    a, ca, _ = run_kernel(net, 1001, 4, it_start=0)[:3]
    b, cb, _ = run_kernel(net, 1999, 4, it_start=1001)[:3]
    assert np.array_equal(np.vstack([a, b]), ref)
    assert np.array_equal(ca + cb, ref_counts)


def test_bit_identical_for_any_thread_count(busy_network):
    net = rk.compile_network(busy_network)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one, c1, _ = run_kernel(net, 4000, 8)[:3]
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many, cm, _ = run_kernel(net, 4000, 8)[:3]
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one, many)
    assert np.array_equal(c1, cm)


def test_bit_identical_across_processes_thread_counts_and_vector_widths(tmp_path, busy_network):
    script = (
        "import sys, numpy as np; sys.path.insert(0, sys.argv[1]);"
        "from test_network import random_network; import riskengine as rk;"
        "r = rk.simulate(random_network(np.random.default_rng(7), 120), iterations=3001, seed=21);"
        "np.save(sys.argv[2], r.project_finish)"
    )
    here = os.path.dirname(__file__)
    files = []
    runs = [("1", "1"), ("2", "1"), ("2", "0")]  # (NUMBA_NUM_THREADS, RISKENGINE_WIDE_VECTORS)
    for threads, wide in runs:
        path = tmp_path / f"t{threads}-w{wide}.npy"
        env = dict(os.environ, NUMBA_NUM_THREADS=threads, RISKENGINE_WIDE_VECTORS=wide)
        env.pop("NUMBA_CPU_FEATURES", None)
        subprocess.run([sys.executable, "-c", script, here, str(path)], check=True, env=env)
        files.append(np.load(path))
    assert np.array_equal(files[0], files[1])
    assert np.array_equal(files[0], files[2])
    r = rk.simulate(busy_network, iterations=3001, seed=21)
    assert np.array_equal(files[0], r.project_finish)


def test_adding_a_task_leaves_other_samples_unchanged():
    base = [task("a", {"dist": "pert", "min": 1, "mode": 2, "max": 9}), task("b", [1, 2, 3], ["a"])]
    extra = [task("z", {"dist": "uniform", "min": 0, "max": 50}), *base]
    r1 = rk.simulate(scenario(base, [("m", ["b"])]), iterations=2000, seed=3)
    r2 = rk.simulate(scenario(extra, [("m", ["b"])]), iterations=2000, seed=3)
    assert np.array_equal(r1.finishes["m"], r2.finishes["m"])


def test_different_seeds_differ():
    sc = scenario([task("a", [1, 2, 3])], [("m", ["a"])])
    a = rk.simulate(sc, iterations=100, seed=1).finishes["m"]
    b = rk.simulate(sc, iterations=100, seed=2).finishes["m"]
    assert not np.array_equal(a, b)
