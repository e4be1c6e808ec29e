"""An MS Project (MSPDI) file as a scenario (io/msimport.py): each mapping rule on small
hand-written files, and fidelity against the dates stored in the real ones
(../shared/fixtures/schedules; skipped, saying why, when that folder is absent)."""

from __future__ import annotations

import dataclasses
import datetime
import re
from pathlib import Path

import numpy as np
import pytest

import riskengine as rk
from riskengine.errors import ScenarioError
from riskengine.io.msimport import import_mspdi
from riskengine.io.mspdi import calendar_working_time
from riskengine.io.scenario_file import load_scenario
from riskengine.io.scenario_writer import scenario_yaml
from riskengine.model.scenario import Constraint
from test_import_readers import FIXTURES, needs_fixtures

D = datetime.date


def week(times: str = "<WorkingTime><FromTime>07:00:00</FromTime><ToTime>12:00:00</ToTime>"
         "</WorkingTime><WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime>"
         "</WorkingTime>", days=(2, 3, 4, 5, 6)) -> str:  # fmt: skip
    """WeekDays working ``times`` on ``days`` (1 = Sunday) and not on the others."""
    out = []
    for d in range(1, 8):
        if d in days:
            out.append(
                f"<WeekDay><DayType>{d}</DayType><DayWorking>1</DayWorking>"
                f"<WorkingTimes>{times}</WorkingTimes></WeekDay>"
            )
        else:
            out.append(f"<WeekDay><DayType>{d}</DayType><DayWorking>0</DayWorking></WeekDay>")
    return "<WeekDays>" + "".join(out) + "</WeekDays>"


NINE_HOURS = (  # 07-12, 13-17 Monday to Friday; Friday 2027-01-01 off
    "<Calendar><UID>1</UID><Name>Nine hours</Name><IsBaseCalendar>1</IsBaseCalendar>"
    "<BaseCalendarUID>-1</BaseCalendarUID>" + week() + "<Exceptions><Exception>"
    "<TimePeriod><FromDate>2027-01-01T00:00:00</FromDate><ToDate>2027-01-01T23:59:00</ToDate>"
    "</TimePeriod><DayWorking>0</DayWorking></Exception></Exceptions></Calendar>"
)


def link(uid: int, type_: int = 1, lag: int = 0, fmt: int = 7, extra: str = "") -> str:
    return (
        f"<PredecessorLink><PredecessorUID>{uid}</PredecessorUID><Type>{type_}</Type>"
        f"<LinkLag>{lag}</LinkLag><LagFormat>{fmt}</LagFormat>{extra}</PredecessorLink>"
    )


def task(uid: int, hours: float = 9, *links: str, outline: str = "", **fields: object) -> str:
    """One Task element: ``hours`` of Duration, ``links``, and any other fields."""
    body = f"<UID>{uid}</UID><ID>{uid}</ID><Name>T{uid}</Name><Duration>PT{hours}H0M0S</Duration>"
    body += f"<OutlineNumber>{outline or uid}</OutlineNumber>"
    body += f"<OutlineLevel>{(outline or str(uid)).count('.') + 1}</OutlineLevel>"
    body += "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return f"<Task>{body}{''.join(links)}</Task>"


def mspdi(
    tmp_path, *tasks: str, calendars: str = NINE_HOURS, header: str = "", start: str = "07:00"
) -> str:
    """A small MSPDI file: project start Monday 2026-12-28 (at ``start``) on calendar 1."""
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Project xmlns="http://schemas.microsoft.com/project"><SaveVersion>14</SaveVersion>'
        f"<Name>Small</Name><StartDate>2026-12-28T{start}:00</StartDate>"
        f"<CalendarUID>1</CalendarUID>{header}<Calendars>{calendars}</Calendars><Tasks>"
        "<Task><UID>0</UID><ID>0</ID><Name>Small</Name><OutlineLevel>0</OutlineLevel>"
        "<Summary>1</Summary></Task>" + "".join(tasks) + "</Tasks></Project>"
    )
    path = tmp_path / "small.xml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def plan(sc):
    hard = dataclasses.replace(sc.simulation, constraints="hard")
    return rk.simulate(
        dataclasses.replace(sc, simulation=hard), 4, 1, sensitivity=False, drivers=False
    )


