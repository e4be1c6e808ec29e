"""Working days ↔ dates (Monday–Friday until calendars land).

Time t is measured in working days from the start of the first working day (t = 0).
A finish at t falls on working day ceil(t) - 1 (a 5-day task starting on a Monday,
t = 5, finishes that Friday, as P6 and MS Project show it); a start at t on day floor(t).
Everything is vectorised through numpy's business-day functions.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np

WEEKMASK = "1111100"


def first_workday(start: _dt.date) -> np.datetime64:
    return np.busday_offset(np.datetime64(start, "D"), 0, roll="forward", weekmask=WEEKMASK)


def finish_dates(start: _dt.date, t: np.ndarray | float) -> np.ndarray:
    """Calendar dates of finishes at working-day times ``t``."""
    days = np.maximum(np.ceil(np.asarray(t, dtype=np.float64) - 1e-9) - 1, 0).astype(np.int64)
    return np.busday_offset(first_workday(start), days, roll="forward", weekmask=WEEKMASK)


def start_dates(start: _dt.date, t: np.ndarray | float) -> np.ndarray:
    """Calendar dates of starts at working-day times ``t``."""
    days = np.floor(np.asarray(t, dtype=np.float64) + 1e-9).astype(np.int64)
    return np.busday_offset(first_workday(start), days, roll="forward", weekmask=WEEKMASK)


def workdays_until_end_of(start: _dt.date, date: _dt.date) -> float:
    """Working-day time at the end of ``date``: finishing on or before ``date`` means
    finishing at a time ≤ this value."""
    end = np.datetime64(date, "D") + np.timedelta64(1, "D")
    return float(np.busday_count(first_workday(start), end, weekmask=WEEKMASK))


def iso(dates: np.ndarray) -> list[str]:
    return [str(d) for d in np.atleast_1d(np.asarray(dates, dtype="datetime64[D]"))]
