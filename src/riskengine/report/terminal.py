"""What users read in the terminal: result tables, the scenario summary, the comparison,
the register, and the progress bar.

Text from a scenario is shown on one line with control characters escaped, so it cannot
move the cursor or recolour the terminal.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from riskengine.analysis.results import OutcomeSummary, Results
from riskengine.engine.calendar import Timeline
from riskengine.errors import one_line
from riskengine.portfolio.results import PortfolioResults, Share, baseline

if TYPE_CHECKING:  # the engine imports numba; printing a summary does not need it
    from rich.status import Status

    from riskengine.analysis.register import RiskRegister
    from riskengine.engine.plan import ScenarioSummary
    from riskengine.portfolio.options import Comparison

NONE = "—"
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


def _pct_se(p: float | None, se: float | None, sep: str = " ") -> str:
    """A probability with its Monte Carlo standard error in percentage points:
    ``82.3% ± 1.2``; with a newline as ``sep`` the error goes on a line of its own, for
    tables whose rows take two lines anyway."""
    if p is None:
        return NONE
    return _pct(p) if se is None else f"{_pct(p)}{sep}± {100 * se:.1f}"


def _share_of(p: float | None, n: int) -> str:
    """A fraction of ``n`` iterations with its standard error, √(p(1 − p)/n)."""
    return _pct_se(p, None if p is None else math.sqrt(p * (1 - p) / n))


SE_NOTE = "±: one standard error, in percentage points."
WD = "wd"  # working days of the project calendar, as the tables' notes say


def _table(title: str | None, caption: str | None = None) -> Table:
    # Two spaces between columns and none at the edges; a table wider than the terminal
    # is cut into several by :func:`print_table`.
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


def _label_column(table: Table, header: str, *, ratio: int | None = None, style: str = "") -> None:
    """A column of ids and names: it wraps, and folds a word too long for it, so a long
    name never widens the table past the terminal and no character is lost."""
    table.add_column(header, overflow="fold", ratio=ratio, style=style)


LABEL_MIN = 16  # characters a label column keeps when a table is cut to fit


def _fixed(table: Table) -> list[int]:
    """The columns that never wrap (numbers, dates): those a cut distributes."""
    return [i for i, c in enumerate(table.columns) if c.no_wrap]


def _text(x: object) -> str | None:
    return None if x is None else str(x)


def _part(table: Table, keep: list[int], title: str | None, caption: str | None) -> Table:
    """A table of the label (wrapping) columns and the ``keep`` columns of ``table``, in
    its order, with the same rows and sections."""
    wanted = [i for i, c in enumerate(table.columns) if not c.no_wrap or i in keep]
    part = _table(title, caption)
    for i in wanted:
        c = table.columns[i]
        part.columns.append(dataclasses.replace(c, _index=len(part.columns), _cells=list(c.cells)))
    part.rows = [dataclasses.replace(row) for row in table.rows]
    return part


def _squeezed_width(console: Console, table: Table) -> int:
    """The table's width with every label column at most ``LABEL_MIN`` wide."""
    squeezed = _part(table, _fixed(table), _text(table.title), None)
    for c in squeezed.columns:
        if not c.no_wrap:
            c.max_width = min(c.max_width or LABEL_MIN, LABEL_MIN)
    return Measurement.get(console, console.options.update_width(10_000), squeezed).minimum


def fitted(console: Console, table: Table) -> list[Table]:
    """``table`` cut to the console's width: as it is when it fits; else its label
    columns wrap narrower and, when that is not enough, its other columns go to several
    tables, each repeating the labels (rich would drop whole columns instead). Sets the
    minimum width of ``table``'s unwrapped columns to their content's."""
    width = console.width
    measure = console.options.update_width(10_000)
    for c in table.columns:
        if c.no_wrap:  # rich measures a cell as if it wrapped; these never do
            cells = [c.header, *c.cells]
            c.min_width = max(Measurement.get(console, measure, x).maximum for x in cells)
    if Measurement.get(console, measure, table).minimum <= width:
        return [table]
    groups: list[list[int]] = []
    for i in _fixed(table):
        trial = [*groups[-1], i] if groups else [i]
        head = _part(table, trial, None, None)
        if groups and _squeezed_width(console, head) <= width:
            groups[-1] = trial
        else:
            groups.append([i])
    title = _text(table.title)
    parts = []
    for k, group in enumerate(groups):
        caption = _text(table.caption) if k == len(groups) - 1 else None
        name = title if k == 0 or not title else f"{title} (continued)"
        part = _part(table, group, name, caption)
        need = Measurement.get(console, measure, part).minimum
        labels = [c for c in part.columns if not c.no_wrap]
        if need > width and labels:
            spare = max(0, width - _squeezed_width(console, part)) // len(labels)
            for c in labels:
                c.max_width = LABEL_MIN + spare
        parts.append(part)
    return parts


