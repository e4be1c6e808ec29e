"""A risk register kept in a spreadsheet: ``risks: {file: register.csv}`` (or ``.xlsx``).

One row per risk and impact; rows sharing an ``id`` are the impacts of one risk, whose
own fields (name, owner, category, probability, mitigation) come from its first row and
must not contradict it later. Columns (case-insensitive, any order):

============================  =========================================================
id, probability, task         required
name, owner, category         optional text
delay                         a fixed number of working days, or
delay_min, delay_mode,        a triangular (all three), or uniform (min and max)
delay_max, delay_dist         distribution; ``delay_dist`` may say pert
delay_pct…, cost…             the same for % of the task's duration and for money
mitigated_probability         probability after mitigation
mitigation_cost               cost of the mitigation
============================  =========================================================

Files come from people and from other tools, so nothing in them is trusted: numbers are
read by one strict rule (a decimal point; a comma only as an unambiguous thousands
separator), and the size of what is read is bounded before it is held in memory.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
import warnings
import zipfile
from collections.abc import Generator, Iterator
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any, Protocol

from riskengine.errors import ScenarioError, did_you_mean, shorten, show
from riskengine.io.inputs import LIMIT_VARIABLE, check_input, input_limit
from riskengine.model.distributions import (
    PLAIN_NUMBER,
    check_number,
    number_hint,
    parse_distribution,
)
from riskengine.model.scenario import Distribution, Impact, Mitigation, Risk

REQUIRED = ("id", "probability", "task")
TEXT = ("name", "owner", "category")
QUANTITIES = ("delay", "delay_pct", "cost")
PROBABILITIES = ("probability", "mitigated_probability")
KNOWN = {
    *REQUIRED,
    *TEXT,
    "mitigated_probability",
    "mitigation_cost",
    *(f"{q}{suffix}" for q in QUANTITIES for suffix in ("", "_min", "_mode", "_max", "_dist")),
}

# Bounds on what is read (README, "Risks"). A real register has hundreds of rows; these
# keep a hostile or mistaken file from taking minutes or gigabytes.
MAX_ROWS = 100_000  # rows below the header
MAX_COLUMNS = 200
MAX_ROW_CHARS = 1_000_000  # characters of one CSV row (a row of a million commas)
# Workbooks: openpyxl keeps a few hundred bytes per XML tag or attribute it parses
# (measured: up to 300), and about 7 µs each, so their number is capped before it parses
# any: 2 million is about 20,000 rows of 14 filled columns, and under 1 GB and half a
# minute however they are arranged.
MAX_MARKUP = 2_000_000
SHEET_MARKUP = 10_000  # a sheet's set-up, and the 16 KB openpyxl reads past a <dimension>
MAX_ATTRIBUTES = 10_000  # of one XML element; Excel writes a dozen at most
MAX_PARTS = 10_000  # files inside the zip; a workbook has a few dozen
MAX_RATIO = 200  # compression ratio of a part above 1 MB; sheets compress about 12:1


def load_register(path: Path) -> tuple[Risk, ...]:
    """The risks of a register file (.csv, .xlsx or .xlsm); ScenarioError naming the file,
    row and column for anything it cannot read exactly.

    Parameters
    ----------
    path : pathlib.Path
        A CSV file (UTF-8) or a workbook (its first worksheet), one row per risk and
        impact (README, "Risks").

    Returns
    -------
    tuple of Risk
        The risks, in the order of their first rows.

    Raises
    ------
    ScenarioError
        For anything it cannot read exactly, naming the file, the row and the column.
    """
    rows = _read(path)
    file = str(path)
    risks: dict[str, dict[str, Any]] = {}
    for line, row in rows:
        err = functools.partial(_row_error, file, line)
        for col in REQUIRED:
            if not row.get(col):
                raise err("is empty", col)
        rid = row["id"]
        probability = _prob(row, "probability", err)
        post = (
            _prob(row, "mitigated_probability", err) if row.get("mitigated_probability") else None
        )
        cost = _cost(row, "mitigation_cost", err) if row.get("mitigation_cost") else None
        head = {
            "probability": probability,
            "post": post,
            "cost": cost,
            **{k: row.get(k, "") for k in TEXT},
        }
        entry = risks.setdefault(rid, {"head": head, "first": line, "impacts": []})
        for key, value in head.items():
            if key in TEXT and not value:
                continue
            if value is not None and entry["head"][key] != value:
                raise err(
                    f"risk {show(rid)} says {show(value)} here but {show(entry['head'][key])} "
                    f"in row {entry['first']}",
                    key,
                )
        dists = {}
        for q in QUANTITIES:
            d = _distribution(row, q, err)
            if d is not None:
                dists[q] = d
        if not dists:
            raise err("a row needs a delay, delay_pct or cost")
        if any(i.task == row["task"] for i in entry["impacts"]):
            raise err(f"risk {show(rid)} impacts task {show(row['task'])} twice", "task")
        entry["impacts"].append(Impact(task=row["task"], **dists))
    out = []
    for rid, entry in risks.items():
        h = entry["head"]
        mitigation = None
        if h["post"] is not None or h["cost"] is not None:
            mitigation = Mitigation(cost=h["cost"] or 0.0, probability=h["post"])
        out.append(
            Risk(
                id=rid,
                probability=h["probability"],
                impacts=tuple(entry["impacts"]),
                name=h["name"],
                owner=h["owner"],
                category=h["category"],
                mitigation=mitigation,
            )
        )
    return tuple(out)


class _RowError(Protocol):
    """:func:`_row_error` with the file and line bound: the error for a mistake in a row."""

    def __call__(self, msg: str, column: str | None = None, /) -> ScenarioError: ...


def _row_error(file: str, line: int, msg: str, column: str | None = None) -> ScenarioError:
    # The row of a spreadsheet, or the line of a CSV file (the header is usually line 1).
    return ScenarioError(msg, file=file, field=f"column {column}" if column else None, line=line)


# --- the table: header, ragged rows, limits -------------------------------------------


def _read(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows as text, with their line (CSV) or row (XLSX) number; the header is the first
    row that is not empty."""
    file = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise ScenarioError("a risk register file must be .csv or .xlsx", file=file)
    check_input(path, "risk register")
    reader = _csv_rows(path, file) if suffix == ".csv" else _xlsx_rows(path, file)
    with closing(reader), warnings.catch_warnings():
        # openpyxl warns about parts it drops (extensions, data validation): not ours.
        warnings.simplefilter("ignore")
        try:
            return _table(reader, file)
        except OSError as e:
            raise ScenarioError(f"cannot read: {e.strerror or e}", file=file) from None


