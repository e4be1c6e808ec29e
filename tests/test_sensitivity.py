"""Task sensitivity as a matrix product: the same numbers as before (and as a direct
computation), bit-identical across threads and chunks; which outputs it covers; the JSON
it writes and the command-line options that choose them."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

import riskengine as rk
from helpers import scenario, task
from riskengine import cli
from riskengine.analysis.sensitivity import (
    average_ranks,
    lane_iterations,
    sensitivity_tiles,
    task_sensitivity,
)
from riskengine.engine import simulation as engine
from riskengine.engine.compile import duration_to_draw
from riskengine.engine.runner import run_kernel
from riskengine.kernels.sampling import DISCRETE, FIXED
from riskengine.kernels.sensitivity import BLOCK, TILE
from riskengine.model.draws import DURATION_DRAW
from riskengine.model.scenario import Correlation, Milestone
from test_network import random_network

HERE = Path(__file__).parent
PLANT = HERE.parent / "scenarios" / "plant_upgrade.yaml"
BEFORE = json.loads((HERE / "sensitivity_before.json").read_text())

TRI = {"dist": "triangular", "min": 2, "mode": 4, "max": 9}


def small(targets: dict[str, float] | None = None) -> rk.Scenario:
    """a -> b -> c with milestones early (a), mid (b), late (c); targets where given."""
    targets = targets or {}
    sc = scenario(
        [task("a", TRI), task("b", TRI, ["a"]), task("c", TRI, ["b"])],
        [("early", ["a"]), ("mid", ["b"]), ("late", ["c"])],
        iterations=500,
    )
    ms = tuple(dataclasses.replace(m, target=targets.get(m.id)) for m in sc.milestones)
    return dataclasses.replace(sc, milestones=ms)


def runs() -> dict[str, rk.Results]:
    """The runs whose sensitivity was recorded before issue 11 (sensitivity_before.json)."""
    plant = rk.load_scenario(PLANT)
    return {
        "plant": rk.simulate(plant, 3001, 7, drivers=False, sensitivity="all"),
        "plant_lhs": rk.simulate(plant, 2000, 3, drivers=False, sampling="lhs", sensitivity="all"),
        "random40": rk.simulate(
            random_network(np.random.default_rng(4), 40), 5003, 5, sensitivity="all"
        ),
    }


# ------------------------------------------------------------------------ the numbers


def test_the_matrix_product_gives_the_numbers_of_the_per_pair_kernel():
    # the same runs as recorded before the change: only the order of the sums differs,
    # so the values agree to ~1e-12 (calendars, correlations, discrete, PERT, LHS)
    checked = 0
    for name, r in runs().items():
        for tid, (sd, rho, cru, ssi) in BEFORE[name].items():
            s = r.sensitivity[tid]
            assert s.sd == pytest.approx(sd, rel=1e-12, abs=1e-12)
            for got, want in ((s.spearman, rho), (s.cruciality, cru), (s.ssi, ssi)):
                assert got.keys() == want.keys()
                for oid, v in want.items():
                    assert got[oid] == pytest.approx(v, rel=1e-9, abs=1e-11), (name, tid, oid)
                    checked += v != 0
    assert checked > 1000


def direct(net, sc: rk.Scenario, seed: int, n: int, lhs_n: int, finishes, crit):
    """The definitions, computed from every task's regenerated draws with plain numpy."""
    sampler = engine.DrawSampler(net, seed, n, lhs_n)
    tasks = {t.id: t for t in sc.tasks}
    out = {}
    for k, tid in enumerate(net.task_ids):
        dist = duration_to_draw(tasks[tid], int(net.task_mode[k]))
        u = sampler.draws("task", tid, DURATION_DRAW, None)
        d = sampler.draws("task", tid, DURATION_DRAW, dist)
        if net.code[k] == FIXED:
            out[tid] = (0.0, {o: 0.0 for o in finishes}, {o: 0.0 for o in finishes})
            continue
        if net.code[k] == DISCRETE:  # a discrete value's population mid-rank
            off, m = int(net.par[k, 0]), int(net.par[k, 1])
            cum = np.append(net.tables[off : off + m - 1], 1.0)
            j = np.searchsorted(cum, u, side="left")
            u = 0.5 * (np.append(0.0, cum)[j] + cum[j])
        rho, cru = {}, {}
        for oid, f in finishes.items():
            r = average_ranks(f)
            rho[oid] = np.mean((u - u.mean()) * (r - r.mean())) / (u.std() * r.std())
            cru[oid] = np.mean((d - d.mean()) * (f - f.mean())) / (d.std() * f.std())
        out[tid] = (d.std(), rho, cru)
    return out