def print_table(console: Console, table: Table) -> None:
    """Print ``table`` within the console's width (:func:`fitted`), a blank line between
    the parts of a cut table."""
    for k, part in enumerate(fitted(console, table)):
        if k:
            console.print()
        console.print(part)


def header(results: Results) -> Text:
    """The scenario's name and the run's settings, the first line ``riskengine run``
    prints."""
    when = f"start {results.start}" if results.start else "times in working days from start"
    state = " · risks after mitigation" if results.mitigated else ""
    return Text.assemble(
        _user(results.scenario_name, "bold"),
        f" · {results.iterations:,} iterations · seed {results.seed} · {when}{state}",
        converged(results),
    )


def converged(results: Results) -> str:
    """The header's second line for a run that stopped when converged (README
    "Convergence"): how many iterations it took."""
    c = results.convergence
    if c is None:
        return ""
    ps = ", ".join(f"P{p:g}" for p in c.percentiles)
    if not c.converged:
        return f"\nNot converged in {c.iterations:,} iterations (max_iterations): see the warning"
    return f"\nConverged in {c.iterations:,} iterations: {ps} within ±{c.tolerance:g} working days"


def milestone_table(results: Results) -> Table:
    """Milestones plus the project finish: mean, sd, percentiles, target, P(on target)."""
    caption = (
        "wd: working days of the project calendar from the start; percentiles and targets"
        " are finish dates (Pn: the first date by which n% of iterations have finished). "
        if results.start
        else "wd: working days of the project calendar from the start. "
    ) + SE_NOTE
    unit = "" if results.start else f"\n({WD})"
    table = _table("Milestones", caption)
    _label_column(table, "Milestone", ratio=1)
    table.add_column(f"Mean\n({WD})", justify="right", no_wrap=True)
    table.add_column(f"SD\n({WD})", justify="right", no_wrap=True)
    for key in results.project.percentiles:
        table.add_column(key + unit, justify="right", no_wrap=True)
    table.add_column("Target" + unit, justify="right", no_wrap=True)
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
            _pct_se(s.p_target, s.p_target_se, "\n"),
        )
    return table


def constraint_table(results: Results) -> Table:
    """Each task with a latest finish date: the constraint and P(met), read like a
    milestone's target."""
    note = (
        "P(met): the task finished (for a start constraint: started) by the end of the date "
        "(by its time, when it has one). " + SE_NOTE
    )
    table = _table("Constraints", note)
    _label_column(table, "Task", ratio=1)
    table.add_column("Constraint", no_wrap=True)
    table.add_column("Date", justify="right", no_wrap=True)
    table.add_column("P(met)", justify="right", no_wrap=True)
    for tid, c in results.constraints.items():
        label = _label(tid, results.task_names.get(tid, ""))
        table.add_row(label, c.kind, c.date.isoformat(), _pct_se(c.p_met, c.p_met_se, "\n"))
    return table


def critical_table(results: Results, top: int = TOP_CRITICAL) -> Table:
    """The ``top`` tasks most often on the critical path of the project finish."""
    table = _table("Most critical tasks", SE_NOTE)
    _label_column(table, "Task", style="bold")
    _label_column(table, "Name", ratio=1)
    table.add_column("Criticality", justify="right", no_wrap=True)
    for tid, c in results.most_critical(top):
        name = _user(results.task_names.get(tid, ""))
        table.add_row(_user(tid), name, _share_of(c, results.iterations))
    return table


def print_results(
    results: Results | PortfolioResults, console: Console, *, top: int = TOP_CRITICAL
) -> None:
    """What ``riskengine run`` shows; the criticality table only when it was computed, the
    strategic objectives and KPIs for a portfolio."""
    run = baseline(results)
    console.print(header(run))
    console.print()
    print_table(console, milestone_table(run))
    if run.constraints:
        console.print()
        print_table(console, constraint_table(run))
    if run.criticality is not None:
        console.print()
        print_table(console, critical_table(run, top))
    if run.drivers:
        console.print()
        print_table(console, drivers_table(run, top))
    if isinstance(results, PortfolioResults) and results.strategy["objectives"]:
        # (without objectives, "all together" would be a certain success of nothing)
        console.print()
        print_table(console, objectives_table(results))
        if results.strategy["kpis"]:
            console.print()
            print_table(console, kpi_table(results))
    if run.cost is not None:
        console.print()
        print_table(console, cost_table(run))
    if run.jcl is not None:
        console.print()
        print_table(console, jcl_table(run))