def _table(rows: Iterator[tuple[int, list[str]]], file: str) -> list[tuple[int, dict[str, str]]]:
    header = next((r for r in rows if any(r[1])), None)
    if header is None:
        raise ScenarioError("the register is empty", file=file)
    head_line, names = header[0], [c.lower() for c in header[1]]
    width = _width(names)
    if width > MAX_COLUMNS:
        raise ScenarioError(
            f"the header has {width:,} columns, above the limit of {MAX_COLUMNS}",
            file=file,
            field="header",
            line=head_line,
        )
    names = names[:width]
    _check_header(names, file, head_line)
    nameless = [i for i in range(width) if not names[i]]
    out = []
    for count, (line, cells) in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise ScenarioError(
                f"the register has more than {MAX_ROWS:,} rows below the header (the limit)",
                file=file,
                line=line,
            )
        if len(cells) > width and any(cells[width:]):
            raise ScenarioError(
                f"row has {_width(cells):,} cells but the header has {width} columns",
                file=file,
                line=line,
            )
        if not any(cells):
            continue
        for i in nameless:
            if i < len(cells) and cells[i]:
                raise ScenarioError(
                    f"a value ({show(cells[i])}) in column {i + 1} under an empty header cell: "
                    "name the column in the header or delete the value",
                    file=file,
                    line=line,
                )
        out.append((line, {n: c for n, c in zip(names, cells, strict=False) if n}))
    if not out:
        raise ScenarioError("the register has no rows", file=file)
    return out


def _width(cells: list[str]) -> int:
    """The number of cells up to the last one that is not empty."""
    n = len(cells)
    while n and not cells[n - 1]:
        n -= 1
    return n