def test_durations_and_lags_convert_through_the_calendars_real_working_day(tmp_path):
    path = mspdi(
        tmp_path,
        task(1, 90),
        task(2, 18, link(1, 1, 5400, 5)),  # FS, 9 hours (entered in hours)
        task(3, 9, link(2, 3, 2700, 7)),  # SS, half a day
        task(4, 9, link(3, 0, 0)),  # FF
        task(5, 9, link(3, 2, -5400, 7)),  # SF, a one-day lead
        task(6, 0, link(4), Milestone=1),
    )
    sc, report = import_mspdi(path)
    t = {x.id: x for x in sc.tasks}
    assert list(t) == ["1", "2", "3", "4", "5", "6"]  # the unique ids
    assert t["1"].duration.params == {"value": 10.0}  # 90 h of 9-hour days
    assert t["2"].duration.params == {"value": 2.0} and t["1"].name == "T1"
    assert t["2"].predecessors == (rk.Link("1", "FS", 1.0),)
    assert t["3"].predecessors == (rk.Link("2", "SS", 0.5),)
    assert t["4"].predecessors == (rk.Link("3", "FF", 0.0),)
    assert t["5"].predecessors == (rk.Link("3", "SF", -1.0),)
    assert t["6"].milestone == "finish" and t["6"].duration.params == {"value": 0.0}
    cal = sc.calendars[0]
    assert (cal.id, cal.workdays, cal.holidays) == ("Nine_hours", (0, 1, 2, 3, 4), (D(2027, 1, 1),))
    assert cal.hours_per_day == 9.0 and cal.day == ((7.0, 12.0), (13.0, 17.0))
    assert sc.start == D(2026, 12, 28) and sc.data_date is None  # 07:00: the opening
    assert report.counts["activities"] == 6 and report.counts["links"] == 5
    assert report.counts["activities: finish milestone"] == 1
    assert report.counts["links: FS"] == 2 and report.counts["links: SF"] == 1
    assert report.losses == {} and report.warnings == []
    p = plan(sc)
    # 1: Dec 28 to Jan 11 (10 days, Jan 1 off); the lag takes Jan 12; 2: Jan 13 and 14
    assert p.task_dates["1"]["P50"] == "2027-01-11"
    assert p.task_dates["2"]["P50"] == "2027-01-14"


def test_elapsed_and_percent_lags_and_elapsed_durations_are_losses(tmp_path):
    path = mspdi(
        tmp_path,
        task(1, 9),
        task(2, 9, link(1, 1, 14 * 24 * 600, 8)),  # 14 elapsed days
        task(3, 9, link(1, 1, 500, 19)),  # 50 %
        task(4, 48, DurationFormat=8),  # 2 elapsed days
    )
    sc, report = import_mspdi(path)
    t = {x.id: x for x in sc.tasks}
    assert t["2"].predecessors == (rk.Link("1", "FS", 10.0),)  # 14 days: 10 working days
    assert t["3"].predecessors == (rk.Link("1", "FS", 0.0),)
    assert t["4"].duration.params["value"] == pytest.approx(2 * 5 / 7)
    assert report.losses["elapsed-lags"].items == ["1->2"]
    assert report.losses["percent-lags"].items == ["1->3"]
    assert report.losses["elapsed-durations"].items == ["4"]


def test_a_derived_calendar_takes_its_bases_weekdays_and_exceptions(tmp_path):
    saturday = (
        "<Calendar><UID>2</UID><Name>Site, Saturdays</Name><IsBaseCalendar>0</IsBaseCalendar>"
        "<BaseCalendarUID>1</BaseCalendarUID><WeekDays><WeekDay><DayType>7</DayType>"
        "<DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>07:00:00</FromTime>"
        "<ToTime>16:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay></WeekDays>"
        "<Exceptions><Exception><TimePeriod><FromDate>2027-01-04T00:00:00</FromDate>"
        "<ToDate>2027-01-05T23:59:00</ToDate></TimePeriod><DayWorking>0</DayWorking>"
        "</Exception></Exceptions></Calendar>"
    )
    path = mspdi(
        tmp_path,
        task(1, 9),
        task(2, 27, link(1), CalendarUID=2),
        task(3, 9, link(2), CalendarUID=-1),
        calendars=NINE_HOURS + saturday,
    )
    sc, report = import_mspdi(path)
    cals = {c.id: c for c in sc.calendars}
    site = cals["Site_Saturdays"]
    assert site.workdays == (0, 1, 2, 3, 4, 5)  # Monday to Friday from its base
    assert site.holidays == (D(2027, 1, 1), D(2027, 1, 4), D(2027, 1, 5))  # base's and own
    assert site.hours_per_day == 9.0 and report.counts["calendars"] == 2
    t = {x.id: x for x in sc.tasks}
    assert (t["1"].calendar, t["2"].calendar, t["3"].calendar) == (
        "Nine_hours",
        "Site_Saturdays",
        "Nine_hours",
    )
    assert t["2"].duration.params == {"value": 3.0}
    p = plan(sc)
    # 1 on Monday Dec 28; 2 works Tue 29, Wed 30, Thu 31 (the Saturday is not needed)
    assert p.task_dates["2"]["P50"] == "2026-12-31"
    assert p.task_dates["3"]["P50"] == "2027-01-04"  # Friday Jan 1 off: Monday


