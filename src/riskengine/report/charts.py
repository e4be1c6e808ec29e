"""Charts drawn from the numbers analysis/ computed (matplotlib, imported when first
drawn: it takes longer to import than the rest of the package)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from riskengine.analysis.jcl import (
    MAX_CHART_POINTS,
    JointConfidence,
    ToDate,
    checked_samples,
    to_dates,
)
from riskengine.analysis.results import Results
from riskengine.report.outputs import write_atomic


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


def chart_png(
    cost: np.ndarray,
    finish: np.ndarray,
    jc: JointConfidence,
    *,
    to_date: ToDate,
    title: str = "",
) -> bytes:
    """A PNG scatter of the iterations (finish date × cost) with the frontier and the
    reference pairs."""
    # Imported here: matplotlib takes longer to import than the rest of the package.
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    cost, finish = checked_samples(cost, finish)
    n = cost.size
    # Evenly spaced, not random: the same data always gives the same picture.
    keep = np.linspace(0, n - 1, min(n, MAX_CHART_POINTS)).astype(np.int64)

    fig = Figure(figsize=(10, 6.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
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
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel("finish date")
    ax.set_ylabel("cost")
    ax.set_title(title or "Joint confidence: cost and finish")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper right", fontsize=8, markerscale=1.0)

    png = io.BytesIO()
    fig.savefig(png, format="png")
    return png.getvalue()


def jcl_chart(results: Results) -> bytes:
    """The JCL scatter (finish date × cost, frontier, reference pairs) as PNG bytes."""
    if results.jcl is None or results.costs is None or results.timeline is None:
        raise ValueError("these results have no joint confidence analysis")
    return chart_png(
        results.costs["total"],
        results.times[results.jcl_milestone],
        results.jcl,
        to_date=results.timeline.finish_dates,
        title=f"{results.scenario_name}: cost and {results.jcl_milestone} finish",
    )
