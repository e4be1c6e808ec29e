"""The must-finish-by date (``finish_by``, P6's "must finish by"): the plan's late dates
and total float count back from it, worked by hand; the simulation's criticality does
not; the scenario file, its writer and the P6 import carry it."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import textwrap

import pytest

import riskengine as rk
from helpers import scenario, task
from riskengine.analysis.fidelity import touched
from riskengine.errors import ScenarioError
from riskengine.io.p6import import import_xer
from riskengine.io.scenario_file import load_scenario
from riskengine.io.scenario_writer import scenario_yaml
from test_p6import import small_xer

D = _dt.date
START = D(2027, 1, 4)  # a Monday


def plan(finish_by):
    """A (5 days: Mon 4 to Fri 8) then B (2 days: Mon 11, Tue 12), and C (1 day) apart."""
    tasks = [task("A", 5), task("B", 2, ["A"]), task("C", 1)]
    sc = dataclasses.replace(scenario(tasks, start=START), finish_by=finish_by)
    return rk.schedule_table(sc)


@pytest.mark.parametrize(
    ("finish_by", "late_b", "float_b"),
    [
        (None, D(2027, 1, 12), 0.0),  # the planned finish: Tuesday 12
        (D(2027, 1, 19), D(2027, 1, 19), 5.0),  # a week later: five days of float
        (D(2027, 1, 7), D(2027, 1, 7), -3.0),  # before the planned finish: negative
        (_dt.datetime(2027, 1, 15, 0, 0), D(2027, 1, 14), 2.0),  # 00:00: the day before ends
        (_dt.datetime(2027, 1, 15, 12, 0), D(2027, 1, 15), 2.5),  # noon: half a day
    ],
)
def test_late_dates_count_back_from_the_must_finish_by_date(finish_by, late_b, float_b):
    df = plan(finish_by)
    assert df.loc["B", "late_finish"].date() == late_b
    assert df.loc["B", "total_float"] == pytest.approx(float_b)
    assert df.loc["A", "total_float"] == pytest.approx(float_b)  # A drives B
    # C, an open end too, counts from the same date: 9 days more than B (6 without it)
    assert df.loc["C", "total_float"] == pytest.approx(float_b + 6.0)
    assert df.loc["B", "early_finish"].date() == D(2027, 1, 12)  # early dates stay


def test_the_simulation_counts_criticality_from_each_iterations_finish():
    tasks = [task("A", [3, 5, 9]), task("B", 2, ["A"]), task("C", 1)]
    sc = scenario(tasks, start=START, iterations=200)
    later = dataclasses.replace(sc, finish_by=D(2027, 3, 1))
    a = rk.simulate(sc, seed=4, sensitivity=False, drivers=False)
    b = rk.simulate(later, seed=4, sensitivity=False, drivers=False)
    assert a.criticality == b.criticality and b.criticality["A"] == 1.0
    assert a.to_dict()["project"] == b.to_dict()["project"]


def write(tmp_path, extra: str):
    path = tmp_path / "s.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            name: s
            start: 2027-01-04
            {extra}
            tasks:
              - {{id: A, duration: 5}}
            """
        )
    )
    return path


@pytest.mark.parametrize("value", ["2027-01-19", "2027-01-19T12:00"])
def test_the_scenario_file_reads_and_writes_it(tmp_path, value):
    sc = load_scenario(write(tmp_path, f"finish_by: {value}"))
    want = _dt.datetime.fromisoformat(value) if "T" in value else _dt.date.fromisoformat(value)
    assert sc.finish_by == want
    again = tmp_path / "again.yaml"
    again.write_text(scenario_yaml(sc))
    assert load_scenario(again).finish_by == want


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("finish_by: 2026-12-31", "must-finish-by date 2026-12-31 is before the start"),
        ("finish_by: 2027-13-01", "finish_by"),
        ("finish_by: 2027-01-19T25:00", "not a date and time"),
    ],
)
def test_a_wrong_must_finish_by_date_is_one_clear_error(tmp_path, extra, message):
    path = write(tmp_path, extra)
    with pytest.raises(ScenarioError) as e:
        rk.validate(load_scenario(path))
    assert message in str(e.value) and e.value.field == "finish_by"


def test_it_needs_a_start():
    sc = dataclasses.replace(scenario([task("A", 1)]), finish_by=D(2027, 1, 19))
    with pytest.raises(ScenarioError, match="a must-finish-by date needs the scenario's 'start'"):
        rk.validate(sc)


def with_plan_end(path, plan_end: str):
    text = path.read_text(encoding="cp1252")
    text = text.replace("\tlast_recalc_date\n", "\tlast_recalc_date\tplan_end_date\n", 1)
    text = text.replace(
        "2026-12-28 00:00\t2026-12-28 00:00\n",
        f"2026-12-28 00:00\t2026-12-28 00:00\t{plan_end}\n",
        1,
    )
    path.write_text(text, encoding="cp1252")
    return path


@pytest.mark.parametrize(
    ("plan_end", "want"),
    [
        ("2027-03-01 00:00", _dt.datetime(2027, 3, 1, 0, 0)),
        ("2027-03-01 17:00", _dt.datetime(2027, 3, 1, 17, 0)),
        ("", None),
        ("2026-01-01 00:00", None),  # before the start: P6 would not keep it either
    ],
)
def test_p6s_must_finish_by_date_is_imported(tmp_path, plan_end, want):
    sc, _ = import_xer(with_plan_end(small_xer(tmp_path), plan_end))
    assert sc.finish_by == want
    if want is not None:  # the milestone M ends the project: its late finish is that day
        df = rk.schedule_table(sc)
        day = D(2027, 2, 26) if want.hour == 0 else want.date()  # 00:00: Friday before
        assert df.loc["M", "late_finish"].date() == day


def test_a_successor_in_another_project_is_named_as_a_loss(tmp_path):
    """A's successor X is in project P2, not imported with P1: P6's late dates of A see
    X, ours cannot, so the report names the link lost on A."""
    path = small_xer(
        tmp_path,
        projects=2,
        extra_task="%R\t200\t2\t10\tX\tOther\tTT_Task\tTK_NotStart\t9\t9\t\t",
    )
    text = path.read_text(encoding="cp1252").replace("%E", "%R\t3\t200\t100\tPR_FS\t0\n%E")
    path.write_text(text, encoding="cp1252")
    _, report = import_xer(path, "P1")
    assert report.losses["external-links"].items == ["A->X"]
    sc, report = import_xer(path, "P1")
    assert set(touched(sc, report)) == {"A"}  # A is not supported, nor what follows it
