"""A P6 project as a scenario (io/p6import.py): exact mappings on small files, fidelity
against the dates P6 stored in real ones (../shared/fixtures/schedules; skipped, saying
why, when that folder is absent)."""

from __future__ import annotations

import dataclasses
import datetime

import numpy as np
import pytest

import riskengine as rk
from riskengine.errors import ScenarioError
from riskengine.io.p6import import import_xer
from riskengine.io.xer import read_xer
from riskengine.model.scenario import Constraint
from test_import_readers import FIXTURES, needs_fixtures


def node(name: str, attrs: str = "", *children: str) -> str:
    """One node of P6's calendar data."""
    return f"(0||{name}({attrs})({''.join(children)}))"


def nine_hours() -> str:
    """07:00-12:00 and 13:00-17:00 Monday to Friday; 2027-01-01 (a Friday) off."""
    shifts = (node("0", "s|07:00|f|12:00"), node("1", "s|13:00|f|17:00"))
    days = [node("1")] + [node(str(d), "", *shifts) for d in range(2, 7)] + [node("7")]
    return node(
        "CalendarData",
        "",
        node("DaysOfWeek", "", *days),
        node("Exceptions", "", node("0", "d|46388")),
    )


def small_xer(tmp_path, *, lag_calendar="rcal_Successor", extra_task="", projects=1):
    rows = [
        "ERMHDR\t8.1\t2026-01-01",
        "%T\tPROJECT",
        "%F\tproj_id\tproj_short_name\tclndr_id\tplan_start_date\tlast_recalc_date",
        "%R\t1\tP1\t10\t2026-12-28 00:00\t2026-12-28 00:00",
    ]
    if projects == 2:
        rows.append("%R\t2\tP2\t10\t2026-12-28 00:00\t2026-12-28 00:00")
    rows += [
        "%T\tCALENDAR",
        "%F\tclndr_id\tclndr_name\tday_hr_cnt\tclndr_data",
        f"%R\t10\tNine hours\t8\t{nine_hours()}",
        "%T\tSCHEDOPTIONS",
        "%F\tproj_id\tsched_calendar_on_relationship_lag",
        f"%R\t1\t{lag_calendar}",
        "%T\tTASK",
        "%F\ttask_id\tproj_id\tclndr_id\ttask_code\ttask_name\ttask_type\tstatus_code"
        "\ttarget_drtn_hr_cnt\tremain_drtn_hr_cnt\tcstr_type\tcstr_date",
        "%R\t100\t1\t10\tA\tDig\tTT_Task\tTK_NotStart\t90\t90\t\t",
        "%R\t101\t1\t10\tB\tPour\tTT_Task\tTK_NotStart\t18\t18\tCS_MSOA\t2027-01-11 00:00",
        "%R\t102\t1\t10\tM\tDone\tTT_FinMile\tTK_NotStart\t0\t0\t\t",
    ]
    if extra_task:
        rows.append(extra_task)
    rows += [
        "%T\tTASKPRED",
        "%F\ttask_pred_id\ttask_id\tpred_task_id\tpred_type\tlag_hr_cnt",
        "%R\t1\t101\t100\tPR_FS\t9",
        "%R\t2\t102\t101\tPR_FF\t0",
        "%E",
    ]
    path = tmp_path / "small.xer"
    path.write_text("\n".join(rows) + "\n", encoding="cp1252")
    return path


