"""The self-contained HTML report of a run (``riskengine run --report``) or a comparison
(``riskengine compare --report``).

One file that needs nothing else: the CSS is inline, every chart is an SVG image inlined
as a ``data:`` URI (each its own document, so the ids matplotlib gives its clip paths and
glyphs never meet another chart's), and there is no script, font or link to load, so
opening it makes no request at all. Every text that comes from the user's files passes
through :func:`html.escape`. Sections break to a new page when printed.

The page is assembled with f-strings and small helpers: a template engine would add a
dependency for a dozen tables.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from riskengine import __version__
from riskengine.analysis.convergence import percentile_intervals
from riskengine.analysis.results import OutcomeSummary, Results, pkey
from riskengine.report import charts as ch
from riskengine.report.terminal import probability_bound

if TYPE_CHECKING:  # the simulation layer loads when a comparison is run, not before
    from riskengine.portfolio.options import Comparison

NONE = "—"

CSS = """
:root { --ink: #1d2733; --muted: #5b6673; --rule: #d5dbe2; --band: #f3f5f8; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px 32px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.meta, p.note, figcaption { color: var(--muted); }
section { margin: 0 0 36px; }
nav ol { columns: 3; padding-left: 20px; margin: 8px 0 24px; }
nav a { color: var(--ink); }
div.table { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 8px 0 12px; font-variant-numeric: tabular-nums;
        font-size: 13px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--rule); text-align: right;
         vertical-align: top; }
th { background: var(--band); font-weight: 600; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
td { white-space: nowrap; }
td.text { white-space: normal; min-width: 8em; max-width: 360px; overflow-wrap: break-word; }
table.headline td, table.headline th { font-size: 16px; }
figure { margin: 8px 0 18px; break-inside: avoid; }
figure img { display: block; width: 100%; max-width: 1000px; height: auto; }
.kv th { text-align: left; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  nav { display: none; }
  section { break-before: page; margin: 0; }
  section.first { break-before: auto; }
  table, figure, h3 { break-inside: avoid; }
  div.table { overflow: visible; }
  table { font-size: 8.5px; }
  th, td { padding: 2px 4px; }
  h2, h3 { break-after: avoid; }
}
"""


# ----------------------------------------------------------------------------- helpers


def e(text: object) -> str:
    """Text from a file or an id, made inert HTML."""
    return html.escape(str(text), quote=True)


def pct(p: float | None) -> str:
    """A probability as the terminal shows it: one decimal, never a false 100.0 %."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return NONE
    return probability_bound(p) or f"{100 * p:.1f}%"


def num(v: float | None, digits: int = 0) -> str:
    """A number with thousands separators; — when missing."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return NONE
    return f"{v:,.{digits}f}"


def table(
    head: Sequence[str], rows: Iterable[Sequence[str]], *, cls: str = "", text_cols: int = 1
) -> str:
    """A table of already escaped cells; the first ``text_cols`` columns are text (left
    aligned), the others numbers."""

    def cell(tag: str, i: int, v: str) -> str:
        klass = ' class="text"' if i < text_cols else ""
        return f"<{tag}{klass}>{v}</{tag}>"

    top = "".join(cell("th", i, h) for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>" for r in rows
    )
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<div class="table"><table{klass}><thead><tr>{top}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def figure(chart: ch.Chart, caption: str = "") -> str:
    """The chart as an inline SVG image with its caption."""
    data = base64.b64encode(ch.svg_bytes(chart.figure)).decode("ascii")
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return (
        f'<figure id="chart-{e(chart.name)}"><img alt="{e(chart.title)}" '
        f'src="data:image/svg+xml;base64,{data}">{cap}</figure>'
    )


def section(sid: str, title: str, body: str, *, first: bool = False) -> str:
    """One section; every section but the first starts a new page when printed."""
    klass = ' class="first"' if first else ""
    return f'<section id="{sid}"{klass}><h2>{e(title)}</h2>{body}</section>'


def page(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole document: a title, a table of contents and the sections
    (id, title, body)."""
    toc = "".join(f'<li><a href="#{sid}">{e(t)}</a></li>' for sid, t, _ in sections)
    body = "".join(section(sid, t, b, first=i == 0) for i, (sid, t, b) in enumerate(sections))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>"
        f'<header><h1>{e(title)}</h1><p class="meta">{subtitle}</p></header>'
        f"<nav><ol>{toc}</ol></nav>{body}"
        f'<footer><p class="meta">riskengine {e(__version__)}</p></footer>'
        "</body></html>\n"
    )


