"""Results workbooks: ``riskengine run --xlsx`` and ``riskengine compare --xlsx``.

Each sheet is one table built from the same numbers as the JSON document: a frozen,
styled header row and one row per item, with real date cells (``yyyy-mm-dd``), numbers
formatted by their unit (working days ``0.0``, money ``#,##0``, probabilities ``0.0%``)
and column widths fitted to what the cells show. Every sheet is always there, so a link
to a sheet never breaks: one with nothing to show (no costs, no risks) holds a single
line saying why. Text is always a text cell, so a task named ``=HYPERLINK(…)`` shows as
that text and never runs.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskengine import __version__
from riskengine.analysis.results import Results, pkey
from riskengine.errors import OutputError
from riskengine.portfolio.results import PortfolioResults, baseline
from riskengine.report.terminal import is_missing, percent_format

if TYPE_CHECKING:  # openpyxl loads when a workbook is written, not before
    from openpyxl.worksheet.worksheet import Worksheet

    from riskengine.portfolio.options import Comparison

# Units of a column: how its cells are formatted and measured.
TEXT, DAYS, DATE, MONEY, PROB, DIFF, NUMBER, RATIO, COUNT, ANY = (
    "text",
    "days",
    "date",
    "money",
    "probability",
    "difference",
    "number",
    "ratio",
    "count",
    "any",  # each cell by its type: a date, a whole number or text
)
FORMATS = {
    DAYS: "0.0",
    DATE: "yyyy-mm-dd",
    MONEY: "#,##0",
    DIFF: "+0.0%;-0.0%;0.0%",  # a difference of probabilities: its sign always shown
    NUMBER: "#,##0.00",
    RATIO: "0.00",
    COUNT: "0",
}
MAX_WIDTH = 60  # characters: a long name wraps in its cell instead of widening the sheet
MAX_COLUMNS, MAX_ROWS = 16_384, 1_048_576  # what Excel opens


@dataclass(frozen=True)
class Column:
    """A column: its header and the unit its cells are formatted in."""

    header: str
    unit: str = TEXT


@dataclass
class Sheet:
    """One worksheet's table; ``empty`` says why a sheet without rows has none."""

    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    empty: str = ""


def xlsx_text(text: str) -> str:
    """``text`` as a workbook can store it: control characters, which a workbook cannot
    hold, shown as escapes (a bell as the four characters backslash, x, 0, 7)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _date(iso: str | None) -> _dt.date | None:
    return None if iso is None else _dt.date.fromisoformat(iso)


def _shown(value: Any, unit: str) -> str:
    """About what a cell shows, to fit the column's width to it."""
    if is_missing(value):
        return ""
    if unit == TEXT or isinstance(value, str):
        return max(str(value).split("\n"), key=len)
    if unit == DATE or isinstance(value, _dt.date):
        return "2027-01-01"
    if unit in (PROB, DIFF):
        return "+100.0%"
    if unit == MONEY:
        return f"{value:,.0f}"
    if unit == NUMBER:
        return f"{value:,.2f}"
    return f"{value:.2f}"


def put_cell(ws: Worksheet, row: int, col: int, value: Any, unit: str = TEXT) -> None:
    """Write one cell: text always as a text cell (openpyxl would take ``=…`` for a
    formula and ``#REF!`` for an error), dates as date cells, numbers with the unit's
    format; None and NaN leave the cell empty."""
    if is_missing(value):
        return
    if isinstance(value, str):
        cell = ws.cell(row=row, column=col, value=xlsx_text(value))
        cell.data_type = "s"
        return
    cell = ws.cell(row=row, column=col, value=value)
    if unit == ANY:
        unit = DATE if isinstance(value, _dt.date) else COUNT if isinstance(value, int) else RATIO
    if unit == PROB:
        cell.number_format = percent_format(value)
    elif unit in FORMATS:
        cell.number_format = FORMATS[unit]


