"""What users read and keep: terminal tables, the scenario summary and result files.

Every file goes through :func:`riskengine.outputs.write_files`: each is staged in a
temporary file next to its final path and only moved into place once all of them are
written, so a failed run never leaves a half-written file; devices and pipes are written
directly, never replaced. Text from a scenario never becomes a spreadsheet formula: XLSX
text cells are strings and CSV text cells that would start a formula get a leading ``'``.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO

import numpy as np
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from .calendar import Timeline
from .compile import compile_network
from .distributions import KINDS
from .engine import deterministic_plan
from .errors import OutputError, one_line
from .jcl import chart_png
from .model import LINK_TYPES, Scenario
from .outputs import Content, check_distinct, destination, write_files
from .outputs import write_atomic as write_atomic  # the name callers have always used
from .results import OutcomeSummary, Results

NONE = "—"
CSV_TABLES = ("milestones", "tasks", "iterations", "costs")
CSV_TABLES_FILES = tuple(f"{table}.csv" for table in CSV_TABLES)
CHART_FILES = ("jcl.png",)
# A --csv or --charts folder named like one of these is a mistake for a file name.
FILE_SUFFIXES = (".csv", ".json", ".xlsx", ".png", ".html", ".yaml", ".yml")
TOP_CRITICAL = 10


# ----------------------------------------------------------------------------- terminal


def _when(t: float | None, timeline: Timeline | None) -> str:
    """A finish time in working days of the project calendar as users read it: a date
    when the scenario has a start date."""
    if t is None:
        return NONE
    if timeline is None or not timeline.dated:
        return f"{t:.1f}"
    return timeline.iso(timeline.finish_dates(timeline.project_finish_time(t)))[0]


def _target(s: OutcomeSummary, timeline: Timeline | None) -> str:
    if s.target_date is not None:
        return s.target_date.isoformat()  # the date the user wrote, even on a weekend
    return _when(s.target, timeline)


PERCENT = "0.0%"  # probabilities: one decimal, in the terminal and in workbooks
# One decimal shows 100.0% from 0.9995 up and 0.0% below 0.0005 (Excel rounds the decimal
# value half up; the slack keeps the two on the same side of the line).
_NEAR_ONE, _NEAR_ZERO = 0.9995 - 1e-12, 0.0005 + 1e-12


def probability_bound(p: float) -> str | None:
    """``">99.9%"`` or ``"<0.1%"`` where one decimal would round a probability to 100.0%
    or 0.0% although it is not 1 or 0 (a 99.97% chance is not a certainty); else None."""
    if _NEAR_ONE < p < 1:
        return ">99.9%"
    if 0 < p < _NEAR_ZERO:
        return "<0.1%"
    return None


def _pct(p: float | None) -> str:
    """A probability as the tables show it: one decimal, never a false 100.0% or 0.0%."""
    if p is None:
        return NONE
    return probability_bound(p) or f"{100 * p:.1f}%"


def percent_format(p: float) -> str:
    """The XLSX number format of probability ``p``: ``0.0%``, or the bound as literal
    text (the cell keeps its exact value)."""
    bound = probability_bound(p)
    return f'"{bound}"' if bound else PERCENT


def _table(title: str, caption: str | None = None) -> Table:
    # Two spaces between columns and none at the edges: the milestone table has nine
    # columns and must stay readable in 100.
    return Table(
        title=title,
        caption=caption,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        title_justify="left",
        caption_justify="left",
        title_style="bold",
    )


def _user(text: object, style: str = "") -> Text:
    """Text from a file, for a table: never rich markup ("Pumps [A/B]" stays as it is),
    one line, and no control characters (an ESC in a name cannot recolour the terminal)."""
    return Text(one_line(text), style)


def _label(oid: str, name: str) -> Text:
    text = _user(oid, "bold")
    if name:
        text.append("\n")
        text.append_text(_user(name))
    return text


def header(results: Results) -> Text:
    when = f"start {results.start}" if results.start else "times in working days from start"
    state = " · risks after mitigation" if results.mitigated else ""
    return Text.assemble(
        _user(results.scenario_name, "bold"),
        f" · {results.iterations:,} iterations · seed {results.seed} · {when}{state}",
    )


def milestone_table(results: Results) -> Table:
    """Milestones plus the project finish: mean, sd, percentiles, target, P(on target)."""
    caption = (
        "Mean and SD in working days of the project calendar; percentiles and targets are"
        " finish dates (Pn: the first date by which n% of iterations have finished)."
        if results.start
        else "All times in working days from the start."
    )
    table = _table("Milestones", caption)
    table.add_column("Milestone", ratio=1, min_width=16)
    table.add_column("Mean", justify="right", no_wrap=True)
    table.add_column("SD", justify="right", no_wrap=True)
    for key in results.project.percentiles:
        table.add_column(key, justify="right", no_wrap=True)
    table.add_column("Target", justify="right", no_wrap=True)
    table.add_column("P(on\ntarget)", justify="right", no_wrap=True)
    rows = [*results.milestones.values(), results.project]
    for s in rows:
        if s is results.project:
            table.add_section()
            label = _user(s.name, "bold")
        else:
            label = _label(s.id, s.name)
        cells = s.dates.values() if s.dates else (f"{v:.1f}" for v in s.percentiles.values())
        table.add_row(
            label,
            f"{s.mean:.1f}",
            f"{s.sd:.1f}",
            *cells,
            _target(s, results.timeline),
            _pct(s.p_target),
        )
    return table


def critical_table(results: Results, top: int = TOP_CRITICAL) -> Table:
    table = _table("Most critical tasks")
    table.add_column("Task", style="bold", no_wrap=True)
    table.add_column("Name", ratio=1)
    table.add_column("Criticality", justify="right", no_wrap=True)
    for tid, c in results.most_critical(top):
        table.add_row(_user(tid), _user(results.task_names.get(tid, "")), _pct(c))
    return table


def _print_unsqueezed(console: Console, table: Table, *, natural: bool = False) -> None:
    # Below its minimum width rich drops whole columns; lines longer than a narrow
    # terminal merely wrap, and pipes and files lose nothing. ``natural``: print at the
    # table's full width (for tables of short cells that must not wrap or truncate).
    measured = Measurement.get(console, console.options.update_width(10_000), table)
    need = measured.maximum if natural else measured.minimum
    width = console.width
    console.width = max(width, need)
    try:
        console.print(table)
    finally:
        console.width = width


def print_results(results: Results, console: Console, *, top: int = TOP_CRITICAL) -> None:
    """What ``riskengine run`` shows; the criticality table only when it was computed."""
    console.print(header(results))
    console.print()
    _print_unsqueezed(console, milestone_table(results))
    if results.criticality is not None:
        console.print()
        console.print(critical_table(results, top))
    if results.drivers:
        console.print()
        console.print(drivers_table(results, top))
    if results.strategy is not None:
        console.print()
        console.print(objectives_table(results))
        if results.strategy["kpis"]:
            console.print()
            _print_unsqueezed(console, kpi_table(results))
    if results.cost is not None:
        console.print()
        _print_unsqueezed(console, cost_table(results))
    if results.jcl is not None:
        console.print()
        console.print(jcl_table(results))


def objectives_table(results: Results) -> Table:
    """Each strategic objective's probability, and of all of them together."""
    st = results.strategy
    table = _table("Strategic objectives", "± one standard error of the probability.")
    table.add_column("Objective", ratio=1)
    table.add_column("Target", no_wrap=True)
    table.add_column("Probability", justify="right", no_wrap=True)
    for oid, o in st["objectives"].items():
        table.add_row(_user(oid, "bold"), _user(o["description"]), _share(o))
    table.add_section()
    table.add_row(Text("All together", "bold"), "strategic success", _share(st["joint"]))
    return table


