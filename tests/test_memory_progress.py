"""Progress of the sensitivity pass, which follows the simulation in a default run (issue 11:
30-40 % of it on a big schedule), through the progress callback the simulation uses."""

from __future__ import annotations

import io

import numpy as np
from rich.console import Console

from helpers import scenario, task
from riskengine.analysis.sensitivity import task_sensitivity
from riskengine.engine.compile import compile_network
from riskengine.engine.simulation import _simulate
from riskengine.kernels.sensitivity import BLOCK
from riskengine.model.scenario import Milestone
from riskengine.report import terminal


def network(iterations: int = 1000):
    """A → B → C with uncertain durations; M1 (with a target) after B, M2 after C."""
    return scenario(
        [
            task("A", [1, 3, 8]),
            task("B", [2, 4, 9], ["A"]),
            task("C", [1, 5, 6], ["B"]),
        ],
        [Milestone(id="M1", after=("B",), target=8.0), Milestone(id="M2", after=("C",))],
        iterations=iterations,
    )


class Staged:
    """A progress callback with stages, recording what it hears."""

    def __init__(self) -> None:
        self.events: list[tuple] = []

    def __call__(self, done: int, total: int) -> None:
        self.events.append((done, total))

    def stage(self, name: str) -> None:
        self.events.append(("stage", name))


def test_a_staged_callback_hears_the_sensitivity_pass_after_the_simulation():
    rec = Staged()
    r = _simulate(network(), iterations=1000, chunk=256, progress=rec)
    stage = rec.events.index(("stage", "sensitivity"))
    assert rec.events[:stage] == [(256, 1000), (512, 1000), (768, 1000), (1000, 1000)]
    after = rec.events[stage + 1 :]
    assert after and after[-1] == (1000, 1000)  # one pass over the draws: M1 and project
    # and the numbers are those of a run without any callback
    plain = _simulate(network(), iterations=1000, chunk=256)
    for tid, s in r.sensitivity.items():
        assert s == plain.sensitivity[tid]


def test_no_stage_without_a_sensitivity_pass():
    rec = Staged()
    _simulate(network(), iterations=500, sensitivity=False, progress=rec)
    assert ("stage", "sensitivity") not in rec.events
    assert rec.events[-1] == (500, 500)


def test_the_sensitivity_pass_reports_each_chunk_of_each_pass():
    n = 5 * BLOCK + 3
    net = compile_network(network())
    rng = np.random.default_rng(1)
    finishes = {oid: rng.random(n) for oid in ("M1", "M2", "project")}
    calls: list[tuple[int, int]] = []
    got = task_sensitivity(
        net,
        7,
        finishes,
        None,
        chunk=2 * BLOCK,
        per_pass=2,
        progress=lambda d, t: calls.append((d, t)),
    )
    # two passes (M1 and M2, then the project), three chunks each
    assert [d for d, _ in calls] == [2 * BLOCK, 4 * BLOCK, n, n + 2 * BLOCK, n + 4 * BLOCK, 2 * n]
    assert {t for _, t in calls} == {2 * n}
    assert got == task_sensitivity(net, 7, finishes, None, chunk=2 * BLOCK, per_pass=2)


class FakeClock:
    def __init__(self, *times: float) -> None:
        self.times = list(times)

    def __call__(self) -> float:
        return self.times.pop(0)


def tty() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=80)


def test_the_bar_carries_on_under_the_stage_label():
    with terminal.LazyProgress(tty(), clock=FakeClock(0.0, 0.5)) as bar:
        bar(100, 1000)  # 4.5 s to go: shown
        bar(1000, 1000)
        bar.stage("sensitivity")
        assert bar._bar is not None and bar._task is not None
        task_ = bar._bar.tasks[0]
        assert (task_.description, task_.completed) == ("Task sensitivity", 0)
        bar(300, 2000)
        assert (task_.completed, task_.total) == (300, 2000)


def test_a_quick_simulation_leaves_a_slow_sensitivity_pass_its_own_decision():
    # the simulation: half done after 0.5 s, no bar; the pass: 10 % after 1 s, a bar
    with terminal.LazyProgress(tty(), clock=FakeClock(0.0, 0.5, 10.0, 11.0)) as bar:
        bar(500, 1000)
        bar(1000, 1000)
        assert not bar.shown
        bar.stage("sensitivity")
        bar(100, 1000)
        assert bar.shown
        assert bar._bar is not None and bar._bar.tasks[0].description == "Task sensitivity"


def test_a_quick_sensitivity_pass_shows_nothing():
    console = tty()
    with terminal.LazyProgress(console, clock=FakeClock(0.0, 0.5, 10.0, 10.1)) as bar:
        bar(500, 1000)
        bar.stage("sensitivity")
        bar(900, 1000)
    assert not bar.shown
    assert console.file.getvalue() == ""
