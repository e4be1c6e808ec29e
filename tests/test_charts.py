"""Charts draw the numbers the results hold: read back from the matplotlib artists."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import riskengine as rk
from helpers import scenario, task
from riskengine.report import charts as ch

SCENARIO = """\
name: Chart test <&>
start: 2027-01-04
tasks:
  - {id: A, name: "Design <b>and</b> a name far too long to fit on any chart's axis label",
     duration: {dist: triangular, min: 5, mode: 8, max: 16}, cost: {per_day: 1000}}
  - {id: B, duration: {dist: pert, min: 10, mode: 14, max: 30}, predecessors: [A],
     cost: {fixed: 20000, per_day: {dist: uniform, min: 800, max: 1200}}}
  - {id: C, duration: {dist: uniform, min: 6, max: 18}, predecessors: [A]}
  - {id: D, duration: [4, 5, 9], predecessors: [B, C]}
milestones:
  - {id: M1, name: Build done, after: [B, C], target: 2027-02-19}
  - {id: M2, after: [D], target: 40}
risks:
  - id: late
    name: Late permit
    probability: 0.4
    impacts: [{task: B, delay: {dist: triangular, min: 3, mode: 6, max: 12}}]
    mitigation: {cost: 5000, probability: 0.1}
  - id: rework
    probability: 0.3
    impacts: [{task: C, delay: [2, 4, 8]}]
simulation: {iterations: 3000, seed: 11, percentiles: [10, 50, 80, 90]}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    path = tmp_path_factory.mktemp("charts") / "scenario.yaml"
    path.write_text(SCENARIO)
    sc = rk.load_scenario(path)
    results = rk.simulate(sc)
    plan = rk.deterministic_plan(sc)
    after = rk.simulate(sc, mitigated=True, criticality=False, sensitivity="none", jcl=None)
    return results, plan, after


def gid(ax, name):
    """The artists of ``ax`` carrying gid ``name``."""
    found = [a for a in ax.get_children() if a.get_gid() == name]
    assert found, f"no artist {name!r}"
    return found


def line(fig, name):
    for ax in fig.axes:
        for ln in ax.get_lines():
            if ln.get_gid() == name:
                return ln
    raise AssertionError(f"no line {name!r}")


def bars(ax, name="bars"):
    return [p for p in ax.patches if p.get_gid() == name]


@pytest.mark.parametrize("output", ["M1", "M2", "project"])
def test_the_finish_s_curve_passes_through_every_reported_p_date(run, output):
    results, plan, _ = run
    s = results.project if output == "project" else results.milestones[output]
    fig = ch.milestone_figure(results, output, plan)
    curve = line(fig, "s-curve")
    xs = np.asarray(curve.get_xdata(), dtype="datetime64[D]")
    ys = np.asarray(curve.get_ydata())
    for key, date in s.dates.items():
        p = float(key[1:]) / 100
        i = int(np.flatnonzero(xs == np.datetime64(date))[0])
        # a step curve: it reaches p on the Pn date and was below p the date before
        assert ys[i] >= p - 1e-12 and (i == 0 or ys[i - 1] < p)
        mark = line(fig, f"mark-{key}")
        assert np.datetime64(mark.get_xdata()[0], "D") == np.datetime64(date)
        assert mark.get_ydata()[0] == p
    assert ys[-1] == 1.0
    # every iteration is in the histogram
    heights = sum(b.get_height() for b in gid(fig.axes[0], "histogram"))
    assert heights == pytest.approx(1.0)


def test_the_finish_chart_marks_the_plan_and_the_target(run):
    results, plan, _ = run
    fig = ch.milestone_figure(results, "M1", plan)
    planned = line(fig, "plan").get_xdata()[0]
    assert np.datetime64(planned, "D") == np.datetime64(plan.milestones["M1"].dates["P50"])
    target = line(fig, "target").get_xdata()[0]
    assert np.datetime64(target, "D") == np.datetime64("2027-02-19")
    # a target in working days is shown on the date it falls on
    fig = ch.milestone_figure(results, "M2", plan)
    tl = results.timeline
    want = tl.finish_dates(tl.project_finish_time(40.0))
    assert np.datetime64(line(fig, "target").get_xdata()[0], "D") == want