def _fill(ws: Worksheet, sheet: Sheet) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="305496")
    for c, column in enumerate(sheet.columns, start=1):
        put_cell(ws, 1, c, column.header)
        cell = ws.cell(row=1, column=c)
        cell.font, cell.fill = head_font, head_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, values in enumerate(sheet.rows, start=2):
        for c, (value, column) in enumerate(zip(values, sheet.columns, strict=True), start=1):
            put_cell(ws, r, c, value, column.unit)
    if not sheet.rows and sheet.empty:
        put_cell(ws, 2, 1, sheet.empty)
    for c, column in enumerate(sheet.columns, start=1):
        longest = max(len(word) for word in column.header.split() or [""])
        shown = [len(_shown(values[c - 1], column.unit)) for values in sheet.rows]
        width = max([longest, len(column.header) / 2, *shown]) + 2
        ws.column_dimensions[get_column_letter(c)].width = min(width, MAX_WIDTH)
    ws.freeze_panes = "A2"
    if sheet.rows:
        ws.auto_filter.ref = ws.dimensions


def workbook_bytes(sheets: Iterable[Sheet]) -> bytes:
    """The sheets as an XLSX file; OutputError for a sheet larger than Excel opens (the
    task sensitivity against thousands of milestones)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]  # a new workbook's one sheet
    for sheet in sheets:
        if len(sheet.columns) > MAX_COLUMNS or len(sheet.rows) + 1 > MAX_ROWS:
            raise OutputError(
                f"--xlsx: the {sheet.title} sheet would have {len(sheet.columns):,} columns"
                f" and {len(sheet.rows) + 1:,} rows, more than a workbook opens"
                f" ({MAX_COLUMNS:,} × {MAX_ROWS:,}); ask for fewer outputs (--sensitivity)"
            )
        _fill(wb.create_sheet(sheet.title), sheet)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ----------------------------------------------------------------------------- run


def _outputs(results: Results) -> list[tuple[str, str]]:
    """Each milestone's (id, name), the project's last."""
    ms = [(s.id, s.name) for s in results.milestones.values()]
    return [*ms, ("project", results.project.name)]


def milestones_sheet(results: Results, plan: Results | None = None) -> Sheet:
    """Each milestone and the project: the deterministic plan's finish (with ``plan``),
    mean, SD, the P-values in working days and as dates, the target and the probability
    of meeting it with its standard error."""
    dated = results.project.dates is not None
    keys = [pkey(p) for p in results.percentiles]
    cols = [Column("Milestone"), Column("Name")]
    if plan is not None:
        cols.append(Column("Plan finish (working days)", DAYS))
        if dated:
            cols.append(Column("Plan date", DATE))
    cols += [Column("Mean (working days)", DAYS), Column("SD (working days)", DAYS)]
    cols.append(Column("Mean standard error (working days)", DAYS))
    cols += [Column(f"{k} (working days)", DAYS) for k in keys]
    if dated:
        cols += [Column(f"{k} date", DATE) for k in keys]
    cols += [Column("Target (working days)", DAYS), Column("Target date", DATE)]
    cols += [Column("P(on target)", PROB), Column("P(on target) standard error", PROB)]
    rows = []
    for s in [*results.milestones.values(), results.project]:
        row: list[Any] = [s.id, s.name]
        if plan is not None:
            p = plan.project if s.id == "project" else plan.milestones[s.id]
            row.append(p.mean)
            if dated:
                row.append(_date((p.dates or {}).get("P50")))
        row += [s.mean, s.sd, s.mean_se, *(s.percentiles[k] for k in keys)]
        if dated:
            row += [_date((s.dates or {})[k]) for k in keys]
        row += [s.target, s.target_date, s.p_target, s.p_target_se]
        rows.append(row)
    return Sheet("Milestones", cols, rows)


def tasks_sheet(results: Results) -> Sheet:
    """Per task: criticality for the project finish, the sensitivity against each output
    it was computed for, the P-value finish dates and the mean and plan cost."""
    tids = list(results.task_names)
    cols = [Column("Task"), Column("Name")]
    columns: list[list[Any]] = []
    if results.criticality is not None:
        cols.append(Column("Criticality", PROB))
        columns.append([results.criticality[t] for t in tids])
    sens = results.sensitivity
    if sens and tids:
        first = sens[tids[0]]
        cols.append(Column("Duration SD (working days)", DAYS))
        columns.append([sens[t].sd for t in tids])
        for out in first.spearman:
            cols.append(Column(f"Rank correlation with {out}", RATIO))
            columns.append([sens[t].spearman[out] for t in tids])
            cols.append(Column(f"Cruciality for {out}", RATIO))
            columns.append([sens[t].cruciality[out] for t in tids])
            cols.append(Column(f"SSI for {out}", RATIO))
            columns.append([sens[t].ssi[out] for t in tids])
    if results.task_dates is not None:
        for p in results.percentiles:
            cols.append(Column(f"{pkey(p)} finish date", DATE))
            columns.append([_date(results.task_dates[t][pkey(p)]) for t in tids])
    if results.task_costs:
        cols += [Column("Mean cost", MONEY), Column("Plan cost", MONEY)]
        columns.append([results.task_costs[t]["mean"] for t in tids])
        columns.append([results.task_costs[t]["deterministic"] for t in tids])
    rows = [[t, results.task_names[t], *(c[i] for c in columns)] for i, t in enumerate(tids)]
    return Sheet("Tasks", cols, rows, "No tasks.")


def risks_sheet(results: Results) -> Sheet:
    """Per risk: how often it occurred and the working days it adds to the P50 and P80 of
    the project finish and of each milestone (the risk drivers)."""
    cols = [Column("Risk"), Column("Name"), Column("Occurrence", PROB)]
    outputs = [oid for oid, _ in _outputs(results)]
    outputs = ["project", *outputs[:-1]]  # the project first, as the drivers table
    if results.drivers is not None:
        for oid in outputs:
            cols += [Column(f"Adds to {oid} {q} (working days)", DAYS) for q in ("P50", "P80")]
    rows = []
    for rid, p in results.risk_occurrence.items():
        row: list[Any] = [rid, results.risk_names.get(rid, ""), p]
        if results.drivers is not None:
            d = results.drivers[rid]
            row += [d[oid][q] for oid in outputs for q in ("P50", "P80")]
        rows.append(row)
    return Sheet("Risks", cols, rows, "No risks in this scenario.")


def costs_sheet(results: Results) -> Sheet:
    """The total cost and each cost group: mean, SD, P-values, the plan's cost and the
    contingency each P-value needs over it."""
    keys = [pkey(p) for p in results.percentiles]
    cols = [Column("Cost"), Column("Mean", MONEY), Column("SD", MONEY)]
    cols.append(Column("Mean standard error", MONEY))
    cols += [Column(k, MONEY) for k in keys]
    cols.append(Column("Plan", MONEY))
    cols += [Column(f"Contingency {k}", MONEY) for k in keys]
    rows = []
    if results.cost is not None:
        for label, c in [("Total", results.cost), *results.group_costs.items()]:
            contingency = c.contingency or {}
            rows.append(
                [
                    label,
                    c.mean,
                    c.sd,
                    c.mean_se,
                    *(c.percentiles[k] for k in keys),
                    c.deterministic,
                    *(contingency.get(k) for k in keys),
                ]
            )
    return Sheet("Costs", cols, rows, "No costs in this scenario.")


def jcl_sheet(results: Results) -> Sheet:
    """Joint confidence of cost and finish: the plan, the P50 and P80 pairs, then every
    point of the frontier (the cheapest budget reaching the target JCL by each date)."""
    what = results.jcl_milestone
    cols = [Column("Point"), Column("Cost", MONEY)]
    cols += [Column(f"Finish of {what} (working days)", DAYS), Column("Finish by", DATE)]
    cols.append(Column("JCL", PROB))
    rows: list[list[Any]] = []
    jc = results.jcl
    if jc is not None:
        for label, pt in (
            ("Deterministic plan", jc.deterministic),
            ("P50 cost and date", jc.p50_pair),
            ("P80 cost and date", jc.p80_pair),
        ):
            rows.append([label, pt["cost"], pt["finish"], _date(pt["date"]), pt["jcl"]])
        n = len(jc.frontier)
        for i, pt in enumerate(jc.frontier, start=1):
            rows.append([f"Frontier {i}/{n}", pt["cost"], pt["finish"], _date(pt["date"]), None])
    return Sheet("JCL", cols, rows, "No joint confidence: it needs costs in the scenario.")


def _file_rows(inputs: Sequence[str | Path]) -> list[list[Any]]:
    """Each input file with its SHA-256, so a workbook names exactly what it was run on."""
    rows: list[list[Any]] = []
    for path in inputs:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        rows += [["Input file", str(path)], ["SHA-256", digest]]
    return rows


def _settings(rows: list[list[Any]]) -> Sheet:
    return Sheet("Settings", [Column("Setting"), Column("Value", ANY)], rows)


def settings_sheet(results: Results, inputs: Sequence[str | Path] = ()) -> Sheet:
    """What was run, so every number can be reproduced."""
    rows: list[list[Any]] = [
        ["Scenario", results.scenario_name],
        ["riskengine version", __version__],
        ["Iterations", results.iterations],
        ["Seed", str(results.seed)],  # text: a 64-bit seed is more digits than Excel keeps
        ["Sampling", results.sampling],
        ["Percentiles", ", ".join(pkey(p) for p in results.percentiles)],
        ["Start", results.start],
        ["Risks", "after mitigation" if results.mitigated else "before mitigation"],
        ["Units", "working days of the project calendar from the start"],
    ]
    if results.jcl is not None:
        rows.append(["JCL target", results.jcl.target])
        rows.append(["JCL about", results.jcl_milestone])
    return _settings(rows + _file_rows(inputs))


def objectives_sheet(results: PortfolioResults) -> Sheet:
    """A portfolio's strategic objectives and all of them together: the probability of
    meeting each, with its standard error."""
    cols = [Column("Objective"), Column("Target"), Column("Probability", PROB)]
    cols.append(Column("Standard error", PROB))
    st = results.strategy
    rows: list[list[Any]] = [
        [oid, o["description"], o["probability"], o["se"]] for oid, o in st["objectives"].items()
    ]
    joint = st["joint"]
    rows.append(["All together", "strategic success", joint["probability"], joint["se"]])
    return Sheet("Objectives", cols, rows)


def _kpi_columns(percentiles: Iterable[str]) -> list[Column]:
    return [Column("Mean", NUMBER), Column("SD", NUMBER), *(Column(k, NUMBER) for k in percentiles)]


def kpis_sheet(results: PortfolioResults) -> Sheet:
    """A portfolio's KPIs: mean, SD and P-values (empty where a statistic is not finite)."""
    kpis = results.strategy["kpis"]
    keys = list(next(iter(kpis.values()))["percentiles"]) if kpis else []
    rows = [
        [kid, k["mean"], k["sd"], *(k["percentiles"][q] for q in keys)] for kid, k in kpis.items()
    ]
    return Sheet("KPIs", [Column("KPI"), *_kpi_columns(keys)], rows, "No KPIs in this portfolio.")


