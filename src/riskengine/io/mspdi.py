"""MS Project XML (MSPDI) files, read as the elements they are (the importer's first layer).

An MSPDI file is one ``<Project>`` element in the namespace
``http://schemas.microsoft.com/project``: project-wide fields (``StartDate``,
``StatusDate``, ``CalendarUID``, ``MinutesPerDay`` …), then ``<Calendars>``, ``<Tasks>``,
``<Resources>`` and ``<Assignments>``, each a list of elements. This module reads each of
those elements into a plain dict: a field without children becomes its text; a field
with children a dict of the same kind; the elements MSPDI repeats (``PredecessorLink``,
``WeekDay``, ``WorkWeek``, ``WorkingTime``, ``Exception``, ``ExtendedAttribute``,
``TimephasedData``, ``Baseline``) always lists. Values stay text, so what they mean
(durations in ISO 8601, lags in tenths of minutes, day types 1 = Sunday) is decided by
the mapping that builds a scenario from them.

The XML is parsed with defusedxml (no entity expansion, no external entities, no DTD) and
read through the input limit (io/inputs.py). A file that is not well-formed XML, or whose
root is not an MSPDI ``Project``, is a ScenarioError naming the file.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from riskengine.errors import ScenarioError
from riskengine.io.inputs import read_input
from riskengine.io.worktime import DAY_MINUTES, Interval, WorkingTime, clock_minutes, merge

NAMESPACE = "http://schemas.microsoft.com/project"
REPEATED = frozenset(
    {
        "PredecessorLink",
        "WeekDay",
        "WorkingTime",
        "Exception",
        "ExtendedAttribute",
        "TimephasedData",
        "Baseline",
        "OutlineCode",
        "Value",
        "WorkWeek",
    }
)
LISTS = {
    "Calendars": "Calendar",
    "Tasks": "Task",
    "Resources": "Resource",
    "Assignments": "Assignment",
}


@dataclass(frozen=True)
class MspdiFile:
    """An MSPDI file: ``project`` its project-wide fields, then its calendars, tasks,
    resources and assignments, each element a dict (see the module docstring), in file
    order."""

    path: str
    project: dict[str, Any]
    calendars: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    resources: list[dict[str, Any]]
    assignments: list[dict[str, Any]]

    def error(self, message: str, field: str | None = None) -> ScenarioError:
        """A ScenarioError about this file."""
        return ScenarioError(message, file=self.path, field=field)


def _tag(element: Element) -> str:
    """The element's name without the MSPDI namespace."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def element_dict(element: Element) -> dict[str, Any]:
    """The children of ``element`` as a dict (see the module docstring)."""
    out: dict[str, Any] = {}
    for child in element:
        name = _tag(child)
        value: Any = element_dict(child) if len(child) else (child.text or "").strip()
        if name in REPEATED:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def read_mspdi(path: str | Path) -> MspdiFile:
    """Read the MSPDI file at ``path`` (within the input limit)."""
    return parse_mspdi(read_input(path, "MS Project XML file"), str(path))


def parse_mspdi(data: bytes, path: str = "<mspdi>") -> MspdiFile:
    """Parse the bytes of an MSPDI file."""
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as e:
        raise ScenarioError(
            f"refused: the XML declares {type(e).__name__} (entities or a DTD), which an "
            "MS Project file never needs",
            file=path,
        ) from None
    except ParseError as e:
        line = e.position[0] if getattr(e, "position", None) else None
        raise ScenarioError(f"not well-formed XML ({e.msg})", file=path, line=line) from None
    if _tag(root) != "Project" or not str(root.tag).startswith("{" + NAMESPACE):
        raise ScenarioError(
            f"not an MS Project XML (MSPDI) file: its root is <{_tag(root) or root.tag}>, "
            f'not <Project xmlns="{NAMESPACE}">',
            file=path,
        )
    project: dict[str, Any] = {}
    lists: dict[str, list[dict[str, Any]]] = {name: [] for name in LISTS}
    for child in root:
        name = _tag(child)
        if name in LISTS:
            lists[name] = [element_dict(e) for e in child if _tag(e) == LISTS[name]]
        elif len(child):
            project[name] = element_dict(child)
        else:
            project[name] = (child.text or "").strip()
    return MspdiFile(
        path,
        project,
        lists["Calendars"],
        lists["Tasks"],
        lists["Resources"],
        lists["Assignments"],
    )


