"""Durations and lags with units (5d, 2w, 16h), calendars' working hours, and dates with a
time of day (README, "Units and working hours"). Every expected number is worked by hand
in the comments."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

import riskengine as rk
from riskengine.engine.calendar import build_timeline
from riskengine.errors import ScenarioError
from riskengine.model.distributions import Units, parse_distribution
from riskengine.model.scenario import Calendar, calendar_units, day_fraction
from riskengine.model.validate import check_schedule

START = "2027-01-04"  # a Monday


def write(tmp_path, text, name="plan.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def load(tmp_path, text):
    return rk.load_scenario(write(tmp_path, text))


def one_task(tmp_path, duration, calendar="", task_extra=""):
    """A scenario whose only task ``a`` has ``duration``, on a calendar ``site`` given
    by the mapping text ``calendar``."""
    cal = f"calendars: {{site: {{{calendar}}}}}\n" if calendar else ""
    return load(
        tmp_path,
        f"start: {START}\n{cal}tasks:\n  - {{id: a, duration: {duration}{task_extra}}}\n",
    ).tasks[0]


def fixed_value(t):
    assert t.duration.kind == "fixed"
    return t.duration.params["value"]


# -- units on durations -------------------------------------------------------------------


@pytest.mark.parametrize(
    "written,calendar,days",
    [
        ("5d", "", 5.0),
        ("1.5d", "", 1.5),
        ("5", "", 5.0),  # a bare number stays working days
        ("16h", "", 2.0),  # the default 8-hour day: 16 / 8
        ("4h", "", 0.5),
        ("16h", "hours_per_day: 10", 1.6),  # 16 / 10
        ("2w", "", 10.0),  # Monday to Friday: 2 × 5
        ("0.5w", "", 2.5),
        ("2w", "workdays: [Mon, Tue, Wed, Thu, Fri, Sat]", 12.0),  # 2 × 6
        ("2W", "", 10.0),
        ("16h", "hours: {Mon: 10, Tue: 10, Wed: 10, Thu: 10, Fri: 10}", 1.6),  # equal hours
    ],
)
def test_a_duration_with_a_unit_is_working_days_of_its_calendar(tmp_path, written, calendar, days):
    assert fixed_value(one_task(tmp_path, written, calendar)) == days


def test_hours_divide_exactly():
    # 16 / 10 is the float nearest 1.6; 16 × (1 / 10) would be 1.6000000000000001
    assert Units(5, 10).days("16h", "f") == 1.6 == 16 / 10
    assert Units(5, 8).days("-4h", "f", nonneg=False) == -0.5


def test_units_inside_distributions_convert_each_value(tmp_path):
    t = one_task(tmp_path, "{dist: triangular, min: 2w, mode: 3w, max: 6w}")
    assert t.duration == parse_distribution(
        {"dist": "triangular", "min": 10, "mode": 15, "max": 30}
    )
    # mixed units in the short form, on a 6-day, 10-hour calendar: 16h = 1.6, 1w = 6
    t = load(
        tmp_path,
        f"""\
        start: {START}
        calendars: {{site: {{workdays: [Mon, Tue, Wed, Thu, Fri, Sat], hours_per_day: 10}}}}
        tasks: [{{id: a, calendar: site, duration: [16h, 1w, 3w]}}]
        """,
    ).tasks[0]
    assert t.duration == parse_distribution([1.6, 6, 18])
    # every parameter that is a duration: PERT (lambda stays a number), trigen, normal,
    # lognormal, discrete values (weights stay numbers)
    for written, plain in [
        (
            "{dist: pert, min: 8h, mode: 2d, max: 1w, lambda: 3}",
            {"dist": "pert", "min": 1, "mode": 2, "max": 5, "lambda": 3},
        ),
        (
            "{dist: trigen, low: 2w, mode: 3w, high: 4w, low_pct: 5}",
            {"dist": "trigen", "low": 10, "mode": 15, "high": 20, "low_pct": 5},
        ),
        ("{dist: normal, mean: 2w, sd: 4h}", {"dist": "normal", "mean": 10, "sd": 0.5}),
        ("{dist: lognormal, p50: 1w, p90: 2w}", {"dist": "lognormal", "p50": 5, "p90": 10}),
        (
            "{dist: discrete, values: [1d, 1w], weights: [3, 1]}",
            {"dist": "discrete", "values": [1, 5], "weights": [3, 1]},
        ),
        ("{dist: uniform, min: 4h, max: 3}", {"dist": "uniform", "min": 0.5, "max": 3}),
    ]:
        assert one_task(tmp_path, written).duration == parse_distribution(plain), written


UNITS = f"""\
start: {START}
calendars:
  standard: {{}}
  site: {{workdays: [Mon, Tue, Wed, Thu, Fri, Sat], hours_per_day: 10}}
