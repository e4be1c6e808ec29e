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
    """A project of the portfolio, with when it may start.

    Its scenario, an optional start date, and the milestones (``"project.milestone"``,
    lag in working days) it must wait for.

    Parameters
    ----------
    id : str
        The project's id, which namespaces its tasks, milestones and risks (``erp.build``).
    scenario : Scenario
        The project's own scenario.
    start : datetime.date or None, default None
        When it starts (None: its scenario's start, else the portfolio's).
    after : tuple of (str, float), default ()
        Milestones of other projects it waits for, with a lag in working days.
    """

    id: str
    scenario: Scenario
    start: _dt.date | None = None
    after: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class ProjectLink:
    """A link between tasks of two projects (ids ``project.task``): ``task`` depends on
    ``after`` as a task on its predecessor (a P6 program's links between projects).

    Parameters
    ----------
    task : str
        The successor, ``project.task``.
    after : str
        The predecessor, ``project.task`` of another project.
    type : {"FS", "SS", "FF", "SF"}, default "FS"
        As for any link.
    lag : float, default 0.0
        Working days of the successor's calendar; negative: a lead.
    """

    task: str
    after: str
    type: str = "FS"
    lag: float = 0.0


@dataclass(frozen=True)
class Portfolio:
    """Projects plus the shared risks that cut across them.

    ``kpis``, ``objectives`` and ``options`` are kept as written for the comparison of
    options. :func:`riskengine.load_portfolio` reads one from a file;
    :func:`riskengine.compose` gives the combined scenario.

    Parameters
    ----------
    name : str
        Shown in reports.
    start : datetime.date
        The portfolio's start: the origin of its calendar and of benefit discounting.
    projects : tuple of ProjectRef
        The projects.
    shared_risks : tuple of Risk, default ()
        Risks drawn once per iteration that hit tasks of several projects (task ids are
        namespaced: ``erp.build``).
    simulation : SimulationSettings, default SimulationSettings()
        Iterations, seed and percentiles for runs that do not override them.
    kpis : tuple of Kpi, default ()
        Strategic KPIs computed per iteration.
    objectives : tuple of Objective, default ()
        What the strategy must achieve.
    options : dict, default {}
        The options as written in the portfolio file (name to patch), read by
        :func:`riskengine.compare`.
    source : str or None, default None
        The file it was loaded from.
    inputs : tuple of str, default ()
        The portfolio file and every file its projects read.
    links : tuple of ProjectLink, default ()
        Links between tasks of different projects.
    """

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
    links: tuple[ProjectLink, ...] = ()

    @property
    def project_ids(self) -> tuple[str, ...]:
        """The projects' ids, in order."""
        return tuple(p.id for p in self.projects)


@dataclass(frozen=True)
class Benefit:
    """A benefit stream that starts the day after a milestone is reached.

    ``per_month`` is a number or an uncertain Distribution (one draw per iteration
    from the KPI's own random stream); ``discount_rate`` (a year, e.g. 0.08) discounts
    the stream continuously to the portfolio's start date (NPV).

    Parameters
    ----------
    starts_at : str
        The milestone that starts it (``"warehouse.live"``).
    per_month : float, Distribution or mapping
        Money per month once ramped up; a mapping is a distribution spec, as in a file.
    ramp_months : float
        Months over which it rises linearly to ``per_month``.
    window : (datetime.date, datetime.date)
        The first and last day summed.
    discount_rate : float or None, default None
        A yearly rate, e.g. 0.08 (None: no discounting).

    Raises
    ------
    ScenarioError
        If ``per_month`` is an invalid spec (field ``benefit.per_month``).
    """

    starts_at: str
    per_month: float | Distribution
    ramp_months: float
    window: tuple[_dt.date, _dt.date]
    discount_rate: float | None = None

    def __post_init__(self) -> None:
        """Parse ``per_month`` given as a mapping, as a portfolio file does (a number stays
        a number)."""
        if isinstance(self.per_month, Mapping):
            parse_specs(self, "benefit", ("per_month",), signed=True)


@dataclass(frozen=True)
class Kpi:
    """A strategic KPI: a benefit stream or an expression.

    ``goal`` (``"max"`` or ``"min"``) marks it as a goal of the comparison of options.

    Parameters
    ----------
    id : str
        The name objectives and expressions use.
    benefit : Benefit or None, default None
        A benefit stream.
    expression : Expression or None, default None
        A formula over quantities (see :mod:`riskengine.portfolio.expr`).
    goal : {"max", "min"} or None, default None
        Whether a higher or a lower mean is better when options are compared.
    """

    id: str
    benefit: Benefit | None = None
    expression: Expression | None = None
    goal: str | None = None


@dataclass(frozen=True)
class Goal:
    """A quantity (a KPI or a built-in one) whose mean ranks options.

    ``direction`` is ``"max"`` (higher is better) or ``"min"``.

    Parameters
    ----------
    id : str
        The quantity: a KPI, ``total_cost``, ``<project>.cost`` or a milestone.
    direction : {"max", "min"}
        Whether higher or lower is better.
    """

    id: str
    direction: str


@dataclass(frozen=True)
class Objective:
    """A milestone reached ``by`` a date, or a KPI ``at_least`` / ``at_most`` a value.

    Parameters
    ----------
    id : str
        Shown in reports.
    milestone : str or None, default None
        A milestone (``"erp.golive"``), with ``by``.
    by : datetime.date or None, default None
        The date the milestone must be reached by (finishing that day meets it).
    kpi : str or None, default None
        A KPI or built-in quantity, with ``at_least`` or ``at_most``.
    at_least, at_most : float or None, default None
        The bound the KPI must meet.
    """

    id: str
    milestone: str | None = None
    by: _dt.date | None = None
    kpi: str | None = None
    at_least: float | None = None
    at_most: float | None = None


@dataclass(frozen=True)
class Option:
    """An option of a portfolio: a patch on it, compared with the baseline.

    :func:`riskengine.compare` builds them from ``Portfolio.options``.

    Parameters
    ----------
    name : str
        The option's name (``"baseline"`` is the portfolio as it is).
    exclude : tuple of str, default ()
        Projects left out.
    start : dict of str to datetime.date, default {}
        New start dates per project.
    scale_durations : dict of str to float, default {}
        A factor on every duration of a project.
    scale_rates : dict of str to float, default {}
        A factor on the per-day rate of every task of a project.
    add_cost : dict of str to float, default {}
        Money added to a project.
    mitigate : tuple of str, default ()
        Risks switched to their mitigated state.
    override : dict of str to Distribution or spec, default {}
        New duration estimates per task id (specs are parsed, as in a file).
    """

    name: str
    exclude: tuple[str, ...] = ()
    start: dict[str, _dt.date] = dataclasses.field(default_factory=dict)
    scale_durations: dict[str, float] = dataclasses.field(default_factory=dict)
    scale_rates: dict[str, float] = dataclasses.field(default_factory=dict)
    add_cost: dict[str, float] = dataclasses.field(default_factory=dict)
    mitigate: tuple[str, ...] = ()
    override: dict[str, Distribution] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        """Parse new estimates written as in an options file: ``{dist: …}``, 5, [2, 3, 6]."""
        if any(d.__class__ is not Distribution for d in self.override.values()):
            where = f"options.{self.name}.override"
            parsed = {t: from_spec(d, f"{where}.{t}") for t, d in self.override.items()}
            object.__setattr__(self, "override", parsed)
