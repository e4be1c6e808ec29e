"""check_references and topological_order on models built in Python: the same errors as
files, wrong types included, and long cycles reported in one short line."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import scenario, task
from riskengine.errors import ScenarioError
from riskengine.model.scenario import Link, Milestone
from riskengine.model.validate import check_references, topological_order


def error(sc) -> ScenarioError:
    with pytest.raises(ScenarioError) as e:
        check_references(sc)
        topological_order(sc)
    return e.value


@pytest.mark.parametrize(
    "tasks,field,message",
    [
        (
            [task("a", 1), task("a", 2)],
            "tasks[1].id",
            "duplicate task id 'a' (first used by tasks[0])",
        ),
        ([task(["a"], 1)], "tasks[0].id", "a task id must be text, got ['a']"),
        ([task("a", 1, [Link(["b"])])], "tasks[a].predecessors[0]", "unknown task ['b']"),
        ([task("a", 1, ["z"])], "tasks[a].predecessors[0]", "unknown task 'z'"),
        ([task("a", 1, ["a"])], "tasks[a].predecessors[0]", "task 'a' cannot depend on itself"),
        (
            [task("a", 1), task("b", 1, [Link("a", "XX")])],
            "tasks[b].predecessors[0].type",
            "unknown link type 'XX'",
        ),
        (
            [task("a", 1), task("b", 1, [Link("a", "FS", 10**400)])],
            "tasks[b].predecessors[0]",
            "lag must be a finite number of at most 1e+15 days, got 1000000000",
        ),
        (
            [task("a", 1), task("b", 1, [Link("a", "FS", True)])],
            "tasks[b].predecessors[0]",
            "lag must be a finite number of at most 1e+15 days, got True",
        ),
    ],
)
def test_reference_errors_name_the_field(tasks, field, message):
    err = error(scenario(tasks))
    assert err.field == field
    assert err.message.startswith(message)


def test_numpy_numbers_are_numbers():
    sc = scenario([task("a", 1), task("b", 1, [Link("a", "SS", np.float64(2.5))])])
    check_references(sc)
    assert topological_order(sc) == [0, 1]


def test_a_milestone_target_of_a_huge_whole_number_is_an_error():
    sc = scenario([task("a", 1)], [Milestone("m", ("a",), target=10**400)])
    err = error(sc)
    assert err.field == "milestones[m].target" and "finite number" in err.message


def test_a_cycle_through_thousands_of_tasks_is_one_short_line():
    n = 5000
    tasks = [task(f"t{i}", 1, [f"t{(i + 1) % n}"]) for i in range(n)]  # t0 ← t1 ← … ← t0
    err = error(scenario(tasks))
    assert err.field == "tasks[t0].predecessors"
    assert err.message == (
        f"dependency cycle: t0 → t{n - 1} → t{n - 2} → t{n - 3} → … ({n - 5:,} more) … → t1 → t0"
    )


def test_a_cycle_is_found_beyond_the_tasks_that_lead_into_it():
    tasks = [task("a", 1), task("b", 1, ["a", "d"]), task("c", 1, ["b"]), task("d", 1, ["c"])]
    assert error(scenario(tasks)).message == "dependency cycle: b → c → d → b"