def test_a_calendar_derived_from_a_missing_base_is_a_warning(tmp_path):
    orphan = NINE_HOURS.replace("<BaseCalendarUID>-1<", "<BaseCalendarUID>7<")
    _, report = import_mspdi(mspdi(tmp_path, task(1), calendars=orphan))
    assert report.warnings == [
        "calendar 1 is derived from calendar 7, which is not in the file: the weekdays it "
        "does not define are not worked"
    ]


@pytest.mark.parametrize(
    ("ctype", "honor", "moment", "expected"),
    [
        (4, 1, "2027-01-11T07:00:00", Constraint("start-no-earlier-than", D(2027, 1, 11))),
        (5, 1, "2027-01-11T07:00:00", Constraint("start-no-later-than", D(2027, 1, 11))),
        (6, 1, "2027-01-11T17:00:00", Constraint("finish-no-earlier-than", D(2027, 1, 11))),
        (7, 0, "2027-01-11T17:00:00", Constraint("finish-no-later-than", D(2027, 1, 11))),
        (2, 1, "2027-01-11T07:00:00", Constraint("mandatory-start", D(2027, 1, 11))),
        (3, 1, "2027-01-11T17:00:00", Constraint("mandatory-finish", D(2027, 1, 11))),
        (2, 0, "2027-01-11T07:00:00", Constraint("start-on", D(2027, 1, 11))),
        (3, 0, "2027-01-11T17:00:00", Constraint("finish-on", D(2027, 1, 11))),
        # a start at the close of a day is the next one; a finish at the opening the one before
        (4, 0, "2027-01-08T17:00:00", Constraint("start-no-earlier-than", D(2027, 1, 9))),
        (6, 0, "2027-01-12T07:00:00", Constraint("finish-no-earlier-than", D(2027, 1, 11))),
    ],
)
def test_each_constraint_type(tmp_path, ctype, honor, moment, expected):
    header = f"<HonorConstraints>{honor}</HonorConstraints>"
    path = mspdi(tmp_path, task(1, 9, ConstraintType=ctype, ConstraintDate=moment), header=header)
    sc, report = import_mspdi(path)
    assert sc.tasks[0].constraints == (expected,)
    assert report.counts["constraints"] == 1
    assert set(report.losses) == ({"honored-latest"} if honor and ctype in (5, 7) else set())


def test_alap_comes_in_and_constraint_times_inside_the_day_are_losses(tmp_path):
    path = mspdi(
        tmp_path,
        task(1, 9, ConstraintType=1, ConstraintDate="NA"),
        task(2, 9, ConstraintType=4, ConstraintDate="2027-01-11T10:00:00"),
        task(3, 9, ConstraintType=0, ConstraintDate="1970-01-01T00:00:00"),
    )
    sc, report = import_mspdi(path)
    assert [t.constraints for t in sc.tasks] == [
        (Constraint("as-late-as-possible", None),),
        (Constraint("start-no-earlier-than", D(2027, 1, 11)),),
        (),
    ]
    assert "alap" not in report.losses
    assert report.losses["constraint-time"].items == ["2"]
    assert report.counts["constraints"] == 2


def test_milestones(tmp_path):
    path = mspdi(
        tmp_path,
        task(1, 18),
        task(2, 0, link(1), Milestone=1),
        task(3, 9, link(1), Milestone=1),  # a milestone with a duration
        task(4, 0, link(1)),  # zero duration without the flag: a finish milestone too
    )
    sc, report = import_mspdi(path)
    t = {x.id: x for x in sc.tasks}
    assert (t["2"].milestone, t["3"].milestone, t["4"].milestone) == ("finish", None, None)
    assert t["3"].duration.params == {"value": 1.0}
    assert report.losses["milestone-duration"].items == ["3"]
    p = plan(sc)
    assert p.task_dates["2"]["P50"] == p.task_dates["4"]["P50"] == "2026-12-29"


