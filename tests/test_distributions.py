"""Each distribution's inverse CDF, mean and percentiles against scipy.stats."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit
from scipy import stats

import riskengine as rk
from helpers import scenario, task
from riskengine.engine.encoding import TableBuilder, encode
from riskengine.errors import ScenarioError
from riskengine.kernels.sampling import ppf_array, sample_into
from riskengine.model.distributions import check_number, parse_distribution, trigen_bounds


def scipy_of(spec):
    d = parse_distribution(spec)
    p = d.params
    if d.kind == "fixed":
        return None
    if d.kind == "uniform":
        return stats.uniform(p["min"], p["max"] - p["min"])
    if d.kind in ("triangular", "trigen"):
        a, c, b = p["min"], p["mode"], p["max"]
        return stats.triang((c - a) / (b - a), a, b - a)
    if d.kind == "pert":
        w = p["max"] - p["min"]
        lam = p["lambda"]
        alpha = 1 + lam * (p["mode"] - p["min"]) / w
        beta = 1 + lam * (p["max"] - p["mode"]) / w
        return stats.beta(alpha, beta, p["min"], w)
    if d.kind == "normal":
        return stats.truncnorm(-p["mean"] / p["sd"], np.inf, p["mean"], p["sd"])
    if d.kind == "lognormal":
        return stats.lognorm(p["sigma"], scale=math.exp(p["mu"]))
    w = np.asarray(p["weights"], float)
    return stats.rv_discrete(values=(p["values"], w / w.sum()))


SPECS = {
    "uniform": {"dist": "uniform", "min": 2, "max": 7},
    "triangular": {"dist": "triangular", "min": 2, "mode": 3, "max": 9},
    "triangular_left": {"dist": "triangular", "min": 2, "mode": 2, "max": 9},
    "pert": {"dist": "pert", "min": 2, "mode": 4, "max": 9},
    "pert_lambda": {"dist": "pert", "min": 10, "mode": 11, "max": 30, "lambda": 2.5},
    "pert_edge": {"dist": "pert", "min": 0, "mode": 0, "max": 5},
    "trigen": {"dist": "trigen", "low": 4, "mode": 5, "high": 9},
    "trigen_pct": {"dist": "trigen", "low": 4, "mode": 5, "high": 9, "low_pct": 5, "high_pct": 80},
    "normal": {"dist": "normal", "mean": 10, "sd": 2},
    "normal_truncated": {"dist": "normal", "mean": 1, "sd": 2},
    "lognormal": {"dist": "lognormal", "mean": 20, "sd": 6},
    "lognormal_p50": {"dist": "lognormal", "p50": 15, "p90": 30},
    "discrete": {"dist": "discrete", "values": [20, 40, 60], "weights": [5, 3, 2]},
}
U = np.concatenate(
    [
        np.ldexp(1.0, -np.arange(1, 34)),
        np.linspace(1e-5, 1 - 1e-5, 4001),
        1 - np.ldexp(1.0, -np.arange(2, 34)),
    ]
)


def kernel_ppf(spec, u):
    tables = TableBuilder()
    code, par = encode(parse_distribution(spec), tables)
    return ppf_array(code, par, tables.array(), u)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_inverse_cdf_matches_scipy(name):
    spec = SPECS[name]
    ref = scipy_of(spec)
    got = kernel_ppf(spec, U)
    want = ref.ppf(U)
    lo, hi = ref.support()
    width = (want.max() - want.min()) if np.isfinite(hi) else 1.0
    if name.startswith("pert"):
        # tabulated (binade grid, 32 knots a binade): within 2e-5 of the range
        tol = 2e-5 * width
    elif name == "discrete":
        tol = 0.0
    else:
        tol = 1e-9 * max(1.0, np.abs(want).max())
    if name.startswith("lognormal") or name.startswith("normal"):
        # closed form through ndtri; the extreme upper tail (1 - u ~ 2^-33) loses a few
        # digits to rounding in the truncation's rescaling of u
        err = np.abs(got - want) / np.maximum(np.abs(want), 1.0)
        assert err.max() < 1e-8
        assert err[(U > 1e-6) & (U < 1 - 1e-6)].max() < 1e-11
    else:
        assert np.abs(got - want).max() <= tol


@njit(error_model="numpy")
def _block_sample(code, par, tables, u):
    out = np.zeros(u.shape[0])
    sample_into(code, par, tables, u, out, u.shape[0])
    return out


@pytest.mark.parametrize("name", sorted(SPECS))
def test_block_sampler_equals_the_scalar_inverse_cdf_bit_for_bit(name):
    # The kernels sample a block at a time (sample_into: the PERT table's index read from
    # the float's bits); analyses use the scalar ppf (frexp). Both must give the same bits,
    # at the binade edges, at 0.5 and in the deepest tails too.
    tables = TableBuilder()
    code, par = encode(parse_distribution(SPECS[name]), tables)
    edges = [0.0, 0.5, 0.5 - 2**-54, 0.5 + 2**-53, 1 - 2**-53, 2**-1074, 1e-300, 2**-40]
    u = np.concatenate([U, edges, np.random.default_rng(5).random(10_000)])
    got = _block_sample(code, par, tables.array(), u)
    want = ppf_array(code, par, tables.array(), u)
    assert np.array_equal(got.view(np.int64), want.view(np.int64))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_simulated_mean_and_percentiles_match_scipy(name):
    spec = SPECS[name]
    ref = scipy_of(spec)
    n = 20_000
    # Every spec sees the same uniforms (task "x", seed 12): this checks the transform;
    # test_rng checks the uniforms themselves.
    r = rk.simulate(
        scenario([task("x", spec)], [("m", ["x"])]), iterations=n, seed=12, criticality=False
    )
    x = r.finishes["m"]
    assert abs(x.mean() - ref.mean()) < 3 * ref.std() / math.sqrt(n)
    for q in (0.1, 0.5, 0.8, 0.9):
        # P(X <= F^-1(q)) is q up to sampling error (also right for discrete atoms)
        v = ref.ppf(q)
        p = ref.cdf(v)
        assert abs(np.mean(x <= v) - p) < 3 * math.sqrt(p * (1 - p) / n) + 1e-12


def test_fixed_is_constant():
    assert np.all(kernel_ppf({"dist": "fixed", "value": 4.5}, U) == 4.5)
    assert parse_distribution(3).kind == "fixed"


def test_list_shorthand_is_triangular():
    d = parse_distribution([1, 2, 5])
    assert d.kind == "triangular" and d.params == {"min": 1, "mode": 2, "max": 5}


@pytest.mark.parametrize(
    "low,mode,high,pl,ph",
    [(4, 5, 9, 0.1, 0.9), (4, 4, 9, 0.1, 0.9), (4, 5, 5, 0.2, 0.95), (1, 5, 6, 0.0, 0.9)],
)
def test_trigen_bounds_reproduce_the_given_percentiles(low, mode, high, pl, ph):
    a, b = trigen_bounds(low, mode, high, pl, ph)
    F = stats.triang((mode - a) / (b - a), a, b - a)
    assert F.cdf(low) == pytest.approx(pl, abs=1e-10)
    assert F.cdf(high) == pytest.approx(ph, abs=1e-10)


@pytest.mark.parametrize(
    "spec,message",
    [
        ({"dist": "triangular", "min": 5, "mode": 3, "max": 9}, "min (5) > mode (3)"),
        ({"dist": "pert", "min": 1, "mode": 10, "max": 9}, "mode (10) > max (9)"),
        ({"dist": "uniform", "min": -1, "max": 9}, "must not be negative"),
        ({"dist": "uniform", "min": 1, "max": float("inf")}, "must be finite"),
        ({"dist": "uniform", "min": 1, "max": float("nan")}, "must be finite"),
        ({"dist": "uniform", "min": 1, "max": 1e300}, "must be at most 1e+15"),
        ({"dist": "uniform", "min": 1, "max": "ten"}, "must be a number"),
        ({"dist": "uniform", "min": 1}, "needs 'max'"),
        ({"dist": "uniform", "min": 1, "max": 2, "mode": 1}, "unknown key 'mode'"),
        ({"dist": "gamma", "min": 1}, "unknown distribution"),
        ({"min": 1}, "missing 'dist'"),
        ({"dist": "pert", "min": 1, "mode": 2, "max": 3, "lambda": 0}, "lambda must be positive"),
        ({"dist": "lognormal", "mean": 3}, "either mean and sd, or p50 and p90"),
        ({"dist": "lognormal", "p50": 5, "p90": 4}, "p90 (4) < p50 (5)"),
        ({"dist": "discrete", "values": [1, 2], "weights": [1]}, "differ in length"),
        ({"dist": "discrete", "values": [1, 2], "weights": [0, 0]}, "must not all be zero"),
        ({"dist": "trigen", "low": 1, "mode": 2, "high": 20}, "implied minimum is negative"),
        ({"dist": "normal", "mean": -1, "sd": 2}, "must not be negative"),
        ([1, 2], "[min, mode, max]"),
        (True, "must be a number or a distribution"),
    ],
)
def test_invalid_specs_name_the_problem(spec, message):
    with pytest.raises(ScenarioError) as e:
        parse_distribution(spec, "tasks[A].duration")
    assert message in str(e.value)
    assert "tasks[A].duration" in str(e.value)


@pytest.mark.parametrize(
    "text, hint",
    [
        ("4,5", "write 4.5 with a decimal point"),
        ("-12,25", "write -12.25 with a decimal point"),
        ("30%", "without the per cent sign"),
        ("30 %", "without the per cent sign"),
    ],
)
def test_numbers_written_with_a_comma_or_per_cent_sign_say_what_to_write(text, hint):
    for check in (
        lambda: check_number(text, "tasks[a].existence"),
        lambda: parse_distribution(text, "tasks[a].duration"),
        lambda: parse_distribution({"dist": "uniform", "min": text, "max": 9}, "d"),
    ):
        with pytest.raises(ScenarioError) as e:
            check()
        assert hint in e.value.message
