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

from . import compiling  # noqa: F401  (the compile note and a fresh cache, before any kernel)

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


_GOLD = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@njit(inline="always")
def _mix(z):
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit(inline="always")
def stratum(i, n, draw, s_lo, s_hi, k_lo, k_hi):
    """Latin hypercube stratum of iteration ``i`` of ``n`` for one stream and draw: a keyed
    pseudo-random permutation of 0 … n-1 (a 4-round Feistel network on the smallest even
    power of two ≥ n, cycle-walking back into range), so every stratum is used once and
    the stratum of an iteration never depends on how the run is chunked."""
    half = 1
    while np.uint64(1) << np.uint64(2 * half) < np.uint64(n):
        half += 1
    hb = np.uint64(half)
    mask = (np.uint64(1) << hb) - np.uint64(1)
    key = _mix(
        _mix(_mix(k_lo ^ (k_hi << np.uint64(32))) ^ (s_lo | (s_hi << np.uint64(32))))
        ^ np.uint64(draw)
    )
    x = np.uint64(i)
    while True:
        left = x >> hb
        right = x & mask
        for r in range(4):
            f = _mix(right ^ key ^ (np.uint64(r + 1) * _GOLD)) & mask
            left, right = right, left ^ f
        x = (left << hb) | right
        if x < np.uint64(n):
            return x


@njit(inline="always")
def draw_uniforms(out, base, quads, draw, s_lo, s_hi, keys):
    """:func:`fill_uniforms`, or with ``keys.lhs_n > 0`` Latin hypercube uniforms for a run
    of ``lhs_n`` iterations (:func:`lhs_uniforms`). ``keys`` is ``(k_lo, k_hi, lhs_n)``
    (kernels/args.py ``Keys``)."""
    k_lo, k_hi, lhs_n = keys
    fill_uniforms(out, base, quads, draw, s_lo, s_hi, k_lo, k_hi)
    if lhs_n > 0:
        lhs_uniforms(out, base, quads, np.int64(draw), s_lo, s_hi, k_lo, k_hi, lhs_n)


@njit(error_model="numpy", _nrt=False)
def lhs_uniforms(out, base, quads, draw, s_lo, s_hi, k_lo, k_hi, lhs_n):
    """Turn the Philox uniforms in ``out`` into Latin hypercube ones for a run of ``lhs_n``
    iterations: u = (stratum + the Philox uniform) / lhs_n. A call of its own, not inlined
    into every draw of the kernels: it runs only with Latin hypercube sampling, and
    inlined at each draw it made the kernels' compile much longer."""
    inv = 1.0 / lhs_n
    for lane in range(4 * quads):
        i = lane_iteration(base, quads, lane)
        if i < lhs_n:
            s = stratum(i, lhs_n, draw, s_lo, s_hi, k_lo, k_hi)
            out[lane] = min((np.float64(s) + out[lane]) * inv, 1.0 - 0.5 * TWO_M32)