tasks:
  - {{id: a, duration: {{dist: pert, min: 12h, mode: 1w, max: 3w}}}}
  - {{id: b, calendar: site, duration: [16h, 1w, 3w], predecessors: [a FS+4h]}}
  - id: c
    duration: {{dist: uniform, min: 2d, max: 2w}}
    predecessors: [{{task: b, type: SS, lag: 1w}}, {{task: a, lag: -8h}}]
risks:
  - id: r
    probability: 0.4
    impacts: [{{task: b, delay: [5h, 10h, 2w]}}, {{task: c, delay: 1w, delay_pct: 10}}]
milestones: [{{id: end, after: [c]}}]
"""

# the same, converted by hand: hours through 8 h (standard) and 10 h (site), weeks through
# 5 and 6 working days; b's lag counts on b's calendar (site), c's on c's (standard), and
# each delay on the calendar of the task it hits
PLAIN = f"""\
start: {START}
calendars:
  standard: {{}}
  site: {{workdays: [Mon, Tue, Wed, Thu, Fri, Sat], hours_per_day: 10}}
tasks:
  - {{id: a, duration: {{dist: pert, min: 1.5, mode: 5, max: 15}}}}
  - {{id: b, calendar: site, duration: [1.6, 6, 18], predecessors: [a FS+0.4]}}
  - id: c
    duration: {{dist: uniform, min: 2, max: 10}}
    predecessors: [{{task: b, type: SS, lag: 5}}, {{task: a, lag: -1}}]
risks:
  - id: r
    probability: 0.4
    impacts: [{{task: b, delay: [0.5, 1, 12]}}, {{task: c, delay: 5, delay_pct: 10}}]
