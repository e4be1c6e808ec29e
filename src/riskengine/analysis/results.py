"""Simulation results: per-iteration finishes plus the statistics users read."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from riskengine.analysis.convergence import (
    DEFAULT_CONFIDENCE,
    Bounds,
    ConvergenceReport,
    all_ranks,
    interval_ranks,
    percentile_intervals,
)
from riskengine.analysis.jcl import JointConfidence
from riskengine.analysis.jcl import analyse as jcl_analyse
from riskengine.engine.calendar import Timeline
from riskengine.model.scenario import Scenario

if TYPE_CHECKING:  # pandas loads when a table is first asked for
    import pandas as pd

TARGET_TOLERANCE = 1e-9  # a finish this close above its target still counts as on time


def pkey(p: float) -> str:
    """Percentile label: 80 → "P80", 97.5 → "P97.5"."""
    return f"P{p:g}"


class Columns(Mapping[str, np.ndarray]):
    """Read-only mapping of output ids to the columns of one float64[iterations, outputs]
    matrix (the kernel's), so that a run holds its per-iteration finishes once. With a
    ``timeline``, a column is converted to working days of the project calendar when it
    is read (a view, no copy, when that calendar works on the union days): a scenario
    with calendars then holds no second full matrix either."""

    def __init__(
        self,
        matrix: np.ndarray,
        ids: Sequence[str],
        timeline: Timeline | None = None,
        columns: Sequence[int] | None = None,
    ) -> None:
        self._matrix = matrix
        self._column = dict(zip(ids, range(len(ids)) if columns is None else columns, strict=True))
        self._timeline = timeline

    def __getitem__(self, key: str) -> np.ndarray:
        """The output's finish per iteration."""
        column = self._matrix[:, self._column[key]]
        return column if self._timeline is None else self._timeline.to_project_days(column)

    def __iter__(self) -> Iterator[str]:
        """The output ids, in the order given."""
        return iter(self._column)

    def __len__(self) -> int:
        """The number of outputs."""
        return len(self._column)

    def __repr__(self) -> str:
        """The ids and the iterations, not millions of numbers."""
        return f"Columns({list(self._column)}, {self._matrix.shape[0]} iterations)"


class TaskShares(Mapping[str, float]):
    """Read-only mapping of task ids (in ``order``) to one output's row of a
    float[outputs, tasks] matrix (columns in the order of ``index``): criticality of
    every task for every milestone of a big schedule is a few MB of numbers instead of
    millions of Python floats in dicts."""

    def __init__(self, row: np.ndarray, index: Mapping[str, int], order: Sequence[str]) -> None:
        self._row = row
        self._index = index
        self._order = order

    def __getitem__(self, key: str) -> float:
        """The task's share."""
        return float(self._row[self._index[key]])

    def __iter__(self) -> Iterator[str]:
        """The task ids, in ``order``."""
        return iter(self._order)

    def __len__(self) -> int:
        """The number of tasks."""
        return len(self._order)

    def __repr__(self) -> str:
        """As the dict it stands for."""
        return repr(dict(self))


@dataclass(frozen=True)
class OutcomeSummary:
    """Statistics of one simulated finish (a milestone or the project).

    Numbers are working days of the project calendar from the start.

    Attributes
    ----------
    id, name : str
        The milestone's id and name (``"project"``, ``"Project finish"`` for the
        project).
    mean, sd : float
        Mean and standard deviation of the finish.
    percentiles : dict of str to float
        ``{"P10": ..., "P80": ...}``, numpy's linear interpolation between iterations.
    target : float or None
        The target in working days (a date target converted).
    target_date : datetime.date or None
        The target as written, when it was a date.
    p_target : float or None
        Fraction of iterations finishing on or before the target.
    dates : dict of str to str or None
        The Pn dates (ISO): the first date by which n % of iterations have finished
        (with a start date).
    mean_se : float
        Standard error of the mean.
    p_target_se : float or None
        Standard error of ``p_target``.
    p_interval : dict of str to tuple
        Per Pn, the (lower, upper) bounds in working days of the distribution-free
        confidence interval of the true Pn (analysis/convergence.py); None for a side
        too few iterations cannot bound.
    date_interval : dict of str to tuple or None
        The same bounds as finish dates (ISO), with a start date.
    """

    id: str
    name: str
    mean: float
    sd: float
    percentiles: dict[str, float]
    target: float | None = None
    target_date: _dt.date | None = None
    p_target: float | None = None
    dates: dict[str, str] | None = None
    mean_se: float = 0.0
    p_target_se: float | None = None
    p_interval: dict[str, Bounds] = field(default_factory=dict)
    date_interval: dict[str, tuple[str | None, str | None]] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The milestone's entry of the JSON document."""
        d: dict[str, Any] = {
            "name": self.name,
            "mean": self.mean,
            "sd": self.sd,
            "mean_se": self.mean_se,
            "percentiles": self.percentiles,
            "p_interval": {k: list(v) for k, v in self.p_interval.items()},
        }
        if self.dates is not None:
            d["dates"] = self.dates
        if self.date_interval is not None:
            d["date_interval"] = {k: list(v) for k, v in self.date_interval.items()}
        d["target"] = self.target
        if self.target_date is not None:
            d["target_date"] = self.target_date.isoformat()
        d["p_target"] = self.p_target
        d["p_target_se"] = self.p_target_se
        return d


@dataclass(frozen=True)
class ConstraintCheck:
    """How often a task met its latest date (README "Constraints"): its
    finish-no-later-than, finish-on or mandatory-finish constraint (finishing by the end
    of that day) or, for a task without one, its start-no-later-than, start-on or
    mandatory-start (starting by the end of that day), reported like a milestone's
    target.

    Attributes
    ----------
    kind : str
        The constraint's type.
    date : datetime.date
        Its date (the task meets it by finishing, or starting, by the end of that day).
    p_met : float
        Fraction of iterations in which the task finished (started) by then.
    p_met_se : float
        Standard error of ``p_met``.
    """

    kind: str
    date: _dt.date
    p_met: float
    p_met_se: float

    def to_dict(self) -> dict[str, Any]:
        """The task's entry of the JSON document's ``constraints``."""
        return {
            "type": self.kind,
            "date": self.date.isoformat(),
            "p_met": self.p_met,
            "p_met_se": self.p_met_se,
        }


def constraint_checks(
    scenario: Scenario,
    finish_days: dict[str, tuple[np.ndarray, int]],
    latest_day: dict[str, int],
) -> dict[str, ConstraintCheck]:
    """Each task's chance of finishing by its latest finish date, from its counts of
    finishes per union day (``finish_days``; the caller makes sure they are exact at the
    day ``latest_day[task]``, the union day its date ends)."""
    out = {}
    for t in scenario.tasks:
        if t.id not in latest_day:
            continue
        counts, base = finish_days[t.id]
        n = int(counts.sum())
        k = latest_day[t.id] - base
        met = 0 if k < 0 else int(counts[: k + 1].sum())
        p = met / n
        c = next(c for c in t.constraints if c.kind in LATEST_FINISH)
        if c.date is not None:  # always: the latest finishes are dates
            out[t.id] = ConstraintCheck(c.kind, c.date, p, math.sqrt(p * (1 - p) / n))
    return out


LATEST_FINISH = ("finish-no-later-than", "finish-on", "mandatory-finish")
LATEST_START = ("start-no-later-than", "start-on", "mandatory-start")
START_EPS = 1e-9  # a start this close below the end of a day is on that day


def start_checks(
    scenario: Scenario,
    start_ids: Sequence[str],
    starts: np.ndarray,
    timeline: Timeline,
    finish_ids: Sequence[str] = (),
) -> dict[str, ConstraintCheck]:
    """Each task's chance of starting by the end of its latest start date (its
    start-no-later-than, start-on or mandatory-start; the earliest when it has two),
    from its start in each iteration (``starts[:, j]`` for ``start_ids[j]``, union
    working days): exact, as the iterations' own starts are counted. The columns after
    them hold the finishes of ``finish_ids``, the tasks with a latest finish at a time
    of day: their chance of finishing by that moment, counted the same way."""
    by_id = {t.id: t for t in scenario.tasks}
    n = starts.shape[0]
    out = {}
    for j, tid in enumerate([*start_ids, *finish_ids]):
        kinds = LATEST_START if j < len(start_ids) else LATEST_FINISH
        dated = [c for c in by_id[tid].constraints if c.kind in kinds and c.date]
        c = min(dated, key=lambda c: _moment_key(c.date))
        if c.date is None or not n:
            continue
        limit = timeline.end_of(c.date)
        if j < len(start_ids):
            p = float(np.count_nonzero(starts[:, j] < limit - START_EPS)) / n
        else:
            p = float(np.count_nonzero(starts[:, j] <= limit + START_EPS)) / n
        out[tid] = ConstraintCheck(c.kind, c.date, p, math.sqrt(p * (1 - p) / n))
    return out


def _moment_key(d: _dt.date | None) -> _dt.datetime:
    """A date (its start) or a date with a time, comparable with each other."""
    if d is None:
        return _dt.datetime.max
    return d if isinstance(d, _dt.datetime) else _dt.datetime(d.year, d.month, d.day)


def date_ranks(percentiles: tuple[float, ...], n: int) -> np.ndarray:
    """1-based order statistic of the Pn date among n finishes: the first k with
    k / n >= n% (never below 1)."""
    p = np.asarray(percentiles, dtype=np.float64)
    return np.clip(np.ceil(p / 100.0 * n - 1e-9), 1, n).astype(np.int64)


_BLOCK_BYTES = 2**20  # finishes summarise_outputs copies at once (and some temporaries)


@dataclass(frozen=True)
class Output:
    """What :func:`summarise_outputs` needs of one output besides its finishes."""

    id: str
    name: str
    target: float | None = None
    target_date: _dt.date | None = None


def summarise_outputs(
    times: np.ndarray,
    columns: Sequence[int],
    outputs: Sequence[Output],
    percentiles: tuple[float, ...],
    timeline: Timeline,
    confidence: float = DEFAULT_CONFIDENCE,
) -> list[OutcomeSummary]:
    """Statistics of the finishes in ``times`` (union times, float64[iterations, any],
    C order) of each of ``outputs``, whose finishes are column ``columns[i]``: numbers in
    working days of the project calendar; the Pn date is the earliest date by which n%
    of iterations have finished; each Pn's interval at ``confidence``.

    The columns go a block at a time into a contiguous copy, whose rows numpy reduces
    and partitions as it would each column alone (the same numbers bit for bit; the
    means before any partition, which reorders): a column of the C-order matrix would
    cost a cache miss per number, and the block bounds the memory this needs whatever
    the outputs."""
    n = times.shape[0]
    step = max(1, _BLOCK_BYTES // (8 * n))
    summaries = []
    for c0 in range(0, len(outputs), step):
        block = np.take(times, columns[c0 : c0 + step], axis=1).T.copy()
        days = timeline.to_project_days(block)  # ``block`` itself on the union calendar
        mean = np.mean(days, axis=1)
        sd = np.std(days, ddof=1, axis=1) if n > 1 else np.zeros(len(block))
        # the order statistics below are the same in any order: partition in place, and
        # ``block`` partitions faster when it is ``days`` partitioned already
        pct = np.percentile(days, percentiles, axis=1, overwrite_input=True)
        dates = None
        ranks = date_ranks(percentiles, n) - 1
        block.partition(sorted({*ranks.tolist(), *all_ranks(n, percentiles, confidence)}), axis=1)
        if timeline.dated:
            dates = timeline.finish_dates(block[:, ranks])
        in_days, in_dates = _intervals(block, percentiles, confidence, timeline)
        for j, o in enumerate(outputs[c0 : c0 + step]):
            target, p_target, p_se = _on_time(block[j], timeline, o.target, o.target_date)
            summaries.append(
                OutcomeSummary(
                    id=o.id,
                    name=o.name,
                    mean=float(mean[j]),
                    sd=float(sd[j]),
                    percentiles={
                        pkey(p): float(v) for p, v in zip(percentiles, pct[:, j], strict=True)
                    },
                    target=target,
                    target_date=o.target_date,
                    p_target=p_target,
                    dates=None
                    if dates is None
                    else dict(zip(map(pkey, percentiles), timeline.iso(dates[j]), strict=True)),
                    mean_se=float(sd[j]) / math.sqrt(n),
                    p_target_se=p_se,
                    p_interval=in_days[j],
                    date_interval=None if in_dates is None else in_dates[j],
                )
            )
    return summaries


def _intervals(
    block: np.ndarray, percentiles: tuple[float, ...], confidence: float, timeline: Timeline
) -> tuple[list[dict[str, Bounds]], list[dict[str, tuple[str | None, str | None]]] | None]:
    """Each row's P-value intervals in working days of the project calendar and, on a
    dated timeline, as dates, from ``block`` (union times, one output a row, partitioned
    at every rank of :func:`all_ranks`), converted a block at a time."""
    n = block.shape[1]
    ranks = [interval_ranks(n, float(p), confidence) for p in percentiles]
    flat = [r - 1 for pair in ranks for r in pair]  # lower, upper of each Pn
    bounded = np.array([0 <= r < n for r in flat])
    union = block[:, np.where(bounded, flat, 0)]
    days = timeline.to_project_days(union)
    keys = [pkey(p) for p in percentiles]

    def rows(values: Any) -> list[dict[str, Any]]:
        return [
            {
                k: tuple(row[2 * i + s] if bounded[2 * i + s] else None for s in (0, 1))
                for i, k in enumerate(keys)
            }
            for row in values
        ]

    in_days = rows(days.tolist())
    if not timeline.dated:
        return in_days, None
    iso = np.array(timeline.iso(timeline.finish_dates(union).ravel())).reshape(union.shape)
    return in_days, rows(iso.tolist())


def _on_time(
    t: np.ndarray, timeline: Timeline, target: float | None, target_date: _dt.date | None
) -> tuple[float | None, float | None, float | None]:
    """The target in working days, the fraction of finishes ``t`` (union times) on or
    before it and that fraction's standard error; Nones without a target."""
    if target_date is None and target is None:
        return None, None, None
    if target_date is not None:
        limit = timeline.end_of(target_date)
        target = float(timeline.to_project_days(limit))
    else:
        assert target is not None  # one of the two, by the test above
        limit = timeline.from_project_days(target)
    n = t.size
    p_target = float(np.count_nonzero(t <= limit + TARGET_TOLERANCE)) / n
    return target, p_target, math.sqrt(p_target * (1 - p_target) / n)


@dataclass(frozen=True)
class CostSummary:
    """Statistics of a simulated cost (the total or a cost group).

    ``deterministic`` is the deterministic plan's cost and ``contingency[Pn]`` the Pn
    cost minus it (None without a plan).

    Attributes
    ----------
    mean, sd, mean_se : float
        Mean, standard deviation and the mean's standard error.
    percentiles : dict of str to float
        ``{"P50": ..., "P80": ...}``.
    deterministic : float or None
        The deterministic plan's cost.
    contingency : dict of str to float or None
        Each percentile minus ``deterministic``.
    p_interval : dict of str to tuple
        Per Pn, the (lower, upper) bounds of the confidence interval of the true Pn
        (analysis/convergence.py), None for a side too few iterations cannot bound.
    """

    mean: float
    sd: float
    mean_se: float
    percentiles: dict[str, float]
    deterministic: float | None = None
    contingency: dict[str, float] | None = None
    p_interval: dict[str, Bounds] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The cost's entry of the JSON document."""
        return {
            "mean": self.mean,
            "sd": self.sd,
            "mean_se": self.mean_se,
            "percentiles": self.percentiles,
            "p_interval": {k: list(v) for k, v in self.p_interval.items()},
            "deterministic": self.deterministic,
            "contingency": self.contingency,
        }


def summarise_cost(
    x: np.ndarray,
    percentiles: tuple[float, ...],
    deterministic: float | None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> CostSummary:
    """Statistics of per-iteration costs ``x``, with the contingency over the
    ``deterministic`` plan's cost where there is one and each Pn's interval at
    ``confidence``."""
    n = x.size
    pct = {
        pkey(p): float(v) for p, v in zip(percentiles, np.percentile(x, percentiles), strict=True)
    }
    sd = float(np.std(x, ddof=1)) if n > 1 else 0.0
    contingency = None
    if deterministic is not None:
        contingency = {k: v - deterministic for k, v in pct.items()}
    return CostSummary(
        mean=float(np.mean(x)),
        sd=sd,
        mean_se=sd / math.sqrt(n),
        percentiles=pct,
        deterministic=deterministic,
        contingency=contingency,
        p_interval={
            pkey(p): b
            for p, b in zip(
                percentiles, percentile_intervals(x, percentiles, confidence), strict=True
            )
        },
    )


def task_finish_dates(
    counts: np.ndarray, base: int, percentiles: tuple[float, ...], timeline: Timeline
) -> dict[str, str]:
    """Pn finish dates from a task's counts of finishes on union days ``base``,
    ``base + 1``, …: the first day by which at least n% of the iterations have finished
    (the same rule as the milestones' dates)."""
    cum = np.cumsum(counts)
    day = base + np.searchsorted(cum, date_ranks(percentiles, int(cum[-1])), side="left")
    return dict(zip(map(pkey, percentiles), timeline.iso(timeline.days[day]), strict=True))


@dataclass(frozen=True, eq=False)
class Results:
    """What :func:`riskengine.simulate` returns.

    ``milestones`` and ``project`` hold the summaries; ``finishes[milestone_id]`` and
    ``project_finish`` the per-iteration finish times (working days of the project
    calendar from the start; ``times`` the same in union working days, see calendar.py);
    ``criticality[task_id]`` the fraction of iterations in which the task was critical
    (file order; ``None`` when criticality was not computed) and
    ``milestone_criticality[milestone_id][task_id]`` the fraction in which it was critical
    for that milestone (zero for a task that cannot delay it). With costs: ``costs`` the
    per-iteration totals (``"total"`` and each cost group), ``cost`` and ``group_costs``
    their summaries, ``task_costs[task_id]`` each task's mean and deterministic cost,
    ``jcl`` the joint confidence analysis. ``task_dates[task_id]`` maps Pn to the task's
    finish date.

    Attributes
    ----------
    scenario_name : str
        The scenario's name.
    start : datetime.date or None
        The scenario's start.
    iterations, seed : int
        What was run.
    percentiles : tuple of float
        The P-values reported.
    milestones : dict of str to OutcomeSummary
        Each milestone's statistics.
    project : OutcomeSummary
        The project finish's statistics.
    finishes : Mapping of str to numpy.ndarray
        Each milestone's finish per iteration, in working days of the project calendar:
        a read-only mapping over the run's one matrix of finishes, which converts a
        milestone's column when it is read (``dict(results.finishes)`` makes a dict).
    project_finish : numpy.ndarray
        The project finish per iteration.
    criticality : dict of str to float or None
        Per task, the fraction of iterations critical for the project finish.
    task_names : dict of str to str
        Each task's name, in file order.
    milestone_criticality : dict of str to Mapping of str to float or None
        Per milestone and task, the fraction of iterations critical for it (each
        milestone's a read-only mapping over one row of the run's numbers).
    risk_occurrence : dict of str to float
        Per risk, the fraction of iterations in which it occurred.
    mitigated : bool
        Whether risks were simulated after mitigation.
    sensitivity : dict of str to TaskSensitivity or None
        Per task, its rank correlation, cruciality and SSI against each output the run
        chose (``simulate(sensitivity=...)``).
    key_milestones : tuple of str or None
        The milestones whose per-task tables the JSON document holds unless asked for
        every milestone's (:meth:`to_dict`): those of the sensitivity, or with it off the
        milestones with a target; None for every milestone.
    drivers : dict or None
        ``drivers[risk][milestone or "project"]["P50" or "P80"]``: working days the risk
        adds.
    risk_names : dict of str to str
        Each risk's name.
    sampling : str
        ``"monte-carlo"`` or ``"lhs"``.
    timeline : Timeline or None
        The run's calendar axis (converts times to dates).
    times : Mapping of str to numpy.ndarray
        Finishes per iteration in union working days (every output, ``"project"``
        included), the engine's own axis: columns of the same matrix as ``finishes``.
    costs : dict of str to numpy.ndarray or None
        Per-iteration costs: ``"total"`` and each cost group.
    cost : CostSummary or None
        The total cost's statistics.
    group_costs : dict of str to CostSummary
        Each cost group's statistics.
    task_costs : dict of str to dict
        Per task, ``{"mean": ..., "deterministic": ...}``.
    task_dates : dict of str to dict of str to str or None
        Per task, its Pn finish dates.
    constraints : dict of str to ConstraintCheck
        Per task with a latest finish date, how often it met it (with ``task_dates``).
    jcl : JointConfidence or None
        The joint confidence analysis of cost and finish.
    jcl_milestone : str
        The finish the JCL is about (``"project"`` or a milestone id).
    interval_confidence : float
        The confidence of every P-value's interval (``p_interval``).
    convergence : ConvergenceReport or None
        How a run that stopped when converged went (README "Convergence"); None for a
        run of a fixed number of iterations.
    """

    scenario_name: str
    start: _dt.date | None
    iterations: int
    seed: int
    percentiles: tuple[float, ...]
    milestones: dict[str, OutcomeSummary]
    project: OutcomeSummary
    finishes: Mapping[str, np.ndarray]
    project_finish: np.ndarray
    criticality: dict[str, float] | None
    task_names: dict[str, str] = field(default_factory=dict)
    milestone_criticality: dict[str, Mapping[str, float]] | None = None
    risk_occurrence: dict[str, float] = field(default_factory=dict)
    mitigated: bool = False
    sensitivity: dict[str, Any] | None = None  # task id -> analysis.TaskSensitivity
    key_milestones: tuple[str, ...] | None = None
    drivers: dict[str, dict[str, dict[str, float]]] | None = None  # risk -> output -> P
    risk_names: dict[str, str] = field(default_factory=dict)
    sampling: str = "monte-carlo"
    timeline: Timeline | None = None
    times: Mapping[str, np.ndarray] = field(default_factory=dict)
    costs: dict[str, np.ndarray] | None = None
    cost: CostSummary | None = None
    group_costs: dict[str, CostSummary] = field(default_factory=dict)
    task_costs: dict[str, dict[str, float | None]] = field(default_factory=dict)
    task_dates: dict[str, dict[str, str]] | None = None
    constraints: dict[str, ConstraintCheck] = field(default_factory=dict)
    jcl: JointConfidence | None = None
    jcl_milestone: str = "project"
    interval_confidence: float = DEFAULT_CONFIDENCE
    convergence: ConvergenceReport | None = None

    @classmethod
    def build(
        cls,
        scenario: Scenario,
        *,
        timeline: Timeline,
        iterations: int,
        seed: int,
        percentiles: tuple[float, ...],
        times: np.ndarray,
        output_ids: Sequence[str],
        criticality: np.ndarray | None,
        task_order: Sequence[str] = (),
        risk_occurrence: dict[str, float] | None = None,
        mitigated: bool = False,
        sensitivity: dict[str, Any] | None = None,
        key_milestones: tuple[str, ...] | None = None,
        drivers: dict[str, dict[str, dict[str, float]]] | None = None,
        sampling: str = "monte-carlo",
        costs: dict[str, np.ndarray] | None = None,
        task_cost: dict[str, float] | None = None,
        finish_days: dict[str, tuple[np.ndarray, int]] | None = None,
        latest_day: dict[str, int] | None = None,
        start_checks: dict[str, ConstraintCheck] | None = None,
        plan: Results | None = None,
        jcl: float | None = None,
        jcl_milestone: str = "project",
        confidence: float = DEFAULT_CONFIDENCE,
    ) -> Results:
        """Summarise a run's outputs for ``scenario``: what :func:`riskengine.simulate`
        assembles. ``times``: the finishes at union times, float64[iterations, outputs],
        columns in ``output_ids`` order; ``criticality``: the share of iterations each task
        was critical, float[outputs, tasks], rows in ``output_ids`` order and columns in
        ``task_order``. The results read both in place (no copy of either); costs and the
        deterministic ``plan`` as they come. ``latest_day``: the union day each task's
        latest finish date ends (:func:`constraint_checks`); ``confidence``: that of the
        P-values' intervals."""
        column = {oid: j for j, oid in enumerate(output_ids)}
        outputs = [Output(m.id, m.name, m.target, m.target_date) for m in scenario.milestones]
        outputs.append(Output("project", "Project finish"))
        summaries = summarise_outputs(
            times, [column[o.id] for o in outputs], outputs, percentiles, timeline, confidence
        )
        ms = {s.id: s for s in summaries[:-1]}
        project = summaries[-1]
        by_column = Columns(times, output_ids)
        crit: dict[str, float] | None = None
        by_milestone: dict[str, Mapping[str, float]] | None = None
        if criticality is not None:
            index = {tid: t for t, tid in enumerate(task_order)}
            order = tuple(t.id for t in scenario.tasks)
            crit = dict(TaskShares(criticality[column["project"]], index, order))
            by_milestone = {m: TaskShares(criticality[column[m]], index, order) for m in ms}
        cost = None
        group_costs: dict[str, CostSummary] = {}
        task_costs: dict[str, dict[str, float | None]] = {}
        analysis = None
        if costs is not None:
            det = plan.costs if plan is not None and plan.costs is not None else {}
            cost = summarise_cost(costs["total"], percentiles, _first(det.get("total")), confidence)
            group_costs = {
                g: summarise_cost(x, percentiles, _first(det.get(g)), confidence)
                for g, x in costs.items()
                if g != "total"
            }
            plan_tasks = plan.task_costs if plan is not None else {}
            task_costs = {
                t.id: {
                    "mean": float((task_cost or {}).get(t.id, 0.0)),
                    "deterministic": (plan_tasks.get(t.id) or {}).get("mean"),
                }
                for t in scenario.tasks
            }
            if jcl is not None and plan is not None:
                analysis = jcl_analyse(
                    costs["total"],
                    by_column[jcl_milestone],
                    jcl,
                    deterministic=(float(det["total"][0]), float(plan.times[jcl_milestone][0])),
                    to_date=timeline.finish_dates,
                )
                analysis = _in_project_days(analysis, timeline)
        dates_by_task = None
        if finish_days is not None:
            dates_by_task = {
                t.id: task_finish_dates(*finish_days[t.id], percentiles, timeline)
                for t in scenario.tasks
            }
        return cls(
            scenario_name=scenario.name,
            start=scenario.start,
            iterations=iterations,
            seed=seed,
            percentiles=percentiles,
            milestones=ms,
            project=project,
            finishes=Columns(times, list(ms), timeline, [column[m] for m in ms]),
            project_finish=timeline.to_project_days(times[:, column["project"]]),
            criticality=crit,
            milestone_criticality=by_milestone,
            task_names={t.id: t.name for t in scenario.tasks},
            risk_occurrence=dict(risk_occurrence or {}),
            mitigated=mitigated,
            sensitivity=sensitivity,
            key_milestones=key_milestones,
            drivers=drivers,
            risk_names={r.id: r.name for r in scenario.risks},
            sampling=sampling,
            timeline=timeline,
            times=by_column,
            costs=costs,
            cost=cost,
            group_costs=group_costs,
            task_costs=task_costs,
            task_dates=dates_by_task,
            constraints={
                **(
                    constraint_checks(scenario, finish_days, latest_day)
                    if finish_days is not None and latest_day
                    else {}
                ),
                **(start_checks or {}),
            },
            jcl=analysis,
            jcl_milestone=jcl_milestone,
            interval_confidence=confidence,
        )

    def most_critical(self, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` tasks most often critical for the project finish, with the fraction."""
        if not self.criticality:
            return []
        ranked = sorted(self.criticality.items(), key=lambda kv: -kv[1])
        return ranked[:k]

    def to_dict(self, detail: bool = False) -> dict[str, Any]:
        """The JSON document written by ``riskengine run --json``.

        Its size follows what the run was asked for: per task, the criticality towards
        each milestone is given for the ``key_milestones`` only (listed as
        ``task_milestones``), unless ``detail`` asks for every milestone's
        (``--json-detail``); the sensitivity is given for the outputs it was computed
        for.

        Parameters
        ----------
        detail : bool, default False
            Every milestone's per-task criticality.

        Returns
        -------
        dict
            JSON-ready values only (README, "Reading the output", lists the keys).
        """
        d: dict[str, Any] = {
            "scenario": self.scenario_name,
            "iterations": self.iterations,
            "seed": self.seed,
            "percentiles": list(self.percentiles),
            "units": "working days of the project calendar from the start",
            "start": self.start.isoformat() if self.start else None,
            "mitigated": self.mitigated,
            "sampling": self.sampling,
            "interval_confidence": self.interval_confidence,
        }
        if self.convergence is not None:
            d["convergence"] = self.convergence.to_dict()
        d |= {
            "milestones": {k: v.to_dict() for k, v in self.milestones.items()},
            "project": self.project.to_dict(),
        }
        if self.constraints:
            d["constraints"] = {tid: c.to_dict() for tid, c in self.constraints.items()}
        if self.cost is not None:
            d["cost"] = self.cost.to_dict()
            d["cost"]["groups"] = {g: c.to_dict() for g, c in self.group_costs.items()}
        if self.jcl is not None:
            d["jcl"] = self.jcl.to_dict()
        if self.risk_occurrence:
            d["risks"] = {}
            for rid, p in self.risk_occurrence.items():
                entry: dict[str, Any] = {"name": self.risk_names.get(rid, ""), "occurrence": p}
                if self.drivers is not None:
                    entry["drivers"] = self.drivers[rid]
                d["risks"][rid] = entry
        by_milestone = self.milestone_criticality
        if by_milestone is not None:
            keys = self.key_milestones
            if not detail and keys is not None:
                by_milestone = {m: by_milestone[m] for m in keys}
            d["task_milestones"] = list(by_milestone)
        tasks: dict[str, dict[str, Any]] = {}
        for tid, name in self.task_names.items():
            entry = {"name": name}
            if self.criticality is not None:
                entry["criticality"] = self.criticality[tid]
            if by_milestone is not None:
                entry["milestone_criticality"] = {m: c[tid] for m, c in by_milestone.items()}
            if self.sensitivity is not None:
                s = self.sensitivity[tid]
                entry.update(
                    sensitivity=s.spearman, cruciality=s.cruciality, ssi=s.ssi, duration_sd=s.sd
                )
            if self.task_dates is not None:
                entry["finish_dates"] = self.task_dates[tid]
            if self.task_costs:
                entry["cost"] = self.task_costs[tid]
            tasks[tid] = entry
        if any(len(e) > 1 for e in tasks.values()):
            d["tasks"] = tasks
        return d

    def to_frame(self, table: str = "milestones") -> pd.DataFrame:
        """Pandas tables, as ``riskengine run --csv`` writes them.

        ``"milestones"`` (one row per milestone plus the project), ``"tasks"``
        (criticality, finish dates and cost per task), ``"iterations"`` (per-iteration
        finishes and costs) or ``"costs"`` (total and group costs).

        Parameters
        ----------
        table : {"milestones", "tasks", "iterations", "costs"}, default "milestones"
            Which table.

        Returns
        -------
        pandas.DataFrame
            Indexed by milestone id, task id, iteration or cost group.

        Raises
        ------
        ValueError
            For an unknown table.
        """
        import pandas as pd

        if table == "milestones":
            rows = []
            for s in [*self.milestones.values(), self.project]:
                row: dict[str, Any] = {"id": s.id, "name": s.name, "mean": s.mean, "sd": s.sd}
                row.update(s.percentiles)
                if s.dates:
                    row.update({f"{k} date": v for k, v in s.dates.items()})
                row["target"] = s.target
                row["target_date"] = s.target_date.isoformat() if s.target_date else None
                row["p_target"] = s.p_target
                rows.append(row)
            return pd.DataFrame(rows).set_index("id")
        if table == "tasks":
            crit = self.criticality or {}
            frame = pd.DataFrame(
                {
                    "id": list(self.task_names),
                    "name": list(self.task_names.values()),
                    "criticality": [crit.get(t, np.nan) for t in self.task_names],
                }
            )
            if self.task_dates is not None:
                for p in self.percentiles:
                    frame[f"{pkey(p)} finish"] = [
                        self.task_dates[t][pkey(p)] for t in self.task_names
                    ]
            if self.task_costs:
                frame["mean cost"] = [self.task_costs[t]["mean"] for t in self.task_names]
                frame["deterministic cost"] = [
                    self.task_costs[t]["deterministic"] for t in self.task_names
                ]
            return frame.set_index("id")
        if table == "costs":
            rows = []
            if self.cost is not None:
                for label, c in [("total", self.cost), *self.group_costs.items()]:
                    row = {"cost": label, "mean": c.mean, "sd": c.sd, **c.percentiles}
                    row["deterministic"] = c.deterministic
                    for k, v in (c.contingency or {}).items():
                        row[f"contingency {k}"] = v
                    rows.append(row)
            return pd.DataFrame(rows, columns=None if rows else ["cost"]).set_index("cost")
        if table == "iterations":
            cols = {m: v for m, v in self.finishes.items()}
            cols["project"] = self.project_finish
            for g, x in (self.costs or {}).items():
                cols["cost" if g == "total" else f"cost {g}"] = x
            frame = pd.DataFrame(cols)
            frame.index.name = "iteration"
            return frame
        raise ValueError(
            f"unknown table {table!r}; use 'milestones', 'tasks', 'iterations' or 'costs'"
        )


def _first(x: np.ndarray | None) -> float | None:
    return None if x is None else float(x[0])


def _in_project_days(jc: JointConfidence, timeline: Timeline) -> JointConfidence:
    """The JCL analysis with its finishes in working days of the project calendar (the
    analysis itself runs on union days, whose whole numbers are day ends)."""

    def conv(pt: dict[str, Any]) -> dict[str, Any]:
        return {**pt, "finish": float(timeline.to_project_days(pt["finish"]))}

    return dataclasses.replace(
        jc,
        deterministic=conv(jc.deterministic),
        p50_pair=conv(jc.p50_pair),
        p80_pair=conv(jc.p80_pair),
        frontier=[conv(pt) for pt in jc.frontier],
    )
