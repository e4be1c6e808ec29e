"""Simulating a portfolio's baseline and evaluating its strategy KPIs and objectives."""

from __future__ import annotations

from typing import Any

from riskengine.engine.simulation import simulate
from riskengine.model.portfolio import Portfolio
from riskengine.portfolio.composition import compose
from riskengine.portfolio.results import PortfolioResults
from riskengine.portfolio.strategy import evaluate, summarise_outcome


def simulate_portfolio(portfolio: Portfolio, *args: Any, **kwargs: Any) -> PortfolioResults:
    """Simulate the portfolio's baseline (arguments as for :func:`riskengine.simulate`)
    and evaluate its KPIs and objectives: ``results.strategy`` holds each objective's
    probability (and its standard error), the joint success and each KPI's statistics;
    ``results.outcome`` the per-iteration values."""

    results = simulate(compose(portfolio), *args, **kwargs)
    outcome = evaluate(results, portfolio.project_ids, portfolio.kpis, portfolio.objectives)
    summary = summarise_outcome(outcome, portfolio.objectives, results.percentiles)
    return PortfolioResults(results, summary, outcome)
