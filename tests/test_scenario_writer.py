"""Writing a scenario file (io/scenario_writer.py): reading it back gives the same
scenario, on small hand-made ones and on every real schedule the P6 importer reads."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

import riskengine as rk
from riskengine.io.p6import import import_xer
from riskengine.io.scenario_file import load_scenario
from riskengine.io.scenario_writer import scenario_document, scenario_yaml
from riskengine.io.xer import read_xer
from riskengine.model.scenario import Constraint, SimulationSettings
from test_import_readers import FIXTURES, XER_COUNTS, needs_fixtures


def round_trip(sc, tmp_path):
    path = tmp_path / "written.yaml"
    path.write_text(scenario_yaml(sc, "written by a test\nsecond line"), encoding="utf-8")
    back = load_scenario(path)
    return dataclasses.replace(back, source=sc.source, inputs=sc.inputs)


def test_a_hand_made_scenario_reads_back_the_same(tmp_path):
    cal = rk.Calendar(
        "site",
        workdays=(0, 1, 2, 3, 4, 5),
        holidays=(dt.date(2027, 1, 6),),
        extra_workdays=(dt.date(2027, 1, 10),),
        hours_per_day=9.0,
        day=((7.0, 12.0), (13.0, 17.0)),
    )
    tasks = (
        rk.Task("A", duration=[2, 3, 6], name="Dig, then pour"),
        rk.Task(
            "B",
            duration=4.5,
            predecessors=(rk.Link("A"), rk.Link("A", "SS", -1.5)),
            calendar="site",
            constraints=(
                Constraint("start-no-earlier-than", dt.date(2027, 1, 5)),
                Constraint("finish-no-later-than", dt.date(2027, 2, 1)),
            ),
        ),
        rk.Task("M", duration=0, predecessors=(rk.Link("B"),), milestone="finish"),
        rk.Task("S", duration=0, milestone="start", start_no_earlier_than=dt.date(2027, 1, 4)),
        rk.Task(
            "W",
            duration=5,
            actual_start=dt.datetime(2027, 1, 4, 13, 0),
            remaining=2.0,
            existence=0.9,
            group="civil",
            cost=rk.Cost(
                fixed=250, per_day={"dist": "triangular", "min": 9, "mode": 10, "max": 14}
            ),
            actual_cost=1200.0,
        ),
        rk.Task("L", duration=2, constraints=(Constraint("as-late-as-possible", None),)),
    )
    sc = rk.Scenario(
        "written",
        tasks=tasks,
        milestones=(rk.Milestone("done", ("M", "W"), name="Done"),),
        start=dt.date(2027, 1, 4),
        data_date=dt.date(2027, 1, 5),
        calendars=(rk.Calendar("standard"), cal),
        calendar="standard",
        simulation=SimulationSettings(constraints="hard"),
        progress_logic="override",
        lag_calendar="predecessor",
    )
    back = round_trip(sc, tmp_path)
    assert back == sc
    assert back.simulation.constraints == "hard" and back.progress_logic == "override"
    assert scenario_yaml(sc, "a\nb").startswith("# a\n# b\nname: written\n")


def test_what_an_import_does_not_produce_is_refused():
    sc = rk.Scenario(
        "r",
        tasks=(rk.Task("A", duration=1),),
        risks=(rk.Risk("R", probability=0.5, impacts=(rk.Impact("A", delay=2),)),),
    )
    with pytest.raises(ValueError, match="no risks, correlations or cost items"):
        scenario_document(sc)


@needs_fixtures
@pytest.mark.parametrize("name", sorted(XER_COUNTS))
def test_every_imported_real_schedule_reads_back_the_same(name, tmp_path):
    projects = [
        r["proj_short_name"] for _, r in read_xer(FIXTURES / name).table("PROJECT").records()
    ]
    for project in projects:
        try:
            sc, _ = import_xer(FIXTURES / name, project)
        except rk.ScenarioError:
            continue  # a project without activities
        assert round_trip(sc, tmp_path) == sc, project
