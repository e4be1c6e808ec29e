"""Simulating a portfolio's baseline and evaluating its strategy KPIs and objectives."""

from __future__ import annotations

from typing import Any

from riskengine.engine.simulation import simulate
from riskengine.model.portfolio import Portfolio
from riskengine.portfolio.composition import compose
from riskengine.portfolio.results import PortfolioResults
from riskengine.portfolio.strategy import evaluate, summarise_outcome


def simulate_portfolio(portfolio: Portfolio, *args: Any, **kwargs: Any) -> PortfolioResults:
    """Simulate the portfolio's baseline and evaluate its KPIs and objectives.

    The baseline is every project as planned (:func:`riskengine.compose`); the options
    are :func:`riskengine.compare`'s.

    Parameters
    ----------
    portfolio : Portfolio
        Loaded with :func:`riskengine.load_portfolio` or built in Python.
    *args, **kwargs
        As for :func:`riskengine.simulate` (iterations, seed, percentiles, ...).

    Returns
    -------
    PortfolioResults
        ``results`` the baseline's simulation; ``strategy`` each objective's probability
        (and its standard error), the joint success and each KPI's statistics;
        ``outcome`` the per-iteration values.

    Raises
    ------
    ScenarioError
        As :func:`riskengine.simulate` does.
    """
    results = simulate(compose(portfolio), *args, **kwargs)
    outcome = evaluate(results, portfolio.project_ids, portfolio.kpis, portfolio.objectives)
    summary = summarise_outcome(
        outcome, portfolio.objectives, results.percentiles, results.interval_confidence
    )
    return PortfolioResults(results, summary, outcome)
