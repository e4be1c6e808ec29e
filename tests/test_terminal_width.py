"""Terminal tables fit the terminal: no printed line is longer than the console is wide,
at 80 and 120 columns, on the shipped scenarios and on one with very long names; every
number shows its unit and every probability its standard error."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

import riskengine as rk
from riskengine import cli
from riskengine.report import terminal

SCENARIOS = Path(__file__).parent.parent / "scenarios"
WIDTHS = (80, 120)

LONG = "Very long name " * 12  # 180 characters, words and spaces
LONG_ID = "x" * 70  # one word longer than a narrow table's label column

LONG_NAMES = f"""\
name: {LONG}
start: 2027-01-04
tasks:
  - {{id: {LONG_ID}, name: "{LONG}", duration: [2, 4, 8], group: "{LONG}",
     cost: {{per_day: 12345}}}}
  - {{id: b, name: "Build {LONG}", duration: [5, 7, 12], predecessors: [{LONG_ID}],
     cost: {{per_day: 99999}}, group: other,
     constraint: {{type: finish-no-later-than, date: 2027-01-20}}}}
milestones:
  - {{id: {LONG_ID}m, name: "{LONG}", after: [b], target: 2027-01-20}}
risks:
  - {{id: {LONG_ID}r, name: "{LONG}", probability: 0.4,
     impacts: [{{task: b, delay: [1, 2, 5]}}]}}
simulation: {{iterations: 400, seed: 3, percentiles: [5, 10, 20, 50, 80, 90, 95]}}
"""


def lines_of(text: str) -> list[str]:
    return text.splitlines()


def console(width: int) -> Console:
    return Console(file=io.StringIO(), width=width)


def fits(text: str, width: int) -> None:
    long = [line for line in lines_of(text) if len(line) > width]
    assert not long, f"{len(long)} lines over {width}:\n" + "\n".join(long[:5])


@pytest.fixture(scope="module")
def plant():
    return rk.simulate(rk.load_scenario(SCENARIOS / "plant_upgrade.yaml"), 400, 1)


@pytest.fixture(scope="module")
def long_names(tmp_path_factory):
    path = tmp_path_factory.mktemp("long") / "long.yaml"
    path.write_text(LONG_NAMES)
    return path


@pytest.mark.parametrize("width", WIDTHS)
def test_run_tables_fit_and_lose_nothing(plant, width):
    c = console(width)
    terminal.print_results(plant, c)
    out = c.file.getvalue()
    fits(out, width)
    # every column is still there, in some part of its table
    for head in ("P10", "P90", "Target", "P(on", "Criticality", "Occurrence", "Plan"):
        assert head in out, head
    for mid in plant.milestones:
        assert mid in out
    # every percentile date of the project finish is printed
    for date in plant.project.dates.values():
        assert date in out


@pytest.mark.parametrize("width", WIDTHS)
def test_long_names_wrap_within_the_width_and_keep_every_character(long_names, width):
    results = rk.simulate(rk.load_scenario(long_names), 300, 2)
    c = console(width)
    terminal.print_results(results, c)
    out = c.file.getvalue()
    fits(out, width)
    assert "Constraints" in out and "Joint confidence" in out and "Top risks" in out
    # the 71-character milestone id is folded, not cut: every character is there
    first = out.split("Milestones")[1]
    folded = "".join(line.split()[0] for line in lines_of(first) if line.startswith("x"))
    assert folded == LONG_ID + "m"
    c = console(width)
    terminal.print_summary(rk.describe(rk.load_scenario(long_names)), c)
    fits(c.file.getvalue(), width)


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_register_validate_and_import_fit(long_names, width):
    runner = CliRunner()
    env = {"COLUMNS": str(width)}
    commands = [
        ["compare", SCENARIOS / "portfolio" / "fy27.yaml", "-n", 200],
        ["run", SCENARIOS / "portfolio" / "fy27.yaml", "-n", 200, "-q"],
        ["validate", SCENARIOS / "plant_upgrade.yaml"],
        ["validate", SCENARIOS / "portfolio" / "fy27.yaml"],
        ["import", SCENARIOS / "plant.xer"],
        ["run", SCENARIOS / "plant.xer", "-n", 200, "-q"],
        ["run", long_names, "-n", 200, "-q"],
    ]
    for args in commands:
        result = runner.invoke(cli.main, [str(a) for a in args], env=env)
        assert result.exit_code == 0, result.output
        fits(result.stdout, width)
    reg = rk.risk_register(rk.load_scenario(SCENARIOS / "plant_upgrade.yaml"), 200, 1)
    c = console(width)
    terminal.print_register(reg, c)
    fits(c.file.getvalue(), width)
    reg = rk.risk_register(rk.load_scenario(long_names), 200, 1)
    c = console(width)
    terminal.print_register(reg, c)
    fits(c.file.getvalue(), width)


def test_a_table_cut_in_parts_repeats_its_labels_and_keeps_its_caption_last(plant):
    c = console(80)
    parts = terminal.fitted(c, terminal.milestone_table(plant))
    assert len(parts) == 2
    assert str(parts[1].title) == "Milestones (continued)"
    assert parts[0].caption is None and "working days" in str(parts[1].caption)
    heads = [[str(col.header) for col in p.columns] for p in parts]
    assert heads[0][0] == heads[1][0] == "Milestone"
    assert sum(len(h) - 1 for h in heads) == len(terminal.milestone_table(plant).columns) - 1
    assert len(terminal.fitted(console(200), terminal.milestone_table(plant))) == 1


def test_probabilities_show_their_standard_error_and_numbers_their_unit(plant):
    c = console(200)
    terminal.print_results(plant, c)
    out = c.file.getvalue()
    m = next(iter(plant.milestones.values()))
    p, se = 100 * m.p_target, 100 * m.p_target_se
    assert re.search(rf"{p:.1f}%\n.*± {se:.1f}\n", out)  # the error below the share
    tid, crit = plant.most_critical(1)[0]
    n = plant.iterations
    assert f"{100 * crit:.1f}% ± {100 * (crit * (1 - crit) / n) ** 0.5:.1f}" in out
    assert re.search(r"Mean\s.*\(wd\)", out, re.S) and "(in the scenario's currency)" in out
    assert "±: one standard error, in percentage points." in out