def test_hours_convert_through_the_calendars_real_working_day(tmp_path):
    sc, report = import_xer(small_xer(tmp_path))
    a, b, m = sc.tasks
    # 9-hour days (07-12, 13-17) although day_hr_cnt says 8: 90 h = 10 days, 18 h = 2
    assert a.duration.params == {"value": 10.0} and b.duration.params == {"value": 2.0}
    assert m.duration.params == {"value": 0.0} and m.milestone == "finish"
    assert b.predecessors == (rk.Link("A", "FS", 1.0),)  # a 9-hour lag is one day
    assert m.predecessors == (rk.Link("B", "FF", 0.0),)
    assert b.constraints == (Constraint("start-no-earlier-than", datetime.date(2027, 1, 11)),)
    cal = sc.calendars[0]
    assert (cal.id, cal.workdays, cal.holidays) == (
        "Nine_hours",
        (0, 1, 2, 3, 4),
        (datetime.date(2027, 1, 1),),
    )
    assert cal.hours_per_day == 9.0 and cal.day == ((7.0, 12.0), (13.0, 17.0))
    # nothing started: the data date is the start, and no status is needed
    assert sc.start == datetime.date(2026, 12, 28) and sc.data_date is None
    assert report.counts["activities"] == 3 and report.counts["links"] == 2
    assert report.counts["links: FS"] == 1 and report.counts["constraints"] == 1
    assert report.losses == {}
    plan = rk.simulate(sc, 4, 1, sensitivity=False, drivers=False)
    # A: Dec 28 to Jan 11 (10 working days, Jan 1 off); the lag takes Jan 12; B (its
    # start-no-earlier-than Jan 11 is earlier) works Jan 13 and 14
    assert plan.task_dates["A"]["P50"] == "2027-01-11"
    assert plan.task_dates["B"]["P50"] == "2027-01-14"


def test_what_cannot_be_mapped_yet_is_listed_not_dropped_silently(tmp_path):
    loe = "%R\t103\t1\t10\tL\tSupervision\tTT_LOE\tTK_NotStart\t0\t0\tCS_ALAP\t"
    path = small_xer(tmp_path, lag_calendar="rcal_Sideways", extra_task=loe)
    sc, report = import_xer(path)
    assert [t.id for t in sc.tasks] == ["A", "B", "M"]
    assert report.losses["loe-without-successor"].items == ["L"]
    assert "level of effort" in report.losses["loe-without-successor"].line()
    assert report.losses["lag-calendar"].items == ["rcal_Sideways"]
    assert sc.lag_calendar == "successor"


def spanning_xer(tmp_path):
    """small_xer's three activities in a WBS (node 3 under 2 under 1; M in node 4), with
    levels of effort and WBS summaries: L (SS from A, FF to B) and S (node 2) are kept,
    the others are losses for a reason each."""
    fields = "\ttask_id\tproj_id\tclndr_id\twbs_id\ttask_code\ttask_type\tstatus_code"
    fields += "\ttarget_drtn_hr_cnt\tremain_drtn_hr_cnt\tact_start_date"
    rows = [
        "ERMHDR\t8.1\t2026-01-01",
        "%T\tPROJECT",
        "%F\tproj_id\tproj_short_name\tclndr_id\tplan_start_date\tlast_recalc_date",
        "%R\t1\tP1\t10\t2026-12-28 00:00\t2026-12-28 00:00",
        "%T\tCALENDAR",
        "%F\tclndr_id\tclndr_name\tday_hr_cnt\tclndr_data",
        f"%R\t10\tNine hours\t8\t{nine_hours()}",
        "%T\tPROJWBS",
        "%F\twbs_id\tproj_id\tparent_wbs_id",
        "%R\t1\t1\t",
        "%R\t2\t1\t1",
        "%R\t3\t1\t2",
        "%R\t4\t1\t1",
        "%T\tTASK",
        "%F" + fields,
        "%R\t100\t1\t10\t3\tA\tTT_Task\tTK_NotStart\t90\t90\t",
        "%R\t101\t1\t10\t3\tB\tTT_Task\tTK_NotStart\t18\t18\t",
        "%R\t102\t1\t10\t4\tM\tTT_FinMile\tTK_NotStart\t0\t0\t",
        "%R\t103\t1\t10\t2\tL\tTT_LOE\tTK_NotStart\t0\t0\t",
        "%R\t104\t1\t10\t2\tS\tTT_WBS\tTK_NotStart\t0\t0\t",
        "%R\t105\t1\t10\t4\tL2\tTT_LOE\tTK_Active\t9\t9\t2026-12-28 08:00",
        "%R\t106\t1\t10\t4\tS2\tTT_WBS\tTK_NotStart\t0\t0\t",
        "%R\t107\t1\t10\t3\tL3\tTT_LOE\tTK_NotStart\t0\t0\t",
        "%T\tTASKPRED",
        "%F\ttask_pred_id\ttask_id\tpred_task_id\tpred_type\tlag_hr_cnt",
        "%R\t1\t101\t100\tPR_FS\t9",
        "%R\t2\t102\t101\tPR_FF\t0",
        "%R\t3\t103\t100\tPR_SS\t0",
        "%R\t4\t101\t103\tPR_FF\t0",
        "%R\t5\t104\t100\tPR_FS\t0",
        "%R\t6\t102\t105\tPR_FS\t0",
        "%R\t7\t107\t100\tPR_FS\t0",
        "%E",
    ]
    path = tmp_path / "spans.xer"
    path.write_text("\n".join(rows) + "\n", encoding="cp1252")
    return path