def when(results: Results, t: float | None) -> str:
    """A finish in working days as users read it: a date when the scenario has a start,
    else working days."""
    tl = results.timeline
    if t is None:
        return NONE
    if tl is None or not tl.dated:
        return f"{t:,.1f} d"
    return tl.iso(tl.finish_dates(tl.project_finish_time(t)))[0]


def p_value(results: Results, s: OutcomeSummary, key: str) -> str:
    """The Pn of a finish: its date (dated scenarios) or working days."""
    if s.dates is not None:
        return e(s.dates[key])
    return f"{s.percentiles[key]:,.1f} d"


def target(results: Results, s: OutcomeSummary) -> str:
    """The target as written (a date) or as a date or working days."""
    if s.target_date is not None:
        return e(s.target_date.isoformat())
    return e(when(results, s.target))


def with_se(p: float | None, se: float | None) -> str:
    """A probability with its standard error in percentage points."""
    if p is None:
        return NONE
    return pct(p) + (f" ± {100 * se:.1f}" if se is not None else "")


# ----------------------------------------------------------------------------- run


def _headline(results: Results) -> str:
    s = results.project
    rows = [
        [
            "Project finish",
            p_value(results, s, "P50") if "P50" in s.percentiles else NONE,
            p_value(results, s, "P80") if "P80" in s.percentiles else NONE,
        ]
    ]
    c = results.cost
    if c is not None:
        rows.append(["Total cost", num(c.percentiles.get("P50")), num(c.percentiles.get("P80"))])
        if c.contingency is not None:
            rows.append(
                [
                    "Contingency over the plan's cost",
                    num(c.contingency.get("P50")),
                    num(c.contingency.get("P80")),
                ]
            )
    body = table(["", "P50", "P80"], rows, cls="headline")
    targets = [m for m in [*results.milestones.values(), s] if m.p_target is not None]
    if targets:
        body += "<h3>Probability of meeting each target</h3>" + table(
            ["Milestone", "Target", "P(on target) ± SE (points)", "P80"],
            (
                [
                    e(m.name or m.id),
                    target(results, m),
                    with_se(m.p_target, m.p_target_se),
                    p_value(results, m, "P80") if "P80" in m.percentiles else NONE,
                ]
                for m in targets
            ),
        )
    if results.jcl is not None:
        jc = results.jcl
        body += (
            f'<p class="note">Joint confidence of the P80 cost and P80 date: '
            f"{pct(jc.p80_pair['jcl'])}; of the deterministic plan: "
            f"{pct(jc.deterministic['jcl'])}.</p>"
        )
    return body


def interval_rows(results: Results) -> list[list[str]]:
    """Each milestone's and the project's P-value intervals: dates in a dated scenario,
    else working days."""
    rows = []
    for s in [*results.milestones.values(), results.project]:
        cells = [e(s.id)]
        for key in map(pkey, results.percentiles):
            if s.date_interval is not None and key in s.date_interval:
                lo, hi = s.date_interval[key]
            else:
                lo, hi = (None if b is None else f"{b:,.1f} d" for b in s.p_interval.get(key, ()))
            cells.append(" – ".join(NONE if b is None else e(b) for b in (lo, hi)))
        rows.append(cells)
    return rows


