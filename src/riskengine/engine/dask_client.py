"""Connecting to a Dask cluster (``--cluster ADDRESS``), apart from the backend
(engine/cluster.py) so that the command line can name it without loading numba or Dask:
``distributed`` is imported when a cluster is asked for."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from riskengine.errors import ClusterError, ScenarioError

if TYPE_CHECKING:
    from distributed import Client

CONNECT_TIMEOUT = 10.0  # seconds to reach a scheduler before giving up
INSTALL = "pip install 'riskengine[dask]'"


def local_threads(workers: int) -> int:
    """The threads of each of ``local:N``'s workers: this machine's cores shared out (a
    worker runs a chunk on each of its threads)."""
    return max(1, (os.cpu_count() or 1) // workers)


def _distributed() -> Any:
    """The ``distributed`` module, or the one-line error that says how to install it."""
    try:
        import distributed
    except ImportError:
        raise ScenarioError(f"running on a cluster needs Dask: {INSTALL}") from None
    return distributed


@contextmanager
def connect(address: str | None) -> Iterator[Client | None]:
    """A client of the cluster at ``address``: a scheduler (``tcp://host:8786``), or
    ``local:N``, a LocalCluster of N worker processes on this machine, started here and
    stopped on leaving; None for None (run on this machine).

    Raises
    ------
    ScenarioError
        When Dask is not installed, the address is malformed, or the scheduler does not
        answer within CONNECT_TIMEOUT seconds (naming the address).
    """
    if address is None:
        yield None
        return
    distributed = _distributed()
    if address.startswith("local:"):
        count = address.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise ScenarioError(
                f"local:N needs a number of workers of at least 1, got {address!r}",
                field="--cluster",
            )
        with (
            _failures(distributed, address),  # outermost: quiet while the client closes
            distributed.LocalCluster(
                n_workers=int(count),
                threads_per_worker=local_threads(int(count)),
                processes=True,
                dashboard_address=":0",
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError, TypeError) as e:
        raise ScenarioError(
            f"cannot reach the Dask scheduler at {address} (waited {CONNECT_TIMEOUT:g} s): {e}",
            field="--cluster",
        ) from None
    with _failures(distributed, address), client:  # quiet while the client closes too
        yield client


@contextmanager
def _failures(distributed: Any, address: str) -> Iterator[None]:
    """The cluster failing during a run as one ClusterError naming it: the scheduler's
    connection lost (the run's chunks cancelled), a chunk whose workers keep dying."""
    lost = (
        distributed.client.FutureCancelledError,
        distributed.comm.CommClosedError,
        distributed.KilledWorker,
    )
    # Dask's own log lines and tracebacks of a lost connection: ours is one line
    names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] == "distributed"]
    loggers = [logging.getLogger(n) for n in ("distributed", *names)]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    except lost as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ClusterError(
            f"--cluster: the Dask cluster at {address} failed during the run ({reason});"
            " nothing was written"
        ) from None
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
