"""Task attributes (WBS path, activity codes, type): in a scenario file and the model,
written by the writer, and filled by the P6 and MS Project importers."""

from __future__ import annotations

import pytest

import riskengine as rk
from riskengine.errors import ScenarioError
from riskengine.io.msimport import import_mspdi
from riskengine.io.p6import import code_key, import_xer
from riskengine.io.scenario_file import load_scenario
from riskengine.io.scenario_writer import scenario_yaml
from test_import_readers import FIXTURES, needs_fixtures
from test_msimport import mspdi, task
from xer_writer import Activity, write_xer

SCENARIO = """\
name: attrs
tasks:
  - id: A
    duration: 3
    attributes: {wbs: 1.2, area: North, level: 3}
  - id: B
    duration: 2
    predecessors: [A]
"""


def write(tmp_path, text: str):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def test_attributes_load_as_text_pairs_in_file_order(tmp_path):
    sc = load_scenario(write(tmp_path, SCENARIO))
    a, b = sc.tasks
    assert a.attributes == (("wbs", "1.2"), ("area", "North"), ("level", "3"))
    assert a.attrs["area"] == "North"
    assert b.attributes == () and b.attrs == {}


def test_the_writer_writes_attributes_and_they_read_back_the_same(tmp_path):
    sc = load_scenario(write(tmp_path, SCENARIO.replace("wbs: 1.2", "wbs: '1.10'")))
    text = scenario_yaml(sc)
    assert "'1.10'" in text  # quoted: read back as text, its zero kept
    again = load_scenario(write(tmp_path, text))
    assert again.tasks[0].attributes == sc.tasks[0].attributes
    assert again.tasks[0].attrs["wbs"] == "1.10"


@pytest.mark.parametrize(
    ("attrs", "field", "fragment"),
    [
        ("{1st: x}", "tasks[A].attributes.1st", "must be an identifier"),
        ("{work front: x}", "tasks[A].attributes.work front", "must be an identifier"),
        ("{calendar: x}", "tasks[A].attributes.calendar", "is reserved"),
        ("{area: [N, S]}", "tasks[A].attributes.area", "must be text, got a list"),
        ("{area: }", "tasks[A].attributes.area", "must be text, got nothing"),
        ("[wbs, 1]", "tasks[A].attributes", "must map attribute names to text"),
    ],
)
def test_a_bad_attribute_is_one_error_naming_the_field_and_line(tmp_path, attrs, field, fragment):
    text = SCENARIO.replace("{wbs: 1.2, area: North, level: 3}", attrs)
    with pytest.raises(ScenarioError) as e:
        load_scenario(write(tmp_path, text))
    assert e.value.field == field and e.value.line == 5
    assert fragment in e.value.message


def test_attributes_built_in_python_are_validated():
    t = rk.Task("A", 2, attributes={"wbs": "1.2"})
    assert t.attributes == (("wbs", "1.2"),)  # a mapping is kept as its items
    rk.validate(rk.Scenario("s", (t,)))
    for attrs, fragment in (
        ((("wbs", 1.2),), "must be text"),
        ((("wbs", "1"), ("wbs", "2")), "given twice"),
        ((("id", "x"),), "reserved"),
        ((("a-b", "x"),), "identifier"),
    ):
        with pytest.raises(ScenarioError, match=fragment) as e:
            rk.validate(rk.Scenario("s", (rk.Task("A", 2, attributes=attrs),)))
        assert e.value.field.startswith("tasks[A].attributes")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Area", "area"),
        ("Work Front", "work_front"),
        ("  Phase (2027)  ", "phase_2027"),
        ("Type", "type_code"),
        ("WBS", "wbs_code"),
        ("2nd shift", "code_2nd_shift"),
        ("???", "code_7"),
    ],
)
def test_an_activity_code_type_name_becomes_an_identifier_key(name, key):
    assert code_key(name, "code_7", set()) == key


def test_code_type_names_that_collide_get_a_number():
    taken: set[str] = set()
    assert [code_key(n, "x", taken) for n in ("Area", "AREA", "area!")] == [
        "area",
        "area_2",
        "area_3",
    ]


WBS = {"1": "Design", "1.1": "Civil design", "2": "Build"}


def test_p6_activities_carry_type_wbs_path_and_activity_codes(tmp_path):
    path = write_xer(
        tmp_path / "p.xer",
        [
            Activity("A1", "Survey", "1.1", 5, codes={"Area": "North", "Discipline": "CIV"}),
            Activity("A2", "Pour", "2", 3, preds=[("A1", "FS", 0)], codes={"Area": "South"}),
            Activity("M1", "Done", "2", 0, preds=[("A2", "FS", 0)], milestone=True),
        ],
        WBS,
    )
    sc, _ = import_xer(path)
    a1, a2, m1 = (sc.task(i) for i in ("A1", "A2", "M1"))
    assert a1.attributes == (
        ("type", "task"),
        ("wbs", "1.1"),  # the project's own node (PLANT) is left out
        ("wbs_name", "Civil design"),
        ("area", "North"),
        ("discipline", "CIV"),
    )
    assert a2.attrs == {"type": "task", "wbs": "2", "wbs_name": "Build", "area": "South"}
    assert m1.attrs["type"] == "finish milestone" and "area" not in m1.attrs


def test_mspdi_tasks_carry_type_wbs_outline_and_summary_names(tmp_path):
    path = mspdi(
        tmp_path,
        task(1, 0, outline="1", Summary=1, Name="Phase one"),
        task(2, 0, outline="1.1", Summary=1, Name="Civil", WBS="P1.C"),
        task(3, 9, outline="1.1.1", WBS="P1.C.1"),
        task(4, 9, outline="1.1.2"),
        task(5, 0, outline="2", Milestone=1),
    )
    sc, _ = import_mspdi(path)
    assert sc.task("3").attrs == {
        "type": "task",
        "wbs": "P1.C.1",
        "outline": "1.1.1",
        "summary": "Phase one / Civil",
    }
    assert sc.task("4").attrs["wbs"] == "1.1.2"  # no WBS code: the outline number
    assert sc.task("5").attrs["type"] == "finish milestone"
    assert "summary" not in sc.task("5").attrs


@needs_fixtures
def test_the_large_p6_fixture_keeps_its_wbs_and_activity_codes():
    sc, _ = import_xer(FIXTURES / "sp10-cost-loaded.xer")
    first = sc.tasks[0].attrs
    assert first["wbs"] == "HS2-P1-CS-EWC-C-F.C2.C22.C222.1.6.2.3.2"
    assert first["fusion_wps"] == "AWE2"
    assert all("wbs" in t.attrs and "type" in t.attrs for t in sc.tasks)
    assert sum("fusion_wps" in t.attrs for t in sc.tasks) == 3868
