"""The Python API as a notebook user meets it: errors, model objects built from specs."""

from __future__ import annotations

import pytest

import riskengine as rk


def test_a_scenario_error_is_a_value_error_that_except_value_error_catches():
    broken = rk.Scenario(
        name="x",
        tasks=(rk.Task("a", rk.parse_distribution(1)),),
        milestones=(rk.Milestone("m", ("nope",)),),
    )
    assert issubclass(rk.ScenarioError, ValueError)
    assert issubclass(rk.ScenarioError, rk.RiskEngineError)
    with pytest.raises(ValueError) as e:
        rk.validate(broken)
    assert type(e.value) is rk.ScenarioError
    assert e.value.field == "milestones[m].after[0]"


def test_a_file_error_that_is_a_value_error_keeps_its_own_message(tmp_path):
    # the loader turns a bare ValueError (a NUL in the path) into "file not found"; its
    # own ScenarioErrors, now ValueErrors too, must pass through unchanged
    with pytest.raises(rk.ScenarioError, match="file not found"):
        rk.load_scenario(str(tmp_path / "a\x00.yaml"))
    with pytest.raises(rk.ScenarioError) as e:
        rk.load_scenario(tmp_path)  # a folder
    assert "file not found" not in str(e.value)
    assert e.value.file == str(tmp_path)
