"""Result files: JSON, CSV tables, the register workbook, and the checks made on every
output path before a run starts.

Every file goes through :func:`riskengine.report.outputs.write_files`: each is staged in a
temporary file next to its final path and only moved into place once all of them are
written, so a failed run never leaves a half-written file; devices and pipes are written
directly, never replaced. Text from a scenario never becomes a spreadsheet formula: XLSX
text cells are strings and CSV text cells that would start a formula get a leading ``'``.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, overload

from riskengine.analysis.results import Results
from riskengine.errors import OutputError
from riskengine.portfolio.results import PortfolioResults, baseline
from riskengine.report import charts as ch
from riskengine.report.html import compare_report, run_report
from riskengine.report.outputs import Content, check_distinct, destination, write_files
from riskengine.report.terminal import PERCENT, is_missing, percent_format
from riskengine.report.workbook import results_workbook, xlsx_text

if TYPE_CHECKING:  # pandas, openpyxl and the engine load when a file is written, not before
    import pandas as pd
    from openpyxl.worksheet.worksheet import Worksheet

    from riskengine.analysis.register import RiskRegister
    from riskengine.portfolio.options import Comparison

CSV_TABLES = ("milestones", "tasks", "iterations", "costs")


CSV_TABLES_FILES = tuple(f"{table}.csv" for table in CSV_TABLES)


# The charts --charts writes under fixed names (each as .png and .svg); besides these, a
# run writes finish-<milestone> and a comparison kpi-<KPI> (report/charts.py).
CHART_NAMES = (
    "finish-project",
    "criticality",
    "sensitivity",
    "risks",
    "cost",
    "jcl",
    "convergence",
    "objectives",
    "differences",
)
CHART_FILES = tuple(f"{name}.{kind}" for name in CHART_NAMES for kind in ("png", "svg"))
CHART_PATTERNS = ("finish-*.png", "finish-*.svg", "kpi-*.png", "kpi-*.svg")
REPORT_SUFFIXES = (".html", ".htm")


# A --csv or --charts folder named like one of these is a mistake for a file name.
FILE_SUFFIXES = (".csv", ".json", ".xlsx", ".png", ".html", ".yaml", ".yml")


def json_text(data: dict[str, Any]) -> str:
    """JSON as written to files: indented; NaN is not JSON, so it fails loudly."""
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def results_json(results: Results | PortfolioResults, *, detail: bool = False) -> str:
    """The ``--json`` document (every milestone's per-task tables with ``detail``,
    ``--json-detail``). ``allow_nan=False``: NaN is not JSON, and the dict uses None for
    anything missing, so a NaN here is a bug and must fail loudly."""
    return json.dumps(results.to_dict(detail=detail), indent=2, allow_nan=False) + "\n"


def _dump_json(doc: dict[str, Any], fh: IO[str]) -> None:
    """:func:`results_json`'s text written piece by piece: a document of hundreds of MB
    (``--json-detail`` on thousands of tasks and milestones) is never one string."""
    json.dump(doc, fh, indent=2, allow_nan=False)
    fh.write("\n")


def _nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _check_folder(folder: Path, what: Path) -> None:
    if not folder.exists():
        raise OutputError(f"{what}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise OutputError(f"{what}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{what}: the folder {folder} is not writable")


def _check_file(path: Path) -> None:
    """The file ``path`` can be written: a writable device or pipe, or a new or regular
    file in a writable folder (see :mod:`riskengine.report.outputs`)."""
    dest = destination(path)
    if dest.direct:
        if not os.access(path, os.W_OK):
            raise OutputError(f"{path}: is not writable")
    else:
        _check_folder(dest.target.parent, path)


def _check_suffixes(
    json_path: Path | None,
    folders: Mapping[str, Path | None],
    xlsx: Path | None = None,
    report: Path | None = None,
) -> None:
    """The mistakes a suffix gives away: ``--json x.csv``, ``--csv out.csv``,
    ``--xlsx out.csv``, ``--report r.pdf``."""
    if json_path is not None and json_path.suffix and json_path.suffix.lower() != ".json":
        raise OutputError(
            f"{json_path}: --json writes JSON; give a file name ending in .json,"
            f" not {json_path.suffix}"
        )
    if xlsx is not None and xlsx.suffix and xlsx.suffix.lower() != ".xlsx":
        raise OutputError(
            f"{xlsx}: --xlsx writes a workbook; give a file name ending in .xlsx, not {xlsx.suffix}"
        )
    if report is not None and report.suffix and report.suffix.lower() not in REPORT_SUFFIXES:
        raise OutputError(
            f"{report}: --report writes HTML; give a file name ending in .html, not {report.suffix}"
        )
    for option, folder in folders.items():
        if folder is not None and folder.suffix.lower() in FILE_SUFFIXES:
            raise OutputError(
                f"{folder}: {option} takes a folder to write its files into,"
                f" not a file name ending in {folder.suffix}"
            )


def output_files(
    json_path: Path | None = None,
    csv_dir: Path | None = None,
    register: Path | None = None,
    charts_dir: Path | None = None,
    xlsx: Path | None = None,
    report: Path | None = None,
) -> list[tuple[Path, str]]:
    """Every file these outputs may write, each with the option that writes it (of the
    charts, those with fixed names)."""
    files: list[tuple[Path, str]] = []
    if json_path is not None:
        files.append((Path(json_path), "--json"))
    if xlsx is not None:
        files.append((Path(xlsx), "--xlsx"))
    if report is not None:
        files.append((Path(report), "--report"))
    if csv_dir is not None:
        files += [(Path(csv_dir) / f"{table}.csv", "--csv") for table in CSV_TABLES]
    if charts_dir is not None:
        files += [(Path(charts_dir) / name, "--charts") for name in CHART_FILES]
    if register is not None:
        files += [(p, "--output") for p in register_paths(register)]
    return files


def check_outputs(
    json_path: Path | None = None,
    csv_dir: Path | None = None,
    register: Path | None = None,
    charts_dir: Path | None = None,
    *,
    xlsx: Path | None = None,
    report: Path | None = None,
    inputs: Iterable[str | Path] = (),
) -> None:
    """Raise OutputError if an output could not be written or would destroy data; touches
    nothing.

    Run it before simulating, so a long run never ends in an unwritable path. Refused: an
    output that is one of the ``inputs`` (the scenario, its register, a portfolio's
    project files), two outputs that are the same file, ``--json`` with a suffix other
    than ``.json``, ``--xlsx`` with one other than ``.xlsx``, ``--report`` with one other
    than ``.html`` or ``.htm``, a ``--csv`` or ``--charts`` folder named like a file (or
    holding a folder where a chart goes), a folder, block device or socket where a file
    goes, a missing or read-only folder. A missing ``csv_dir`` is fine (it will be
    created) when its nearest existing parent is writable.
    """
    json_path, csv_dir, charts_dir, xlsx, report = (
        None if p is None else Path(p) for p in (json_path, csv_dir, charts_dir, xlsx, report)
    )
    check_distinct(output_files(json_path, csv_dir, register, charts_dir, xlsx, report), inputs)
    _check_suffixes(json_path, {"--csv": csv_dir, "--charts": charts_dir}, xlsx, report)
    for path in (json_path, xlsx, report):
        if path is not None:
            _check_file(path)
    for folder, names in ((csv_dir, CSV_TABLES_FILES), (charts_dir, CHART_FILES)):
        if folder is None:
            continue
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{folder}: exists and is not a folder")
        _check_folder(_nearest_existing(folder), folder)
        found = list(names)
        if folder is charts_dir and folder.is_dir():
            found += sorted({p.name for pat in CHART_PATTERNS for p in folder.glob(pat)})
        for name in found:
            if (folder / name).exists() or (folder / name).is_symlink():
                _check_file(folder / name)
    if register is not None:
        for path in register_paths(register):
            _check_file(path)


def write_outputs(
    results: Results | PortfolioResults,
    *,
    json_path: Path | None = None,
    csv_dir: Path | None = None,
    charts_dir: Path | None = None,
    json_detail: bool = False,
    xlsx: Path | None = None,
    report: Path | None = None,
    plan: Results | None = None,
    mitigated: Results | None = None,
    inputs: Iterable[str | Path] = (),
) -> list[Path]:
    """Write the ``--json`` file (``json_detail``: with every milestone's per-task
    tables), the ``--xlsx`` workbook (with the ``inputs`` named), the ``--csv`` tables,
    the ``--charts`` (PNG and SVG) and the ``--report`` (creating the folders); return
    the paths written. ``plan`` (the deterministic plan's results) adds the plan's
    finishes to the workbook and the charts, ``mitigated`` (the run after mitigation)
    the after-mitigation bars. Everything is built before anything is touched, and a
    failure leaves no new file or folder behind."""
    files: dict[Path, Content] = {}
    if json_path is not None:
        files[Path(json_path)] = functools.partial(_dump_json, results.to_dict(detail=json_detail))
    if xlsx is not None:
        files[Path(xlsx)] = results_workbook(results, plan, tuple(inputs))
    run = baseline(results)  # a portfolio's tables and charts are its baseline's
    folders = []
    if csv_dir is not None:
        csv_dir = Path(csv_dir)
        folders.append(csv_dir)
        for table in CSV_TABLES:
            if table != "costs" or run.cost is not None:
                files[csv_dir / f"{table}.csv"] = functools.partial(csv_text, run.to_frame(table))
    if charts_dir is not None or report is not None:
        charts = ch.run_charts(run, plan, mitigated)
        if charts_dir is not None:
            folders.append(Path(charts_dir))
            files.update(ch.chart_files(charts, Path(charts_dir)))
        if report is not None:
            files[Path(report)] = run_report(run, plan=plan, mitigated=mitigated, charts=charts)
    return _write_into(files, folders)


def write_comparison(
    comparison: Comparison, *, report: Path | None = None, charts_dir: Path | None = None
) -> list[Path]:
    """Write a comparison's ``--report`` and ``--charts`` (PNG and SVG, creating the
    folder); return the paths written, as :func:`write_outputs` does."""
    files: dict[Path, Content] = {}
    folders = []
    if charts_dir is not None or report is not None:
        charts = ch.compare_charts(comparison)
        if charts_dir is not None:
            folders.append(Path(charts_dir))
            files.update(ch.chart_files(charts, Path(charts_dir)))
        if report is not None:
            files[Path(report)] = compare_report(comparison, charts=charts)
    return _write_into(files, folders)


def _write_into(files: dict[Path, Content], folders: list[Path]) -> list[Path]:
    """Create ``folders`` and write ``files`` all at once; on failure, remove the folders
    this call created."""
    if not files:
        return []
    # Folders this call creates, innermost first, so a failed run can take them away again.
    created: list[Path] = []
    for folder in folders:
        created += [p for p in (folder, *folder.parents) if not p.exists() and p not in created]
    try:
        for folder in folders:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise OutputError(f"{folder}: cannot create the folder ({e.strerror})") from None
        write_files(files)
    except BaseException:
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return list(files)


_LABELS = {
    "rank": "Rank",
    "id": "Risk",
    "name": "Name",
    "owner": "Owner",
    "category": "Category",
    "probability": "Probability",
    "probability_mitigated": "Probability after mitigation",
    "occurrence": "Simulated occurrence",
    "expected_delay": "Expected delay (days)",
    "expected_cost": "Expected cost",
    "mitigation_cost": "Mitigation cost",
    "task": "Task",
    "spearman": "Rank correlation",
    "cruciality": "Cruciality",
    "ssi": "Schedule sensitivity index",
    "criticality": "Criticality",
    "duration_sd": "Duration SD (days)",
    "milestone": "Milestone",
}


def _label_for(key: str) -> str:
    if key in _LABELS:
        return _LABELS[key]
    if key.startswith("delay_P"):
        return f"Delay {key[6:]} (days)"
    if key.startswith("cost_P"):
        return f"Cost {key[5:]}"
    if key.startswith("contribution_"):
        target, q = key[len("contribution_") :].rsplit("_", 1)
        return f"Adds to {target} {q} (days)"
    return key


def _format_for(key: str) -> str | None:
    if key in (
        "probability",
        "probability_mitigated",
        "occurrence",
        "criticality",
    ) or key.startswith("P(target)"):
        return PERCENT
    if key.startswith("cost") or key in ("expected_cost", "mitigation_cost"):
        return "#,##0"
    if key in ("spearman", "cruciality", "ssi"):
        return "0.00"
    if key in ("rank",) or key.endswith("date"):
        return None
    return "0.0"


def _put_row(ws: Worksheet, row: int, values: Iterable[Any], percent: Mapping[int, bool]) -> None:
    """Write one worksheet row. Text is always a string cell: openpyxl would take a text
    starting with ``=`` for a formula (and ``#REF!`` for an error), so a task or risk name
    could otherwise run in Excel."""
    for c, value in enumerate(values, start=1):
        if is_missing(value):
            continue
        if isinstance(value, str):
            cell = ws.cell(row=row, column=c, value=xlsx_text(value))
            cell.data_type = "s"
        else:
            cell = ws.cell(row=row, column=c, value=value)
            if percent.get(c):
                cell.number_format = percent_format(value)


def register_xlsx(reg: RiskRegister) -> bytes:
    """The register as a workbook for people: three sheets with readable headers, number
    formats, fitted widths and a frozen header row."""
    import io as _io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    wb = Workbook()
    sheets = [("Register", reg.register), ("Mitigation", reg.mitigation), ("Tornado", reg.tornado)]
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="305496")
    for i, (title, frame) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        assert isinstance(ws, Worksheet)  # a new workbook's sheets are plain worksheets
        ws.title = title
        keys = list(frame.columns)
        formats = {c: _format_for(str(key)) for c, key in enumerate(keys, start=1)}
        percent = {c: fmt == PERCENT for c, fmt in formats.items()}
        _put_row(ws, 1, [_label_for(str(k)) for k in keys], {})
        for r, record in enumerate(frame.itertuples(index=False), start=2):
            _put_row(ws, r, record, percent)
        for c, key in enumerate(keys, start=1):
            cell = ws.cell(row=1, column=c)
            cell.font, cell.fill = head_font, head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            fmt = formats[c]
            if fmt and fmt != PERCENT:
                for row in ws.iter_rows(min_row=2, min_col=c, max_col=c):
                    row[0].number_format = fmt
            values = [len(_label_for(key)) / 2 + 2] + [len(str(v)) for v in frame[key].tolist()]
            ws.column_dimensions[get_column_letter(c)].width = min(max(values) + 2, 48)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
    buf = _io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# A text cell that starts with one of these is a formula to Excel, LibreOffice and Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert_text(value: object) -> object:
    """``value`` as a CSV cell no spreadsheet runs: text starting like a formula gets a
    leading ``'`` (OWASP's advice against CSV injection); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell, column name and index label made inert."""
    from pandas.api.types import is_numeric_dtype

    out = frame.copy(deep=False)
    for i in range(frame.shape[1]):
        if not is_numeric_dtype(frame.dtypes.iloc[i]):
            # pandas takes any array-like here, a Series too; pandas-stubs list arrays only.
            out.isetitem(i, frame.iloc[:, i].map(inert_text))  # type: ignore[arg-type]
    out.columns = out.columns.map(inert_text)
    if not is_numeric_dtype(out.index.dtype):
        out.index = out.index.map(inert_text)
    out.index.name = inert_text(frame.index.name)
    return out


@overload
def csv_text(frame: pd.DataFrame, fh: IO[str], *, index: bool = True) -> None: ...
@overload
def csv_text(frame: pd.DataFrame, fh: None = None, *, index: bool = True) -> str: ...
def csv_text(frame: pd.DataFrame, fh: IO[str] | None = None, *, index: bool = True) -> str | None:
    """``frame`` as CSV that spreadsheets open as data (to ``fh``, else returned): text
    cells made inert (:func:`csv_safe`) and quoted, so a line break inside a name cannot
    start a new row either."""
    return csv_safe(frame).to_csv(fh, index=index, quoting=csv.QUOTE_NONNUMERIC)


def register_paths(path: Path) -> list[Path]:
    """The files ``riskengine register -o path`` writes: ``.xlsx``, one workbook;
    ``.csv``, the register plus ``<stem>.mitigation.csv`` and ``<stem>.tornado.csv``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return [path]
    if suffix == ".csv":
        return [path, *(path.with_name(f"{path.stem}.{t}.csv") for t in ("mitigation", "tornado"))]
    raise OutputError(
        f"{path}: the register is written as .xlsx or .csv, not {suffix or 'no suffix'}"
    )


def register_files(reg: RiskRegister, path: Path) -> dict[Path, Content]:
    """The register's files (:func:`register_paths`) and their contents."""
    paths = register_paths(path)
    if len(paths) == 1:
        return {paths[0]: register_xlsx(reg)}
    frames = (reg.register, reg.mitigation, reg.tornado)
    return {p: csv_text(f, index=False) for p, f in zip(paths, frames, strict=True)}