def test_without_a_start_the_s_curve_passes_exactly_through_the_p_values():
    sc = scenario(
        [task("A", [2, 4, 9]), task("B", [3, 5, 12], ["A"])],
        [("M", ["B"], 15.0)],
        iterations=2000,
    )
    results = rk.simulate(sc, percentiles=(10, 50, 80), drivers=False)
    fig = ch.milestone_figure(results, "M")
    curve = line(fig, "s-curve")
    pts = set(zip(curve.get_xdata(), curve.get_ydata(), strict=True))
    for key, v in results.milestones["M"].percentiles.items():
        assert (v, float(key[1:]) / 100) in pts
    assert line(fig, "target").get_xdata()[0] == 15.0
    assert "working days" in fig.axes[0].get_xlabel()


def test_criticality_bars_are_the_most_critical_tasks(run):
    results, _, _ = run
    fig = ch.criticality_figure(results)
    ax = fig.axes[0]
    ranked = results.most_critical(ch.TOP)
    assert [b.get_width() for b in bars(ax)] == [v for _, v in ranked]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == ch.short(results.task_names[ranked[0][0]] or ranked[0][0])
    assert all(len(label) <= ch.NAME_WIDTH for label in labels)
    assert any(label.endswith("…") for label in labels)  # task A's long name, shortened


@pytest.mark.parametrize("measure", ["spearman", "ssi"])
def test_sensitivity_bars_equal_the_sensitivity(run, measure):
    results, _, _ = run
    fig = ch.sensitivity_figure(results, "project", measure)
    widths = [b.get_width() for b in bars(fig.axes[0])]
    want = sorted(
        (getattr(s, measure)["project"] for s in results.sensitivity.values()),
        key=lambda v: -abs(v),
    )
    assert widths == [v for v in want if v != 0][: ch.TOP]
    assert ch.SENSITIVITY_MEASURES[measure] in fig.axes[0].get_title()


def test_risk_bars_equal_the_drivers_before_and_after_mitigation(run):
    results, _, after = run
    fig = ch.risk_figure(results, after)
    order = [r for r, _, _ in ch.risk_values(results)]
    assert set(order) == {"late", "rework"}
    for ax, k in zip(fig.axes, ("P50", "P80"), strict=True):
        assert [b.get_width() for b in bars(ax, f"bars-{k}")] == [
            results.drivers[r]["project"][k] for r in order
        ]
        assert [b.get_width() for b in bars(ax, f"bars-{k}-mitigated")] == [
            after.drivers[r]["project"][k] for r in order
        ]
    assert "project finish" in fig.get_suptitle()


def test_the_cost_s_curve_passes_through_the_cost_p_values(run):
    results, _, _ = run
    fig = ch.cost_figure(results)
    curve = line(fig, "s-curve")
    pts = set(zip(curve.get_xdata(), curve.get_ydata(), strict=True))
    for key, v in results.cost.percentiles.items():
        assert (v, float(key[1:]) / 100) in pts
    assert line(fig, "plan").get_xdata()[0] == results.cost.deterministic
    assert "contingency" in fig.axes[0].get_title()


def test_the_jcl_frontier_is_the_results_frontier(run):
    results, _, _ = run
    fig = ch.results_jcl_figure(results)
    front = line(fig, "frontier")
    n = len(results.jcl.frontier)
    xs = np.asarray(front.get_xdata(), dtype="datetime64[D]")[:n]
    assert list(xs.astype(str)) == [pt["date"] for pt in results.jcl.frontier]
    assert list(front.get_ydata()[:n]) == [pt["cost"] for pt in results.jcl.frontier]


def test_the_convergence_chart_ends_at_the_reported_p_values(run):
    results, _, _ = run
    fig = ch.convergence_figure(results)
    for key in ("P50", "P80"):
        ln = line(fig, f"run-{key}")
        assert ln.get_xdata()[-1] == results.iterations
        assert ln.get_ydata()[-1] == results.project.percentiles[key]
    data = ch.convergence_data(results.project_finish)
    assert np.all(data["P50 low"] <= data["P50"]) and np.all(data["P50"] <= data["P50 high"])
    width = data["P80 high"] - data["P80 low"]
    assert width[-1] < width[0]  # the band narrows as iterations are added