def objectives_table(results: PortfolioResults) -> Table:
    """Each strategic objective's probability, and of all of them together."""
    st = results.strategy
    table = _table("Strategic objectives", SE_NOTE)
    _label_column(table, "Objective", ratio=1)
    _label_column(table, "Target")
    table.add_column("Probability", justify="right", no_wrap=True)
    for oid, o in st["objectives"].items():
        table.add_row(_user(oid, "bold"), _user(o["description"]), _share(o))
    table.add_section()
    table.add_row(Text("All together", "bold"), "strategic success", _share(st["joint"]))
    return table


def _share(s: Share) -> str:
    return _pct_se(s["probability"], s["se"])


def kpi_table(results: PortfolioResults) -> Table:
    """Each KPI's mean and percentiles (— where a statistic is not finite)."""
    kpis = results.strategy["kpis"]
    table = _table("KPIs", "In each KPI's own unit.")
    _label_column(table, "KPI", ratio=1)
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
    if cost is None:
        raise ValueError("these results have no costs")
    table = _table(
        "Cost (in the scenario's currency)",
        "Contingency at Pn = Pn cost − the deterministic plan's cost"
        " (every estimate at its most likely value, no risk events).",
    )
    _label_column(table, "", ratio=1)
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
    if jc is None:
        raise ValueError("these results have no joint confidence analysis")
    what = "the project" if results.jcl_milestone == "project" else results.jcl_milestone
    table = _table(
        f"Joint confidence: cost and finish of {what} (target {jc.target:.0%})",
        f"Frontier: the cheapest budget that reaches {jc.target:.0%} JCL by each date."
        f" Cost in the scenario's currency. {SE_NOTE}",
    )
    _label_column(table, "", ratio=1)
    table.add_column("Cost", justify="right", no_wrap=True)
    table.add_column("Finish by", justify="right", no_wrap=True)
    table.add_column("JCL", justify="right", no_wrap=True)
    for label, pt in (
        ("Deterministic plan", jc.deterministic),
        ("P50 cost and date", jc.p50_pair),
        ("P80 cost and date", jc.p80_pair),
    ):
        table.add_row(
            label, _money(pt["cost"]), pt["date"], _share_of(pt["jcl"], results.iterations)
        )
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
    table = _table(
        "Top risks: working days added to the project finish",
        f"{WD}: working days; occurrence: the share of iterations it occurred in. {SE_NOTE}",
    )
    _label_column(table, "Risk", ratio=1)
    table.add_column("Occurrence", justify="right", no_wrap=True)
    table.add_column(f"P50\n({WD})", justify="right", no_wrap=True)
    table.add_column(f"P80\n({WD})", justify="right", no_wrap=True)
    drivers = results.drivers or {}
    ranked = sorted(drivers, key=lambda rid: -drivers[rid]["project"]["P80"])
    for rid in ranked[:top]:
        d = drivers[rid]["project"]
        table.add_row(
            _label(rid, results.risk_names.get(rid, "")),
            _share_of(results.risk_occurrence.get(rid), results.iterations),
            f"{d['P50']:+.1f}",
            f"{d['P80']:+.1f}",
        )
    return table


class LazyProgress:
    """A ``progress`` callback for :func:`riskengine.simulate` that shows a transient bar,
    but only when the first report projects more than ``threshold`` seconds still to go:
    short runs stay quiet. If no report comes within ``threshold`` seconds (numba is
    compiling the kernels on a first run), a transient spinner says so meanwhile. Use it
    as a context manager so the bar and spinner are always removed. :meth:`stage` starts
    the count again for a pass after the simulation, with its own label."""

    WAITING = "Preparing the simulation kernels (the first run compiles them: under a minute)"
    LABELS = {  # simulate's stages by name
        "sensitivity": "Task sensitivity",
        "convergence": "Converging",
        "converged": "Simulating",
    }

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
        self._task: TaskID | None = None
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._status: Status | None = None
        self._label = "Simulating"

    def __enter__(self) -> LazyProgress:
        """Start the clock for the spinner (when enabled)."""
        if self._enabled:
            self._timer = threading.Timer(self._threshold, self._show_waiting)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Remove the spinner and the bar, whatever happened."""
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
        """Whether the bar was shown (the run was long enough)."""
        return self._bar is not None

    def stage(self, name: str) -> None:
        """A new pass begins (``"sensitivity"``): the bar, if shown, restarts under the
        pass's label; if not, the pass's first report decides on it afresh."""
        self._label = self.LABELS.get(name, name)
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, description=self._label, completed=0)
        else:
            self._decided = False
            self._t0 = self._clock()

    def __call__(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` iterations; the first report decides on the bar."""
        if not self._decided:
            self._stop_waiting()
            self._decided = True
            remaining = (self._clock() - self._t0) / max(done, 1) * (total - done)
            if self._enabled and remaining > self._threshold:
                self._bar = Progress(
                    "{task.description}",
                    BarColumn(),
                    TaskProgressColumn(),
                    TimeRemainingColumn(),
                    console=self._console,
                    transient=True,
                )
                self._task = self._bar.add_task(self._label, total=total, completed=done)
                self._bar.start()
        if self._bar is not None and self._task is not None:  # set together
            self._bar.update(self._task, completed=done, total=total)


