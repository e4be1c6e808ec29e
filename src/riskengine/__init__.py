"""riskengine: fast, reproducible Monte Carlo schedule and strategy risk analysis.

Everything a user builds or reads is importable from here::

    import riskengine as rk

    scenario = rk.load_scenario("scenarios/plant_upgrade.yaml")
    results = rk.simulate(scenario, iterations=10_000, seed=1)

The package loads lazily (as scipy does): ``import riskengine`` and loading or checking a
scenario do not import numba; the simulation layer is imported when it is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    # model: what a scenario and a portfolio are made of
    "Calendar": "riskengine.model.scenario",
    "Constraint": "riskengine.model.scenario",
    "Correlation": "riskengine.model.scenario",
    "Cost": "riskengine.model.scenario",
    "CostItem": "riskengine.model.scenario",
    "Distribution": "riskengine.model.distributions",
    "Impact": "riskengine.model.scenario",
    "Link": "riskengine.model.scenario",
    "Milestone": "riskengine.model.scenario",
    "Mitigation": "riskengine.model.scenario",
    "Risk": "riskengine.model.scenario",
    "Scenario": "riskengine.model.scenario",
    "SimulationSettings": "riskengine.model.scenario",
    "Convergence": "riskengine.model.scenario",
    "ConvergenceReport": "riskengine.analysis.convergence",
    "Task": "riskengine.model.scenario",
    "Benefit": "riskengine.model.portfolio",
    "Goal": "riskengine.model.portfolio",
    "Kpi": "riskengine.model.portfolio",
    "Objective": "riskengine.model.portfolio",
    "Option": "riskengine.model.portfolio",
    "Portfolio": "riskengine.model.portfolio",
    "ProjectLink": "riskengine.model.portfolio",
    "ProjectRef": "riskengine.model.portfolio",
    "parse_distribution": "riskengine.model.distributions",
    "validate": "riskengine.model.validate",
    # io: files in
    "load_scenario": "riskengine.io.scenario_file",
    "load_overlay": "riskengine.io.scenario_file",
    "OverlayReport": "riskengine.io.overlay",
    "load_portfolio": "riskengine.io.portfolio_file",
    "load_register": "riskengine.io.register_file",
    "import_schedule": "riskengine.io.schedule_import",
    # engine: compile and simulate
    "CompiledNetwork": "riskengine.engine.compile",
    "compile_network": "riskengine.engine.compile",
    "deterministic_plan": "riskengine.engine.simulation",
    "simulate": "riskengine.engine.simulation",
    "schedule_table": "riskengine.engine.schedule",
    "ScenarioSummary": "riskengine.engine.plan",
    "describe": "riskengine.engine.plan",
    # analysis: what a run returns
    "CostSummary": "riskengine.analysis.results",
    "JointConfidence": "riskengine.analysis.jcl",
    "OutcomeSummary": "riskengine.analysis.results",
    "Results": "riskengine.analysis.results",
    "RiskRegister": "riskengine.analysis.register",
    "TaskSensitivity": "riskengine.analysis.sensitivity",
    "risk_register": "riskengine.analysis.register",
    "fidelity": "riskengine.analysis.fidelity",
    # portfolio: strategy and options
    "Comparison": "riskengine.portfolio.options",
    "OptionResult": "riskengine.portfolio.options",
    "compare": "riskengine.portfolio.options",
    "compose": "riskengine.portfolio.composition",
    "PortfolioResults": "riskengine.portfolio.results",
    "StrategyOutcome": "riskengine.portfolio.results",
    "simulate_portfolio": "riskengine.portfolio.simulation",
    # errors
    "ClusterError": "riskengine.errors",
    "OutputError": "riskengine.errors",
    "RiskEngineError": "riskengine.errors",
    "RiskEngineWarning": "riskengine.errors",
    "ScenarioError": "riskengine.errors",
}

__all__ = [
    "Benefit",
    "Calendar",
    "ClusterError",
    "Comparison",
    "CompiledNetwork",
    "Constraint",
    "Convergence",
    "ConvergenceReport",
    "Correlation",
    "Cost",
    "CostItem",
    "CostSummary",
    "Distribution",
    "Goal",
    "Impact",
    "JointConfidence",
    "Kpi",
    "Link",
    "Milestone",
    "Mitigation",
    "Objective",
    "Option",
    "OverlayReport",
    "OptionResult",
    "OutcomeSummary",
    "OutputError",
    "Portfolio",
    "PortfolioResults",
    "ProjectLink",
    "ProjectRef",
    "Results",
    "Risk",
    "RiskEngineError",
    "RiskEngineWarning",
    "RiskRegister",
    "Scenario",
    "ScenarioSummary",
    "ScenarioError",
    "SimulationSettings",
    "StrategyOutcome",
    "Task",
    "TaskSensitivity",
    "compare",
    "compile_network",
    "compose",
    "describe",
    "deterministic_plan",
    "fidelity",
    "import_schedule",
    "load_overlay",
    "load_portfolio",
    "load_register",
    "load_scenario",
    "parse_distribution",
    "risk_register",
    "schedule_table",
    "simulate",
    "simulate_portfolio",
    "validate",
]  # the names of _EXPORTS (a test keeps them equal)


def __getattr__(name: str) -> Any:
    """Import the module that defines a public name the first time it is used."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'riskengine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ imports
    from riskengine.analysis.convergence import ConvergenceReport
    from riskengine.analysis.fidelity import fidelity
    from riskengine.analysis.jcl import JointConfidence
    from riskengine.analysis.register import RiskRegister, risk_register
    from riskengine.analysis.results import CostSummary, OutcomeSummary, Results
    from riskengine.analysis.sensitivity import TaskSensitivity
    from riskengine.engine.compile import CompiledNetwork, compile_network
    from riskengine.engine.plan import ScenarioSummary, describe
    from riskengine.engine.schedule import schedule_table
    from riskengine.engine.simulation import deterministic_plan, simulate
    from riskengine.errors import (
        ClusterError,
        OutputError,
        RiskEngineError,
        RiskEngineWarning,
        ScenarioError,
    )
    from riskengine.io.portfolio_file import load_portfolio
    from riskengine.io.register_file import load_register
    from riskengine.io.scenario_file import load_scenario
    from riskengine.io.schedule_import import import_schedule
    from riskengine.model.distributions import Distribution, parse_distribution
    from riskengine.model.portfolio import (
        Benefit,
        Goal,
        Kpi,
        Objective,
        Option,
        Portfolio,
        ProjectLink,
        ProjectRef,
    )
    from riskengine.model.scenario import (
        Calendar,
        Constraint,
        Convergence,
        Correlation,
        Cost,
        CostItem,
        Impact,
        Link,
        Milestone,
        Mitigation,
        Risk,
        Scenario,
        SimulationSettings,
        Task,
    )
    from riskengine.model.validate import validate
    from riskengine.portfolio.composition import compose
    from riskengine.portfolio.options import Comparison, OptionResult, compare
    from riskengine.portfolio.results import PortfolioResults, StrategyOutcome
    from riskengine.portfolio.simulation import simulate_portfolio
