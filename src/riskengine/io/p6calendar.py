"""P6 calendars: the working week and the exceptions held in an XER ``clndr_data`` value.

P6 stores a calendar as nested nodes ``(0||NAME(key|value|key|value)(children))``, with
DEL characters (0x7F) standing for line breaks::

    (0||CalendarData()(
      (0||DaysOfWeek()(
        (0||1()())                                  Sunday: no working time
        (0||2()( (0||0(s|08:00|f|16:00)()) ))       Monday: 08:00 to 16:00
        ...
      (0||Exceptions()(
        (0||0(d|41275)())                           2013-01-01: not worked
        (0||1(d|41276)( (0||0(s|08:00|f|12:00)()) ))  2013-01-02: a morning only

Weekdays are numbered 1 = Sunday … 7 = Saturday; an exception's day is a serial number,
days since 1899-12-30 (as spreadsheets count); ``f|00:00`` ends at midnight (a 24-hour
day). :func:`parse_calendar_data` turns this into working intervals in minutes of the day
per weekday (Monday first, as riskengine counts weekdays) and per exception date. A value
that does not follow the grammar is a ScenarioError naming the file, the calendar and the
line: the importer never guesses a calendar.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from riskengine.errors import ScenarioError
from riskengine.io.worktime import DAY_MINUTES, Interval, WorkingTime, clock_minutes, merge

SERIAL_EPOCH = _dt.date(1899, 12, 30)  # day 0 of P6's (and spreadsheets') serial dates
MAX_SERIAL = 200_000  # year 2447: beyond it a serial day is not a plan's date


@dataclass
class Node:
    """One node of the calendar tree."""

    name: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)

    def child(self, name: str) -> Node | None:
        """The first child called ``name``, if any."""
        return next((c for c in self.children if c.name == name), None)


class _Reader:
    """Recursive-descent reader of the node grammar (iterative over siblings; the depth
    is bounded, so a hostile value cannot exhaust the stack)."""

    MAX_DEPTH = 16

    def __init__(self, text: str, where: dict) -> None:
        self.s = text.replace("\x7f", " ")
        self.i = 0
        self.where = where

    def fail(self, what: str) -> ScenarioError:
        return ScenarioError(
            f"calendar data is not in P6's format ({what} at character {self.i})", **self.where
        )

    def skip(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def expect(self, token: str) -> None:
        self.skip()
        if not self.s.startswith(token, self.i):
            raise self.fail(f"expected {token!r}")
        self.i += len(token)

    def until(self, stop: str) -> str:
        j = self.s.find(stop, self.i)
        if j < 0:
            raise self.fail(f"no closing {stop!r}")
        out = self.s[self.i : j]
        self.i = j
        return out

    def node(self, depth: int = 0) -> Node:
        if depth > self.MAX_DEPTH:
            raise self.fail("nodes nested too deep")
        self.expect("(")
        self.expect("0||")
        name = self.until("(").strip()
        self.expect("(")
        raw = self.until(")")
        self.expect(")")
        parts = raw.split("|") if raw else []
        if len(parts) % 2:
            raise self.fail(f"an odd number of key|value parts in {raw[:40]!r}")
        node = Node(name, dict(zip(parts[::2], parts[1::2], strict=True)))
        self.expect("(")
        while True:
            self.skip()
            if self.s.startswith(")", self.i):
                self.i += 1
                break
            node.children.append(self.node(depth + 1))
        self.expect(")")
        return node


def _minutes(text: str, reader: _Reader) -> int:
    """Minutes from midnight of ``HH:MM``."""
    minutes = clock_minutes(text) if text.count(":") == 1 else None
    if minutes is None:
        raise reader.fail(f"a time {text[:10]!r}, not HH:MM")
    return minutes


def _intervals(node: Node, reader: _Reader) -> tuple[Interval, ...]:
    """The working intervals under a weekday or exception node, sorted."""
    out = []
    for c in node.children:
        if "s" not in c.attrs or "f" not in c.attrs:
            raise reader.fail(f"a working time without s| and f| in {c.name!r}")
        s, f = _minutes(c.attrs["s"], reader), _minutes(c.attrs["f"], reader)
        if f == 0:
            f = DAY_MINUTES  # ends at midnight
        if not s < f <= DAY_MINUTES:
            raise reader.fail(f"a working time from {c.attrs['s']} to {c.attrs['f']}")
        out.append((s, f))
    return merge(out)


def parse_calendar_data(
    text: str, *, file: str | None = None, field: str | None = None, line: int | None = None
) -> WorkingTime:
    """The working week and exceptions of a ``clndr_data`` value (see the module
    docstring); ``file``, ``field`` and ``line`` locate it in errors."""
    reader = _Reader(text, {"file": file, "field": field, "line": line})
    root = reader.node()
    reader.skip()
    if reader.i != len(reader.s):
        raise reader.fail("text after the calendar")
    days = root.child("DaysOfWeek")
    if root.name not in ("CalendarData", "") or days is None:  # P6 6.0 leaves it unnamed
        raise reader.fail("no CalendarData with DaysOfWeek")
    week: list[tuple[Interval, ...]] = [()] * 7
    seen = set()
    for d in days.children:
        if not d.name.isdigit() or not 1 <= int(d.name) <= 7 or d.name in seen:
            raise reader.fail(f"a weekday {d.name!r} (P6 numbers them 1 = Sunday to 7)")
        seen.add(d.name)
        week[(int(d.name) + 5) % 7] = _intervals(d, reader)  # 1 = Sunday -> 6, 2 -> 0 …
    exceptions: dict[_dt.date, tuple[Interval, ...]] = {}
    ex = root.child("Exceptions")
    for e in ex.children if ex is not None else []:
        serial = e.attrs.get("d", "")
        if not serial.isdigit() or not 0 < int(serial) < MAX_SERIAL:
            raise reader.fail(f"an exception day {serial[:12]!r}, not a serial day number")
        exceptions[SERIAL_EPOCH + _dt.timedelta(days=int(serial))] = _intervals(e, reader)
    return WorkingTime(tuple(week), exceptions)
