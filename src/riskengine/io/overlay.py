"""Uncertainty on top of an imported schedule: a scenario file's ``schedule:`` and its
``uncertainty:`` rules and ``estimates:`` (README "Uncertainty on an imported schedule").

The schedule (a P6 ``.xer`` or MS Project ``.xml`` file, named relative to the scenario
file) is imported as ``riskengine import`` would; each activity that is not finished then
gets a distribution for the work it has left (its remaining duration when started, its
planned duration when not): from the last rule whose ``match`` it meets, or from its
explicit estimate, which overrides every rule. A rule's parameters are percentages of
that duration (``90%``) or, all of them, absolute durations (``2d``, ``16h``, a number of
working days). The analyst's file stays valid when next month's schedule replaces this
one: new activities get the rules, and what the overlay names that is gone is reported
(:class:`OverlayReport`).

Everything here is about the schedule's activities; the rest of the file (risks,
milestones, correlations, status, simulation) is read by io/scenario_file.py as for any
scenario, then checked against the schedule's ids here (:func:`check_ids`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from riskengine.errors import ScenarioError, show
from riskengine.io._fields import as_mapping, kind_of
from riskengine.io.p6import import ImportReport
from riskengine.io.schedule_import import IMPORTERS, import_schedule
from riskengine.io.yamlfile import Document, Path_
from riskengine.model.distributions import (
    _DURATION_KEYS,
    KINDS,
    WITH_UNIT,
    Distribution,
    Units,
    most_likely,
    parse_distribution,
)
from riskengine.model.scenario import (
    STANDARD_CALENDAR,
    Correlation,
    Milestone,
    Risk,
    Scenario,
    Task,
    calendar_units,
)

SCHEDULE_KEYS = ("file", "project")
# what a rule's ``match`` reads from the task itself; any other key is an attribute
TASK_MATCH_KEYS = ("id", "name", "calendar", "type", "duration")
_PERCENT = re.compile(r"^\s*([+]?(?:\d+\.?\d*|\.\d+))\s*%\s*$")
_BAND = re.compile(r"^\s*([0-9][^\s]*?)?\s*\.\.\s*([0-9][^\s]*)?\s*$")
SHOWN = 5  # ids listed in a warning before "and N more"
# an explicit estimate: its spec as written, its path in the file, whether in percentages
Estimate = tuple[dict[str, Any], Path_, bool]


@dataclass(frozen=True)
class Rule:
    """One entry of ``uncertainty:``: what it matches (key → glob patterns, any of which
    may match), its duration band in working days (text bounds, converted through each
    activity's calendar) and its distribution spec as written."""

    where: Path_
    patterns: tuple[tuple[str, tuple[str, ...]], ...]
    band: tuple[str | None, str | None] | None
    spec: dict[str, Any]
    percent: bool  # its duration parameters are percentages (else absolute)


@dataclass
class OverlayReport:
    """How an overlay applied to its schedule: the schedule file and its import report,
    what each activity's uncertainty came from (``sources``: id → ``uncertainty[2]`` or
    ``estimates``), the activities left fixed because nothing matched them
    (``unmatched``), the rules that matched no activity (``unused_rules``, each with its
    line), estimates naming activities the schedule does not hold (``vanished``) or that
    are finished (``finished``: ignored, as finished work has nothing left to vary).

    Attributes
    ----------
    schedule : str
        The schedule file the overlay names.
    imported : ImportReport
        Its import report.
    sources : dict of str to str
        Activity id -> the rule (``uncertainty[2]``) or ``estimates`` its uncertainty
        came from.
    unmatched : list of str
        Activities with work left that no rule or estimate gave uncertainty.
    unused_rules : list of str
        The rules that matched no activity, each with its line.
    vanished : list of str
        Estimates naming activities the schedule does not hold.
    finished : list of str
        Estimates on finished activities (ignored).
    """

    schedule: str
    imported: ImportReport
    sources: dict[str, str] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    unused_rules: list[str] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)

    def warnings(self) -> list[str]:
        """One line for each thing the analyst should know (the CLI prints them as
        ``warning: …``; :func:`riskengine.io.scenario_file.load_scenario` issues them as
        RiskEngineWarning)."""
        name = Path(self.schedule).name
        out = [f"schedule {name}: {w}" for w in self.imported.warnings]
        lost = sum(len(loss.items) for loss in self.imported.losses.values())
        if lost:
            out.append(
                f"schedule {name}: {lost} items mapped approximately or left out "
                f"(riskengine import {name} lists them)"
            )
        if self.unmatched:
            out.append(
                f"no uncertainty rule matched {_count(self.unmatched, 'activity', 'activities')}"
                f" of {name} (durations left fixed): {_listed(self.unmatched)}"
            )
        out += self.unused_rules
        if self.vanished:
            out.append(
                f"estimates name {_count(self.vanished, 'activity', 'activities')} not in {name}"
                f" (gone from this update?), ignored: {_listed(self.vanished)}"
            )
        if self.finished:
            out.append(f"estimates on finished activities are ignored: {_listed(self.finished)}")
        return out