@pytest.mark.parametrize("sampling", ["monte-carlo", "lhs"])
def test_sensitivity_is_its_definition_computed_directly(sampling):
    sc = rk.load_scenario(PLANT)
    n, seed = 2500, 11
    r = rk.simulate(sc, n, seed, drivers=False, sampling=sampling, sensitivity="all")
    net = rk.compile_network(sc)
    finishes = {**r.finishes, "project": r.project_finish}
    want = direct(net, sc, seed, n, n if sampling == "lhs" else 0, finishes, None)
    crit = {**r.milestone_criticality, "project": r.criticality}
    for tid, (sd, rho, cru) in want.items():
        s = r.sensitivity[tid]
        assert s.sd == pytest.approx(sd, rel=1e-9, abs=1e-12)
        for oid in finishes:
            assert s.spearman[oid] == pytest.approx(rho[oid], abs=1e-9), (tid, oid)
            assert s.cruciality[oid] == pytest.approx(cru[oid], abs=1e-9), (tid, oid)
            ssi = crit[oid][tid] * sd / finishes[oid].std()
            assert s.ssi[oid] == pytest.approx(ssi, rel=1e-9, abs=1e-12)


def test_rank_correlation_agrees_with_scipy_spearmanr():
    # the duration's population rank (its uniform) against its rank in the sample:
    # the two rank correlations agree within sampling error, 1 / sqrt(n) in scale
    n = 20_000
    sc = scenario(
        [
            task("x", {"dist": "lognormal", "mean": 5, "sd": 2}),
            task("y", {"dist": "triangular", "min": 1, "mode": 2, "max": 9}),
            task("z", {"dist": "uniform", "min": 0, "max": 3}, ["x", "y"]),
        ],
        [("s", ["z"])],
    )
    r = rk.simulate(sc, n, 4, sensitivity=["s"])
    net = rk.compile_network(sc)
    sampler = engine.DrawSampler(net, 4, n, 0)
    for t in sc.tasks:
        d = sampler.draws("task", t.id, DURATION_DRAW, t.duration)
        want = stats.spearmanr(d, r.finishes["s"])[0]
        assert abs(r.sensitivity[t.id].spearman["s"] - want) < 3 / np.sqrt(n)
        assert r.sensitivity[t.id].cruciality["s"] == pytest.approx(
            np.corrcoef(d, r.finishes["s"])[0, 1], abs=1e-9
        )


def _sums(r: rk.Results) -> bytes:
    """Every sensitivity number of a run, as bytes: equal means bit for bit."""
    rows = [
        [s.sd, *s.spearman.values(), *s.cruciality.values(), *s.ssi.values()]
        for s in r.sensitivity.values()
    ]
    return np.array(rows).tobytes()


def test_the_same_bits_whatever_the_chunks_and_the_outputs_per_pass():
    sc = rk.load_scenario(PLANT)
    n = 3001
    net = rk.compile_network(sc)
    k = run_kernel(net, n, 9)
    days = net.timeline.to_project_days(k.out)
    ids = [*net.milestone_ids, "project"]
    finishes = {oid: days[:, i] for i, oid in enumerate(ids)}
    crit = {oid: k.critical[i] / n for i, oid in enumerate(ids)}
    ref = task_sensitivity(net, 9, finishes, crit)
    for chunk, per_pass in ((BLOCK, 1), (5 * BLOCK, 2), (47 * BLOCK, 3), (64 * BLOCK, None)):
        got = task_sensitivity(net, 9, finishes, crit, chunk=chunk, per_pass=per_pass)
        assert got == ref, (chunk, per_pass)
    # one output alone: the same bits as among the others
    alone = task_sensitivity(net, 9, {"m_startup": finishes["m_startup"]}, crit)
    for tid, s in alone.items():
        assert s.spearman["m_startup"] == ref[tid].spearman["m_startup"]
        assert s.cruciality["m_startup"] == ref[tid].cruciality["m_startup"]
    with pytest.raises(ValueError, match="multiple of"):
        task_sensitivity(net, 9, finishes, crit, chunk=BLOCK + 4)


