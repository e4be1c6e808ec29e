"""The model: plain, frozen objects that describe a scenario and a portfolio, the
distribution specs, and the one place that validates them (:mod:`.validate`). No numba,
no files: the io/ readers build these objects, the engine compiles them."""

from riskengine.model.scenario import (
    LINK_TYPES,
    STANDARD_CALENDAR,
    Calendar,
    Correlation,
    Cost,
    CostItem,
    Distribution,
    Impact,
    Link,
    Milestone,
    Mitigation,
    Risk,
    Scenario,
    SimulationSettings,
    Task,
)

__all__ = [
    "LINK_TYPES",
    "STANDARD_CALENDAR",
    "Calendar",
    "Correlation",
    "Cost",
    "CostItem",
    "Distribution",
    "Impact",
    "Link",
    "Milestone",
    "Mitigation",
    "Risk",
    "Scenario",
    "SimulationSettings",
    "Task",
]