def _count(items: list[str], one: str, many: str) -> str:
    return f"{len(items)} {one if len(items) == 1 else many}"


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def read_schedule(doc: Document, raw: Any) -> tuple[Scenario, ImportReport]:
    """The schedule ``schedule:`` names (``plant.xer``, or ``{file: plant.xer, project:
    ID}``), relative to the scenario file, imported. A missing file or one of another
    kind is this file's error; a broken schedule is the schedule file's (its line)."""
    path: Path_ = ("schedule",)
    project = None
    if isinstance(raw, Mapping):
        s = as_mapping(doc, raw, path, SCHEDULE_KEYS, "'schedule'")
        if s.get("project") is not None:
            if not isinstance(s["project"], str | int) or isinstance(s["project"], bool):
                raise doc.error(
                    f"must be a project id, got {kind_of(s['project'])}", (*path, "project")
                )
            project = str(s["project"])
        raw = s.get("file")
        path = (*path, "file")
    if not isinstance(raw, str) or not raw:
        raise doc.error(
            f"must name a schedule file (.xer or .xml) or be {{file: …, project: …}}; got "
            f"{kind_of(raw)}",
            path,
        )
    if Path(raw).suffix.lower() not in IMPORTERS:
        raise doc.error(f"{show(raw)} is not a schedule file riskengine reads (.xer or .xml)", path)
    file = Path(doc.file).parent / raw
    if not file.is_file():
        raise doc.error(f"no such file: {file}", path)
    return import_schedule(file, project)