milestones: [{{id: end, after: [c]}}]
"""


def test_units_give_the_same_results_as_the_converted_numbers_bit_for_bit(tmp_path):
    a, b = load(tmp_path, UNITS), load(tmp_path, PLAIN)
    assert a.tasks == b.tasks and a.risks == b.risks
    ra = rk.simulate(a, iterations=2000, seed=7, sensitivity=False)
    rb = rk.simulate(b, iterations=2000, seed=7, sensitivity=False)
    assert np.array_equal(ra.project_finish, rb.project_finish)
    assert np.array_equal(ra.times["end"], rb.times["end"])


def test_lag_units_count_on_the_successors_calendar(tmp_path):
    sc = load(tmp_path, UNITS)
    b, c = sc.task("b"), sc.task("c")
    assert b.predecessors[0].lag == 0.4  # 4h on b's 10-hour site calendar
    assert [link.lag for link in c.predecessors] == [5.0, -1.0]  # 1w, -8h on standard
    assert sc.risks[0].impacts[0].delay == parse_distribution([0.5, 1, 12])  # on site
    assert sc.risks[0].impacts[1].delay == parse_distribution(5)


def test_remaining_and_shorthand_lags_take_units(tmp_path):
    sc = load(
        tmp_path,
        f"""\
        start: {START}
        status: {{data_date: 2027-01-11}}
        tasks:
          - {{id: a, duration: 2w, actual_start: 2027-01-04, remaining: 20h}}
          - {{id: b, duration: 1, predecessors: ["a SS-1w", "a FF +2d"]}}
        """,
    )
    assert sc.task("a").remaining == parse_distribution(2.5)
    assert [link.lag for link in sc.task("b").predecessors] == [-5.0, 2.0]


# -- units where no duration is -----------------------------------------------------------

BAD = [
    (
        "a unit on a probability",
        f"""\
        start: {START}
        tasks:
          - id: a
            duration: 1
            existence: 5d   # <-
        """,
        "tasks[a].existence",
        "must be a number, got '5d' (a unit such as 5d, 2w or 16h is read only in a "
        "scenario file's durations, lags and delays)",
    ),
    (
        "a unit on a cost",
        f"""\
        start: {START}
        tasks:
          - id: a
            duration: 1
            cost: {{per_day: 2w}}   # <-
        """,
        "tasks[a].cost.per_day",
        "a unit such as 5d, 2w or 16h is read only",
    ),
    (
        "a unit on a percentage impact",
        f"""\
        start: {START}
        tasks: [{{id: a, duration: 1}}]
        risks:
          - id: r
            probability: 0.5
            impacts:
              - task: a
                delay_pct: [1d, 2d, 3d]   # <-
        """,
        "risks[r].impacts[0].delay_pct[0]",
        "a unit such as 5d, 2w or 16h is read only",
    ),
    (
        "a unit on PERT's lambda",
        f"""\
        start: {START}
        tasks:
          - id: a
            duration: {{dist: pert, min: 1d, mode: 2d, max: 3d, lambda: 4h}}   # <-
        """,
        "tasks[a].duration.lambda",
        "a unit such as 5d, 2w or 16h is read only",
    ),
    (
        "an unknown unit",
        f"""\
        start: {START}
        tasks:
          - id: a
            duration: 3m   # <-
        """,
        "tasks[a].duration",
        "must be a number or a duration with a unit (5d, 2w, 16h), got '3m'",
    ),
    (
        "a negative duration with a unit",
        f"""\
        start: {START}
        tasks:
          - id: a
            duration: [-1d, 1d, 2d]   # <-
        """,
        "tasks[a].duration[0]",
        "must not be negative",
    ),
    (
        "a partial day of no hours",
        f"""\
        start: {START}
        calendars:
          site:
            partial_days: {{2027-01-08: 0}}   # <-
        tasks: [{{id: a, duration: 1}}]
        """,
        "calendars.site.partial_days.2027-01-08",
        "working hours must be more than 0 and at most 24, got 0",
    ),
    (
        "a partial day that is a holiday",
        f"""\
        start: {START}
        calendars:
          site:
            holidays: [2027-01-08]
            partial_days: {{2027-01-08: 4}}   # <-
        tasks: [{{id: a, duration: 1}}]
        """,
        "calendars.site.partial_days[0]",
        "calendar 'site': 2027-01-08 is both a holiday and a partial day",
    ),
    (
        "hours for a weekday never worked",
        f"""\
        start: {START}
        calendars:
          site:
            hours: {{Sun: 5}}   # <-
        tasks: [{{id: a, duration: 1}}]
        """,
        "calendars.site.hours",
        "calendar 'site' gives hours for Sun, which it never works (add it to workdays or"
        " remove its hours)",
    ),
    (
        "working hours out of range",
        f"""\
        start: {START}
        calendars:
          site:
            hours_per_day: 25   # <-
        tasks: [{{id: a, duration: 1}}]
        """,
        "calendars.site.hours_per_day",
        "working hours must be more than 0 and at most 24, got 25",
    ),
    (
        "an unknown weekday in hours",
        f"""\
        start: {START}
        calendars:
          site:
            hours: {{Mon: 8, Fry: 8}}   # <-
        tasks: [{{id: a, duration: 1}}]
        """,
        "calendars.site.hours.Fry",
        "unknown weekday 'Fry' (did you mean 'Fri'?)",
    ),
    (
        "an unreadable clock window",
        f"""\
        start: {START}
        calendars:
          site:
            day: "8-17"   # <-
        tasks: [{{id: a, duration: 1}}]
        """,
        "calendars.site.day",
        "cannot read clock window '8-17'; write e.g. \"08:00-17:00\"",
    ),
    (
        "a clock window out of order",
        f"""\
        start: {START}
        calendars:
          site:
            day: "13:00-17:00,08:00-12:00"   # <-
        tasks: [{{id: a, duration: 1}}]
        """,
        "calendars.site.day",
        "periods must run forward, in order, without overlapping",
    ),
    (
        "a start after the working day opens",
        """\
        start: 2027-01-04T10:00   # <-
        tasks: [{id: a, duration: 1}]
        """,
        "start",
        "a start at 10:00, after the working day opens, is not supported yet",
    ),
    (
        "a date and time with a time zone",
        f"""\
        start: {START}
        status:
          data_date: 2027-01-05T17:00+01:00   # <-
        tasks: [{{id: a, duration: 1}}]
        """,
        "status.data_date",
        "not a date and time: '2027-01-05T17:00+01:00'",
    ),
    (
        "an actual finish before the actual start on the same day",
        f"""\
        start: {START}
        status: {{data_date: 2027-01-08}}
        tasks:
          - id: a
            duration: 1
            actual_start: 2027-01-05T13:00
            actual_finish: 2027-01-05T09:00   # <-
        """,
        "tasks[a].actual_finish",
        "actual finish 2027-01-05 09:00:00 is before the actual start 2027-01-05 13:00:00",
    ),
]


@pytest.mark.parametrize("text,field,message", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_mistakes_name_file_line_field_and_reason(tmp_path, text, field, message):
    text = textwrap.dedent(text)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "# <-" in s)
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as e:
        rk.load_scenario(path)
    err = e.value
    assert (err.file, err.line, err.field) == (str(path), line, field)
    assert message in err.message
    assert "\n" not in str(err)


def test_calendars_built_in_python_are_checked_alike():
    uneven = Calendar("site", hours=((0, 8.0), (4, 6.0)))  # a short Friday is fine now
    assert calendar_units(uneven, "calendars.site.hours") == Units(4.75, 8.0)  # (4 × 8 + 6) / 8
    sc = rk.Scenario(
        "x", (rk.Task("a", duration=1),), start=dt.date(2027, 1, 4), calendars=(uneven,)
    )
    check_schedule(sc)
    for bad, field in [
        (Calendar("c", hours_per_day=0), "calendars.c.hours_per_day"),
        (Calendar("c", day=((13.0, 17.0), (8.0, 12.0))), "calendars.c.day"),
        (Calendar("c", day=()), "calendars.c.day"),
        (Calendar("c", hours=((5, 4.0),)), "calendars.c.hours"),
        (Calendar("c", partial_days=((dt.date(2027, 1, 8), 25.0),)), "calendars.c.partial_days[0]"),
        (
            Calendar(
                "c", holidays=(dt.date(2027, 1, 8),), partial_days=((dt.date(2027, 1, 8), 4),)
            ),
            "calendars.c.partial_days[0]",
        ),
    ]:
        with pytest.raises(ScenarioError) as e:
            check_schedule(dataclasses.replace(sc, calendars=(bad,)))
        assert e.value.field == field
    # equal hours on every working weekday are fine
    ok = Calendar("c", hours=tuple((d, 10.0) for d in range(5)))
    assert calendar_units(ok, "f") == Units(days_per_week=5, hours_per_day=10)


# -- times of day -------------------------------------------------------------------------


def test_day_fraction_by_the_clock_window():
    plain = Calendar("c", day=((8.0, 17.0),))
    lunch = Calendar("c")  # 08:00-12:00,13:00-17:00
    at = dt.datetime
    assert day_fraction(plain, at(2027, 1, 4, 17, 0)) == 1.0  # the end of the day
    assert day_fraction(plain, at(2027, 1, 4, 12, 30)) == 4.5 / 9
    assert day_fraction(lunch, at(2027, 1, 4, 12, 30)) == 0.5  # 4 of 8 hours, in the break
    assert day_fraction(lunch, at(2027, 1, 4, 15, 0)) == 6 / 8
    assert day_fraction(lunch, at(2027, 1, 4, 7, 0)) == 0.0  # before the day opens
    assert day_fraction(lunch, at(2027, 1, 4, 23, 0)) == 1.0


def test_times_of_day_place_union_times_and_plain_dates_keep_theirs(tmp_path):
    sc = load(
        tmp_path,
        f"""\
        start: {START}
        calendars: {{standard: {{day: "08:00-17:00"}}}}
        tasks: [{{id: a, duration: 1}}]
        """,
    )
    tl = build_timeline(sc)
    d, at = dt.date, dt.datetime
    # Wed 6 Jan is union day 2
    assert (tl.start_of(d(2027, 1, 6)), tl.end_of(d(2027, 1, 6))) == (2.0, 3.0)
    assert tl.start_of(at(2027, 1, 6, 17, 0)) == tl.end_of(d(2027, 1, 6)) == 3.0
    assert tl.start_of(at(2027, 1, 6, 8, 0)) == 2.0
    assert tl.end_of(at(2027, 1, 6, 12, 30)) == 2.5  # 4.5 of 9 hours
    # Sat 9 Jan is no working day: a time on it is the start of Mon 11 (union day 5)
    assert tl.start_of(at(2027, 1, 9, 12, 0)) == tl.start_of(d(2027, 1, 9)) == 5.0
    assert tl.end_of(at(2027, 1, 9, 12, 0)) == tl.end_of(d(2027, 1, 9)) == 5.0


PROGRESS = f"""\
start: {START}
status: {{data_date: 2027-01-06T12:30}}
tasks:
  - id: a
    duration: 3
    actual_start: 2027-01-04T13:00
    actual_finish: 2027-01-05T15:00
  - {{id: b, duration: 2d, predecessors: [a]}}
  - {{id: c, duration: 8h}}
  - {{id: d, duration: 1, actual_start: 2027-01-06T10:00, remaining: 6h}}
