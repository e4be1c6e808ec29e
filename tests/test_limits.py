"""Runs that cannot be done right end in a clear error before anything goes wrong: past
the calendar's horizon, above the iteration cap, beyond the memory available."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import subprocess
import sys
from pathlib import Path

import pytest

import riskengine as rk
from helpers import scenario, task
from riskengine.engine import simulation as engine
from riskengine.model.scenario import Link, SimulationSettings

START = _dt.date(2027, 1, 4)


def _run(sc, **kw):
    kw.setdefault("sensitivity", False)
    return rk.simulate(sc, 50, **kw)


@pytest.mark.parametrize(
    "tasks, field, plan_fails",
    [
        (
            [task("a", 5), task("b", 3, [Link("a", "FS", 1e9)])],
            "tasks[b].predecessors[0].lag",
            True,
        ),
        ([task("a", 1e14)], "tasks[a].duration", True),
        # most likely 30,000 working days fits in 150 years; the tail does not
        ([task("a", {"dist": "uniform", "min": 1, "max": 60_000})], "tasks[a].duration", False),
    ],
)
def test_a_schedule_past_the_calendar_is_an_error_naming_the_culprit(tasks, field, plan_fails):
    sc = scenario(tasks, start=START)
    with pytest.raises(rk.ScenarioError) as e:
        _run(sc)
    assert e.value.field == field
    assert "runs past 2177-01-0" in e.value.message
    if plan_fails:  # what `validate` runs
        with pytest.raises(rk.ScenarioError):
            rk.deterministic_plan(sc)
    else:
        assert rk.deterministic_plan(sc).project_finish[0] == 30_000.5


@pytest.mark.parametrize("year", [1, 1899, 2201, 9999])
def test_a_start_in_an_unlikely_year_is_an_error(year):
    sc = scenario([task("a", 5)], start=_dt.date(year, 6, 1))
    with pytest.raises(rk.ScenarioError) as e:
        _run(sc)
    assert e.value.field == "start" and "outside the years 1900–2200" in e.value.message
    # the last start allowed still has its 150 years of calendar: dates up to 2350
    far = scenario([task("a", 5)], [("m", ["a"])], start=_dt.date(2200, 12, 1))
    assert _run(far).milestones["m"].dates["P50"] == "2200-12-05"


def test_undated_single_calendar_schedules_have_no_horizon():
    r = _run(scenario([task("a", 1e14)]))
    assert r.project_finish.max() == 1e14


def test_iterations_cap_names_the_scenario_field():
    sc = dataclasses.replace(
        scenario([task("a", 3)]),
        simulation=SimulationSettings(iterations=10**12),
        source="plan.yaml",
    )
    with pytest.raises(rk.ScenarioError) as e:
        rk.simulate(sc)
    assert (e.value.file, e.value.field) == ("plan.yaml", "simulation.iterations")
    assert "between 1 and 10,000,000" in e.value.message
    with pytest.raises(rk.ScenarioError) as e:
        rk.simulate(scenario([task("a", 3)]), iterations=10**7 + 1)
    assert e.value.field == "iterations"


def test_a_run_that_cannot_fit_in_memory_is_refused_before_it_starts(monkeypatch):
    sc = scenario([task("a", 3)], [("m", ["a"])])
    net = rk.compile_network(sc)
    need = engine.memory_needed(net, 1000)
    monkeypatch.setattr(engine, "_available_memory", lambda: int(need / 0.8) - 1)
    with pytest.raises(rk.ScenarioError) as e:
        rk.simulate(sc, 1000)
    assert e.value.field == "iterations" and "GB of memory" in e.value.message
    monkeypatch.setattr(engine, "_available_memory", lambda: int(need / 0.8) + 1)
    assert rk.simulate(sc, 1000).iterations == 1000


def test_the_memory_estimate_bounds_a_real_run():
    # in a fresh process: peak memory grown by a 2,000,000-iteration run <= the estimate
    # (VmHWM: this process's own peak; ru_maxrss would include the parent's before exec)
    code = (
        "import riskengine as rk\n"
        "from helpers import scenario, task\n"
        "from riskengine.engine.simulation import memory_needed\n"
        "def peak():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'):\n"
        "            return int(line.split()[1]) * 1024\n"
        "sc = scenario([task('a', [1, 2, 4]), task('b', [1, 2, 4], ['a'])], [('m', ['b'])])\n"
        "rk.simulate(sc, 10)\n"
        "before = peak()\n"
        "rk.simulate(sc, 2_000_000)\n"
        "print(peak() - before, memory_needed(rk.compile_network(sc), 2_000_000))\n"
    )
    here = Path(__file__).parent
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=here
    ).stdout.split()
    grew, estimate = int(out[0]), int(out[1])
    assert 0 < grew <= estimate