def _share(s: dict) -> str:
    return f"{_pct(s['probability'])} ± {100 * s['se']:.1f}"


def kpi_table(results: Results) -> Table:
    """Each KPI's mean and percentiles (— where a statistic is not finite)."""
    from .strategy import format_statistic

    kpis = results.strategy["kpis"]
    table = _table("KPIs")
    table.add_column("KPI", ratio=1)
    table.add_column("Mean", justify="right", no_wrap=True)
    first = next(iter(kpis.values()))
    for key in first["percentiles"]:
        table.add_column(key, justify="right", no_wrap=True)
    for kid, k in kpis.items():
        table.add_row(
            _user(kid, "bold"),
            format_statistic(k["mean"]),
            *(format_statistic(v) for v in k["percentiles"].values()),
        )
    return table


def _money(v: float | None) -> str:
    return NONE if v is None else f"{v:,.0f}"


def cost_table(results: Results) -> Table:
    """Total cost and each cost group: mean, SD, percentiles, the deterministic plan, and
    the contingency each percentile needs over the plan."""
    cost = results.cost
    table = _table(
        "Cost",
        "Contingency at Pn = Pn cost − the deterministic plan's cost"
        " (every estimate at its most likely value, no risk events).",
    )
    table.add_column("", ratio=1, min_width=12)
    table.add_column("Mean", justify="right", no_wrap=True)
    table.add_column("SD", justify="right", no_wrap=True)
    for key in cost.percentiles:
        table.add_column(key, justify="right", no_wrap=True)
    table.add_column("Plan", justify="right", no_wrap=True)
    rows = [("Total", cost), *results.group_costs.items()]
    for i, (label, c) in enumerate(rows):
        table.add_row(
            _user(label, "bold" if i == 0 else ""),
            _money(c.mean),
            _money(c.sd),
            *(_money(v) for v in c.percentiles.values()),
            _money(c.deterministic),
        )
        if i == 0 and cost.contingency is not None:
            table.add_row(
                Text("Contingency", "italic"),
                "",
                "",
                *(_money(v) for v in cost.contingency.values()),
                "",
            )
            if len(rows) > 1:
                table.add_section()
    return table


