"""Distribution specs encoded for the kernels: a code and a parameter row per
distribution, and the shared lookup tables (Beta-PERT inverse CDFs, discrete values).
The layout is documented in :mod:`riskengine.kernels.sampling`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable

import numpy as np
import numpy.typing as npt

from riskengine.kernels import sampling as ks
from riskengine.model.distributions import pert_shape
from riskengine.model.scenario import Distribution


class TableBuilder:
    """Collects the lookup tables of a network, sharing one table per distinct shape."""

    def __init__(self) -> None:
        self._chunks: list[np.ndarray] = []
        self._size = 0
        self._shapes: dict[tuple[Hashable, ...], int] = {}
        self._encoded: dict[tuple[Hashable, ...], tuple[int, np.ndarray]] = {}

    def copy(self) -> TableBuilder:
        """A builder with the same tables, to which more can be added without touching
        this one: a compiled network's task tables, reused under several risk states."""
        other = TableBuilder()
        other._chunks = list(self._chunks)
        other._size = self._size
        other._shapes = dict(self._shapes)
        other._encoded = dict(self._encoded)
        return other

    def encode(self, d: Distribution) -> tuple[int, np.ndarray]:
        """:func:`encode`, once per distinct distribution: many tasks share a spec, and
        the same spec always encodes to the same code and row in the same tables. The row
        returned is shared: copy it before changing it."""
        values = tuple(d.params.values())
        if 0 in values:  # 0.0 == -0.0, whose rows differ in a bit: tell them apart
            values = tuple(map(repr, values))
        key: tuple[Hashable, ...] = (d.kind, *d.params, *values)
        try:
            hit = self._encoded.get(key)
        except TypeError:  # a list among the parameters (discrete): no key
            return encode(d, self)
        if hit is None:
            hit = self._encoded[key] = encode(d, self)
        return hit

    def add(self, key: tuple[Hashable, ...], make: Callable[[], npt.ArrayLike]) -> int:
        """Offset of the table for shape ``key``; ``make`` builds it the first time only
        (a Beta-PERT table costs a few hundred inverse incomplete beta evaluations)."""
        off = self._shapes.get(key)
        if off is None:
            arr = np.asarray(make(), dtype=np.float64)
            off = self._size
            self._chunks.append(arr)
            self._size += arr.size
            self._shapes[key] = off
        return off

    def array(self) -> np.ndarray:
        """The tables end to end, as the kernels read them (a single zero when there are
        none)."""
        if not self._chunks:
            return np.zeros(1)
        return np.concatenate(self._chunks)


@functools.lru_cache(maxsize=256)
def _beta_table(alpha: float, beta: float) -> np.ndarray:
    """The Beta(alpha, beta) inverse CDF on the table grid, kept for the next compile of
    the same shape (a table costs 2 ms of inverse incomplete beta functions; 256 kept
    tables take 4 MB). Read-only: builders concatenate it, never change it."""
    from scipy.special import betaincinv

    u = ks.table_grid().ravel()
    table = np.concatenate([betaincinv(alpha, beta, u), betaincinv(alpha, beta, 1.0 - u)])
    table.flags.writeable = False
    return table


def encode(d: Distribution, tables: TableBuilder) -> tuple[int, np.ndarray]:
    """Kernel code and parameter row of a distribution (layout in kernels/sampling.py)."""
    p = d.params
    par = np.zeros(ks.NPAR)
    kind = d.kind
    if kind in ("triangular", "pert", "trigen", "uniform") and p["min"] == p["max"]:
        kind, p = "fixed", {"value": p["min"]}
    if kind == "fixed":
        par[0] = p["value"]
        return ks.FIXED, par
    if kind == "uniform":
        par[:2] = p["min"], p["max"] - p["min"]
        return ks.UNIFORM, par
    if kind in ("triangular", "trigen"):
        a, c, b = p["min"], p["mode"], p["max"]
        par[:5] = a, b, (b - a) * (c - a), (b - a) * (b - c), (c - a) / (b - a)
        return ks.TRIANGULAR, par
    if kind == "pert":
        alpha, beta = pert_shape(p)
        off = tables.add(("beta", alpha, beta), lambda: _beta_table(alpha, beta))
        par[:3] = p["min"], p["max"] - p["min"], off
        return ks.TABLE, par
    if kind == "normal":
        from scipy.special import ndtr

        par[:3] = p["mean"], p["sd"], ndtr(-p["mean"] / p["sd"])
        return ks.NORMAL, par
    if kind == "lognormal":
        par[:2] = p["mu"], p["sigma"]
        return ks.LOGNORMAL, par
    w = np.asarray(p["weights"], dtype=np.float64)
    cum = np.cumsum(w / w.sum())
    cum[-1] = 1.0
    vals = np.asarray(p["values"], dtype=np.float64)
    key = ("discrete", tuple(cum), tuple(vals))
    off = tables.add(key, lambda: np.concatenate([cum, vals]))
    par[:2] = off, len(vals)
    return ks.DISCRETE, par
