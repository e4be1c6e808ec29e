"""What a Dask cluster costs against this machine's threads: the 10,000-task network's main
run (``run_kernel`` with criticality, as ``simulate`` runs it) at 1,000,000 iterations.

    python benchmarks/bench_cluster.py [--iterations 1000000] [--workers 2] [--repeat 3]
                                      [--tasks 10000] [--chunk C]

Threads and a LocalCluster of ``--workers`` worker processes (one Dask thread each, the
kernel on the worker's numba threads) started in this process, timed in alternating
rounds so both see the same load; the outputs are checked equal bit for bit. Prints the
ratio of the medians (target: within 20 % on this 2-core machine), the bytes sent per
chunk (the pickled task without the network, which goes once, and the pickled result),
the client's peak memory during a cluster run (tracemalloc, in a separate untimed run,
against the threaded run's), and per-chunk costs from Dask's task stream that feed the
README's scaling estimate for 100 workers.
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import riskengine  # noqa: E402, F401  (before numba: it picks numba's vector width)

# isort: split
import distributed  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402

from network import synthetic_scenario  # noqa: E402
from riskengine.engine import cluster as cl  # noqa: E402
from riskengine.engine.compile import compile_network  # noqa: E402
from riskengine.engine.dask_client import local_threads  # noqa: E402
from riskengine.engine.runner import DEFAULT_BLOCK, run_kernel, run_sums  # noqa: E402

SEED = 12345
MIB = 2**20


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def peak_traced(fn) -> tuple[int, object]:
    """Peak bytes Python and numpy allocated in this process while ``fn`` ran."""
    tracemalloc.start()
    try:
        out = fn()
        return tracemalloc.get_traced_memory()[1], out
    finally:
        tracemalloc.stop()


def same(a, b) -> bool:
    return all(
        np.array_equal(x, y)
        for x, y in zip(
            (a.out, a.critical, a.occurred, a.cost, a.task_cost, a.spans),
            (b.out, b.critical, b.occurred, b.cost, b.task_cost, b.spans),
            strict=True,
        )
    )


def chunk_bytes(net, chunk: int) -> tuple[int, int, int]:
    """Pickled bytes of the network (sent once), of one chunk's task (the network by its
    key) and of one chunk's result."""
    args = ("network-key", chunk, SEED, 0, True, DEFAULT_BLOCK, 0, None)
    task = len(pickle.dumps((cl._piece, args), protocol=5))
    result = run_sums(net, chunk, SEED, criticality=True)
    return len(pickle.dumps(net, protocol=5)), task, len(pickle.dumps(result, protocol=5))


def chunk_costs(stream: list[dict]) -> list[float]:
    """Compute seconds of each chunk task, from Dask's task stream."""
    return [
        ss["stop"] - ss["start"]
        for rec in stream
        if "riskengine-chunk" in str(rec["key"])
        for ss in rec["startstops"]
        if ss["action"] == "compute"
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--iterations", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--chunk", type=int, help="iterations per chunk [default: chunk_size()]")
    ap.add_argument(
        "--worker-threads",
        type=int,
        help="Dask threads of each worker, each running a chunk on one kernel thread "
        "[default: cores / workers, as local:N starts them]",
    )
    args = ap.parse_args(argv)

    print(f"uptime: {os.popen('uptime').read().strip()}")
    net = compile_network(synthetic_scenario(args.tasks))
    its = args.iterations
    chunk = args.chunk or cl.chunk_size(net.n_tasks, its, DEFAULT_BLOCK)
    n_chunks = -(-its // chunk)
    print(
        f"network: {net.n_tasks:,} tasks; {its:,} iterations in {n_chunks} chunks of "
        f"{chunk:,} ({net.n_tasks * chunk / 1e6:,.0f} M task-iterations a chunk); "
        f"numba threads here: {numba.get_num_threads()}"
    )
    threads_each = args.worker_threads or local_threads(args.workers)
    print(f"workers: {args.workers}, each running {threads_each} chunk(s) at a time")
    with (
        distributed.LocalCluster(
            n_workers=args.workers,
            threads_per_worker=threads_each,
            processes=True,
            dashboard_address=":0",
        ) as lc,
        distributed.Client(lc) as client,
    ):
        backend = cl.DaskBackend(client, chunk)
        # warm-up: numba's cache in every process, the network on every worker
        run_kernel(net, 4 * DEFAULT_BLOCK, SEED)
        run_kernel(net, args.workers * 4 * DEFAULT_BLOCK, SEED, backend=cl.DaskBackend(client, 256))
        threads, remote = [], []
        for r in range(args.repeat):
            local, t_local = timed(lambda: run_kernel(net, its, SEED))
            with distributed.get_task_stream(client) as ts:
                there, t_remote = timed(lambda: run_kernel(net, its, SEED, backend=backend))
            assert same(local, there), "the cluster's outputs differ from the threads'"
            del local, there
            threads.append(t_local)
            remote.append(t_remote)
            print(f"round {r + 1}: threads {t_local:.2f} s, cluster {t_remote:.2f} s")
        compute = chunk_costs(ts.data)
        t_thr, t_dask = float(np.median(threads)), float(np.median(remote))
        ratio = t_dask / t_thr
        verdict = "PASS" if ratio <= 1.2 else f"MISS (by {100 * (ratio - 1.2):.0f} points)"
        print(
            f"median: threads {t_thr:.2f} s, {args.workers}-worker LocalCluster {t_dask:.2f} s; "
            f"ratio {ratio:.2f} (target <= 1.20: {verdict}); bit-identical: yes"
        )

        peak_local, _ = peak_traced(lambda: run_kernel(net, its, SEED))
        peak_remote, _ = peak_traced(lambda: run_kernel(net, its, SEED, backend=backend))
        outputs = its * (len(net.milestone_ids) + 1) * 8
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
        print(
            f"client peak (tracemalloc): threads {peak_local / MIB:,.0f} MiB, cluster "
            f"{peak_remote / MIB:,.0f} MiB (the run's per-iteration outputs alone: "
            f"{outputs / MIB:,.0f} MiB); ru_maxrss {maxrss / MIB:,.0f} MiB"
        )
    sent_net, sent_task, sent_result = chunk_bytes(net, chunk)
    print(
        f"bytes: network {sent_net / MIB:,.2f} MiB once per run (scattered to every worker); "
        f"per chunk: task {sent_task:,} B, result {sent_result / MIB:,.2f} MiB"
    )
    c_med, c_mean = float(np.median(compute)), float(np.mean(compute))
    per_chunk_wall = t_dask * args.workers / n_chunks
    print(
        f"per chunk: compute {c_med:.3f} s median, {c_mean:.3f} s mean "
        f"({net.n_tasks * chunk / c_med / 1e6:,.0f} M task-iterations/s a worker thread); "
        f"wall x workers / chunks {per_chunk_wall:.3f} s (overhead {per_chunk_wall - c_mean:+.3f} "
        "s a chunk)"
    )
    part = run_sums(net, chunk, SEED)
    total = None
    t0 = time.perf_counter()
    for first in range(0, its, chunk):  # the client's side of a merge, without the network
        total = cl._add(
            total, part if first + chunk <= its else _cut(part, its - first), first, its
        )
    merge = (time.perf_counter() - t0) / n_chunks
    print(f"client merge: {merge * 1e3:.2f} ms a chunk (serial on the client)")
    return 0


def _cut(part, m: int):
    return part._replace(out=part.out[:m], cost=part.cost[:m], spans=part.spans[:m])


if __name__ == "__main__":
    raise SystemExit(main())