def test_levels_of_effort_and_wbs_summaries(tmp_path):
    sc, report = import_xer(spanning_xer(tmp_path))
    by_id = {t.id: t for t in sc.tasks}
    assert sorted(by_id) == ["A", "B", "L", "L2", "M", "S", "S2"]
    assert by_id["L"].type == "level-of-effort" and by_id["L"].duration.params == {"value": 0.0}
    assert by_id["L"].predecessors == (rk.Link("A", "SS", 0.0),)
    assert rk.Link("L", "FF", 0.0) in by_id["B"].predecessors
    # S spans its node and the nodes below it, other summaries excluded; S2 M and L2
    assert by_id["S"].type == "wbs-summary" and set(by_id["S"].summarises) == {"A", "B", "L"}
    assert set(by_id["S2"].summarises) == {"M", "L2"} and by_id["S"].predecessors == ()
    # L2 is in progress: started on its actual start, no remaining duration of its own
    # 08:00, an hour into the day (07:00-12:00, 13:00-17:00): kept to the minute
    assert by_id["L2"].actual_start == datetime.datetime(2026, 12, 28, 8, 0)
    assert by_id["L2"].remaining is None and by_id["L2"].type == "level-of-effort"
    assert rk.Link("L2", "FS", 0.0) in by_id["M"].predecessors
    assert report.losses["wbs-links"].items == ["A->S"]
    assert report.losses["loe-without-successor"].items == ["L3"]
    assert "dropped-links" not in report.losses and "TT_LOE-progress" not in report.losses
    plan = rk.simulate(sc, 4, 1, sensitivity=False, drivers=False)
    # A runs Dec 28 to Jan 11, B to Jan 14: L and S span the two, S2 is M's day
    assert plan.task_dates["L"]["P50"] == plan.task_dates["S"]["P50"] == "2027-01-14"
    assert plan.task_dates["S2"]["P50"] == plan.task_dates["M"]["P50"]
    assert plan.task_dates["L2"]["P50"] == plan.task_dates["M"]["P50"]  # M's start
    assert plan.criticality["L"] == plan.criticality["S"] == 0.0


@pytest.mark.parametrize(
    ("option", "policy", "days"),
    [
        ("rcal_Successor", "successor", 1.0),
        ("rcal_Predecessor", "predecessor", 1.0),
        ("rcal_ProjDefault", "project", 1.0),
        ("rcal_24Hour", "24-hour", 9 / 24),
    ],
)
def test_the_lag_calendar_option_and_lag_hours_on_it(tmp_path, option, policy, days):
    sc, report = import_xer(small_xer(tmp_path, lag_calendar=option))
    assert sc.lag_calendar == policy and "lag-calendar" not in report.losses
    assert sc.tasks[1].predecessors[0].lag == pytest.approx(days)  # 9 hours


def test_choosing_the_project(tmp_path):
    path = small_xer(tmp_path, projects=2)
    with pytest.raises(ScenarioError, match=r"2 projects \(P1, P2\): choose one with --project"):
        import_xer(path)
    with pytest.raises(ScenarioError, match="no project 'P9'"):
        import_xer(path, "P9")
    with pytest.raises(ScenarioError, match="project P2 has no activities"):
        import_xer(path, "P2")
    assert import_xer(path, "P1")[0].name == "P1"


