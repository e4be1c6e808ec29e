"""Scenario files: the canonical form, shorthands, and errors that name file, field, line."""

from __future__ import annotations

import datetime as dt
import textwrap

import numpy as np
import pytest

import riskengine as rk
from riskengine.errors import ScenarioError

CANONICAL = """\
name: Example project
start: 2027-01-04            # optional; without it results are working-day numbers
tasks:
  - id: A
    name: Design
    duration: {dist: triangular, min: 2, mode: 3, max: 6}
  - id: B
    duration: {dist: fixed, value: 2}
    predecessors: [A]                      # finish-to-start, lag 0
  - id: C
    duration: {dist: pert, min: 2, mode: 4, max: 9}
    predecessors: [{task: A, type: SS, lag: 2}]
milestones:
  - id: done
    name: Handover
    after: [B, C]                          # reached when all of these finish
    target: 10                             # working days from start, or a date
simulation: {iterations: 10000, seed: 1, percentiles: [10, 50, 80, 90]}
"""


def write(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_canonical_example_loads(tmp_path):
    sc = rk.load_scenario(write(tmp_path, CANONICAL))
    assert sc.name == "Example project"
    assert sc.start == dt.date(2027, 1, 4)
    assert [t.id for t in sc.tasks] == ["A", "B", "C"]
    assert sc.task("B").predecessors == (rk.Link("A", "FS", 0.0),)
    assert sc.task("C").predecessors == (rk.Link("A", "SS", 2.0),)
    assert sc.task("C").duration.kind == "pert"
    assert sc.milestones[0].after == ("B", "C") and sc.milestones[0].target == 10
    assert sc.simulation.iterations == 10000 and sc.simulation.percentiles == (10, 50, 80, 90)
    r = rk.simulate(sc, iterations=2000)
    m = r.milestones["done"]
    assert set(m.percentiles) == {"P10", "P50", "P80", "P90"}
    assert m.p_target == np.mean(r.finishes["done"] <= 10 + 1e-9)
    assert m.dates["P50"] >= "2027-01-04"


def test_shorthands(tmp_path):
    sc = rk.load_scenario(
        write(
            tmp_path,
            """\
            tasks:
              - {id: 1, duration: 4}
              - {id: 2, duration: [1, 2, 4], predecessors: 1}
              - {id: x, duration: 1, predecessors: ["1 SS+2", "2 ff-1.5", "1 SF"]}
            milestones:
              - {id: end, after: x, target: 12}
            """,
        )
    )
    assert sc.task("1").duration == rk.Distribution("fixed", {"value": 4.0})
    assert sc.task("2").duration.kind == "triangular"
    assert sc.task("2").predecessors == (rk.Link("1"),)
    assert sc.task("x").predecessors == (
        rk.Link("1", "SS", 2.0),
        rk.Link("2", "FF", -1.5),
        rk.Link("1", "SF", 0.0),
    )
    assert sc.milestones[0].after == ("x",)
    assert sc.name == "s"


def test_date_target_is_kept_as_a_date(tmp_path):
    # converted to working days through the calendars when compiled, not when parsed
    for target in ["2027-01-08", "2027-01-09", "2027-01-11"]:
        sc = rk.load_scenario(
            write(
                tmp_path,
                f"""\
                start: 2027-01-04
                tasks: [{{id: a, duration: 5}}]
                milestones: [{{id: m, after: [a], target: {target}}}]
                """,
            )
        )
        assert sc.milestones[0].target is None
        assert sc.milestones[0].target_date == dt.date.fromisoformat(target)


BAD = [
    ("tasks: [{id: A, duration: 1}, {id: A, duration: 2}]", "duplicate task id 'A'", 1),
    ("tasks:\n  - {id: A, duration: 1, predecessors: [Z]}", "unknown task 'Z'", 2),
    (
        "tasks:\n  - {id: A, duration: 1, predecessors: [C]}\n"
        "  - {id: B, duration: 1, predecessors: [A]}\n"
        "  - {id: C, duration: 1, predecessors: [B]}",
        "dependency cycle: A → B → C → A",
        2,
    ),
    (
        "tasks:\n  - id: A\n    duration: {dist: triangular, min: 5, mode: 3, max: 9}",
        "tasks[A].duration: min (5) > mode (3)",
        3,
    ),
    (
        "tasks:\n  - id: A\n    duration:\n      dist: uniform\n      min: -2\n      max: 3",
        "tasks[A].duration.min: must not be negative",
        5,
    ),
    ("tasks:\n  - id: A\n    duration: .nan", "must be finite", 3),
    ("tasks:\n  - id: A\n    duraton: 3", "unknown key 'duraton' (did you mean 'duration'?)", 3),
    (
        "tasks:\n  - {id: A, duration: 1, predecessors: [{task: A2, type: XX}]}",
        "unknown link type",
        2,
    ),
    (
        "tasks:\n  - {id: A, duration: 1}\nmilestones:\n  - {id: m, after: [Q]}",
        "unknown task 'Q'",
        4,
    ),
    (
        "tasks:\n  - {id: A, duration: 1}\nmilestones:\n"
        "  - {id: m, after: [A], target: 2027-01-01}",
        "needs the scenario's 'start'",
        4,
    ),
    ("start: 2027-02-30\ntasks:\n  - {id: A, duration: 1}", "not a date", 1),
    ("tasks:\n  - {id: A, duration: 1}\nsimulation: {iterations: 0}", "whole number ≥ 1", 3),
    (
        "tasks:\n  - {id: A, duration: 1}\nsimulation: {percentiles: [50, 120]}",
        "between 0 and 100",
        3,
    ),
    ("tasks: [{id: A, duration: 1}]\ntasks: []", "duplicate key 'tasks'", 2),
    ("tasks: [{id: A, duration: 1}\n", "malformed YAML", 2),
    ("name: x\n", "missing 'tasks'", None),
    ("", "the file is empty", None),
    ("tasks:\n  - {id: 'has space', duration: 1}", "must not contain spaces", 2),
    ("tasks:\n  - {id: A, duration: 1, predecessors: ['A FS+']}", "cannot read link", 2),
    ("tasks:\n  - {id: A, duration: 1, predecessors: [A]}", "cannot depend on itself", 2),
]


@pytest.mark.parametrize("text,message,line", BAD)
def test_bad_files_give_one_clear_error(tmp_path, text, message, line):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as e:
        rk.load_scenario(path)
    msg = str(e.value)
    assert message in msg
    assert msg.startswith(str(path))
    assert e.value.line == line
    assert "\n" not in msg


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        rk.load_scenario(tmp_path / "nope.yaml")


def test_yaml_is_never_executed(tmp_path):
    path = write(tmp_path, "tasks: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ScenarioError, match="malformed YAML"):
        rk.load_scenario(path)


def test_models_built_in_python_get_the_same_checks():
    from helpers import scenario, task

    sc = scenario([task("a", 1, ["b"]), task("b", 1, ["a"])])
    with pytest.raises(ScenarioError, match="cycle: a → b → a"):
        rk.simulate(sc, iterations=10)


def test_shipped_scenario_is_realistic():
    sc = rk.load_scenario("scenarios/plant_upgrade.yaml")
    assert 40 <= len(sc.tasks) <= 80
    types = {lk.type for t in sc.tasks for lk in t.predecessors}
    assert types == {"FS", "SS", "FF", "SF"}
    assert len(sc.milestones) >= 3 and all(
        m.target is not None or m.target_date is not None for m in sc.milestones
    )


def test_anchors_and_merge_keys(tmp_path):
    # Unknown top-level keys are errors, so anchors live inside the tasks list.
    sc = rk.load_scenario(
        write(
            tmp_path,
            """\
            tasks:
              - {id: a, duration: &est {dist: pert, min: 2, mode: 3, max: 8}}
              - id: b
                duration: {<<: *est, max: 12}
                predecessors: [a]
            """,
        )
    )
    assert sc.task("a").duration.params["max"] == 8
    assert sc.task("b").duration.params == {"min": 2, "mode": 3, "max": 12, "lambda": 4.0}


@pytest.mark.parametrize(
    "text,message",
    [
        ("tasks: &x [*x]\n", "refers to itself"),
        ("tasks: " + "[" * 5000 + "]" * 5000 + "\n", "malformed YAML"),
        ("tasks:\n  - {[1, 2]: 3}\n", "a key must be text"),
        ("tasks:\n  - {id: a, duration: !!binary aGVsbG8=}\n", "the tag '!!binary' is not allowed"),
    ],
)
def test_hostile_yaml_gives_a_clear_error(tmp_path, text, message):
    with pytest.raises(ScenarioError, match=message):
        rk.load_scenario(write(tmp_path, text))


@pytest.mark.parametrize(
    "link,milestone,message",
    [
        (rk.Link("a", "FS", float("nan")), None, "lag must be a finite number"),
        (rk.Link("a", "XX", 0), None, "unknown link type"),
        (None, rk.Milestone("m", ("b",), target=float("inf")), "target must be a finite"),
        (None, rk.Milestone("m", ()), "must name at least one task"),
    ],
)
def test_python_models_are_checked_like_files(link, milestone, message):
    from helpers import scenario, task

    tasks = [task("a", 1), task("b", 2, [link] if link else [])]
    with pytest.raises(ScenarioError, match=message):
        rk.simulate(scenario(tasks, [milestone] if milestone else []), iterations=4)


TEXT_FIELDS = [
    ("name: {value}\ntasks: [{{id: a, duration: 1}}]\n", "name", 1),
    ("tasks:\n  - {{id: a, duration: 1, name: {value}}}\n", "tasks[a].name", 2),
    ("tasks:\n  - {{id: a, duration: 1, group: {value}}}\n", "tasks[a].group", 2),
    (
        "tasks: [{{id: a, duration: 1}}]\nmilestones:\n  - {{id: m, after: [a], name: {value}}}\n",
        "milestones[m].name",
        3,
    ),
    (
        "tasks: [{{id: a, duration: 1}}]\ncosts:\n  - {{id: c, fixed: 1, group: {value}}}\n",
        "costs[c].group",
        3,
    ),
    *(
        (
            "tasks: [{{id: a, duration: 1}}]\nrisks:\n  - id: r\n    probability: 0.5\n"
            f"    impacts: [{{{{task: a, delay: 1}}}}]\n    {key}: {{value}}\n",
            f"risks[r].{key}",
            6,
        )
        for key in ("name", "owner", "category")
    ),
]


@pytest.mark.parametrize("template,field,line", TEXT_FIELDS)
@pytest.mark.parametrize(
    "value,got",
    [
        ("[a, b]", "a list"),
        ("{a: 1}", "a mapping"),
        ("yes", "true (YAML reads yes, no, on and off as true or false)"),
        (".nan", "nan (put it in quotes)"),
    ],
)
def test_text_fields_refuse_lists_maps_and_yes_no(tmp_path, template, field, line, value, got):
    path = write(tmp_path, template.format(value=value))
    with pytest.raises(ScenarioError) as e:
        rk.load_scenario(path)
    assert (e.value.field, e.value.line) == (field, line)
    assert e.value.message == f"must be text, got {got}"


def test_numbers_are_taken_as_text_in_text_fields(tmp_path):
    sc = rk.load_scenario(
        write(tmp_path, "name: 2027\ntasks: [{id: a, duration: 1, group: 100}]\n")
    )
    assert sc.name == "2027" and sc.task("a").group == "100"
    sc = rk.load_scenario(write(tmp_path, "name:\ntasks: [{id: a, duration: 1}]\n"))
    assert sc.name == "s"  # no name: the file's


def test_a_long_cycle_is_shortened_but_names_its_ends(tmp_path):
    n = 3000
    lines = [f"  - {{id: T{i}, duration: 1, predecessors: [T{(i - 1) % n}]}}" for i in range(n)]
    path = write(tmp_path, "tasks:\n" + "\n".join(lines) + "\n")
    with pytest.raises(ScenarioError) as e:
        rk.load_scenario(path)
    err = e.value
    assert (err.field, err.line) == ("tasks[T0].predecessors", 2)
    assert err.message == (
        f"dependency cycle: T0 → T1 → T2 → T3 → … ({n - 5:,} more) … → T{n - 1} → T0"
    )
    assert len(str(err)) < 400


@pytest.mark.parametrize(
    "template",
    [
        "tasks:\n  - {{id: a, duration: '{big}'}}\n",
        "tasks:\n  - {{id: a, duration: 1, predecessors: ['{big}']}}\n",
        "tasks:\n  - {{id: a, duration: 1, calendar: '{big}'}}\n",
        "tasks:\n  - id: a\n    duration: 1\n    ? '{big}'\n    : 1\n",
        "start: '{big}'\ntasks: [{{id: a, duration: 1}}]\n",
        "tasks: [{{id: a, duration: 1}}]\nsimulation: {{sampling: '{big}'}}\n",
    ],
)
def test_errors_never_echo_a_huge_value(tmp_path, template):
    path = write(tmp_path, template.format(big="x" * 10_000_000))
    with pytest.raises(ScenarioError) as e:
        rk.load_scenario(path)
    assert "xxxxxxxxxx" in str(e.value) and len(str(e.value)) < 1000


def test_a_huge_shorthand_lag_is_too_large_not_infinite(tmp_path):
    path = write(
        tmp_path,
        "tasks:\n  - {id: a, duration: 1}\n  - {id: b, duration: 1, predecessors: ['a FS+1"
        + "0" * 400
        + "']}\n",
    )
    with pytest.raises(ScenarioError) as e:
        rk.load_scenario(path)
    assert (e.value.field, e.value.line) == ("tasks[b].predecessors[0]", 3)
    assert "must be at most 1e+15 in size" in e.value.message


def test_correlations_too_large_to_set_up_are_refused(tmp_path):
    from riskengine.model.correlation import MAX_GROUP, MAX_PAIRS

    n = MAX_GROUP + 1
    tasks = "tasks:\n" + "".join(f"  - {{id: t{i}, duration: [1, 2, 3]}}\n" for i in range(n + 1))
    names = ", ".join(f"t{i}" for i in range(n))
    every = f"correlations:\n  - {{tasks: [{names}], coefficient: 0.5}}\n"
    with pytest.raises(ScenarioError) as e:
        rk.load_scenario(write(tmp_path, tasks + every))
    pairs = n * (n - 1) // 2
    assert e.value.message.startswith(
        f"the correlations tie {pairs:,} pairs of draws together, more than the {MAX_PAIRS:,}"
    )
    assert e.value.field == "correlations"
    chain = "correlations:\n" + "".join(
        f"  - {{tasks: [t{i}, t{i + 1}], coefficient: 0.5}}\n" for i in range(n)
    )
    with pytest.raises(ScenarioError) as e:
        rk.load_scenario(write(tmp_path, tasks + chain))
    assert e.value.message.startswith(f"correlations tie {n + 1:,} draws into one group")
    ok = chain.splitlines()[:MAX_GROUP]  # a chain of MAX_GROUP tasks is fine
    assert (
        len(rk.load_scenario(write(tmp_path, tasks + "\n".join(ok) + "\n")).correlations)
        == MAX_GROUP - 1
    )
