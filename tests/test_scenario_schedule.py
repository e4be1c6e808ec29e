"""Calendars, costs, constraints and progress in scenario files, and check_schedule."""

from __future__ import annotations

import dataclasses
import datetime as dt
import textwrap

import pytest

import riskengine as rk
from riskengine.errors import ScenarioError
from riskengine.model.distributions import parse_distribution
from riskengine.model.scenario import Calendar, Cost, CostItem, Distribution, Milestone, Task
from riskengine.model.validate import check_schedule

CANONICAL = """\
start: 2027-01-04
calendar: standard                       # project default calendar id
calendars:
  standard: {workdays: [Mon, Tue, Wed, Thu, Fri], holidays: [2027-04-02, 2027-04-05]}
  site:
    workdays: [Mon, Tue, Wed, Thu, Fri, Sat]
    holidays: [2027-04-05]
    extra_workdays: [2027-04-10]
tasks:
  - id: pour
    calendar: site
    group: civil                          # e.g. a WBS code, groups costs
    duration: {dist: pert, min: 4, mode: 5, max: 9}
    cost: {fixed: 12000, per_day: 1500}   # either may be a number or a distribution
    constraint: {start_no_earlier_than: 2027-02-01}
    actual_start: 2027-02-01              # progress fields
    actual_finish: 2027-02-08
  - id: frame
    duration: {dist: triangular, min: 8, mode: 10, max: 15}
    predecessors: [pour]
    cost: 5000                            # shorthand for {fixed: 5000}
    actual_start: 2027-02-15
    remaining: {dist: triangular, min: 2, mode: 3, max: 5}   # work in progress only
milestones:
  - {id: handover, after: [frame], target: 2027-06-30}
costs:                                    # project-level cost items
  - {id: overhead, name: Site overhead, per_day: 5000, group: indirect}
  - {id: insurance, fixed: {dist: uniform, min: 20000, max: 30000}}
status:
  data_date: 2027-03-01
"""