def results_sheets(
    results: Results | PortfolioResults,
    plan: Results | None = None,
    inputs: Sequence[str | Path] = (),
) -> list[Sheet]:
    """The sheets of ``riskengine run --xlsx``; a portfolio adds its objectives and
    KPIs."""
    run = baseline(results)
    sheets = [
        milestones_sheet(run, plan),
        tasks_sheet(run),
        risks_sheet(run),
        costs_sheet(run),
        jcl_sheet(run),
    ]
    if isinstance(results, PortfolioResults):
        sheets += [objectives_sheet(results), kpis_sheet(results)]
    return [*sheets, settings_sheet(run, inputs)]


def results_workbook(
    results: Results | PortfolioResults,
    plan: Results | None = None,
    inputs: Sequence[str | Path] = (),
) -> bytes:
    """The ``riskengine run --xlsx`` workbook (README "The results workbook").

    Parameters
    ----------
    results : Results or PortfolioResults
        What :func:`riskengine.simulate` or :func:`riskengine.simulate_portfolio`
        returned.
    plan : Results, optional
        The deterministic plan (:func:`riskengine.deterministic_plan`): the milestones
        sheet then shows each finish of the plan next to the simulated ones.
    inputs : sequence of paths, optional
        The files the run read, named in the settings sheet with their SHA-256.

    Returns
    -------
    bytes
        The XLSX file.
    """
    return workbook_bytes(results_sheets(results, plan, inputs))


