"""Correlations in the model: which draws an entry ties together, and its checks.

A task correlation ties task durations; a risk correlation ties the delay draws of the
risks' impacts. The copula set-up that turns them into matrices for the kernels is in
:mod:`riskengine.engine.correlation`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np

from riskengine.errors import ScenarioError, show
from riskengine.model.draws import DURATION_DRAW, impact_draw
from riskengine.model.scenario import Correlation, Risk, Scenario


class DisjointSets:
    """Union-find over correlated draws: which draws end up in one copula group."""

    def __init__(self) -> None:
        self.parent: dict[tuple, tuple] = {}

    def find(self, x: tuple) -> tuple:
        """The representative of ``x``'s group (paths halved on the way)."""
        parent = self.parent
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(self, a: tuple, b: tuple) -> None:
        """Put ``a`` and ``b`` in one group."""
        self.parent[self.find(a)] = self.find(b)

    def groups(self) -> list[list[tuple]]:
        """The connected groups, each in the order its draws were first seen."""
        members: dict[tuple, list[tuple]] = {}
        for x in list(self.parent):
            members.setdefault(self.find(x), []).append(x)
        return list(members.values())


def draw_name(member: tuple) -> str:
    """A correlated draw as a message names it: the task id, or ``risk <id>``."""
    return member[1] if member[0] == "task" else f"risk {member[1]}"


MAX_GROUP = 1_000  # draws tied together in one correlated group (a k × k matrix each run)


MAX_PAIRS = 500_000  # correlated pairs of draws in all the correlations together


def check(scenario: Scenario, known: Collection[str]) -> None:
    """Raise ScenarioError for a correlation that names unknown or repeated tasks or
    risks, a coefficient or matrix that is not a valid correlation, or correlations too
    large to set up (more than :data:`MAX_GROUP` draws in one group, or more than
    :data:`MAX_PAIRS` pairs)."""
    risks = {r.id: r for r in scenario.risks}
    for c_i, corr in enumerate(scenario.correlations):
        where = f"correlations[{c_i}]"
        if bool(corr.tasks) == bool(corr.risks):
            raise ScenarioError("give either 'tasks' or 'risks' to correlate", field=where)
        if corr.risks:
            if len(corr.risks) < 2 or len(set(corr.risks)) != len(corr.risks):
                raise ScenarioError("name at least two different risks", field=where + ".risks")
            for j, rid in enumerate(corr.risks):
                if rid not in risks:
                    raise ScenarioError(f"unknown risk {show(rid)}", field=f"{where}.risks[{j}]")
                if not members_of(scenario, Correlation(risks=(rid,)), risks):
                    raise ScenarioError(
                        f"risk {show(rid)} has no delay to correlate", field=f"{where}.risks[{j}]"
                    )
            if corr.matrix is not None or corr.coefficient is None:
                raise ScenarioError("risks are correlated with one 'coefficient'", field=where)
            _check_coefficient(corr.coefficient, where)
            continue
        if len(corr.tasks) < 2:
            raise ScenarioError("name at least two tasks to correlate", field=where + ".tasks")
        if len(set(corr.tasks)) != len(corr.tasks):
            raise ScenarioError("a task is named twice", field=where + ".tasks")
        for j, t in enumerate(corr.tasks):
            if t not in known:
                raise ScenarioError(f"unknown task {show(t)}", field=f"{where}.tasks[{j}]")
        if (corr.coefficient is None) == (corr.matrix is None):
            raise ScenarioError("give either 'coefficient' or 'matrix'", field=where)
        if corr.matrix is None:
            _check_coefficient(corr.coefficient, where)
            continue
        k = len(corr.tasks)
        rows = corr.matrix
        if not (isinstance(rows, Sequence) and len(rows) == k) or any(
            not (isinstance(row, Sequence) and len(row) == k) for row in rows
        ):
            raise ScenarioError(f"the matrix must be {k}×{k}, one row per task", field=where)
        for row in rows:
            for rho in row:
                _check_coefficient(rho, where)
        m = np.asarray(rows, dtype=float)
        if not np.allclose(m, m.T) or not np.all(np.diag(m) == 1):
            raise ScenarioError("the matrix must be symmetric with 1 on the diagonal", field=where)
    _check_size(scenario)
    correlated_pairs(scenario)


def _check_coefficient(rho: object, where: str) -> None:
    if isinstance(rho, bool) or not isinstance(rho, int | float) or not -1 <= rho <= 1:
        raise ScenarioError(f"a coefficient must be between -1 and 1, got {show(rho)}", field=where)


def _check_size(scenario: Scenario) -> None:
    """Refuse correlations whose set-up would take minutes or gigabytes: every connected
    group is a dense matrix (and its factor) in each run."""
    sets = DisjointSets()
    pairs = 0
    risks = {r.id: r for r in scenario.risks}
    for corr in scenario.correlations:
        members = members_of(scenario, corr, risks)
        pairs += len(members) * (len(members) - 1) // 2
        for m in members[1:]:
            sets.join(m, members[0])
    if pairs > MAX_PAIRS:
        raise ScenarioError(
            f"the correlations tie {pairs:,} pairs of draws together, more than the "
            f"{MAX_PAIRS:,} allowed; correlate fewer tasks or risks",
            field="correlations",
        )
    largest = max((len(g) for g in sets.groups()), default=0)
    if largest > MAX_GROUP:
        raise ScenarioError(
            f"correlations tie {largest:,} draws into one group, more than the "
            f"{MAX_GROUP:,} allowed; correlate smaller groups",
            field="correlations",
        )


def members_of(
    scenario: Scenario, corr: Correlation, risks: Mapping[str, Risk] | None = None
) -> list[tuple]:
    """The draws a correlation entry ties together: ("task", id, DURATION_DRAW) for a task's
    duration, ("risk", id, draw) for each delay or delay_pct draw of a risk's impacts.
    ``risks`` (the scenario's risks by id) saves building that map for each of many
    entries."""
    if corr.tasks:
        return [("task", t, DURATION_DRAW) for t in corr.tasks]
    if risks is None:
        risks = {r.id: r for r in scenario.risks}
    out = []
    for rid in corr.risks:
        for j, imp in enumerate(risks[rid].impacts):
            if imp.delay is not None:
                out.append(("risk", rid, impact_draw(j, "delay")))
            if imp.delay_pct is not None:
                out.append(("risk", rid, impact_draw(j, "delay_pct")))
    return out


def correlated_pairs(scenario: Scenario) -> dict[frozenset, tuple[float, int]]:
    """Every correlated pair of draws once; the same pair given two values is an error."""
    pairs: dict[frozenset, tuple[float, int]] = {}
    risks = {r.id: r for r in scenario.risks}
    for c_i, corr in enumerate(scenario.correlations):
        members = members_of(scenario, corr, risks)
        for i, a in enumerate(members):
            for j in range(i + 1, len(members)):
                b = members[j]
                if corr.matrix is not None:
                    rho = float(corr.matrix[i][j])
                else:
                    assert corr.coefficient is not None  # check() requires one of the two
                    rho = float(corr.coefficient)
                key = frozenset((a, b))
                if key in pairs and pairs[key][0] != rho:
                    raise ScenarioError(
                        f"{a[1]} and {b[1]} are given two correlations ({pairs[key][0]:g} in "
                        f"correlations[{pairs[key][1]}] and {rho:g})",
                        field=f"correlations[{c_i}]",
                    )
                pairs[key] = (rho, c_i)
    return pairs
