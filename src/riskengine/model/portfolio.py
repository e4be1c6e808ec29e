"""The plain objects of a portfolio: projects, strategy KPIs, objectives and options.

They are frozen dataclasses, parsed by :mod:`riskengine.io.portfolio_file`, composed into
one network by :mod:`riskengine.portfolio.composition` and evaluated by
:mod:`riskengine.portfolio.strategy`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from riskengine.model.distributions import Distribution
from riskengine.model.scenario import Risk, Scenario, SimulationSettings, from_spec, parse_specs
from riskengine.portfolio.expr import Expression

PORTFOLIO_CALENDAR = "portfolio"  # Monday–Friday: the portfolio's own time scale


@dataclass(frozen=True)
class ProjectRef:
    """A project of the portfolio: its scenario, an optional start date, and the
    milestones (``"project.milestone"``, lag in working days) it must wait for."""

    id: str
    scenario: Scenario
    start: _dt.date | None = None
    after: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Portfolio:
    """Projects plus the shared risks that cut across them. ``kpis``, ``objectives`` and
    ``options`` are kept as written for the comparison of options."""

    name: str
    start: _dt.date
    projects: tuple[ProjectRef, ...]
    shared_risks: tuple[Risk, ...] = ()
    simulation: SimulationSettings = SimulationSettings()
    kpis: tuple[Kpi, ...] = ()
    objectives: tuple[Objective, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    inputs: tuple[str, ...] = ()  # the portfolio file and every file its projects read

    @property
    def project_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.projects)


@dataclass(frozen=True)
class Benefit:
    """``per_month`` is a number or an uncertain Distribution (one draw per iteration
    from the KPI's own random stream); ``discount_rate`` (a year, e.g. 0.08) discounts
    the stream continuously to the portfolio's start date (NPV)."""

    starts_at: str
    per_month: float | Distribution
    ramp_months: float
    window: tuple[_dt.date, _dt.date]
    discount_rate: float | None = None

    def __post_init__(self) -> None:
        # as in a portfolio file: a mapping is a distribution, a number stays a number
        if isinstance(self.per_month, Mapping):
            parse_specs(self, "benefit", ("per_month",), signed=True)


@dataclass(frozen=True)
class Kpi:
    """A benefit stream or an expression; ``goal`` (``"max"`` or ``"min"``) marks it as a
    goal of the comparison of options."""

    id: str
    benefit: Benefit | None = None
    expression: Expression | None = None
    goal: str | None = None


@dataclass(frozen=True)
class Goal:
    """A quantity (a KPI or a built-in one) whose mean ranks options: ``direction`` is
    ``"max"`` (higher is better) or ``"min"``."""

    id: str
    direction: str


@dataclass(frozen=True)
class Objective:
    """A milestone reached ``by`` a date, or a KPI ``at_least`` / ``at_most`` a value."""

    id: str
    milestone: str | None = None
    by: _dt.date | None = None
    kpi: str | None = None
    at_least: float | None = None
    at_most: float | None = None


@dataclass(frozen=True)
class Option:
    name: str
    exclude: tuple[str, ...] = ()
    start: dict[str, _dt.date] = dataclasses.field(default_factory=dict)
    scale_durations: dict[str, float] = dataclasses.field(default_factory=dict)
    scale_rates: dict[str, float] = dataclasses.field(default_factory=dict)
    add_cost: dict[str, float] = dataclasses.field(default_factory=dict)
    mitigate: tuple[str, ...] = ()
    override: dict[str, Distribution] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        # the new estimates may be written as in an options file: {dist: …}, 5, [2, 3, 6]
        if any(d.__class__ is not Distribution for d in self.override.values()):
            where = f"options.{self.name}.override"
            parsed = {t: from_spec(d, f"{where}.{t}") for t, d in self.override.items()}
            object.__setattr__(self, "override", parsed)
