"""What drives the risk: task sensitivity (second pass) and risk drivers (re-runs).

Both reuse the simulation's own random draws, so they need no stored samples and their
differences are free of sampling noise (common random numbers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from riskengine.engine.compile import CompiledNetwork, seed_keys, split64, stream_of
from riskengine.engine.encoding import TableBuilder, encode
from riskengine.engine.runner import Progress
from riskengine.kernels import thread_count
from riskengine.kernels.sampling import FIXED, ppf_array
from riskengine.kernels.sensitivity import BLOCK, TILE, duration_moments, regenerate_uniforms
from riskengine.model.scenario import Distribution

CHUNK = 1024 * BLOCK  # iterations per call of the kernel: bounds its lane-ordered copies
RANK_BYTES = 256 * 2**20  # ranks held at once: outputs past it take another pass
MAX_OUTPUTS = 32  # outputs per pass over the draws: the products stay in the caches


@dataclasses.dataclass(frozen=True)
class TaskSensitivity:
    """Per output (milestone id, or "project"): ``spearman`` rank correlation of the task's
    sampled duration with the finish, ``cruciality`` (Pearson correlation of duration and
    finish) and ``ssi`` (schedule sensitivity index: the task's criticality for that
    output × sd(duration) / sd(finish), durations and finishes in working days)."""

    sd: float
    spearman: dict[str, float]
    cruciality: dict[str, float]
    ssi: dict[str, float]


def task_sensitivity(
    net: CompiledNetwork,
    seed: int,
    finishes: Mapping[str, np.ndarray],
    criticality: Mapping[str, np.ndarray] | None,
    lhs_n: int = 0,
    *,
    chunk: int = CHUNK,
    per_pass: int | None = None,
    progress: Progress | None = None,
) -> dict[str, TaskSensitivity]:
    """Sensitivity of every task against each output of ``finishes`` (output id: its
    finish per iteration, float64[iterations], in working days of the project calendar,
    the unit the SSI's sd(finish) is read in). ``criticality[output][t]``: the share of
    iterations in which task t (topological order) was critical for it.

    ``chunk`` (a multiple of BLOCK) iterations go to each call of the kernel and
    ``per_pass`` outputs to each pass over the draws (default: as many as RANK_BYTES
    holds, at most MAX_OUTPUTS); neither changes a bit of the result, only memory and
    speed. ``progress(done, total)`` hears of the iterations done over all the passes
    (``total``: iterations × passes) after each call of the kernel."""
    if chunk <= 0 or chunk % BLOCK:
        raise ValueError(f"chunk must be a positive multiple of {BLOCK}")
    ids = list(finishes)
    if not ids:
        return {}
    n_iter = len(finishes[ids[0]])
    if per_pass is None:
        per_pass = max(1, min(MAX_OUTPUTS, RANK_BYTES // (8 * n_iter)))
    tiles = sensitivity_tiles(net)
    network = net.kernel_args()
    keys = seed_keys(seed, lhs_n)
    rho = np.zeros((len(ids), net.n_tasks))
    cru = np.zeros_like(rho)
    ssi = np.zeros_like(rho)
    sd_d = np.zeros(net.n_tasks)
    total = n_iter * -(-len(ids) // per_pass)
    for p0 in range(0, len(ids), per_pass):
        group = ids[p0 : p0 + per_pass]
        xs = [finishes[oid] for oid in group]
        ranks = np.empty((len(group), n_iter))
        for k, x in enumerate(xs):
            ranks[k] = average_ranks(x)
        ranks -= (n_iter + 1) / 2
        means = [x.mean() for x in xs]
        sums = np.zeros((net.n_tasks, 4 + 2 * len(group)))
        for start in range(0, n_iter, chunk):
            m = min(chunk, n_iter - start)
            its = lane_iterations(start, m)
            ok = its >= 0
            r = np.zeros((len(group), its.size))
            f = np.zeros_like(r)
            r[:, ok] = ranks[:, its[ok]]
            for k, x in enumerate(xs):
                f[k, ok] = x[its[ok]] - means[k]
            duration_moments(start, m, keys, network.tasks, network.copula, tiles, r, f, sums)
            if progress is not None:
                progress(p0 // per_pass * n_iter + start + m, total)
        s = sums / n_iter  # every pass has the same moments: the same draws, the same order
        sd_u = np.sqrt(np.maximum(s[:, 1] - s[:, 0] ** 2, 0.0))
        sd_d = np.sqrt(np.maximum(s[:, 3] - s[:, 2] ** 2, 0.0))
        for k, oid in enumerate(group):
            sd_finish = (xs[k] - means[k]).std()
            rho[p0 + k] = _ratio(s[:, 4 + k], sd_u * ranks[k].std())
            cru[p0 + k] = _ratio(s[:, 4 + len(group) + k], sd_d * sd_finish)
            if criticality is not None:
                ssi[p0 + k] = _ratio(criticality[oid] * sd_d, np.full_like(sd_d, sd_finish))
    return {
        tid: TaskSensitivity(
            sd=float(sd_d[t]),
            spearman=dict(zip(ids, rho[:, t].tolist(), strict=True)),
            cruciality=dict(zip(ids, cru[:, t].tolist(), strict=True)),
            ssi=dict(zip(ids, ssi[:, t].tolist(), strict=True)),
        )
        for t, tid in enumerate(net.task_ids)
    }


def lane_iterations(start: int, n: int) -> np.ndarray:
    """The iteration at each position of the kernel's blocks for iterations ``start …
    start + n`` (``start`` a multiple of BLOCK), -1 past the last: the simulation's lane
    order (kernels/rng.py ``lane_iteration``)."""
    n_blocks = (n + BLOCK - 1) // BLOCK
    quads = BLOCK // 4
    lane = np.arange(BLOCK)
    its = (np.arange(n_blocks)[:, None] * BLOCK + 4 * (lane % quads) + lane // quads).ravel()
    return np.where(its < n, start + its, -1)


def sensitivity_tiles(net: CompiledNetwork) -> tuple[np.ndarray, ...]:
    """The kernel's tiles (kernels/sensitivity.py): the tasks with an uncertain duration,
    TILE at a time in topological order, the members of each correlation group together
    in one tile (which may then hold more), with the groups each tile needs."""
    tasks = np.flatnonzero(net.code != FIXED)
    grouped = tasks[net.corr_group[tasks] >= 0]
    grouped = grouped[np.argsort(net.corr_group[grouped], kind="stable")]
    units: list[np.ndarray] = []
    if grouped.size:
        cuts = np.flatnonzero(np.diff(net.corr_group[grouped])) + 1
        units += np.split(grouped, cuts)
    ptr, order, gptr, groups = [0], [], [0], []
    for k, unit in enumerate(units):  # whole groups, TILE tasks or more to a tile
        order += unit.tolist()
        groups.append(int(net.corr_group[unit[0]]))
        if len(order) - ptr[-1] >= TILE or k == len(units) - 1:
            ptr.append(len(order))
            gptr.append(len(groups))
    single = tasks[net.corr_group[tasks] < 0]
    for start in range(0, single.size, TILE):
        order += single[start : start + TILE].tolist()
        ptr.append(len(order))
        gptr.append(len(groups))
    return (
        np.array(ptr, np.int64),
        np.array(order, np.int64),
        np.array(gptr, np.int64),
        np.array(groups, np.int64),
    )


class DrawSampler:
    """Regenerates per-iteration samples of any entity's draw for one run of ``iterations``
    (from 0), with the simulation's own uniforms (through its copula where the draw is
    correlated): any sample is recomputed instead of stored."""

    def __init__(self, net: CompiledNetwork, seed: int, iterations: int, lhs_n: int) -> None:
        self.keys = seed_keys(seed, lhs_n)
        self.n = iterations
        self.copula = net.kernel_args().copula
        self.slots = {
            (int(lo), int(hi), int(draw)): s
            for s, ((lo, hi), draw) in enumerate(zip(net.slot_stream, net.slot_draw, strict=True))
        }

    def draws(self, kind: str, entity: str, draw: int, dist: Distribution | None) -> np.ndarray:
        """Draw ``draw`` of ``entity``'s stream in every iteration: the uniforms, or their
        samples of ``dist`` when one is given."""
        lo, hi = split64(stream_of(kind, entity))
        u = np.empty(self.n)
        regenerate_uniforms(
            self.n,
            self.keys,
            np.uint64(lo),
            np.uint64(hi),
            draw,
            self.slots.get((lo, hi, draw), -1),
            self.copula,
            thread_count(),
            u,
        )
        if dist is None:
            return u
        tables = TableBuilder()
        code, par = encode(dist, tables)
        return ppf_array(code, par, tables.array(), u)


def average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks with ties given their average rank (scipy's rankdata "average",
    without importing scipy.stats, which costs half a second at start-up)."""
    n = x.size
    order = np.argsort(x, kind="stable")
    xs = x[order]
    starts = np.flatnonzero(np.concatenate(([True], xs[1:] != xs[:-1])))
    counts = np.diff(np.append(starts, n))
    ranks = np.empty(n)
    ranks[order] = np.repeat(starts + (counts + 1) / 2.0, counts)
    return ranks


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The ratio a / b where b > 0, else 0 (no spread: no correlation)."""
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)
