"""A vectorised numpy twin of the block kernel, "by topological level": the speed baseline.

Same computation as ``riskengine.kernels.network.simulate_blocks`` on a CompiledNetwork,
over ``[task, iteration]`` arrays of a chunk of iterations, a few numpy calls per level
instead of a loop over tasks:

- tasks are grouped by level (1 + the max level of their predecessors) and renumbered so
  that each level is a contiguous run of rows (tasks with successors first), which turns
  most per-level reads and writes into slices;
- durations: uniforms from numpy's own ``Generator(Philox(seed))`` (a speed reference, not
  a bit-for-bit twin of the kernel's draws) and the triangular inverse CDF, level by level;
- forward pass, per level: each task's links (the ``pred_gather`` rows ``2*pred +
  reads_finish`` and lags of the CSR) are laid out in "slots" (slot j = every task's j-th
  link, padded with a row of -inf); per slot, gather ``X[g] + lag``, subtract ``d`` on the
  links past ``pred_nstart`` (those that constrain the finish) and take the running max;
  ``ES = max(0, ...)``, ``EF = ES + d``. (A first version with ``np.maximum.reduceat(...,
  axis=0)`` over the concatenated links, fancy-indexed writes and whole-chunk sampling ran
  at 13-16 M task-it/s on the 10k network; this one at ~40 M/s forward, ~25 M/s with
  criticality.)
- milestone finishes and the project finish (the latest EF);
- backward pass by reverse levels over the successor CSR (``succ_nfinish`` split, +inf
  padding, ``LF = min(P, ...)``) and critical counts (total float ``LF - EF <= tol``).

Fed the kernel's own durations it reproduces ``run_kernel`` exactly; ``self_check``
asserts that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import riskengine  # noqa: F401  (before numba: it picks numba's vector width)

# isort: split
from numba import njit

from riskengine.engine.compile import CompiledNetwork, split64
from riskengine.engine.runner import CRITICAL_TOLERANCE
from riskengine.engine.simulation import run_kernel
from riskengine.kernels.rng import TWO_M32, philox4x32_10
from riskengine.kernels.sampling import FIXED, TRIANGULAR, UNIFORM, ppf
from riskengine.model.draws import DURATION_DRAW


@dataclass
class _Slots:
    """The links of a run of tasks as ``[tasks, slots]`` gather rows and lags.

    ``adj[j]`` lists (local row, task) pairs of slot j whose link must add ``sign * d``."""

    gather: list[np.ndarray]  # per slot: int64[tasks]
    lag: list[np.ndarray]  # per slot: float64[tasks, 1]
    adj_rows: list[np.ndarray]
    adj_tasks: list[np.ndarray]


@dataclass
class _Level:
    lo: int  # tasks lo … hi-1 (new numbering); lo … mid-1 have successors
    mid: int
    hi: int
    fwd: _Slots
    bwd: _Slots
    triangular: bool  # every task of the level is triangular (fast sampling path)


class LevelPlan:
    """A CompiledNetwork renumbered by level, with per-level gather slots, built once."""

    def __init__(self, net: CompiledNetwork) -> None:
        n = net.n_tasks
        pp, ns, sp, sf = net.pred_ptr, net.pred_nstart, net.succ_ptr, net.succ_nfinish
        level = np.zeros(n, np.int64)
        for t in range(n):  # kernel numbering is topological
            a, b = pp[t], pp[t + 1]
            if b > a:
                level[t] = 1 + level[net.pred_gather[a:b] // 2].max()
        sink = sp[1:] == sp[:-1]
        self.n = n
        self.n_levels = int(level.max()) + 1 if n else 0
        self.perm = np.lexsort((sink, level))  # new -> kernel numbering
        self.inv = np.empty(n, np.int64)
        self.inv[self.perm] = np.arange(n)
        self.code = net.code[self.perm]
        self.par = net.par[self.perm]
        self.ms_rows = [
            self.inv[net.ms_task[net.ms_ptr[m] : net.ms_ptr[m + 1]]]
            for m in range(len(net.milestone_ids))
        ]
        pad = 2 * n  # X[pad] = -inf, L[pad] = +inf
        lv_sorted = level[self.perm]
        bounds = np.searchsorted(lv_sorted, np.arange(self.n_levels + 1))
        self.levels: list[_Level] = []
        self.widest = 1
        for lv in range(self.n_levels):
            lo, hi = int(bounds[lv]), int(bounds[lv + 1])
            mid = lo + int(np.count_nonzero(~sink[self.perm[lo:hi]]))
            fwd = self._slots(range(lo, hi), pp, net.pred_gather, net.pred_lag, ns, pad)
            bwd = self._slots(range(lo, mid), sp, net.succ_gather, net.succ_lag, sf, pad)
            tri = bool((self.code[lo:hi] == TRIANGULAR).all())
            self.levels.append(_Level(lo, mid, hi, fwd, bwd, tri))
            self.widest = max(self.widest, hi - lo)

    def _slots(self, tasks, ptr, gather, lag, split, pad) -> _Slots:
        rows = [self.perm[i] for i in tasks]
        width = max((int(ptr[t + 1] - ptr[t]) for t in rows), default=0)
        g = np.full((len(rows), width), pad, np.int64)
        lg = np.zeros((len(rows), width))
        adj = np.zeros((len(rows), width), bool)
        for r, t in enumerate(rows):
            a, b = int(ptr[t]), int(ptr[t + 1])
            old = gather[a:b]
            g[r, : b - a] = 2 * self.inv[old // 2] + old % 2
            lg[r, : b - a] = lag[a:b]
            adj[r, int(split[t]) : b - a] = True
        first = tasks.start if len(rows) else 0
        return _Slots(
            gather=[g[:, j].copy() for j in range(width)],
            lag=[lg[:, j : j + 1].copy() for j in range(width)],
            adj_rows=[np.flatnonzero(adj[:, j]) for j in range(width)],
            adj_tasks=[first + np.flatnonzero(adj[:, j]) for j in range(width)],
        )


def sample_durations(code: np.ndarray, par: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Durations ``[tasks, chunk]`` from uniforms ``u`` (fixed, uniform, triangular only)."""
    if not np.isin(code, (FIXED, UNIFORM, TRIANGULAR)).all():
        raise ValueError("the numpy reference samples fixed, uniform and triangular only")
    d = np.empty_like(u)
    tri = np.flatnonzero(code == TRIANGULAR)
    if tri.size:
        a, b, left, right, fc = (par[tri, j][:, None] for j in range(5))
        ut = u[tri]
        d[tri] = np.where(ut < fc, a + np.sqrt(ut * left), b - np.sqrt((1.0 - ut) * right))
    uni = np.flatnonzero(code == UNIFORM)
    if uni.size:
        d[uni] = par[uni, 0][:, None] + u[uni] * par[uni, 1][:, None]
    fix = np.flatnonzero(code == FIXED)
    d[fix] = par[fix, 0][:, None]
    return d


