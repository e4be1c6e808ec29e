"""riskengine: fast, reproducible Monte Carlo schedule and strategy risk analysis."""

from . import _vectorwidth  # noqa: F401  (must run before numba is imported)
from .compile import CompiledNetwork, compile_network
from .distributions import parse_distribution
from .engine import deterministic_plan, simulate
from .errors import OutputError, RiskEngineError, RiskEngineWarning, ScenarioError
from .io import load_scenario
from .io.portfolio_file import load_portfolio
from .model import Distribution, Link, Milestone, Scenario, SimulationSettings, Task
from .options import compare
from .results import OutcomeSummary, Results

__version__ = "0.1.0"

__all__ = [
    "CompiledNetwork",
    "Distribution",
    "Link",
    "Milestone",
    "OutputError",
    "OutcomeSummary",
    "Results",
    "RiskEngineError",
    "RiskEngineWarning",
    "Scenario",
    "ScenarioError",
    "SimulationSettings",
    "Task",
    "compare",
    "compile_network",
    "deterministic_plan",
    "load_portfolio",
    "load_scenario",
    "parse_distribution",
    "simulate",
]
