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
"""

from __future__ import annotations

import csv
import functools
import math
from pathlib import Path
from typing import Any

from ..distributions import parse_distribution
from ..errors import ScenarioError
from ..model import Impact, Mitigation, Risk

REQUIRED = ("id", "probability", "task")
TEXT = ("name", "owner", "category")
QUANTITIES = ("delay", "delay_pct", "cost")
KNOWN = {
    *REQUIRED,
    *TEXT,
    "mitigated_probability",
    "mitigation_cost",
    *(f"{q}{suffix}" for q in QUANTITIES for suffix in ("", "_min", "_mode", "_max", "_dist")),
}


def load_register(path: Path) -> tuple[Risk, ...]:
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
        cost = _num(row, "mitigation_cost", err) if row.get("mitigation_cost") else None
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
                    f"risk {rid!r} says {value!r} here but {entry['head'][key]!r} in row "
                    f"{entry['first']}",
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
            raise err(f"risk {rid!r} impacts task {row['task']!r} twice", "task")
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


def _row_error(file: str, line: int, msg: str, column: str | None = None) -> ScenarioError:
    # The row of a spreadsheet, or the line of a CSV file (the header is line 1).
    return ScenarioError(msg, file=file, field=f"column {column}" if column else None, line=line)


def _read(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows as text, with their line (CSV) or row (XLSX) number; the header is line 1."""
    file = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise ScenarioError("a risk register file must be .csv or .xlsx", file=file)
    try:
        table = _csv_rows(path) if suffix == ".csv" else _xlsx_rows(path)
    except FileNotFoundError:
        raise ScenarioError("file not found", file=file) from None
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, KeyError) as e:
        raise ScenarioError(f"cannot read the register: {e}", file=file) from None
    if not table:
        raise ScenarioError("the register is empty", file=file)
    columns = [str(c or "").strip().lower() for c in table[0][1]]
    for col in REQUIRED:
        if col not in columns:
            raise ScenarioError(f"missing column {col!r}", file=file, field="header", line=1)
    for col in columns:
        if col not in KNOWN:
            raise ScenarioError(
                f"unknown column {col!r} (known: {', '.join(sorted(KNOWN))})",
                file=file,
                field="header",
                line=1,
            )
    rows = []
    for line, cells in table[1:]:
        row = {c: _cell(v) for c, v in zip(columns, cells, strict=False)}
        if any(row.values()):
            rows.append((line, row))
    if not rows:
        raise ScenarioError("the register has no rows", file=file)
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    # The standard library reads CSV without pandas' half-second import.
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        return [(reader.line_num, cells) for cells in reader]


def _xlsx_rows(path: Path) -> list[tuple[int, list[object]]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        return [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        wb.close()


def _num(row: dict[str, str], col: str, err) -> float:
    text = row.get(col, "")
    try:
        x = float(text.replace(",", "")) if text else math.nan
    except ValueError:
        raise err(f"not a number: {text!r}", col) from None
    if not math.isfinite(x):
        raise err(f"not a number: {text!r}", col)
    return x


def _prob(row: dict[str, str], col: str, err) -> float:
    p = _num(row, col, err)
    if not 0 <= p <= 1:
        raise err(f"a probability must be between 0 and 1, got {row[col]}", col)
    return p


def _distribution(row: dict[str, str], q: str, err):
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
