"""Charts drawn from the numbers analysis/ computed (matplotlib, imported when first
drawn: it takes longer to import than the rest of the package).

Each chart is a function that returns a matplotlib Figure drawn from a run's
:class:`~riskengine.analysis.results.Results` (or a comparison's
:class:`~riskengine.portfolio.options.Comparison`); :func:`run_charts` and
:func:`compare_charts` list every chart that applies under its stable file name, and
:func:`png_bytes` and :func:`svg_bytes` turn a figure into a file. The artists whose data
tests check carry a ``gid`` (``"s-curve"``, ``"bars"``, ``"frontier"`` …), so a test reads
back exactly what was drawn.
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from riskengine.analysis.convergence import percentile_intervals
from riskengine.analysis.jcl import (
    MAX_CHART_POINTS,
    JointConfidence,
    ToDate,
    checked_samples,
    to_dates,
)
from riskengine.analysis.results import Results, pkey
from riskengine.report.outputs import write_atomic

if TYPE_CHECKING:  # matplotlib and the simulation layer load when first needed
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from riskengine.portfolio.options import Comparison

TOP = 15  # tasks or risks in a bar chart: more are unreadable on a slide
NAME_WIDTH = 38  # characters of a task or risk name shown before an ellipsis
CURVE_POINTS = 401  # points of an S-curve drawn from the quantile function
BAND_POINTS = 60  # iteration counts at which the convergence chart is evaluated
Z95 = 1.959963984540054
WIDE = (10.0, 5.6)  # inches: a 16:9 slide's picture area, readable on A4 too


@dataclasses.dataclass(frozen=True)
class Chart:
    """One chart: ``name`` is its stable file stem (``--charts`` writes ``name.png`` and
    ``name.svg``), ``title`` the caption the HTML report gives it."""

    name: str
    title: str
    figure: Figure


# ----------------------------------------------------------------------------- helpers


def _figure(size: tuple[float, float] = WIDE) -> Figure:
    """A figure on the Agg canvas, never pyplot's global state (thread-safe, no GUI)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def short(text: str, width: int = NAME_WIDTH) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis: long task names
    would squeeze the bars off a bar chart."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _label(key: str, name: str) -> str:
    """A bar's label: the name, or the id when there is no name."""
    return short(name or key)


