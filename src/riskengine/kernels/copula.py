"""Gaussian copula for correlated task durations.

Correlated draws form groups (connected components of the correlation pairs). Group g
holds slots ``group_ptr[g] : group_ptr[g+1]``; slot s is draw ``slot_draw[s]`` of the
random stream ``slot_stream[s]`` (lo, hi): a task's duration (DURATION_DRAW of the task)
or a risk's delay impact (its draw in the risk's stream; riskengine/model/draws.py).
``factor[factor_ptr[g] :]`` is a k×k row-major matrix A with A Aᵀ = C, the group's
normal-scale correlation matrix (2 sin(π ρ/6) of the target rank correlations ρ, made
positive semi-definite). Per iteration, each member's own uniform u_j (its draw of its
stream) becomes ε_j = Φ⁻¹(u_j), then z = A ε and u'_i = Φ(z_i): a pure function of the
iteration, so the copula keeps results independent of chunking and threads, and each
member's uniforms are still its own draws (common random numbers).
"""

from __future__ import annotations

import math

from numba import njit

from .rng import TWO_M32, draw_uniforms
from .sampling import ndtri

_LO = 0.5 * TWO_M32
_HI = 1.0 - 0.5 * TWO_M32
_SQRT1_2 = math.sqrt(0.5)


@njit(error_model="numpy", _nrt=False)
def group_uniforms(g, copula, keys, base, quads, eps, out):
    """Write the correlated uniforms of group g's members to ``out[slot]`` (lanes across).
    A call of its own (once per group and block), not inlined: that kept the kernels'
    compile shorter.

    ``copula`` is ``Copula(group_ptr, slot_stream, slot_draw, factor, factor_ptr)`` and
    ``keys`` the run's ``Keys`` (kernels/args.py)."""
    group_ptr, slot_stream, slot_draw, factor, factor_ptr = copula
    s0 = group_ptr[g]
    k = group_ptr[g + 1] - s0
    block = eps.shape[1]
    for j in range(k):
        s = s0 + j
        draw_uniforms(out[s], base, quads, slot_draw[s], slot_stream[s, 0], slot_stream[s, 1], keys)
        for lane in range(block):
            eps[j, lane] = ndtri(out[s0 + j, lane])
    off = factor_ptr[g]
    for i in range(k):
        row = out[s0 + i]
        for lane in range(block):
            z = 0.0
            for j in range(k):
                z += factor[off + i * k + j] * eps[j, lane]
            p = 0.5 * math.erfc(-z * _SQRT1_2)
            row[lane] = min(max(p, _LO), _HI)


@njit(inline="always")
def slot_or_draw(slot, ucorr, u, base, quads, draw, s_lo, s_hi, keys):
    """Fill ``u`` with copula row ``slot`` when the draw is correlated (slot >= 0), else
    with the draw's own uniforms."""
    if slot >= 0:
        src = ucorr[slot]
        for lane in range(u.shape[0]):
            u[lane] = src[lane]
    else:
        draw_uniforms(u, base, quads, draw, s_lo, s_hi, keys)
