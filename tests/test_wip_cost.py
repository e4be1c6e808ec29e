"""The cost of work in progress (README "Progress"): an actual cost to date is carried as
it is and the rate applies to the remaining working days only; worked by hand and
against the sampled remaining durations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import textwrap

import numpy as np
import pytest

import naive
import riskengine as rk
from riskengine.errors import ScenarioError

D = dt.date
START = D(2027, 1, 4)  # a Monday; the data date is Wednesday 6: 2 working days done
TRI = {"dist": "triangular", "min": 2, "mode": 3, "max": 7}


def wip(actual_cost=None, remaining=3, logic="retained", pred=None, **kw):
    """B started on Monday 4 (5 days planned, ``remaining`` left at the data date),
    costing 50 fixed and 100 a working day; A (not started, 4 days) alone or, with
    ``pred``, B's predecessor."""
    b = rk.Task(
        "B",
        duration=5,
        actual_start=START,
        remaining=remaining,
        cost=rk.Cost(fixed=50, per_day=100),
        actual_cost=actual_cost,
        predecessors=(rk.Link("A"),) if pred else (),
        **kw,
    )
    tasks = (rk.Task("A", duration=4), b)
    return rk.Scenario(
        "wip",
        tasks=tasks,
        start=START,
        data_date=D(2027, 1, 6),
        progress_logic=logic,
        simulation=rk.SimulationSettings(iterations=2000),
    )


def cost(sc, **kw):
    r = rk.simulate(sc, 4, 1, sensitivity=False, drivers=False, **kw)
    return float(r.costs["total"][0]), r


def test_without_an_actual_cost_the_work_done_is_costed_as_planned():
    # 50 + 100 × (2 days done + 3 left)
    assert cost(wip())[0] == pytest.approx(550.0)


def test_an_actual_cost_is_carried_and_the_rate_applies_to_the_rest():
    # 400 spent, then 50 + 100 × 3 days left: the 2 days done are not charged again
    total, r = cost(wip(actual_cost=400.0))
    assert total == pytest.approx(750.0)
    assert r.task_costs["B"]["deterministic"] == pytest.approx(750.0)


def test_waiting_for_a_predecessor_is_not_charged():
    # retained logic: B's 3 remaining days wait for A (Wednesday 6 to Monday 11) and
    # run Tuesday 12 to Thursday 14: the 3 days of waiting are not work
    total, r = cost(wip(actual_cost=400.0, pred=True))
    assert r.task_dates["B"]["P50"] == "2027-01-14"
    assert total == pytest.approx(750.0)


def test_a_finished_task_costs_its_actual_cost():
    sc = wip(actual_cost=400.0, remaining=None, actual_finish=D(2027, 1, 5))
    # nothing left to do: 400 and the lump sum still to be spent (50)
    assert cost(sc)[0] == pytest.approx(450.0)


def test_in_each_iteration_the_rate_charges_the_sampled_remaining_days():
    sc = dataclasses.replace(wip(actual_cost=400.0, remaining=TRI), risks=())
    r = rk.simulate(sc, seed=5, sensitivity=False, drivers=False)
    a, b = sc.tasks  # B's remaining duration is drawn as its duration would be
    as_drawn = dataclasses.replace(sc, tasks=(a, dataclasses.replace(b, duration=b.remaining)))
    left = np.array([naive.durations(as_drawn, 5, i)[0]["B"] for i in range(2000)])
    assert left.min() >= 2 and left.max() <= 7  # the remaining durations, as sampled
    np.testing.assert_allclose(r.costs["total"], 450.0 + 100.0 * left, rtol=0, atol=1e-6)


YAML = """\
start: 2027-01-04
status: {{data_date: 2027-01-06}}
tasks:
  - id: B
    duration: 5
    actual_start: 2027-01-04
    remaining: 3
    cost: {{fixed: 50, per_day: 100}}
    {extra}
"""


def test_the_file_reads_it(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(YAML.format(extra="actual_cost: 400"))
    sc = rk.load_scenario(path)
    assert sc.tasks[0].actual_cost == 400.0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("actual_cost: -1", "negative"),
        ("actual_cost: lots", "number"),
    ],
)
def test_mistakes_name_the_field_and_line(tmp_path, extra, message):
    path = tmp_path / "s.yaml"
    path.write_text(YAML.format(extra=extra))
    with pytest.raises(ScenarioError) as e:
        rk.load_scenario(path)
    assert e.value.field == "tasks[B].actual_cost" and e.value.line == 9
    assert message in str(e.value)


def test_an_actual_cost_needs_an_actual_start():
    sc = rk.Scenario("x", tasks=(rk.Task("A", duration=1, actual_cost=5.0),), start=START)
    with pytest.raises(ScenarioError, match="needs an actual start") as e:
        rk.validate(sc)
    assert e.value.field == "tasks[A].actual_cost"


def test_readme_example(tmp_path):
    text = textwrap.dedent(YAML.format(extra="actual_cost: 400"))
    path = tmp_path / "s.yaml"
    path.write_text(text)
    assert cost(rk.load_scenario(path))[0] == pytest.approx(750.0)