MAX_EXCEPTION_DAYS = 40_000  # one exception's dates: a century is the most a plan needs
_DURATION = re.compile(
    r"^(-)?P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def duration_hours(text: str, *, file: str | None = None, field: str | None = None) -> float:
    """Hours of an MSPDI duration (ISO 8601 as MS Project writes it, ``PT16H0M0S``);
    a day part (``P2D``) counts 24 hours, as ISO 8601 has it."""
    m = _DURATION.match(text.strip())
    if not m or text.strip() in ("P", "-P", "PT", "-PT"):
        raise ScenarioError(
            f"{text[:40]!r} is not an ISO 8601 duration (as PT16H0M0S)", file=file, field=field
        )
    sign, d, h, mi, s = m.groups()
    hours = 24 * float(d or 0) + float(h or 0) + float(mi or 0) / 60 + float(s or 0) / 3600
    return -hours if sign else hours


def _clock(text: str, where: dict) -> int:
    """Minutes from midnight of ``HH:MM:SS``."""
    minutes = clock_minutes(text)
    if minutes is None:
        raise ScenarioError(f"{text[:20]!r} is not a time of day (HH:MM:SS)", **where)
    return minutes


def _day_intervals(day: dict[str, Any], where: dict) -> tuple[Interval, ...]:
    """The working intervals of a WeekDay or Exception element (none when not worked)."""
    if day.get("DayWorking", "1") in ("0", ""):
        return ()
    times = day.get("WorkingTimes", {})
    out = []
    for wt in times.get("WorkingTime", []) if isinstance(times, dict) else []:
        s = _clock(wt.get("FromTime", ""), where)
        e = _clock(wt.get("ToTime", ""), where) or DAY_MINUTES  # 00:00 ends at midnight
        if not s < e <= DAY_MINUTES:
            raise ScenarioError(f"a working time from {wt['FromTime']} to {wt['ToTime']}", **where)
        out.append((s, e))
    return merge(out)


def _date_range(period: dict[str, Any], where: dict) -> list[_dt.date]:
    """The dates of a TimePeriod (FromDate to ToDate, both included)."""
    try:
        first = _dt.date.fromisoformat(period.get("FromDate", "")[:10])
        last = _dt.date.fromisoformat(period.get("ToDate", "")[:10])
    except ValueError:
        raise ScenarioError("an exception without valid FromDate and ToDate", **where) from None
    n = (last - first).days + 1
    if not 0 < n <= MAX_EXCEPTION_DAYS:
        raise ScenarioError(f"an exception of {n} days ({first} to {last})", **where)
    return [first + _dt.timedelta(days=k) for k in range(n)]


def _int(e: dict[str, Any], name: str, default: int, where: dict) -> int:
    """Integer field ``name`` of an Exception element (absent: ``default``)."""
    text = e.get(name, "")
    if not isinstance(text, str) or not text:
        return default
    if not text.lstrip("-").isdigit() or abs(int(text)) > MAX_EXCEPTION_DAYS:
        raise ScenarioError(f"an exception's {name} is {text[:20]!r}, not a small integer", **where)
    return int(text)


def _nth(year: int, month: int, position: int, item: int) -> _dt.date | None:
    """The ``position``-th (0 first … 3 fourth, 4 last) ``item`` of a month: MSPDI's
    MonthItem, 0 a day, 1 a weekday, 2 a weekend day, 3 … 9 Sunday … Saturday."""
    first = _dt.date(year, month, 1)
    days = [first + _dt.timedelta(days=k) for k in range(31)]
    days = [d for d in days if d.month == month]
    if item == 1:
        days = [d for d in days if d.weekday() < 5]
    elif item == 2:
        days = [d for d in days if d.weekday() >= 5]
    elif 3 <= item <= 9:
        days = [d for d in days if d.weekday() == (item + 3) % 7]  # 3 Sunday -> 6
    if not days or not 0 <= position <= 4:
        return None
    return days[-1] if position == 4 else (days[position] if position < len(days) else None)


def _month_day(year: int, month: int, day: int) -> _dt.date | None:
    """Day ``day`` of a month, None when the month is shorter."""
    try:
        return _dt.date(year, month, day)
    except ValueError:
        return None


RECURRING = {"1", "2", "3", "4", "5", "6", "7"}  # Exception Type; 9 (or none): a plain range


def _exception_dates(e: dict[str, Any], where: dict) -> list[_dt.date]:
    """The dates of an Exception: its TimePeriod, or for a recurring one (``Type`` 1
    daily, 2 yearly by day of the month, 3 yearly by position, 4 monthly by day of the
    month, 5 monthly by position, 6 weekly, 7 every N days) the days of its pattern
    within the TimePeriod, which is then the range of the recurrence, not days off."""
    span = _date_range(e["TimePeriod"], where)
    kind = str(e.get("Type", "") or "9")
    if kind in ("", "9"):
        return span
    if kind not in RECURRING:
        raise ScenarioError(
            f"a recurring exception of Type {kind[:10]!r} (by weekday count) is not supported",
            **where,
        )
    every = max(_int(e, "Period", 1, where), 1)
    first, last = span[0], span[-1]
    if kind in ("1", "7"):
        if every == 1:
            return span  # MS Project's form of a plain range of days
        out = span[::every]
    elif kind == "6":
        mask = _int(e, "DaysOfWeek", 0, where)
        week0 = first - _dt.timedelta(days=(first.weekday() + 1) % 7)  # its Sunday
        out = [
            d
            for d in span
            if mask >> ((d.weekday() + 1) % 7) & 1 and ((d - week0).days // 7) % every == 0
        ]
    else:
        out = []
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        for k in range(months):
            year, month = first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1
            if kind in ("2", "3"):
                if month != _int(e, "Month", 0, where) + 1 or (year - first.year) % every:
                    continue
            elif k % every:
                continue
            if kind in ("2", "4"):
                day = _month_day(year, month, _int(e, "MonthDay", 1, where))
            else:
                day = _nth(
                    year, month, _int(e, "MonthPosition", 0, where), _int(e, "MonthItem", 0, where)
                )
            if day is not None and first <= day <= last:
                out.append(day)
    count = _int(e, "Occurrences", 0, where)
    return out[:count] if count > 0 else out


def _weekday(day: dict[str, Any], where: dict) -> int:
    """The weekday (0 = Monday) of a WeekDay element (DayType 1 = Sunday … 7)."""
    kind = day.get("DayType", "")
    if kind not in {"1", "2", "3", "4", "5", "6", "7"}:
        raise ScenarioError(f"a WeekDay of DayType {kind[:10]!r} (1 = Sunday to 7)", **where)
    return (int(kind) + 5) % 7  # 1 = Sunday -> 6, 2 = Monday -> 0 …


def _work_weeks(calendar: dict[str, Any], where: dict) -> dict[_dt.date, tuple[Interval, ...]]:
    """The days of a calendar's alternative work weeks (``WorkWeeks``, MS Project 2010
    on: other hours for a period, such as summer hours), as exceptions: each weekday a
    work week defines, on every date of its TimePeriod. Exceptions proper override them."""
    out: dict[_dt.date, tuple[Interval, ...]] = {}
    weeks = calendar.get("WorkWeeks", {})
    for ww in weeks.get("WorkWeek", []) if isinstance(weeks, dict) else []:
        if not isinstance(ww.get("TimePeriod"), dict):
            raise ScenarioError("a work week without a TimePeriod", **where)
        days = ww.get("WeekDays", {})
        own = {
            _weekday(day, where): _day_intervals(day, where)
            for day in (days.get("WeekDay", []) if isinstance(days, dict) else [])
        }
        for date in _date_range(ww["TimePeriod"], where):
            if date.weekday() in own:
                out[date] = own[date.weekday()]
    return out


def calendar_working_time(
    calendar: dict[str, Any], *, file: str | None = None
) -> tuple[WorkingTime, tuple[bool, ...]]:
    """A Calendar element's working time and which weekdays (Monday first) it defines
    itself: a calendar derived from a base one (``BaseCalendarUID``) defines only the
    weekdays it changes, and the importer takes the others from the base. Exceptions
    come from ``Exceptions`` (MS Project 2007 on; a recurring one gives the days of its
    pattern, :func:`_exception_dates`), from WeekDay elements of DayType 0 with a
    TimePeriod (earlier versions) and from alternative work weeks (:func:`_work_weeks`)."""
    where: dict[str, Any] = {"file": file, "field": f"Calendars[UID {calendar.get('UID', '?')}]"}
    week: list[tuple[Interval, ...]] = [()] * 7
    defined = [False] * 7
    exceptions: dict[_dt.date, tuple[Interval, ...]] = {}
    days = calendar.get("WeekDays", {})
    for day in days.get("WeekDay", []) if isinstance(days, dict) else []:
        kind = day.get("DayType", "")
        if kind == "0" and isinstance(day.get("TimePeriod"), dict):
            for date in _date_range(day["TimePeriod"], where):
                exceptions[date] = _day_intervals(day, where)
            continue
        d = _weekday(day, where)
        week[d] = _day_intervals(day, where)
        defined[d] = True
    for date, intervals in _work_weeks(calendar, where).items():
        exceptions[date] = intervals
    ex = calendar.get("Exceptions", {})
    for e in ex.get("Exception", []) if isinstance(ex, dict) else []:
        if not isinstance(e.get("TimePeriod"), dict):
            raise ScenarioError("an exception without a TimePeriod", **where)
        for date in _exception_dates(e, where):
            exceptions[date] = _day_intervals(e, where)
    return WorkingTime(tuple(week), exceptions), tuple(defined)
