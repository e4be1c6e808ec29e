"""A scenario as a scenario file: what an import writes (``riskengine import``, issue 13).

:func:`scenario_document` turns a Scenario into the plain structure the scenario file
format reads (README "Scenario file"), and :func:`scenario_yaml` its text, which the
command line writes in one step (report/outputs.py ``write_atomic``). Reading the file
back gives the same scenario: the tests check that on every real schedule the
importer reads. It writes what an import produces: the network, its calendars, progress,
constraints, milestones, levels of effort and WBS summaries, task costs, groups and
attributes; a scenario with risks, correlations or cost items is refused (those are the
analyst's to add, in the file the import wrote).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import yaml

from riskengine.model.portfolio import ProjectLink
from riskengine.model.scenario import (
    WEEKDAYS,
    Calendar,
    Constraint,
    Convergence,
    Distribution,
    Scenario,
    Task,
)


def _moment(value: _dt.date) -> str:
    """A date, or a date with a time of day (to the minute), as the format writes it."""
    if isinstance(value, _dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    return value.isoformat()


def _distribution(d: Distribution) -> Any:
    """A duration as the format writes it: a number when fixed, else its spec."""
    if d.kind == "fixed":
        return float(d.params["value"])
    return {"dist": d.kind, **d.params}


def _clock(day: tuple[tuple[float, float], ...]) -> str:
    """A clock window, ``08:00-12:00,13:00-17:00``."""

    def hhmm(h: float) -> str:
        minutes = round(h * 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    return ",".join(f"{hhmm(a)}-{hhmm(b)}" for a, b in day)


def _calendar(c: Calendar) -> dict[str, Any]:
    out: dict[str, Any] = {"workdays": [WEEKDAYS[d] for d in c.workdays]}
    if c.holidays:
        out["holidays"] = [d.isoformat() for d in c.holidays]
    if c.extra_workdays:
        out["extra_workdays"] = [d.isoformat() for d in c.extra_workdays]
    out["hours_per_day"] = c.hours_per_day
    if c.hours:
        out["hours"] = {WEEKDAYS[d]: h for d, h in c.hours}
    if c.partial_days:
        out["partial_days"] = {d.isoformat(): h for d, h in c.partial_days}
    out["day"] = _clock(c.day)
    return out


def _constraint(c: Constraint) -> dict[str, Any]:
    """A constraint's ``{type, date}`` (as late as possible has no date)."""
    return {"type": c.kind} if c.date is None else {"type": c.kind, "date": _moment(c.date)}


def _task(t: Task) -> dict[str, Any]:
    out: dict[str, Any] = {"id": t.id}
    if t.name:
        out["name"] = t.name
    if t.type != "task":
        out["type"] = t.type
        if t.summarises:
            out["summarises"] = list(t.summarises)
    elif t.milestone is not None:
        out["milestone"] = t.milestone
    else:
        out["duration"] = _distribution(t.duration)
    if t.calendar is not None:
        out["calendar"] = t.calendar
    if t.predecessors:
        out["predecessors"] = [
            {"task": lk.task, "type": lk.type, "lag": lk.lag}
            if lk.type != "FS" or lk.lag
            else lk.task
            for lk in t.predecessors
        ]
    if t.existence != 1.0:
        out["existence"] = t.existence
    if t.group:
        out["group"] = t.group
    if t.start_no_earlier_than is not None:
        out["constraint"] = {"start_no_earlier_than": t.start_no_earlier_than.isoformat()}
    elif t.constraints:
        first, *rest = t.constraints
        c: dict[str, Any] = _constraint(first)
        if rest:
            c["secondary"] = _constraint(rest[0])
        out["constraint"] = c
    if t.actual_start is not None:
        out["actual_start"] = _moment(t.actual_start)
    if t.actual_finish is not None:
        out["actual_finish"] = _moment(t.actual_finish)
    if t.remaining is not None:
        out["remaining"] = _distribution(t.remaining)
    if t.cost is not None:
        parts = {"fixed": t.cost.fixed, "per_day": t.cost.per_day}
        out["cost"] = {k: _distribution(d) for k, d in parts.items() if d is not None}
    if t.actual_cost is not None:
        out["actual_cost"] = t.actual_cost
    if t.attributes:
        out["attributes"] = dict(t.attributes)
    return out


def _convergence(c: Convergence) -> dict[str, Any]:
    """``simulation.convergence``: every setting, the tolerance in working days."""
    out: dict[str, Any] = {"p": list(c.p), "tolerance": c.tolerance}
    if c.cost_tolerance is not None:
        out["cost_tolerance"] = c.cost_tolerance
    out.update(confidence=c.confidence, max_iterations=c.max_iterations, block=c.block)
    return out


def scenario_document(sc: Scenario) -> dict[str, Any]:
    """The scenario as the plain structure of a scenario file."""
    if sc.risks or sc.correlations or sc.costs:
        raise ValueError(
            "the writer holds an imported network: no risks, correlations or cost items"
        )
    doc: dict[str, Any] = {"name": sc.name}
    if sc.start is not None:
        doc["start"] = _moment(sc.start)
    if sc.finish_by is not None:
        doc["finish_by"] = _moment(sc.finish_by)
    if sc.data_date is not None or sc.progress_logic != "retained":
        status: dict[str, Any] = {"logic": sc.progress_logic}
        if sc.data_date is not None:
            status["data_date"] = _moment(sc.data_date)
        doc["status"] = status
    if sc.simulation.constraints != "soft":
        doc["simulation"] = {"constraints": sc.simulation.constraints}
    if sc.simulation.convergence is not None:
        doc.setdefault("simulation", {})["convergence"] = _convergence(sc.simulation.convergence)
    if sc.calendars:
        doc["calendars"] = {c.id: _calendar(c) for c in sc.calendars}
    if sc.calendar is not None:
        doc["calendar"] = sc.calendar
    if sc.lag_calendar != "successor":
        doc["lag_calendar"] = sc.lag_calendar
    doc["tasks"] = [_task(t) for t in sc.tasks]
    if sc.milestones:
        doc["milestones"] = [
            {"id": m.id, "after": list(m.after), **({"name": m.name} if m.name else {})}
            for m in sc.milestones
        ]
    return doc


def scenario_yaml(sc: Scenario, header: str = "") -> str:
    """The scenario file's text (``header`` as comment lines on top)."""
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    body = yaml.safe_dump(scenario_document(sc), sort_keys=False, allow_unicode=True, width=100)
    return comment + body


def portfolio_yaml(
    name: str,
    start: _dt.date,
    files: dict[str, str],
    header: str = "",
    links: tuple[ProjectLink, ...] = (),
) -> str:
    """A portfolio file's text listing project scenario ``files`` by project id (README
    "Portfolios"), each project starting on its own file's start; ``start`` is the
    portfolio's (the earliest of them); ``links`` join tasks of different projects."""
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    projects = {pid: {"scenario": f} for pid, f in files.items()}
    doc: dict[str, Any] = {"portfolio": name, "start": _moment(start), "projects": projects}
    if links:
        doc["links"] = [
            {"task": lk.task, "after": lk.after}
            | ({"type": lk.type} if lk.type != "FS" else {})
            | ({"lag": lk.lag} if lk.lag else {})
            for lk in links
        ]
    return comment + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
