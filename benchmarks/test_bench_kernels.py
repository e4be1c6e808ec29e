"""pytest-benchmark cases for the kernels (not part of the test suite: testpaths = tests).

    pytest benchmarks/ --benchmark-only

Each case records its throughput in ``extra_info`` (task-iterations or samples per second
of the fastest round), shown with ``--benchmark-json`` or ``--benchmark-columns``.
"""

from __future__ import annotations

import numpy as np
import pytest

from network import synthetic_scenario
from numpy_reference import LevelPlan, Workspace, cpm_chunk, self_check
from riskengine.engine.compile import compile_network
from riskengine.engine.encoding import TableBuilder, encode
from riskengine.engine.simulation import run_kernel
from riskengine.kernels.sampling import ppf_array
from riskengine.model.distributions import parse_distribution

TASKS = 2_000
KERNEL_ITERATIONS = 20_000
NUMPY_ITERATIONS = 1_000
SAMPLES = 1_000_000


@pytest.fixture(scope="module")
def net():
    net = compile_network(synthetic_scenario(TASKS))
    for crit in (False, True):
        run_kernel(net, 256, 1, criticality=crit)  # load or compile the numba kernel
    return net


def _rate(benchmark, work: float, unit: str) -> None:
    stats = getattr(benchmark, "stats", None)
    if stats is not None and stats.stats.min > 0:
        benchmark.extra_info[unit] = round(work / stats.stats.min / 1e6, 1)


@pytest.mark.parametrize("criticality", [False, True], ids=["forward", "criticality"])
def test_run_kernel(benchmark, net, criticality):
    benchmark(run_kernel, net, KERNEL_ITERATIONS, 1, criticality=criticality)
    _rate(benchmark, TASKS * KERNEL_ITERATIONS, "M task-it/s")


@pytest.mark.parametrize("criticality", [False, True], ids=["forward", "criticality"])
def test_numpy_reference(benchmark, net, criticality):
    plan = LevelPlan(net)
    work = Workspace(plan, NUMPY_ITERATIONS)
    gen = np.random.Generator(np.random.Philox(1))
    cpm_chunk(net, plan, NUMPY_ITERATIONS, criticality, gen=gen, work=work)  # page faults
    benchmark(cpm_chunk, net, plan, NUMPY_ITERATIONS, criticality, gen=gen, work=work)
    _rate(benchmark, TASKS * NUMPY_ITERATIONS, "M task-it/s")


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "triangular", "min": 2, "mode": 5, "max": 11},
        {"dist": "pert", "min": 2, "mode": 5, "max": 11},
    ],
    ids=lambda s: s["dist"],
)
def test_ppf_array(benchmark, spec):
    tables = TableBuilder()
    code, par = encode(parse_distribution(spec), tables)
    tab = tables.array()
    u = np.random.default_rng(0).random(SAMPLES)
    ppf_array(code, par, tab, u[:10])  # load or compile
    out = benchmark(ppf_array, code, par, tab, u)
    assert spec["min"] <= out.min() and out.max() <= spec["max"]
    _rate(benchmark, SAMPLES, "M samples/s")


def test_numpy_reference_matches_kernel():
    """Not a benchmark: the reference must reproduce the kernel exactly (runs without
    ``--benchmark-only``)."""
    self_check()
