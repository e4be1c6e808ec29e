"""The Dask backend: a run's iterations as chunks on a cluster's workers, merged exactly.

Iteration i's draws depend only on (seed, i) (and, for Latin hypercube sampling, on the
whole run's size, which every chunk is told), so any split of the iterations, merged in
iteration order, gives the bits of the run on one machine: per-iteration outputs go to
their rows, integer counters (criticality, risk occurrence, finish-day counts, the
fixed-point task cost sums) add up, first and last finish days take the min and max.
The network goes to the workers once a run as arrays (``scatter``); each task is our own
:func:`run_sums` on its range: no code from a file runs on a worker. Tasks are pure and
keyed by their arguments, so a chunk lost with its worker is run again with the same
result, and a chunk asked for twice (``compare`` submits ahead) is computed once.

``distributed`` is imported only when a cluster is used: the core install has no Dask.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from riskengine.engine.compile import CompiledNetwork
from riskengine.engine.runner import FinishDays, KernelOutput, Progress, run_sums

if TYPE_CHECKING:  # distributed loads only when a cluster is used
    from distributed import Client, Future

CHUNK_WORK = 100_000_000  # task-iterations per chunk: about 1 s on one core
MIN_CHUNK = 1024  # iterations: smaller chunks cost more to schedule than to run
MIN_CHUNKS = 64  # a run is split at least this far (when its chunks stay >= MIN_CHUNK)
RETRIES = 2  # reruns of a chunk that raised (a lost worker's chunks are rerun anyway)
# Up to this many workers the client sends the network to each (a copy survives any one
# worker); beyond, to one, and workers fetch it from the workers that have it, so the
# client does not send a copy per worker
BROADCAST_WORKERS = 16

Piece = tuple[int, int, "Future"]  # first iteration (from the run's start), count, task


def chunk_size(n_tasks: int, iterations: int, block: int) -> int:
    """Iterations per chunk: about CHUNK_WORK task-iterations, at least MIN_CHUNK, and
    small enough to split the run into MIN_CHUNKS pieces; a multiple of ``block``. It
    depends on the network and the run only, never on the workers, so a run submitted
    twice has the same chunks (and Dask computes them once)."""
    chunk = min(CHUNK_WORK // max(n_tasks, 1), math.ceil(iterations / MIN_CHUNKS))
    chunk = max(chunk, MIN_CHUNK)
    return math.ceil(chunk / block) * block


def _piece(
    net: CompiledNetwork,
    iterations: int,
    seed: int,
    it_start: int,
    criticality: bool | str,
    block: int,
    lhs_n: int,
    finish_window: tuple[np.ndarray, int] | None,
) -> KernelOutput:
    """One chunk, on a worker, on one kernel thread: Dask runs as many chunks side by side
    as the worker has threads (one a core, as Dask sets numerical libraries to run).
    Without criticality the counts (outputs × tasks, all zero) stay behind: a portfolio's
    would outweigh the rest of the result."""
    k = run_sums(
        net,
        iterations,
        seed,
        criticality=criticality,
        block=block,
        it_start=it_start,
        lhs_n=lhs_n,
        finish_window=finish_window,
        threads=1,
    )
    return k if criticality else k._replace(critical=k.critical[:, :0])


class DaskBackend:
    """Runs :func:`~riskengine.engine.runner.run_kernel`'s iterations on a Dask cluster
    (a :class:`~riskengine.engine.runner.Backend`).

    ``client``: a connected ``distributed.Client``. ``chunk``: iterations per chunk
    (default :func:`chunk_size`); the results are the same bits whatever it is."""

    def __init__(self, client: Client, chunk: int | None = None) -> None:
        if chunk is not None and chunk < 1:
            raise ValueError("chunk must be at least 1")
        self.client = client
        self.chunk = chunk
        self._shipped: tuple[CompiledNetwork, Future] | None = None

    def submit(
        self,
        net: CompiledNetwork,
        iterations: int,
        seed: int,
        *,
        criticality: bool | str,
        block: int,
        it_start: int,
        lhs_n: int,
        finish_window: tuple[np.ndarray, int] | None,
    ) -> list[Piece]:
        """Send the network (once) and submit every chunk of the run; the chunks start at
        once and their futures keep them until they are merged or dropped."""
        shipped = self._ship(net)
        chunk = self.chunk or chunk_size(net.n_tasks, iterations, block)
        pieces = []
        for first in range(0, iterations, chunk):
            m = min(chunk, iterations - first)
            args = (shipped, m, seed, it_start + first, criticality, block, lhs_n, finish_window)
            key = f"riskengine-chunk-{_token(shipped.key, *args[1:])}"
            job = self.client.submit(_piece, *args, key=key, pure=True, retries=RETRIES)
            pieces.append((first, m, job))
        return pieces

    def _ship(self, net: CompiledNetwork) -> Future:
        """The network on the workers, sent unless it was this backend's last (the blocks
        of a converging run reuse it)."""
        if self._shipped is None or self._shipped[0] is not net:
            broadcast = len(self.client.nthreads()) <= BROADCAST_WORKERS
            self._shipped = (net, self.client.scatter(net, broadcast=broadcast, hash=True))
        return self._shipped[1]

    def run(
        self,
        net: CompiledNetwork,
        iterations: int,
        seed: int,
        *,
        criticality: bool | str,
        block: int,
        it_start: int,
        progress: Progress | None,
        lhs_n: int,
        finish_window: tuple[np.ndarray, int] | None,
    ) -> KernelOutput:
        """:func:`run_sums` of the iterations, run on the cluster and merged as the chunks
        complete (the same bits)."""
        pieces = self.submit(
            net,
            iterations,
            seed,
            criticality=criticality,
            block=block,
            it_start=it_start,
            lhs_n=lhs_n,
            finish_window=finish_window,
        )
        return merge(pieces, iterations, progress)


def _token(*args: Any) -> str:
    """A chunk's key from its arguments (the network by its scattered key, a hash of its
    arrays): the same chunk of the same run has the same key."""
    from dask.base import tokenize

    return str(tokenize(*args))


def merge(pieces: list[Piece], iterations: int, progress: Progress | None = None) -> KernelOutput:
    """The chunks' outputs as one run's, merged into arrays allocated once as each chunk
    completes (in any order), its result then released: the client holds one run's
    outputs and one chunk at a time, however many workers there are. Calls
    ``progress(done, iterations)`` after each chunk."""
    from distributed import as_completed

    where = {job.key: (first, m) for first, m, job in pieces}
    jobs = as_completed([job for _, _, job in pieces])
    pieces.clear()  # the futures now live in ``jobs`` until each is merged
    total: KernelOutput | None = None
    done = 0
    for job in jobs:
        first, m = where[job.key]
        part: KernelOutput = job.result()
        del job
        total = _add(total, part, first, iterations)
        done += m
        if progress is not None:
            progress(done, iterations)
    assert total is not None  # a run has at least one iteration
    return total


def _add(total: KernelOutput | None, part: KernelOutput, first: int, n: int) -> KernelOutput:
    """``total`` with a chunk's outputs added: its rows from ``first``, its counters
    summed, its first and last finish days folded in (allocated from the first chunk)."""
    if total is None:

        def rows(a: np.ndarray) -> np.ndarray:
            return np.empty((n, *a.shape[1:]), a.dtype)

        fd = part.finish_days
        total = part._replace(
            out=rows(part.out),
            cost=rows(part.cost),
            spans=rows(part.spans),
            critical=np.zeros((part.critical.shape[0], part.task_cost.size), np.int64),
            occurred=np.zeros_like(part.occurred),
            task_cost=np.zeros_like(part.task_cost),
            finish_days=None
            if fd is None
            else FinishDays(
                np.zeros_like(fd.counts),
                fd.base,
                np.full_like(fd.first, np.iinfo(np.int64).max),
                np.full_like(fd.last, -1),
            ),
        )
    m = part.out.shape[0]
    total.out[first : first + m] = part.out
    total.cost[first : first + m] = part.cost
    total.spans[first : first + m] = part.spans
    if part.critical.size:
        total.critical[...] += part.critical
    total.occurred[...] += part.occurred
    total.task_cost[...] += part.task_cost
    if total.finish_days is not None and part.finish_days is not None:
        fd, add = total.finish_days, part.finish_days
        fd.counts[...] += add.counts
        np.minimum(fd.first, add.first, out=fd.first)
        np.maximum(fd.last, add.last, out=fd.last)
    return total


def backend(client: Client | DaskBackend | None) -> DaskBackend | None:
    """What ``simulate(client=...)`` runs on: None (this machine), or a backend for the
    client (a DaskBackend as it is, for a chunk size of its own)."""
    if client is None or isinstance(client, DaskBackend):
        return client
    return DaskBackend(client)
