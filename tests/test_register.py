"""The risk register: simulated numbers per risk, ranking, and the files people open."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

import riskengine as rk
from riskengine.analysis.register import risk_register
from riskengine.cli import main
from riskengine.errors import ScenarioError
from test_risks import SCENARIO


@pytest.fixture()
def scenario_file(tmp_path):
    path = tmp_path / "risky.yaml"
    path.write_text(SCENARIO)
    return path


SIMPLE = """\
tasks:
  - {id: a, duration: 10}
  - {id: b, duration: [2, 4, 9], predecessors: [a]}
milestones:
  - {id: end, after: [b], target: 16}
risks:
  - id: big
    probability: 0.4
    impacts:
      - task: a
        delay: {dist: triangular, min: 5, mode: 10, max: 20}
        cost: {dist: uniform, min: 1000, max: 3000}
    mitigation: {probability: 0.1, cost: 500}
  - id: small
    probability: 0.2
    impacts: [{task: b, delay: 1}]
"""


def test_register_numbers_match_the_risk_distributions(tmp_path):
    path = tmp_path / "simple.yaml"
    path.write_text(SIMPLE)
    n = 20_000
    reg = risk_register(rk.load_scenario(path), iterations=n, seed=4, milestone="end")
    row = reg.register.set_index("id").loc["big"]
    tri = stats.triang(0.5 / 1.5, 5, 15)
    k = round(row["occurrence"] * n)  # iterations in which it occurred
    for q in (10, 50, 90):
        x = tri.ppf(q / 100)
        se = np.sqrt(q / 100 * (1 - q / 100) / k) / tri.pdf(x)
        assert abs(row[f"delay_P{q}"] - x) < 3 * se
        assert (
            abs(row[f"cost_P{q}"] - (1000 + 20 * q))
            < 3 * np.sqrt(q / 100 * (1 - q / 100) / k) * 2000
        )
    assert abs(row["expected_delay"] - 0.4 * tri.mean()) < 3 * np.sqrt(
        0.4 * tri.var() + 0.4 * 0.6 * tri.mean() ** 2
    ) / np.sqrt(n)
    assert row["probability"] == 0.4 and row["probability_mitigated"] == 0.1
    assert row["mitigation_cost"] == 500
    # the ranking follows the contribution to the chosen milestone's P80
    assert list(reg.register["id"]) == ["big", "small"] and list(reg.register["rank"]) == [1, 2]
    assert row["contribution_end_P80"] == reg.pre.drivers["big"]["end"]["P80"]
    small = reg.register.set_index("id").loc["small"]
    assert small["delay_P50"] == 1.0 and pd.isna(small["cost_P50"])
    # mitigation sheet: the post-mitigation P80 is never later here (FS links only)
    m = reg.mitigation.set_index("milestone").loc["end"]
    assert m["P80 after"] <= m["P80 before"] and m["P80 saved"] == m["P80 before"] - m["P80 after"]
    assert m["P(target) after"] >= m["P(target) before"]
    # tornado: sorted by |rank correlation|, tasks with uncertain durations first
    assert list(reg.tornado["task"]) == ["b", "a"]


def test_cli_writes_a_formatted_workbook(scenario_file, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "register.xlsx"
    res = CliRunner().invoke(main, ["register", str(scenario_file), "-o", str(out), "-n", "2000"])
    assert res.exit_code == 0, res.output
    assert "Risk register" in res.stdout
    wb = load_workbook(out)
    assert wb.sheetnames == ["Register", "Mitigation", "Tornado"]
    ws = wb["Register"]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["Rank", "Risk", "Name"]
    assert "Adds to project P80 (days)" in headers
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    prob = headers.index("Probability") + 1
    assert ws.cell(row=2, column=prob).number_format == "0.0%"
    assert ws.max_row == 3  # header + two risks
    assert ws.column_dimensions["C"].width > 10


def test_cli_writes_csv_tables(scenario_file, tmp_path):
    out = tmp_path / "reg.csv"
    res = CliRunner().invoke(
        main, ["register", str(scenario_file), "-o", str(out), "-n", "1000", "--milestone", "done"]
    )
    assert res.exit_code == 0, res.output
    reg = pd.read_csv(out)
    assert list(reg["id"]) == sorted(
        reg["id"], key=lambda r: -reg.set_index("id").loc[r, "contribution_done_P80"]
    )
    assert (tmp_path / "reg.mitigation.csv").exists() and (tmp_path / "reg.tornado.csv").exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["-o", "reg.txt"], "written as .xlsx or .csv"),
        (["-o", "nowhere/reg.xlsx"], "nowhere"),
        (["-o", "reg.xlsx", "--milestone", "zz"], "unknown milestone 'zz'"),
    ],
)
def test_register_errors_exit_2_and_write_nothing(
    scenario_file, tmp_path, monkeypatch, args, message
):
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.iterdir())
    res = CliRunner().invoke(main, ["register", str(scenario_file), "-n", "100", *args])
    assert res.exit_code == 2
    assert message in res.stderr and "Traceback" not in res.output
    assert set(tmp_path.iterdir()) == before


def test_a_scenario_without_risks_has_no_register():
    from helpers import scenario, task

    with pytest.raises(ScenarioError, match="no risks"):
        risk_register(scenario([task("a", 1)]), iterations=10)


def test_register_of_the_shipped_scenario(tmp_path):
    # end to end on the realistic project, whose register lives in a CSV file and whose
    # correlations include risk delays (large cost values exercised a numba crash once)
    from openpyxl import load_workbook

    out = tmp_path / "plant.xlsx"
    args = ["register", "scenarios/plant_upgrade.yaml", "-o", str(out), "-n", "2000"]
    res = CliRunner().invoke(main, [*args, "--milestone", "m_handover"])
    assert res.exit_code == 0, res.output
    ws = load_workbook(out)["Register"]
    assert ws.max_row - 1 == len(rk.load_scenario("scenarios/plant_upgrade.yaml").risks)
    costs = [c.value for c in ws[2]][11:14]  # cost P10/P50/P90 of the top risk
    assert all(isinstance(v, float) and v > 10_000 for v in costs)


def test_register_ranks_by_a_milestone_whose_id_is_not_an_identifier(tmp_path):
    """The printed table reads the contribution column by name: pandas' itertuples renamed
    ``contribution_m-end_P80`` and the command crashed with KeyError."""
    path = tmp_path / "dashed.yaml"
    path.write_text(SIMPLE.replace("{id: end,", "{id: m-end,"))
    out = tmp_path / "register.csv"
    res = CliRunner().invoke(
        main, ["register", str(path), "-n", "2000", "--milestone", "m-end", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out)
    assert "contribution_m-end_P80" in table.columns
    big = table.set_index("id").loc["big", "contribution_m-end_P80"]
    assert f"{big:.1f}" in res.stdout  # the printed "Adds to P80" of the big risk