def test_summaries_are_left_out_and_their_links_go_to_their_tasks(tmp_path):
    path = mspdi(
        tmp_path,
        task(1, 9, outline="1"),
        task(2, 0, link(1), outline="2", Summary=1, ConstraintType=4,
             ConstraintDate="2027-01-05T07:00:00"),
        task(3, 9, outline="2.1"),
        task(4, 9, link(3), outline="2.2", Summary=1),
        task(5, 9, outline="2.2.1"),
        task(6, 9, link(2), link(4, 3), outline="3"),  # FS from 2: exact; SS from 4: lost
        task(7, 9, link(2, 0), outline="4"),  # FF from a summary: exact too
        task(8, 9, link(1, 0), outline="5", Summary=1),  # FF onto a summary: lost
        task(9, 9, link(1, 0), outline="5.1"),
        task(10, 9, outline="6", **{"Active": 0}),
        task(11, 9, link(10), outline="7"),
    )  # fmt: skip
    sc, report = import_mspdi(path)
    t = {x.id: x for x in sc.tasks}
    assert list(t) == ["1", "3", "5", "6", "7", "9", "11"]
    assert report.losses["summaries"].items == ["2", "4", "8"]
    # 1 -> summary 2 (FS): to each task under it, nested ones too
    assert t["3"].predecessors == (rk.Link("1"),)
    assert t["5"].predecessors == (rk.Link("1"), rk.Link("3"))
    assert t["6"].predecessors == (rk.Link("3"), rk.Link("5"))  # from each task of 2
    assert t["7"].predecessors == (rk.Link("3", "FF"), rk.Link("5", "FF"))
    assert report.losses["summary-links"].items == ["4->6", "1->8"]
    assert report.losses["inactive"].items == ["10"]
    assert report.losses["dropped-links"].items == ["10->11"]
    # the summary's start-no-earlier-than holds for each of its tasks
    snet = Constraint("start-no-earlier-than", D(2027, 1, 5))
    assert t["3"].constraints == t["5"].constraints == (snet,)
    assert t["9"].group == "5" and t["5"].group == "2.2" and t["1"].group == ""
    assert report.counts["activities"] == 11 and report.counts["activities: summary"] == 3
    assert report.counts["links: on summaries, rewritten onto their tasks"] == 4
    assert "0" not in t  # the project's summary task is neither a task nor a loss


def test_progress_at_the_status_date(tmp_path):
    header = "<StatusDate>2027-01-06T17:00:00</StatusDate>"
    path = mspdi(
        tmp_path,
        task(1, 27, ActualStart="2026-12-28T07:00:00", ActualFinish="2026-12-30T17:00:00",
             PercentComplete=100),
        task(2, 45, link(1), ActualStart="2026-12-31T07:00:00",
             RemainingDuration="PT18H0M0S", PercentComplete=60),
        task(3, 9, link(2)),
        task(4, 9, ActualStart="2027-01-08T07:00:00"),  # after the status date
        task(5, 9, link(99)),  # a link from a task not in the file
        task(6, 9, PercentComplete=100),  # complete, without a date
        task(7, 9, Start="2027-01-05T07:00:00", Finish="2027-01-05T17:00:00",
             EarlyFinish="2027-01-05T17:00:00"),  # in the past
        task(8, 27, ActualStart="2027-01-04T07:00:00", Finish="2027-01-06T12:00:00"),
        task(9, 27, ActualStart="2027-01-04T07:00:00", Finish="2027-01-05T17:00:00"),
        header=header,
    )  # fmt: skip
    sc, report = import_mspdi(path)
    t = {x.id: x for x in sc.tasks}
    assert sc.data_date == datetime.datetime(2027, 1, 6, 17, 0)  # the end of Jan 6
    assert sc.progress_logic == "retained"  # SplitsInProgressTasks absent: MS Project's 1
    assert (t["1"].actual_start, t["1"].actual_finish) == (D(2026, 12, 28), D(2026, 12, 30))
    assert t["2"].actual_start == D(2026, 12, 31) and t["2"].actual_finish is None
    assert t["2"].remaining.params == {"value": 2.0}
    assert t["4"].actual_start is None
    assert report.warnings == [
        "task 5 has a link from task UID 99, which is not in the file: left out",
        "6 is complete without any date: not started",
        "4 has an actual start 2027-01-08 after the status date 2027-01-06: taken as not started",
    ]
    # MS Project leaves work in the past that we schedule from the status date
    assert report.losses["before-status-date"].items == ["7"]
    assert report.losses["remaining-before-status-date"].items == ["9"]
    # the status the file stores (4 as it says, though the scenario has it not started)
    assert [report.stored[k].status for k in "1234"] == [
        "finished",
        "in progress",
        "not started",
        "in progress",
    ]
    p = plan(sc)
    assert p.task_dates["2"]["P50"] == "2027-01-08"  # 2 days after the end of Jan 6
    assert p.task_dates["3"]["P50"] == "2027-01-11"


def test_without_split_in_progress_tasks_the_remaining_work_overrides_the_links(tmp_path):
    header = "<StatusDate>2027-01-06T17:00:00</StatusDate>"
    header += "<SplitsInProgressTasks>0</SplitsInProgressTasks>"
    path = mspdi(
        tmp_path,
        task(1, 45),
        task(2, 45, link(1), ActualStart="2027-01-04T07:00:00", RemainingDuration="PT18H0M0S"),
        header=header,
    )
    sc, _ = import_mspdi(path)
    assert sc.progress_logic == "override"
    assert plan(sc).task_dates["2"]["P50"] == "2027-01-08"  # not after 1 (Jan 13)


