"""The task-major block kernel: sampling, CPM forward pass, backward pass, criticality.

Layout and units
----------------
Times are float64 working days from the project start. Tasks are numbered in
topological order 0 … n-1. A block holds B iterations (B a multiple of 4) as lanes; the
working arrays are task-major, ``X[2*t + 0, lane] = ES``, ``X[2*t + 1, lane] = EF``, so the
innermost loops run across lanes and vectorise.

Predecessors are CSR: task t's links are ``pred_ptr[t] : pred_ptr[t+1]``; the first
``pred_nstart[t]`` constrain t's start (FS, SS), the rest its finish (FF, SF). Each link
has a gather row ``pred_gather = 2*pred + reads_finish`` (FS, FF read EF; SS, SF read ES)
and a lag, so for every type::

    ES = max(0, max_start(X[g] + lag), max_finish(X[g] + lag) - d);   EF = ES + d

Successors mirror this for the backward pass, which runs in reverse topological order and
overwrites each task's ``[ES, EF]`` row with ``[LS, LF]`` once the task is done (no one
reads its early dates after that), so one array serves both passes. The first
``succ_nfinish[t]`` links constrain t's finish (FS reads LS, FF reads LF of the
successor), the rest its start (SS reads LS, SF reads LF)::

    d = EF - ES;   LF = min(P, min_finish(X[g] - lag), min_start(X[g] - lag) + d);   LS = LF - d

where P is the project finish (the latest EF) of the iteration. A task is critical in an
iteration when its total float ``LF - EF`` is at most ``tol``. Lanes outside the requested
iterations (the ends of partial blocks) get P = +inf, so no task is critical there.

Correlation
-----------
Correlated tasks and risk impacts take their uniforms from the Gaussian copula of their
group (kernels/copula.py), computed for all groups at the start of each block into
``ucorr``: row ``corr_slot[t]`` for task t's duration, ``imp_slot[k]`` for impact k.

Risks and existence
-------------------
Before the tasks, each risk r decides per lane whether it occurs (``occ[r] = 1``): its
uniform from draw 0 of its own stream is below ``risk_p[r]``. Task t's impacts are
``imp_ptr[t] : imp_ptr[t+1]``; each samples a value v from draw ``imp_draw`` of its risk's
stream and adds ``occ * v`` working days, or ``occ * v / 100`` of t's sampled duration
when ``imp_pct``; the sum is floored at 0. A task with ``exist_p[t] < 1`` takes no time
in the lanes where draw 1 of its own stream is not below ``exist_p[t]`` and is never
counted critical there. ``risk_counts[c, r]`` counts the iterations in which risk r
occurred.

Outputs
-------
``out[i, m]`` for milestone m (tasks ``ms_task[ms_ptr[m]:ms_ptr[m+1]]``) is the latest EF
of its tasks in iteration ``it_start + i``; the last column ``out[i, M]`` is the project
finish (iteration-major, so any run of iterations is a C-contiguous slice).
``counts[c, t]`` counts the iterations of thread chunk c in which task t was critical
(summing over c gives exact integer counts, whatever the chunking).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .copula import group_uniforms, slot_or_draw
from .rng import draw_uniforms, lane_iteration
from .sampling import FIXED, sample_into

DURATION_DRAW = 0  # in a task's stream
EXISTENCE_DRAW = 1  # in a task's stream
OCCURRENCE_DRAW = 0  # in a risk's stream; impacts use their own draws (compile.py)


@njit(cache=True, parallel=True, error_model="numpy")
def simulate_blocks(
    it_start,
    n_iter,
    block,
    n_chunks,
    key_lo,
    key_hi,
    code,
    par,
    tables,
    stream_lo,
    stream_hi,
    pred_ptr,
    pred_nstart,
    pred_gather,
    pred_lag,
    succ_ptr,
    succ_nfinish,
    succ_gather,
    succ_lag,
    ms_ptr,
    ms_task,
    exist_p,
    risk_p,
    risk_stream_lo,
    risk_stream_hi,
    imp_ptr,
    imp_risk,
    imp_draw,
    imp_pct,
    imp_code,
    imp_par,
    imp_slot,
    corr_slot,
    copula,
    criticality,
    tol,
    lhs_n,
    out,
    counts,
    risk_counts,
):
    """Simulate iterations ``it_start … it_start + n_iter`` (see the module docstring)."""
    n = code.shape[0]
    n_ms = ms_ptr.shape[0] - 1
    n_risks = risk_p.shape[0]
    group_ptr = copula[0]
    n_groups = group_ptr.shape[0] - 1
    n_slots = copula[2].shape[0]
    k_max = 1
    for g in range(n_groups):
        k_max = max(k_max, group_ptr[g + 1] - group_ptr[g])
    base0 = it_start - (it_start % 4)
    it_end = it_start + n_iter
    n_blocks = (it_end - base0 + block - 1) // block
    quads = block // 4
    for c in prange(n_chunks):
        b_lo = c * n_blocks // n_chunks
        b_hi = (c + 1) * n_blocks // n_chunks
        # Allocate per chunk and initialise every element (numba issue #9529).
        X = np.zeros((2 * n, block))
        u = np.zeros(block)
        d = np.zeros(block)
        v = np.zeros(block)
        extra = np.zeros(block)
        occ = np.zeros((max(n_risks, 1), block))
        ucorr = np.zeros((max(n_slots, 1), block))
        eps = np.zeros((k_max, block))
        pf = np.zeros(block)
        valid = np.zeros(block, np.bool_)
        col = np.zeros(block, np.int64)
        for b in range(b_lo, b_hi):
            base = base0 + b * block
            for lane in range(block):
                it = lane_iteration(base, quads, lane)
                valid[lane] = it >= it_start and it < it_end
                col[lane] = it - it_start
                pf[lane] = 0.0
            # One occurrence draw per risk and iteration serves all of its impacts.
            for r in range(n_risks):
                draw_uniforms(
                    u,
                    base,
                    quads,
                    OCCURRENCE_DRAW,
                    risk_stream_lo[r],
                    risk_stream_hi[r],
                    key_lo,
                    key_hi,
                    lhs_n,
                )
                p = risk_p[r]
                hits = 0
                for lane in range(block):
                    hit = u[lane] < p
                    occ[r, lane] = 1.0 if hit else 0.0
                    hits += hit and valid[lane]
                risk_counts[c, r] += hits
            for g in range(n_groups):
                group_uniforms(g, copula, base, quads, key_lo, key_hi, eps, ucorr, lhs_n)
            for t in range(n):
                if code[t] != FIXED or corr_slot[t] >= 0:
                    slot_or_draw(
                        corr_slot[t],
                        ucorr,
                        u,
                        base,
                        quads,
                        DURATION_DRAW,
                        stream_lo[t],
                        stream_hi[t],
                        key_lo,
                        key_hi,
                        lhs_n,
                    )
                sample_into(code[t], par[t], tables, u, d, block)
                i0 = imp_ptr[t]
                i1 = imp_ptr[t + 1]
                if i1 > i0:
                    # Risk impacts: days added, or % of the sampled duration; the result
                    # never goes below zero (opportunities cannot make time negative).
                    for lane in range(block):
                        extra[lane] = 0.0
                    for k in range(i0, i1):
                        r = imp_risk[k]
                        slot_or_draw(
                            imp_slot[k],
                            ucorr,
                            u,
                            base,
                            quads,
                            imp_draw[k],
                            risk_stream_lo[r],
                            risk_stream_hi[r],
                            key_lo,
                            key_hi,
                            lhs_n,
                        )
                        sample_into(imp_code[k], imp_par[k], tables, u, v, block)
                        o = occ[r]
                        if imp_pct[k]:
                            for lane in range(block):
                                extra[lane] += o[lane] * (v[lane] * 0.01 * d[lane])
                        else:
                            for lane in range(block):
                                extra[lane] += o[lane] * v[lane]
                    for lane in range(block):
                        d[lane] = max(0.0, d[lane] + extra[lane])
                if exist_p[t] < 1.0:
                    draw_uniforms(
                        u,
                        base,
                        quads,
                        EXISTENCE_DRAW,
                        stream_lo[t],
                        stream_hi[t],
                        key_lo,
                        key_hi,
                        lhs_n,
                    )
                    p = exist_p[t]
                    for lane in range(block):
                        if not u[lane] < p:
                            d[lane] = 0.0
                es = X[2 * t]
                ef = X[2 * t + 1]
                for lane in range(block):
                    es[lane] = 0.0
                k0 = pred_ptr[t]
                k1 = k0 + pred_nstart[t]
                k2 = pred_ptr[t + 1]
                for k in range(k0, k1):
                    g = X[pred_gather[k]]
                    lag = pred_lag[k]
                    for lane in range(block):
                        es[lane] = max(es[lane], g[lane] + lag)
                for k in range(k1, k2):
                    g = X[pred_gather[k]]
                    lag = pred_lag[k]
                    for lane in range(block):
                        es[lane] = max(es[lane], g[lane] + lag - d[lane])
                for lane in range(block):
                    ef[lane] = es[lane] + d[lane]
                    pf[lane] = max(pf[lane], ef[lane])
            for m in range(n_ms + 1):
                if m < n_ms:
                    for lane in range(block):
                        u[lane] = 0.0
                    for j in range(ms_ptr[m], ms_ptr[m + 1]):
                        ef = X[2 * ms_task[j] + 1]
                        for lane in range(block):
                            u[lane] = max(u[lane], ef[lane])
                else:
                    for lane in range(block):
                        u[lane] = pf[lane]
                for lane in range(block):
                    if valid[lane]:
                        out[col[lane], m] = u[lane]
            if not criticality:
                continue
            # Lanes outside the run get an infinite project finish: every late date is
            # then infinite, no float is within tol, and the count needs no mask.
            for lane in range(block):
                if not valid[lane]:
                    pf[lane] = np.inf
            # Backward pass in place: once task t is done its ES/EF rows are read by no one,
            # so they become its LS/LF rows.
            for t in range(n - 1, -1, -1):
                es = X[2 * t]
                ef = X[2 * t + 1]
                for lane in range(block):
                    d[lane] = ef[lane] - es[lane]
                    u[lane] = pf[lane]
                k0 = succ_ptr[t]
                k1 = k0 + succ_nfinish[t]
                k2 = succ_ptr[t + 1]
                for k in range(k0, k1):
                    g = X[succ_gather[k]]
                    lag = succ_lag[k]
                    for lane in range(block):
                        u[lane] = min(u[lane], g[lane] - lag)
                for k in range(k1, k2):
                    g = X[succ_gather[k]]
                    lag = succ_lag[k]
                    for lane in range(block):
                        u[lane] = min(u[lane], g[lane] - lag + d[lane])
                hits = 0
                if exist_p[t] < 1.0:
                    # A task that does not happen in an iteration is not critical in it.
                    draw_uniforms(
                        v,
                        base,
                        quads,
                        EXISTENCE_DRAW,
                        stream_lo[t],
                        stream_hi[t],
                        key_lo,
                        key_hi,
                        lhs_n,
                    )
                    p = exist_p[t]
                    for lane in range(block):
                        hits += (u[lane] - ef[lane] <= tol) and v[lane] < p
                        ef[lane] = u[lane]
                        es[lane] = u[lane] - d[lane]
                else:
                    for lane in range(block):
                        hits += u[lane] - ef[lane] <= tol
                        ef[lane] = u[lane]
                        es[lane] = u[lane] - d[lane]
                counts[c, t] += hits