def fidelity(name: str, project: str | None = None) -> tuple[float, float, str, str]:
    """Share of open activities whose plan finish day equals P6's early finish day, the
    share within one working day, and the two project finishes."""
    sc, _ = import_xer(FIXTURES / name, project)
    hard = dataclasses.replace(sc.simulation, constraints="hard")  # as P6 schedules
    plan = rk.simulate(
        dataclasses.replace(sc, simulation=hard), 4, 1, sensitivity=False, drivers=False
    )
    x = read_xer(FIXTURES / name)
    rows = {r["task_code"]: r for _, r in x.table("TASK").records()}
    days = []
    for t in sc.tasks:
        r = rows[t.id]
        if r["status_code"] != "TK_Complete" and r["early_end_date"]:
            ours, theirs = plan.task_dates[t.id]["P50"], r["early_end_date"][:10]
            days.append(abs(np.busday_count(min(ours, theirs), max(ours, theirs))))
    proj = next(r for _, r in x.table("PROJECT").records() if r["proj_short_name"] == sc.name)
    d = np.array(days)
    return (
        float((d == 0).mean()),
        float((d <= 1).mean()),
        plan.project.dates["P50"],
        proj["scd_end_date"][:10],
    )


@needs_fixtures
def test_a_small_real_schedule_comes_out_as_p6_scheduled_it():
    same, near, ours, theirs = fidelity("bhatticoder_construction.xer")
    assert same >= 0.95 and near == 1.0
    assert ours == theirs


@needs_fixtures
def test_a_real_update_with_progress_keeps_its_project_finish():
    # 23 started or finished activities at the data date; 6 ALAP constraints not modelled
    same, near, ours, theirs = fidelity("constantintcacenco_harbour_pointe_update.xer")
    assert ours == theirs == "2014-09-24"
    assert same >= 0.85


def test_the_report_keeps_the_dates_p6_stored_for_each_activity(tmp_path):
    path = small_xer(tmp_path)
    text = path.read_text(encoding="cp1252").replace(
        "\tcstr_type\tcstr_date\n",
        "\tcstr_type\tcstr_date\tearly_start_date\tearly_end_date\ttotal_float_hr_cnt\n",
    )
    text = text.replace(
        "%R\t100\t1\t10\tA\tDig\tTT_Task\tTK_NotStart\t90\t90\t\t\n",
        "%R\t100\t1\t10\tA\tDig\tTT_Task\tTK_NotStart\t90\t90\t\t\t2026-12-28 07:00"
        "\t2027-01-11 17:00\t18\n",
    )
    path.write_text(text, encoding="cp1252")
    sc, report = import_xer(path)
    assert set(report.stored) == {t.id for t in sc.tasks}
    a = report.stored["A"]
    assert a.start == datetime.datetime(2026, 12, 28, 7, 0)
    assert a.finish == datetime.datetime(2027, 1, 11, 17, 0)
    assert a.total_float == pytest.approx(2.0)  # 18 h of a 9-hour working day
    assert (a.kind, a.status) == ("task", "not started")
    assert report.stored["M"].kind == "finish milestone" and report.stored["B"].start is None


def test_as_late_as_possible_comes_in_without_a_date(tmp_path):
    alap = "%R\t104\t1\t10\tZ\tLate\tTT_Task\tTK_NotStart\t9\t9\tCS_ALAP\t"
    sc, report = import_xer(small_xer(tmp_path, extra_task=alap))
    assert sc.tasks[-1].constraints == (Constraint("as-late-as-possible", None),)
    assert "CS_ALAP" not in report.losses


def with_costs(path, rows):
    """The small XER with TASKRSRC and PROJCOST ``rows`` added."""
    text = path.read_text(encoding="cp1252").replace("%E\n", "\n".join(rows) + "\n%E\n")
    path.write_text(text, encoding="cp1252")
    return path


