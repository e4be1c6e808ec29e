"""What :func:`riskengine.simulate_portfolio` returns: the baseline's :class:`Results` and
the strategy evaluated on it (objectives, joint success, KPIs).

Plain numpy, no numba: the report imports these types to print and write a portfolio's
results, and ``riskengine validate`` must start without the simulation layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np

from riskengine.analysis.results import Results


class Share(TypedDict):
    """The fraction of iterations in which something held, and its standard error."""

    probability: float
    se: float


class ObjectiveSummary(Share):
    """An objective's probability (:class:`Share`) and what it asks, as written in tables
    (``"erp.golive by 2027-06-30"``)."""

    description: str


class StrategySummary(TypedDict):
    """The JSON-ready summary of a strategy: each objective's probability, the joint
    success (every objective met in the same iteration) and each KPI's ``mean``, ``sd``
    and ``percentiles`` (None where a statistic is not finite)."""

    objectives: dict[str, ObjectiveSummary]
    joint: Share
    kpis: dict[str, dict[str, Any]]


@dataclass(frozen=True, eq=False)
class StrategyOutcome:
    """Per-iteration quantities (built-in and KPIs), each objective's hits, and the joint
    success (every objective met in the same iteration).

    Parameters
    ----------
    quantities : dict of str to numpy.ndarray
        Each quantity's value per iteration: milestone finishes, ``total_cost``,
        ``<project>.cost`` and every KPI.
    kpi_ids : tuple of str
        The KPIs among ``quantities``, in the portfolio's order.
    hits : dict of str to numpy.ndarray
        Per objective, whether it was met in each iteration (booleans).
    joint : numpy.ndarray
        Whether every objective was met in each iteration (booleans).
    """

    quantities: dict[str, np.ndarray]
    kpi_ids: tuple[str, ...]
    hits: dict[str, np.ndarray]
    joint: np.ndarray

    def probability(self, objective: str) -> float:
        """The fraction of iterations in which ``objective`` was met."""
        return float(np.mean(self.hits[objective]))


@dataclass(frozen=True, eq=False)
class PortfolioResults:
    """What :func:`riskengine.simulate_portfolio` returns: the simulation of the
    portfolio's baseline and its strategy.

    A portfolio's milestones, finishes, costs and risks are those of one composed
    scenario, so they live on ``results``, read as after :func:`riskengine.simulate`
    (``results.to_frame()``, ``results.finishes["erp.golive"]``); this adds what only a
    portfolio has.

    Parameters
    ----------
    results : Results
        The simulation of the composed baseline (milestones are ``"project.milestone"``).
    strategy : StrategySummary
        Each objective's probability and standard error, the joint success and each
        KPI's statistics, as written to JSON.
    outcome : StrategyOutcome
        The per-iteration values behind ``strategy``.
    """

    results: Results
    strategy: StrategySummary
    outcome: StrategyOutcome

    def to_dict(self, detail: bool = False) -> dict[str, Any]:
        """The JSON document written by ``riskengine run --json`` for a portfolio: the
        baseline's (:meth:`Results.to_dict`, ``detail`` as there) with the strategy's
        ``objectives``, ``joint`` and ``kpis`` after the cost sections, before ``risks``,
        ``task_milestones`` and ``tasks``.

        Parameters
        ----------
        detail : bool, default False
            Every milestone's per-task criticality.

        Returns
        -------
        dict
            JSON-ready values only (None where a statistic is missing).
        """
        d = self.results.to_dict(detail=detail)
        later = ("risks", "task_milestones", "tasks")
        tail: dict[str, Any] = {key: d.pop(key) for key in later if key in d}
        return {**d, **self.strategy, **tail}


def baseline(results: Results | PortfolioResults) -> Results:
    """The :class:`Results` of a run of a scenario or a portfolio (its baseline): what
    the milestone, cost and CSV reports read for both."""
    return results.results if isinstance(results, PortfolioResults) else results