def write(tmp_path, text, name="plan.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def fixed(x):
    return Distribution("fixed", {"value": float(x)})


def test_canonical_form_loads(tmp_path):
    sc = rk.load_scenario(write(tmp_path, CANONICAL))
    assert sc.calendar == "standard"
    assert sc.calendars == (
        Calendar("standard", (0, 1, 2, 3, 4), (dt.date(2027, 4, 2), dt.date(2027, 4, 5))),
        Calendar("site", (0, 1, 2, 3, 4, 5), (dt.date(2027, 4, 5),), (dt.date(2027, 4, 10),)),
    )
    assert sc.project_calendar().id == "standard"
    assert sc.data_date == dt.date(2027, 3, 1)

    pour = sc.task("pour")
    assert pour.calendar == "site" and pour.group == "civil"
    assert pour.cost == Cost(fixed=fixed(12000), per_day=fixed(1500))
    assert pour.start_no_earlier_than == dt.date(2027, 2, 1)
    assert (pour.actual_start, pour.actual_finish) == (dt.date(2027, 2, 1), dt.date(2027, 2, 8))
    assert pour.remaining is None

    frame = sc.task("frame")
    assert frame.calendar is None and frame.group == "" and frame.start_no_earlier_than is None
    assert frame.cost == Cost(fixed=fixed(5000))
    assert frame.actual_start == dt.date(2027, 2, 15) and frame.actual_finish is None
    assert frame.remaining == Distribution("triangular", {"min": 2.0, "mode": 3.0, "max": 5.0})

    m = sc.milestones[0]
    assert m.target is None and m.target_date == dt.date(2027, 6, 30)

    overhead, insurance = sc.costs
    assert overhead == CostItem(
        "overhead", Cost(per_day=fixed(5000)), name="Site overhead", group="indirect"
    )
    assert insurance == CostItem(
        "insurance", Cost(fixed=Distribution("uniform", {"min": 20000.0, "max": 30000.0}))
    )


def test_calendar_defaults_and_weekday_spellings(tmp_path):
    sc = rk.load_scenario(
        write(
            tmp_path,
            """\
            start: 2027-01-04
            calendars:
              office: {holidays: [2027-12-24]}
              weekend: {workdays: [saturday, SUN]}
              shifts: {workdays: [Friday, mon, Wednesday, tue, THU]}
              plain:
            tasks:
              - {id: a, duration: 3, calendar: weekend}
            """,
        )
    )
    office, weekend, shifts, plain = sc.calendars
    assert office.workdays == (0, 1, 2, 3, 4) and office.holidays == (dt.date(2027, 12, 24),)
    assert weekend.workdays == (5, 6)
    assert shifts.workdays == (0, 1, 2, 3, 4)
    assert plain == Calendar("plain")
    assert sc.calendar is None and sc.project_calendar() is office  # the first one
    assert sc.data_date is None and sc.costs == ()


def test_without_calendars_the_standard_calendar_may_be_named(tmp_path):
    sc = rk.load_scenario(
        write(
            tmp_path,
            """\
            start: 2027-01-04
            calendar: standard
            tasks: [{id: a, duration: 3, calendar: standard, cost: {per_day: [100, 150, 300]}}]
            """,
        )
    )
    assert sc.calendars == () and sc.project_calendar().workdays == (0, 1, 2, 3, 4)
    assert sc.task("a").cost.per_day.kind == "triangular"


# Each case is a whole file; "# <-" marks the line the error must point at.
BAD = [
    (
        "not a date",
        """\
        start: 2027-01-04
        calendars:
          standard:
            holidays: [2027-04-02, 2027-02-30]   # <-
        tasks: [{id: a, duration: 1}]
        """,
        "calendars.standard.holidays[1]",
        "not a date: '2027-02-30'",
    ),
    (
        "a holiday long after the start",
        """\
        start: 2027-01-04
        calendars:
          site:
            holidays:
              - 2027-04-05
              - 2207-04-05   # <-
        tasks: [{id: a, duration: 1}]
        """,
        "calendars.site.holidays[1]",
        "calendar 'site': holiday 2207-04-05 is more than 100 years after the start 2027-01-04",
    ),
    (
        "an extra workday long before the start",
        """\
        start: 2027-01-04
        calendars:
          site:
            extra_workdays:
              - 1927-04-10   # <-
        tasks: [{id: a, duration: 1}]
        """,
        "calendars.site.extra_workdays[0]",
        "extra workday 1927-04-10 is more than 50 years before the start 2027-01-04",
    ),
    (
        "no working day",
        """\
        start: 2027-01-04
        calendars:
          idle:
            workdays: []   # <-
        tasks: [{id: a, duration: 1}]
        """,
        "calendars.idle.workdays",
        "calendar 'idle' has no working day",
    ),
    (
        "a misspelt weekday",
        """\
        start: 2027-01-04
        calendars:
          site:
            workdays:
              - Mon
              - Wendesday   # <-
        tasks: [{id: a, duration: 1}]
        """,
        "calendars.site.workdays[1]",
        "unknown weekday 'Wendesday' (did you mean 'Wed'?)",
    ),
    (
        "a weekday number",
        """\
        start: 2027-01-04
        calendars:
          site:
            workdays:
              - 1   # <-
        tasks: [{id: a, duration: 1}]
        """,
        "calendars.site.workdays[0]",
        "unknown weekday 1 (use Mon, Tue, Wed, Thu, Fri, Sat, Sun or the full names)",
    ),
    (
        "a weekday twice",
        """\
        start: 2027-01-04
        calendars:
          site:
            workdays:
              - Tue
              - tuesday   # <-
        tasks: [{id: a, duration: 1}]
        """,
        "calendars.site.workdays[1]",
        "Tue is listed twice",
    ),
    (
        "a date that is both a holiday and a workday",
        """\
        start: 2027-01-04
        calendars:
          site:
            holidays: [2027-04-10]
            extra_workdays:
              - 2027-04-10   # <-
        tasks: [{id: a, duration: 1}]
        """,
        "calendars.site.extra_workdays[0]",
        "calendar 'site': 2027-04-10 is both a holiday and an extra workday",
    ),
    (
        "calendars as a list",
        """\
        start: 2027-01-04
        calendars:   # <-
          - {workdays: [Mon]}
        tasks: [{id: a, duration: 1}]
        """,
        "calendars",
        "must map calendar ids to calendars",
    ),
    (
        "calendars without a start",
        """\
        calendars:   # <-
          site: {workdays: [Mon]}
        tasks: [{id: a, duration: 1}]
        """,
        "calendars",
        "a calendar needs the scenario's 'start' date",
    ),
    (
        "a negative rate",
        """\
        start: 2027-01-04
        tasks:
          - id: a
            duration: 1
            cost:
              per_day: -1500   # <-
        """,
        "tasks[a].cost.per_day",
        "a cost rate cannot be negative, got value -1500",
    ),
    (
        "a rate that can go negative",
        """\
        start: 2027-01-04
        tasks:
          - id: a
            duration: 1
            cost:
              per_day: {dist: uniform, min: -100, max: 500}   # <-
        """,
        "tasks[a].cost.per_day",
        "a cost rate cannot be negative, got min -100",
    ),
    (
        "a negative fixed cost in shorthand",
        """\
        tasks:
          - id: a
            duration: 1
            cost: -5000   # <-
        """,
        "tasks[a].cost",
        "a cost cannot be negative, got value -5000",
    ),
    (
        "a cost item that can go negative",
        """\
        tasks: [{id: a, duration: 1}]
        costs:
          - {id: overhead, per_day: 100}
          - id: fees
            fixed: {dist: triangular, min: -1, mode: 2, max: 3}   # <-
        """,
        "costs[fees].fixed",
        "a cost cannot be negative, got min -1",
    ),
    (
        "a distribution where a cost belongs",
        """\
        tasks:
          - id: a
            duration: 1
            cost: {dist: pert, min: 1, mode: 2, max: 4}   # <-
        """,
        "tasks[a].cost.dist",
        "a cost is {fixed: …, per_day: …}; put a distribution under one of them",
    ),
    (
        "an empty cost item",
        """\
        tasks: [{id: a, duration: 1}]
        costs:
          - {id: overhead, name: Overhead}   # <-
        """,
        "costs[overhead]",
        "a cost item needs 'fixed' and/or 'per_day'",
    ),
    (
        "a duplicate cost item",
        """\
        tasks: [{id: a, duration: 1}]
        costs:
          - {id: overhead, per_day: 100}
          - {id: overhead, per_day: 200}   # <-
        """,
        "costs[1].id",
        "duplicate cost item id 'overhead' (first used by costs[0])",
    ),
    (
        "a constraint before the start",
        """\
        start: 2027-01-04
        tasks:
          - id: a
            duration: 1
            constraint:
              start_no_earlier_than: 2026-12-01   # <-
        """,
        "tasks[a].constraint.start_no_earlier_than",
        "start_no_earlier_than 2026-12-01 is before the project start 2027-01-04",
    ),
    (
        "a constraint without a start",
        """\
        tasks:
          - id: a
            duration: 1
            constraint: {start_no_earlier_than: 2027-02-01}   # <-
        """,
        "tasks[a].constraint.start_no_earlier_than",
        "a date constraint needs the scenario's 'start' date",
    ),
    (
        "an actual finish before the actual start",
        """\
        start: 2027-01-04
        status: {data_date: 2027-03-01}
        tasks:
          - id: a
            duration: 1
            actual_start: 2027-02-08
            actual_finish: 2027-02-01   # <-
        """,
        "tasks[a].actual_finish",
        "actual finish 2027-02-01 is before the actual start 2027-02-08",
    ),
    (
        "an actual finish without an actual start",
        """\
        start: 2027-01-04
        status: {data_date: 2027-03-01}
        tasks:
          - id: a
            duration: 1
            actual_finish: 2027-02-01   # <-
        """,
        "tasks[a].actual_finish",
        "actual finish 2027-02-01 without an actual start",
    ),
    (
        "an actual start before the project start",
        """\
        start: 2027-01-04
        status: {data_date: 2027-03-01}
        tasks:
          - id: a
            duration: 1
            actual_start: 2026-12-28   # <-
        """,
        "tasks[a].actual_start",
        "actual start 2026-12-28 is before the project start 2027-01-04",
    ),
    (
        "an actual date after the data date",
        """\
        start: 2027-01-04
        status: {data_date: 2027-03-01}
        tasks:
          - id: a
            duration: 1
            actual_start: 2027-02-01
            actual_finish: 2027-03-02   # <-
        """,
        "tasks[a].actual_finish",
        "actual finish 2027-03-02 is after the data date 2027-03-01",
    ),
    (
        "actuals without a data date",
        """\
        start: 2027-01-04
        tasks:
          - id: a
            duration: 1
            actual_start: 2027-02-01   # <-
        """,
        "tasks[a].actual_start",
        "task 'a' has progress but the scenario has no data date",
    ),
    (
        "a data date before the start",
        """\
        start: 2027-01-04
        status:
          data_date: 2027-01-01   # <-
        tasks: [{id: a, duration: 1}]
        """,
        "status.data_date",
        "data date 2027-01-01 is before the start 2027-01-04",
    ),
    (
        "remaining on a finished task",
        """\
        start: 2027-01-04
        status: {data_date: 2027-03-01}
        tasks:
          - id: a
            duration: 5
            actual_start: 2027-02-01
            actual_finish: 2027-02-08
            remaining: 3   # <-
        """,
        "tasks[a].remaining",
        "task 'a' finished on 2027-02-08: a finished task has no 'remaining'",
    ),
    (
        "remaining on a task not started",
        """\
        start: 2027-01-04
        tasks:
          - id: a
            duration: 5
            remaining: 3   # <-
        """,
        "tasks[a].remaining",
        "'remaining' is for work in progress: it needs an actual start",
    ),
    (
        "an unknown task calendar",
        """\
        start: 2027-01-04
        calendars: {standard: {}, site: {workdays: [Mon, Sat]}}
        tasks:
          - id: a
            duration: 1
            calendar: sit   # <-
        """,
        "tasks[a].calendar",
        "unknown calendar 'sit' (did you mean 'site'?)",
    ),
    (
        "an unknown project calendar",
        """\
        start: 2027-01-04
        calendar: night   # <-
        calendars: {standard: {}, site: {workdays: [Mon, Sat]}}
        tasks: [{id: a, duration: 1}]
        """,
        "calendar",
        "unknown calendar 'night' (defined: standard, site)",
    ),
    (
        "a calendar name without calendars",
        """\
        start: 2027-01-04
        tasks:
          - id: a
            duration: 1
            calendar: site   # <-
        """,
        "tasks[a].calendar",
        "unknown calendar 'site' (without 'calendars' the only calendar is 'standard'",
    ),
    (
        "a date target before the start",
        """\
        start: 2027-01-04
        tasks: [{id: a, duration: 1}]
        milestones:
          - {id: m, after: [a], target: 2026-12-31}   # <-
        """,
        "milestones[m].target",
        "target 2026-12-31 is before the start 2027-01-04",
    ),
    (
        "an unknown key in a cost",
        """\
        tasks:
          - id: a
            duration: 1
            cost:
              per_hour: 20   # <-
        """,
        "tasks[a].cost.per_hour",
        "unknown key 'per_hour' (allowed: fixed, per_day)",
    ),
    (
        "an unknown key in a cost item",
        """\
        tasks: [{id: a, duration: 1}]
        costs:
          - id: overhead
            rate: 20   # <-
        """,
        "costs[0].rate",  # the id is not known yet, as for tasks
        "unknown key 'rate'",
    ),
    (
        "an unknown key in a constraint",
        """\
        start: 2027-01-04
        tasks:
          - id: a
            duration: 1
            constraint:
              finish_no_later_than: 2027-02-01   # <-
        """,
        "tasks[a].constraint.finish_no_later_than",
        "unknown key 'finish_no_later_than' (did you mean 'start_no_earlier_than'?)",
    ),
    (
        "an unknown key in status",
        """\
        start: 2027-01-04
        status:
          datadate: 2027-02-01   # <-
        tasks: [{id: a, duration: 1}]
        """,
        "status.datadate",
        "unknown key 'datadate' (did you mean 'data_date'?)",
    ),
    (
        "an unknown key in a calendar",
        """\
        start: 2027-01-04
        calendars:
          site:
            work_days: [Mon]   # <-
        tasks: [{id: a, duration: 1}]
        """,
        "calendars.site.work_days",
        "unknown key 'work_days' (did you mean 'workdays'?)",
    ),
]


@pytest.mark.parametrize("text,field,message", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_files_name_file_line_field_and_reason(tmp_path, text, field, message):
    text = textwrap.dedent(text)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "# <-" in s)
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as e:
        rk.load_scenario(path)
    err = e.value
    # the CLI prints str(error) as one line: "plan.yaml:LINE: FIELD: REASON"
    assert str(err).startswith(f"{path}:{line}: {field}: ")
    assert message in str(err)
    assert (err.file, err.line, err.field) == (str(path), line, field)
    assert "\n" not in str(err)


def test_the_canonical_form_with_a_typo_is_located(tmp_path):
    text = CANONICAL.replace("calendar: site\n", "calendar: sight\n")
    with pytest.raises(ScenarioError) as e:
        rk.load_scenario(write(tmp_path, text))
    assert e.value.line == CANONICAL.splitlines().index("    calendar: site") + 1
    assert "tasks[pour].calendar: unknown calendar 'sight' (did you mean 'site'?)" in str(e.value)


# --- check_schedule on models built in Python -------------------------------------------

START = dt.date(2027, 1, 4)


def model(**changes) -> rk.Scenario:
    """A valid scenario in progress: one finished task and one in progress."""
    tasks = (
        Task(
            "a",
            fixed(5),
            calendar="site",
            cost=Cost(fixed(100), fixed(10)),
            start_no_earlier_than=dt.date(2027, 1, 11),
            actual_start=dt.date(2027, 1, 11),
            actual_finish=dt.date(2027, 1, 15),
        ),
        Task("b", fixed(5), actual_start=dt.date(2027, 1, 18), remaining=fixed(2)),
    )
    base = rk.Scenario(
        name="m",
        tasks=tasks,
        start=START,
        calendars=(Calendar("standard"), Calendar("site", (0, 1, 2, 3, 4, 5))),
        calendar="standard",
        data_date=dt.date(2027, 1, 20),
        costs=(CostItem("a", Cost(per_day=fixed(50))),),  # may share a task's id
        milestones=(Milestone("m", ("b",), target=5.0, target_date=dt.date(2027, 1, 9)),),
    )
    return dataclasses.replace(base, **changes)


def replace_task(sc: rk.Scenario, i: int, **changes) -> rk.Scenario:
    tasks = list(sc.tasks)
    tasks[i] = dataclasses.replace(tasks[i], **changes)
    return dataclasses.replace(sc, tasks=tuple(tasks))


def test_a_valid_model_passes():
    check_schedule(model())
    check_schedule(rk.Scenario(name="plain", tasks=(Task("a", fixed(1)),)))


@pytest.mark.parametrize(
    "sc,field,message",
    [
        (
            model(calendars=(Calendar("site"), Calendar("site"))),
            "calendars.site",
            "duplicate calendar id 'site'",
        ),
        (
            model(calendars=(Calendar("site", workdays=()),)),
            "calendars.site.workdays",
            "calendar 'site' has no working day",
        ),
        (
            model(calendars=(Calendar("site", workdays=(0, 7)),)),
            "calendars.site.workdays[1]",
            "unknown weekday 7",
        ),
        (
            model(calendars=(Calendar("site", holidays=(dt.date(2200, 1, 1),)),)),
            "calendars.site.holidays[0]",
            "calendar 'site': holiday 2200-01-01 is more than 100 years after the start",
        ),
        (
            model(calendars=(Calendar("site", holidays=("2027-04-05",)),)),
            "calendars.site.holidays[0]",
            "a holiday must be a datetime.date, got '2027-04-05'",
        ),
        (
            rk.Scenario(
                "x",
                (Task("a", fixed(1)),),
                calendars=(Calendar("c", holidays=(dt.date(1850, 1, 1),)),),
            ),
            "calendars.c.holidays[0]",
            "calendar 'c': holiday 1850-01-01 is outside the years 1900–2200",
        ),
        (
            rk.Scenario("x", (Task("a", fixed(1)),), calendars=(Calendar("c"),)),
            "calendars",
            "a calendar needs the scenario's 'start' date",
        ),
        (model(calendar="sight"), "calendar", "unknown calendar 'sight' (did you mean 'site'?)"),
        (
            replace_task(model(calendars=()), 0, calendar="site"),
            "tasks[a].calendar",
            "the only calendar is 'standard'",
        ),
        (
            replace_task(model(), 0, start_no_earlier_than=dt.date(2027, 1, 1)),
            "tasks[a].constraint.start_no_earlier_than",
            "start_no_earlier_than 2027-01-01 is before the project start 2027-01-04",
        ),
        (
            model(data_date=dt.date(2027, 1, 3)),
            "status.data_date",
            "data date 2027-01-03 is before the start 2027-01-04",
        ),
        (model(data_date=None), "tasks[a].actual_start", "no data date"),
        (
            model(data_date=dt.date(2027, 1, 14)),
            "tasks[a].actual_finish",
            "actual finish 2027-01-15 is after the data date 2027-01-14",
        ),
        (
            replace_task(model(), 0, actual_start=None),
            "tasks[a].actual_finish",
            "without an actual start",
        ),
        (
            replace_task(model(), 0, actual_finish=dt.date(2027, 1, 10)),
            "tasks[a].actual_finish",
            "actual finish 2027-01-10 is before the actual start 2027-01-11",
        ),
        (
            replace_task(model(), 0, actual_start=dt.date(2026, 12, 31)),
            "tasks[a].actual_start",
            "actual start 2026-12-31 is before the project start 2027-01-04",
        ),
        (
            replace_task(model(), 0, actual_start=dt.datetime(2027, 1, 11, 8, tzinfo=dt.UTC)),
            "tasks[a].actual_start",
            "an actual date must be a datetime.date",
        ),
        (replace_task(model(), 0, remaining=fixed(1)), "tasks[a].remaining", "finished task"),
        (
            replace_task(model(), 1, actual_start=None),
            "tasks[b].remaining",
            "it needs an actual start",
        ),
        (
            replace_task(model(), 1, remaining=fixed(-1)),
            "tasks[b].remaining",
            "a remaining duration cannot be negative, got value -1",
        ),
        (
            model(milestones=(Milestone("m", ("b",), target_date=dt.date(2026, 1, 1)),)),
            "milestones[m].target",
            "target 2026-01-01 is before the start 2027-01-04",
        ),
        (
            model(
                start=None,
                calendars=(),
                calendar=None,
                data_date=None,
                tasks=(Task("b", fixed(5)),),
            ),
            "milestones[m].target",
            "a date target needs the scenario's 'start' date",
        ),
        (
            # a number is a spec (Cost parses it); text is not one
            replace_task(model(), 0, cost=Cost(fixed="5000")),
            "tasks[a].cost.fixed",
            "must be a Distribution (see parse_distribution), got '5000'",
        ),
        (
            model(costs=(CostItem("x", Cost(fixed(1))), CostItem("x", Cost(fixed(2))))),
            "costs[1].id",
            "duplicate cost item id 'x' (first used by costs[0])",
        ),
    ],
)
def test_check_schedule_on_python_models(sc, field, message):
    with pytest.raises(ScenarioError) as e:
        check_schedule(sc)
    assert e.value.field == field
    assert message in e.value.message
    assert e.value.file is None


@pytest.mark.parametrize(
    "dist,how",
    [
        (fixed(-1), "value -1"),
        (Distribution("uniform", {"min": -5.0, "max": 5.0}), "min -5"),
        (Distribution("normal", {"mean": -1.0, "sd": 1.0}), "mean -1"),
        (Distribution("discrete", {"values": (3.0, -2.0), "weights": (1.0, 1.0)}), "value -2"),
        (
            parse_distribution(
                {"dist": "trigen", "low": 100, "mode": 200, "high": 1000}, signed=True
            ),
            "implied min -126",
        ),
    ],
)
def test_costs_that_can_go_negative(dist, how):
    for part, what in (("fixed", "a cost"), ("per_day", "a cost rate")):
        sc = model(costs=(CostItem("fees", Cost(**{part: dist})),))
        with pytest.raises(ScenarioError) as e:
            check_schedule(sc)
        assert e.value.field == f"costs[fees].{part}"
        assert e.value.message.startswith(f"{what} cannot be negative, got {how}")


@pytest.mark.parametrize(
    "dist",
    [
        fixed(0),
        Distribution("normal", {"mean": 0.0, "sd": 5.0}),  # truncated at zero
        parse_distribution({"dist": "lognormal", "p50": 100, "p90": 300}),
        parse_distribution({"dist": "pert", "min": 0, "mode": 10, "max": 30}),
    ],
)
def test_costs_that_cannot_go_negative(dist):
    check_schedule(model(costs=(CostItem("fees", Cost(fixed=dist, per_day=dist)),)))