def jcl_table(results: Results, points: int = 6) -> Table:
    """Joint confidence of cost and finish: the plan, the P50 and P80 pairs, and budgets
    on the target frontier (the cheapest cost reaching the target by each date)."""
    jc = results.jcl
    what = "the project" if results.jcl_milestone == "project" else results.jcl_milestone
    table = _table(
        f"Joint confidence: cost and finish of {what} (target {jc.target:.0%})",
        f"Frontier: the cheapest budget that reaches {jc.target:.0%} JCL by each date.",
    )
    table.add_column("", ratio=1)
    table.add_column("Cost", justify="right", no_wrap=True)
    table.add_column("Finish by", justify="right", no_wrap=True)
    table.add_column("JCL", justify="right", no_wrap=True)
    for label, pt in (
        ("Deterministic plan", jc.deterministic),
        ("P50 cost and date", jc.p50_pair),
        ("P80 cost and date", jc.p80_pair),
    ):
        table.add_row(label, _money(pt["cost"]), pt["date"], _pct(pt["jcl"]))
    front = jc.frontier
    if front:
        table.add_section()
        pick = sorted({round(i) for i in np.linspace(0, len(front) - 1, min(points, len(front)))})
        for i in pick:
            table.add_row(
                f"Frontier {i + 1}/{len(front)}",
                _money(front[i]["cost"]),
                front[i]["date"],
                f"≥ {jc.target:.0%}",
            )
    return table


def drivers_table(results: Results, top: int = TOP_CRITICAL) -> Table:
    """The risks that move the project finish most: working days added to P50 and P80."""
    table = _table("Top risks: working days added to the project finish")
    table.add_column("Risk", ratio=1)
    table.add_column("Occurrence", justify="right", no_wrap=True)
    table.add_column("P50", justify="right", no_wrap=True)
    table.add_column("P80", justify="right", no_wrap=True)
    drivers = results.drivers or {}
    ranked = sorted(drivers, key=lambda rid: -drivers[rid]["project"]["P80"])
    for rid in ranked[:top]:
        d = drivers[rid]["project"]
        table.add_row(
            _label(rid, results.risk_names.get(rid, "")),
            _pct(results.risk_occurrence.get(rid)),
            f"{d['P50']:+.1f}",
            f"{d['P80']:+.1f}",
        )
    return table


