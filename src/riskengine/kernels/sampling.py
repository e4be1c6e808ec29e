"""Inverse-CDF sampling kernels: one ``x = F^-1(u)`` per distribution code.

Parameter rows are ``float64[NPAR]`` prepared by :mod:`riskengine.distributions`:

=============  =====================================================================
code           parameters
=============  =====================================================================
FIXED          value
UNIFORM        min, max - min
TRIANGULAR     min, max, (max-min)(mode-min), (max-min)(max-mode), (mode-min)/(max-min)
TABLE          min, max - min, offset of the table in ``tables``
NORMAL         mean, sd, Phi(-mean/sd)            (normal truncated at 0)
LOGNORMAL      mu, sigma                          (of the underlying normal)
DISCRETE       offset in ``tables``, number of values k
=============  =====================================================================

TABLE holds a tabulated standard inverse CDF on [0, 1] (the Beta of a PERT). Its grid is
dense in both tails: ``u`` in (0, 0.5] is split into binades ``[2^-(s+2), 2^-(s+1))``,
s = 0 … SEGMENTS-1, each with KNOTS equal steps, and ``1 - u`` likewise for the upper half,
so interpolation error stays proportional to the local scale even at u = 2^-33. The index
comes from the exponent bits (``frexp``, or the bits themselves in the vectorised
``sample_into``), so lookup costs no logarithm.
DISCRETE stores k cumulative probabilities then k values.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import compiling  # noqa: F401  (the compile note and a fresh cache, before any kernel)

FIXED, UNIFORM, TRIANGULAR, TABLE, NORMAL, LOGNORMAL, DISCRETE = range(7)
NPAR = 6
SEGMENTS = 32
KNOTS = 32
HALF = SEGMENTS * (KNOTS + 1)
TABLE_SIZE = 2 * HALF


def table_grid() -> np.ndarray:
    """The u values of one half table, shape (SEGMENTS, KNOTS + 1), for building tables."""
    s = np.arange(SEGMENTS)[:, None]
    k = np.arange(KNOTS + 1)[None, :]
    return np.ldexp(0.5 + 0.5 * k / KNOTS, -(s + 1))


# Acklam's rational approximation to the normal quantile, refined by one Halley step.
_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
      1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)  # fmt: skip
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
      6.680131188771972e01, -1.328068155288572e01)  # fmt: skip
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
      -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)  # fmt: skip
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00,
      3.754408661907416e00)  # fmt: skip
_SQRT2PI = math.sqrt(2.0 * math.pi)
_SQRT1_2 = math.sqrt(0.5)


@njit(inline="always")
def _ndtri_lower(p):
    # p in (0, 0.5]; the lower half avoids cancellation in the refinement.
    if p < 0.02425:
        q = math.sqrt(-2.0 * math.log(p))
        x = (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
        )
    else:
        q = p - 0.5
        r = q * q
        x = (
            (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5])
            * q
            / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0)
        )
    e = 0.5 * math.erfc(-x * _SQRT1_2) - p
    u = e * _SQRT2PI * math.exp(0.5 * x * x)
    return x - u / (1.0 + 0.5 * x * u)


@njit(inline="always")
def ndtri(p):
    """Standard normal quantile for p in (0, 1), accurate to a few ulps (one inlined copy
    of the lower half serves both halves)."""
    lower = p <= 0.5
    x = _ndtri_lower(p if lower else 1.0 - p)
    return x if lower else -x


@njit(inline="always")
def _table_half(tables, off, u):
    # u in (0, 0.5]: binade segment from the exponent, then linear interpolation.
    m, e = math.frexp(u)
    seg = -1 - e
    if seg < 0:
        return tables[off + KNOTS]
    if seg >= SEGMENTS:
        return tables[off + (SEGMENTS - 1) * (KNOTS + 1)]
    pos = (m - 0.5) * (2.0 * KNOTS)
    k = int(pos)
    if k >= KNOTS:
        k = KNOTS - 1
    frac = pos - k
    i = off + seg * (KNOTS + 1) + k
    return tables[i] + frac * (tables[i + 1] - tables[i])


@njit(inline="always")
def table_ppf(tables, off, u):
    """Tabulated standard inverse CDF stored at ``tables[off : off + TABLE_SIZE]``."""
    if u <= 0.5:
        return _table_half(tables, off, u)
    return _table_half(tables, off + HALF, 1.0 - u)


_MANT_MASK = (1 << 52) - 1
_KNOT_SHIFT = 52 - int(math.log2(KNOTS))  # pos = mantissa * KNOTS / 2^52
_FRAC_MASK = (1 << _KNOT_SHIFT) - 1
_FRAC_SCALE = 2.0**-_KNOT_SHIFT


@njit(inline="always")
def _table_into(tables, off, a, w, u, out, n):
    """``out[i] = a + w * table_ppf(tables, off, u[i])``, the same bits, for i < n.

    ``table_ppf`` calls ``frexp``, a libm call per draw. Here the segment and knot come
    from the float's bits: for ``x = m·2^e`` (frexp's m in [0.5, 1)) the biased exponent is
    ``e + 1022``, and ``(m - 0.5)·2·KNOTS`` is the mantissa times KNOTS/2^52, exact because
    KNOTS is a power of two. This halves the cost of a PERT draw (measured: 7 ns against
    15 ns); the loop still runs scalar (LLVM does not vectorise its two table gathers).
    ``out`` first holds min(u, 1 - u), to read its bits.
    """
    for i in range(n):
        x = u[i]
        out[i] = x if x <= 0.5 else 1.0 - x
    bits = out[:n].view(np.int64)  # x >= 0: the sign bit is clear
    for i in range(n):
        b = bits[i]
        seg = 1021 - (b >> 52)
        seg = seg if b != 0 else -1  # frexp(0) has exponent 0
        mant = b & _MANT_MASK
        inside = seg >= 0 and seg < SEGMENTS
        # x = 0.5 (seg < 0): segment 0's last knot; deeper than the table: its smallest knot
        k = mant >> _KNOT_SHIFT if inside else (KNOTS if seg < 0 else 0)
        frac = np.float64(mant & _FRAC_MASK) * _FRAC_SCALE if inside else 0.0
        seg = min(max(seg, 0), SEGMENTS - 1)
        j = off + (HALF if u[i] > 0.5 else 0) + seg * (KNOTS + 1) + k
        t0 = tables[j]
        out[i] = a + w * (t0 + frac * (tables[j + 1] - t0))


@njit(inline="always")
def sqrt_fast(x):
    """math.sqrt(x) to within an ulp or two for 0 <= x < 3e38, about twice as fast
    when vectorised: a float64 square root costs ~10 cycles per 4 lanes here, while a
    float32 reciprocal square root refined by one Newton step and one Markstein
    correction in float64 is a few multiply-adds. Callers need error_model="numpy"
    (1/sqrt(0) is inf, and the x > 0 test then returns 0)."""
    r = np.float64(np.float32(1.0) / np.sqrt(np.float32(x)))
    r = r * (1.5 - 0.5 * x * r * r)
    s = x * r
    s = s + 0.5 * r * (x - s * s)
    return s if x > 0.0 else 0.0


@njit(inline="always")
def triangular_ppf(u, a, b, left, right, fc):
    """Triangular inverse CDF from the parameter row (``left = (b-a)(c-a)``,
    ``right = (b-a)(b-c)``, ``fc = (c-a)/(b-a)``)."""
    # One square root for both branches keeps the vectorised loop to a single sqrt.
    lower = u < fc
    s = sqrt_fast(u * left if lower else (1.0 - u) * right)
    return a + s if lower else b - s


@njit(inline="always")
def discrete_ppf(tables, off, k, u):
    """The value of a discrete distribution's ``k`` cumulative weights at ``tables[off:]``
    (values after them) that ``u`` falls in."""
    for j in range(k - 1):
        if u <= tables[off + j]:
            return tables[off + k + j]
    return tables[off + 2 * k - 1]


@njit(inline="always")
def discrete_midrank(tables, off, k, u):
    """The population mid-rank (F(x-) + F(x)) / 2 of the value ``u`` selects: what a rank
    correlation sees for tied values, where a continuous distribution just has u."""
    lo = 0.0
    for j in range(k - 1):
        hi = tables[off + j]
        if u <= hi:
            return 0.5 * (lo + hi)
        lo = hi
    return 0.5 * (lo + 1.0)


@njit(inline="always")
def ppf(code, par, tables, u):
    """Inverse CDF of distribution ``code`` with parameter row ``par`` at ``u``."""
    if code == FIXED:
        return par[0]
    if code == UNIFORM:
        return par[0] + u * par[1]
    if code == TRIANGULAR:
        return triangular_ppf(u, par[0], par[1], par[2], par[3], par[4])
    if code == TABLE:
        return par[0] + par[1] * table_ppf(tables, int(par[2]), u)
    if code == NORMAL:
        x = par[0] + par[1] * ndtri(par[2] + u * (1.0 - par[2]))
        return x if x > 0.0 else 0.0
    if code == LOGNORMAL:
        return math.exp(par[0] + par[1] * ndtri(u))
    return discrete_ppf(tables, int(par[0]), int(par[1]), u)


@njit(inline="always")
def sample_into(code, par, tables, u, out, n):
    """``out[i] = F^-1(u[i])`` for i < n; the branch on ``code`` sits outside the loop."""
    if code == FIXED:
        v = par[0]
        for i in range(n):
            out[i] = v
    elif code == UNIFORM:
        a = par[0]
        w = par[1]
        for i in range(n):
            out[i] = a + u[i] * w
    elif code == TRIANGULAR:
        a = par[0]
        b = par[1]
        left = par[2]
        right = par[3]
        fc = par[4]
        for i in range(n):
            out[i] = triangular_ppf(u[i], a, b, left, right, fc)
    elif code == TABLE:
        _table_into(tables, int(par[2]), par[0], par[1], u, out, n)
    else:
        sample_other(code, par, tables, u, out, n)


@njit(error_model="numpy", _nrt=False)
def sample_other(code, par, tables, u, out, n):
    """:func:`sample_into` for the other distributions (normal, lognormal, discrete): a
    call of its own, as inlined at every sample of the kernels it made their compile much
    longer for distributions whose cost per sample dwarfs a call per block."""
    for i in range(n):
        out[i] = ppf(code, par, tables, u[i])


@njit(cache=True, error_model="numpy")
def ppf_array(code, par, tables, u):
    """Vectorised :func:`ppf` over an array of uniforms (tests, tools, analysis): the
    simulation kernels' own :func:`sample_other` (any code), so a process that has
    compiled them compiles little more."""
    out = np.empty(u.shape[0])
    sample_other(code, par, tables, u, out, u.shape[0])
    return out