milestones:
  [{{id: a, after: [a]}}, {{id: b, after: [b]}}, {{id: c, after: [c]}}, {{id: d, after: [d]}}]
"""


def test_progress_with_times_counts_fractions_of_the_working_day(tmp_path):
    # default clock 08:00-12:00,13:00-17:00. a finished Tue 5 Jan 15:00: union day 1 + 6/8
    # = 1.75. The data date Wed 6 Jan 12:30 is day 2 + 4/8 = 2.5: b (after a) and c (no
    # predecessor) start there; b takes 2 days → 4.5 (Fri 8), c 8h = 1 day → 3.5 (Thu 7).
    # d resumes at the data date with 6h = 0.75 day left → 3.25.
    r = rk.simulate(load(tmp_path, PROGRESS), iterations=50, sensitivity=False)
    for m, t in {"a": 1.75, "b": 4.5, "c": 3.5, "d": 3.25}.items():
        assert np.all(r.times[m] == t), m
    assert r.milestones["b"].dates["P50"] == "2027-01-08"
    assert r.milestones["c"].dates["P50"] == "2027-01-07"


def test_a_start_time_at_the_opening_is_the_date_alone(tmp_path):
    sc = load(tmp_path, "start: 2027-01-04T08:00\ntasks: [{id: a, duration: 1}]\n")
    assert sc.start == dt.date(2027, 1, 4) and type(sc.start) is dt.date


def test_the_readme_example_loads_as_its_comments_say(tmp_path):
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("### Units and working hours", 1)[1].split("\n### ", 1)[0]
    (block,) = re.findall(r"```yaml\n(.*?)```", section, re.S)
    sc = load(tmp_path, block)
    assert sc.start == dt.date(2027, 1, 4)
    assert sc.data_date == dt.datetime(2027, 3, 31, 17, 0)
    assert sc.task("design").duration == parse_distribution(2)
    pour = sc.task("pour")
    assert pour.duration == parse_distribution([1.6, 6, 18])
    assert pour.predecessors[0].lag == 0.4
    assert sc.risks[0].impacts[0].delay == parse_distribution(12)
    tl = build_timeline(sc)
    # 17:00 is the end of the project calendar's Wednesday; the site works to 17:30
    data = tl.start_of(sc.data_date)
    assert tl.position(data, None) == tl.position(tl.end_of(dt.date(2027, 3, 31)), None)
    assert tl.position(data, "site") % 1 == pytest.approx(10 / 10.5)  # 07:00-17:30


def test_a_unit_in_a_risk_register_says_registers_take_working_days(tmp_path):
    (tmp_path / "reg.csv").write_text("id,probability,task,delay\nr1,0.5,a,5d\n")
    path = write(
        tmp_path, f"start: {START}\ntasks: [{{id: a, duration: 1}}]\nrisks: {{file: reg.csv}}\n"
    )
    with pytest.raises(ScenarioError) as e:
        rk.load_scenario(path)
    assert e.value.line == 2 and e.value.file == str(tmp_path / "reg.csv")
    assert (e.value.field, e.value.message) == (
        "column delay",
        "not a number: '5d' (a unit such as 5d, 2w or 16h is read only in a scenario file's "
        "durations, lags and delays)",
    )


def test_a_time_of_day_is_one_moment_each_calendar_counts_by_its_own_clock(tmp_path):
    # the union clock is 07:00-17:00 (the site's; the standard 08:00-12:00,13:00-17:00
    # lies inside it): a moment is a fraction of it, a calendar's position its own hours
    sc = load(
        tmp_path,
        f"""\
        start: {START}
        calendars: {{standard: {{}}, site: {{day: "07:00-17:00"}}}}
        tasks: [{{id: a, duration: 1, calendar: site}}]
        """,
    )
    tl = build_timeline(sc)
    assert tl.window == ((7.0, 17.0),)
    noon = dt.datetime(2027, 1, 6, 12, 0)  # Wed: union day 2
    assert tl.start_of(noon) == tl.start_of(noon, "site") == tl.end_of(noon, "site") == 2.5
    assert tl.position(2.5, None) == 2.5  # 4 of the standard's 8 hours
    nine = tl.start_of(dt.datetime(2027, 1, 6, 9, 0))
    assert nine == pytest.approx(2.2)  # 2 of 10 union hours
    assert tl.position(nine, "site") == pytest.approx(2.2)
    assert tl.position(nine, None) == pytest.approx(2.125)  # 1 of the standard's 8
    lunch = tl.start_of(dt.datetime(2027, 1, 6, 12, 30))
    assert tl.position(lunch, None) == 2.5  # the standard does not work 12:00-13:00
    assert tl.start_of(dt.date(2027, 1, 6), "site") == 2.0  # a date alone: unchanged


def test_a_milestone_target_with_a_unit_counts_on_the_project_calendar(tmp_path):
    sc = load(
        tmp_path,
        f"""\
        start: {START}
        calendar: site
        calendars: {{standard: {{}}, site: {{workdays: [Mon, Tue, Wed, Thu, Fri, Sat]}}}}
        tasks: [{{id: a, duration: 1}}]
        milestones:
          - {{id: m, after: [a], target: 2w}}
          - {{id: n, after: [a], target: 12h}}
        """,
    )
    assert [m.target for m in sc.milestones] == [12.0, 1.5]  # 2 × 6 days; 12 / 8


def test_an_actual_finish_time_counts_by_the_clock_of_the_tasks_own_calendar():
    """10:00 is half the day of a 06:00-14:00 calendar and a quarter of the project's
    08:00-12:00,13:00-17:00: the moment is one, each calendar counts it by its clock."""
    early = rk.Calendar("early", day=((6.0, 14.0),))
    sc = rk.Scenario(
        name="clock",
        tasks=(
            rk.Task(
                "a",
                duration=2,
                calendar="early",
                actual_start=dt.date(2027, 1, 4),
                actual_finish=dt.datetime(2027, 1, 5, 10, 0),
            ),
        ),
        milestones=(rk.Milestone("m", ("a",)),),
        start=dt.date(2027, 1, 4),
        data_date=dt.datetime(2027, 1, 5, 17, 0),
        calendars=(rk.Calendar("standard"), early),
        calendar="standard",
    )
    r = rk.simulate(sc, 4, 1, sensitivity=False, drivers=False)
    assert r.finishes["m"][0] == pytest.approx(1.25, abs=1e-12)  # 2 of the standard's 8 h
    assert r.timeline.position(r.times["m"][0], "early") == pytest.approx(1.5, abs=1e-12)