class Workspace:
    """Buffers for one chunk size, reused across chunks (no page faults in the loop)."""

    def __init__(self, plan: LevelPlan, c: int) -> None:
        n, w = plan.n, plan.widest
        self.c = c
        self.x = np.empty((2 * n + 1, c))
        self.x[2 * n] = -np.inf
        self.lt = np.empty((2 * n + 1, c))
        self.lt[2 * n] = np.inf
        self.d = np.empty((n, c))
        self.u = np.empty((n, c))
        self.acc = np.empty((w, c))
        self.tmp = np.empty((w, c))
        self.tmp2 = np.empty((w, c))
        self.mask = np.empty((w, c), bool)


def _triangular_into(plan: LevelPlan, lo: int, hi: int, w: Workspace) -> None:
    # Same arithmetic as kernels.sampling.triangular_ppf, one level at a time.
    nt = hi - lo
    u, out, t1, t2, m = w.u[lo:hi], w.d[lo:hi], w.acc[:nt], w.tmp[:nt], w.mask[:nt]
    a, b, left, right, fc = (plan.par[lo:hi, j : j + 1] for j in range(5))
    np.multiply(u, left, out=t1)
    np.sqrt(t1, out=t1)
    t1 += a
    np.subtract(1.0, u, out=t2)
    t2 *= right
    np.sqrt(t2, out=t2)
    np.subtract(b, t2, out=out)
    np.less(u, fc, out=m)
    np.copyto(out, t1, where=m)


