"""Risk events, mitigation and task existence inside the simulation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import naive
import riskengine as rk
from helpers import scenario, task
from riskengine.cli import main
from riskengine.engine.compile import stream_of
from riskengine.engine.simulation import _simulate
from riskengine.errors import ScenarioError
from riskengine.model.scenario import Impact, Link, Mitigation, Risk
from riskengine.model.validate import topological_order
from test_network import random_network

D = rk.parse_distribution


def risk(rid, p, impacts, mitigation=None):
    return Risk(id=rid, probability=p, impacts=tuple(impacts), mitigation=mitigation)


def with_risks(sc, risks, existence=None):
    tasks = sc.tasks
    if existence:
        tasks = tuple(
            rk.Task(t.id, t.duration, t.name, t.predecessors, existence.get(t.id, 1.0))
            for t in tasks
        )
    return rk.Scenario(
        name=sc.name,
        tasks=tasks,
        milestones=sc.milestones,
        simulation=sc.simulation,
        risks=tuple(risks),
    )


def random_risks(rng, sc, k=4):
    ids = [t.id for t in sc.tasks]
    out = []
    for r in range(k):
        impacts = []
        for tid in rng.choice(ids, size=min(len(ids), rng.integers(1, 4)), replace=False):
            kind = rng.integers(3)
            delay = D({"dist": "triangular", "min": -2, "mode": 1, "max": 6}, signed=True)
            pct = D({"dist": "uniform", "min": 5, "max": 40})
            impacts.append(
                Impact(
                    task=str(tid),
                    delay=delay if kind != 1 else None,
                    delay_pct=pct if kind != 0 else None,
                )
            )
        mitigation = Mitigation(probability=float(rng.uniform(0, 0.5)))
        out.append(risk(f"r{r}", float(rng.uniform(0.1, 0.9)), impacts, mitigation))
    return out


@pytest.mark.parametrize("case", range(30))
@pytest.mark.parametrize("mitigated", [False, True])
def test_kernel_matches_naive_with_risks_and_existence(case, mitigated):
    rng = np.random.default_rng(500 + case)
    base = random_network(rng, int(rng.integers(2, 20)))
    existence = {t.id: 0.6 for t in base.tasks[::3]}
    sc = with_risks(base, random_risks(rng, base), existence)
    seed, n = int(rng.integers(0, 2**63)), 29
    r = _simulate(sc, iterations=n, seed=seed, block=8, mitigated=mitigated)
    order = [sc.tasks[i] for i in topological_order(sc)]
    tasks = [(t.id, [(lk.task, lk.type, lk.lag) for lk in t.predecessors]) for t in order]
    ms = [(m.id, m.after) for m in sc.milestones]
    counts = dict.fromkeys((t.id for t in sc.tasks), 0)
    by_ms = {m: dict.fromkeys(counts, 0) for m, _ in ms}
    occurred = dict.fromkeys((k.id for k in sc.risks), 0)
    for it in range(n):
        dur, exists = naive.durations(sc, seed, it, mitigated=mitigated)
        es, ef, m_fin, finish, critical = naive.cpm(tasks, dur, ms)
        for m, crit in naive.milestone_critical(tasks, es, ef, ms, m_fin).items():
            for tid in crit:
                by_ms[m][tid] += exists[tid]
        assert r.finishes["m0"][it] == pytest.approx(m_fin["m0"], abs=1e-9)
        assert r.finishes["m1"][it] == pytest.approx(m_fin["m1"], abs=1e-9)
        assert r.project_finish[it] == pytest.approx(finish, abs=1e-9)
        for tid in critical:
            counts[tid] += exists[tid]
        for k in sc.risks:
            p, _ = k.state(mitigated)
            occurred[k.id] += naive.uniform(seed, stream_of("risk", k.id), it, 0) < p
    assert {t: round(c * n) for t, c in r.criticality.items()} == counts
    for m, crit in r.milestone_criticality.items():
        assert {t: round(c * n) for t, c in crit.items()} == by_ms[m], m
    assert {k: round(c * n) for k, c in r.risk_occurrence.items()} == occurred


def one_task_one_risk(p=0.3, delay=None, duration=10, **kw):
    delay = delay or {"dist": "uniform", "min": 5, "max": 15}
    sc = scenario([task("a", duration)], [("m", ["a"])])
    return with_risks(sc, [risk("r", p, [Impact("a", delay=D(delay, signed=True), **kw)])])


def test_one_task_one_risk_matches_the_exact_mixture():
    # finish = 10 with probability 0.7, else 10 + U(5, 15): F(x) = 0.7 + 0.3 (x - 15) / 10
    n = 40_000
    r = rk.simulate(one_task_one_risk(), iterations=n, seed=3)
    x = r.finishes["m"]
    assert np.quantile(x, 0.5) == 10.0
    for q in (0.75, 0.8, 0.9, 0.95):
        exact = 15 + (q - 0.7) / 0.3 * 10
        se = np.sqrt(q * (1 - q) / n) / (0.3 / 10)
        assert abs(np.quantile(x, q) - exact) < 3 * se
    occ = r.risk_occurrence["r"]
    assert abs(occ - 0.3) < 3 * np.sqrt(0.3 * 0.7 / n)
    assert abs(np.mean(x > 10) - occ) < 1e-12  # every occurrence delays


def test_uncertain_task_with_risk_matches_numerical_mixture():
    from scipy import stats

    n, dx = 40_000, 1e-3
    grid = np.arange(0, 40, dx)
    base = stats.triang(0.25, 8, 8).pdf(grid) * dx  # triangular(8, 10, 16)
    delay = stats.uniform(5, 10).pdf(grid) * dx
    cdf = np.cumsum(0.6 * base + 0.4 * np.convolve(base, delay)[: grid.size])
    sc = scenario(
        [task("a", {"dist": "triangular", "min": 8, "mode": 10, "max": 16})], [("m", ["a"])]
    )
    sc = with_risks(
        sc, [risk("r", 0.4, [Impact("a", delay=D({"dist": "uniform", "min": 5, "max": 15}))])]
    )
    x = rk.simulate(sc, iterations=n, seed=8).finishes["m"]
    for q in (0.1, 0.3, 0.5, 0.7, 0.9):
        exact = np.interp(q, cdf, grid + dx)
        density = np.interp(exact, grid, np.gradient(cdf, dx))
        assert abs(np.quantile(x, q) - exact) < 3 * np.sqrt(q * (1 - q) / n) / density + dx


def test_delay_pct_scales_the_sampled_duration():
    sc = one_task_one_risk(p=1.0, delay={"dist": "fixed", "value": 0}, delay_pct=D(20))
    assert np.all(rk.simulate(sc, iterations=50).finishes["m"] == 12.0)


def test_opportunities_shorten_but_never_below_zero():
    sc = one_task_one_risk(p=1.0, delay={"dist": "fixed", "value": -25})
    assert np.all(rk.simulate(sc, iterations=20).finishes["m"] == 0.0)


def fs_ff_network(rng, n=25):
    # a chain (so every task leads to the end) plus random FS/FF links with lags
    tasks = [task("t0", {"dist": "triangular", "min": 1, "mode": 3, "max": 9})]
    for i in range(1, n):
        preds = [Link(f"t{i - 1}")]
        for p in sorted(set(rng.integers(0, i, size=rng.integers(0, 3)).tolist()) - {i - 1}):
            preds.append(Link(f"t{p}", str(rng.choice(["FS", "FF"])), float(rng.integers(-2, 4))))
        tasks.append(task(f"t{i}", {"dist": "triangular", "min": 1, "mode": 3, "max": 9}, preds))
    return scenario(tasks, [("end", [f"t{n - 1}"]), ("mid", [f"t{n // 2}"])])


@pytest.mark.parametrize("seed", range(5))
def test_common_random_numbers_removing_threats_and_opportunities(seed):
    # With FS/FF links finishes never decrease as durations grow (SS/SF links can, a
    # known CPM anomaly), so removing a threat never makes a milestone later and
    # removing an opportunity never makes one earlier, iteration by iteration.
    rng = np.random.default_rng(seed)
    base = fs_ff_network(rng)
    threat = risk(
        "threat", 0.5, [Impact("t3", delay=D([2, 5, 12])), Impact("t20", delay_pct=D(30))]
    )
    opportunity = risk("opp", 0.5, [Impact("t7", delay=D([-6, -3, 0], signed=True))])
    both = with_risks(base, [threat, opportunity])
    no_threat = with_risks(base, [opportunity])
    no_opp = with_risks(base, [threat])
    runs = {
        k: rk.simulate(s, iterations=3000, seed=seed)
        for k, s in [("both", both), ("no_threat", no_threat), ("no_opp", no_opp)]
    }
    for m in ("end", "mid"):
        assert np.all(runs["no_threat"].finishes[m] <= runs["both"].finishes[m])
        assert np.all(runs["no_opp"].finishes[m] >= runs["both"].finishes[m])
    assert np.any(runs["no_threat"].finishes["end"] < runs["both"].finishes["end"])
    # removing a risk by compiling it out gives the same numbers as deleting it
    net = rk.compile_network(both, without=frozenset({"threat"}))
    from riskengine.engine.simulation import run_kernel

    out = run_kernel(net, 3000, seed).out
    assert np.array_equal(out[:, -1], runs["no_threat"].project_finish)


def test_mitigation_uses_the_same_draws():
    rng = np.random.default_rng(1)
    base = fs_ff_network(rng)
    r = risk(
        "r",
        0.6,
        [Impact("t5", delay=D([5, 10, 20])), Impact("t9", delay=D([1, 2, 3]))],
        Mitigation(cost=5000, probability=0.2, impacts=(Impact("t5", delay=D([2, 4, 8])),)),
    )
    sc = with_risks(base, [r])
    pre = rk.simulate(sc, iterations=5000, seed=4)
    post = rk.simulate(sc, iterations=5000, seed=4, mitigated=True)
    assert post.mitigated and not pre.mitigated
    assert np.all(post.project_finish <= pre.project_finish)
    assert post.risk_occurrence["r"] < pre.risk_occurrence["r"]
    assert abs(post.risk_occurrence["r"] - 0.2) < 3 * np.sqrt(0.2 * 0.8 / 5000)
    # iterations where the risk occurs after mitigation are a subset of those before it
    assert post.to_dict()["risks"]["r"]["occurrence"] == post.risk_occurrence["r"]


def test_task_existence():
    sc = scenario(
        [task("a", 4), task("maybe", 6, ["a"]), task("b", 2, ["maybe"])],
        [("end", ["b"])],
    )
    sc = with_risks(sc, [], existence={"maybe": 0.3})
    n = 20_000
    r = rk.simulate(sc, iterations=n, seed=2)
    x = r.finishes["end"]
    assert set(np.unique(x)) == {6.0, 12.0}  # without "maybe", b follows a directly
    assert abs(np.mean(x == 12.0) - 0.3) < 3 * np.sqrt(0.21 / n)
    assert r.criticality["maybe"] == np.mean(x == 12.0)  # critical only when it happens
    assert r.criticality["a"] == 1.0


SCENARIO = """\
name: risky
tasks:
  - {id: design, duration: [5, 8, 14]}
  - {id: build, duration: {dist: pert, min: 10, mode: 15, max: 30}, predecessors: [design]}
  - {id: rework, duration: 5, existence: 0.3, predecessors: [build]}
