"""Portfolios: several project scenarios compiled into one network.

Each project's tasks, milestones, risks, calendars and cost items are namespaced with the
project's id (``erp.build``, ``erp.golive``), so cross-project links are ordinary links
and one simulation serves the whole portfolio. A project starts at its own start date
(no task of it starts earlier) and, with ``after``, only once other projects' milestones
are reached (finish-to-start links from the milestone's tasks to the project's first
tasks, with a lag in the project's working days). The portfolio's ``links`` join tasks of
different projects as any link does (a link to or from a project an option leaves out
goes with it). Shared risks are drawn once per iteration and hit every impact they
name.

Every task and cost item of a project is in the cost group named after the project, so
per-project cost comes out of the cost groups.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Any

from riskengine.errors import ScenarioError
from riskengine.model.portfolio import PORTFOLIO_CALENDAR, Portfolio, ProjectRef
from riskengine.model.scenario import (
    STANDARD_CALENDAR,
    Correlation,
    CostItem,
    Impact,
    Link,
    Milestone,
    Risk,
    Scenario,
    Task,
)


def _ns(pid: str, eid: str) -> str:
    return f"{pid}.{eid}"


def _impacts(pid: str, impacts: tuple[Impact, ...]) -> tuple[Impact, ...]:
    return tuple(dataclasses.replace(i, task=_ns(pid, i.task)) for i in impacts)


def _project_parts(
    p: ProjectRef, portfolio_start: _dt.date, milestones: dict[str, Milestone]
) -> tuple[list, list, list, list, list, list]:
    sc = p.scenario
    cal = sc.project_calendar()
    calendars = [dataclasses.replace(c, id=_ns(p.id, c.id)) for c in (sc.calendars or (cal,))]
    start = p.start or sc.start or portfolio_start
    waits: list[Link] = []
    for ref, lag in p.after:
        if ref not in milestones:
            known = ", ".join(sorted(milestones)) or "none"
            raise ScenarioError(
                f"unknown milestone {ref!r} (known: {known})", field=f"projects.{p.id}.after"
            )
        waits += [Link(tid, "FS", lag) for tid in milestones[ref].after]
    tasks = []
    for t in sc.tasks:
        preds = tuple(dataclasses.replace(lk, task=_ns(p.id, lk.task)) for lk in t.predecessors)
        snet = max(start, t.start_no_earlier_than or start)
        spans = t.type != "task"  # a level of effort or WBS summary: dated by other tasks
        if not preds and not spans:
            preds = tuple(waits)
        tasks.append(
            dataclasses.replace(
                t,
                id=_ns(p.id, t.id),
                predecessors=preds,
                calendar=_ns(p.id, t.calendar or cal.id),
                group=p.id,
                start_no_earlier_than=snet if snet > portfolio_start and not spans else None,
                summarises=tuple(_ns(p.id, m) for m in t.summarises),
            )
        )
    ms = [
        dataclasses.replace(m, id=_ns(p.id, m.id), after=tuple(_ns(p.id, a) for a in m.after))
        for m in sc.milestones
    ]
    risks = []
    for r in sc.risks:
        mit = r.mitigation
        if mit is not None:
            mit = dataclasses.replace(mit, impacts=_impacts(p.id, mit.impacts))
        risks.append(
            dataclasses.replace(
                r, id=_ns(p.id, r.id), impacts=_impacts(p.id, r.impacts), mitigation=mit
            )
        )
    corr = [
        dataclasses.replace(
            c,
            tasks=tuple(_ns(p.id, t) for t in c.tasks),
            risks=tuple(_ns(p.id, r) for r in c.risks),
        )
        for c in sc.correlations
    ]
    # a project's own cost items run over the project's duration, not the portfolio's
    items = [
        dataclasses.replace(
            c,
            id=_ns(p.id, c.id),
            group=p.id,
            span=tuple(t.id for t in tasks),
            span_calendar=_ns(p.id, cal.id),
            span_start=start if start > portfolio_start else None,
        )
        for c in sc.costs
    ]
    return tasks, ms, risks, corr, items, calendars


def compose(portfolio: Portfolio, projects: tuple[ProjectRef, ...] | None = None) -> Scenario:
    """The portfolio as one Scenario (every project namespaced; see the module docstring).

    Parameters
    ----------
    portfolio : Portfolio
        Loaded with :func:`riskengine.load_portfolio` or built in Python.
    projects : tuple of ProjectRef, optional
        Replaces the portfolio's list (an option may drop or change some).

    Returns
    -------
    Scenario
        One network: tasks, milestones, risks and cost items named ``project.id``,
        shared risks drawn once, on the portfolio's Monday–Friday calendar.

    Raises
    ------
    ScenarioError
        For a shared risk or an ``after`` that names an unknown task or milestone.
    """
    projects = portfolio.projects if projects is None else projects
    tasks: list[Task] = []
    milestones: list[Milestone] = []
    risks: list[Risk] = []
    correlations: list[Correlation] = []
    items: list[CostItem] = []
    calendars = [dataclasses.replace(STANDARD_CALENDAR, id=PORTFOLIO_CALENDAR)]
    known: dict[str, Milestone] = {}
    # milestones first, so 'after' may name a project listed later in the file
    for p in projects:
        for m in p.scenario.milestones:
            known[_ns(p.id, m.id)] = dataclasses.replace(
                m, after=tuple(_ns(p.id, a) for a in m.after)
            )
    for p in projects:
        p_tasks, p_milestones, p_risks, p_correlations, p_items, p_calendars = _project_parts(
            p, portfolio.start, known
        )
        tasks += p_tasks
        milestones += p_milestones
        risks += p_risks
        correlations += p_correlations
        items += p_items
        calendars += p_calendars
    tasks = _with_links(tasks, portfolio, {p.id for p in projects})
    task_ids = {t.id for t in tasks}
    for r in portfolio.shared_risks:
        for j, imp in enumerate(r.impacts):
            if imp.task not in task_ids:
                raise ScenarioError(
                    f"unknown task {imp.task!r} (tasks are named project.task)",
                    field=f"shared_risks[{r.id}].impacts[{j}].task",
                )
    data_date, logic, lag_calendar = _status(projects)
    return Scenario(
        name=portfolio.name,
        tasks=tuple(tasks),
        milestones=tuple(milestones),
        start=portfolio.start,
        data_date=data_date,
        progress_logic=logic,
        lag_calendar=lag_calendar,
        simulation=portfolio.simulation,
        source=portfolio.source,
        risks=(*risks, *portfolio.shared_risks),
        correlations=tuple(correlations),
        calendars=tuple(calendars),
        calendar=PORTFOLIO_CALENDAR,
        costs=tuple(items),
        inputs=portfolio.inputs,
    )


def _with_links(tasks: list[Task], portfolio: Portfolio, present: set[str]) -> list[Task]:
    """``tasks`` with the portfolio's links between projects added to their successors'
    predecessors, after their own; a link naming a project the portfolio does not have,
    or a task its project does not have, is an error; one to or from a project left out
    (by an option) is left out with it."""
    if not portfolio.links:
        return tasks
    at = {t.id: k for k, t in enumerate(tasks)}
    known = set(portfolio.project_ids)
    out = list(tasks)
    for j, lk in enumerate(portfolio.links):
        ends = (("task", lk.task), ("after", lk.after))
        for name, tid in ends:
            if tid.split(".", 1)[0] not in known or "." not in tid:
                raise ScenarioError(
                    f"{tid!r} is no task of a project of the portfolio (write project.task)",
                    field=f"links[{j}].{name}",
                )
        if not all(tid.split(".", 1)[0] in present for _, tid in ends):
            continue
        for name, tid in ends:
            if tid not in at:
                raise ScenarioError(f"unknown task {tid!r}", field=f"links[{j}].{name}")
        if lk.task.split(".", 1)[0] == lk.after.split(".", 1)[0]:
            raise ScenarioError(
                "links: joins tasks of two projects (a project's own links are in its file)",
                field=f"links[{j}]",
            )
        k = at[lk.task]
        link = Link(lk.after, lk.type, lk.lag)
        out[k] = dataclasses.replace(out[k], predecessors=(*out[k].predecessors, link))
    return out


def _status(projects: tuple[ProjectRef, ...]) -> tuple[_dt.date | None, str, str]:
    """The portfolio's data date, progress logic and lag calendar: a portfolio is
    statused at one date and scheduled with one set of options, so the projects that
    give them must agree (a project without a data date is taken at the portfolio's:
    nothing of it is scheduled before that date)."""
    out: list[Any] = []
    for what, get, default in (
        ("data date", lambda sc: sc.data_date, None),
        ("status.logic", lambda sc: sc.progress_logic if sc.data_date else None, "retained"),
        ("lag_calendar", lambda sc: sc.lag_calendar, "successor"),
    ):
        given = {p.id: get(p.scenario) for p in projects}
        values = {v for v in given.values() if v is not None}
        if len(values) > 1:
            shown = ", ".join(f"{pid}: {v}" for pid, v in given.items() if v is not None)
            raise ScenarioError(
                f"the projects disagree on their {what} ({shown}): a portfolio takes one",
                field="projects",
            )
        out.append(next(iter(values), default))
    data_date, logic, lag_calendar = out
    return data_date, str(logic), str(lag_calendar)


def builtin_names(portfolio: Portfolio) -> set[str]:
    """The quantities a KPI or objective may name before any KPI is defined."""
    names = {"total_cost", *(f"{p.id}.cost" for p in portfolio.projects)}
    for p in portfolio.projects:
        names |= {_ns(p.id, m.id) for m in p.scenario.milestones}
    return names