def _check_header(names: list[str], file: str, line: int) -> None:
    def error(message: str) -> ScenarioError:
        return ScenarioError(message, file=file, field="header", line=line)

    given = [n for n in names if n]
    for col in REQUIRED:
        if col not in given:
            raise error(f"missing column {show(col)}{_separator_hint(given)}")
    seen: dict[str, int] = {}
    for i, col in enumerate(names, start=1):
        if not col:
            continue
        if col not in KNOWN:
            raise error(
                f"unknown column {show(col)}{did_you_mean(col, KNOWN)} "
                f"(known: {', '.join(sorted(KNOWN))})"
            )
        if col in seen:
            raise error(f"column {show(col)} appears twice (columns {seen[col]} and {i})")
        seen[col] = i


def _separator_hint(given: list[str]) -> str:
    if len(given) == 1 and (";" in given[0] or "\t" in given[0]):
        return (
            " (the header is a single cell: riskengine reads comma-separated files, "
            "not semicolons or tabs)"
        )
    return ""


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- CSV ------------------------------------------------------------------------------

_SIGNATURES = {
    b"PK\x03\x04": "is a zip file (an .xlsx workbook?), not CSV text: name it .xlsx",
    b"\xd0\xcf\x11\xe0": (
        "is an old .xls workbook or a password-protected one, not CSV text: "
        "save it as .xlsx without a password, or as 'CSV UTF-8'"
    ),
    b"\xff\xfe": "is UTF-16 text: save it as 'CSV UTF-8'",
    b"\xfe\xff": "is UTF-16 text: save it as 'CSV UTF-8'",
}
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # undecodable bytes, kept by surrogateescape


def _csv_rows(path: Path, file: str) -> Generator[tuple[int, list[str]]]:
    """Records of a CSV file as stripped text. The standard library reads CSV without
    pandas' half-second import; the lines it is fed are checked first (:class:`_Lines`)."""
    with open(path, "rb") as raw:
        start = raw.read(4)
        for signature, message in _SIGNATURES.items():
            if start.startswith(signature):
                raise ScenarioError(message, file=file)
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        lines = _Lines(text, file)
        reader = csv.reader(lines)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                raise ScenarioError(_csv_message(e), file=file, line=lines.number) from None
            lines.row_chars = 0
            yield reader.line_num, [c.strip() for c in cells]


def _csv_message(e: csv.Error) -> str:
    if "field limit" in str(e):
        return f"a cell is longer than {csv.field_size_limit():,} characters"
    return f"cannot read the CSV: {e}"


class _Lines:
    """The lines of a CSV file for ``csv.reader``, refused as they are read when a row
    grows past :data:`MAX_ROW_CHARS`, or when a line holds a NUL byte or bytes that are not
    UTF-8 (a binary file, or text saved in a legacy encoding): the csv module would
    otherwise build a row of millions of cells, or read garbage as text."""

    def __init__(self, fh: io.TextIOWrapper, file: str) -> None:
        self.fh = fh
        self.file = file
        self.number = 0  # lines read
        self.row_chars = 0  # characters of the row being read
        self.total = 0
        self.limit = input_limit()

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.fh.readline(MAX_ROW_CHARS - self.row_chars + 1)
        if not line:
            raise StopIteration
        self.number += 1
        self.row_chars += len(line)
        self.total += len(line)
        if self.row_chars > MAX_ROW_CHARS:
            raise self.error(f"a row is longer than {MAX_ROW_CHARS:,} characters (the limit)")
        if self.total > self.limit:
            raise self.error("the file grew above the input limit while it was read")
        if "\0" in line:
            raise self.error("contains a NUL byte: a binary file, not CSV text")
        bad = _NOT_UTF8.search(line)
        if bad:
            raise self.error(
                f"not UTF-8 text (byte 0x{ord(bad.group()) - 0xDC00:02x}): "
                "save the register as 'CSV UTF-8'"
            )
        return line

    def error(self, message: str) -> ScenarioError:
        return ScenarioError(message, file=self.file, line=self.number)


# --- XLSX -----------------------------------------------------------------------------


