"""What users read and keep: terminal tables, the scenario summary and result files.

Every file goes through :func:`write_files`: each is staged in a temporary file next to
its final path and only moved into place once all of them are written, so a failed run
never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
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
from .errors import OutputError
from .jcl import chart_png
from .model import LINK_TYPES, Scenario
from .results import OutcomeSummary, Results

NONE = "—"
CSV_TABLES = ("milestones", "tasks", "iterations", "costs")
TOP_CRITICAL = 10

Content = str | bytes | Callable[[IO[str]], None]


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


def _pct(p: float | None) -> str:
    return NONE if p is None else f"{100 * p:.1f}%"


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


def _label(oid: str, name: str) -> Text:
    # User text always goes in as Text: a name like "Pumps [A/B]" is not rich markup.
    return Text.assemble((oid, "bold"), "\n" if name else "", name)


def header(results: Results) -> Text:
    when = f"start {results.start}" if results.start else "times in working days from start"
    state = " · risks after mitigation" if results.mitigated else ""
    return Text.assemble(
        (results.scenario_name, "bold"),
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
            label = Text(s.name, "bold")
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
        table.add_row(Text(tid), Text(results.task_names.get(tid, "")), _pct(c))
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
        table.add_row(Text(oid, "bold"), Text(o["description"]), _share(o))
    table.add_section()
    table.add_row(Text("All together", "bold"), "strategic success", _share(st["joint"]))
    return table


def _share(s: dict) -> str:
    return f"{100 * s['probability']:.1f}% ± {100 * s['se']:.1f}"


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
            Text(kid, "bold"),
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
            Text(label, "bold") if i == 0 else Text(label),
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
    compile_network(scenario)  # the checks a run makes before it starts
    links = Counter(lk.type for t in scenario.tasks for lk in t.predecessors)
    kinds = Counter(t.duration.kind for t in scenario.tasks)
    return ScenarioSummary(
        scenario=scenario,
        links={k: links[k] for k in LINK_TYPES},
        distributions={k: kinds[k] for k in KINDS if kinds[k]},
        plan=deterministic_plan(scenario),
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
    facts.add_row("Scenario", Text(sc.name))
    facts.add_row("Start", str(start) if start else "none — results in working days")
    facts.add_row("Tasks", str(len(sc.tasks)))
    by_type = ", ".join(f"{k} {n}" for k, n in summary.links.items())
    facts.add_row("Links", f"{sum(summary.links.values())} ({by_type})")
    facts.add_row("Durations", ", ".join(f"{k} {n}" for k, n in summary.distributions.items()))
    facts.add_row("Milestones", str(len(sc.milestones)))
    if sc.calendars:
        project = sc.project_calendar().id
        names = [c.id + (" (project)" if c.id == project else "") for c in sc.calendars]
        facts.add_row("Calendars", ", ".join(names))
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
            (comparison.portfolio, "bold"),
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
        table.add_column(Text(oid), justify="right", no_wrap=True)
    table.add_column("all", justify="right", no_wrap=True)
    for g in comparison.goals:
        table.add_column(Text(f"{g.id}\nmean, {g.direction}"), justify="right", no_wrap=True)
    for o in opts:
        cells = [_with_delta(o.objectives[oid], o.vs_baseline[oid], o.name) for oid in objectives]
        cells.append(_with_delta(o.joint, o.vs_baseline["joint"], o.name))
        label = Text(o.name, "bold")
        if o.dominated_by:
            label.append("\ndominated", "dim")
        goals = (format_statistic(o.goals[g.id]) for g in comparison.goals)
        table.add_row(label, *cells, *goals)
    _print_unsqueezed(console, table, natural=True)
    console.print()
    pairs = comparison.dominance()
    for winner, loser in pairs:
        console.print(Text(f"{winner} dominates {loser}"), soft_wrap=True)
    if not pairs:
        console.print("no option dominates another")


def _with_delta(p: float, d: dict, name: str) -> str:
    if name == "baseline":
        return f"{100 * p:.1f}%"
    return (
        f"{100 * p:.1f}%\nΔ {100 * d['diff']:+.1f}\n[{100 * d['low']:+.1f}, {100 * d['high']:+.1f}]"
    )


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


def check_outputs(
    json_path: Path | None = None,
    csv_dir: Path | None = None,
    register: Path | None = None,
    charts_dir: Path | None = None,
) -> None:
    """Raise OutputError if an output could not be written; touches nothing.

    Run it before simulating, so a long run never ends in an unwritable path. A missing
    ``csv_dir`` is fine (it will be created) when its nearest existing parent is writable.
    """
    if json_path is not None:
        if json_path.is_dir():
            raise OutputError(f"{json_path}: is a folder, not a file")
        _check_folder(json_path.absolute().parent, json_path)
    if csv_dir is not None:
        if csv_dir.exists() and not csv_dir.is_dir():
            raise OutputError(f"{csv_dir}: exists and is not a folder")
        _check_folder(_nearest_existing(csv_dir), csv_dir)
        for table in CSV_TABLES:
            if (csv_dir / f"{table}.csv").is_dir():
                raise OutputError(f"{csv_dir / f'{table}.csv'}: is a folder, not a file")
    if charts_dir is not None:
        if charts_dir.exists() and not charts_dir.is_dir():
            raise OutputError(f"{charts_dir}: exists and is not a folder")
        _check_folder(_nearest_existing(charts_dir), charts_dir)
        if (charts_dir / "jcl.png").is_dir():
            raise OutputError(f"{charts_dir / 'jcl.png'}: is a folder, not a file")
    if register is not None:
        if register.suffix.lower() not in (".xlsx", ".csv"):
            raise OutputError(f"{register}: the register is written as .xlsx or .csv")
        if register.is_dir():
            raise OutputError(f"{register}: is a folder, not a file")
        _check_folder(register.absolute().parent, register)


def _stage(path: Path, content: Content) -> Path:
    """Write ``content`` to a new hidden file beside ``path`` and return its name."""
    # open(..., "x") rather than mkstemp: the file gets the usual (umask) permissions.
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        if isinstance(content, bytes):
            with open(tmp, "xb") as fb:
                fb.write(content)
                fb.flush()
                os.fsync(fb.fileno())
            return tmp
        with open(tmp, "x", encoding="utf-8", newline="") as fh:
            if isinstance(content, str):
                fh.write(content)
            else:
                content(fh)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def write_files(files: Mapping[Path, Content]) -> None:
    """Stage every file, then move each into place: a failure while writing (a full
    disk, a missing folder) leaves all the old files as they were.

    ``content`` is text, bytes, or a callback that writes to an open text file. An OSError
    becomes OutputError; no temporary file is left behind either way.
    """
    staged: list[tuple[Path, Path]] = []
    path = None
    try:
        for path, content in files.items():
            staged.append((_stage(path, content), path))
        for tmp, path in staged:
            os.replace(tmp, path)
    except OSError as e:
        raise OutputError(f"{path}: cannot write ({e.strerror or e})") from None
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def write_atomic(path: Path, content: Content) -> None:
    """Replace ``path`` with ``content`` in one step; see :func:`write_files`."""
    write_files({Path(path): content})


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
                files[csv_dir / f"{table}.csv"] = results.to_frame(table).to_csv
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
        return "0.0%"
    if key.startswith("cost") or key in ("expected_cost", "mitigation_cost"):
        return "#,##0"
    if key in ("spearman", "cruciality", "ssi"):
        return "0.00"
    if key in ("rank",) or key.endswith("date"):
        return None
    return "0.0"


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
        ws.append([_label_for(k) for k in keys])
        for record in frame.itertuples(index=False):
            ws.append([None if _missing(v) else v for v in record])
        for c, key in enumerate(keys, start=1):
            cell = ws.cell(row=1, column=c)
            cell.font, cell.fill = head_font, head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            fmt = _format_for(key)
            if fmt:
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


def register_files(reg, path: Path) -> dict[Path, Content]:
    """``.xlsx``: one workbook; ``.csv``: the register, plus ``<stem>.mitigation.csv`` and
    ``<stem>.tornado.csv`` beside it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return {path: register_xlsx(reg)}
    if suffix == ".csv":
        return {
            path: reg.register.to_csv(index=False),
            path.with_name(f"{path.stem}.mitigation.csv"): reg.mitigation.to_csv(index=False),
            path.with_name(f"{path.stem}.tornado.csv"): reg.tornado.to_csv(index=False),
        }
    raise OutputError(
        f"{path}: the register is written as .xlsx or .csv, not {suffix or 'no suffix'}"
    )


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
