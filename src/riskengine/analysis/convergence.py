"""Monte Carlo uncertainty of P-values: distribution-free confidence intervals from
order statistics, and the half-widths a convergence run stops on.

Pure numpy, no numba: the results and the convergence loop both use it.

The interval (David & Nagaraja, *Order Statistics*, 3rd ed., 2003, §7.1; Conover,
*Practical Nonparametric Statistics*, 3rd ed., 1999, §3.2): with n independent draws of
a continuous X and its p-quantile ξ, the number of draws at or below ξ is Binomial(n, p),
so for 1-based ranks l < u of the sorted draws X_(1) ≤ … ≤ X_(n)

    P(X_(l) ≤ ξ ≤ X_(u)) = B(u − 1) − B(l − 1),    B(k) = P(Binomial(n, p) ≤ k).

With α = (1 − confidence) / 2 we take the largest l with B(l − 1) ≤ α and the smallest u
with B(u − 1) ≥ 1 − α: each side misses ξ with probability at most α, so the interval
covers ξ with probability at least ``confidence`` whatever the distribution. l = 0 (no
order statistic low enough) means no lower bound, u = n + 1 no upper bound: too few
iterations to bound that P-value at that confidence.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

DEFAULT_CONFIDENCE = 0.95

Bounds = tuple[float | None, float | None]  # (lower, upper); None where unbounded


def binomial_cdf(n: int, p: float) -> tuple[int, np.ndarray]:
    """``(k0, cdf)`` with ``cdf[j] = P(Binomial(n, p) ≤ k0 + j)``, over a window around
    the mode wide enough that the mass outside it is below 1e-30 (every k for small n).

    Pure numpy: the log-ratios of successive probabilities, log((n − k)/(k + 1)) +
    log(p/(1 − p)), summed outward from the mode, so no factorial overflows."""
    if p <= 0.0:
        return 0, np.ones(n + 1)
    if p >= 1.0:
        return 0, np.r_[np.zeros(n), 1.0]
    mode = min(n, int(math.floor((n + 1) * p)))
    half = math.ceil(12.0 * math.sqrt(n * p * (1.0 - p))) + 30
    lo, hi = max(0, mode - half), min(n, mode + half)
    k = np.arange(lo, hi, dtype=np.float64)  # ratio pmf(k + 1) / pmf(k) for k in [lo, hi)
    step = np.log(n - k) - np.log(k + 1.0) + (math.log(p) - math.log1p(-p))
    up = np.cumsum(step[mode - lo :])  # log pmf(mode + j) − log pmf(mode), j ≥ 1
    down = -np.cumsum(step[: mode - lo][::-1])[::-1]  # the same for k < mode
    log_pmf = np.concatenate([down, [0.0], up])
    pmf = np.exp(log_pmf - log_pmf.max())
    cdf = np.cumsum(pmf)
    cdf /= cdf[-1]
    if lo == 0 and hi == n:
        cdf[-1] = 1.0
    return lo, cdf


@functools.lru_cache(maxsize=1024)
def interval_ranks(
    n: int, percentile: float, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[int, int]:
    """1-based ranks ``(l, u)`` of the order statistics bounding the ``percentile``
    (0–100) of n draws at ``confidence`` (module docstring); ``l = 0`` and ``u = n + 1``
    stand for no bound."""
    alpha = (1.0 - confidence) / 2.0
    k0, cdf = binomial_cdf(n, percentile / 100.0)
    below = np.flatnonzero(cdf <= alpha)  # k = k0 + j with B(k) ≤ α
    # below the window B < 1e-30 ≤ α: with no k in it, l − 1 = k0 − 1
    low = k0 + int(below[-1]) + 1 if below.size else k0
    above = np.flatnonzero(cdf >= 1.0 - alpha)
    high = k0 + int(above[0]) + 1 if above.size else n + 1
    return low, min(high, n + 1)


def interval_values(
    ordered: np.ndarray, n: int, percentiles: Sequence[float], confidence: float
) -> list[Bounds]:
    """Each percentile's bounds from ``ordered``, n values along the last axis already
    partitioned at every rank :func:`all_ranks` gives (a sorted array will do)."""
    out: list[Bounds] = []
    for p in percentiles:
        low, high = interval_ranks(n, float(p), confidence)
        out.append(
            (
                float(ordered[..., low - 1]) if low >= 1 else None,
                float(ordered[..., high - 1]) if high <= n else None,
            )
        )
    return out


def all_ranks(n: int, percentiles: Sequence[float], confidence: float) -> list[int]:
    """The 0-based positions :func:`interval_values` reads, for ``np.partition``."""
    ranks: set[int] = set()
    for p in percentiles:
        low, high = interval_ranks(n, float(p), confidence)
        ranks.update(r - 1 for r in (low, high) if 1 <= r <= n)
    return sorted(ranks)


def percentile_intervals(
    x: np.ndarray, percentiles: Sequence[float], confidence: float = DEFAULT_CONFIDENCE
) -> list[Bounds]:
    """The confidence interval of each percentile of the draws ``x`` (1-D), in their
    units; a copy of ``x`` is partitioned, ``x`` itself is left alone."""
    n = x.size
    ranks = all_ranks(n, percentiles, confidence)
    ordered = np.partition(x, ranks) if ranks else x
    return interval_values(ordered, n, percentiles, confidence)


def half_width(bounds: Bounds) -> float:
    """Half the interval's width; infinite when a side is unbounded."""
    low, high = bounds
    if low is None or high is None:
        return math.inf
    return (high - low) / 2.0


