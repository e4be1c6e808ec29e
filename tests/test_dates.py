"""Working days to dates, Monday–Friday, as P6 and MS Project show them."""

import datetime as dt

import numpy as np

from riskengine import dates

MONDAY = dt.date(2027, 1, 4)


def test_five_day_task_from_monday_finishes_friday():
    assert str(dates.finish_dates(MONDAY, 5.0)) == "2027-01-08"
    assert str(dates.start_dates(MONDAY, 0.0)) == "2027-01-04"


def test_finishes_skip_weekends_and_partial_days_round_up():
    t = np.array([0.0, 0.5, 1.0, 5.0, 5.2, 6.0, 10.0, 10.0 + 1e-12])
    got = [str(d) for d in dates.finish_dates(MONDAY, t)]
    assert got == [
        "2027-01-04",  # a zero-length task at the start
        "2027-01-04",
        "2027-01-04",
        "2027-01-08",
        "2027-01-11",  # work spills into the next Monday
        "2027-01-11",
        "2027-01-15",
        "2027-01-15",  # rounding noise does not move a date
    ]


def test_starts_take_the_day_the_work_begins():
    got = [str(d) for d in dates.start_dates(MONDAY, np.array([0.0, 4.9, 5.0, 7.5]))]
    assert got == ["2027-01-04", "2027-01-08", "2027-01-11", "2027-01-13"]


def test_weekend_start_rolls_forward():
    saturday = dt.date(2027, 1, 2)
    assert str(dates.finish_dates(saturday, 1.0)) == "2027-01-04"


def test_target_is_the_end_of_the_given_day():
    assert dates.workdays_until_end_of(MONDAY, dt.date(2027, 1, 4)) == 1
    assert dates.workdays_until_end_of(MONDAY, dt.date(2027, 1, 8)) == 5
    assert dates.workdays_until_end_of(MONDAY, dt.date(2027, 1, 10)) == 5  # Sunday
    assert dates.workdays_until_end_of(MONDAY, dt.date(2027, 1, 11)) == 6
