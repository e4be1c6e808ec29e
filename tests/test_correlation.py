"""Correlated durations through a Gaussian copula: targets reached, repair, invariance."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

import riskengine as rk
from helpers import scenario, task
from riskengine.cli import main
from riskengine.engine.correlation import nearest_correlation
from riskengine.engine.simulation import run_kernel
from riskengine.errors import RiskEngineWarning, ScenarioError
from riskengine.model.scenario import Correlation

SPECS = {
    "a": {"dist": "triangular", "min": 2, "mode": 4, "max": 12},
    "b": {"dist": "pert", "min": 5, "mode": 6, "max": 15},
    "c": {"dist": "uniform", "min": 1, "max": 3},
    "d": {"dist": "lognormal", "mean": 10, "sd": 4},
    "e": {"dist": "normal", "mean": 8, "sd": 2},
}


def correlated(correlations, n=10_000, seed=3, **kw):
    tasks = [task(t, spec) for t, spec in SPECS.items()]
    sc = scenario(tasks, [(t, [t]) for t in SPECS])
    sc = rk.Scenario(
        "c", sc.tasks, sc.milestones, simulation=sc.simulation, correlations=tuple(correlations)
    )
    return sc, rk.simulate(sc, iterations=n, seed=seed, **kw)


def spearman(r, a, b):
    return stats.spearmanr(r.finishes[a], r.finishes[b])[0]


def test_group_pair_and_matrix_targets_are_reached_within_0_03():
    _, r = correlated(
        [
            Correlation(("a", "b", "c"), coefficient=0.6),
            Correlation(("d", "e"), matrix=((1, -0.4), (-0.4, 1))),
        ]
    )
    for a, b in [("a", "b"), ("a", "c"), ("b", "c")]:
        assert abs(spearman(r, a, b) - 0.6) < 0.03
    assert abs(spearman(r, "d", "e") + 0.4) < 0.03
    assert abs(spearman(r, "a", "d")) < 0.03  # different groups stay independent


def test_marginals_are_unchanged():
    _, r = correlated([Correlation(("a", "b", "c", "d", "e"), coefficient=0.8)], n=20_000)
    ref = stats.triang(2 / 10, 2, 10)
    for q in (0.1, 0.5, 0.9):
        v = ref.ppf(q)
        assert abs(np.mean(r.finishes["a"] <= v) - q) < 3 * np.sqrt(q * (1 - q) / 20_000)


def test_inconsistent_matrix_is_repaired_with_a_warning_or_rejected():
    bad = [Correlation(("a", "b", "c"), matrix=((1, 0.9, -0.9), (0.9, 1, 0.9), (-0.9, 0.9, 1)))]
    with pytest.warns(RiskEngineWarning, match="largest change") as w:
        _, r = correlated(bad, n=4000)
    assert "not positive semi-definite" in str(w[0].message)
    assert spearman(r, "a", "b") > 0.3  # the repaired matrix keeps the broad pattern
    with pytest.raises(ScenarioError, match="not positive semi-definite"):
        correlated(bad, n=100, strict=True)


def test_nearest_correlation_is_a_correlation_matrix_and_fixes_nothing_valid():
    a = np.array([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1.0]])
    x = nearest_correlation(a)
    assert np.allclose(np.diag(x), 1) and np.linalg.eigvalsh(x).min() > -1e-10
    ok = np.array([[1, 0.3], [0.3, 1.0]])
    assert np.allclose(nearest_correlation(ok), ok)


def test_bit_identical_with_correlation_for_any_block_and_chunking():
    sc, _ = correlated([Correlation(("a", "b", "c", "e"), coefficient=0.5)], n=10)
    net = rk.compile_network(sc)
    ref = run_kernel(net, 3001, 7)
    for block, chunk in [(16, 500), (128, None), (4, 999)]:
        got = run_kernel(net, 3001, 7, block=block, chunk=chunk)
        assert np.array_equal(got.out, ref.out) and np.array_equal(got.critical, ref.critical)


def test_sensitivity_follows_the_correlated_durations():
    _, r = correlated([Correlation(("a", "b"), coefficient=0.7)], n=5000, sensitivity=["b"])
    # task a's duration is milestone a's finish: its cruciality against milestone b
    # is the plain correlation of the two stored series
    want = np.corrcoef(r.finishes["a"], r.finishes["b"])[0, 1]
    assert r.sensitivity["a"].cruciality["b"] == pytest.approx(want, abs=1e-9)


YAML = """\
tasks:
  - {id: a, duration: [2, 4, 12]}
  - {id: b, duration: [5, 6, 15]}
  - {id: c, duration: [1, 2, 3]}
milestones: [{id: m, after: [a, b, c]}]
correlations:
  - {tasks: [a, b, c], coefficient: 0.6}
