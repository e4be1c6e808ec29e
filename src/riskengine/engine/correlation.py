"""Correlation groups for the Gaussian copula: targets, repair, factors."""

from __future__ import annotations

import warnings

import numpy as np

from riskengine.errors import RiskEngineWarning, ScenarioError
from riskengine.model.correlation import DisjointSets, correlated_pairs, draw_name
from riskengine.model.scenario import Scenario


def to_normal(rho: np.ndarray) -> np.ndarray:
    """Pearson correlation of the normal copula that gives rank correlation ``rho``."""
    return 2.0 * np.sin(np.pi * rho / 6.0)


def to_rank(r: np.ndarray) -> np.ndarray:
    """Rank correlation a normal copula with Pearson correlation ``r`` gives (inverse of
    :func:`to_normal`): what a repaired matrix means in the user's terms."""
    return 6.0 / np.pi * np.arcsin(np.clip(r / 2.0, -0.5, 0.5))


REPAIR_WORK = 4e9  # k³ units of eigendecomposition work for one repair (a few seconds)


def nearest_correlation(a: np.ndarray, tol: float = 1e-13, max_iter: int = 10_000) -> np.ndarray:
    """Higham's (2002) alternating projections with Dykstra's correction: the nearest
    (Frobenius) correlation matrix to the symmetric matrix ``a``.

    Each step decomposes a k × k matrix, and a large, badly inconsistent matrix can need
    thousands of steps, so the steps are bounded by REPAIR_WORK: when they run out, the
    last positive semi-definite projection is scaled to a unit diagonal, a valid
    correlation matrix close to the nearest one."""
    k = max(a.shape[0], 1)
    steps = int(min(max_iter, max(REPAIR_WORK / k**3, 10)))
    y = a.copy()
    ds = np.zeros_like(a)
    x = y
    for _ in range(steps):
        r = y - ds
        w, v = np.linalg.eigh(r)
        x = (v * np.maximum(w, 0.0)) @ v.T
        ds = x - r
        y = x.copy()
        np.fill_diagonal(y, 1.0)
        if np.linalg.norm(y - x) < tol * max(1.0, float(np.linalg.norm(y))):
            return (y + y.T) / 2
    scale = 1.0 / np.sqrt(np.maximum(np.diag(x), 1e-300))
    out = x * scale[:, None] * scale[None, :]
    np.fill_diagonal(out, 1.0)
    return (out + out.T) / 2


def groups(
    scenario: Scenario,
    order: dict[str, int],
    *,
    strict: bool = False,
    repairs: list[str] | None = None,
) -> list[tuple[list[tuple], np.ndarray]]:
    """Connected groups of correlated draws: ``[(members, factor A with A Aᵀ = C)]``
    (members as in :func:`members_of`; tasks first, in topological order, then risk
    draws in file order). A matrix that is not positive semi-definite is repaired
    (warning) or rejected (``strict``); given a ``repairs`` list, the repair messages go
    there instead of being warned, so a compiled scenario can be reused and still warn
    (or raise) each time it is compiled."""
    risk_pos = {r.id: i for i, r in enumerate(scenario.risks)}

    def rank(m: tuple) -> tuple[int, int, int]:
        return (0, order[m[1]], 0) if m[0] == "task" else (1, risk_pos[m[1]], m[2])

    pairs = {tuple(sorted(k, key=rank)): v for k, v in correlated_pairs(scenario).items()}
    sets = DisjointSets()
    for (a, b), (value, _) in pairs.items():
        if value != 0:
            sets.join(a, b)
    out = []
    for group in sorted(sets.groups(), key=lambda g: min(map(rank, g))):
        group.sort(key=rank)
        index = {t: i for i, t in enumerate(group)}
        rho = np.eye(len(group))
        for (a, b), (value, _) in pairs.items():
            if a in index and b in index:
                rho[index[a], index[b]] = rho[index[b], index[a]] = value
        c = to_normal(rho)
        if np.linalg.eigvalsh(c).min() < -1e-12:
            fixed = nearest_correlation(c)
            change = np.abs(to_rank(fixed) - rho)
            i, j = np.unravel_index(np.argmax(change), change.shape)
            names = [draw_name(m) for m in group]
            msg = (
                f"the correlations of {', '.join(dict.fromkeys(names))} are not consistent "
                f"(the matrix is not positive semi-definite); largest change in the nearest "
                f"valid matrix: {names[i]}–{names[j]} {rho[i, j]:g} → {to_rank(fixed)[i, j]:.3f}"
            )
            if strict:
                raise ScenarioError(msg, field="correlations")
            if repairs is not None:
                repairs.append(msg)
            else:
                warnings.warn(msg, RiskEngineWarning, stacklevel=3)
            c = fixed
        w, v = np.linalg.eigh(c)
        factor = (v * np.sqrt(np.maximum(w, 0.0))) @ v.T
        out.append((group, factor))
    return out