def test_without_a_status_date_the_current_date_is_the_data_date(tmp_path):
    header = "<CurrentDate>2027-01-04T07:00:00</CurrentDate>"
    path = mspdi(tmp_path, task(1, 27, ActualStart="2026-12-28T07:00:00"), header=header)
    sc, report = import_mspdi(path)
    assert sc.data_date == datetime.datetime(2027, 1, 4, 7, 0)
    assert report.warnings[0].startswith("the file has no status date: its current date")
    # without progress the current date means nothing (it is when the file was saved)
    sc, report = import_mspdi(mspdi(tmp_path, task(1, 27), header=header))
    assert sc.data_date is None and report.warnings == []


def test_a_start_after_the_opening_of_the_day_is_kept_as_the_data_date(tmp_path):
    path = mspdi(tmp_path, task(1, 9), start="10:00")
    sc, _ = import_mspdi(path)
    assert sc.start == D(2026, 12, 28)
    assert sc.data_date == datetime.datetime(2026, 12, 28, 10, 0)
    # 9 hours from 10:00 on Monday end at 10:00 on Tuesday, as MS Project has it
    assert plan(sc).task_dates["1"]["P50"] == "2026-12-29"


def test_the_report_keeps_the_dates_ms_project_stored(tmp_path):
    path = mspdi(
        tmp_path,
        task(1, 9, Start="2026-12-28T07:00:00", Finish="2026-12-29T07:00:00",
             TotalSlack=2 * 9 * 600),
        task(2, 0, link(1), Milestone=1, Start="2026-12-28T17:00:00",
             Finish="2026-12-28T17:00:00"),
        task(3, 0, Milestone=1, Start="2027-01-04T07:00:00", Finish="2027-01-04T07:00:00"),
    )  # fmt: skip
    _, report = import_mspdi(path)
    a = report.stored["1"]
    assert a.start == datetime.datetime(2026, 12, 28, 7, 0)
    # a finish at the opening of Tuesday is the end of Monday
    assert a.finish == datetime.datetime(2026, 12, 28, 17, 0)
    assert a.total_float == pytest.approx(2.0)  # tenths of minutes, 9-hour days
    assert (a.kind, a.status) == ("task", "not started")
    assert report.stored["2"].kind == "finish milestone"
    assert report.stored["2"].total_float is None
    # a milestone takes no time: one at the opening of a day is on that day
    assert report.stored["3"].finish == datetime.datetime(2027, 1, 4, 7, 0)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("<Tasks></Tasks>", "the file holds no tasks"),
        ("<Tasks><Task><UID>1</UID><PredecessorLink><PredecessorUID>1</PredecessorUID>"
         "<Type>7</Type></PredecessorLink></Task></Tasks>", "unknown link type '7'"),
        ("<Tasks><Task><UID>1</UID><ConstraintType>9</ConstraintType></Task></Tasks>",
         "unknown constraint type '9'"),
        ("<Tasks><Task><UID>1</UID><Duration>8h</Duration></Task></Tasks>",
         "not an ISO 8601 duration"),
        ("<Tasks><Task><UID>1</UID></Task><Task><UID>1</UID></Task></Tasks>",
         "two tasks have the unique id 1"),
        ("<Tasks><Task><UID>1</UID></Task><Task><UID>2</UID><PredecessorLink><PredecessorUID>1"
         "</PredecessorUID><LinkLag>soon</LinkLag></PredecessorLink></Task></Tasks>",
         "LinkLag is not a number: 'soon'"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_schedule_is_a_clean_error(tmp_path, body, words):
    path = tmp_path / "bad.xml"
    path.write_text(
        '<Project xmlns="http://schemas.microsoft.com/project"><StartDate>2027-01-04T08:00:00'
        f"</StartDate>{body}</Project>",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as e:
        import_mspdi(path)
    assert words in str(e.value) and e.value.file == str(path)


def test_a_file_that_is_not_mspdi_names_the_file(tmp_path):
    path = tmp_path / "plan.xml"
    path.write_text("<Plan><Task/></Plan>", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not an MS Project XML") as e:
        import_mspdi(path)
    assert e.value.file == str(path)
    with pytest.raises(ScenarioError, match="no project 'Other'"):
        import_mspdi(mspdi(tmp_path, task(1)), "Other")
    assert import_mspdi(mspdi(tmp_path, task(1)), "Small")[0].name == "Small"


def test_costs_come_in_as_a_rate_over_the_remaining_days_and_lump_sums(tmp_path):
    header = "<StatusDate>2027-01-06T17:00:00</StatusDate>"
    path = mspdi(
        tmp_path,
        task(1, 27, Cost=1800, RemainingCost=1800, FixedCost=300),  # 3 days: 300 + 500 a day
        task(
            2,
            45,
            ActualStart="2026-12-28T07:00:00",
            RemainingDuration="PT18H0M0S",
            PercentComplete=60,
            ActualCost=600,
            RemainingCost=400,
        ),  # 2 days left: 200 a day
        task(
            3,
            9,
            ActualStart="2026-12-28T07:00:00",
            ActualFinish="2026-12-28T16:00:00",
            PercentComplete=100,
            ActualCost=90,
            RemainingCost=0,
        ),
        task(4, 9, RemainingCost=-0.01),  # rounding: counted as 0, and listed
        header=header,
    )
    sc, report = import_mspdi(path)
    one, two, three, four = sc.tasks
    assert (one.cost.fixed.params["value"], one.cost.per_day.params["value"]) == (300, 500)
    assert one.actual_cost is None
    assert two.cost.per_day.params["value"] == 200 and two.actual_cost == 600
    assert three.cost.fixed.params["value"] == 0 and three.actual_cost == 90
    assert four.cost is None
    assert report.costs == {"actual": 690.0, "remaining": 2200.0}
    assert report.losses["negative-cost"].items == ["4 (-0.01)"]
    plan = rk.deterministic_plan(sc)
    assert float(plan.costs["total"][0]) == pytest.approx(2890.0)


def round_trip(sc, tmp_path):
    path = tmp_path / "written.yaml"
    path.write_text(scenario_yaml(sc), encoding="utf-8")
    return dataclasses.replace(load_scenario(path), source=sc.source, inputs=sc.inputs)


def test_what_the_import_makes_is_written_and_read_back_the_same(tmp_path):
    header = "<StatusDate>2027-01-06T17:00:00</StatusDate>"
    path = mspdi(
        tmp_path,
        task(1, 27, ActualStart="2026-12-28T07:00:00", ActualFinish="2026-12-30T17:00:00"),
        task(2, 45, link(1, 3, 2700), ActualStart="2026-12-31T07:00:00",
             RemainingDuration="PT18H0M0S"),
        task(3, 9, link(2), ConstraintType=7, ConstraintDate="2027-02-01T17:00:00"),
        task(4, 0, link(3), Milestone=1),
        header=header,
    )  # fmt: skip
    sc, _ = import_mspdi(path)
    assert round_trip(sc, tmp_path) == sc


# --- the real files -------------------------------------------------------------------


def fidelity(name: str) -> tuple[float, float, str, int, list[str]]:
    """Share of open tasks whose plan finish day equals the Finish MS Project stored, the
    share within one working day, our project finish, the number compared and the ids
    of the mismatches."""
    sc, report = import_mspdi(FIXTURES / name)
    p = plan(sc)
    days, worst = [], []
    for t in sc.tasks:
        stored = report.stored[t.id]
        if stored.status != "finished" and stored.finish is not None:
            ours, theirs = p.task_dates[t.id]["P50"], stored.finish.date().isoformat()
            days.append(abs(np.busday_count(min(ours, theirs), max(ours, theirs))))
            if days[-1]:
                worst.append(t.id)
    d = np.array(days)
    return float((d == 0).mean()), float((d <= 1).mean()), p.project.dates["P50"], len(d), worst


@needs_fixtures
def test_ms_projects_own_file_comes_out_as_it_scheduled_it():
    # saved by MS Project 2007: the project starts at 09:00 on a calendar that opens at
    # 08:00, so every finish is an hour into a day (kept through the data date)
    same, near, ours, n, _ = fidelity("aspose_java_NewProductDev.xml")
    assert (same, near, n) == (1.0, 1.0, 21)
    assert ours == "2012-09-18"
    sc, report = import_mspdi(FIXTURES / "aspose_java_NewProductDev.xml")
    assert report.counts["activities: summary"] == 4 and len(sc.tasks) == 21
    assert report.counts["links"] == 24 and report.counts["assignments"] == 21


@needs_fixtures
def test_a_file_written_by_another_tool_keeps_its_project_finish():
    # its dates come from the tool that wrote it, which does not move the tasks nested
    # two levels under a summary with a predecessor (MS Project moves every task under
    # it): the nine mismatches are the tasks under summary 11 (Armering) and their chain
    same, near, ours, n, worst = fidelity("yolean_kv_solsidan.xml")
    assert n == 82 and ours == "2021-07-26"
    assert same >= 0.89 and near >= 0.89
    assert set(worst) == {"13", "14", "15", "16", "17", "19", "20", "21", "22"}
    sc, report = import_mspdi(FIXTURES / "yolean_kv_solsidan.xml")
    assert report.counts["constraints"] == 29 and report.counts["links: FS"] == 75
    assert report.warnings[0].startswith("the file stores no early dates nor slack")
    _, report = import_mspdi(FIXTURES / "aspose_java_NewProductDev.xml")
    assert report.warnings == []


@needs_fixtures
@pytest.mark.parametrize("name", ["aspose_java_NewProductDev.xml", "yolean_kv_solsidan.xml"])
def test_real_files_are_written_and_read_back_the_same(tmp_path, name):
    sc, _ = import_mspdi(FIXTURES / name)
    assert round_trip(sc, tmp_path) == sc


def test_a_link_between_big_summaries_is_refused_not_multiplied(tmp_path, monkeypatch):
    monkeypatch.setattr("riskengine.io.msimport.MAX_REWRITTEN", 3)
    path = mspdi(
        tmp_path,
        task(1, 9, outline="1", Summary=1),
        task(2, 9, outline="1.1"),
        task(3, 9, outline="1.2"),
        task(4, 9, link(1), outline="2", Summary=1),
        task(5, 9, outline="2.1"),
        task(6, 9, outline="2.2"),
    )
    sc, report = import_mspdi(path)
    assert all(not t.predecessors for t in sc.tasks)  # 2 × 2 = 4 links: over 3
    assert report.losses["summary-links"].items == ["1->4"]


def exception(first: str, last: str, **fields: object) -> dict:
    """An Exception element as io/mspdi.py reads it: a day off, recurring by ``fields``."""
    return {
        "TimePeriod": {"FromDate": f"{first}T00:00:00", "ToDate": f"{last}T23:59:00"},
        "DayWorking": "0",
        **{k: str(v) for k, v in fields.items()},
    }


@pytest.mark.parametrize(
    ("fields", "first", "last", "days"),
    [
        ({}, "2027-12-24", "2027-12-26", ["2027-12-24", "2027-12-25", "2027-12-26"]),
        ({"Type": 9}, "2027-12-24", "2027-12-25", ["2027-12-24", "2027-12-25"]),
        ({"Type": 1, "Occurrences": 2}, "2027-12-24", "2027-12-25", ["2027-12-24", "2027-12-25"]),
        ({"Type": 1, "Period": 3}, "2027-01-01", "2027-01-07",
         ["2027-01-01", "2027-01-04", "2027-01-07"]),
        # New Year's Day, yearly by day of the month (Month 0 = January)
        ({"Type": 2, "Month": 0, "MonthDay": 1, "Occurrences": 3}, "2027-01-01", "2029-01-01",
         ["2027-01-01", "2028-01-01", "2029-01-01"]),
        # Thanksgiving: the fourth (3) Thursday (7) of November (10)
        ({"Type": 3, "Month": 10, "MonthPosition": 3, "MonthItem": 7}, "2027-11-25", "2028-11-23",
         ["2027-11-25", "2028-11-23"]),
        # the 31st of every month: months without one have none
        ({"Type": 4, "MonthDay": 31, "Period": 1}, "2027-01-31", "2027-03-31",
         ["2027-01-31", "2027-03-31"]),
        # the last (4) Friday (8) of every second month
        ({"Type": 5, "MonthPosition": 4, "MonthItem": 8, "Period": 2}, "2027-01-29", "2027-05-28",
         ["2027-01-29", "2027-03-26", "2027-05-28"]),
        # Tuesdays and Thursdays (4 + 16) every second week
        ({"Type": 6, "DaysOfWeek": 20, "Period": 2}, "2027-01-05", "2027-01-21",
         ["2027-01-05", "2027-01-07", "2027-01-19", "2027-01-21"]),
    ],
)  # fmt: skip
def test_recurring_calendar_exceptions_give_the_days_of_their_pattern(fields, first, last, days):
    cal = {"UID": "1", "Exceptions": {"Exception": [exception(first, last, **fields)]}}
    wt, _ = calendar_working_time(cal, file="p.xml")
    assert sorted(d.isoformat() for d in wt.exceptions) == days


def test_an_unsupported_recurring_exception_is_a_clean_error():
    cal = {"UID": "4", "Exceptions": {"Exception": [exception("2027-01-01", "2027-02-01", Type=8)]}}
    with pytest.raises(ScenarioError, match=r"Calendars\[UID 4\].*Type '8'.*not supported"):
        calendar_working_time(cal, file="p.xml")


def test_alternative_work_weeks_are_read_as_exceptions_of_their_period():
    def day(kind: int, *times: tuple[str, str]) -> dict:
        if not times:
            return {"DayType": str(kind), "DayWorking": "0"}
        shifts = [{"FromTime": f"{a}:00", "ToTime": f"{b}:00"} for a, b in times]
        return {"DayType": str(kind), "DayWorking": "1", "WorkingTimes": {"WorkingTime": shifts}}

    summer = {  # June 2027: Fridays off, Saturday mornings worked
        "TimePeriod": {"FromDate": "2027-06-01T00:00:00", "ToDate": "2027-06-30T23:59:00"},
        "WeekDays": {"WeekDay": [day(6), day(7, ("08:00", "12:00"))]},
    }
    office = [day(d, ("08:00", "12:00"), ("13:00", "17:00")) for d in range(2, 7)]
    # an exception proper beats the work week: Friday 11 June is worked
    worked = {
        **exception("2027-06-11", "2027-06-11"),
        "DayWorking": "1",
        "WorkingTimes": {"WorkingTime": [{"FromTime": "08:00:00", "ToTime": "16:00:00"}]},
    }
    cal = {
        "UID": "1",
        "WeekDays": {"WeekDay": office},
        "WorkWeeks": {"WorkWeek": [summer]},
        "Exceptions": {"Exception": [worked]},
    }
    wt, _ = calendar_working_time(cal)
    fridays = [D(2027, 6, d) for d in (4, 18, 25)]
    assert all(wt.exceptions[f] == () for f in fridays)
    assert wt.exceptions[D(2027, 6, 11)] == ((480, 960),)
    assert wt.exceptions[D(2027, 6, 5)] == ((480, 720),)  # a Saturday morning
    assert D(2027, 6, 7) not in wt.exceptions  # Monday: the work week leaves it alone
    assert D(2027, 7, 2) not in wt.exceptions  # a Friday after the period


def test_deadlines_are_latest_finishes_and_leveling_delays_a_loss(tmp_path):
    path = mspdi(
        tmp_path,
        task(1, 9, Deadline="2027-01-15T17:00:00"),
        task(2, 9, ConstraintType=4, ConstraintDate="2027-01-04T07:00:00",
             Deadline="2027-01-15T17:00:00"),
        task(3, 9, ConstraintType=7, ConstraintDate="2027-01-12T17:00:00",
             Deadline="2027-01-15T17:00:00"),
        task(4, 9, ConstraintType=2, ConstraintDate="2027-01-04T07:00:00",
             Deadline="2027-01-15T17:00:00", LevelingDelay=4800),
        header="<HonorConstraints>0</HonorConstraints>",
    )  # fmt: skip
    sc, report = import_mspdi(path)
    late = Constraint("finish-no-later-than", D(2027, 1, 15))
    t = {x.id: x for x in sc.tasks}
    assert t["1"].constraints == (late,)
    assert t["2"].constraints == (Constraint("start-no-earlier-than", D(2027, 1, 4)), late)
    assert t["3"].constraints == (Constraint("finish-no-later-than", D(2027, 1, 12)),)
    assert t["4"].constraints == (Constraint("start-on", D(2027, 1, 4)),)
    assert report.losses["deadlines"].items == ["4"]
    assert report.losses["leveling-delay"].items == ["4"]
    assert round_trip(sc, tmp_path) == sc


def test_outline_levels_alone_place_tasks_under_their_summaries(tmp_path):
    path = mspdi(
        tmp_path,
        task(1, 9, outline="1"),
        task(2, 0, link(1), outline="2", Summary=1),
        task(3, 9, outline="2.1"),
        task(4, 9, outline="2.2"),
        task(5, 0, link(1), outline="3", Summary=1),  # a summary with nothing under it
        task(6, 9, outline="4"),
    )
    text = Path(path).read_text(encoding="utf-8")
    Path(path).write_text(re.sub(r"<OutlineNumber>[\d.]+</OutlineNumber>", "", text))
    sc, report = import_mspdi(path)
    t = {x.id: x for x in sc.tasks}
    assert t["3"].predecessors == t["4"].predecessors == (rk.Link("1"),)
    assert t["3"].group == "2" and t["6"].predecessors == ()
    assert report.losses["summary-links"].items == ["1->5"]


def test_constraint_dates_before_the_start_are_left_out(tmp_path):
    path = mspdi(
        tmp_path,
        task(1, 9, ConstraintType=4, ConstraintDate="2026-12-01T07:00:00"),
        task(2, 9, ConstraintType=4, ConstraintDate="2026-12-01T07:00:00",
             Deadline="2027-01-08T17:00:00"),
        task(3, 9, ConstraintType=7, ConstraintDate="2026-12-24T17:00:00"),
    )  # fmt: skip
    sc, report = import_mspdi(path)
    assert [t.constraints for t in sc.tasks] == [
        (),
        (Constraint("finish-no-later-than", D(2027, 1, 8)),),
        (),
    ]
    assert report.losses["constraint-before-start"].items == ["1", "2", "3"]
    rk.validate(sc)


def test_a_file_without_calendars_works_monday_to_friday(tmp_path):
    path = tmp_path / "bare.xml"
    path.write_text(
        '<Project xmlns="http://schemas.microsoft.com/project"><StartDate>2027-01-04T08:00:00'
        "</StartDate><MinutesPerDay>600</MinutesPerDay><Tasks><Task><UID>1</UID>"
        "<Duration>PT20H0M0S</Duration></Task></Tasks></Project>",
        encoding="utf-8",
    )
    sc, report = import_mspdi(path)
    assert report.warnings == ["the file defines no calendar: Monday to Friday, 10 hours a day"]
    assert sc.calendars[0].hours_per_day == 10.0 and sc.tasks[0].duration.params["value"] == 2.0
    assert sc.name == "bare" and report.counts["calendars"] == 0
