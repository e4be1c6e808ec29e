"""The risk register, filled from the simulation: one row per risk, ranked by how much
it moves the chosen milestone's P80, plus pre- versus post-mitigation percentiles and the
task sensitivity tornado. Numbers come from regenerating each risk's own draws (the same
ones the simulation used), never from stored samples."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from riskengine.analysis.results import Results
from riskengine.analysis.sensitivity import DrawSampler
from riskengine.engine.cluster import DaskBackend
from riskengine.engine.compile import compile_network
from riskengine.engine.simulation import check_run_settings, simulate
from riskengine.errors import ScenarioError
from riskengine.model.draws import DURATION_DRAW, OCCURRENCE_DRAW, impact_draw
from riskengine.model.scenario import Scenario

if TYPE_CHECKING:  # pandas is imported when a register is built: it is slow to import
    import pandas as pd
    from distributed import Client

PROJECT = "project"


@dataclasses.dataclass(frozen=True, eq=False)
class RiskRegister:
    """What :func:`risk_register` returns: the register's three tables and its two runs.

    ``register``, ``mitigation`` and ``tornado`` are pandas DataFrames; ``milestone`` is
    the output the ranking refers to; ``pre`` and ``post`` the two simulations.

    Attributes
    ----------
    milestone : str
        The milestone id (or ``"project"``) risks are ranked by.
    register : pandas.DataFrame
        One row per risk, ranked by what it adds to the milestone's P80 (the columns of
        ``riskengine register``).
    mitigation : pandas.DataFrame
        Each milestone's P50 and P80 before and after mitigation.
    tornado : pandas.DataFrame
        The task sensitivity for the milestone, largest first.
    pre, post : Results
        The simulations before and after mitigation (the same draws).
    """

    milestone: str
    register: pd.DataFrame
    mitigation: pd.DataFrame
    tornado: pd.DataFrame
    pre: Results
    post: Results


def risk_register(
    scenario: Scenario,
    iterations: int | None = None,
    seed: int | None = None,
    milestone: str | None = None,
    *,
    percentiles: Sequence[float] = (10.0, 50.0, 90.0),
    client: Client | DaskBackend | None = None,
) -> RiskRegister:
    """Simulate before and after mitigation and build the register tables.

    Parameters
    ----------
    scenario : Scenario
        A scenario with risks.
    iterations : int, optional
        Iterations of each run (default: the scenario's).
    seed : int, optional
        The seed of both runs (default: the scenario's).
    milestone : str, optional
        The milestone risks are ranked by (default: the project finish).
    percentiles : sequence of float, default (10.0, 50.0, 90.0)
        The P-values of each risk's delay and cost when it occurs.
    client : distributed.Client, optional
        Run both simulations (and the risk drivers' reruns) on this Dask cluster, as
        :func:`riskengine.simulate` does; the same numbers bit for bit.

    Returns
    -------
    RiskRegister
        The register, mitigation and tornado tables, and the two simulations.

    Raises
    ------
    ScenarioError
        If the scenario has no risks, the milestone is unknown, or a setting is invalid.
    """
    import pandas as pd

    if not scenario.risks:
        raise ScenarioError("the scenario has no risks to put in a register", field="risks")
    ids = [m.id for m in scenario.milestones]
    milestone = milestone or PROJECT
    if milestone != PROJECT and milestone not in ids:
        known = ", ".join([*ids, PROJECT])
        raise ScenarioError(f"unknown milestone {milestone!r} (known: {known})", field="milestone")
    sim = scenario.simulation
    iterations = sim.iterations if iterations is None else iterations
    seed = sim.seed if seed is None else seed
    check_run_settings(iterations, seed, percentiles)
    pre = simulate(scenario, iterations, seed, sensitivity=[milestone], client=client)  # tornado
    post = simulate(
        scenario,
        iterations,
        seed,
        mitigated=True,
        sensitivity=False,
        drivers=False,
        client=client,
    )
    assert pre.drivers is not None  # simulate computes the drivers unless told not to
    net = compile_network(scenario)
    sampler = DrawSampler(net, seed, iterations, iterations if sim.sampling == "lhs" else 0)
    tasks = {t.id: t for t in scenario.tasks}
    base: dict[str, np.ndarray] = {}
    rows: list[dict[str, str | float | None]] = []
    for risk in scenario.risks:
        occurs = sampler.draws("risk", risk.id, OCCURRENCE_DRAW, None) < risk.probability
        delay = np.zeros(iterations)
        cost = np.zeros(iterations)
        for j, imp in enumerate(risk.impacts):
            if imp.delay is not None:
                delay += sampler.draws("risk", risk.id, impact_draw(j, "delay"), imp.delay)
            if imp.delay_pct is not None:
                if imp.task not in base:
                    duration = tasks[imp.task].duration
                    base[imp.task] = sampler.draws("task", imp.task, DURATION_DRAW, duration)
                pct = sampler.draws("risk", risk.id, impact_draw(j, "delay_pct"), imp.delay_pct)
                delay += pct * 0.01 * base[imp.task]
            if imp.cost is not None:
                cost += sampler.draws("risk", risk.id, impact_draw(j, "cost"), imp.cost)
        has_cost = any(imp.cost is not None for imp in risk.impacts)
        post_p, _ = risk.state(True)
        row: dict[str, str | float | None] = {
            "id": risk.id,
            "name": risk.name,
            "owner": risk.owner,
            "category": risk.category,
            "probability": risk.probability,
            "probability_mitigated": post_p,
            "occurrence": pre.risk_occurrence[risk.id],
        }
        row.update(_conditional("delay", delay, occurs, percentiles))
        row.update(_conditional("cost", cost if has_cost else None, occurs, percentiles))
        row["expected_delay"] = float(np.mean(np.where(occurs, delay, 0.0)))
        row["expected_cost"] = float(np.mean(np.where(occurs, cost, 0.0))) if has_cost else None
        row["mitigation_cost"] = risk.mitigation.cost if risk.mitigation else None
        drivers = pre.drivers[risk.id][milestone]
        row[f"contribution_{milestone}_P50"] = drivers["P50"]
        row[f"contribution_{milestone}_P80"] = drivers["P80"]
        rows.append(row)
    key = f"contribution_{milestone}_P80"
    register = pd.DataFrame(rows).sort_values(
        [key, "expected_delay"], ascending=False, kind="stable", ignore_index=True
    )
    register.insert(0, "rank", np.arange(1, len(register) + 1))
    return RiskRegister(
        milestone=milestone,
        register=register,
        mitigation=_mitigation_table(pre, post),
        tornado=_tornado(pre, milestone),
        pre=pre,
        post=post,
    )


def _conditional(
    what: str, x: np.ndarray | None, occurs: np.ndarray, pcts: Sequence[float]
) -> dict[str, float | None]:
    if x is None or not occurs.any():
        return {f"{what}_P{p:g}": None for p in pcts}
    vals = np.percentile(x[occurs], pcts)
    return {f"{what}_P{p:g}": float(v) for p, v in zip(pcts, vals, strict=True)}


def _mitigation_table(pre: Results, post: Results) -> pd.DataFrame:
    import pandas as pd

    rows: list[dict[str, str | float | None]] = []
    for oid in [*pre.milestones, PROJECT]:
        a = pre.project if oid == PROJECT else pre.milestones[oid]
        b = post.project if oid == PROJECT else post.milestones[oid]
        row: dict[str, str | float | None] = {"milestone": oid, "name": a.name}
        for q in ("P50", "P80"):
            row[f"{q} before"] = a.percentiles.get(q)
            row[f"{q} after"] = b.percentiles.get(q)
            row[f"{q} saved"] = None
            if a.percentiles.get(q) is not None:
                row[f"{q} saved"] = a.percentiles[q] - b.percentiles[q]
            if a.dates is not None and b.dates is not None:  # both or neither: one scenario
                row[f"{q} before date"] = a.dates.get(q)
                row[f"{q} after date"] = b.dates.get(q)
        row["P(target) before"] = a.p_target
        row["P(target) after"] = b.p_target
        rows.append(row)
    return pd.DataFrame(rows)


def _tornado(pre: Results, milestone: str) -> pd.DataFrame:
    import pandas as pd

    rows = []
    # criticality towards the milestone the tornado is about, as its SSI uses
    crit = (
        pre.criticality
        if milestone == "project"
        else (pre.milestone_criticality or {}).get(milestone)
    )
    for tid, s in (pre.sensitivity or {}).items():
        rows.append(
            {
                "task": tid,
                "name": pre.task_names.get(tid, ""),
                "spearman": s.spearman[milestone],
                "cruciality": s.cruciality[milestone],
                "ssi": s.ssi[milestone],
                "criticality": (crit or {}).get(tid),
                "duration_sd": s.sd,
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    order = frame["spearman"].abs().sort_values(ascending=False, kind="stable").index
    return frame.loc[order].reset_index(drop=True)