class LazyProgress:
    """A ``progress`` callback for :func:`riskengine.simulate` that shows a transient bar,
    but only when the first report projects more than ``threshold`` seconds still to go:
    short runs stay quiet. If no report comes within ``threshold`` seconds (numba is
    compiling the kernels on a first run), a transient spinner says so meanwhile. Use it
    as a context manager so the bar and spinner are always removed."""

    WAITING = "Preparing the simulation kernels (the first run compiles them, about 15 s)"

    def __init__(
        self,
        console: Console,
        *,
        enabled: bool = True,
        threshold: float = 1.0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        # A bar only makes sense where it can redraw itself in place.
        self._enabled = enabled and console.is_terminal
        self._console = console
        self._threshold = threshold
        self._clock = clock
        self._t0 = clock()
        self._decided = False
        self._bar: Progress | None = None
        self._task = None
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._status = None

    def __enter__(self) -> LazyProgress:
        if self._enabled:
            self._timer = threading.Timer(self._threshold, self._show_waiting)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop_waiting()
        if self._bar is not None:
            self._bar.stop()

    def _show_waiting(self) -> None:
        with self._lock:
            if not self._decided and self._status is None:
                self._status = self._console.status(self.WAITING)
                self._status.start()

    def _stop_waiting(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            if self._status is not None:
                self._status.stop()
                self._status = None

    @property
    def shown(self) -> bool:
        return self._bar is not None

    def __call__(self, done: int, total: int) -> None:
        if not self._decided:
            self._stop_waiting()
            self._decided = True
            remaining = (self._clock() - self._t0) / max(done, 1) * (total - done)
            if self._enabled and remaining > self._threshold:
                self._bar = Progress(
                    "Simulating",
                    BarColumn(),
                    TaskProgressColumn(),
                    TimeRemainingColumn(),
                    console=self._console,
                    transient=True,
                )
                self._task = self._bar.add_task("simulate", total=total, completed=done)
                self._bar.start()
        if self._bar is not None:
            self._bar.update(self._task, completed=done)


# ----------------------------------------------------------------------------- validate


@dataclasses.dataclass(frozen=True)
class ScenarioSummary:
    """What ``riskengine validate`` reports: the network's shape and its most-likely plan.

    ``links`` counts every link type (zeros included, in ``LINK_TYPES`` order),
    ``distributions`` the kinds in use (in ``KINDS`` order); ``plan`` is one iteration
    with every duration at its single-point estimate.
    """

    scenario: Scenario
    links: dict[str, int]
    distributions: dict[str, int]
    plan: Results


def describe(scenario: Scenario) -> ScenarioSummary:
    """Compile the scenario (raising ScenarioError if it cannot run) and summarise it."""
    net = compile_network(scenario)  # the checks a run makes before it starts
    links = Counter(lk.type for t in scenario.tasks for lk in t.predecessors)
    kinds = Counter(t.duration.kind for t in scenario.tasks)
    return ScenarioSummary(
        scenario=scenario,
        links={k: links[k] for k in LINK_TYPES},
        distributions={k: kinds[k] for k in KINDS if kinds[k]},
        plan=deterministic_plan(scenario, network=net),
    )


def _days_and_date(t: float | None, timeline: Timeline | None, date: str | None = None) -> str:
    if t is None:
        return NONE
    if timeline is None or not timeline.dated:
        return f"{t:.1f} wd"
    return f"{t:.1f} wd ({date or _when(t, timeline)})"


def _plan_finish(s: OutcomeSummary, timeline: Timeline | None) -> str:
    return _days_and_date(s.mean, timeline, (s.dates or {}).get("P50"))


def print_summary(summary: ScenarioSummary, console: Console) -> None:
    """What ``riskengine validate`` shows."""
    sc, plan = summary.scenario, summary.plan
    start = sc.start
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("Scenario", _user(sc.name))
    facts.add_row("Start", str(start) if start else "none — results in working days")
    facts.add_row("Tasks", str(len(sc.tasks)))
    by_type = ", ".join(f"{k} {n}" for k, n in summary.links.items())
    facts.add_row("Links", f"{sum(summary.links.values())} ({by_type})")
    facts.add_row("Durations", ", ".join(f"{k} {n}" for k, n in summary.distributions.items()))
    facts.add_row("Milestones", str(len(sc.milestones)))
    if sc.calendars:
        project = sc.project_calendar().id
        names = [c.id + (" (project)" if c.id == project else "") for c in sc.calendars]
        facts.add_row("Calendars", _user(", ".join(names)))
    if sc.data_date:
        done = sum(1 for t in sc.tasks if t.actual_finish)
        going = sum(1 for t in sc.tasks if t.actual_start and not t.actual_finish)
        facts.add_row("Data date", f"{sc.data_date} ({done} finished, {going} in progress)")
    if plan.cost is not None:
        facts.add_row("Plan cost", _money(plan.cost.mean))
    console.print(facts)

    table = _table("Milestones and the most-likely plan")
    table.add_column("Milestone", ratio=1)
    table.add_column("Target", justify="right", no_wrap=True)
    table.add_column("Plan finish", justify="right", no_wrap=True)
    for m in sc.milestones:
        target_date = m.target_date.isoformat() if m.target_date else None
        table.add_row(
            _label(m.id, m.name),
            _days_and_date(plan.milestones[m.id].target, plan.timeline, target_date),
            _plan_finish(plan.milestones[m.id], plan.timeline),
        )
    table.add_section()
    table.add_row(Text("Project finish", "bold"), NONE, _plan_finish(plan.project, plan.timeline))
    console.print(table)
    console.print("Plan: every task at its single-point estimate (mode, else median).", style="dim")


# ----------------------------------------------------------------------------- files


def json_text(data: dict) -> str:
    """JSON as written to files: indented; NaN is not JSON, so it fails loudly."""
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def print_comparison(comparison, console: Console) -> None:
    """What ``riskengine compare`` shows: one row per option (objective probabilities, the
    joint success, each goal's mean), then which option dominates which."""
    from .strategy import format_statistic

    opts = list(comparison.options.values())
    console.print(
        Text.assemble(
            _user(comparison.portfolio, "bold"),
            f" · {len(opts)} options · {comparison.iterations:,} iterations each · "
            f"seed {comparison.seed} · same draws for every option",
        ),
        soft_wrap=True,
    )
    console.print()
    objectives = list(opts[0].objectives)
    table = _table(
        "Options",
        "Objectives and all: probability of meeting them; Δ: difference to the baseline with "
        "its 95% interval (paired iterations). Goals: the mean; max: higher is better, min: "
        "lower is better. An option dominates another when it is no worse on every objective, "
        "on all of them together and on every goal, and better on one.",
    )
    table.add_column("Option", no_wrap=True)
    for oid in objectives:
        table.add_column(_user(oid), justify="right", no_wrap=True)
    table.add_column("all", justify="right", no_wrap=True)
    for g in comparison.goals:
        table.add_column(
            _user(g.id).append(f"\nmean, {g.direction}"), justify="right", no_wrap=True
        )
    for o in opts:
        cells = [_with_delta(o.objectives[oid], o.vs_baseline[oid], o.name) for oid in objectives]
        cells.append(_with_delta(o.joint, o.vs_baseline["joint"], o.name))
        label = _user(o.name, "bold")
        if o.dominated_by:
            label.append("\ndominated", "dim")
        goals = (format_statistic(o.goals[g.id]) for g in comparison.goals)
        table.add_row(label, *cells, *goals)
    _print_unsqueezed(console, table, natural=True)
    console.print()
    pairs = comparison.dominance()
    for winner, loser in pairs:
        console.print(_user(f"{winner} dominates {loser}"), soft_wrap=True)
    if not pairs:
        console.print("no option dominates another")


def _with_delta(p: float, d: dict, name: str) -> str:
    if name == "baseline":
        return _pct(p)
    return f"{_pct(p)}\nΔ {100 * d['diff']:+.1f}\n[{100 * d['low']:+.1f}, {100 * d['high']:+.1f}]"


def results_json(results: Results) -> str:
    """The ``--json`` document. ``allow_nan=False``: NaN is not JSON, and the dict uses
    None for anything missing, so a NaN here is a bug and must fail loudly."""
    return json.dumps(results.to_dict(), indent=2, allow_nan=False) + "\n"


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
    file in a writable folder (see :mod:`riskengine.outputs`)."""
    dest = destination(path)
    if dest.direct:
        if not os.access(path, os.W_OK):
            raise OutputError(f"{path}: is not writable")
    else:
        _check_folder(dest.target.parent, path)


def _check_suffixes(json_path: Path | None, folders: Mapping[str, Path | None]) -> None:
    """The mistakes a suffix gives away: ``--json x.csv``, ``--csv out.csv``."""
    if json_path is not None and json_path.suffix and json_path.suffix.lower() != ".json":
        raise OutputError(
            f"{json_path}: --json writes JSON; give a file name ending in .json,"
            f" not {json_path.suffix}"
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
) -> list[tuple[Path, str]]:
    """Every file these outputs may write, each with the option that writes it."""
    files: list[tuple[Path, str]] = []
    if json_path is not None:
        files.append((Path(json_path), "--json"))
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
    inputs: Iterable[str | Path] = (),
) -> None:
    """Raise OutputError if an output could not be written or would destroy data; touches
    nothing.

    Run it before simulating, so a long run never ends in an unwritable path. Refused: an
    output that is one of the ``inputs`` (the scenario, its register, a portfolio's
    project files), two outputs that are the same file, ``--json`` with a suffix other
    than ``.json``, a ``--csv`` or ``--charts`` folder named like a file, a folder, block
    device or socket where a file goes, a missing or read-only folder. A missing
    ``csv_dir`` is fine (it will be created) when its nearest existing parent is writable.
    """
    json_path, csv_dir, charts_dir = (
        None if p is None else Path(p) for p in (json_path, csv_dir, charts_dir)
    )
    check_distinct(output_files(json_path, csv_dir, register, charts_dir), inputs)
    _check_suffixes(json_path, {"--csv": csv_dir, "--charts": charts_dir})
    if json_path is not None:
        _check_file(json_path)
    for folder, names in ((csv_dir, CSV_TABLES_FILES), (charts_dir, CHART_FILES)):
        if folder is None:
            continue
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{folder}: exists and is not a folder")
        _check_folder(_nearest_existing(folder), folder)
        for name in names:
            if (folder / name).exists() or (folder / name).is_symlink():
                _check_file(folder / name)
    if register is not None:
        for path in register_paths(register):
            _check_file(path)


def jcl_chart(results: Results) -> bytes:
    """The JCL scatter (finish date × cost, frontier, reference pairs) as PNG bytes."""
    if results.jcl is None or results.costs is None:
        raise ValueError("these results have no joint confidence analysis")
    return chart_png(
        results.costs["total"],
        results.times[results.jcl_milestone],
        results.jcl,
        to_date=results.timeline.finish_dates,
        title=f"{results.scenario_name}: cost and {results.jcl_milestone} finish",
    )


def write_outputs(
    results: Results,
    *,
    json_path: Path | None = None,
    csv_dir: Path | None = None,
    charts_dir: Path | None = None,
) -> list[Path]:
    """Write the ``--json`` file, the ``--csv`` tables and the ``--charts`` PNGs (creating
    the folders); return the paths written. Everything is built before anything is
    touched, and a failure leaves no new file or folder behind."""
    files: dict[Path, Content] = {}
    if json_path is not None:
        files[Path(json_path)] = results_json(results)
    folders = []
    if csv_dir is not None:
        csv_dir = Path(csv_dir)
        folders.append(csv_dir)
        for table in CSV_TABLES:
            if table != "costs" or results.cost is not None:
                files[csv_dir / f"{table}.csv"] = functools.partial(
                    csv_text, results.to_frame(table)
                )
    if charts_dir is not None and results.jcl is not None:
        charts_dir = Path(charts_dir)
        folders.append(charts_dir)
        files[charts_dir / "jcl.png"] = jcl_chart(results)
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


# ----------------------------------------------------------------------------- register

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


def _xlsx_text(text: str) -> str:
    # Control characters cannot be stored in a workbook; show them as escapes instead.
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _put_row(ws, row: int, values: Iterable[object], percent: Mapping[int, bool]) -> None:
    """Write one worksheet row. Text is always a string cell: openpyxl would take a text
    starting with ``=`` for a formula (and ``#REF!`` for an error), so a task or risk name
    could otherwise run in Excel."""
    for c, value in enumerate(values, start=1):
        if _missing(value):
            continue
        if isinstance(value, str):
            cell = ws.cell(row=row, column=c, value=_xlsx_text(value))
            cell.data_type = "s"
        else:
            cell = ws.cell(row=row, column=c, value=value)
            if percent.get(c):
                cell.number_format = percent_format(value)


def register_xlsx(reg) -> bytes:
    """The register as a workbook for people: three sheets with readable headers, number
    formats, fitted widths and a frozen header row."""
    import io as _io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    sheets = [("Register", reg.register), ("Mitigation", reg.mitigation), ("Tornado", reg.tornado)]
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="305496")
    for i, (title, frame) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
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


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v)


# A text cell that starts with one of these is a formula to Excel, LibreOffice and Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert_text(value: object) -> object:
    """``value`` as a CSV cell no spreadsheet runs: text starting like a formula gets a
    leading ``'`` (OWASP's advice against CSV injection); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_safe(frame):
    """``frame`` with every text cell, column name and index label made inert."""
    from pandas.api.types import is_numeric_dtype

    out = frame.copy(deep=False)
    for i in range(frame.shape[1]):
        if not is_numeric_dtype(frame.dtypes.iloc[i]):
            out.isetitem(i, frame.iloc[:, i].map(inert_text))
    out.columns = out.columns.map(inert_text)
    if not is_numeric_dtype(out.index.dtype):
        out.index = out.index.map(inert_text)
    out.index.name = inert_text(frame.index.name)
    return out


def csv_text(frame, fh: IO[str] | None = None, *, index: bool = True) -> str | None:
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


def register_files(reg, path: Path) -> dict[Path, Content]:
    """The register's files (:func:`register_paths`) and their contents."""
    paths = register_paths(path)
    if len(paths) == 1:
        return {paths[0]: register_xlsx(reg)}
    frames = (reg.register, reg.mitigation, reg.tornado)
    return {p: csv_text(f, index=False) for p, f in zip(paths, frames, strict=True)}


def print_register(reg, console: Console, top: int = 15) -> None:
    table = _table(f"Risk register (ranked by what each risk adds to {reg.milestone} P80)")
    for col in ("#", "Risk", "Probability", "Delay P50", "Expected delay", "Adds to P80"):
        table.add_column(col, justify="left" if col == "Risk" else "right")
    key = f"contribution_{reg.milestone}_P80"
    for row in reg.register.head(top).itertuples(index=False):
        r = row._asdict()
        p50 = r.get("delay_P50")
        table.add_row(
            str(r["rank"]),
            _label(r["id"], r["name"]),
            _pct(r["probability"]),
            NONE if _missing(p50) else f"{p50:.1f}",
            f"{r['expected_delay']:.1f}",
            f"{r[key]:.1f}",
        )
    console.print(table)