# ----------------------------------------------------------------------------- compare


def _se(p: float, n: int) -> float:
    """The Monte Carlo standard error of a probability ``p`` estimated from ``n``
    iterations (as the portfolio's objectives report it)."""
    return math.sqrt(p * (1 - p) / n)


def comparison_sheets(comparison: Comparison) -> list[Sheet]:
    """The sheets of ``riskengine compare --xlsx``."""
    opts = list(comparison.options.values())
    objectives = [*opts[0].objectives, "all"] if opts else ["all"]
    n = comparison.iterations

    def probability(o: Any, oid: str) -> float:
        return float(o.joint if oid == "all" else o.objectives[oid])

    cols = [Column("Option")]
    for oid in objectives:
        cols += [Column(f"P({oid})", PROB), Column(f"P({oid}) standard error", PROB)]
    cols += [Column(f"Mean {g.id} ({g.direction})", NUMBER) for g in comparison.goals]
    cost_keys = list(opts[0].cost) if opts else []
    cols += [Column(f"Total cost {k}", MONEY) for k in cost_keys]
    cols += [Column("Dominated by"), Column("Dominates")]
    rows: list[list[Any]] = []
    for o in opts:
        row: list[Any] = [o.name]
        for oid in objectives:
            p = probability(o, oid)
            row += [p, _se(p, n)]
        row += [o.goals[g.id] for g in comparison.goals]
        row += [o.cost[k] for k in cost_keys]
        row += [", ".join(o.dominated_by), ", ".join(o.dominates)]
        rows.append(row)
    options = Sheet("Options", cols, rows)

    cols = [Column("Option"), Column("Objective"), Column("Probability", PROB)]
    cols += [Column("Standard error", PROB), Column("Difference to baseline", DIFF)]
    cols += [Column("95% interval low", DIFF), Column("95% interval high", DIFF)]
    rows = []
    for o in opts:
        for oid in objectives:
            p = probability(o, oid)
            d = o.vs_baseline["joint" if oid == "all" else oid]
            rows.append([o.name, oid, p, _se(p, n), d["diff"], d["low"], d["high"]])
    differences = Sheet("Objectives", cols, rows)

    keys = []
    for o in opts:
        for k in o.kpis.values():
            keys = list(k["percentiles"])
            break
    rows = [
        [o.name, kid, k["mean"], k["sd"], *(k["percentiles"][q] for q in keys)]
        for o in opts
        for kid, k in o.kpis.items()
    ]
    kpis = Sheet("KPIs", [Column("Option"), Column("KPI"), *_kpi_columns(keys)], rows, "No KPIs.")
    settings = _settings(
        [
            ["Portfolio", comparison.portfolio],
            ["riskengine version", __version__],
            ["Iterations per option", n],
            ["Seed", str(comparison.seed)],
            ["Random draws", "the same for every option (common random numbers)"],
            *(["Goal", f"{g.id} ({g.direction})"] for g in comparison.goals),
        ]
    )
    return [options, differences, kpis, settings]


def comparison_workbook(comparison: Comparison) -> bytes:
    """The ``riskengine compare --xlsx`` workbook (README "The results workbook"):
    options × objectives with standard errors, the differences to the baseline with
    their 95% intervals, the KPIs per option and the settings."""
    return workbook_bytes(comparison_sheets(comparison))
