"""The ``options:`` section of a portfolio file, parsed into
:class:`~riskengine.model.portfolio.Option` patches (include or exclude projects, shift
starts, scale durations or rates, add costs, mitigate risks, override estimates)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskengine.errors import ScenarioError, check_keys, did_you_mean, show
from riskengine.io._fields import checked_date, checked_name, checked_number
from riskengine.model.distributions import parse_distribution
from riskengine.model.portfolio import Option, Portfolio
from riskengine.portfolio.composition import compose

OPTION_KEYS = (
    "include",
    "exclude",
    "start",
    "scale_durations",
    "scale_rates",
    "add_cost",
    "mitigate",
    "override",
)


BASELINE = "baseline"


def _names(value: Any, known: set[str], field: str, what: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ScenarioError(f"must be a list of {what}", field=field)
    names = tuple(checked_name(item, field, f"each of the {what}") for item in items)
    for name in names:
        if name not in known:
            hint = did_you_mean(name, known)
            raise ScenarioError(f"no {what[:-1]} {show(name)}{hint}", field=field)
    return names


def _per_project(value: Any, projects: set[str], field: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ScenarioError("must map project ids to values", field=field)
    return dict(zip(_names(list(value), projects, field, "projects"), value.values(), strict=True))


def _factors(spec: Mapping[str, Any], key: str, projects: set[str], field: str) -> dict:
    """``{project: factor}``, every factor a finite number above zero."""
    out = {}
    for p, v in _per_project(spec.get(key, {}), projects, f"{field}.{key}").items():
        out[p] = checked_number(v, f"{field}.{key}.{p}", positive=True)
        if out[p] == 0:
            raise ScenarioError("must be above zero, got 0", field=f"{field}.{key}.{p}")
    return out


def parse_options(portfolio: Portfolio) -> tuple[Option, ...]:
    """The portfolio's options, ``baseline`` first (an empty one when not given)."""
    projects = set(portfolio.project_ids)
    whole = compose(portfolio)
    risks = {r.id for r in whole.risks}
    tasks = {t.id for t in whole.tasks}
    raw = {checked_name(k, "options", "an option name"): v for k, v in portfolio.options.items()}
    raw.setdefault(BASELINE, {})
    out = []
    for name, spec in raw.items():
        field = f"options.{name}"
        spec = {} if spec is None else spec
        if not isinstance(spec, Mapping):
            raise ScenarioError("an option is a mapping of changes (or {})", field=field)
        check_keys(spec, OPTION_KEYS, field)
        starts = {
            p: checked_date(v, f"{field}.start.{p}")
            for p, v in _per_project(spec.get("start", {}), projects, f"{field}.start").items()
        }
        costs = {
            p: checked_number(v, f"{field}.add_cost.{p}", positive=True)
            for p, v in _per_project(
                spec.get("add_cost", {}), projects, f"{field}.add_cost"
            ).items()
        }
        override = spec.get("override", {})
        if not isinstance(override, Mapping):
            raise ScenarioError("must map task ids to estimates", field=f"{field}.override")
        override_ids = _names(list(override), tasks, f"{field}.override", "tasks")
        out.append(
            Option(
                name=name,
                exclude=_excluded(spec, portfolio.project_ids, field),
                start=starts,
                scale_durations=_factors(spec, "scale_durations", projects, field),
                scale_rates=_factors(spec, "scale_rates", projects, field),
                add_cost=costs,
                mitigate=_names(spec.get("mitigate", []), risks, f"{field}.mitigate", "risks"),
                override={
                    t: parse_distribution(d, f"{field}.override.{t}")
                    for t, d in zip(override_ids, override.values(), strict=True)
                },
            )
        )
    out.sort(key=lambda o: o.name != BASELINE)
    return tuple(out)


def _excluded(spec: Mapping[str, Any], project_ids: tuple[str, ...], field: str) -> tuple:
    """The projects an option leaves out (``exclude``, or all but ``include``); leaving
    out every project is an error, not an empty option that beats every other."""
    known = set(project_ids)
    if "include" in spec:
        if "exclude" in spec:
            raise ScenarioError("give include or exclude, not both", field=field)
        keep = _names(spec["include"], known, f"{field}.include", "projects")
        if not keep:
            raise ScenarioError("must name at least one project", field=f"{field}.include")
        return tuple(p for p in project_ids if p not in keep)
    exclude = _names(spec.get("exclude", []), known, f"{field}.exclude", "projects")
    if known <= set(exclude):
        raise ScenarioError(
            "excludes every project: an option keeps at least one", field=f"{field}.exclude"
        )
    return exclude