def parse_rules(doc: Document, raw: Any, units: Units) -> list[Rule]:
    """The ``uncertainty:`` list, each rule checked as far as it can be without an
    activity: its match keys and patterns, its band, and its distribution as of a
    100-day activity on the project calendar (``units``), so ``min: 130%, max: 90%`` is
    an error here, not at the first activity it matches."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise doc.error("must be a list of rules {match: …, dist: …}", ("uncertainty",))
    return [_rule(doc, r, ("uncertainty", i), units) for i, r in enumerate(raw)]


def _rule(doc: Document, raw: Any, path: Path_, units: Units) -> Rule:
    if not isinstance(raw, Mapping):
        raise doc.error(
            f"a rule must be a mapping {{match: …, dist: …, min: …}}, got {kind_of(raw)}", path
        )
    spec = {k: v for k, v in raw.items() if k != "match"}
    if "dist" not in spec:
        raise doc.error(f"a rule needs 'dist' (one of {', '.join(KINDS)})", path)
    match = raw.get("match") or {}
    if not isinstance(match, Mapping):
        raise doc.error(
            f"must map keys to patterns, e.g. {{wbs: '1.2.*'}}; got {kind_of(match)}",
            (*path, "match"),
        )
    patterns: list[tuple[str, tuple[str, ...]]] = []
    band = None
    for key, value in match.items():
        kpath = (*path, "match", str(key))
        if not isinstance(key, str):
            raise doc.error(f"a match key must be text, got {show(key)}", kpath)
        if key == "duration":
            band = _band(doc, value, kpath)
        else:
            patterns.append((key, _patterns(doc, value, kpath)))
    percent = _percent_form(doc, spec, path)
    _resolve(doc, spec, path, 100.0, units, percent, "")  # the checks above
    return Rule(path, tuple(patterns), band, dict(spec), percent)


def _patterns(doc: Document, value: Any, path: Path_) -> tuple[str, ...]:
    """A match value: a glob pattern (``1.2.*``, ``A1?0``), a number taken as its text,
    or a list of them (any may match)."""
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, str | int | float) or v == "":
            raise doc.error(
                f"must be a pattern (text, e.g. '1.2.*') or a list of them, got {kind_of(v)}",
                path,
            )
        out.append(str(v))
    if not out:
        raise doc.error("must list at least one pattern", path)
    return tuple(out)


def _band(doc: Document, value: Any, path: Path_) -> tuple[str | None, str | None]:
    """A duration band ``10d..40d`` (either end may be left out: ``..5d``, ``20d..``):
    bounds in working days, or with a unit of the activity's calendar; both included."""
    m = _BAND.match(value) if isinstance(value, str) else None
    if m is None or (m[1] is None and m[2] is None):
        raise doc.error(
            f"must be a band of working days such as '10d..40d', '..5d' or '20d..', got "
            f"{show(value)}",
            path,
        )
    for bound in (m[1], m[2]):
        if bound is not None:
            _days(doc, bound, path, Units())
    return m[1], m[2]


def _days(doc: Document, text: str, path: Path_, units: Units) -> float:
    """A band bound: a number of working days, or a duration with a unit."""
    try:
        return units.days(_with_unit(text), "")
    except ScenarioError:
        raise doc.error(
            f"cannot read {show(text)} as working days (write e.g. 10, 10d, 2w or 16h)", path
        ) from None


def _percent_form(doc: Document, spec: Mapping[str, Any], path: Path_) -> bool:
    """Whether the duration parameters of ``spec`` are percentages (all of them) or
    absolute (none of them): a mix would give min above max on some activity."""
    kinds = set()
    for key, value in spec.items():
        if key in _DURATION_KEYS:
            kinds.add(isinstance(value, str) and bool(_PERCENT.match(value)))
        elif key == "values" and isinstance(value, list):
            kinds.update(isinstance(v, str) and bool(_PERCENT.match(v)) for v in value)
    if len(kinds) > 1:
        raise doc.error(
            "give every duration parameter as a percentage (90%) or every one as a duration"
            " (2d, 16h, a number of working days), not a mix",
            path,
        )
    return kinds == {True}


def _resolve(
    doc: Document,
    spec: Mapping[str, Any],
    path: Path_,
    base: float,
    units: Units,
    percent: bool,
    activity: str,
) -> Distribution:
    """The distribution ``spec`` gives an activity of ``base`` working days left on a
    calendar of ``units``: percentages taken of ``base``; the error names the rule (or
    estimate) at ``path`` and, when given, the ``activity``."""
    resolved: dict[str, Any] = {}
    for key, value in spec.items():
        if percent and key in _DURATION_KEYS:
            value = _share(doc, value, (*path, key), base)
        elif percent and key == "values" and isinstance(value, list):
            value = [_share(doc, v, (*path, key, j), base) for j, v in enumerate(value)]
        resolved[key] = value
    try:
        return parse_distribution(resolved, "", units=units)
    except ScenarioError as e:
        where = doc.field(path) + (e.field or "")
        what = f"for activity {activity} ({base:g} working days): " if activity else ""
        raise doc.locate(ScenarioError(what + e.message, field=where)) from None


def _share(doc: Document, value: Any, path: Path_, base: float) -> float:
    m = _PERCENT.match(value) if isinstance(value, str) else None
    if m is None:
        raise doc.error(f"must be a percentage such as 90%, got {show(value)}", path)
    return float(m[1]) * base / 100.0


