"""Second pass for task sensitivity: regenerate each task's duration draws (never stored)
and multiply them with the per-iteration outputs of the first pass.

Layout and units
----------------
The iterations go in blocks of BLOCK lanes, each block in the simulation's lane order
(kernels/rng.py, ``lane_iteration``). ``ranks[m, j]`` and ``finish[m, j]`` hold, for
output m and position j of the call (block j // BLOCK of the call, lane j % BLOCK), the
centred rank and the centred finish of that iteration; 0 past the last iteration. For
each task t with an uncertain duration, ``sums[t]`` receives::

    [Σu, Σu², Σd, Σd², Σu·ranks[0], …, Σu·ranks[M-1], Σd·finish[0], …, Σd·finish[M-1]]

where u is the population rank of the task's sampled duration d = F⁻¹(u) before risks (in
working days): its uniform (DURATION_DRAW of its stream, the same draws as the
simulation), or for a discrete distribution the mid-rank of the value drawn, as ranks of
ties are.

Order of the sums
-----------------
The products are a matrix product, tasks × lanes times lanes × outputs, done a tile of
tasks at a time: the tile regenerates its draws for one block (one loop across the lanes
per task, as the simulation samples), transposes them, then adds each lane's products
to the tile's accumulators in loops across its tasks, which vectorise without
reordering any sum. So every sum runs over the iterations in one fixed order, block
after block and lane after lane, whatever the thread count (threads share out whole
tiles) and however the caller cuts the run into calls (``sums`` carries the sums from
one call to the next; calls start on a block).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from riskengine.model.draws import DURATION_DRAW

from .copula import group_uniforms, slot_or_draw
from .rng import lane_iteration
from .sampling import DISCRETE, discrete_midrank, sample_into

BLOCK = 64  # lanes per block: with TILE tasks, the tile's draws stay in the L1 cache
TILE = 32  # tasks per tile (a correlation group is never split, so a tile may hold more)
UNROLL = 4  # lanes added per pass over an accumulator, in order (BLOCK is a multiple)


@njit(cache=True, parallel=True, error_model="numpy")
def duration_moments(it_start, n_iter, keys, tasks, copula, tiles, ranks, finish, sums):
    """Add the sums of iterations ``it_start … it_start + n_iter`` (``it_start`` a
    multiple of BLOCK) to ``sums`` (float64[n_tasks, 4 + 2 M]). ``keys``, ``tasks`` and
    ``copula`` are the simulation's (kernels/args.py); ``tiles = (tile_ptr, tile_task,
    group_ptr, group)``: tile c is tasks ``tile_task[tile_ptr[c] : tile_ptr[c + 1]]``
    (uncertain durations only) and needs the correlation groups ``group[group_ptr[c] :
    group_ptr[c + 1]]``, whose members are all in it."""
    code, par, tables, stream_lo, stream_hi, exist_p, corr_slot = tasks
    tile_ptr, tile_task, tile_gptr, tile_group = tiles
    n_out = ranks.shape[0]
    width = 4 + 2 * n_out
    quads = BLOCK // 4
    n_blocks = (n_iter + BLOCK - 1) // BLOCK
    end = it_start + n_iter
    n_tiles = tile_ptr.shape[0] - 1
    group_ptr = copula.group_ptr
    k_max = 1
    for g in range(group_ptr.shape[0] - 1):
        k_max = max(k_max, group_ptr[g + 1] - group_ptr[g])
    for c in prange(n_tiles):
        first = tile_ptr[c]
        nt = tile_ptr[c + 1] - first
        # Allocate per tile and initialise every element (numba issue #9529).
        u = np.zeros(BLOCK)
        d = np.zeros(BLOCK)
        ut = np.zeros((BLOCK, nt))  # the tile's draws, lane-major
        dt = np.zeros((BLOCK, nt))
        acc = np.zeros((width, nt))
        ucorr = np.zeros((max(copula.slot_draw.shape[0], 1), BLOCK))
        eps = np.zeros((k_max, BLOCK))
        for i in range(nt):
            for k in range(width):
                acc[k, i] = sums[tile_task[first + i], k]
        for b in range(n_blocks):
            base = it_start + b * BLOCK
            for gi in range(tile_gptr[c], tile_gptr[c + 1]):
                group_uniforms(tile_group[gi], copula, keys, base, quads, eps, ucorr)
            for i in range(nt):
                t = tile_task[first + i]
                _draw(
                    t, code, par, tables, stream_lo, stream_hi, corr_slot, keys, ucorr, base, u, d
                )
                if base + BLOCK > end:  # the last block: lanes past the run add nothing
                    for lane in range(BLOCK):
                        if lane_iteration(base, quads, lane) >= end:
                            u[lane] = 0.0
                            d[lane] = 0.0
                for lane in range(BLOCK):
                    ut[lane, i] = u[lane]
                    dt[lane, i] = d[lane]
            _add_moments(ut, dt, acc, nt)
            _add_products(ut, dt, ranks, finish, b * BLOCK, acc, nt)
        for i in range(nt):
            for k in range(width):
                sums[tile_task[first + i], k] = acc[k, i]


@njit(inline="always")
def _draw(t, code, par, tables, stream_lo, stream_hi, corr_slot, keys, ucorr, base, u, d):
    """Task t's uniforms (or a discrete value's mid-rank) in ``u`` and durations in ``d``
    for the block at ``base``: the simulation's own draws."""
    slot_or_draw(
        corr_slot[t], ucorr, u, base, BLOCK // 4, DURATION_DRAW, stream_lo[t], stream_hi[t], keys
    )
    sample_into(code[t], par[t], tables, u, d, BLOCK)
    if code[t] == DISCRETE:
        off = int(par[t, 0])
        k = int(par[t, 1])
        for lane in range(BLOCK):
            u[lane] = discrete_midrank(tables, off, k, u[lane])