def _pass(src: np.ndarray, s: _Slots, d: np.ndarray, sign: float, acc, tmp, combine) -> bool:
    # Forward (sign +1): acc = max over slots of X[g] + lag, minus d on finish links.
    # Backward (sign -1): acc = min over slots of L[g] - lag, plus d on start links.
    # Same operation order as the kernel, so results are bit-identical. False: no links.
    if not s.gather:
        return False
    for j, g in enumerate(s.gather):
        t = acc if j == 0 else tmp
        np.take(src, g, axis=0, out=t, mode="clip")
        if sign > 0:
            t += s.lag[j]
        else:
            t -= s.lag[j]
        r = s.adj_rows[j]
        if r.size:
            if sign > 0:
                t[r] -= d[s.adj_tasks[j]]
            else:
                t[r] += d[s.adj_tasks[j]]
        if j:
            combine(acc, t, out=acc)
    return True


def cpm_chunk(
    net: CompiledNetwork,
    plan: LevelPlan,
    c: int,
    criticality: bool,
    *,
    gen: np.random.Generator | None = None,
    durations: np.ndarray | None = None,
    work: Workspace | None = None,
    tol: float = CRITICAL_TOLERANCE,
) -> tuple[np.ndarray, np.ndarray]:
    """One chunk of ``c`` iterations: sample (from ``gen``) or take ``durations`` (kernel
    numbering, ``[tasks, c]``), then the forward and, with ``criticality``, backward pass.

    Returns ``out[c, milestones + 1]`` and critical counts ``int64[tasks]`` (kernel order).
    """
    w = work if work is not None and work.c == c else Workspace(plan, c)
    n = plan.n
    x, lt, d = w.x, w.lt, w.d
    es, ef = x[0 : 2 * n : 2], x[1 : 2 * n : 2]
    ls, lf = lt[0 : 2 * n : 2], lt[1 : 2 * n : 2]
    if durations is not None:
        np.take(durations, plan.perm, axis=0, out=d)
    else:
        gen.random(out=w.u)
    for lv in plan.levels:
        lo, hi = lv.lo, lv.hi
        nt = hi - lo
        if durations is None:
            if lv.triangular:
                _triangular_into(plan, lo, hi, w)
            else:
                d[lo:hi] = sample_durations(plan.code[lo:hi], plan.par[lo:hi], w.u[lo:hi])
        acc = w.acc[:nt]
        if _pass(x, lv.fwd, d, 1.0, acc, w.tmp[:nt], np.maximum):
            np.maximum(acc, 0.0, out=es[lo:hi])
        else:
            es[lo:hi] = 0.0
        np.add(es[lo:hi], d[lo:hi], out=ef[lo:hi])
    n_ms = len(plan.ms_rows)
    out = np.empty((c, n_ms + 1))
    for m, rows in enumerate(plan.ms_rows):
        out[:, m] = ef[rows].max(axis=0)
    pf = ef.max(axis=0)
    out[:, n_ms] = pf
    counts = np.zeros(n, np.int64)
    if criticality:
        for lv in reversed(plan.levels):
            lo, mid, hi = lv.lo, lv.mid, lv.hi
            acc = w.acc[: mid - lo]
            if _pass(lt, lv.bwd, d, -1.0, acc, w.tmp[: mid - lo], np.minimum):
                np.minimum(acc, pf, out=lf[lo:mid])
            lf[mid:hi] = pf
            np.subtract(lf[lo:hi], d[lo:hi], out=ls[lo:hi])
            slack = np.subtract(lf[lo:hi], ef[lo:hi], out=w.tmp2[: hi - lo])
            crit = np.less_equal(slack, tol, out=w.mask[: hi - lo])
            counts[lo:hi] = np.count_nonzero(crit, axis=1)
    result = np.empty(n, np.int64)
    result[plan.perm] = counts
    return out, result