def _xlsx_rows(path: Path, file: str) -> Generator[tuple[int, list[str]]]:
    """Rows of the first worksheet that are not empty, streamed: the workbook is checked
    first (:func:`_check_workbook`), the sheet's claimed size is ignored, and any error
    of the libraries becomes one ScenarioError naming the file."""
    _check_workbook(path, file)
    from openpyxl import load_workbook

    # The file is opened here so that it is closed here: openpyxl leaves the file it opened
    # itself open when the workbook fails to load.
    with ExitStack() as stack:
        try:
            fh = stack.enter_context(path.open("rb"))
            wb = load_workbook(fh, read_only=True, data_only=True)
        except Exception as e:  # whatever the library raises on a bad file
            raise _library_error(file, e) from None
        stack.callback(wb.close)
        if not wb.worksheets:
            raise _not_xlsx(file, "it has no worksheet")
        # Any: with its rows patched below, the sheet yields openpyxl's parsed cell dicts,
        # not the cells its type promises.
        ws: Any = wb.worksheets[0]
        # A sheet may claim cells up to XFD1048576, and read-only mode pads every row to
        # the claimed size; without the claim, and without the padding of each row to its
        # last cell (_parsed_cells), a row is the cells openpyxl parsed, no more.
        ws.reset_dimensions()
        ws._get_row = _parsed_cells
        rows = ws.iter_rows()
        percent = _PercentStyles(ws)
        while True:
            try:
                parsed = next(rows, None)
                cells = _xlsx_cells(parsed, percent, file) if parsed else []
            except ScenarioError:
                raise
            except Exception as e:
                raise _library_error(file, e) from None
            if parsed is None:
                return
            if cells:
                yield parsed[0]["row"], cells


def _parsed_cells(row: list[dict], *args: Any) -> list[dict]:
    """Stands in for ``ReadOnlyWorksheet._get_row``, which pads each row to its last
    column with empty cells (16,384 of them for one cell in column XFD)."""
    return row


def _xlsx_cells(parsed: list[dict], percent: _PercentStyles, file: str) -> list[str]:
    """The texts of one parsed row, placed by column, as long as its last non-empty cell.
    A number shown as a percentage keeps that fact (:class:`_PercentText`)."""
    placed: dict[int, str] = {}
    for c in parsed:
        value = c["value"]
        text = _cell(value)
        if not text:
            continue
        column = c["column"]
        if column > MAX_COLUMNS:
            raise ScenarioError(
                f"a value ({show(text)}) in column {column:,}, beyond the limit of "
                f"{MAX_COLUMNS} columns",
                file=file,
                line=c["row"],
            )
        if isinstance(value, int | float) and not isinstance(value, bool) and percent(c):
            text = _PercentText(text)
        placed[column] = text
    if not placed:
        return []
    cells = [""] * max(placed)
    for column, text in placed.items():
        cells[column - 1] = text
    return cells


class _PercentText(str):
    """A number from a cell formatted as a percentage: Excel stores ``15%`` as 0.15."""