def milestone_rows(results: Results, plan: Results | None) -> list[list[str]]:
    """The milestone table: one row per milestone and the project finish."""
    rows = []
    for s in [*results.milestones.values(), results.project]:
        planned = NONE
        if plan is not None:
            ps = plan.project if s.id == "project" else plan.milestones.get(s.id)
            if ps is not None:
                planned = e(ps.dates["P50"]) if ps.dates else f"{ps.percentiles['P50']:,.1f} d"
        rows.append(
            [
                e(s.id),
                e(s.name),
                planned,
                *(p_value(results, s, pkey(p)) for p in results.percentiles),
                f"{s.mean:,.1f} ± {s.mean_se:,.1f}",
                target(results, s) if s.target is not None else NONE,
                with_se(s.p_target, s.p_target_se),
            ]
        )
    return rows


def _milestones(results: Results, plan: Results | None, charts: dict[str, ch.Chart]) -> str:
    head = ["Id", "Name", "Plan", *map(pkey, results.percentiles)]
    head += ["Mean ± SE (working days)", "Target", "P(on target) ± SE"]
    body = table(head, milestone_rows(results, plan), text_cols=2)
    dated = results.timeline is not None and results.timeline.dated
    body += (
        '<p class="note">P-values are '
        + (
            "the first date by which that share of iterations has finished"
            if dated
            else "working days from the start"
        )
        + "; the plan is the deterministic schedule (every duration at its most likely "
        "value, no risk events). SE: the Monte Carlo standard error.</p>"
    )
    body += "<h3>How precisely each P-value is known</h3>" + table(
        ["Id", *map(pkey, results.percentiles)], interval_rows(results)
    )
    body += (
        '<p class="note">Each cell: the range that holds the true P-value with '
        f"{results.interval_confidence:.0%} confidence, distribution free, from order "
        "statistics of the iterations run (— where too few iterations bound it). More "
        "iterations narrow it.</p>"
    )
    for mid, name in ch.milestone_files(results).items():
        if name in charts:
            s = results.project if mid == "project" else results.milestones[mid]
            body += f"<h3>{e(s.name or s.id)}</h3>" + figure(
                charts[name],
                "Bars: share of iterations finishing in each period; line: the cumulative "
                "share (S-curve), with the reported P-values; dashed: the deterministic "
                "plan; green: the target.",
            )
    return body


def _criticality(results: Results, charts: dict[str, ch.Chart]) -> str:
    top = results.most_critical(ch.TOP)
    body = figure(charts["criticality"]) if "criticality" in charts else ""
    body += table(
        ["Task", "Name", "Criticality"],
        ([e(t), e(results.task_names.get(t, "")), pct(v)] for t, v in top),
        text_cols=2,
    )
    return body + (
        '<p class="note">Criticality index: the share of iterations in which the task was '
        "on the critical path of the project finish.</p>"
    )


def _sensitivity(results: Results, charts: dict[str, ch.Chart]) -> str:
    out = ch.sensitivity_output(results)
    if out is None:
        return '<p class="note">No task sensitivity was computed in this run.</p>'
    ranked = ch.sensitivity_values(results, out)
    sens = results.sensitivity or {}
    body = figure(charts["sensitivity"]) if "sensitivity" in charts else ""
    body += table(
        ["Task", "Name", "Rank correlation", "SSI", "Cruciality"],
        (
            [
                e(t),
                e(results.task_names.get(t, "")),
                f"{v:+.3f}",
                pct(sens[t].ssi[out]),
                f"{sens[t].cruciality[out]:+.3f}",
            ]
            for t, v in ranked
        ),
        text_cols=2,
    )
    what = "the project finish" if out == "project" else e(out)
    return body + (
        f'<p class="note">Towards {what}. Rank correlation: Spearman correlation of the '
        "task's sampled duration with the finish; SSI: criticality × SD(duration) / "
        "SD(finish); cruciality: Pearson correlation.</p>"
    )