"""


def test_correlations_in_a_file_and_strict_on_the_cli(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(YAML)
    assert rk.load_scenario(path).correlations == (Correlation(("a", "b", "c"), coefficient=0.6),)
    bad = YAML.replace(
        "- {tasks: [a, b, c], coefficient: 0.6}",
        "- {tasks: [a, b, c], matrix: [[1, .9, -.9], [.9, 1, .9], [-.9, .9, 1]]}",
    )
    path.write_text(bad)
    res = CliRunner().invoke(main, ["run", str(path), "-n", "200"])
    assert res.exit_code == 0 and "warning:" in res.stderr and "largest change" in res.stderr
    res = CliRunner().invoke(main, ["run", str(path), "-n", "200", "--strict"])
    assert res.exit_code == 2 and "not positive semi-definite" in res.stderr


@pytest.mark.parametrize(
    "text,message",
    [
        ("- {tasks: [a, b], coefficient: 1.5}", "must be between -1 and 1"),
        ("- {tasks: [a, zz], coefficient: 0.5}", "unknown task 'zz'"),
        ("- {tasks: [a], coefficient: 0.5}", "at least two tasks"),
        ("- {tasks: [a, b], matrix: [[1, 0.5], [0.4, 1]]}", "symmetric"),
        ("- {tasks: [a, b], matrix: [[1, 0.5]]}", "2×2"),
        ("- {tasks: [a, b]}", "either 'coefficient'"),
        (
            "- {tasks: [a, b], coefficient: 0.5}\n  - {tasks: [b, a], coefficient: 0.2}",
            "two correlations",
        ),
    ],
)
def test_bad_correlations(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(YAML.replace("- {tasks: [a, b, c], coefficient: 0.6}", text))
    with pytest.raises(ScenarioError, match=message) as e:
        rk.load_scenario(path)
    assert str(path) in str(e.value)


def test_no_warning_for_a_valid_group():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RiskEngineWarning)
        correlated([Correlation(("a", "b", "c"), coefficient=0.9)], n=100)


def test_risk_delays_are_correlated():
    from riskengine.model.scenario import Impact, Risk

    D = rk.parse_distribution
    tasks = [task("x", 0), task("y", 0), task("z", [1, 2, 3])]
    sc = scenario(tasks, [("x", ["x"]), ("y", ["y"])])
    risks = (
        Risk("r1", 1.0, (Impact("x", delay=D([5, 10, 30])),)),
        Risk("r2", 1.0, (Impact("y", delay=D({"dist": "uniform", "min": 1, "max": 4})),)),
    )
    corr = (Correlation(risks=("r1", "r2"), coefficient=0.7),)
    sc = rk.Scenario(
        "r", sc.tasks, sc.milestones, simulation=sc.simulation, risks=risks, correlations=corr
    )
    r = rk.simulate(sc, iterations=10_000, seed=2)
    assert abs(spearman(r, "x", "y") - 0.7) < 0.03
    # the copula keeps each risk's own delay distribution
    assert abs(np.mean(r.finishes["y"] <= 2.5) - 0.5) < 3 * np.sqrt(0.25 / 10_000)
    # chunking still does not matter
    net = rk.compile_network(sc)
    assert np.array_equal(run_kernel(net, 999, 2, chunk=100).out, run_kernel(net, 999, 2).out)


@pytest.mark.parametrize(
    "text,message",
    [
        ("- {risks: [r1, zz], coefficient: 0.5}", "unknown risk 'zz'"),
        ("- {risks: [r1, r2], matrix: [[1, 0.5], [0.5, 1]]}", "one 'coefficient'"),
        ("- {risks: [r1, r2], tasks: [a, b], coefficient: 0.5}", "either 'tasks' or 'risks'"),
    ],
)
def test_bad_risk_correlations(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    body = YAML.replace("- {tasks: [a, b, c], coefficient: 0.6}", text)
    body += (
        "risks:\n"
        "  - {id: r1, probability: 0.5, impacts: [{task: a, delay: 3}]}\n"
        "  - {id: r2, probability: 0.5, impacts: [{task: b, delay: 2}]}\n"
    )
    path.write_text(body)
    with pytest.raises(ScenarioError, match=message):
        rk.load_scenario(path)


def test_repair_work_is_bounded_and_still_gives_a_correlation_matrix(monkeypatch):
    from riskengine.engine import correlation

    rng = np.random.default_rng(5)
    a = rng.uniform(-1, 1, (120, 120))
    a = (a + a.T) / 2
    np.fill_diagonal(a, 1.0)
    calls = []
    real = np.linalg.eigh
    monkeypatch.setattr(np.linalg, "eigh", lambda m: calls.append(1) or real(m))
    monkeypatch.setattr(correlation, "REPAIR_WORK", 20 * 120**3)
    c = correlation.nearest_correlation(a)
    assert len(calls) == 20  # stopped by the work bound, not converged
    assert np.allclose(np.diag(c), 1.0) and np.allclose(c, c.T)
    assert np.linalg.eigvalsh(c).min() > -1e-9
    assert np.abs(c).max() <= 1.0 + 1e-12
