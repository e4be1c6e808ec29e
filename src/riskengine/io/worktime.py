"""Working time as schedule files give it: intervals of the day, per weekday and per date.

P6 (io/p6calendar.py) and MS Project (io/mspdi.py) both describe a calendar as working
intervals of each weekday plus dates that differ; both importers read theirs into a
:class:`WorkingTime`, so one mapping turns either into riskengine calendars.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from riskengine.model.scenario import Calendar

Interval = tuple[int, int]  # minutes from midnight, start < end <= 1440
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class WorkingTime:
    """A calendar's working time: ``week[d]`` the intervals of weekday d (0 = Monday …
    6 = Sunday), ``exceptions[date]`` those of a date that differs from its weekday
    (empty: not worked)."""

    week: tuple[tuple[Interval, ...], ...]
    exceptions: dict[_dt.date, tuple[Interval, ...]]

    def hours(self, intervals: tuple[Interval, ...]) -> float:
        """Working hours of a day with these intervals."""
        return sum(e - s for s, e in intervals) / 60.0


def merge(intervals: list[Interval]) -> tuple[Interval, ...]:
    """Intervals sorted, with overlapping or touching ones joined (files list a day's
    shifts in any order; 08:00-12:00 and 12:00-17:00 are one stretch of work)."""
    out: list[Interval] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return tuple(out)


def clock_minutes(text: str) -> int | None:
    """Minutes from midnight of a time of day as schedule files write it (``HH:MM`` or
    ``HH:MM:SS``, up to 24:00; seconds are dropped), or None when it is not one."""
    parts = text.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        return None
    hh, mm = int(parts[0]), int(parts[1])
    if hh > 24 or mm > 59 or (hh == 24 and mm):
        return None
    return hh * 60 + mm


def clock_hours(moment: _dt.datetime) -> float:
    """The time of day of ``moment`` in hours."""
    return moment.hour + moment.minute / 60 + moment.second / 3600


def constraint_day(moment: _dt.datetime, on_start: bool, cal: Calendar) -> tuple[_dt.date, bool]:
    """The date our constraint takes for a schedule file's constraint at ``moment`` on a
    task of calendar ``cal``, and whether that is exact. Ours count from the start of the
    day for a start and from its end for a finish, so a start at (or after) the close of
    the working day is the next day and a finish at (or before) its opening the day
    before; midnight is the date itself (files write dates without a time so); a time
    inside the working day is approximated by its day."""
    clock, day = clock_hours(moment), moment.date()
    opening, closing = cal.day[0][0], cal.day[-1][1]
    if clock == 0:
        return day, True
    if on_start:
        if clock <= opening:
            return day, True
        return (day + _dt.timedelta(days=1), True) if clock >= closing else (day, False)
    if clock >= closing:
        return day, True
    return (day - _dt.timedelta(days=1), True) if clock <= opening else (day, False)