def simulate_numpy(
    net: CompiledNetwork,
    iterations: int,
    seed: int,
    *,
    criticality: bool = True,
    chunk: int = 1000,
    plan: LevelPlan | None = None,
    work: Workspace | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The numpy reference run: ``(out[iterations, milestones + 1], counts[tasks])``.

    Pass a ``plan`` and ``work`` kept from an earlier call to time the steady state (the
    first chunk of a fresh workspace pays its page faults)."""
    plan = LevelPlan(net) if plan is None else plan
    gen = np.random.Generator(np.random.Philox(seed))
    out = np.empty((iterations, len(net.milestone_ids) + 1))
    counts = np.zeros(net.n_tasks, np.int64)
    if work is None or work.c != min(chunk, iterations):
        work = Workspace(plan, min(chunk, iterations))
    for lo in range(0, iterations, chunk):
        c = min(chunk, iterations - lo)
        out[lo : lo + c], k = cpm_chunk(net, plan, c, criticality, gen=gen, work=work)
        counts += k
    return out, counts


@njit(error_model="numpy")  # not cached: it inlines riskengine.kernels code
def kernel_durations(it_start, n_iter, key_lo, key_hi, code, par, tables, stream_lo, stream_hi):
    """The durations the kernel samples, ``[tasks, iterations]`` (for the exact check)."""
    n = code.shape[0]
    d = np.empty((n, n_iter))
    for t in range(n):
        for i in range(n_iter):
            it = it_start + i
            w = philox4x32_10(
                np.uint64(it >> 2),
                np.uint64(DURATION_DRAW),
                stream_lo[t],
                stream_hi[t],
                key_lo,
                key_hi,
            )
            u = (np.float64(w[it & 3]) + 0.5) * TWO_M32
            d[t, i] = ppf(code[t], par[t], tables, u)
    return d


def self_check(n_tasks: int = 400, iterations: int = 203, block: int = 16) -> None:
    """Assert that the reference reproduces ``run_kernel`` exactly.

    Two cases on small synthetic networks: fixed integer durations (many ties, so the
    criticality tolerance matters) and triangular durations fed from the kernel's own draws
    (``iterations`` is deliberately not a multiple of the block, so masking is exercised).
    Also checks that the reference's own triangular sampling gives the same durations as the
    kernel's inverse CDF for the same uniforms (to 1e-14: the kernel's square root is a
    refined float32 estimate, within an ulp or two of numpy's).
    """
    from network import synthetic_scenario
    from riskengine.engine.compile import compile_network

    seed = 7
    for durations in ("fixed", "triangular"):
        net = compile_network(synthetic_scenario(n_tasks, seed=3, durations=durations))
        plan = LevelPlan(net)
        key_lo, key_hi = (np.uint64(v) for v in split64(seed))
        args = (net.code, net.par, net.tables, net.stream_lo, net.stream_hi)
        d = kernel_durations(0, iterations, key_lo, key_hi, *args)
        for crit in (False, True):
            # the reference computes the project's criticality (the kernel's last row)
            level = "project" if crit else False
            k = run_kernel(net, iterations, seed, criticality=level, block=block)
            k_out, k_counts = k.out, k.critical[-1]
            r_out, r_counts = cpm_chunk(net, plan, iterations, crit, durations=d)
            assert np.array_equal(k_out, r_out), f"milestone finishes differ ({durations})"
            assert np.array_equal(k_counts, r_counts), f"critical counts differ ({durations})"
        assert k_counts.sum() >= iterations  # at least one critical task per iteration
    # The level-wise sampler against the kernel's inverse CDF on the same uniforms.
    w = Workspace(plan, iterations)
    w.u[:] = np.random.default_rng(0).random(w.u.shape)
    for lv in plan.levels:
        _triangular_into(plan, lv.lo, lv.hi, w)
    want = sample_durations(plan.code, plan.par, w.u)
    assert np.array_equal(w.d, want), "level-wise triangular sampling differs"
    from riskengine.kernels.sampling import ppf_array

    row = 5
    kern = ppf_array(int(plan.code[row]), plan.par[row], net.tables, w.u[row].copy())
    # The kernel's square root is within an ulp or two of numpy's (kernels/sampling.py).
    np.testing.assert_allclose(w.d[row], kern, rtol=1e-14, atol=0)


if __name__ == "__main__":
    self_check()
    print("numpy reference matches run_kernel exactly")
