"""Simulation results: per-iteration finishes plus the statistics users read."""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import dates
from .model import Scenario

TARGET_TOLERANCE = 1e-9  # a finish this close above its target still counts as on time


def pkey(p: float) -> str:
    """Percentile label: 80 → "P80", 97.5 → "P97.5"."""
    return f"P{p:g}"


@dataclass(frozen=True)
class OutcomeSummary:
    """Statistics of one simulated finish (a milestone or the project)."""

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

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "mean": self.mean,
            "sd": self.sd,
            "mean_se": self.mean_se,
            "percentiles": self.percentiles,
        }
        if self.dates is not None:
            d["dates"] = self.dates
        d["target"] = self.target
        if self.target_date is not None:
            d["target_date"] = self.target_date.isoformat()
        d["p_target"] = self.p_target
        d["p_target_se"] = self.p_target_se
        return d


def summarise(
    oid: str,
    name: str,
    x: np.ndarray,
    percentiles: tuple[float, ...],
    start: _dt.date | None,
    target: float | None = None,
    target_date: _dt.date | None = None,
) -> OutcomeSummary:
    n = x.size
    pct = np.percentile(x, percentiles) if n else np.full(len(percentiles), np.nan)
    sd = float(np.std(x, ddof=1)) if n > 1 else 0.0
    p_target = p_se = None
    if target is not None:
        p_target = float(np.count_nonzero(x <= target + TARGET_TOLERANCE)) / n
        p_se = math.sqrt(p_target * (1 - p_target) / n)
    date_map = None
    if start is not None:
        date_map = dict(
            zip(map(pkey, percentiles), dates.iso(dates.finish_dates(start, pct)), strict=True)
        )
    return OutcomeSummary(
        id=oid,
        name=name,
        mean=float(np.mean(x)),
        sd=sd,
        percentiles={pkey(p): float(v) for p, v in zip(percentiles, pct, strict=True)},
        target=target,
        target_date=target_date,
        p_target=p_target,
        dates=date_map,
        mean_se=sd / math.sqrt(n),
        p_target_se=p_se,
    )


@dataclass(frozen=True, eq=False)
class Results:
    """What :func:`riskengine.simulate` returns.

    ``milestones`` and ``project`` hold the summaries; ``finishes[milestone_id]`` and
    ``project_finish`` the per-iteration finish times (working days from the start);
    ``criticality[task_id]`` the fraction of iterations in which the task was critical
    (file order; ``None`` when criticality was not computed).
    """

    scenario_name: str
    start: _dt.date | None
    iterations: int
    seed: int
    percentiles: tuple[float, ...]
    milestones: dict[str, OutcomeSummary]
    project: OutcomeSummary
    finishes: dict[str, np.ndarray]
    project_finish: np.ndarray
    criticality: dict[str, float] | None
    task_names: dict[str, str] = field(default_factory=dict)
    risk_occurrence: dict[str, float] = field(default_factory=dict)
    mitigated: bool = False
    sensitivity: dict[str, Any] | None = None  # task id -> analysis.TaskSensitivity
    drivers: dict[str, dict[str, dict[str, float]]] | None = None  # risk -> output -> P
    risk_names: dict[str, str] = field(default_factory=dict)
    sampling: str = "monte-carlo"

    @classmethod
    def build(
        cls,
        scenario: Scenario,
        *,
        iterations: int,
        seed: int,
        percentiles: tuple[float, ...],
        milestone_finishes: dict[str, np.ndarray],
        project_finish: np.ndarray,
        criticality: dict[str, float] | None,
        risk_occurrence: dict[str, float] | None = None,
        mitigated: bool = False,
        sensitivity: dict[str, Any] | None = None,
        drivers: dict[str, dict[str, dict[str, float]]] | None = None,
        sampling: str = "monte-carlo",
    ) -> Results:
        ms = {
            m.id: summarise(
                m.id,
                m.name,
                milestone_finishes[m.id],
                percentiles,
                scenario.start,
                m.target,
                m.target_date,
            )
            for m in scenario.milestones
        }
        project = summarise(
            "project", "Project finish", project_finish, percentiles, scenario.start
        )
        crit = None
        if criticality is not None:
            crit = {t.id: float(criticality[t.id]) for t in scenario.tasks}
        return cls(
            scenario_name=scenario.name,
            start=scenario.start,
            iterations=iterations,
            seed=seed,
            percentiles=percentiles,
            milestones=ms,
            project=project,
            finishes=milestone_finishes,
            project_finish=project_finish,
            criticality=crit,
            task_names={t.id: t.name for t in scenario.tasks},
            risk_occurrence=dict(risk_occurrence or {}),
            mitigated=mitigated,
            sensitivity=sensitivity,
            drivers=drivers,
            risk_names={r.id: r.name for r in scenario.risks},
            sampling=sampling,
        )

    def most_critical(self, k: int = 10) -> list[tuple[str, float]]:
        if not self.criticality:
            return []
        ranked = sorted(self.criticality.items(), key=lambda kv: -kv[1])
        return ranked[:k]

    def to_dict(self) -> dict[str, Any]:
        """The JSON document written by ``riskengine run --json``."""
        d: dict[str, Any] = {
            "scenario": self.scenario_name,
            "iterations": self.iterations,
            "seed": self.seed,
            "percentiles": list(self.percentiles),
            "units": "working days from the start",
            "start": self.start.isoformat() if self.start else None,
            "mitigated": self.mitigated,
            "sampling": self.sampling,
            "milestones": {k: v.to_dict() for k, v in self.milestones.items()},
            "project": self.project.to_dict(),
        }
        if self.risk_occurrence:
            d["risks"] = {}
            for rid, p in self.risk_occurrence.items():
                entry: dict[str, Any] = {"name": self.risk_names.get(rid, ""), "occurrence": p}
                if self.drivers is not None:
                    entry["drivers"] = self.drivers[rid]
                d["risks"][rid] = entry
        tasks: dict[str, dict[str, Any]] = {}
        for tid, name in self.task_names.items():
            entry = {"name": name}
            if self.criticality is not None:
                entry["criticality"] = self.criticality[tid]
            if self.sensitivity is not None:
                s = self.sensitivity[tid]
                entry.update(
                    sensitivity=s.spearman, cruciality=s.cruciality, ssi=s.ssi, duration_sd=s.sd
                )
            tasks[tid] = entry
        if self.criticality is not None or self.sensitivity is not None:
            d["tasks"] = tasks
        return d

    def to_frame(self, table: str = "milestones"):
        """pandas tables: ``"milestones"`` (one row per milestone plus the project),
        ``"tasks"`` (criticality per task) or ``"iterations"`` (per-iteration finishes)."""
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
            return pd.DataFrame(
                {
                    "id": list(self.task_names),
                    "name": list(self.task_names.values()),
                    "criticality": [crit.get(t, np.nan) for t in self.task_names],
                }
            ).set_index("id")
        if table == "iterations":
            cols = {m: v for m, v in self.finishes.items()}
            cols["project"] = self.project_finish
            frame = pd.DataFrame(cols)
            frame.index.name = "iteration"
            return frame
        raise ValueError(f"unknown table {table!r}; use 'milestones', 'tasks' or 'iterations'")