_THREADS = """\
import hashlib, sys
import numpy as np
import riskengine as rk
sys.path.insert(0, {tests!r})
from test_network import random_network
sc = rk.load_scenario({plant!r})
r = rk.simulate(sc, 3001, 5, drivers=False, sensitivity="all")
q = rk.simulate(random_network(np.random.default_rng(8), 90), 2000, 3, sensitivity="all")
rows = [[s.sd, *s.spearman.values(), *s.cruciality.values(), *s.ssi.values()]
        for x in (r, q) for s in x.sensitivity.values()]
print(hashlib.sha256(np.concatenate(rows).tobytes()).hexdigest())
"""


def test_the_same_bits_whatever_the_thread_count():
    code = _THREADS.format(tests=str(HERE), plant=str(PLANT))
    digests = set()
    for threads in (1, 2, 3):
        env = {**os.environ, "NUMBA_NUM_THREADS": str(threads)}
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_lane_order_is_the_kernels():
    from riskengine.kernels.rng import lane_iteration

    quads = BLOCK // 4
    its = lane_iterations(2 * BLOCK, 3 * BLOCK - 5)
    assert its.size == 3 * BLOCK
    for j, i in enumerate(its):
        want = lane_iteration(2 * BLOCK + (j // BLOCK) * BLOCK, quads, j % BLOCK)
        assert i == (want if want < 5 * BLOCK - 5 else -1)
    valid = its[its >= 0]
    assert np.array_equal(np.sort(valid), np.arange(2 * BLOCK, 5 * BLOCK - 5))


def test_tiles_hold_every_uncertain_task_once_and_each_group_whole():
    alone = (0, 1, 5, 6, 45, 90)  # the correlated tasks start the project: no predecessor
    tasks = [
        task(f"t{i}", TRI if i % 7 else 3, [] if i in alone else [f"t{i - 1}"]) for i in range(100)
    ]
    pairs = (
        Correlation(("t1", "t90"), coefficient=0.5),
        Correlation(("t90", "t45"), coefficient=0.3),
        Correlation(("t5", "t6"), coefficient=0.6),
    )
    sc = dataclasses.replace(scenario(tasks, [("m", ["t99"])]), correlations=pairs)
    net = rk.compile_network(sc)
    ptr, order, gptr, groups = sensitivity_tiles(net)
    uncertain = np.flatnonzero(net.code != FIXED)
    assert sorted(order.tolist()) == uncertain.tolist()
    for c in range(ptr.size - 1):
        members = order[ptr[c] : ptr[c + 1]]
        assert members.size <= TILE or gptr[c + 1] > gptr[c]
        for g in groups[gptr[c] : gptr[c + 1]]:  # the whole group is in this tile
            assert set(np.flatnonzero(net.corr_group == g)) <= set(members.tolist())
        for t in members:
            g = net.corr_group[t]
            assert g < 0 or g in groups[gptr[c] : gptr[c + 1]]
    assert groups.size == len(set(net.corr_group[net.corr_group >= 0].tolist())) == 2
    # and the correlated draws are those of the simulation: each task its own milestone
    ms = tuple(Milestone(t.id, (t.id,)) for t in sc.tasks if t.id in ("t1", "t45", "t90"))
    r = rk.simulate(dataclasses.replace(sc, milestones=ms), 2000, 2, sensitivity="all")
    for tid in ("t1", "t45", "t90"):
        assert r.sensitivity[tid].cruciality[tid] == pytest.approx(1.0, abs=1e-12)


# ------------------------------------------------------------------------ the outputs


def test_by_default_the_project_and_each_milestone_with_a_target():
    sc = small({"mid": 9.0})
    r = rk.simulate(sc, 400, 1)
    assert set(r.sensitivity["a"].spearman) == {"mid", "project"}
    assert engine.sensitivity_outputs(sc) == ("mid", "project")
    # a date target counts too
    dated = dataclasses.replace(small(), start=rk.Scenario("x", ()).start)
    assert engine.sensitivity_outputs(dated) == ("project",)
    import datetime as dt

    ms = tuple(
        dataclasses.replace(m, target_date=dt.date(2027, 2, 1)) if m.id == "early" else m
        for m in small().milestones
    )
    with_date = dataclasses.replace(small(), milestones=ms, start=dt.date(2027, 1, 4))
    assert engine.sensitivity_outputs(with_date) == ("early", "project")
    # criticality stays per task for every milestone
    assert set(r.milestone_criticality) == {"early", "mid", "late"}


def test_all_none_and_a_list_of_milestones():
    sc = small({"mid": 9.0})
    r = rk.simulate(sc, 400, 1, sensitivity="all")
    assert list(r.sensitivity["a"].ssi) == ["early", "mid", "late", "project"]
    for off in (False, "none", []):
        r = rk.simulate(sc, 400, 1, sensitivity=off)
        assert r.sensitivity is None
        assert set(r.milestone_criticality) == {"early", "mid", "late"}
    r = rk.simulate(sc, 400, 1, sensitivity=("late", "early"))  # file order, no project
    assert list(r.sensitivity["b"].cruciality) == ["early", "late"]
    r = rk.simulate(sc, 400, 1, sensitivity=["project"])
    assert list(r.sensitivity["b"].spearman) == ["project"]


def test_the_selection_does_not_change_a_number():
    sc = small({"mid": 9.0})
    every = rk.simulate(sc, 999, 4, sensitivity="all").sensitivity
    some = rk.simulate(sc, 999, 4, sensitivity=["late"]).sensitivity
    for tid, s in some.items():
        assert s.sd == every[tid].sd
        assert s.spearman["late"] == every[tid].spearman["late"]
        assert s.cruciality["late"] == every[tid].cruciality["late"]
        assert s.ssi["late"] == every[tid].ssi["late"]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (["mid", "lat"], ["unknown milestone 'lat'", "did you mean 'late'"]),
        ("late", ['"all", "none" or a list of milestone ids', "'late'"]),
        (3, ["got 3"]),
        ([1], ["unknown milestone 1"]),
    ],
)
def test_an_unknown_milestone_or_a_bad_value_is_a_scenario_error(value, words):
    with pytest.raises(rk.ScenarioError) as e:
        rk.simulate(small(), 100, 1, sensitivity=value)
    assert e.value.field == "sensitivity"
    for w in words:
        assert w in e.value.message