milestones:
  - {id: done, after: [rework], target: 30}
risks:
  - id: permit
    name: Building permit delayed
    owner: Legal
    category: external
    probability: 0.3
    impacts:
      - task: design
        delay: {dist: triangular, min: 5, mode: 10, max: 20}
        cost: {dist: uniform, min: 10000, max: 30000}
      - task: build
        delay_pct: {dist: uniform, min: 5, max: 15}
    mitigation:
      cost: 5000
      probability: 0.1
  - id: early-steel
    probability: 0.5
    impacts: [{task: build, delay: [-4, -2, 0]}]
"""


def test_risk_register_in_a_scenario_file(tmp_path):
    path = tmp_path / "risky.yaml"
    path.write_text(SCENARIO)
    sc = rk.load_scenario(path)
    permit = sc.risks[0]
    assert (permit.name, permit.owner, permit.category) == (
        "Building permit delayed",
        "Legal",
        "external",
    )
    assert (
        permit.impacts[0].cost.kind == "uniform" and permit.impacts[1].delay_pct.kind == "uniform"
    )
    assert permit.mitigation == Mitigation(cost=5000, probability=0.1)
    assert sc.risks[1].impacts[0].delay.params["min"] == -4
    assert sc.task("rework").existence == 0.3
    runner = CliRunner()
    for flags in ([], ["--mitigated"]):
        out = tmp_path / "out.json"
        res = runner.invoke(main, ["run", str(path), "-n", "4000", "--json", str(out), *flags])
        assert res.exit_code == 0, res.output
        doc = json.loads(out.read_text())
        assert set(doc["risks"]) == {"permit", "early-steel"}
        expected = 0.1 if flags else 0.3
        assert abs(doc["risks"]["permit"]["occurrence"] - expected) < 3 * np.sqrt(expected / 4000)
        assert doc["mitigated"] == bool(flags)


@pytest.mark.parametrize(
    "edit,message",
    [
        (
            ("probability: 0.3", "probability: 1.3"),
            "risks[permit].probability: a probability must be between 0 and 1",
        ),
        (("probability: 0.5", "probability: -0.5"), "must not be negative"),
        (
            ("- task: build\n        delay_pct", "- task: bild\n        delay_pct"),
            "risks[permit].impacts[1].task: unknown task 'bild'",
        ),
        (
            ("existence: 0.3", "existence: 2"),
            "tasks[rework].existence: a probability must be between 0 and 1",
        ),
        (
            (
                "      probability: 0.1",
                "      probability: 0.1\n      impacts: [{task: rework, delay: 1}]",
            ),
            "which the risk does not impact",
        ),
        (("    owner: Legal", "    owner: Legal\n    severity: high"), "unknown key 'severity'"),
        (
            ("delay: {dist: triangular, min: 5", "dely: {dist: triangular, min: 5"),
            "unknown key 'dely' (did you mean 'delay'?)",
        ),
    ],
)
def test_bad_risks_name_file_field_and_line(tmp_path, edit, message):
    path = tmp_path / "bad.yaml"
    assert edit[0] in SCENARIO
    path.write_text(SCENARIO.replace(edit[0], edit[1], 1))
    with pytest.raises(ScenarioError) as e:
        rk.load_scenario(path)
    assert message in str(e.value)
    assert str(e.value).startswith(f"{path}:")


def test_python_built_risks_are_checked():
    sc = with_risks(
        scenario([task("a", 1)], [("m", ["a"])]), [risk("r", 1.5, [Impact("a", delay=D(1))])]
    )
    with pytest.raises(ScenarioError, match="between 0 and 1"):
        rk.simulate(sc, iterations=4)
    sc = with_risks(scenario([task("a", 1)]), [risk("r", 0.5, [Impact("zz", delay=D(1))])])
    with pytest.raises(ScenarioError, match="unknown task 'zz'"):
        rk.simulate(sc, iterations=4)
