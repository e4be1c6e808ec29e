"""Philox4x32-10 counter-based random numbers (Salmon et al., SC'11; Random123).

Every uniform is a pure function of ``(seed, stream, iteration, draw)``::

    words = philox4x32_10(counter=(iteration >> 2, draw, stream_lo, stream_hi),
                          key=(seed_lo, seed_hi))
    u     = (words[iteration & 3] + 0.5) / 2**32

so one Philox call yields the uniforms of four consecutive iterations. ``stream`` is a
64-bit hash of the entity id (see :func:`riskengine.compile.stream_of`), so results do not
depend on array positions, thread counts, block sizes or how the iterations are chunked.
Uniforms lie strictly inside (0, 1): the smallest is 2**-33.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_MASK = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
TWO_M32 = 2.0**-32


@njit(inline="always")
def philox4x32_10(c0, c1, c2, c3, k0, k1):
    """Ten Philox rounds on a 4x32-bit counter and 2x32-bit key.

    All arguments are ``np.uint64`` holding 32-bit values; returns four such values.
    """
    for _ in range(10):
        p0 = _M0 * c0
        p1 = _M1 * c2
        n0 = ((p1 >> _S32) ^ c1 ^ k0) & _MASK
        n2 = ((p0 >> _S32) ^ c3 ^ k1) & _MASK
        c1 = p1 & _MASK
        c3 = p0 & _MASK
        c0 = n0
        c2 = n2
        k0 = (k0 + _W0) & _MASK
        k1 = (k1 + _W1) & _MASK
    return c0, c1, c2, c3


@njit(cache=True)
def philox_words(counter, key):
    """Philox4x32-10 of one counter (4 words) and key (2 words); for tests and tools."""
    w = philox4x32_10(
        np.uint64(counter[0]),
        np.uint64(counter[1]),
        np.uint64(counter[2]),
        np.uint64(counter[3]),
        np.uint64(key[0]),
        np.uint64(key[1]),
    )
    out = np.empty(4, np.uint64)
    out[0] = w[0]
    out[1] = w[1]
    out[2] = w[2]
    out[3] = w[3]
    return out


@njit(inline="always")
def fill_uniforms(out, base, quads, draw, s_lo, s_hi, k_lo, k_hi):
    """Fill ``out[:4*quads]`` with the uniforms of iterations ``base .. base+4*quads``.

    ``base`` must be a multiple of 4. Lanes are word-major: lane ``w*quads + q`` holds
    iteration ``base + 4*q + w`` (see :func:`lane_iteration`), which keeps the stores
    contiguous so the loop vectorises.
    """
    q0 = np.uint64(base >> 2)
    d = np.uint64(draw)
    for q in range(quads):
        w0, w1, w2, w3 = philox4x32_10(q0 + np.uint64(q), d, s_lo, s_hi, k_lo, k_hi)
        out[q] = (np.float64(w0) + 0.5) * TWO_M32
        out[quads + q] = (np.float64(w1) + 0.5) * TWO_M32
        out[2 * quads + q] = (np.float64(w2) + 0.5) * TWO_M32
        out[3 * quads + q] = (np.float64(w3) + 0.5) * TWO_M32


@njit(inline="always")
def lane_iteration(base, quads, lane):
    """The iteration held by ``lane`` of a block starting at ``base`` (word-major)."""
    return base + 4 * (lane % quads) + lane // quads