def _date_axis(ax: Axes, axis: str = "x") -> None:
    import matplotlib.dates as mdates

    which = ax.xaxis if axis == "x" else ax.yaxis
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    which.set_major_locator(locator)
    which.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _thousands(ax: Axes, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter

    which = ax.yaxis if axis == "y" else ax.xaxis
    which.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _percent_axis(ax: Axes, axis: str = "y") -> None:
    from matplotlib.ticker import PercentFormatter

    which = ax.yaxis if axis == "y" else ax.xaxis
    which.set_major_formatter(PercentFormatter(1.0))


def _output_name(results: Results, output: str) -> str:
    if output == "project":
        return "the project finish"
    return f"{results.milestones[output].name or output}"


def quantile_curve(x: np.ndarray, percentiles: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The S-curve of samples ``x`` as (value, cumulative share) points: numpy's
    (linear) percentile on a fine grid that includes every reported P-value, so the curve
    passes exactly through each reported (Pn, n %)."""
    grid = np.union1d(np.linspace(0.0, 100.0, CURVE_POINTS), np.asarray(percentiles, float))
    return np.percentile(x, grid), grid / 100.0


def date_ecdf(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The share of iterations finished by the end of each date that one finishes on
    (datetime64[D], ascending), as the Pn dates count them: Pn is the first date whose
    share reaches n %."""
    days, counts = np.unique(dates.astype("datetime64[D]"), return_counts=True)
    return days, np.cumsum(counts) / dates.size


# ----------------------------------------------------------------------------- run charts


def _finish_values(results: Results, output: str) -> tuple[np.ndarray, bool]:
    """The finishes of ``output`` per iteration: dates (datetime64[D]) when the scenario
    has a start, else working days from the start; and whether they are dates."""
    tl = results.timeline
    if tl is not None and tl.dated:
        return tl.finish_dates(results.times[output]).astype("datetime64[D]"), True
    days = results.project_finish if output == "project" else results.finishes[output]
    return np.asarray(days, dtype=np.float64), False


def _plan_mark(results: Results, plan: Results | None, output: str, dated: bool) -> Any:
    """The deterministic plan's finish of ``output``: a date or working days; None
    without a plan."""
    if plan is None:
        return None
    s = plan.project if output == "project" else plan.milestones.get(output)
    if s is None:
        return None
    if dated and s.dates:
        return np.datetime64(next(iter(s.dates.values())), "D")
    return next(iter(s.percentiles.values()))


def _target_mark(results: Results, output: str, dated: bool) -> Any:
    """The milestone's target as a date (dated runs) or working days; None without one."""
    s = results.project if output == "project" else results.milestones[output]
    if s.target_date is not None and dated:
        return np.datetime64(s.target_date, "D")
    if s.target is None:
        return None
    tl = results.timeline
    if dated and tl is not None:
        return tl.finish_dates(tl.project_finish_time(s.target)).astype("datetime64[D]")[()]
    return s.target


def milestone_figure(results: Results, output: str, plan: Results | None = None) -> Figure:
    """A finish's histogram with its cumulative S-curve (right axis), the deterministic
    plan's finish, the target and the reported P-values marked: dates on the x axis when
    the scenario has a start, else working days from the start."""
    values, dated = _finish_values(results, output)
    s = results.project if output == "project" else results.milestones[output]
    fig = _figure()
    ax = fig.add_subplot()
    if dated:
        first, last = values.min(), values.max()
        span = int((last - first).astype(np.int64)) + 1
        # a day per bar, or whole weeks once that gives too many bars: bars of a few days
        # would alternate with the empty weekends
        step = 1 if span <= 45 else 7 * math.ceil(span / (7 * 45))
        edges = np.arange(first, last + np.timedelta64(step + 1, "D"), np.timedelta64(step, "D"))
        counts, _ = np.histogram(values.astype(np.int64), edges.astype(np.int64))
        ax.bar(
            edges[:-1],
            counts / values.size,
            width=step,
            align="edge",
            color="tab:blue",
            alpha=0.45,
            gid="histogram",
            label="iterations finishing in the period",
        )
        xs, ys = date_ecdf(values)
        ax2 = ax.twinx()
        ax2.step(xs, ys, where="post", color="tab:blue", lw=2, gid="s-curve", label="cumulative")
        marks: list[tuple[Any, str]] = (
            [(np.datetime64(v, "D"), k) for k, v in s.dates.items()] if s.dates is not None else []
        )
        _date_axis(ax)
        ax.set_xlabel("finish date")
        ax.set_ylabel(f"share of iterations per bar ({step} day{'s' * (step > 1)})")
    else:
        ax.hist(
            values,
            bins=min(60, max(10, int(np.ptp(values)) + 1)),
            color="tab:blue",
            alpha=0.45,
            density=False,
            weights=np.full(values.size, 1 / values.size),
            gid="histogram",
            label="iterations finishing in the period",
        )
        xs, ys = quantile_curve(values, results.percentiles)
        ax2 = ax.twinx()
        ax2.plot(xs, ys, color="tab:blue", lw=2, gid="s-curve", label="cumulative")
        marks = list(zip(s.percentiles.values(), s.percentiles, strict=True))
        ax.set_xlabel("finish (working days from the start)")
        ax.set_ylabel("share of iterations per bar")
    for x, key in marks:
        p = float(key[1:]) / 100.0
        ax2.plot([x], [p], "o", color="tab:orange", mec="black", zorder=4, gid=f"mark-{key}")
        text = f"{key} {str(x) if dated else f'{x:,.1f} d'}"
        ax2.annotate(
            text, (x, p), xytext=(-6, 4), textcoords="offset points", ha="right", fontsize=8.5
        )
    plan_x = _plan_mark(results, plan, output, dated)
    if plan_x is not None:
        ax.axvline(
            plan_x,
            color="tab:red",
            ls="--",
            lw=1.5,
            gid="plan",
            label=f"deterministic plan {_show(plan_x)}",
        )
    target_x = _target_mark(results, output, dated)
    if target_x is not None:
        share = f", P(on target) {s.p_target:.0%}" if s.p_target is not None else ""
        ax.axvline(
            target_x,
            color="tab:green",
            lw=1.8,
            gid="target",
            label=f"target {_show(target_x)}{share}",
        )
    if dated:
        _pad_dates(ax, [values.min(), values.max(), plan_x, target_x])
    _percent_axis(ax)
    _percent_axis(ax2)
    ax2.set_ylim(0, 1.02)
    ax2.set_ylabel("cumulative share of iterations (S-curve)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{short(s.name or s.id, 60)}: finish distribution and S-curve")
    ax.grid(True, alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(handles + h2, labels + l2, loc="upper left", fontsize=8)
    return fig


def _pad_dates(ax: Axes, dates: Sequence[Any]) -> None:
    """Show every date of ``dates`` (Nones skipped) with a few days to spare, so that a
    finish that hardly varies still gets an axis of days, not of hours."""
    import matplotlib.dates as mdates

    shown = np.array([d for d in dates if d is not None], dtype="datetime64[D]")
    days = shown.astype(np.int64)  # days since 1970
    pad = max(3, math.ceil(int(days.max() - days.min()) * 0.03))
    lo, hi = days.min() - pad, days.max() + pad + 1
    ax.set_xlim(
        float(mdates.date2num(np.datetime64(int(lo), "D"))),
        float(mdates.date2num(np.datetime64(int(hi), "D"))),
    )


def _show(x: Any) -> str:
    return str(x) if isinstance(x, np.datetime64) else f"{x:,.1f} d"


def _hbars(ax: Axes, labels: Sequence[str], values: Sequence[float], **kw: Any) -> None:
    """Horizontal bars, the first at the top."""
    y = np.arange(len(labels))
    ax.barh(y, values, **kw)
    ax.set_yticks(y, labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)


def criticality_figure(results: Results, top: int = TOP) -> Figure:
    """The ``top`` tasks most often critical for the project finish, as horizontal bars
    (share of iterations)."""
    ranked = results.most_critical(top)
    fig = _figure((10.0, 1.2 + 0.36 * max(len(ranked), 3)))
    ax = fig.add_subplot()
    labels = [_label(t, results.task_names.get(t, "")) for t, _ in ranked]
    values = [v for _, v in ranked]
    _hbars(ax, labels, values, color="tab:purple", gid="bars")
    for i, v in enumerate(values):
        ax.annotate(
            f"{v:.0%}", (v, i), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8
        )
    ax.set_xlim(0, 1.08)
    _percent_axis(ax, "x")
    ax.set_xlabel("criticality index (share of iterations on the critical path, %)")
    ax.set_title(f"Criticality: the {len(ranked)} tasks most often critical for the project")
    ax.grid(True, axis="x", alpha=0.3)
    return fig


SENSITIVITY_MEASURES = {
    "spearman": "Spearman rank correlation of duration and finish",
    "ssi": "schedule sensitivity index (SSI)",
    "cruciality": "cruciality (Pearson correlation of duration and finish)",
}


def sensitivity_values(
    results: Results, output: str, measure: str = "spearman", top: int = TOP
) -> list[tuple[str, float]]:
    """The ``top`` tasks with the largest |measure| against ``output``, largest first."""
    sens = results.sensitivity or {}
    vals = [(tid, float(getattr(s, measure)[output])) for tid, s in sens.items()]
    vals = [(t, v) for t, v in vals if math.isfinite(v) and v != 0.0]
    return sorted(vals, key=lambda tv: -abs(tv[1]))[:top]


def sensitivity_output(results: Results) -> str | None:
    """The output the report's tornado is about: the project finish when its sensitivity
    was computed, else the first milestone that has one."""
    sens = results.sensitivity
    if not sens:
        return None
    outputs = next(iter(sens.values())).spearman
    return "project" if "project" in outputs else next(iter(outputs), None)


def sensitivity_figure(
    results: Results, output: str = "project", measure: str = "spearman", top: int = TOP
) -> Figure:
    """A tornado of each task's duration sensitivity towards ``output``, by ``measure``
    (spearman, ssi or cruciality), named in the title."""
    ranked = sensitivity_values(results, output, measure, top)
    fig = _figure((10.0, 1.2 + 0.36 * max(len(ranked), 3)))
    ax = fig.add_subplot()
    labels = [_label(t, results.task_names.get(t, "")) for t, _ in ranked]
    values = [v for _, v in ranked]
    colors = ["tab:red" if v > 0 else "tab:blue" for v in values]
    _hbars(ax, labels, values, color=colors, gid="bars")
    ax.axvline(0, color="black", lw=0.8)
    lim = max([abs(v) for v in values] + [0.05]) * 1.15
    ax.set_xlim(-lim if min(values + [0]) < 0 else 0, lim)
    ax.set_xlabel(SENSITIVITY_MEASURES[measure] + (" (%)" if measure == "ssi" else ""))
    if measure == "ssi":
        _percent_axis(ax, "x")
    ax.set_title(
        f"Duration sensitivity towards {short(_output_name(results, output), 50)}\n"
        f"measure: {SENSITIVITY_MEASURES[measure]}"
    )
    ax.grid(True, axis="x", alpha=0.3)
    return fig


def risk_values(
    results: Results, output: str = "project", top: int = TOP
) -> list[tuple[str, float, float]]:
    """(risk, days added to P50, days added to P80) of the ``top`` risks by P80 days,
    largest first."""
    drv = results.drivers or {}
    rows = [(rid, d[output][pkey(50)], d[output][pkey(80)]) for rid, d in drv.items()]
    rows = [r for r in rows if r[1] or r[2]]
    return sorted(rows, key=lambda r: (-r[2], -r[1]))[:top]


def risk_figure(
    results: Results, mitigated: Results | None = None, output: str = "project", top: int = TOP
) -> Figure:
    """A tornado of the working days each risk adds to the P50 and P80 of ``output``
    (two panels); with ``mitigated`` (the same scenario run after mitigation), each risk's
    days after mitigation beside its days before."""
    ranked = risk_values(results, output, top)
    after = (mitigated.drivers or {}) if mitigated is not None else None
    fig = _figure((10.0, 1.4 + 0.42 * max(len(ranked), 3)))
    axes = fig.subplots(1, 2, sharey=True)
    labels = [_label(r, results.risk_names.get(r, "")) for r, _, _ in ranked]
    y = np.arange(len(ranked))
    state = "after mitigation" if results.mitigated else "as assessed"
    for ax, k, col in zip(axes, ("P50", "P80"), (1, 2), strict=True):
        before = [r[col] for r in ranked]
        h = 0.4 if after is not None else 0.7
        ax.barh(
            y - (h / 2 if after is not None else 0),
            before,
            height=h,
            color="tab:red",
            gid=f"bars-{k}",
            label=state,
        )
        if after is not None:
            post = [after[r[0]][output][k] if r[0] in after else 0.0 for r in ranked]
            ax.barh(
                y + h / 2,
                post,
                height=h,
                color="tab:green",
                gid=f"bars-{k}-mitigated",
                label="after mitigation",
            )
        ax.set_title(f"days added to {k}")
        ax.set_xlabel("working days")
        ax.axvline(0, color="black", lw=0.8)
        ax.grid(True, axis="x", alpha=0.3)
    axes[0].set_yticks(y, labels)
    axes[0].set_ylim(len(ranked) - 0.5, -0.5)
    if after is not None:
        axes[1].legend(loc="lower right", fontsize=8)
    fig.suptitle(f"Risk drivers: working days each risk adds to {_output_name(results, output)}")
    return fig


def cost_figure(results: Results) -> Figure:
    """The total cost's histogram with its S-curve (right axis), the deterministic plan's
    cost and the contingency at each reported P-value."""
    if results.costs is None or results.cost is None:
        raise ValueError("these results have no costs")
    x = results.costs["total"]
    c = results.cost
    fig = _figure()
    ax = fig.add_subplot()
    ax.hist(
        x,
        bins=50,
        weights=np.full(x.size, 1 / x.size),
        color="tab:olive",
        alpha=0.5,
        gid="histogram",
        label="iterations per bar",
    )
    ax2 = ax.twinx()
    xs, ys = quantile_curve(x, results.percentiles)
    ax2.plot(xs, ys, color="tab:olive", lw=2, gid="s-curve", label="cumulative")
    for key, v in c.percentiles.items():
        p = float(key[1:]) / 100.0
        ax2.plot([v], [p], "o", color="tab:orange", mec="black", zorder=4, gid=f"mark-{key}")
        extra = ""
        if c.contingency is not None:
            extra = f" (contingency {c.contingency[key]:+,.0f})"
        ax2.annotate(
            f"{key} {v:,.0f}{extra}",
            (v, p),
            xytext=(-6, 4),
            textcoords="offset points",
            ha="right",
            fontsize=8.5,
        )
    if c.deterministic is not None:
        ax.axvline(
            c.deterministic,
            color="tab:red",
            ls="--",
            lw=1.5,
            gid="plan",
            label=f"deterministic plan {c.deterministic:,.0f}",
        )
    marks = [x.min(), x.max()] + ([c.deterministic] if c.deterministic is not None else [])
    # a cost that never varies still gets an axis a reader can read
    pad = 0.03 * (max(marks) - min(marks)) or max(1.0, 0.05 * abs(marks[0]))
    ax.set_xlim(min(marks) - pad, max(marks) + pad)  # the plan's line off the edge
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(6))
    _thousands(ax, "x")
    _percent_axis(ax)
    _percent_axis(ax2)
    ax2.set_ylim(0, 1.02)
    ax.set_xlabel("total cost (the scenario's currency)")
    ax.set_ylabel("share of iterations per bar")
    ax2.set_ylabel("cumulative share of iterations (S-curve)")
    ax.set_title("Total cost: distribution, S-curve and contingency over the plan")
    ax.grid(True, alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(handles + h2, labels + l2, loc="upper left", fontsize=8)
    return fig


def jcl_figure(
    cost: np.ndarray,
    finish: np.ndarray,
    jc: JointConfidence,
    *,
    to_date: ToDate,
    title: str = "",
) -> Figure:
    """A scatter of the iterations (finish date × cost) with the frontier and the
    reference pairs."""
    import matplotlib.dates as mdates

    cost, finish = checked_samples(cost, finish)
    n = cost.size
    # Evenly spaced, not random: the same data always gives the same picture.
    keep = np.linspace(0, n - 1, min(n, MAX_CHART_POINTS)).astype(np.int64)

    fig = _figure((10, 6.5))
    ax = fig.add_subplot()
    shown = to_dates(to_date, finish[keep])
    ax.scatter(
        shown,
        cost[keep],
        s=4,
        alpha=0.15,
        linewidths=0,
        color="tab:blue",
        rasterized=True,
        label=f"iterations ({keep.size:,} of {n:,})",
    )
    if jc.frontier:
        xs = [np.datetime64(pt["date"], "D") for pt in jc.frontier]
        ys = [pt["cost"] for pt in jc.frontier]
        last = shown.max()
        if last > xs[-1]:  # the cheapest budget holds for every later date too
            xs.append(last)
            ys.append(ys[-1])
        ax.step(
            np.array(xs, dtype="datetime64[D]"),
            ys,
            where="post",
            color="black",
            linewidth=1.8,
            label=f"{jc.target:.0%} JCL frontier",
            gid="frontier",
        )
    for name, pt, marker, color in (
        ("deterministic", jc.deterministic, "D", "tab:red"),
        ("P50", jc.p50_pair, "o", "tab:orange"),
        ("P80", jc.p80_pair, "s", "tab:green"),
    ):
        x = np.datetime64(pt["date"], "D")
        label = f"{name}: {pt['cost']:,.0f} by {pt['date']} (JCL {pt['jcl']:.0%})"
        ax.scatter(
            [x],
            [pt["cost"]],
            s=70,
            zorder=3,
            edgecolors="black",
            label=label,
            marker=marker,
            color=color,
        )
        ax.annotate(
            f"{name} {pt['jcl']:.0%}",
            (mdates.date2num(x), pt["cost"]),
            xytext=(6, 6),
            textcoords="offset points",
            fontsize=9,
        )
    _date_axis(ax)
    _thousands(ax)
    ax.set_xlabel("finish date")
    ax.set_ylabel("total cost (the scenario's currency)")
    ax.set_title(title or "Joint confidence: cost and finish")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper right", fontsize=8, markerscale=1.0)
    return fig


def chart_png(
    cost: np.ndarray,
    finish: np.ndarray,
    jc: JointConfidence,
    *,
    to_date: ToDate,
    title: str = "",
) -> bytes:
    """:func:`jcl_figure` as PNG bytes."""
    return png_bytes(jcl_figure(cost, finish, jc, to_date=to_date, title=title))


def write_chart(
    path: str | Path,
    cost: np.ndarray,
    finish: np.ndarray,
    jc: JointConfidence,
    *,
    to_date: ToDate,
    title: str = "",
) -> None:
    """Write :func:`chart_png` to ``path``, replacing it in one step (OutputError if it
    cannot)."""
    write_atomic(Path(path), chart_png(cost, finish, jc, to_date=to_date, title=title))


def results_jcl_figure(results: Results) -> Figure:
    """The JCL scatter of a run (finish date × cost, frontier, reference pairs)."""
    if results.jcl is None or results.costs is None or results.timeline is None:
        raise ValueError("these results have no joint confidence analysis")
    return jcl_figure(
        results.costs["total"],
        results.times[results.jcl_milestone],
        results.jcl,
        to_date=results.timeline.finish_dates,
        title=f"{short(results.scenario_name, 50)}: cost and {results.jcl_milestone} finish",
    )


def jcl_chart(results: Results) -> bytes:
    """The JCL scatter (finish date × cost, frontier, reference pairs) as PNG bytes."""
    return png_bytes(results_jcl_figure(results))


def convergence_data(
    x: np.ndarray, percentiles: Sequence[float] = (50.0, 80.0), points: int = BAND_POINTS
) -> dict[str, np.ndarray]:
    """The running Pn of samples ``x`` (in run order) after n = ``counts`` iterations,
    with each one's 95 % interval (:func:`~riskengine.analysis.convergence.percentile_intervals`,
    as the results give it): ``counts``, and per P-value ``Pn``,
    ``Pn low`` and ``Pn high``. The last count is every iteration, so the last Pn is the
    reported one."""
    n = x.size
    start = min(n, 50)
    counts = np.unique(np.geomspace(start, n, points).round().astype(np.int64))
    out: dict[str, np.ndarray] = {"counts": counts}
    for p in percentiles:
        mid, low, high = (np.empty(counts.size) for _ in range(3))
        for i, k in enumerate(counts):
            head = x[:k]
            mid[i] = np.percentile(head, p)
            ((lo, hi),) = percentile_intervals(head, (p,))  # the results' own intervals
            low[i] = np.nan if lo is None else lo  # too few iterations to bound it
            high[i] = np.nan if hi is None else hi
        out[pkey(p)], out[f"{pkey(p)} low"], out[f"{pkey(p)} high"] = mid, low, high
    return out


def convergence_figure(results: Results, output: str = "project") -> Figure:
    """The running P50 and P80 of ``output`` against the iterations run, each with its
    95 % confidence band from order statistics: where the band is narrow enough, more
    iterations would not change the answer."""
    x = results.project_finish if output == "project" else results.finishes[output]
    data = convergence_data(np.asarray(x, dtype=np.float64))
    fig = _figure()
    ax = fig.add_subplot()
    counts = data["counts"]
    for key, color in (("P50", "tab:blue"), ("P80", "tab:orange")):
        ax.fill_between(
            counts,
            data[f"{key} low"],
            data[f"{key} high"],
            color=color,
            alpha=0.2,
            lw=0,
            label=f"{key} 95 % interval",
            gid=f"band-{key}",
        )
        ax.plot(counts, data[key], color=color, lw=1.8, label=f"running {key}", gid=f"run-{key}")
    ax.set_xscale("log")
    _thousands(ax, "x")
    ax.set_xlabel("iterations (log scale)")
    ax.set_ylabel("finish (working days from the start)")
    ax.set_title(f"Convergence of {_output_name(results, output)}: running P50 and P80")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    return fig


def run_charts(
    results: Results, plan: Results | None = None, mitigated: Results | None = None
) -> list[Chart]:
    """Every chart of a run that its results can draw, under its stable name: one
    ``finish-<milestone>`` per milestone and ``finish-project``, ``criticality``,
    ``sensitivity``, ``risks``, ``cost``, ``jcl``, ``convergence``. ``plan`` (the
    deterministic plan's results) marks the plan's dates; ``mitigated`` (the run after
    mitigation) adds the after-mitigation bars to the risk tornado."""
    charts = []
    for mid, name in milestone_files(results).items():
        s = results.project if mid == "project" else results.milestones[mid]
        charts.append(Chart(name, s.name or s.id, milestone_figure(results, mid, plan)))
    if results.criticality:
        charts.append(Chart("criticality", "Criticality", criticality_figure(results)))
    out = sensitivity_output(results)
    if out is not None and sensitivity_values(results, out):
        fig = sensitivity_figure(results, out)
        charts.append(Chart("sensitivity", "Duration sensitivity", fig))
    if results.drivers:
        charts.append(Chart("risks", "Risk drivers", risk_figure(results, mitigated)))
    if results.costs is not None and results.cost is not None:
        charts.append(Chart("cost", "Cost", cost_figure(results)))
    if results.jcl is not None:
        charts.append(Chart("jcl", "Joint confidence", results_jcl_figure(results)))
    charts.append(Chart("convergence", "Convergence", convergence_figure(results)))
    return charts


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def milestone_files(results: Results) -> dict[str, str]:
    """Each milestone's (and the project's) chart name: ``finish-<id>``, with any
    character other than letters, digits, ``_``, ``.`` and ``-`` made ``_`` (and a
    number added if two ids then meet)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for mid in [*results.milestones, "project"]:
        base = "finish-" + (_UNSAFE.sub("_", mid).strip(".") or "_")
        name, k = base, 2
        while name.lower() in taken:
            name, k = f"{base}-{k}", k + 1
        taken.add(name.lower())
        names[mid] = name
    return names


# ----------------------------------------------------------------------------- compare


def wilson(p: float, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson 95 % interval of a share ``p`` of ``n`` iterations (stays within 0–1,
    unlike p ± 1.96 se, and is not empty at p = 0 or 1)."""
    if n <= 0:
        return (0.0, 1.0)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def _option_colors(names: Sequence[str]) -> dict[str, Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return {name: cmap(i % 10) for i, name in enumerate(names)}


def objectives_figure(comparison: Comparison) -> Figure:
    """Each objective's probability per option (dots) with its Wilson 95 % interval
    (whiskers), one row per objective and the joint success last."""
    options = list(comparison.options.values())
    objectives = [*next(iter(options)).objectives, "all objectives"] if options else []
    fig = _figure((10.0, min(9.0, 1.6 + 0.2 * len(objectives) * max(2, len(options)))))
    ax = fig.add_subplot()
    colors = _option_colors([o.name for o in options])
    k = len(options)
    for j, o in enumerate(options):
        ps = [*o.objectives.values(), o.joint]
        ys = np.arange(len(ps)) + (j - (k - 1) / 2) * 0.7 / max(k, 1)
        ivs = [wilson(p, comparison.iterations) for p in ps]
        lo = [p - a for p, (a, _) in zip(ps, ivs, strict=True)]
        hi = [b - p for p, (_, b) in zip(ps, ivs, strict=True)]
        ax.errorbar(
            ps,
            ys,
            xerr=[lo, hi],
            fmt="o",
            color=colors[o.name],
            capsize=3,
            label=short(o.name, 30),
            gid=f"option-{j}",
        )
    ax.set_yticks(np.arange(len(objectives)), [short(s, 30) for s in objectives])
    ax.set_ylim(len(objectives) - 0.5, -0.5)
    ax.set_xlim(-0.02, 1.02)
    _percent_axis(ax, "x")
    ax.set_xlabel("probability of meeting the objective (%), with 95 % interval")
    ax.set_title("Objectives: probability per option")
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def differences_figure(comparison: Comparison) -> Figure:
    """Each option's paired difference to the baseline per objective (and the joint
    success), in percentage points with its 95 % interval."""
    options = list(comparison.options.values())[1:]  # the baseline is first
    keys = list(next(iter(comparison.options.values())).vs_baseline) if comparison.options else []
    fig = _figure((10.0, min(9.0, 1.6 + 0.2 * len(keys) * max(2, len(options)))))
    ax = fig.add_subplot()
    colors = _option_colors(list(comparison.options))
    k = len(options)
    for j, o in enumerate(options):
        d = [o.vs_baseline[key] for key in keys]
        ys = np.arange(len(keys)) + (j - (k - 1) / 2) * 0.7 / max(k, 1)
        x = [e["diff"] for e in d]
        err = [[e["diff"] - e["low"] for e in d], [e["high"] - e["diff"] for e in d]]
        ax.errorbar(
            x,
            ys,
            xerr=err,
            fmt="o",
            color=colors[o.name],
            capsize=3,
            label=short(o.name, 30),
            gid=f"option-{j}",
        )
    ax.axvline(0, color="black", lw=0.8)
    labels = ["all objectives" if key == "joint" else key for key in keys]
    ax.set_yticks(np.arange(len(keys)), [short(s, 30) for s in labels])
    ax.set_ylim(len(keys) - 0.5, -0.5)
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:+.0f}"))
    ax.set_xlabel("difference to the baseline (percentage points), with 95 % interval")
    ax.set_title("Options against the baseline (paired, same random draws)")
    ax.grid(True, axis="x", alpha=0.3)
    if options:
        ax.legend(loc="best", fontsize=8)
    return fig


def kpi_figure(comparison: Comparison, kpi: str) -> Figure:
    """The distribution of KPI ``kpi`` under each option, as box plots (whiskers at the
    P5 and P95, means as diamonds)."""
    names = list(comparison.outcomes)
    data = []
    for name in names:
        x = np.asarray(comparison.outcomes[name].quantities[kpi], dtype=np.float64)
        data.append(x[np.isfinite(x)])
    fig = _figure((10.0, 1.4 + 0.5 * max(len(names), 3)))
    ax = fig.add_subplot()
    # matplotlib 3.10 names the orientation; 3.11 deprecates the older vert=False
    import inspect

    new = "orientation" in inspect.signature(ax.boxplot).parameters
    horizontal: dict[str, Any] = {"orientation": "horizontal"} if new else {"vert": False}
    ax.boxplot(
        data,
        **horizontal,
        whis=(5, 95),
        showfliers=False,
        showmeans=True,
        meanprops={"marker": "D", "markerfacecolor": "white"},
    )
    ax.set_yticks(np.arange(1, len(names) + 1), [short(n, 30) for n in names])
    ax.set_ylim(len(names) + 0.5, 0.5)
    _thousands(ax, "x")
    ax.set_xlabel(f"{short(kpi, 40)} (the KPI's own unit)")
    ax.set_title(f"KPI {short(kpi, 50)} per option (box: P25–P75, whiskers: P5–P95)")
    ax.grid(True, axis="x", alpha=0.3)
    return fig


def compare_charts(comparison: Comparison) -> list[Chart]:
    """Every chart of a comparison under its stable name: ``objectives``,
    ``differences`` (with more than the baseline) and one ``kpi-<id>`` per KPI."""
    charts = []
    if comparison.options and next(iter(comparison.options.values())).objectives:
        charts.append(Chart("objectives", "Objectives", objectives_figure(comparison)))
    if len(comparison.options) > 1:
        charts.append(Chart("differences", "Against the baseline", differences_figure(comparison)))
    taken: set[str] = set()
    kpis = next(iter(comparison.outcomes.values())).kpi_ids if comparison.outcomes else ()
    for kpi in kpis:
        base = "kpi-" + (_UNSAFE.sub("_", kpi).strip(".") or "_")
        name, k = base, 2
        while name.lower() in taken:
            name, k = f"{base}-{k}", k + 1
        taken.add(name.lower())
        charts.append(Chart(name, f"KPI {kpi}", kpi_figure(comparison, kpi)))
    return charts


# ----------------------------------------------------------------------------- files


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG (100 dpi, the size it was drawn at)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def svg_bytes(fig: Figure) -> bytes:
    """The figure as SVG, the same bytes for the same figure (no date, fixed ids)."""
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "riskengine", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def chart_files(charts: Sequence[Chart], folder: Path) -> dict[Path, bytes]:
    """``name.png`` and ``name.svg`` of every chart, in ``folder``."""
    out: dict[Path, bytes] = {}
    for c in charts:
        out[folder / f"{c.name}.png"] = png_bytes(c.figure)
        out[folder / f"{c.name}.svg"] = svg_bytes(c.figure)
    return out
