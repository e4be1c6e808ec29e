"""What drives the risk: task sensitivity (second pass) and risk drivers (re-runs).

Both reuse the simulation's own random draws, so they need no stored samples and their
differences are free of sampling noise (common random numbers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from riskengine.engine.compile import CompiledNetwork, seed_keys, split64, stream_of
from riskengine.engine.encoding import TableBuilder, encode
from riskengine.kernels import thread_count
from riskengine.kernels.sampling import ppf_array
from riskengine.kernels.sensitivity import PARTS, duration_moments, regenerate_uniforms
from riskengine.model.scenario import Distribution

SENSITIVITY_BLOCK = 64  # fixed, so the sums' order (and bits) never change


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
    outputs: np.ndarray,
    output_ids: Sequence[str],
    criticality: np.ndarray | None,
    lhs_n: int = 0,
) -> dict[str, TaskSensitivity]:
    """Sensitivity of every task against every output column of ``outputs``
    (float64[iterations, outputs]: the finishes in working days of the project calendar,
    the unit the SSI's sd(finish) is read in). ``criticality[o, t]``: the share of
    iterations in which task t (topological order) was critical for output o."""
    n_iter, n_out = outputs.shape
    finish = outputs.T - outputs.mean(axis=0)[:, None]
    ranks = np.empty_like(finish)
    for m in range(n_out):
        ranks[m] = average_ranks(outputs[:, m]) - (n_iter + 1) / 2
    parts = np.zeros((PARTS, net.n_tasks, 4 + 2 * n_out))
    network = net.kernel_args()
    duration_moments(
        n_iter,
        SENSITIVITY_BLOCK,
        seed_keys(seed, lhs_n),
        network.tasks,
        network.copula,
        np.ascontiguousarray(ranks),
        np.ascontiguousarray(finish),
        parts,
    )
    sums = parts[0].copy()
    for part in parts[1:]:  # a fixed order of additions: the same bits on any machine
        sums += part
    sd_rank = ranks.std(axis=1)
    sd_finish = finish.std(axis=1)
    out = {}
    for k, tid in enumerate(net.task_ids):
        s = sums[k] / n_iter
        sd_u = np.sqrt(max(s[1] - s[0] ** 2, 0.0))
        sd_d = np.sqrt(max(s[3] - s[2] ** 2, 0.0))
        rho, cru, ssi = {}, {}, {}
        for m, oid in enumerate(output_ids):
            crit = float(criticality[m, k]) if criticality is not None else 0.0
            rho[oid] = _ratio(s[4 + m], sd_u * sd_rank[m])
            cru[oid] = _ratio(s[4 + n_out + m], sd_d * sd_finish[m])
            ssi[oid] = _ratio(crit * sd_d, sd_finish[m])
        out[tid] = TaskSensitivity(sd=float(sd_d), spearman=rho, cruciality=cru, ssi=ssi)
    return out


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


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else 0.0