def test_the_register_computes_its_tornado_milestone_only(tmp_path):
    import test_risks

    text = test_risks.SCENARIO.replace(
        "milestones:\n", "milestones:\n  - {id: built, after: [build]}\n"
    )
    path = tmp_path / "risky.yaml"
    path.write_text(text)
    sc = rk.load_scenario(path)
    reg = rk.risk_register(sc, 500, 1, "built")  # a milestone without a target
    assert set(reg.pre.sensitivity["design"].spearman) == {"built"}
    assert len(reg.tornado) == len(sc.tasks) and reg.tornado["spearman"].abs().max() > 0.1


def test_the_memory_estimate_follows_the_selection():
    sc = small({"mid": 9.0})
    net = rk.compile_network(sc)
    off = engine.memory_needed(net, 10_000, sensitivity=False)
    default = engine.memory_needed(net, 10_000)
    every = engine.memory_needed(net, 10_000, sensitivity="all")
    assert off < default < every
    assert every - default == 10_000 * 8 * 2  # two more outputs ranked


# ------------------------------------------------------------------------ the JSON


def test_json_tables_cover_the_chosen_milestones_unless_asked_for_all():
    sc = small({"mid": 9.0})
    r = rk.simulate(sc, 300, 1)
    doc = r.to_dict()
    assert doc["task_milestones"] == ["mid"]
    entry = doc["tasks"]["b"]
    assert set(entry["milestone_criticality"]) == {"mid"}
    assert set(entry["sensitivity"]) == set(entry["ssi"]) == {"mid", "project"}
    full = r.to_dict(detail=True)
    assert full["task_milestones"] == ["early", "mid", "late"]
    assert set(full["tasks"]["b"]["milestone_criticality"]) == {"early", "mid", "late"}
    assert full["tasks"]["b"]["sensitivity"] == entry["sensitivity"]
    # the tables follow the chosen milestones; with sensitivity off, those with a target
    doc = rk.simulate(sc, 300, 1, sensitivity=["late"]).to_dict()
    assert doc["task_milestones"] == ["late"]
    doc = rk.simulate(sc, 300, 1, sensitivity="none").to_dict()
    assert doc["task_milestones"] == ["mid"] and "sensitivity" not in doc["tasks"]["b"]
    doc = rk.simulate(sc, 300, 1, criticality=False).to_dict()
    assert "task_milestones" not in doc


