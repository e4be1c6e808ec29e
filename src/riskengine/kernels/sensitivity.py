"""Second pass for task sensitivity: regenerate each task's duration draws (never stored)
and accumulate their moments against the per-iteration outputs of the first pass.

Layout and units
----------------
``ranks[m, i]`` and ``finish[m, i]`` hold, for output m (milestones, then the project) and
iteration i, the centred rank and the centred finish. For each task t with an uncertain
duration, ``sums[t]`` receives::

    [Σu, Σu², Σd, Σd², Σu·ranks[0], …, Σu·ranks[M], Σd·finish[0], …, Σd·finish[M]]

where u is the population rank of the task's sampled duration d = F⁻¹(u) before risks (in
working days): its uniform (DURATION_DRAW of its stream, the same draws as the
simulation), or for a discrete distribution the mid-rank of the value drawn, as ranks of
ties are. The iterations are split into a fixed number of parts summed separately and
then added in order, so results do not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from riskengine.model.draws import DURATION_DRAW

from .copula import group_uniforms, slot_or_draw
from .rng import lane_iteration
from .sampling import DISCRETE, FIXED, discrete_midrank, sample_into

PARTS = 16  # fixed partition of the iterations: sums never depend on the thread count
FOLD = 8  # lanes summed side by side (one vector), then folded in a fixed order


@njit(cache=True, parallel=True, error_model="numpy")
def duration_moments(n_iter, block, keys, tasks, copula, ranks, finish, parts):
    """Fill ``parts`` (float64[PARTS, n_tasks, 4 + 2 (M + 1)]): part c holds the sums over
    its own fixed range of iteration blocks; adding the parts in order gives ``sums``.
    ``keys``, ``tasks`` and ``copula`` are the simulation's (kernels/args.py).

    Iterations are the outer loop, so each block's ranks and finishes are read once for
    all tasks; each task's sums are accumulated FOLD lanes side by side (vectorised) over
    the whole part, then folded, always in the same order."""
    code, par, tables, stream_lo, stream_hi, exist_p, corr_slot = tasks
    n = code.shape[0]
    n_out = ranks.shape[0]
    width = 4 + 2 * n_out
    quads = block // 4
    n_blocks = (n_iter + block - 1) // block
    n_parts = parts.shape[0]
    group_ptr = copula.group_ptr
    n_groups = group_ptr.shape[0] - 1
    k_max = 1
    for g in range(n_groups):
        k_max = max(k_max, group_ptr[g + 1] - group_ptr[g])
    for c in prange(n_parts):
        # Allocate per part and initialise every element (numba issue #9529).
        u = np.zeros(block)
        d = np.zeros(block)
        w = np.zeros(block)
        r = np.zeros((n_out, block))
        f = np.zeros((n_out, block))
        tmp_all = np.zeros((n, width, FOLD))
        ucorr = np.zeros((max(copula.slot_draw.shape[0], 1), block))
        eps = np.zeros((k_max, block))
        acc = parts[c]
        for b in range(c * n_blocks // n_parts, (c + 1) * n_blocks // n_parts):
            base = b * block
            for lane in range(block):
                i = lane_iteration(base, quads, lane)
                ok = i < n_iter
                w[lane] = 1.0 if ok else 0.0
                for m in range(n_out):
                    r[m, lane] = ranks[m, i] if ok else 0.0
                    f[m, lane] = finish[m, i] if ok else 0.0
            for g in range(n_groups):
                group_uniforms(g, copula, keys, base, quads, eps, ucorr)
            for t in range(n):
                if code[t] == FIXED:
                    continue
                slot_or_draw(
                    corr_slot[t],
                    ucorr,
                    u,
                    base,
                    quads,
                    DURATION_DRAW,
                    stream_lo[t],
                    stream_hi[t],
                    keys,
                )
                sample_into(code[t], par[t], tables, u, d, block)
                if code[t] == DISCRETE:
                    off = int(par[t, 0])
                    k = int(par[t, 1])
                    for lane in range(block):
                        u[lane] = discrete_midrank(tables, off, k, u[lane])
                tmp = tmp_all[t]
                # each statistic in its own loop: FOLD contiguous lanes per vector step
                for l0 in range(0, block, FOLD):
                    for j in range(FOLD):
                        uw = u[l0 + j] * w[l0 + j]
                        dw = d[l0 + j] * w[l0 + j]
                        tmp[0, j] += uw
                        tmp[1, j] += uw * u[l0 + j]
                        tmp[2, j] += dw
                        tmp[3, j] += dw * d[l0 + j]
                for m in range(n_out):
                    rm = r[m]
                    fm = f[m]
                    tu = tmp[4 + m]
                    td = tmp[4 + n_out + m]
                    for l0 in range(0, block, FOLD):
                        for j in range(FOLD):
                            tu[j] += u[l0 + j] * rm[l0 + j]
                            td[j] += d[l0 + j] * fm[l0 + j]
        for t in range(n):
            for k in range(width):
                s = 0.0
                for j in range(FOLD):
                    s += tmp_all[t, k, j]
                acc[t, k] = s


@njit(cache=True, parallel=True, error_model="numpy")
def regenerate_uniforms(n_iter, keys, stream_lo, stream_hi, draw, slot, copula, n_chunks, out):
    """``out[i]``: the uniform of one stream and draw in iteration i (0 … n_iter-1) exactly as
    the simulation with ``keys`` and ``copula`` (kernels/args.py) used it: the draw's own
    uniform, or, when ``slot >= 0``, its row of the copula (kernels/copula.py). Any sample
    of a run is recomputed instead of stored."""
    group_ptr = copula.group_ptr
    n_groups = group_ptr.shape[0] - 1
    g = -1
    for gg in range(n_groups):
        if group_ptr[gg] <= slot < group_ptr[gg + 1]:
            g = gg
    k = group_ptr[g + 1] - group_ptr[g] if g >= 0 else 1
    block = 64
    quads = block // 4
    n_blocks = (n_iter + block - 1) // block
    for c in prange(n_chunks):
        # Allocate per chunk and initialise every element (numba issue #9529).
        u = np.zeros(block)
        ucorr = np.zeros((max(copula.slot_draw.shape[0], 1), block))
        eps = np.zeros((k, block))
        for b in range(c * n_blocks // n_chunks, (c + 1) * n_blocks // n_chunks):
            base = b * block
            if g >= 0:
                group_uniforms(g, copula, keys, base, quads, eps, ucorr)
            slot_or_draw(slot, ucorr, u, base, quads, draw, stream_lo, stream_hi, keys)
            for lane in range(block):
                i = lane_iteration(base, quads, lane)
                if i < n_iter:
                    out[i] = u[lane]