@njit(inline="always")
def _add_moments(ut, dt, acc, nt):
    """Σu, Σu², Σd, Σd² of one block, lane after lane, into ``acc[0:4]``."""
    su, suu, sd, sdd = acc[0], acc[1], acc[2], acc[3]
    for lane in range(0, BLOCK, UNROLL):
        u0, u1, u2, u3 = ut[lane], ut[lane + 1], ut[lane + 2], ut[lane + 3]
        d0, d1, d2, d3 = dt[lane], dt[lane + 1], dt[lane + 2], dt[lane + 3]
        for i in range(nt):
            su[i] = (((su[i] + u0[i]) + u1[i]) + u2[i]) + u3[i]
            suu[i] = (((suu[i] + u0[i] * u0[i]) + u1[i] * u1[i]) + u2[i] * u2[i]) + u3[i] * u3[i]
            sd[i] = (((sd[i] + d0[i]) + d1[i]) + d2[i]) + d3[i]
            sdd[i] = (((sdd[i] + d0[i] * d0[i]) + d1[i] * d1[i]) + d2[i] * d2[i]) + d3[i] * d3[i]


@njit(inline="always")
def _add_products(ut, dt, ranks, finish, off, acc, nt):
    """Σu·rank and Σd·finish of one block (from position ``off`` of ``ranks`` and
    ``finish``), lane after lane, into ``acc[4:]``: one broadcast per lane and output,
    then a loop across the tile's tasks."""
    n_out = ranks.shape[0]
    for lane in range(0, BLOCK, UNROLL):
        u0, u1, u2, u3 = ut[lane], ut[lane + 1], ut[lane + 2], ut[lane + 3]
        d0, d1, d2, d3 = dt[lane], dt[lane + 1], dt[lane + 2], dt[lane + 3]
        j = off + lane
        for m in range(n_out):
            r0, r1, r2, r3 = ranks[m, j], ranks[m, j + 1], ranks[m, j + 2], ranks[m, j + 3]
            f0, f1, f2, f3 = finish[m, j], finish[m, j + 1], finish[m, j + 2], finish[m, j + 3]
            au = acc[4 + m]
            ad = acc[4 + n_out + m]
            for i in range(nt):
                au[i] = (((au[i] + u0[i] * r0) + u1[i] * r1) + u2[i] * r2) + u3[i] * r3
                ad[i] = (((ad[i] + d0[i] * f0) + d1[i] * f1) + d2[i] * f2) + d3[i] * f3


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