def test_portfolio_json_passes_the_detail_on(tmp_path):
    import test_portfolio

    portfolio = rk.load_portfolio(test_portfolio.write_portfolio(tmp_path))
    res = rk.simulate_portfolio(portfolio, 200, drivers=False)
    short, full = res.to_dict(), res.to_dict(detail=True)
    assert len(full["task_milestones"]) > len(short["task_milestones"])
    assert list(full)[-2:] == ["task_milestones", "tasks"]


# ------------------------------------------------------------------------ the command


SCENARIO = """\
name: three milestones
tasks:
  - {id: a, duration: [2, 4, 9]}
  - {id: b, duration: [2, 4, 9], predecessors: [a]}
  - {id: c, duration: [2, 4, 9], predecessors: [b]}
milestones:
  - {id: early, after: [a]}
  - {id: mid, after: [b], target: 9}
  - {id: late, after: [c]}
simulation: {iterations: 300, seed: 2}
"""


def run_cli(tmp_path: Path, *args: str):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    out = tmp_path / "o.json"
    result = CliRunner().invoke(cli.main, ["run", str(path), "-q", *args])
    doc = json.loads(out.read_text()) if out.exists() and result.exit_code == 0 else None
    out.unlink(missing_ok=True)
    return result, doc


@pytest.mark.parametrize(
    ("args", "outputs", "tables"),
    [
        ((), ["mid", "project"], ["mid"]),
        (("--sensitivity", "all"), ["early", "mid", "late", "project"], None),
        (("--sensitivity", " late , project"), ["late", "project"], ["late"]),
        (("--sensitivity", "none"), None, ["mid"]),
        (("--no-sensitivity",), None, ["mid"]),
        (("--no-sensitivity", "--sensitivity", "none"), None, ["mid"]),
        (("--json-detail",), ["mid", "project"], ["early", "mid", "late"]),
    ],
)
def test_run_sensitivity_and_json_detail_options(tmp_path, args, outputs, tables):
    result, doc = run_cli(tmp_path, "--json", str(tmp_path / "o.json"), *args)
    assert result.exit_code == 0, result.output
    entry = doc["tasks"]["b"]
    if outputs is None:
        assert "sensitivity" not in entry
    else:
        assert list(entry["sensitivity"]) == outputs
    assert doc["task_milestones"] == (tables or ["early", "mid", "late"])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--sensitivity", "mid,nope"), "sensitivity: unknown milestone 'nope'"),
        (("--sensitivity", "mid,,late"), "an empty milestone id"),
        (("--no-sensitivity", "--sensitivity", "all"), "ask for different things"),
        (("--json-detail",), "--json-detail needs --json"),
    ],
)
def test_run_option_mistakes_are_one_error_line(tmp_path, args, words):
    result, _ = run_cli(tmp_path, *args)
    assert result.exit_code == 2
    first = result.output.splitlines()[0]
    assert first.startswith("error: ") and words in first
