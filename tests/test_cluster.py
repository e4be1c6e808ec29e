"""Runs on a Dask cluster (engine/cluster.py) give the bits of the same run on this
machine's threads: for simulate, compare and the risk register, any chunk size, and after
a worker dies mid-run. One LocalCluster of two worker processes serves the module."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import riskengine as rk
from helpers import scenario, task
from riskengine import cli
from riskengine.engine import cluster, dask_client
from riskengine.engine.cluster import DaskBackend, _piece, chunk_size
from riskengine.engine.compile import compile_network
from riskengine.engine.runner import run_kernel
from riskengine.engine.simulation import _simulate

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
PLANT = ROOT / "scenarios" / "plant_upgrade.yaml"  # costs, calendars, risks, mitigations
OVERLAY = ROOT / "scenarios" / "plant_overlay.yaml"  # the P6 schedule with risks over it
PORTFOLIO = ROOT / "scenarios" / "portfolio" / "fy27.yaml"  # with options


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def _doc(results) -> str:
    return json.dumps(results.to_dict(), sort_keys=True, default=str)


def assert_same(local, remote) -> None:
    """Every number of two Results, the per-iteration arrays bit for bit."""
    assert _doc(remote) == _doc(local)
    assert np.array_equal(remote.project_finish, local.project_finish)
    assert local.finishes.keys() == remote.finishes.keys()
    for k in local.finishes:
        assert np.array_equal(remote.finishes[k], local.finishes[k])
    assert (local.costs is None) == (remote.costs is None)
    for k, v in (local.costs or {}).items():
        assert np.array_equal(remote.costs[k], v)
    assert remote.criticality == local.criticality
    assert remote.milestone_criticality == local.milestone_criticality
    assert remote.risk_occurrence == local.risk_occurrence
    assert remote.task_costs == local.task_costs
    assert remote.task_dates == local.task_dates
    assert remote.drivers == local.drivers


@pytest.mark.parametrize(
    ("path", "options"),
    [
        (PLANT, {}),
        (PLANT, {"mitigated": True}),
        (PLANT, {"sampling": "lhs"}),
        (OVERLAY, {}),
    ],
    ids=["plant", "plant-mitigated", "plant-lhs", "p6-overlay"],
)
def test_simulate_on_the_cluster_equals_the_threaded_run(client, path, options):
    sc = rk.load_scenario(path)
    local = rk.simulate(sc, 3000, 17, **options)
    remote = rk.simulate(sc, 3000, 17, client=DaskBackend(client, chunk=700), **options)
    assert_same(local, remote)
    assert local.costs is not None or path == OVERLAY  # costs and their groups compared
    assert local.drivers  # the risk drivers' reruns ran on the cluster too


def test_any_chunk_size_gives_the_same_bits(client):
    sc = rk.load_scenario(PLANT)
    local = rk.simulate(sc, 2500, 5, sensitivity=False)
    for chunk in (333, 1024, None):  # 333: chunks start off the kernel's groups of 4
        remote = rk.simulate(sc, 2500, 5, sensitivity=False, client=DaskBackend(client, chunk))
        assert_same(local, remote)
    assert_same(local, rk.simulate(sc, 2500, 5, sensitivity=False, client=client))  # a Client


def test_a_network_sent_to_one_worker_gives_the_same_bits(client, monkeypatch):
    monkeypatch.setattr(cluster, "BROADCAST_WORKERS", 1)  # as on a large cluster
    sc = rk.load_scenario(PLANT)
    local = rk.simulate(sc, 2000, 12, sensitivity=False, drivers=False)
    remote = rk.simulate(sc, 2000, 12, sensitivity=False, drivers=False, client=client)
    assert_same(local, remote)


def test_a_converging_run_on_the_cluster_equals_the_threaded_run(client):
    sc = rk.load_scenario(PLANT)
    conv = rk.Convergence(tolerance=2.0, block=1500, max_iterations=6000)
    local = rk.simulate(sc, seed=2, convergence=conv, drivers=False)
    remote = rk.simulate(
        sc, seed=2, convergence=conv, drivers=False, client=DaskBackend(client, 500)
    )
    assert remote.convergence == local.convergence
    assert_same(local, remote)


def test_the_portfolio_on_the_cluster_equals_the_threaded_run(client):
    portfolio = rk.load_portfolio(PORTFOLIO)
    local = rk.simulate_portfolio(portfolio, 2000, 9)
    remote = rk.simulate_portfolio(portfolio, 2000, 9, client=DaskBackend(client, 512))
    assert_same(local.results, remote.results)
    assert remote.strategy == local.strategy
    for k, v in local.outcome.quantities.items():
        assert np.array_equal(remote.outcome.quantities[k], v, equal_nan=True)


def test_compare_on_the_cluster_equals_the_threaded_run_and_runs_each_chunk_once(client):
    portfolio = rk.load_portfolio(PORTFOLIO)
    local = rk.compare(portfolio, 2000, 4)
    with distributed.get_task_stream(client) as stream:
        remote = rk.compare(portfolio, 2000, 4, client=DaskBackend(client, 500))
    assert remote.to_dict() == local.to_dict()
    for name, out in local.outcomes.items():
        assert np.array_equal(remote.outcomes[name].joint, out.joint)
    chunks = {r["key"] for r in stream.data if "riskengine-chunk" in str(r["key"])}
    assert len(local.options) >= 4
    # every option's 4 chunks, each computed once although two calls asked for it
    assert len(chunks) == 4 * len(local.options)
    assert len([r for r in stream.data if "riskengine-chunk" in str(r["key"])]) == len(chunks)


def test_the_register_on_the_cluster_equals_the_threaded_one(client):
    sc = rk.load_scenario(PLANT)
    local = rk.risk_register(sc, 2000, 8)
    remote = rk.risk_register(sc, 2000, 8, client=DaskBackend(client, 600))
    for table in ("register", "mitigation", "tornado"):
        assert getattr(remote, table).equals(getattr(local, table)), table
    assert_same(local.pre, remote.pre)
    assert_same(local.post, remote.post)


@pytest.mark.parametrize("criticality", [True, "project", False])
def test_the_merged_kernel_outputs_are_the_threaded_ones(client, criticality):
    net = compile_network(rk.load_scenario(PLANT))
    window = (np.zeros(net.n_tasks, np.int64), 400)
    options = {"criticality": criticality, "finish_window": window, "it_start": 13}
    local = run_kernel(net, 2100, 6, **options)
    remote = run_kernel(net, 2100, 6, backend=DaskBackend(client, 256), **options)
    for name in ("out", "critical", "occurred", "cost", "task_cost", "spans"):
        assert np.array_equal(getattr(remote, name), getattr(local, name)), name
    for a, b in zip(remote.finish_days, local.finish_days, strict=True):
        assert np.array_equal(a, b)
    assert local.task_cost.any() and local.finish_days.counts.any()
    assert local.critical.any() == bool(criticality)
    # without criticality a chunk leaves its (all-zero) outputs × tasks counts behind
    piece = _piece(net, 256, 6, 0, criticality, 64, 0, None)
    assert piece.critical.size == (net.n_tasks * piece.critical.shape[0] if criticality else 0)


def test_chunks_cover_the_network_size():
    assert chunk_size(10_000, 1_000_000, 64) == 10_048  # ~100 M task-iterations a chunk
    assert chunk_size(100, 1_000_000, 64) == 15_680  # small networks: 64 chunks a run
    assert chunk_size(100, 5_000, 64) == 1024  # never below MIN_CHUNK
    with pytest.raises(ValueError, match="chunk"):
        DaskBackend(None, chunk=0)


def _long_network():
    """2,000 tasks, each after one or two of the previous ten: enough work per chunk that
    a worker is killed with chunks in flight."""
    rng = np.random.default_rng(0)
    tasks = []
    for i in range(2000):
        preds = sorted({f"t{j}" for j in rng.integers(max(i - 10, 0), i, size=2)}) if i else []
        tasks.append(task(f"t{i}", [1.0 + i % 3, 4.0 + i % 3, 9.0 + i % 5], preds))
    return scenario(tasks)


def test_killing_a_worker_mid_run_gives_the_same_bits(client):
    sc = _long_network()
    local = rk.simulate(sc, 120_000, 3, sensitivity=False, drivers=False, task_dates=False)
    pids = client.run(os.getpid)
    victim = max(pids.values())
    killed_at = []

    def progress(done, total):
        if not killed_at:
            killed_at.append((done, total))
            os.kill(victim, signal.SIGKILL)

    remote = _simulate(
        sc,
        120_000,
        3,
        sensitivity=False,
        drivers=False,
        task_dates=False,
        progress=progress,
        client=DaskBackend(client, chunk=4000),
    )
    assert killed_at and killed_at[0][0] < killed_at[0][1] // 2  # early: most chunks to go
    client.wait_for_workers(2, timeout=60)
    assert victim not in client.run(os.getpid).values()  # it died (the nanny started another)
    assert_same(local, remote)


def test_a_wrong_scheduler_address_exits_2_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(dask_client, "CONNECT_TIMEOUT", 1.0)
    out = tmp_path / "r.json"
    reg = tmp_path / "register.csv"
    runner = CliRunner()
    for args in (
        ["run", str(PLANT), "-n", "100", "--json", str(out)],
        ["register", str(PLANT), "-n", "100", "-o", str(reg)],
        ["compare", str(PORTFOLIO), "-n", "100", "--json", str(out)],
    ):
        res = runner.invoke(cli.main, [*args, "--cluster", "tcp://127.0.0.1:1"])
        assert res.exit_code == 2, res.output
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: --cluster: ")
        assert "tcp://127.0.0.1:1" in lines[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("address", ["local:0", "local:two"])
def test_a_bad_local_cluster_size_is_one_error_line(address):
    res = CliRunner().invoke(cli.main, ["run", str(PLANT), "-n", "100", "--cluster", address])
    assert res.exit_code == 2
    assert res.stderr.strip() == (
        f"error: --cluster: local:N needs a number of workers of at least 1, got {address!r}"
    )


def test_without_dask_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    res = CliRunner().invoke(cli.main, ["run", str(PLANT), "-n", "100", "--cluster", "local:2"])
    assert res.exit_code == 2
    assert res.stderr.strip() == (
        "error: running on a cluster needs Dask: pip install 'riskengine[dask]'"
    )


def test_the_cli_on_a_cluster_writes_the_same_files(client, tmp_path):
    runner = CliRunner()
    address = client.scheduler.address
    for command, target, flag in (
        (["compare", str(PORTFOLIO), "-n", "1500"], "cmp.json", "--json"),
        (["register", str(PLANT), "-n", "1500"], "register.csv", "-o"),
    ):
        here = tmp_path / f"local-{target}"
        there = tmp_path / f"cluster-{target}"
        assert runner.invoke(cli.main, [*command, flag, str(here)]).exit_code == 0
        res = runner.invoke(cli.main, [*command, flag, str(there), "--cluster", address])
        assert res.exit_code == 0, res.output
        assert there.read_bytes() == here.read_bytes()


def test_run_with_a_local_cluster_end_to_end(tmp_path):
    runner = CliRunner()
    here, there = tmp_path / "local.json", tmp_path / "cluster.json"
    args = ["run", str(PLANT), "-n", "2000", "-q", "--json", str(here)]
    assert runner.invoke(cli.main, args).exit_code == 0
    res = runner.invoke(
        cli.main, ["run", str(PLANT), "-n", "2000", "--json", str(there), "--cluster", "local:2"]
    )
    assert res.exit_code == 0, res.output
    assert there.read_bytes() == here.read_bytes()
    assert "wrote" in res.stderr


def test_a_scheduler_lost_mid_run_is_one_clear_error(tmp_path):
    """The scheduler (a process of its own, with one worker) is killed once the run's
    first chunk is in: the run ends in one ClusterError naming the address (the command
    line prints it as one line, exits 2 and writes nothing), however Dask itself reports
    the lost connection, and Dask's own log lines stay quiet."""
    import socket
    import subprocess
    import threading

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    sched = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"]
        + ["--port", str(port), "--dashboard-address", ":0"],
        **quiet,
    )
    worker = None
    try:
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address]
            + ["--nthreads", "1", "--dashboard-address", ":0"],
            **quiet,
        )
        with distributed.Client(address, timeout=60) as c:
            c.wait_for_workers(1, timeout=60)
        in_flight = threading.Event()
        threading.Thread(target=lambda: in_flight.wait(120) and sched.kill(), daemon=True).start()
        ticks = []

        def progress(done, total):
            ticks.append(done)
            in_flight.set()

        sc = rk.load_scenario(PLANT)
        with pytest.raises(rk.RiskEngineError) as e, dask_client.connect(address) as c:
            rk.simulate(sc, 4_000_000, 1, client=c, progress=progress, drivers=False)
        assert ticks and ticks[-1] < 4_000_000  # it was lost mid-run
        message = str(e.value)
        assert message.startswith(f"--cluster: the Dask cluster at {address} failed during")
        assert message.endswith("nothing was written") and "\n" not in message
    finally:
        for p in (worker, sched):
            if p is not None:
                p.kill()
                p.wait()