# ----------------------------------------------------------------------------- validate


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
    _label_column(table, "Milestone", ratio=1)
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
    print_table(console, table)
    console.print("Plan: every task at its single-point estimate (mode, else median).", style="dim")


def print_comparison(comparison: Comparison, console: Console) -> None:
    """What ``riskengine compare`` shows: one row per option (objective probabilities, the
    joint success, each goal's mean), then which option dominates which."""
    opts = list(comparison.options.values())
    console.print(
        Text.assemble(
            _user(comparison.portfolio, "bold"),
            f" · {len(opts)} options · {comparison.iterations:,} iterations each · "
            f"seed {comparison.seed} · same draws for every option",
        )
    )
    console.print()
    objectives = list(opts[0].objectives)
    table = _table(
        "Options",
        "Objectives and all: probability of meeting them; Δ: difference to the baseline with "
        "its 95% interval (paired iterations). Goals: the mean; max: higher is better, min: "
        "lower is better. An option dominates another when it is no worse on every objective, "
        f"on all of them together and on every goal, and better on one. {SE_NOTE} "
        "Goals are in their own units.",
    )
    _label_column(table, "Option")
    for oid in objectives:
        table.add_column(_user(oid), justify="right", no_wrap=True)
    table.add_column("all", justify="right", no_wrap=True)
    for g in comparison.goals:
        table.add_column(
            _user(g.id).append(f"\nmean, {g.direction}"), justify="right", no_wrap=True
        )
    n = comparison.iterations
    for o in opts:
        cells = [
            _with_delta(o.objectives[oid], o.vs_baseline[oid], o.name, n) for oid in objectives
        ]
        cells.append(_with_delta(o.joint, o.vs_baseline["joint"], o.name, n))
        label = _user(o.name, "bold")
        if o.dominated_by:
            label.append("\ndominated", "dim")
        goals = (format_statistic(o.goals[g.id]) for g in comparison.goals)
        table.add_row(label, *cells, *goals)
    print_table(console, table)
    console.print()
    pairs = comparison.dominance()
    for winner, loser in pairs:
        console.print(_user(f"{winner} dominates {loser}"))
    if not pairs:
        console.print("no option dominates another")


def _with_delta(p: float, d: dict, name: str, n: int) -> str:
    share = _share_of(p, n)
    if name == "baseline":
        return share
    return f"{share}\nΔ {100 * d['diff']:+.1f}\n[{100 * d['low']:+.1f}, {100 * d['high']:+.1f}]"


def print_register(reg: RiskRegister, console: Console, top: int = 15) -> None:
    """The ``top`` rows of the register, as ``riskengine register`` prints them."""
    table = _table(
        f"Risk register (ranked by what each risk adds to {reg.milestone} P80)",
        f"{WD}: working days. Delay P50: the delay when the risk occurs; expected delay: over"
        " all iterations; probability: as written in the register.",
    )
    table.add_column("#", justify="right", no_wrap=True)
    _label_column(table, "Risk", ratio=1)
    for col in ("Probability", f"Delay P50\n({WD})", f"Expected\ndelay ({WD})"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column(f"Adds to\nP80 ({WD})", justify="right", no_wrap=True)
    key = f"contribution_{reg.milestone}_P80"
    # By column name: itertuples renames columns that are not identifiers (a milestone
    # id with a dash or dot in contribution_<milestone>_P80), so its rows lose them.
    for r in reg.register.head(top).to_dict("records"):
        p50 = r.get("delay_P50")
        table.add_row(
            str(r["rank"]),
            _label(r["id"], r["name"]),
            _pct(r["probability"]),
            NONE if is_missing(p50) else f"{p50:.1f}",
            f"{r['expected_delay']:.1f}",
            f"{r[key]:.1f}",
        )
    print_table(console, table)


def is_missing(v: object) -> bool:
    """Whether a table cell has no value: None, or NaN (as pandas fills gaps)."""
    return v is None or (isinstance(v, float) and v != v)


def format_statistic(v: float | None) -> str:
    """A KPI statistic as tables show it: to the unit from 1,000 on (money), to four
    significant digits below (days, ratios); ``—`` when it is missing (not finite)."""
    if v is None or not math.isfinite(v):
        return "—"
    if abs(v) >= 1e15:
        return f"{v:.6g}"
    if abs(v) >= 1000 or v == int(v):
        return f"{v:,.0f}"
    return f"{v:.4g}"