def test_run_charts_names_are_stable_and_files_are_png_and_svg(run, tmp_path):
    results, plan, after = run
    charts = ch.run_charts(results, plan, after)
    names = [c.name for c in charts]
    assert names == [
        "finish-M1",
        "finish-M2",
        "finish-project",
        "criticality",
        "sensitivity",
        "risks",
        "cost",
        "jcl",
        "convergence",
    ]
    for c in charts:
        assert c.figure.axes[0].get_title() or c.figure.get_suptitle()
        assert c.figure.axes[0].get_xlabel()
    files = ch.chart_files(charts[-1:], tmp_path)
    assert files[tmp_path / "convergence.png"][:8] == b"\x89PNG\r\n\x1a\n"
    svg = files[tmp_path / "convergence.svg"]
    assert b"<svg" in svg and svg == ch.svg_bytes(charts[-1].figure)  # the same bytes again


def test_chart_names_of_awkward_ids_are_safe_and_distinct():
    sc = scenario([task("A", 3)], [("a/b", ["A"]), ("a_b", ["A"]), ("..", ["A"]), ("A_B", ["A"])])
    results = rk.simulate(sc, drivers=False)
    names = ch.milestone_files(results)
    assert names == {
        "a/b": "finish-a_b",
        "a_b": "finish-a_b-2",
        "..": "finish-_",
        "A_B": "finish-A_B-3",
        "project": "finish-project",
    }


def test_short_cuts_long_names_with_an_ellipsis():
    assert ch.short("short") == "short"
    assert ch.short("a\nb") == "a b"
    cut = ch.short("x" * 100, 20)
    assert len(cut) == 20 and cut.endswith("…")


def test_wilson_interval_contains_the_share_and_stays_in_0_1():
    for p in (0.0, 0.01, 0.5, 0.99, 1.0):
        lo, hi = ch.wilson(p, 1000)
        assert 0 <= lo <= p <= hi <= 1 and hi > lo


@pytest.fixture(scope="module")
def comparison():
    from pathlib import Path

    portfolio = rk.load_portfolio(Path(__file__).parent.parent / "scenarios/portfolio/fy27.yaml")
    return rk.compare(portfolio, iterations=1000)


def test_objective_dots_and_whiskers_equal_the_probabilities(comparison):
    fig = ch.objectives_figure(comparison)
    ax = fig.axes[0]
    for j, o in enumerate(comparison.options.values()):
        (dots,) = [
            ln for ln in ax.get_lines() if ln.get_gid() == f"option-{j}" and ln.get_marker() == "o"
        ]
        assert list(dots.get_xdata()) == [*o.objectives.values(), o.joint]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [*next(iter(comparison.options.values())).objectives, "all objectives"]


def test_difference_dots_equal_the_paired_differences(comparison):
    fig = ch.differences_figure(comparison)
    ax = fig.axes[0]
    for j, o in enumerate(list(comparison.options.values())[1:]):
        (dots,) = [
            ln for ln in ax.get_lines() if ln.get_gid() == f"option-{j}" and ln.get_marker() == "o"
        ]
        assert list(dots.get_xdata()) == [d["diff"] for d in o.vs_baseline.values()]


def test_kpi_boxes_are_the_kpi_distributions(comparison):
    kpi = "net_value"
    fig = ch.kpi_figure(comparison, kpi)
    medians = [ln for ln in fig.axes[0].get_lines() if ln.get_color() == "C1"]
    for ln, out in zip(medians, comparison.outcomes.values(), strict=True):
        assert ln.get_xdata()[0] == pytest.approx(np.median(out.quantities[kpi]))
    names = [c.name for c in ch.compare_charts(comparison)]
    assert names[:2] == ["objectives", "differences"]
    assert "kpi-net_value" in names


def test_dates_are_dates(run):
    results, _, _ = run
    fig = ch.milestone_figure(results, "project")
    import matplotlib.dates as mdates

    lo, _ = fig.axes[0].get_xlim()
    assert mdates.num2date(lo).date() > dt.date(2026, 12, 1)
    assert isinstance(fig.axes[0].xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