def _risks(results: Results, mitigated: Results | None, charts: dict[str, ch.Chart]) -> str:
    if not results.drivers:
        return (
            '<p class="note">No risk drivers: the scenario has no risks, or the run'
            " skipped them (--no-drivers).</p>"
        )
    after = mitigated.drivers if mitigated is not None and mitigated.drivers else None
    head = ["Risk", "Name", "Occurrence", "Days added to P50", "Days added to P80"]
    if after is not None:
        head += ["P50 after mitigation", "P80 after mitigation"]
    rows = []
    for rid, p50, p80 in ch.risk_values(results, top=len(results.drivers)):
        row = [e(rid), e(results.risk_names.get(rid, "")), pct(results.risk_occurrence.get(rid))]
        row += [f"{p50:+,.1f}", f"{p80:+,.1f}"]
        if after is not None:
            a = after.get(rid, {}).get("project", {})
            row += [f"{a.get('P50', 0.0):+,.1f}", f"{a.get('P80', 0.0):+,.1f}"]
        rows.append(row)
    body = figure(charts["risks"]) if "risks" in charts else ""
    state = " (this run simulated every risk after its mitigation)" if results.mitigated else ""
    return (
        body
        + table(head, rows, text_cols=2)
        + (
            '<p class="note">Working days each risk adds to the project finish\'s P50 and P80: '
            "the run's percentile minus the same run's without that risk, on the same random "
            f"draws{state}.</p>"
        )
    )


def _costs(results: Results, charts: dict[str, ch.Chart]) -> str:
    rows = []
    for label, c in [("total", results.cost), *results.group_costs.items()]:
        if c is None:
            continue
        rows.append(
            [
                e(label),
                num(c.mean),
                num(c.sd),
                *(num(c.percentiles[pkey(p)]) for p in results.percentiles),
                num(c.deterministic),
                *(
                    num((c.contingency or {}).get(pkey(p)))
                    for p in results.percentiles
                    if pkey(p) in ("P50", "P80")
                ),
            ]
        )
    conts = [f"Contingency {pkey(p)}" for p in results.percentiles if pkey(p) in ("P50", "P80")]
    head = ["Cost", "Mean", "SD", *map(pkey, results.percentiles), "Plan", *conts]
    body = figure(charts["cost"]) if "cost" in charts else ""
    return (
        body
        + table(head, rows)
        + ('<p class="note">Contingency: the Pn cost minus the deterministic plan\'s cost.</p>')
    )


def _jcl(results: Results, charts: dict[str, ch.Chart]) -> str:
    jc = results.jcl
    assert jc is not None  # the section is there only with a JCL analysis
    rows = [
        [label, num(pt["cost"]), e(pt["date"]), pct(pt["jcl"])]
        for label, pt in (
            ("Deterministic plan", jc.deterministic),
            ("P50 cost and date", jc.p50_pair),
            ("P80 cost and date", jc.p80_pair),
        )
    ]
    front = jc.frontier
    step = max(1, math.ceil(len(front) / 12))
    picked = [*front[::step], *([front[-1]] if front and (len(front) - 1) % step else [])]
    rows += [
        [
            f"Frontier {front.index(pt) + 1}/{len(front)}",
            num(pt["cost"]),
            e(pt["date"]),
            f"≥ {jc.target:.0%}",
        ]
        for pt in picked
    ]
    body = figure(charts["jcl"]) if "jcl" in charts else ""
    what = "the project" if results.jcl_milestone == "project" else e(results.jcl_milestone)
    return (
        body
        + table(["", "Cost", "Finish by", "JCL"], rows)
        + (
            f'<p class="note">JCL: the share of iterations within both the cost and the finish '
            f"date of {what}. Frontier: the cheapest budget that reaches {jc.target:.0%} by each "
            "date.</p>"
        )
    )


def _convergence(results: Results, charts: dict[str, ch.Chart]) -> str:
    x = results.project_finish
    rows = []
    bounds = percentile_intervals(x, (50.0, 80.0))  # as the results give them
    for p, (lo, hi) in zip((50.0, 80.0), bounds, strict=True):
        value = float(np.percentile(x, p))
        rows.append(
            [
                pkey(p),
                f"{value:,.2f}",
                " – ".join("—" if b is None else f"{b:,.2f}" for b in (lo, hi)),
                " – ".join("—" if b is None else when(results, b) for b in (lo, hi)),
            ]
        )
    body = figure(charts["convergence"]) if "convergence" in charts else ""
    return (
        body
        + table(["Project finish", "Working days", "95 % interval (working days)", "Dates"], rows)
        + (
            f'<p class="note">{results.iterations:,} iterations. The interval is distribution '
            "free, from order statistics: it covers the true percentile with at least about "
            "95 % probability. Where the band in the chart has flattened, more iterations "
            "would not change the answer.</p>"
        )
    )


