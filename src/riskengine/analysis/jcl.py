"""Joint confidence level: the chance of finishing both within budget and on time.

JCL(C, T) = P(cost <= C and finish <= T), estimated from the simulated iterations (NASA's
JCL policy asks for 0.7). Finish times are in working days from the project start; a
finish deadline T is a whole number, the end of working day T - 1, and a finish within
1e-9 days after it still counts as on time.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

TOLERANCE = 1e-9  # days: a finish this close after a deadline is still on time
MAX_CHART_POINTS = 20_000

ToDate = Callable[[np.ndarray], np.ndarray]


def joint_confidence(
    cost: np.ndarray, finish: np.ndarray, cost_limit: float, finish_limit: float
) -> float:
    """Fraction of iterations with ``cost <= cost_limit`` and ``finish <= finish_limit``."""
    cost, finish = checked_samples(cost, finish)
    if math.isnan(cost_limit) or math.isnan(finish_limit):
        raise ValueError("cost_limit and finish_limit must be numbers, not NaN")
    hits = np.count_nonzero((cost <= cost_limit) & (finish <= finish_limit + TOLERANCE))
    return float(hits / cost.size)


def frontier(cost: np.ndarray, finish: np.ndarray, target: float) -> list[tuple[float, float]]:
    """The efficient (cost, deadline) pairs that reach JCL ``target``, latest deadline last.

    For each whole-number deadline T the cheapest budget C is the m-th smallest cost among
    the iterations finished by T, with m = ceil(target * n); only pairs cheaper than every
    earlier deadline's are kept. C is always a simulated cost, so JCL(C, T) >= target and
    any cheaper simulated cost falls short at that T.
    """
    cost, finish = checked_samples(cost, finish)
    target = _checked_target(target)
    n = cost.size
    m = max(1, math.ceil(target * n - TOLERANCE))

    # Rank the costs once; the m-th smallest cost of a set is then its m-th smallest rank.
    # Ties may rank either way (the m-th smallest cost is the same), so no stable sorts.
    by_cost = np.argsort(cost)
    rank = np.empty(n, dtype=np.int64)
    rank[by_cost] = np.arange(n)
    sorted_cost = cost[by_cost]
    day = _deadline(finish)
    by_day = np.argsort(day)
    rank, day = rank[by_day], day[by_day]
    bounds = np.concatenate(([0], np.flatnonzero(np.diff(day)) + 1, [n]))

    first = int(np.searchsorted(bounds[1:], m))  # the first deadline m iterations meet
    prefix = rank[: bounds[first + 1]]
    p = int(np.partition(prefix, m - 1)[m - 1])
    # The m-th smallest rank p only ever falls as iterations join, so ranks above the
    # current p can never matter again: only those below it are recorded.
    present = np.zeros(n, dtype=bool)
    present[prefix[prefix <= p]] = True
    points = [(float(sorted_cost[p]), float(day[bounds[first]]))]
    for b in range(first + 1, bounds.size - 1):
        joined = rank[bounds[b] : bounds[b + 1]]
        below = joined[joined < p]
        if below.size == 0:
            continue
        present[below] = True
        p = _drop_from_top(present, p, below.size)
        c = float(sorted_cost[p])
        if c < points[-1][0]:
            points.append((c, float(day[bounds[b]])))
    return points


def _drop_from_top(present: np.ndarray, p: int, q: int) -> int:
    """The rank that is the (q + 1)-th recorded one counting down from ``p`` (inclusive).

    The window grows geometrically, so the scans cost O(distance moved) in total: p only
    moves down, hence O(n) over a whole frontier.
    """
    width = max(64, 2 * (q + 1))
    while True:
        lo = max(0, p + 1 - width)
        idx = np.flatnonzero(present[lo : p + 1])
        if idx.size > q:
            return lo + int(idx[idx.size - 1 - q])
        if lo == 0:
            raise AssertionError("fewer recorded ranks than the frontier needs")
        width *= 2


def _deadline(finish: np.ndarray) -> np.ndarray:
    """The earliest whole-number deadline each finish meets (int64): the smallest whole
    T with ``finish <= T + 1e-9``."""
    day = np.ceil(finish - TOLERANCE)
    # ceil(x - tol) can be one off from the comparison the JCL uses when rounding bites.
    day += finish > day + TOLERANCE
    day -= finish <= day - 1 + TOLERANCE
    return day.astype(np.int64)


@dataclasses.dataclass(frozen=True)
class JointConfidence:
    """The JCL of three reference (cost, finish) pairs and the ``target`` frontier.

    For the Pn pairs ``cost`` is the n-th percentile cost and ``finish`` the deadline at
    the end of the working day of the n-th percentile finish. Dates are ISO text.

    Attributes
    ----------
    target : float
        The joint confidence the frontier reaches (0.7 by default: NASA's policy level).
    deterministic : dict
        ``{cost, finish, date, jcl}`` of the deterministic plan's cost and finish.
    p50_pair, p80_pair : dict
        ``{cost, finish, date, jcl}`` of the P50 (P80) cost with the P50 (P80) finish.
    frontier : list of dict
        ``{cost, finish, date}`` pairs that each reach ``target``, cheapest (latest) last.
    """

    target: float
    deterministic: dict[str, Any]
    p50_pair: dict[str, Any]
    p80_pair: dict[str, Any]
    frontier: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """The analysis as JSON-ready plain data (copies: the caller may change them)."""
        return {
            "target": self.target,
            "deterministic": dict(self.deterministic),
            "p50_pair": dict(self.p50_pair),
            "p80_pair": dict(self.p80_pair),
            "frontier": [dict(pt) for pt in self.frontier],
        }


def analyse(
    cost: np.ndarray,
    finish: np.ndarray,
    target: float,
    *,
    deterministic: tuple[float, float],
    to_date: ToDate,
) -> JointConfidence:
    """JCL of the deterministic plan's (cost, finish), of the P50 and P80 pairs, and the
    ``target`` frontier. ``to_date`` maps finish times to the dates they fall on."""
    cost, finish = checked_samples(cost, finish)
    target = _checked_target(target)

    def pair(c: float, t: float) -> dict[str, Any]:
        return {
            "cost": float(c),
            "finish": float(t),
            "date": _iso(to_date, t),
            "jcl": joint_confidence(cost, finish, c, t),
        }

    def percentile_pair(pct: float) -> dict[str, Any]:
        # A date is a whole day: the deadline is the end of the percentile finish's day.
        t = math.ceil(float(np.percentile(finish, pct)) - TOLERANCE)
        return pair(float(np.percentile(cost, pct)), t)

    return JointConfidence(
        target=target,
        deterministic=pair(*deterministic),
        p50_pair=percentile_pair(50),
        p80_pair=percentile_pair(80),
        frontier=[
            {"cost": c, "finish": t, "date": _iso(to_date, t)}
            for c, t in frontier(cost, finish, target)
        ],
    )


def checked_samples(cost: Any, finish: Any) -> tuple[np.ndarray, np.ndarray]:
    """``cost`` and ``finish`` as float64 arrays, or ValueError saying why they cannot be
    the iterations of one run (shapes differ, empty, not finite)."""
    cost = np.asarray(cost, dtype=np.float64)
    finish = np.asarray(finish, dtype=np.float64)
    if cost.ndim != 1 or cost.shape != finish.shape:
        raise ValueError(
            f"cost and finish must be 1-D arrays of one length, got shapes "
            f"{cost.shape} and {finish.shape}"
        )
    if cost.size == 0:
        raise ValueError("no iterations: cost and finish are empty")
    if not (np.isfinite(cost).all() and np.isfinite(finish).all()):
        raise ValueError("cost and finish must be finite (no NaN or infinity)")
    return cost, finish


def _checked_target(target: float) -> float:
    target = float(target)
    if not 0.0 < target <= 1.0:  # also rejects NaN
        raise ValueError(f"target must be in (0, 1], got {target}")
    return target


def to_dates(to_date: ToDate, t: np.ndarray) -> np.ndarray:
    """The calendar days (``datetime64[D]``) finish times ``t`` fall on, by ``to_date``."""
    return np.asarray(to_date(np.asarray(t, dtype=np.float64)), dtype="datetime64[D]")


def _iso(to_date: ToDate, t: float) -> str:
    return str(to_dates(to_date, np.array([t]))[0])