def test_costs_come_in_as_a_rate_over_the_remaining_days_and_lump_sums(tmp_path):
    rows = [
        "%T\tTASKRSRC",
        "%F\ttaskrsrc_id\ttask_id\tproj_id\tact_reg_cost\tact_ot_cost\tremain_cost",
        "%R\t1\t100\t1\t0\t0\t900",  # A: 10 working days left, 1000 in all: 100 a day
        "%R\t2\t100\t1\t0\t0\t100",
        "%R\t3\t101\t1\t\t\t36",
        "%T\tPROJCOST",
        "%F\tcost_item_id\ttask_id\tproj_id\tact_cost\tremain_cost",
        "%R\t1\t101\t1\t0\t500",  # an expense: a lump sum
        "%R\t2\t102\t1\t0\t-0.001",  # rounding in the file: counted as 0, and listed
    ]
    sc, report = import_xer(with_costs(small_xer(tmp_path), rows))
    a, b, m = sc.tasks
    assert a.cost.fixed.params["value"] == 0 and a.cost.per_day.params["value"] == 100.0
    assert b.cost.fixed.params["value"] == 500 and b.cost.per_day.params["value"] == 18.0
    assert m.cost is None and m.actual_cost is None  # its only cost was the rounding
    assert report.costs == {"actual": 0.0, "remaining": 1536.0}
    assert report.counts["resource assignments"] == 3 and report.counts["expenses"] == 2
    assert report.losses["negative-cost"].items == ["M (-0.001)"]
    plan = rk.deterministic_plan(sc)
    assert float(plan.costs["total"][0]) == pytest.approx(1536.0)


def test_a_started_activity_carries_its_actual_cost(tmp_path):
    started = (
        "%R\t103\t1\t10\tW\tWall\tTT_Task\tTK_Active\t45\t27\t\t",  # 3 of its 5 days left
    )
    rows = [
        "%T\tTASKRSRC",
        "%F\ttaskrsrc_id\ttask_id\tproj_id\tact_reg_cost\tact_ot_cost\tremain_cost",
        "%R\t1\t103\t1\t150\t50\t300",
    ]
    path = small_xer(tmp_path, extra_task=started[0])
    text = path.read_text(encoding="cp1252").replace(
        "\tcstr_type\tcstr_date\n", "\tcstr_type\tcstr_date\tact_start_date\n"
    )
    text = text.replace("TK_Active\t45\t27\t\t\n", "TK_Active\t45\t27\t\t\t2026-12-28 07:00\n")
    path.write_text(text, encoding="cp1252")
    sc, report = import_xer(with_costs(path, rows))
    w = sc.task("W")
    assert w.actual_cost == 200.0 and w.cost.per_day.params["value"] == pytest.approx(100.0)
    assert report.costs == {"actual": 200.0, "remaining": 300.0}


@needs_fixtures
@pytest.mark.parametrize(
    ("name", "project"),
    [
        ("bhatticoder_construction.xer", None),
        ("bhatticoder_hotel_project.xer", "HBTF-2"),
        ("constantintcacenco_harbour_pointe_update.xer", None),
        ("sp10-cost-loaded.xer", None),
    ],
)
def test_the_plan_cost_of_a_real_schedule_is_its_actual_plus_remaining_cost(name, project):
    sc, report = import_xer(FIXTURES / name, project)
    plan = rk.deterministic_plan(sc)
    want = report.costs["actual"] + report.costs["remaining"]
    assert want > 0
    assert float(plan.costs["total"][0]) == pytest.approx(want, rel=1e-4)  # 0.01 %


def test_the_project_finish_p6_stored_is_kept_and_a_bad_one_warned(tmp_path):
    assert import_xer(small_xer(tmp_path))[1].project_finish is None  # no scd_end_date
    path = small_xer(tmp_path)
    text = path.read_text(encoding="cp1252")
    text = text.replace("\tlast_recalc_date\n", "\tlast_recalc_date\tscd_end_date\n")
    good = text.replace(
        "2026-12-28 00:00\t2026-12-28 00:00\n",
        "2026-12-28 00:00\t2026-12-28 00:00\t2027-01-14 17:00\n",
    )
    path.write_text(good, encoding="cp1252")
    assert import_xer(path)[1].project_finish == datetime.datetime(2027, 1, 14, 17, 0)
    bad = text.replace(
        "2026-12-28 00:00\t2026-12-28 00:00\n", "2026-12-28 00:00\t2026-12-28 00:00\tsoon\n"
    )
    path.write_text(bad, encoding="cp1252")
    _, report = import_xer(path)
    assert report.project_finish is None
    assert report.warnings == ["the project's scd_end_date is not a date: no finish to compare"]


