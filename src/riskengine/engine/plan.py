"""What ``riskengine validate`` reports: the network's shape and its deterministic plan."""

from __future__ import annotations

import dataclasses
from collections import Counter

from riskengine.analysis.results import Results
from riskengine.engine.compile import compile_network
from riskengine.engine.simulation import deterministic_plan
from riskengine.model.distributions import KINDS
from riskengine.model.scenario import LINK_TYPES, Scenario


@dataclasses.dataclass(frozen=True)
class ScenarioSummary:
    """What ``riskengine validate`` reports: the network's shape and its most-likely plan.

    ``links`` counts every link type (zeros included, in ``LINK_TYPES`` order),
    ``distributions`` the kinds in use (in ``KINDS`` order); ``plan`` is one iteration
    with every duration at its single-point estimate.

    Attributes
    ----------
    scenario : Scenario
        The scenario described.
    links : dict of str to int
        Links per type: ``{"FS": ..., "SS": ..., "FF": ..., "SF": ...}``.
    distributions : dict of str to int
        Task durations per distribution kind in use.
    plan : Results
        The deterministic plan (:func:`riskengine.deterministic_plan`).
    """

    scenario: Scenario
    links: dict[str, int]
    distributions: dict[str, int]
    plan: Results


def describe(scenario: Scenario) -> ScenarioSummary:
    """Compile the scenario (raising ScenarioError if it cannot run) and summarise it.

    Parameters
    ----------
    scenario : Scenario
        The scenario.

    Returns
    -------
    ScenarioSummary
        Link and distribution counts and the deterministic plan.

    Raises
    ------
    ScenarioError
        If the scenario cannot run.
    """
    net = compile_network(scenario)  # the checks a run makes before it starts
    links = Counter(lk.type for t in scenario.tasks for lk in t.predecessors)
    kinds = Counter(t.duration.kind for t in scenario.tasks)
    return ScenarioSummary(
        scenario=scenario,
        links={k: links[k] for k in LINK_TYPES},
        distributions={k: kinds[k] for k in KINDS if kinds[k]},
        plan=deterministic_plan(scenario, network=net),
    )
