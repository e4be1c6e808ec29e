"""Primavera P6 XER files, read as the tables they are (the first layer of the importer).

An XER file is text: an ``ERMHDR`` header line (tab-separated: the P6 version, the export
date, the user …), then tables, each a ``%T`` line with its name, a ``%F`` line with
its field names and ``%R`` lines with one record each, all tab-separated, and ``%E`` at
the end. P6 writes Windows-1252 (older versions) or UTF-8 (newer ones); lines end in LF
or CR LF. This module reads that structure and nothing more: every value stays the text
the file holds, so the meaning of each table (calendars, activities, links, costs) is
decided in one place, by the mapping that builds a scenario from it.

The file is read through the input limit (io/inputs.py) and checked as it is split: a
file that is not an XER export, a record before its table's field list or with more
values than fields, or a table given twice is a ScenarioError naming the file, the line
and the table. A record with fewer values than fields (P6 leaves trailing empty values
out in some versions) gets empty values for the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from riskengine.errors import ScenarioError
from riskengine.io.inputs import read_input

HEADER = "ERMHDR"


@dataclass(frozen=True)
class XerTable:
    """One table of an XER file: ``fields`` in file order, ``rows`` of text values (one
    per field) and ``lines``, the 1-based line of each row, for error messages."""

    name: str
    fields: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    line: int = 0  # the line of its %T

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Each row as ``(line, {field: value})``."""
        for line, row in zip(self.lines, self.rows, strict=True):
            yield line, dict(zip(self.fields, row, strict=True))

    def __len__(self) -> int:
        """The number of rows."""
        return len(self.rows)


@dataclass(frozen=True)
class XerFile:
    """An XER file's header and tables (by name, in file order); ``encoding`` is the one
    it was read with."""

    path: str
    header: tuple[str, ...]
    tables: dict[str, XerTable]
    encoding: str

    @property
    def version(self) -> str:
        """The P6 version that wrote the file (the header's first value)."""
        return self.header[0] if self.header else ""

    def table(self, name: str) -> XerTable:
        """The table called ``name``; an empty one (no fields) when the file has none."""
        return self.tables.get(name) or XerTable(name, ())

    def error(
        self, message: str, line: int | None = None, table: str | None = None
    ) -> ScenarioError:
        """A ScenarioError about this file (``table`` as the field)."""
        return ScenarioError(message, file=self.path, field=table, line=line)


def decode(data: bytes) -> tuple[str, str]:
    """The text of an XER file and its encoding: UTF-8 when the bytes are valid UTF-8
    (a byte-order mark is dropped), else Windows-1252, which P6 wrote before UTF-8 (its
    five unassigned bytes, which P6 never writes, become U+FFFD)."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def read_xer(path: str | Path) -> XerFile:
    """Read the XER file at ``path`` (within the input limit) into its tables."""
    text, encoding = decode(read_input(path, "XER file"))
    return parse_xer(text, str(path), encoding)


def parse_xer(text: str, path: str = "<xer>", encoding: str = "utf-8") -> XerFile:
    """Split the text of an XER file into its header and tables (see the module
    docstring for what is checked)."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    first = lines[0].split("\t") if lines else [""]
    if first[0] != HEADER:
        raise ScenarioError(
            "not a Primavera P6 XER file (it does not start with the ERMHDR header line)",
            file=path,
            line=1,
        )
    tables: dict[str, XerTable] = {}
    current: XerTable | None = None
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        tag, _, rest = line.partition("\t")
        if tag == "%R":
            if current is None or not current.fields:
                raise ScenarioError(
                    "a record (%R) before its table's field list (%T, %F)", file=path, line=number
                )
            values = rest.split("\t")
            n = len(current.fields)
            if len(values) > n:
                raise ScenarioError(
                    f"{len(values)} values for {n} fields",
                    file=path,
                    field=current.name,
                    line=number,
                )
            if len(values) < n:
                values += [""] * (n - len(values))
            current.rows.append(tuple(values))
            current.lines.append(number)
        elif tag == "%T":
            name = rest.strip()
            if not name:
                raise ScenarioError("a table (%T) without a name", file=path, line=number)
            if name in tables:
                raise ScenarioError(
                    f"the table is given twice (first on line {tables[name].line})",
                    file=path,
                    field=name,
                    line=number,
                )
            current = tables[name] = XerTable(name, (), line=number)
        elif tag == "%F":
            if current is None or current.fields:
                raise ScenarioError(
                    "a field list (%F) that does not follow a table name (%T)",
                    file=path,
                    line=number,
                )
            fields = tuple(rest.split("\t"))
            if len(set(fields)) != len(fields) or "" in fields:
                raise ScenarioError(
                    "the field list has an empty or repeated name",
                    file=path,
                    field=current.name,
                    line=number,
                )
            current = tables[current.name] = XerTable(current.name, fields, line=current.line)
        elif tag == "%E":
            break
        else:
            raise ScenarioError(
                f"a line that is not an XER record ({tag[:20]!r}; expected %T, %F, %R or %E)",
                file=path,
                line=number,
            )
    return XerFile(path, tuple(first[1:]), tables, encoding)
