"""A run holds its per-iteration finishes once (issue 11, "Big real schedules"): Results read
the kernel's one matrix of finishes in place, and summarise it a block of columns at a time
with the same numbers as numpy on each column alone."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tracemalloc

import numpy as np
import pytest

import riskengine as rk
from helpers import scenario, task
from riskengine.analysis import results as results_module
from riskengine.analysis.results import date_ranks
from riskengine.model.scenario import Calendar, Milestone

STANDARD = Calendar("standard", holidays=(dt.date(2027, 1, 15), dt.date(2027, 3, 1)))
SITE = Calendar("site", workdays=(0, 1, 2, 3, 4, 5))  # the union has Saturdays: conversions


def wide_network(n_tasks: int = 240, n_milestones: int = 120):
    """Chains of ten tasks, half on a six-day site calendar (so the project calendar's
    working days differ from the union days and every finish is converted), and a
    milestone after every other task, the first and the last with a target."""
    tasks = []
    for i in range(n_tasks):
        preds = [f"T{i - 1}"] if i % 10 else []
        t = task(f"T{i}", [2 + i % 3, 4 + i % 5, 9 + i % 7], preds)
        tasks.append(dataclasses.replace(t, calendar="site" if i % 2 else "standard"))
    step = n_tasks // n_milestones
    milestones = [
        Milestone(id=f"M{m}", after=(f"T{m * step + step - 1}",)) for m in range(n_milestones)
    ]
    for m in (0, n_milestones - 1):
        milestones[m] = dataclasses.replace(milestones[m], target=30.0)
    sc = scenario(tasks, milestones, start=dt.date(2027, 1, 4))
    return dataclasses.replace(sc, calendars=(STANDARD, SITE), calendar="standard")


def test_a_run_holds_one_matrix_of_finishes():
    """Peak traced memory of ``simulate()`` below 1.5 matrices of finishes plus 8 MiB.

    The finishes are float64[iterations, outputs]: 30,000 × 121 × 8 bytes = 29 MB, and a
    run must keep them (``Results.finishes``). Besides them it holds only what does not
    grow with iterations × outputs: the criticality counters (threads × outputs × tasks,
    0.5 MB here), the sensitivity's ranks and its chunk's copies (two outputs × iterations,
    about 4 MB), the finish-day counts (under 1 MB), and the summaries' 1 MiB block of
    columns with its numpy temporaries (about 6 MB), never all at once: 8 MiB covers them.
    Half a matrix more is margin; a second full copy (the project-day conversion of every
    finish, as before issue 11) or per-task × per-milestone Python dicts break the bound.
    """
    sc = wide_network()
    rk.simulate(sc, iterations=200)  # kernels compiled, modules loaded: not the run's memory
    n = 30_000
    tracemalloc.start()
    try:
        r = rk.simulate(sc, iterations=n, drivers=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    matrix = n * (len(sc.milestones) + 1) * 8
    assert len(r.finishes) == len(sc.milestones) and r.project_finish.size == n
    assert peak < 1.5 * matrix + 8 * 2**20, f"peak {peak / 2**20:.0f} MiB"


@pytest.fixture(scope="module")
def run():
    return rk.simulate(wide_network(), iterations=3001, seed=4, drivers=False)


def test_summaries_are_numpy_on_each_milestone_alone(run, monkeypatch):
    """Every output's statistics equal numpy's on its own finishes, bit for bit, also when
    the outputs take several blocks (a small block size here: 16 blocks)."""
    monkeypatch.setattr(results_module, "_BLOCK_BYTES", 8 * 3001 * 8)
    r = rk.simulate(wide_network(), iterations=3001, seed=4, drivers=False)
    tl = r.timeline
    for oid, s in [*r.milestones.items(), ("project", r.project)]:
        x = r.project_finish if oid == "project" else r.finishes[oid]
        assert s.mean == np.mean(x) and s.sd == np.std(x, ddof=1)
        pct = np.percentile(x, r.percentiles)
        assert s.percentiles == {
            f"P{p:g}": float(v) for p, v in zip(r.percentiles, pct, strict=True)
        }
        t = np.sort(r.times[oid])[date_ranks(r.percentiles, x.size) - 1]
        assert list(s.dates.values()) == tl.iso(tl.finish_dates(t))
        if s.target is not None:
            limit = tl.from_project_days(s.target)
            assert s.p_target == np.mean(r.times[oid] <= limit + 1e-9)
    assert r.milestones == run.milestones and r.project == run.project


def test_finishes_and_times_are_columns_of_one_matrix(run):
    tl = run.timeline
    assert list(run.finishes) == [f"M{m}" for m in range(120)]
    assert list(run.times) == [*run.finishes, "project"]
    base = run.times["M0"].base
    assert base is not None and all(run.times[k].base is base for k in run.times)
    for m in ("M0", "M77"):
        assert np.array_equal(run.finishes[m], tl.to_project_days(run.times[m]))
    assert np.array_equal(run.project_finish, tl.to_project_days(run.times["project"]))
    assert "project" not in run.finishes and len(run.finishes) == 120
    with pytest.raises(KeyError):
        run.finishes["nope"]
    copied = dict(run.finishes)
    assert copied.keys() == run.finishes.keys()
    frame = run.to_frame("iterations")
    assert frame.shape == (3001, 121) and np.array_equal(frame["M5"], run.finishes["M5"])


def test_milestone_criticality_reads_as_a_dict_of_floats(run):
    crit = run.milestone_criticality
    assert list(crit) == [f"M{m}" for m in range(120)]
    shares = crit["M3"]
    as_dict = dict(shares)
    assert list(as_dict) == [f"T{i}" for i in range(240)]  # file order
    assert all(type(v) is float for v in as_dict.values())
    assert shares == as_dict and repr(shares) == repr(as_dict)
    # M3 waits on T7: only T0 … T7, its chain up to it, can delay it
    assert as_dict["T7"] > 0 and as_dict["T8"] == as_dict["T100"] == 0.0
    with pytest.raises(KeyError):
        shares["nope"]
    entry = run.to_dict(detail=True)["tasks"]["T5"]["milestone_criticality"]
    assert entry == {m: crit[m]["T5"] for m in crit}
