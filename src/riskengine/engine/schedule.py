"""The deterministic schedule as a table: early and late dates, total float, critical.

It comes from the simulation's own kernel, not from a second critical-path method: the
deterministic plan's network (every estimate at its single point, every constraint
applied as P6 applies it: :func:`~riskengine.engine.simulation.point_network`) runs for
one iteration twice. After the first run, without criticality, the kernel's scratch rows
``X[2t], X[2t+1]`` hold each task's early start and finish in union working days. The
second run adds the project's backward pass, which overwrites those rows in place with
the late start and finish in *positions* of the task's own calendar (union days for a
task on none), while ``XP`` keeps the early dates of calendar tasks as positions: the
total float is the late finish less the early finish in those positions, exactly the
float the kernel tests for criticality (kernels/network.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskengine.engine.calendar import Timeline
from riskengine.engine.compile import CompiledNetwork, compile_network
from riskengine.engine.runner import run_kernel
from riskengine.engine.simulation import point_network
from riskengine.errors import ScenarioError
from riskengine.kernels.args import Work
from riskengine.kernels.network import DATE_EPS
from riskengine.model.scenario import Scenario

COLUMNS = ("early_start", "early_finish", "late_start", "late_finish", "total_float", "critical")


def _passes(net: CompiledNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """The kernel's rows after one iteration: early dates (union days), late dates
    (positions of each task's calendar), early dates as positions (calendar tasks, or
    None when no task has a calendar of its own) and whether each task is critical."""
    rows = []
    for level in (False, "project"):
        work: list[Work] = []
        out = run_kernel(net, 1, 0, criticality=level, block=4, chunk=4, scratch=work)
        rows.append(work[0])
    early, late = rows[0].X[:, 0].copy(), rows[1].X[:, 0].copy()
    xp = rows[1].XP
    positions = xp[:, 0].copy() if xp.shape[0] else None
    return early, late, positions, out.critical[-1] > 0


def _to_union(tl: Timeline, cal: np.ndarray, p: np.ndarray, finish: bool) -> np.ndarray:
    """Union times of starts (``finish`` False) or finishes at positions ``p`` of each
    task's calendar row ``cal`` (-1: union days already), as the kernel converts them
    (``_start``, ``_finish`` in kernels/network.py)."""
    out = p.astype(np.float64).copy()
    on = (cal >= 0) & np.isfinite(p)
    if on.any():
        inverse = tl.finish_time if finish else tl.start_time
        out[on] = inverse(cal[on], p[on])
    return out


def _dates(tl: Timeline, t: np.ndarray, finish: bool) -> np.ndarray:
    """Dates of union times ``t``: a start is on the day it falls in (the next one at a
    day's end), a finish on the last working day of the work (before the start too: late
    dates of negative float); NaT for no date."""
    k = np.ceil(t - DATE_EPS) - 1 if finish else np.floor(t + DATE_EPS)
    ok = np.isfinite(k)
    days = tl.day_dates(np.where(ok, k, 0).astype(np.int64)).astype("datetime64[ns]")
    return np.where(ok, days, np.datetime64("NaT", "ns"))


def _after_days_off(tl: Timeline, cal: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Whether each finish at union time ``t`` would fall on a day its task's calendar
    row ``cal`` does not work (-1: union days, never)."""
    k = np.ceil(t - DATE_EPS) - 1
    ok = np.isfinite(k) & (cal >= 0)
    ki = np.clip(np.where(ok, k, 0) + tl.lead, 0, tl.work.shape[1] - 1).astype(np.int64)
    return ok & (tl.work[np.maximum(cal, 0), ki] == 0)


def _next_working_dates(tl: Timeline, cal: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Dates of the first working day of each calendar row ``cal`` (-1: union days) on
    or after the union day of ``t``: where a finish milestone that waited is dated."""
    k = np.clip(np.floor(t + DATE_EPS), 0, tl.horizon - 1)
    on = cal >= 0
    if on.any():  # the start of the working day at or after day k
        at = tl.cum[cal[on], k[on].astype(int) + tl.lead]
        k[on] = np.maximum(np.floor(tl.start_time(cal[on], at)), k[on])
    return tl.days[k.astype(np.int64)].astype("datetime64[ns]")


def schedule_table(scenario: Scenario) -> pd.DataFrame:
    """The deterministic schedule of ``scenario``, one row per task in topological order
    (indexed by task id): ``early_start``, ``early_finish``, ``late_start``,
    ``late_finish`` (dates; for a scenario without a start date, working days of the
    project calendar from the start, as floats), ``total_float`` (working days of the
    task's own calendar; NaN for finished work) and ``critical`` (total float at most
    the critical tolerance, as the simulation counts it).

    A milestone has one date: a start milestone's is the day it starts, a finish
    milestone's (and any other task's of no duration in the plan) the day its
    predecessors finish. A finished task's late dates are its actual ones.

    Parameters
    ----------
    scenario : Scenario
        The scenario; its single-point estimates make the plan.

    Returns
    -------
    pandas.DataFrame
        The columns above, indexed by task id.

    Raises
    ------
    ScenarioError
        For an invalid scenario.
    """
    try:
        net = compile_network(scenario)
    except ScenarioError as e:
        raise e.located(scenario.source) from None
    net = point_network(net, scenario)
    early, late, positions, critical = _passes(net)
    n = net.n_tasks
    es, ef = early[0 : 2 * n : 2], early[1 : 2 * n : 2]
    ls_pos, lf_pos = late[0 : 2 * n : 2], late[1 : 2 * n : 2]
    cal = net.task_cal
    ef_pos = ef.copy()
    if positions is not None:
        ef_pos = np.where(cal >= 0, positions[1 : 2 * n : 2], ef)
    done = net.task_mode == 1
    total_float = np.where(done, np.nan, lf_pos - ef_pos)
    tl = net.timeline
    ls = np.where(done, es, _to_union(tl, cal, ls_pos, finish=False))
    lf = np.where(done, ef, _to_union(tl, cal, lf_pos, finish=True))
    kinds = {t.id: t.milestone for t in scenario.tasks}
    kind = np.array([kinds[tid] or "" for tid in net.task_ids])
    kind = np.where((kind != "start") & (ef == es), "finish", kind)  # as the kernel's
    columns: dict[str, np.ndarray] = {}
    for name, t, is_finish in (
        ("early_start", es, False),
        ("early_finish", ef, True),
        ("late_start", ls, False),
        ("late_finish", lf, True),
    ):
        if tl.dated:
            by_finish = (kind == "finish") | ((kind != "start") & is_finish)
            # a finish milestone that waited through its calendar's days off, or for the
            # data date (P6 dates it then), is on the next working day of its calendar,
            # as the kernel counts its finish day
            waited = _after_days_off(tl, cal, t)
            if name.startswith("early"):
                waited |= (t == net.fm_open) & ~done
            waited &= kind == "finish"
            columns[name] = np.where(
                by_finish, _dates(tl, t, finish=True), _dates(tl, t, finish=False)
            )
            if waited.any():
                columns[name][waited] = _next_working_dates(tl, cal[waited], t[waited])
        else:
            columns[name] = tl.to_project_days(t)
    for start, finish in (("early_start", "early_finish"), ("late_start", "late_finish")):
        columns[finish] = np.maximum(columns[finish], columns[start])  # zero durations
    columns["total_float"] = total_float
    columns["critical"] = critical & ~done
    return pd.DataFrame(columns, index=pd.Index(net.task_ids, name="task"))