def parse_estimates(doc: Document, raw: Any, units: Units) -> dict[str, Estimate]:
    """``estimates: {A1010: {dist: pert, min: 4, mode: 5, max: 9}, A1020: [4, 5, 9]}``:
    activity id → (its spec, its path, whether in percentages). A spec is what a task's
    duration takes (a number, ``[min, mode, max]``, ``{dist: …}``), with percentages of
    the activity's remaining duration allowed as in a rule."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise doc.error(
            f"must map activity ids to distributions, e.g. {{A1010: [4, 5, 9]}}; got "
            f"{kind_of(raw)}",
            ("estimates",),
        )
    out: dict[str, Estimate] = {}
    for key, spec in raw.items():
        path: Path_ = ("estimates", str(key))
        if isinstance(spec, list) and len(spec) == 3:
            spec = {"dist": "triangular", "min": spec[0], "mode": spec[1], "max": spec[2]}
        if not isinstance(spec, Mapping):
            spec = {"dist": "fixed", "value": spec}
        percent = _percent_form(doc, spec, path)
        _resolve(doc, spec, path, 100.0, units, percent, "")
        out[str(key)] = (dict(spec), path, percent)
    return out


def _matches(rule: Rule, t: Task, attrs: Mapping[str, str], base: float, units: Units) -> bool:
    for key, patterns in rule.patterns:
        value = _match_value(key, t, attrs)
        if value is None or not any(fnmatchcase(value, p) for p in patterns):
            return False
    if rule.band is not None:
        low, high = rule.band
        if low is not None and base < units.days(_with_unit(low), ""):
            return False
        if high is not None and base > units.days(_with_unit(high), ""):
            return False
    return True


def _with_unit(bound: str) -> str:
    """A band bound as text with a unit (a bare number is working days)."""
    return bound if WITH_UNIT.match(bound) else f"{bound}d"


def _match_value(key: str, t: Task, attrs: Mapping[str, str]) -> str | None:
    """What ``key`` of a rule's match reads from ``t``: its id, name or calendar, its
    type (the ``type`` attribute, else its level of effort or WBS summary kind, task or
    the kind of milestone), else the attribute
    of that name (None: the task has none, and the rule does not match it)."""
    if key == "id":
        return t.id
    if key == "name":
        return t.name
    if key == "calendar":
        return t.calendar or ""
    if key == "type" and "type" not in attrs:
        if t.type != "task":
            return t.type
        return f"{t.milestone} milestone" if t.milestone else "task"
    return attrs.get(key)


def _left(t: Task) -> tuple[str, float] | None:
    """The field the uncertainty goes on and its working days now: ``remaining`` of a
    task in progress that has one, else ``duration``; None for a finished task."""
    if t.actual_finish is not None:
        return None
    if t.actual_start is not None and t.remaining is not None:
        return "remaining", most_likely(t.remaining)
    return "duration", most_likely(t.duration)


def apply_overlay(
    doc: Document,
    scenario: Scenario,
    rules: list[Rule],
    estimates: dict[str, Estimate],
    report: OverlayReport,
) -> tuple[Task, ...]:
    """The schedule's tasks with the overlay's distributions on the work each has left;
    ``report`` records where each came from and what did not apply. A rule counts as
    matching the activities it could apply to (not finished, with work left), whether
    or not a later rule or an estimate overrides it there."""
    units = {c.id: calendar_units(c, f"calendars.{c.id}.hours") for c in scenario.calendars}
    project = units.get(scenario.calendar or "", calendar_units(STANDARD_CALENDAR, "calendar"))
    used = [False] * len(rules)
    cache: dict[tuple[int, float, Units], Distribution] = {}
    out = []
    for t in scenario.tasks:
        left = _left(t)
        own = units.get(t.calendar or "", project)
        chosen = None
        if left is not None and t.milestone is None and left[1] > 0:
            attrs = t.attrs
            for i in range(len(rules) - 1, -1, -1):  # the last rule that matches wins
                if _matches(rules[i], t, attrs, left[1], own):
                    chosen = i
                    break
            for i in range(chosen or 0):  # the rules it overrides, for the report
                if not used[i] and _matches(rules[i], t, attrs, left[1], own):
                    used[i] = True
            if chosen is None:
                if t.id not in estimates:
                    report.unmatched.append(t.id)
            else:
                used[chosen] = True
        if t.id in estimates:
            spec, path, percent = estimates[t.id]
            if t.milestone is not None:
                raise doc.error(f"{t.id} is a {t.milestone} milestone: it takes no time", path)
            if t.type != "task":
                raise doc.error(f"{t.id} is a {t.type}: its dates come from other tasks", path)
            if left is None:
                report.finished.append(t.id)
                out.append(t)
                continue
            report.sources[t.id] = "estimates"
            out.append(_with(t, left[0], _resolve(doc, spec, path, left[1], own, percent, t.id)))
        elif chosen is not None and left is not None:
            key = (chosen, left[1], own)
            if key not in cache:
                rule = rules[chosen]
                cache[key] = _resolve(doc, rule.spec, rule.where, left[1], own, rule.percent, t.id)
            report.sources[t.id] = doc.field(rules[chosen].where)
            out.append(_with(t, left[0], cache[key]))
        else:
            out.append(t)  # finished, nothing left to vary, or no rule for it
    ids = {t.id for t in scenario.tasks}
    report.vanished = [tid for tid in estimates if tid not in ids]
    keys = sorted({k for t in scenario.tasks for k, _ in t.attributes})
    name = Path(report.schedule).name
    for i, rule in enumerate(rules):
        if not used[i]:
            report.unused_rules.append(_unused(doc, rule, keys, name))
    return tuple(out)


def _with(t: Task, part: str, d: Distribution) -> Task:
    """``t`` with ``d`` as its ``remaining`` or its ``duration`` (``part``)."""
    if part == "remaining":
        return dataclasses.replace(t, remaining=d)
    return dataclasses.replace(t, duration=d)


def _unused(doc: Document, rule: Rule, keys: list[str], schedule: str) -> str:
    """The line for a rule that matched nothing; a key no activity has is named."""
    line = doc.line(rule.where)
    text = doc.field(rule.where) + (f" (line {line})" if line else "")
    text += f" matched no activity of {schedule}"
    missing = [k for k, _ in rule.patterns if k not in TASK_MATCH_KEYS and k not in keys]
    if missing:
        text += (
            f": no activity has the attribute {missing[0]!r} (the schedule's: "
            f"{', '.join(keys) or 'none'})"
        )
    return text


def check_ids(
    doc: Document,
    ids: set[str],
    schedule: str,
    risks: tuple[Risk, ...],
    milestones: tuple[Milestone, ...],
    correlations: tuple[Correlation, ...],
) -> None:
    """Raise the located error for a risk impact, milestone or correlation (of the
    scenario file's lists, in their order) that names an activity the schedule does not
    hold: an overlay written for last month's schedule must be corrected, not run without
    the risk or milestone it meant."""
    name = Path(schedule).name

    def check(tid: str, path: Path_) -> None:
        if tid not in ids:
            raise doc.error(
                f"{show(tid)} is not an activity of {name} (gone from this update?)", path
            )

    for i, r in enumerate(risks):
        for j, imp in enumerate(r.impacts):
            check(imp.task, ("risks", i, "impacts", j, "task"))
        for j, imp in enumerate(r.mitigation.impacts if r.mitigation else ()):
            check(imp.task, ("risks", i, "mitigation", "impacts", j, "task"))
    for i, m in enumerate(milestones):
        for j, tid in enumerate(m.after):
            check(tid, ("milestones", i, "after", j))
    for i, c in enumerate(correlations):
        for j, tid in enumerate(c.tasks):
            check(tid, ("correlations", i, "tasks", j))