def half_widths(
    outputs: Mapping[str, np.ndarray],
    percentiles: Sequence[float],
    confidence: float,
    *,
    ordered: bool = False,
) -> dict[str, dict[str, float]]:
    """Per output and Pn, the half-width of its interval (infinite when unbounded);
    ``ordered``: the values are sorted already."""
    out = {}
    for oid, x in outputs.items():
        if ordered:
            bounds = interval_values(x, x.size, percentiles, confidence)
        else:
            bounds = percentile_intervals(x, percentiles, confidence)
        out[oid] = {f"P{p:g}": half_width(b) for p, b in zip(percentiles, bounds, strict=True)}
    return out


def merge_sorted(ordered: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``ordered`` (sorted) and ``new`` (any order) as one sorted array: a merge of two
    runs, which numpy's stable sort (timsort for floats) does in linear time, where a
    partition of the whole would start again at each block of a convergence run."""
    return np.sort(np.concatenate([ordered, np.sort(new)]), kind="stable")


@dataclass(frozen=True)
class ConvergenceReport:
    """How a run that stops when converged went.

    Attributes
    ----------
    converged : bool
        Whether every half-width was within its tolerance (else ``max_iterations`` ran).
    iterations : int
        The iterations run: the first multiple of ``block`` at which every half-width was
        within its tolerance, or ``max_iterations``.
    percentiles : tuple of float
        The P-values watched.
    tolerance : float
        Working days of the project calendar.
    cost_tolerance : float or None
        Money, for the total cost (None: costs not watched).
    confidence : float
        The intervals' confidence.
    max_iterations, block : int
        The settings the run used.
    half_widths : dict of str to dict of str to float
        At ``iterations``: per watched output (milestone id, ``"project"``, ``"cost"``)
        and Pn, the half-width of its interval (infinite when unbounded).
    """

    converged: bool
    iterations: int
    percentiles: tuple[float, ...]
    tolerance: float
    cost_tolerance: float | None
    confidence: float
    max_iterations: int
    block: int
    half_widths: dict[str, dict[str, float]]

    def excess(self) -> tuple[str, str, float, float]:
        """The output, Pn, half-width and tolerance of the widest interval relative to
        its tolerance: what a run that did not converge reports."""
        worst = ("", "", 0.0, 1.0)
        for oid, by_p in self.half_widths.items():
            limit = self.cost_tolerance if oid == "cost" else self.tolerance
            for key, hw in by_p.items():
                if limit is not None and hw / limit > worst[2] / worst[3]:
                    worst = (oid, key, hw, limit)
        return worst

    def to_dict(self) -> dict[str, Any]:
        """The JSON document's ``convergence`` entry (None for an unbounded half-width)."""
        return {
            "converged": self.converged,
            "iterations": self.iterations,
            "percentiles": list(self.percentiles),
            "tolerance": self.tolerance,
            "cost_tolerance": self.cost_tolerance,
            "confidence": self.confidence,
            "max_iterations": self.max_iterations,
            "block": self.block,
            "half_widths": {
                oid: {k: (v if math.isfinite(v) else None) for k, v in by_p.items()}
                for oid, by_p in self.half_widths.items()
            },
        }


def running_intervals(
    x: np.ndarray,
    percentiles: Sequence[float],
    confidence: float = DEFAULT_CONFIDENCE,
    points: int = 50,
) -> dict[str, Any]:
    """How the P-values of the per-iteration values ``x`` settle: at ``points`` numbers
    of iterations n evenly spaced up to ``x.size``, each Pn of the first n values (numpy's
    linear interpolation, as the results) and its interval, for a convergence chart.

    With plain Monte Carlo the first n iterations of a run are the run of n iterations
    with the same seed, so each point is what that shorter run reports; with Latin
    hypercube sampling they are only a part of the run.

    Returns ``{"iterations": [n, ...], "P50": {"value": [...], "lower": [...],
    "upper": [...]}, ...}`` (None for an unbounded side)."""
    size = x.size
    steps = sorted({max(1, round(size * (i + 1) / points)) for i in range(min(points, size))})
    out: dict[str, Any] = {"iterations": steps}
    series: dict[str, dict[str, list[float | None]]] = {
        f"P{p:g}": {"value": [], "lower": [], "upper": []} for p in percentiles
    }
    for n in steps:
        first = x[:n]
        values = np.percentile(first, percentiles)
        bounds = percentile_intervals(first, percentiles, confidence)
        for p, v, (low, high) in zip(percentiles, values, bounds, strict=True):
            s = series[f"P{p:g}"]
            s["value"].append(float(v))
            s["lower"].append(low)
            s["upper"].append(high)
    out.update(series)
    return out
