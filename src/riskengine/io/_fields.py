"""Field readers shared by the file formats in io/: each checks one value and names the
field in its error.

The ``as_*`` readers take the parsed YAML :class:`~riskengine.io.yamlfile.Document` and the
value's path, so the error carries the file and the line; the ``checked_*`` readers take a
field name, for sections checked after parsing (KPIs, objectives, options).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping
from typing import Any

from riskengine.errors import ScenarioError, did_you_mean, show
from riskengine.io.yamlfile import Document, Path_
from riskengine.model.distributions import check_number

_ID = re.compile(r"^[^\s,\[\]{}]+$")


def as_mapping(doc: Document, value: Any, path: Path_, allowed: tuple[str, ...], what: str) -> dict:
    """``value`` as a dict whose keys are all ``allowed`` (it is not copied: the parser
    never changes what it reads, and values shared by YAML aliases stay shared)."""
    if value.__class__ is not dict:
        if not isinstance(value, Mapping):
            raise doc.error(
                f"{what} must be a mapping of keys to values, got {kind_of(value)}", path
            )
        value = dict(value)
    for key in value:
        if key not in allowed:
            more = did_you_mean(key, allowed) if isinstance(key, str) and len(key) < 100 else ""
            more = more or f" (allowed: {', '.join(allowed)})"
            raise doc.error(f"unknown key {show(key)}{more}", (*path, str(key)))
    return value


def kind_of(value: Any) -> str:
    """What a wrong value is, for "must be …, got …" messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (YAML reads yes, no, on and off as true or false)"
    kinds: dict[type, str] = {dict: "a mapping", list: "a list", str: "text"}
    kind = kinds.get(type(value))
    return kind or show(value)


def as_id(doc: Document, value: Any, path: Path_) -> str:
    if value.__class__ is str and value.isalnum():  # most ids, without the pattern
        return value
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise doc.error(f"an id must be text or a whole number, got {kind_of(value)}", path)
    text = value if value.__class__ is str else str(value)
    if not _ID.match(text):
        raise doc.error(f"id {show(text)} must not contain spaces, commas or brackets", path)
    return text


def as_probability(doc: Document, value: Any, path: Path_) -> float:
    p = as_number(doc, value, path)
    if p > 1:
        raise doc.error(f"a probability must be between 0 and 1, got {show(value)}", path)
    return p


def as_text(doc: Document, value: Any, path: Path_) -> str:
    """A name, owner, category or group: text, or a number taken as text."""
    if value is None:
        return ""
    if value.__class__ is str:
        return value
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise doc.error(f"must be text, got {kind_of(value)}", path)
    if isinstance(value, float) and not math.isfinite(value):
        raise doc.error(f"must be text, got {show(value)} (put it in quotes)", path)
    return str(value)


def as_number(doc: Document, value: Any, path: Path_, *, allow_negative: bool = False) -> float:
    """:func:`check_number`, with the field rendered only for an error."""
    try:
        return check_number(value, "", nonneg=not allow_negative)
    except ScenarioError as e:
        raise doc.error(e.message, path) from None


def as_date(doc: Document, value: Any, path: Path_) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise doc.error(f"not a date: {show(value)} (write YYYY-MM-DD)", path)


def as_moment(doc: Document, value: Any, path: Path_) -> _dt.date:
    """A date, or a date with a time of day (``2027-03-31T17:00``, as a datetime without a
    time zone): the times of progress and of the data date count to the fraction of
    the working day (README, "Units and working hours")."""
    if isinstance(value, str) and ("T" in value or ":" in value):
        try:
            moment = _dt.datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is None:
            return moment
        raise doc.error(
            f"not a date and time: {show(value)} (write YYYY-MM-DD or YYYY-MM-DDTHH:MM,"
            " without a time zone)",
            path,
        )
    return as_date(doc, value, path)


def checked_number(value: Any, field: str, *, positive: bool = False) -> float:
    """A finite number from a portfolio file (never negative when ``positive``). A whole
    number too large for a float is an error, not an OverflowError."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"must be a number, got {show(value)}", field=field)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ScenarioError(f"must be a finite number, got {show(value)}", field=field)
    if positive and number < 0:
        raise ScenarioError(f"must not be negative, got {show(value)}", field=field)
    return number


def checked_date(value: Any, field: str) -> _dt.date:
    """A date from a portfolio file (YAML dates arrive as text, see io/yamlfile.py)."""
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ScenarioError(f"not a date (YYYY-MM-DD): {show(value)}", field=field)


def checked_name(value: Any, field: str, what: str = "a name") -> str:
    """A name from a portfolio file: text or a whole number (``2028``). A list, mapping or
    set is an error rather than its text (``str`` would turn ``[a, b]`` into a name, and
    an alias bomb into gigabytes)."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() <= 64:
        return str(value)
    raise ScenarioError(f"{what} must be text, got {show(value)}", field=field)
