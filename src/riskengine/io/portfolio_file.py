"""Portfolio files (YAML) → :class:`riskengine.portfolio.composition.Portfolio`.

Project scenario files are found relative to the portfolio file; an error inside one is
reported with that file's name and line.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from riskengine.errors import ScenarioError
from riskengine.io._fields import as_date, as_id, as_mapping, as_number
from riskengine.io.inputs import read_input
from riskengine.io.scenario_file import load_scenario, parse_risk, parse_simulation
from riskengine.io.strategy_file import goals_of, parse_kpis, parse_objectives
from riskengine.io.yamlfile import Document, Path_, load_yaml
from riskengine.model.portfolio import Portfolio, ProjectLink, ProjectRef
from riskengine.model.scenario import LINK_TYPES
from riskengine.model.validate import check_references, topological_order
from riskengine.portfolio.composition import builtin_names, compose

TOP_KEYS = (
    "portfolio",
    "start",
    "projects",
    "shared_risks",
    "kpis",
    "objectives",
    "options",
    "simulation",
    "links",
)
PROJECT_KEYS = ("scenario", "start", "after")
AFTER_KEYS = ("milestone", "lag")
PROJECT_LINK_KEYS = ("task", "after", "type", "lag")


_PORTFOLIO_KEY = re.compile(rb"^portfolio\s*:", re.M)


def is_portfolio_file(path: str | Path) -> bool:
    """Whether a YAML file is a portfolio: a top-level ``portfolio:`` key (a cheap look at
    the text, so a big scenario file is not parsed twice). A path that is not a readable
    regular file within the input limit is not read at all: the scenario loader reports
    it."""
    try:
        data = read_input(path)
    except (ScenarioError, ValueError):
        return False
    return _PORTFOLIO_KEY.search(data) is not None


def load_portfolio(path: str | Path) -> Portfolio:
    """Read and validate a portfolio file and its project scenarios.

    Parameters
    ----------
    path : str or pathlib.Path
        A YAML portfolio file (README, "Portfolios"); project files are read relative
        to it.

    Returns
    -------
    Portfolio
        The portfolio, its projects, KPIs, objectives and options, checked across
        projects as well (references, cycles).

    Raises
    ------
    ScenarioError
        For the first problem found, naming the file (the portfolio's or a project's),
        the field and its line.
    """
    doc = load_yaml(path, "portfolio")
    try:
        portfolio = _parse(doc, Path(path).parent)
        whole = compose(portfolio)  # references across projects
        check_references(whole)
        topological_order(whole)  # a cycle across projects
    except ScenarioError as e:
        raise (e if e.file else doc.locate(e)) from None
    return portfolio


def _parse(doc: Document, folder: Path) -> Portfolio:
    if doc.data is None:
        raise doc.error("the file is empty", ())
    top = as_mapping(doc, doc.data, (), TOP_KEYS, "a portfolio")
    name = top.get("portfolio")
    if not isinstance(name, str | int | float) or isinstance(name, bool):
        raise doc.error("must be the portfolio's name", ("portfolio",))
    if top.get("start") is None:
        raise doc.error("a portfolio needs a 'start' date", ())
    start = as_date(doc, top["start"], ("start",))
    raw = top.get("projects")
    if not isinstance(raw, dict) or not raw:
        raise doc.error("must map project ids to {scenario: file.yaml}", ("projects",))
    projects = tuple(
        _project(doc, folder, str(pid), spec, ("projects", str(pid))) for pid, spec in raw.items()
    )
    raw_risks = top.get("shared_risks") or []
    if not isinstance(raw_risks, list):
        raise doc.error("must be a list of risks", ("shared_risks",))
    shared = tuple(parse_risk(doc, r, ("shared_risks", i)) for i, r in enumerate(raw_risks))
    # absent or empty (null) is none at all; [] for a mapping, 0 or "" is a mistake
    raw_kpis = _given(top, "kpis", {})
    if not isinstance(raw_kpis, dict):
        raise doc.error("must map KPI names to definitions", ("kpis",))
    raw_objectives = _given(top, "objectives", [])
    if not isinstance(raw_objectives, list):
        raise doc.error("must be a list of objectives", ("objectives",))
    for i, o in enumerate(raw_objectives):
        oid = o.get("id") if isinstance(o, dict) else None
        if isinstance(oid, str | int) and not isinstance(oid, bool):
            doc.names[("objectives", i)] = str(oid)
    options = _given(top, "options", {})
    if not isinstance(options, dict):
        raise doc.error("must map option names to changes", ("options",))
    portfolio = Portfolio(
        name=str(name),
        start=start,
        projects=projects,
        shared_risks=shared,
        simulation=parse_simulation(doc, top.get("simulation"), ("simulation",)),
        options=dict(options),
        source=doc.file,
        inputs=(doc.file, *(f for p in projects for f in p.scenario.inputs)),
        links=_links(doc, _given(top, "links", [])),
    )
    names = builtin_names(portfolio)
    kpis = parse_kpis(raw_kpis, names)
    objectives = parse_objectives(raw_objectives, names | {k.id for k in kpis})
    goals_of(kpis, objectives)  # an objective against a KPI's own goal is an error here
    return dataclasses.replace(portfolio, kpis=kpis, objectives=objectives)


def _links(doc: Document, raw: Any) -> tuple[ProjectLink, ...]:
    """``links:``, the links between tasks of different projects: ``{task: b.x, after:
    a.y, type: FS, lag: 0}`` (type and lag optional; the lag in working days of the
    successor's calendar)."""
    if not isinstance(raw, list):
        raise doc.error("must be a list of {task: project.task, after: project.task}", ("links",))
    out = []
    for j, entry in enumerate(raw):
        path = ("links", j)
        e = as_mapping(doc, entry, path, PROJECT_LINK_KEYS, "a link")
        for key in ("task", "after"):
            if not isinstance(e.get(key), str) or "." not in e[key]:
                raise doc.error(f"'{key}' must be project.task, e.g. erp.build", (*path, key))
        kind = e.get("type", "FS")
        if kind not in LINK_TYPES:
            raise doc.error(
                f"must be one of {', '.join(LINK_TYPES)}, got {str(kind)[:20]!r}", (*path, "type")
            )
        lag = as_number(doc, e.get("lag", 0), (*path, "lag"), allow_negative=True)
        out.append(ProjectLink(e["task"], e["after"], kind, float(lag)))
    return tuple(out)


def _given(top: dict, key: str, empty: Any) -> Any:
    value = top.get(key)
    return empty if value is None else value


def _project(doc: Document, folder: Path, pid: str, spec: Any, path: Path_) -> ProjectRef:
    as_id(doc, pid, path)
    if "." in pid:
        raise doc.error(f"project id {pid!r} must not contain '.' (it namespaces ids)", path)
    p = as_mapping(doc, spec, path, PROJECT_KEYS, "a project")
    if "scenario" not in p or not isinstance(p["scenario"], str):
        raise doc.error("a project needs 'scenario: file.yaml'", path)
    scenario = load_scenario(folder / p["scenario"])
    start = as_date(doc, p["start"], (*path, "start")) if p.get("start") is not None else None
    raw_after = p.get("after") or []
    if not isinstance(raw_after, list):
        raise doc.error("must be a list of {milestone: project.milestone, lag: days}", path)
    after = []
    for j, a in enumerate(raw_after):
        apath = (*path, "after", j)
        if isinstance(a, str):
            a = {"milestone": a}
        entry = as_mapping(doc, a, apath, AFTER_KEYS, "an 'after' entry")
        ref = entry.get("milestone")
        if not isinstance(ref, str) or "." not in ref:
            raise doc.error("'milestone' must be project.milestone, e.g. erp.golive", apath)
        lag = as_number(doc, entry.get("lag", 0), (*apath, "lag"), allow_negative=True)
        after.append((ref, float(lag)))
    return ProjectRef(pid, scenario, start, tuple(after))