@pytest.mark.parametrize(
    ("kind", "ctype", "when", "day", "lost"),
    [
        ("TT_Task", "CS_MSOA", "2027-01-11 07:00", datetime.date(2027, 1, 11), False),
        ("TT_Task", "CS_MSOA", "2027-01-11 17:00", datetime.date(2027, 1, 12), False),  # close
        ("TT_Task", "CS_MEOB", "2027-01-11 17:00", datetime.date(2027, 1, 11), False),
        ("TT_Task", "CS_MEOB", "2027-01-11 07:00", datetime.date(2027, 1, 10), False),  # open
        # a milestone's finish-on keeps its time: dated that day, its latest finish then
        ("TT_FinMile", "CS_MEO", "2027-01-11 07:00", datetime.datetime(2027, 1, 11, 7), False),
        ("TT_FinMile", "CS_MANDFIN", "2027-01-11 07:00", datetime.datetime(2027, 1, 11, 7), False),
        ("TT_Task", "CS_MSOA", "2027-01-11 00:00", datetime.date(2027, 1, 11), False),
        # a time inside the working day: that moment
        ("TT_Task", "CS_MEOB", "2027-01-11 10:00", datetime.datetime(2027, 1, 11, 10), False),
    ],
)
def test_a_constraint_time_at_the_opening_or_close_of_the_day_is_exact(
    tmp_path, kind, ctype, when, day, lost
):
    row = f"%R\t104\t1\t10\tZ\tTimed\t{kind}\tTK_NotStart\t9\t9\t{ctype}\t{when}"
    sc, report = import_xer(small_xer(tmp_path, extra_task=row))
    assert sc.tasks[-1].constraints[0].date == day
    assert ("constraint-time" in report.losses) is lost


def test_progress_after_the_data_date_is_a_warning_not_a_failure(tmp_path):
    rows = (
        "%R\t104\t1\t10\tW\tLate start\tTT_Task\tTK_Active\t45\t27\t\t\t2027-02-01 07:00\t",
        "%R\t105\t1\t10\tF\tLate finish\tTT_Task\tTK_Complete\t45\t0\t\t"
        "\t2026-12-28 07:00\t2027-02-01 17:00",
    )
    path = small_xer(tmp_path, extra_task="\n".join(rows))
    text = path.read_text(encoding="cp1252").replace(
        "\tcstr_type\tcstr_date\n", "\tcstr_type\tcstr_date\tact_start_date\tact_end_date\n"
    )
    path.write_text(text, encoding="cp1252")
    sc, report = import_xer(path)
    rk.validate(sc)
    w, f = sc.task("W"), sc.task("F")
    assert w.actual_start is None and f.actual_start is not None and f.actual_finish is None
    assert any(m.startswith("W has an actual start") for m in report.warnings)
    assert any(m.startswith("F has an actual finish") for m in report.warnings)


@pytest.mark.parametrize(("calendar", "lost"), [("10", False), ("11", True), ("", False)])
def test_a_resource_dependent_activity_on_other_resource_calendars_is_a_loss(
    tmp_path, calendar, lost
):
    """R, resource dependent, is assigned a resource of calendar ``calendar`` (10: its
    own; 11: another; none given): P6 schedules it by its resources' calendars, we on
    its own, so another calendar is named as an approximation."""
    row = "%R\t104\t1\t10\tR\tRebar\tTT_Rsrc\tTK_NotStart\t9\t9\t\t"
    path = with_costs(
        small_xer(tmp_path, extra_task=row),
        [
            "%T\tRSRC",
            "%F\trsrc_id\trsrc_name\tclndr_id",
            f"%R\t7\tCrew\t{calendar}",
            "%T\tTASKRSRC",
            "%F\ttaskrsrc_id\ttask_id\tproj_id\trsrc_id\tremain_cost",
            "%R\t1\t104\t1\t7\t0",
            "%R\t2\t100\t1\t7\t0",  # A is a task: its resources do not move it
        ],
    )
    sc, report = import_xer(path)
    assert sc.task("R").attributes[0] == ("type", "resource dependent")
    assert ("resource-calendars" in report.losses) is lost
    if lost:
        assert report.losses["resource-calendars"].items == ["R"]