def _converged(results: Results) -> str:
    """What a run that stopped when converged says about its iterations."""
    c = results.convergence
    if c is None:
        return ""
    watched = ", ".join(map(pkey, c.percentiles))
    if c.converged:
        return f" (converged: {watched} within ±{c.tolerance:g} working days)"
    return f" (not converged within {c.max_iterations:,}: {watched} ±{c.tolerance:g} asked)"


def _settings(results: Results) -> str:
    rows = [
        ["Scenario", e(results.scenario_name)],
        ["Seed", str(results.seed)],
        ["Iterations", f"{results.iterations:,}" + _converged(results)],
        ["Sampling", e(results.sampling)],
        ["Percentiles", ", ".join(map(pkey, results.percentiles))],
        ["Start", e(results.start.isoformat()) if results.start else NONE],
        ["Risks", "after mitigation" if results.mitigated else "as assessed"],
        ["riskengine version", e(__version__)],
    ]
    return table(["Setting", "Value"], rows, cls="kv", text_cols=2) + (
        '<p class="note">The same scenario file, seed and iterations give the same numbers '
        "bit for bit: <code>riskengine run SCENARIO --seed "
        f"{results.seed} -n {results.iterations}</code>.</p>"
    )


def run_report(
    results: Results,
    *,
    plan: Results | None = None,
    mitigated: Results | None = None,
    charts: Sequence[ch.Chart] | None = None,
) -> str:
    """The HTML report of a run: headline, milestones (table and a chart each),
    criticality, duration sensitivity, risk drivers, costs, JCL, convergence and the
    settings that reproduce it. ``plan``: the deterministic plan's results (the plan
    column and lines); ``mitigated``: the same run after mitigation (the risk tornado's
    after bars); ``charts``: :func:`~riskengine.report.charts.run_charts` already drawn."""
    drawn = {c.name: c for c in (charts or ch.run_charts(results, plan, mitigated))}
    sections = [
        ("headline", "Headline", _headline(results)),
        ("milestones", "Milestones", _milestones(results, plan, drawn)),
    ]
    if results.criticality:
        sections.append(("criticality", "Criticality", _criticality(results, drawn)))
    sections.append(("sensitivity", "Duration sensitivity", _sensitivity(results, drawn)))
    sections.append(("risks", "Risk drivers", _risks(results, mitigated, drawn)))
    if results.cost is not None:
        sections.append(("costs", "Costs", _costs(results, drawn)))
    if results.jcl is not None:
        sections.append(("jcl", "Joint confidence of cost and finish", _jcl(results, drawn)))
    sections.append(("convergence", "Convergence", _convergence(results, drawn)))
    sections.append(("settings", "Settings: how to reproduce these numbers", _settings(results)))
    subtitle = (
        f"Schedule risk analysis · {results.iterations:,} iterations · seed {results.seed}"
        f" · {e(results.sampling)}"
    )
    return page(results.scenario_name, subtitle, sections)


# ----------------------------------------------------------------------------- compare


def _objectives(comparison: Comparison, charts: dict[str, ch.Chart]) -> str:
    options = list(comparison.options.values())
    if not options or not options[0].objectives:
        return '<p class="note">The portfolio has no objectives.</p>'
    keys = list(options[0].objectives)
    n = comparison.iterations

    def cell(p: float) -> str:
        lo, hi = ch.wilson(p, n)
        return f"{pct(p)} ({pct(lo)} – {pct(hi)})"

    rows = [[e(o.name), *(cell(o.objectives[k]) for k in keys), cell(o.joint)] for o in options]
    body = figure(charts["objectives"]) if "objectives" in charts else ""
    return (
        body
        + table(["Option", *map(e, keys), "All objectives"], rows)
        + (
            '<p class="note">The probability of meeting each objective, with its Wilson 95 % '
            f"interval over {n:,} iterations.</p>"
        )
    )


