"""Second pass for task sensitivity: regenerate each task's duration draws (never stored)
and accumulate their moments against the per-iteration outputs of the first pass.

Layout and units
----------------
``ranks[m, i]`` and ``finish[m, i]`` hold, for output m (milestones, then the project) and
iteration i, the centred rank and the centred finish. For each task t with an uncertain
duration, ``sums[t]`` receives::

    [Σu, Σu², Σd, Σd², Σu·ranks[0], …, Σu·ranks[M], Σd·finish[0], …, Σd·finish[M]]

where u is the population rank of the task's sampled duration d = F⁻¹(u) before risks (in
working days): its uniform (draw 0 of its stream, the same draws as the simulation), or
for a discrete distribution the mid-rank of the value drawn, as ranks of ties are. Tasks are
shared out between threads; each sum runs over iterations in order, so results do not
depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .copula import group_uniforms
from .network import DURATION_DRAW
from .rng import draw_uniforms, lane_iteration
from .sampling import DISCRETE, FIXED, discrete_midrank, sample_into


@njit(cache=True, parallel=True, error_model="numpy")
def duration_moments(
    n_iter,
    block,
    key_lo,
    key_hi,
    code,
    par,
    tables,
    stream_lo,
    stream_hi,
    corr_slot,
    corr_group,
    copula,
    lhs_n,
    n_chunks,
    ranks,
    finish,
    sums,
):
    """Fill ``sums`` (float64[n_tasks, 4 + 2 (M + 1)]) as the module docstring says."""
    n = code.shape[0]
    n_out = ranks.shape[0]
    quads = block // 4
    n_blocks = (n_iter + block - 1) // block
    group_ptr = copula[0]
    k_max = 1
    for g in range(group_ptr.shape[0] - 1):
        k_max = max(k_max, group_ptr[g + 1] - group_ptr[g])
    for c in prange(n_chunks):
        # Allocate per chunk and initialise every element (numba issue #9529).
        u = np.zeros(block)
        d = np.zeros(block)
        acc = np.zeros(4 + 2 * n_out)
        ucorr = np.zeros((max(copula[2].shape[0], 1), block))
        eps = np.zeros((k_max, block))
        for t in range(c * n // n_chunks, (c + 1) * n // n_chunks):
            if code[t] != FIXED:
                _task_moments(
                    t,
                    n_iter,
                    block,
                    quads,
                    n_blocks,
                    key_lo,
                    key_hi,
                    code,
                    par,
                    tables,
                    stream_lo,
                    stream_hi,
                    corr_slot,
                    corr_group,
                    copula,
                    lhs_n,
                    ranks,
                    finish,
                    u,
                    d,
                    acc,
                    ucorr,
                    eps,
                )
                for k in range(4 + 2 * n_out):
                    sums[t, k] = acc[k]


@njit(inline="always")
def _task_moments(
    t, n_iter, block, quads, n_blocks, key_lo, key_hi, code, par, tables, stream_lo, stream_hi,
    corr_slot, corr_group, copula, lhs_n, ranks, finish, u, d, acc, ucorr, eps,
):  # fmt: skip
    n_out = ranks.shape[0]
    g = corr_group[t]
    for k in range(acc.shape[0]):
        acc[k] = 0.0
    for b in range(n_blocks):
        base = b * block
        if g >= 0:
            # the same copula uniforms as the simulation (kernels/copula.py)
            group_uniforms(g, copula, base, quads, key_lo, key_hi, eps, ucorr, lhs_n)
            src = ucorr[corr_slot[t]]
            for lane in range(block):
                u[lane] = src[lane]
        else:
            draw_uniforms(
                u, base, quads, DURATION_DRAW, stream_lo[t], stream_hi[t], key_lo, key_hi, lhs_n
            )
        sample_into(code[t], par[t], tables, u, d, block)
        if code[t] == DISCRETE:
            off = int(par[t, 0])
            k = int(par[t, 1])
            for lane in range(block):
                u[lane] = discrete_midrank(tables, off, k, u[lane])
        for lane in range(block):
            i = lane_iteration(base, quads, lane)
            if i >= n_iter:
                continue
            acc[0] += u[lane]
            acc[1] += u[lane] * u[lane]
            acc[2] += d[lane]
            acc[3] += d[lane] * d[lane]
            for m in range(n_out):
                acc[4 + m] += u[lane] * ranks[m, i]
                acc[4 + n_out + m] += d[lane] * finish[m, i]


@njit(cache=True, parallel=True, error_model="numpy")
def regenerate(
    n_iter, key_lo, key_hi, stream_lo, stream_hi, draw, lhs_n, code, par, tables, n_chunks, out
):
    """``out[i] = F⁻¹(u_i)`` for iterations 0 … n_iter-1 of one stream and draw: any sample
    of a run, recomputed instead of stored (UNIFORM with par = [0, 1] gives the uniforms).

    ``code`` is int64[1] and ``par`` float64[1, NPAR]: with a scalar code and a 1-D row
    passed straight into a prange body, numba 0.68 generated code that crashed."""
    block = 64
    quads = block // 4
    n_blocks = (n_iter + block - 1) // block
    for c in prange(n_chunks):
        # Allocate per chunk and initialise every element (numba issue #9529).
        u = np.zeros(block)
        x = np.zeros(block)
        for b in range(c * n_blocks // n_chunks, (c + 1) * n_blocks // n_chunks):
            base = b * block
            draw_uniforms(u, base, quads, draw, stream_lo, stream_hi, key_lo, key_hi, lhs_n)
            sample_into(code[0], par[0], tables, u, x, block)
            for lane in range(block):
                i = lane_iteration(base, quads, lane)
                if i < n_iter:
                    out[i] = x[lane]