class _PercentStyles:
    """Whether a parsed cell's number format shows it as a percentage (one look-up per
    style of the workbook)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.known: dict[int, bool] = {}

    def __call__(self, cell: dict) -> bool:
        style = cell["style_id"]
        if not style:
            return False
        if style not in self.known:
            from openpyxl.cell.read_only import ReadOnlyCell

            fmt = ReadOnlyCell(self.ws, **cell).number_format
            # Quoted text, escaped characters and [colour] parts of a format print as
            # they are; only a bare % multiplies by 100.
            self.known[style] = "%" in re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", fmt)
        return self.known[style]


def _check_workbook(path: Path, file: str) -> None:
    """Refuse a file that is not a zip, or whose parts would make openpyxl use unbounded
    memory or time: more than :data:`MAX_PARTS` parts, more unpacked bytes than the input
    limit, a part compressed more than :data:`MAX_RATIO` to 1 (a zip bomb), an element with
    more than :data:`MAX_ATTRIBUTES` attributes, or more than :data:`MAX_MARKUP` XML tags
    and attributes to parse in all. Entities and external references inside the XML are
    refused by defusedxml when openpyxl parses it."""
    limit = input_limit()
    try:
        with zipfile.ZipFile(path) as zf:
            parts = zf.infolist()
            if len(parts) > MAX_PARTS:
                raise _not_xlsx(file, f"it holds {len(parts):,} files (a workbook has a few)")
            unpacked = sum(p.file_size for p in parts)
            if unpacked > limit:
                raise ScenarioError(
                    f"the workbook unpacks to {unpacked / 2**20:,.1f} MB, above the input "
                    f"limit of {limit / 2**20:g} MB (set {LIMIT_VARIABLE} to raise it)",
                    file=file,
                )
            for p in parts:
                if p.file_size > 2**20 and p.file_size > MAX_RATIO * max(p.compress_size, 1):
                    raise _not_xlsx(
                        file,
                        f"{show(p.filename)} is compressed more than {MAX_RATIO}:1 (a zip bomb?)",
                    )
            markup, dimensions, sheets = 0, 0, 0
            for p in parts:
                # zipfile never unpacks more than a part's stated size (then checks its CRC)
                data = zf.read(p)
                equals = data.count(b"=")
                count = data.count(b"<") + equals
                markup += count
                if markup > MAX_MARKUP:
                    raise _too_large(file)
                # An element's attributes lie between its "<" and the next one; parsing
                # an element with millions of them takes minutes.
                if equals > MAX_ATTRIBUTES and _CROWDED.search(data):
                    raise _not_xlsx(
                        file,
                        f"{show(p.filename)} has an XML element with more than "
                        f"{MAX_ATTRIBUTES:,} attributes",
                    )
                dimensions = max(dimensions, _dimension_cost(data, count))
                sheets += len(_SHEET_TAG.findall(data))
                del data
    except ScenarioError:
        raise
    except zipfile.BadZipFile:
        with open(path, "rb") as fh:
            old = fh.read(4) == b"\xd0\xcf\x11\xe0"
        why = (
            "an old .xls workbook or a password-protected one; save it as .xlsx without a password"
            if old
            else "not a zip archive, or a broken one"
        )
        raise _not_xlsx(file, why) from None
    except Exception as e:  # encrypted, an unknown compression, corrupt data
        raise _library_error(file, e) from None
    # On opening, openpyxl parses every sheet up to its <dimension> (all of it without
    # one), and several sheets may name the same part: charge the dearest once per sheet.
    if markup + sheets * (dimensions + SHEET_MARKUP) > MAX_MARKUP:
        raise _too_large(file)


def _too_large(file: str) -> ScenarioError:
    return ScenarioError(
        f"the workbook is too large to read safely: more than {MAX_MARKUP:,} XML tags and "
        f"attributes to parse (about {MAX_MARKUP // 100:,} rows of 14 filled columns): "
        "save the register as CSV",
        file=file,
    )


def _dimension_cost(data: bytes, markup: int) -> int:
    """The markup openpyxl parses in a part when it looks for a sheet's dimension: up to a
    ``<dimension .../>`` it certainly stops at (no comment, CDATA or instruction before
    it, the main namespace the only default one), else all ``markup`` of the part."""
    found = _DIMENSION.search(data)
    if found:
        head = data[: found.start()]
        body = head[head.find(b"?>") + 2 :] if head.startswith(b"<?xml") else head
        if (
            b"<!" not in body
            and b"<?" not in body
            and len(_DEFAULT_NS.findall(head)) == 1
            and _MAIN_NS in head
        ):
            return head.count(b"<") + head.count(b"=")
    return markup


_SHEET_TAG = re.compile(rb"<(?:[\w.-]+:)?sheet[\s/>]")
# a "<" followed by more than MAX_ATTRIBUTES "=" before the next "<" (linear: no overlap)
_CROWDED = re.compile(rb"<[^<=]*(?:=[^<=]*){%d}" % (MAX_ATTRIBUTES + 1))
_DIMENSION = re.compile(rb"<dimension\s[^<>]*/>")
_DEFAULT_NS = re.compile(rb"xmlns\s*=")
_MAIN_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _not_xlsx(file: str, why: str) -> ScenarioError:
    return ScenarioError(f"not an Excel .xlsx workbook: {why}", file=file)


def _library_error(file: str, e: BaseException) -> ScenarioError:
    """One line for whatever a library raised on a bad workbook; openpyxl wraps the
    cause (defusedxml's refusal among them) in a ValueError of several lines."""
    from defusedxml import DefusedXmlException

    causes = [e]
    while causes[-1].__cause__ is not None and len(causes) < 10:
        causes.append(causes[-1].__cause__)
    if any(isinstance(c, DefusedXmlException) for c in causes):
        return _not_xlsx(
            file, "its XML declares entities or external references, which are not read"
        )
    first = str(causes[-1]).strip().splitlines()
    detail = f"{type(causes[-1]).__name__}: {first[0]}" if first else type(causes[-1]).__name__
    return _not_xlsx(file, f"cannot read it ({shorten(detail, 200)})")


# --- numbers --------------------------------------------------------------------------

# 1,234.5 and 1,234,567: groups of three after a first group of one to three digits
_THOUSANDS = re.compile(r"[+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]*)?")


def _number(text: str, col: str, err: _RowError) -> float:
    """The number a cell holds, by the rule in the README: a decimal point, a comma only
    as an unambiguous thousands separator, and ``30%`` only in a probability."""
    if isinstance(text, _PercentText) and col not in PROBABILITIES:
        raise err(
            f"not a number: {float(text) * 100:g}% (a cell formatted as a percentage: "
            f"{_percent_hint(col, f'{float(text) * 100:g}')})",
            col,
        )
    t = text.replace("\u2212", "-")  # the typographic minus sign
    percent = t.endswith("%")
    if percent:
        t = t[:-1].rstrip()
        if col not in PROBABILITIES:
            raise err(f"not a number: {show(text)} ({_percent_hint(col, t)})", col)
    if _THOUSANDS.fullmatch(t) and ("." in t or t.count(",") > 1):
        t = t.replace(",", "")
    if not PLAIN_NUMBER.fullmatch(t):
        raise err(f"not a number: {show(text)}{number_hint(t)}", col)
    if percent:
        if "e" in t.lower():
            raise err(f"not a number: {show(text)} (write a per cent without an exponent)", col)
        t += "e-2"  # 30% is 30e-2: exact, where 30 / 100 would round twice for 0.3%
    x = float(t)
    if not math.isfinite(x):
        raise err(f"not a number: {show(text)} (too large)", col)
    return x


def _percent_hint(col: str, number: str) -> str:
    if col.startswith("delay_pct"):
        return f"write {number} without the % sign: {col} is already in per cent"
    return f"a per cent sign is read only in probabilities; give {col} as a plain number"


def _num(row: dict[str, str], col: str, err: _RowError) -> float:
    text = row.get(col, "")
    if not text:
        raise err("is empty", col)
    return _number(text, col, err)


def _prob(row: dict[str, str], col: str, err: _RowError) -> float:
    p = _num(row, col, err)
    if not 0 <= p <= 1:
        raise err(
            f"a probability must be between 0 and 1 (or 0% and 100%), got {show(row[col])}", col
        )
    return p


def _cost(row: dict[str, str], col: str, err: _RowError) -> float:
    try:
        return check_number(_num(row, col, err), col)
    except ScenarioError as e:
        raise err(e.message, col) from None


def _distribution(row: dict[str, str], q: str, err: _RowError) -> Distribution | None:
    given = {s: row.get(f"{q}{s}", "") for s in ("", "_min", "_mode", "_max", "_dist")}
    if not any(given.values()):
        return None
    kind = given["_dist"].lower()
    if given[""]:
        if any(given[s] for s in ("_min", "_mode", "_max")):
            raise err(f"give {q} or {q}_min/_mode/_max, not both", q)
        spec: Any = _num(row, q, err)
    elif given["_mode"] or kind in ("triangular", "pert"):
        spec = {
            "dist": kind or "triangular",
            **{k: _num(row, f"{q}_{k}", err) for k in ("min", "mode", "max")},
        }
    else:
        spec = {
            "dist": kind or "uniform",
            **{k: _num(row, f"{q}_{k}", err) for k in ("min", "max")},
        }
    try:
        return parse_distribution(spec, q, signed=True)
    except ScenarioError as e:
        raise err(e.message, q) from None
