"""The ``kpis:`` and ``objectives:`` sections of a portfolio file, parsed into
:class:`~riskengine.model.portfolio.Kpi` and :class:`~riskengine.model.portfolio.Objective`
(expressions checked, KPIs ordered so each comes after those it uses)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskengine.errors import ScenarioError, check_keys, did_you_mean, short_list, show
from riskengine.io._fields import checked_date, checked_name, checked_number
from riskengine.model.distributions import parse_distribution
from riskengine.model.portfolio import Benefit, Goal, Kpi, Objective
from riskengine.portfolio.expr import parse_expression

BENEFIT_KEYS = ("starts_at", "per_month", "ramp_months", "window", "discount_rate")


OBJECTIVE_KEYS = ("id", "milestone", "by", "kpi", "at_least", "at_most")


KPI_KEYS = ("expression", "benefit", "goal")


GOALS = {"max": "higher is better", "min": "lower is better"}


def _unknown(name: str, known: Mapping[str, Any] | set[str], field: str) -> ScenarioError:
    return ScenarioError(f"unknown quantity {show(name)}{did_you_mean(name, known)}", field=field)


def parse_kpis(raw: Mapping[str, Any], builtins: set[str]) -> tuple[Kpi, ...]:
    """KPIs from a portfolio's ``kpis`` mapping, in an order where each comes after the
    KPIs it uses; ``builtins`` are the quantities the simulation provides. A KPI is an
    expression (text), or a mapping with ``expression`` or ``benefit`` and, optionally,
    ``goal: max|min``."""
    kpis: dict[str, Kpi] = {}
    for name, spec in raw.items():
        name = checked_name(name, "kpis", "a KPI name")
        field = f"kpis.{name}"
        if name in builtins:
            raise ScenarioError(f"{show(name)} is already a built-in quantity", field=field)
        kpis[name] = _kpi(name, spec, field)
    known = builtins | set(kpis)
    for k in kpis.values():
        if k.benefit is not None and k.benefit.starts_at not in builtins:
            raise _unknown(k.benefit.starts_at, builtins, f"kpis.{k.id}.benefit.starts_at")
        for used in k.expression.names if k.expression else ():
            if used not in known:
                raise _unknown(used, known, f"kpis.{k.id}")
    return _ordered(kpis)


def _kpi(name: str, spec: Any, field: str) -> Kpi:
    if isinstance(spec, str):
        return Kpi(name, expression=parse_expression(spec, field=field))
    if not isinstance(spec, Mapping) or len({"expression", "benefit"} & set(spec)) != 1:
        raise ScenarioError(
            "a KPI is an expression (text), {expression: text, goal: max|min} or "
            "{benefit: {starts_at, per_month, ramp_months, window}, goal: max|min}",
            field=field,
        )
    check_keys(spec, KPI_KEYS, field)
    goal = spec.get("goal")
    if goal is not None and (not isinstance(goal, str) or goal not in GOALS):
        raise ScenarioError(
            f"goal is max (higher is better) or min (lower is better), got {show(goal)}",
            field=f"{field}.goal",
        )
    if "benefit" in spec:
        return Kpi(name, benefit=_benefit(spec["benefit"], f"{field}.benefit"), goal=goal)
    expression = parse_expression(spec["expression"], field=f"{field}.expression")
    return Kpi(name, expression=expression, goal=goal)


def _ordered(kpis: dict[str, Kpi]) -> tuple[Kpi, ...]:
    """Each KPI after the KPIs it uses (depth first, in file order). A loop with an
    explicit stack, not recursion: a valid chain may be thousands of KPIs long."""
    order: list[Kpi] = []
    done: set[str] = set()
    for root in kpis:
        if root in done:
            continue
        stack = [(root, iter(_uses(kpis[root], kpis)))]
        on_path = {root}
        while stack:
            kid, uses = stack[-1]
            for used in uses:
                if used in on_path:
                    path = [k for k, _ in stack]
                    loop = [*path[path.index(used) :], used]
                    raise ScenarioError(
                        f"KPIs depend on each other in a cycle: {short_list(loop)}", field="kpis"
                    )
                if used not in done:
                    stack.append((used, iter(_uses(kpis[used], kpis))))
                    on_path.add(used)
                    break
            else:
                stack.pop()
                on_path.discard(kid)
                done.add(kid)
                order.append(kpis[kid])
    return tuple(order)


def _uses(k: Kpi, kpis: Mapping[str, Kpi]) -> list[str]:
    return sorted(n for n in k.expression.names if n in kpis) if k.expression else []


def _benefit(spec: Any, field: str) -> Benefit:
    if not isinstance(spec, Mapping):
        raise ScenarioError("must be a mapping", field=field)
    check_keys(spec, BENEFIT_KEYS, field)
    for key in ("starts_at", "per_month", "window"):
        if key not in spec:
            raise ScenarioError(f"a benefit needs {key!r}", field=field)
    window = spec["window"]
    if not isinstance(window, list) or len(window) != 2:
        raise ScenarioError("must be [first date, last date]", field=f"{field}.window")
    w0 = checked_date(window[0], f"{field}.window[0]")
    w1 = checked_date(window[1], f"{field}.window[1]")
    if w1 < w0:
        raise ScenarioError(f"the window ends ({w1}) before it starts ({w0})", field=field)
    per_month = spec["per_month"]
    if isinstance(per_month, Mapping):
        per_month = parse_distribution(per_month, f"{field}.per_month", signed=True)
    else:
        per_month = checked_number(per_month, f"{field}.per_month")
    rate = spec.get("discount_rate")
    if rate is not None:
        rate = checked_number(rate, f"{field}.discount_rate", positive=True)
        if rate > 1:
            raise ScenarioError(
                f"a yearly rate as a fraction (0.08 for 8 %), got {rate}",
                field=f"{field}.discount_rate",
            )
    return Benefit(
        starts_at=checked_name(spec["starts_at"], f"{field}.starts_at", "starts_at"),
        per_month=per_month,
        ramp_months=checked_number(
            spec.get("ramp_months", 0), f"{field}.ramp_months", positive=True
        ),
        window=(w0, w1),
        discount_rate=rate,
    )


def parse_objectives(raw: list[Any], quantities: set[str]) -> tuple[Objective, ...]:
    """The ``objectives:`` list: each a milestone ``by`` a date or a KPI ``at_least`` or
    ``at_most`` a number, naming only ``quantities`` (milestones and KPIs defined)."""
    out: list[Objective] = []
    seen: set[str] = set()
    for i, spec in enumerate(raw):
        field = f"objectives[{i}]"
        if not isinstance(spec, Mapping) or "id" not in spec:
            raise ScenarioError("an objective is a mapping with an 'id'", field=field)
        oid = checked_name(spec["id"], f"{field}.id", "an objective id")
        field = f"objectives[{oid}]"
        check_keys(spec, OBJECTIVE_KEYS, field)
        if oid in seen:
            raise ScenarioError(f"duplicate objective id {show(oid)}", field=field)
        seen.add(oid)
        if "milestone" in spec:
            if "by" not in spec or {"kpi", "at_least", "at_most"} & set(spec):
                raise ScenarioError("a milestone objective is {milestone, by: date}", field=field)
            ms = checked_name(spec["milestone"], f"{field}.milestone", "milestone")
            if ms not in quantities:
                raise _unknown(ms, quantities, f"{field}.milestone")
            out.append(Objective(oid, milestone=ms, by=checked_date(spec["by"], f"{field}.by")))
        elif "kpi" in spec:
            if "by" in spec:
                raise ScenarioError(
                    "'by' is for milestone objectives; a KPI objective has at_least or at_most",
                    field=f"{field}.by",
                )
            bounds = [k for k in ("at_least", "at_most") if k in spec]
            if len(bounds) != 1:
                raise ScenarioError("a KPI objective has one of at_least or at_most", field=field)
            kpi = checked_name(spec["kpi"], f"{field}.kpi", "kpi")
            if kpi not in quantities:
                raise _unknown(kpi, quantities, f"{field}.kpi")
            value = checked_number(spec[bounds[0]], f"{field}.{bounds[0]}")
            if bounds[0] == "at_least":
                out.append(Objective(oid, kpi=kpi, at_least=value))
            else:
                out.append(Objective(oid, kpi=kpi, at_most=value))
        else:
            raise ScenarioError("an objective names a 'milestone' or a 'kpi'", field=field)
    return tuple(out)


def goals_of(kpis: tuple[Kpi, ...], objectives: tuple[Objective, ...]) -> tuple[Goal, ...]:
    """The goals (module docstring): first the quantities objectives name, in objective
    order, then the other KPIs marked ``goal:``. A quantity with objectives in both
    directions (a band) is no goal; an objective against a KPI's own ``goal`` is an
    error."""
    marked = {k.id: k.goal for k in kpis if k.goal is not None}
    wanted: dict[str, set[str]] = {}
    for o in objectives:
        if o.kpi is None:
            continue
        direction = "max" if o.at_least is not None else "min"
        mark = marked.get(o.kpi)
        if mark is not None and mark != direction:
            bound = "at_least" if direction == "max" else "at_most"
            raise ScenarioError(
                f"{bound} contradicts the KPI's goal: {mark} ({GOALS[mark]})",
                field=f"objectives[{o.id}].{bound}",
            )
        wanted.setdefault(o.kpi, set()).add(direction)
    out = [Goal(q, d.pop()) for q, d in wanted.items() if len(d) == 1]
    out += [Goal(k, d) for k, d in marked.items() if k not in wanted]
    return tuple(out)