def _differences(comparison: Comparison, charts: dict[str, ch.Chart]) -> str:
    options = list(comparison.options.values())
    keys = list(options[0].vs_baseline)

    def cell(d: dict[str, float]) -> str:
        return f"{100 * d['diff']:+.1f} ({100 * d['low']:+.1f} to {100 * d['high']:+.1f})"

    rows = [[e(o.name), *(cell(o.vs_baseline[k]) for k in keys)] for o in options[1:]]
    head = ["Option", *("All objectives" if k == "joint" else e(k) for k in keys)]
    body = figure(charts["differences"]) if "differences" in charts else ""
    return (
        body
        + table(head, rows)
        + (
            '<p class="note">Difference to the baseline in percentage points with its 95 % '
            "interval, from the paired per-iteration differences (every option sees the same "
            "random draws).</p>"
        )
    )


def _kpis(comparison: Comparison, charts: dict[str, ch.Chart]) -> str:
    options = list(comparison.options.values())
    kpis = list(options[0].kpis) if options else []
    if not kpis:
        return '<p class="note">The portfolio has no KPIs.</p>'
    by_kpi = {c.title: c for c in charts.values() if c.name.startswith("kpi-")}
    body = ""
    for k in kpis:
        pcts = list(options[0].kpis[k]["percentiles"])
        rows = [
            [
                e(o.name),
                num(o.kpis[k]["mean"], 2),
                num(o.kpis[k]["sd"], 2),
                *(num(o.kpis[k]["percentiles"][p], 2) for p in pcts),
            ]
            for o in options
        ]
        body += f"<h3>{e(k)}</h3>"
        if f"KPI {k}" in by_kpi:
            body += figure(by_kpi[f"KPI {k}"])
        body += table(["Option", "Mean", "SD", *map(e, pcts)], rows)
    return body


def _dominance(comparison: Comparison) -> str:
    rows = [
        [
            e(o.name),
            e(", ".join(o.dominates)) or NONE,
            e(", ".join(o.dominated_by)) or NONE,
            *(num(o.goals.get(g.id), 2) for g in comparison.goals),
        ]
        for o in comparison.options.values()
    ]
    head = ["Option", "Dominates", "Dominated by"]
    head += [
        f"Mean {e(g.id)} ({'higher' if g.direction == 'max' else 'lower'} is better)"
        for g in comparison.goals
    ]
    return table(head, rows, text_cols=3) + (
        '<p class="note">One option dominates another when it is no worse on every '
        "objective, on meeting all of them and on every goal's mean, and better on one.</p>"
    )


def compare_report(comparison: Comparison, *, charts: Sequence[ch.Chart] | None = None) -> str:
    """The HTML report of a comparison of options: each objective's probability per
    option, the paired differences to the baseline, the KPI distributions, which options
    dominate which, and the settings that reproduce it."""
    drawn = {c.name: c for c in (charts or ch.compare_charts(comparison))}
    sections = [("objectives", "Objectives per option", _objectives(comparison, drawn))]
    if len(comparison.options) > 1:
        sections.append(("differences", "Against the baseline", _differences(comparison, drawn)))
    sections.append(("kpis", "KPI distributions", _kpis(comparison, drawn)))
    sections.append(("dominance", "Dominance", _dominance(comparison)))
    settings = [
        ["Portfolio", e(comparison.portfolio)],
        ["Options", e(", ".join(comparison.options))],
        ["Seed", str(comparison.seed)],
        ["Iterations per option", f"{comparison.iterations:,}"],
        ["riskengine version", e(__version__)],
    ]
    sections.append(
        (
            "settings",
            "Settings: how to reproduce these numbers",
            table(["Setting", "Value"], settings, cls="kv", text_cols=2)
            + '<p class="note">Every option is simulated with the same seed and the same '
            "random draws; the same portfolio, seed and iterations give the same numbers."
            "</p>",
        )
    )
    subtitle = (
        f"Comparison of options · {comparison.iterations:,} iterations each · seed "
        f"{comparison.seed}"
    )
    return page(comparison.portfolio, subtitle, sections)
