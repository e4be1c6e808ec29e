"""Working time as schedule files give it: intervals of the day, per weekday and per date.

P6 (io/p6calendar.py) and MS Project (io/mspdi.py) both describe a calendar as working
intervals of each weekday plus dates that differ; both importers read theirs into a
:class:`WorkingTime`, so one mapping turns either into riskengine calendars.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

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
