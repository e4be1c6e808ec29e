import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskengine.analysis.jcl import JointConfidence, analyse, frontier, joint_confidence
from riskengine.errors import OutputError
from riskengine.report.charts import write_chart

TOL = 1e-9
START = np.datetime64("2027-01-04")


def to_date(t):
    days = np.maximum(np.ceil(np.asarray(t, dtype=float) - TOL) - 1, 0).astype(np.int64)
    return START + days


def naive_jcl(cost, finish, c, t):
    return sum(1 for x, f in zip(cost, finish, strict=True) if x <= c and f <= t + TOL) / len(cost)


def naive_frontier(cost, finish, target, deadlines=None):
    """Every whole deadline (or those given), one sort each: O(n · deadlines)."""
    n = len(cost)
    m = max(1, math.ceil(target * n - TOL))
    if deadlines is None:
        deadlines = range(math.floor(finish.min()) - 1, math.ceil(finish.max()) + 1)
    points = []
    for t in deadlines:
        ok = np.sort(cost[finish <= t + TOL])
        if ok.size >= m and (not points or ok[m - 1] < points[-1][0]):
            points.append((float(ok[m - 1]), float(t)))
    return points


def tied_data(seed, n=3000):
    """Finishes on a 0.5-day grid (so many sit exactly on whole deadlines) and costs
    rounded to hundreds: plenty of ties in both."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 2))
    finish = np.round(2 * (120 + 25 * z[:, 0] + 8 * rng.gamma(2.0, size=n))) / 2
    cost = np.round(1e6 + 1.5e5 * (0.6 * z[:, 0] + 0.8 * z[:, 1]), -2)
    return cost, finish


def smooth_data(seed, n=3000):
    rng = np.random.default_rng(seed)
    finish = 80 + rng.gamma(4.0, 10.0, size=n)
    cost = 5e5 + 2e3 * finish + rng.normal(0, 4e4, size=n)
    return cost, finish


def test_joint_confidence_is_the_brute_force_count():
    cost, finish = tied_data(1, n=500)
    for c in (cost.min(), 9.5e5, 1e6, np.median(cost), cost.max()):
        for t in (finish.min(), 110, 120.0, 120.5, 131, finish.max()):
            assert joint_confidence(cost, finish, c, t) == naive_jcl(cost, finish, c, t)


def test_joint_confidence_counts_a_finish_just_past_the_deadline():
    finish = np.array([5 + 5e-10, 5 + 2e-9, 4.0])
    assert joint_confidence(np.zeros(3), finish, 0.0, 5) == pytest.approx(2 / 3)


@pytest.mark.parametrize("seed", [2, 3, 4])
@pytest.mark.parametrize("target", [0.05, 0.5, 0.7, 0.9, 0.999, 1.0])
def test_frontier_matches_the_brute_force_reference(seed, target):
    cost, finish = tied_data(seed)
    assert frontier(cost, finish, target) == naive_frontier(cost, finish, target)


@pytest.mark.parametrize("target", [0.3, 0.7, 0.95])
def test_frontier_matches_the_reference_on_smooth_data(target):
    cost, finish = smooth_data(5)
    assert frontier(cost, finish, target) == naive_frontier(cost, finish, target)


@pytest.mark.parametrize("data", [tied_data, smooth_data])
@pytest.mark.parametrize("target", [0.5, 0.7, 0.85])
def test_every_frontier_point_is_the_cheapest_that_reaches_the_target(data, target):
    cost, finish = data(6)
    n = cost.size
    points = frontier(cost, finish, target)
    assert len(points) > 1
    for c, t in points:
        assert t == round(t)
        assert c in cost
        assert joint_confidence(cost, finish, c, t) >= target
        cheaper = cost[cost < c]
        if cheaper.size:
            assert joint_confidence(cost, finish, cheaper.max(), t) < target
        if data is smooth_data:  # no ties: one iteration more than needed at most
            assert joint_confidence(cost, finish, c, t) - target < 1 / n + 1e-12


def test_deadlines_agree_with_the_jcl_comparison_at_the_tolerance_edge():
    # Finishes a few ulps either side of T + 1e-9, at magnitudes where 1e-9 is and is not
    # representable: the frontier must count them exactly as joint_confidence does.
    base = np.concatenate([np.arange(0.0, 200.0), [1e6, 1e7, 1e8, 1e9]]) + TOL
    finish = np.concatenate([base, *(np.nextafter(base, s * np.inf) for s in (-1, 1))])
    cost = np.random.default_rng(14).permutation(finish.size).astype(float)
    # Between these deadlines no finish starts to count, so the frontier cannot change.
    near = sorted({int(math.floor(f)) + k for f in finish for k in (-1, 0, 1, 2)})
    assert frontier(cost, finish, 0.5) == naive_frontier(cost, finish, 0.5, near)
    for c, t in frontier(cost, finish, 0.5):
        assert joint_confidence(cost, finish, c, t) >= 0.5
        assert joint_confidence(cost, finish, c - 1, t) < 0.5


def test_frontier_is_strictly_decreasing_in_cost_and_increasing_in_time():
    cost, finish = tied_data(7)
    points = frontier(cost, finish, 0.7)
    costs, times = np.array(points).T
    assert (np.diff(costs) < 0).all()
    assert (np.diff(times) > 0).all()
    # the first deadline is the earliest one that 70% of the iterations meet
    assert np.mean(finish <= times[0] + TOL) >= 0.7 > np.mean(finish <= times[0] - 1 + TOL)


def test_target_one_needs_the_dearest_iteration_and_the_latest_deadline():
    cost, finish = smooth_data(8)
    assert frontier(cost, finish, 1.0) == [(cost.max(), math.ceil(finish.max()))]


def test_a_single_iteration():
    assert frontier(np.array([10.0]), np.array([3.2]), 0.7) == [(10.0, 4.0)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 20), st.integers(0, 40).map(lambda k: k / 4)),
        min_size=1,
        max_size=60,
    ),
    st.floats(0.01, 1.0),
)
def test_frontier_matches_the_reference_on_small_samples(pairs, target):
    cost, finish = (np.array(col, dtype=float) for col in zip(*pairs, strict=True))
    assert frontier(cost, finish, target) == naive_frontier(cost, finish, target)


@pytest.mark.parametrize("target", [0.0, -0.1, 1.0001, float("nan")])
def test_a_target_outside_zero_to_one_is_refused(target):
    cost, finish = smooth_data(9, n=10)
    with pytest.raises(ValueError, match="target"):
        frontier(cost, finish, target)
    with pytest.raises(ValueError, match="target"):
        analyse(cost, finish, target, deterministic=(1.0, 1.0), to_date=to_date)


@pytest.mark.parametrize(
    "cost, finish",
    [
        ([], []),
        ([1.0, np.nan], [1.0, 2.0]),
        ([1.0, 2.0], [1.0, np.inf]),
        ([1.0, 2.0], [1.0]),
        ([[1.0]], [[1.0]]),
    ],
)
def test_empty_or_bad_input_is_refused(cost, finish):
    with pytest.raises(ValueError):
        frontier(cost, finish, 0.7)
    with pytest.raises(ValueError):
        joint_confidence(cost, finish, 1.0, 1.0)


def test_analyse_reports_the_reference_pairs_and_the_frontier():
    cost, finish = tied_data(10)
    jc = analyse(cost, finish, 0.7, deterministic=(9.8e5, 112.5), to_date=to_date)
    assert isinstance(jc, JointConfidence)
    assert jc.deterministic == {
        "cost": 9.8e5,
        "finish": 112.5,
        "date": str(START + 112),
        "jcl": naive_jcl(cost, finish, 9.8e5, 112.5),
    }
    for pct, pair in ((50, jc.p50_pair), (80, jc.p80_pair)):
        t = math.ceil(np.percentile(finish, pct))
        assert pair["finish"] == t
        assert pair["cost"] == np.percentile(cost, pct)
        assert pair["date"] == str(START + t - 1)
        assert pair["jcl"] == naive_jcl(cost, finish, pair["cost"], t)
    assert [(pt["cost"], pt["finish"]) for pt in jc.frontier] == frontier(cost, finish, 0.7)
    assert all(pt["date"] == str(START + int(pt["finish"]) - 1) for pt in jc.frontier)


def test_to_dict_is_plain_json():
    cost, finish = smooth_data(11)
    jc = analyse(cost, finish, 0.7, deterministic=(np.float64(7e5), 120.0), to_date=to_date)
    d = jc.to_dict()
    assert set(d) == {"target", "deterministic", "p50_pair", "p80_pair", "frontier"}
    assert set(d["deterministic"]) == {"cost", "finish", "date", "jcl"}
    assert all(set(pt) == {"cost", "finish", "date"} for pt in d["frontier"])
    assert json.loads(json.dumps(d)) == d
    pairs = (d["deterministic"], d["p50_pair"], d["p80_pair"], *d["frontier"])
    scalars = [d["target"], *(v for pair in pairs for v in pair.values())]
    assert all(type(v) in (float, str) for v in scalars)


@pytest.mark.parametrize("n", [500, 30_000])
def test_write_chart_writes_a_png_and_nothing_else(tmp_path, n):
    cost, finish = smooth_data(12, n=n)
    jc = analyse(cost, finish, 0.7, deterministic=(7e5, 110.0), to_date=to_date)
    path = tmp_path / "jcl.png"
    path.write_bytes(b"old")
    write_chart(path, cost, finish, jc, to_date=to_date, title="Project X")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 1000
    assert list(tmp_path.iterdir()) == [path]


def test_a_failed_chart_leaves_no_temporary_file(tmp_path):
    cost, finish = smooth_data(13, n=200)
    jc = analyse(cost, finish, 0.7, deterministic=(7e5, 110.0), to_date=to_date)
    target = tmp_path / "chart.png"
    target.mkdir()  # a folder where the file should go: the final move fails
    with pytest.raises(OutputError):
        write_chart(target, cost, finish, jc, to_date=to_date)
    assert list(tmp_path.iterdir()) == [target]
    assert list(target.iterdir()) == []


def test_importing_jcl_does_not_import_matplotlib():
    code = "import sys, riskengine.analysis.jcl; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
