"""Synthetic schedule networks for the benchmarks.

``synthetic_scenario`` builds a random but schedule-like DAG: every task depends on a few
*recent* tasks (so the network is deep, as real schedules are), links mix all four types
with some lags, durations are triangular, and five milestones sit along the network, the
last after every sink task. ``schedule_scenario`` builds one shaped like a big real
schedule with hundreds of key dates. ``write_yaml`` writes either in the scenario-file
format.
"""

from __future__ import annotations

import datetime as _dt
import random
from pathlib import Path

from riskengine.model.distributions import parse_distribution
from riskengine.model.scenario import Link, Milestone, Scenario, SimulationSettings, Task

LINK_WEIGHTS = {"FS": 0.7, "SS": 0.1, "FF": 0.1, "SF": 0.1}
WINDOW = 200  # most predecessors come from the previous WINDOW tasks
FAR_SHARE = 0.05  # the rest may come from anywhere earlier
LAG_SHARE = 0.3
N_MILESTONES = 5


def synthetic_scenario(
    n_tasks: int = 10_000,
    preds: int = 3,
    seed: int = 0,
    *,
    durations: str = "triangular",
) -> Scenario:
    """A random schedule-like network of ``n_tasks`` tasks, ~``preds`` predecessors each.

    ``durations="fixed"`` gives the same network with fixed (integer) durations equal to
    the triangular modes, which takes sampling out of the picture.
    """
    if durations not in ("triangular", "fixed"):
        raise ValueError("durations must be 'triangular' or 'fixed'")
    rng = random.Random(seed)
    types = list(LINK_WEIGHTS)
    weights = list(LINK_WEIGHTS.values())
    ids = [f"T{i:05d}" for i in range(n_tasks)]
    tasks: list[Task] = []
    modes: list[float] = []
    has_succ = [False] * n_tasks
    for i in range(n_tasks):
        lo = rng.randint(1, 10)
        mode = lo + rng.randint(0, 10)
        hi = mode + rng.randint(1, 20)
        modes.append(float(mode))
        if durations == "fixed":
            dist = parse_distribution({"dist": "fixed", "value": mode})
        else:
            dist = parse_distribution({"dist": "triangular", "min": lo, "mode": mode, "max": hi})
        chosen: set[int] = set()
        k = min(i, preds)
        while len(chosen) < k:
            if rng.random() < FAR_SHARE or i <= WINDOW:
                chosen.add(rng.randrange(i))
            else:
                chosen.add(i - 1 - rng.randrange(WINDOW))
        links = []
        for p in sorted(chosen):
            has_succ[p] = True
            kind = rng.choices(types, weights)[0]
            lag = float(rng.randint(-2, 5)) if rng.random() < LAG_SHARE else 0.0
            links.append(Link(task=ids[p], type=kind, lag=lag))
        tasks.append(Task(id=ids[i], name=f"Task {i}", duration=dist, predecessors=tuple(links)))

    finish = _deterministic_finish(tasks, modes)
    milestones = []
    for m in range(N_MILESTONES - 1):
        centre = (m + 1) * n_tasks // N_MILESTONES
        lo_i, hi_i = max(0, centre - 50), min(n_tasks, centre + 50)
        after = sorted(rng.sample(range(lo_i, hi_i), min(4, hi_i - lo_i)))
        milestones.append(_milestone(m, [ids[j] for j in after], finish, after))
    sinks = [j for j in range(n_tasks) if not has_succ[j]]
    milestones.append(_milestone(N_MILESTONES - 1, [ids[j] for j in sinks], finish, sinks))
    return Scenario(
        name=f"synthetic {n_tasks} tasks (seed {seed})",
        tasks=tuple(tasks),
        milestones=tuple(milestones),
        simulation=SimulationSettings(iterations=10_000, seed=1),
    )


AREA_TASKS = 100  # tasks per work area of schedule_scenario
HANDOFF_SHARE = 0.02  # tasks with a link from an earlier area's task (a handoff)


def schedule_scenario(
    n_tasks: int = 4_000,
    n_milestones: int = 800,
    n_targets: int = 8,
    seed: int = 0,
    start: _dt.date | None = _dt.date(2027, 1, 4),
) -> Scenario:
    """A network shaped like a big real schedule with many key dates (a P6 export).

    The tasks fall in work areas of AREA_TASKS tasks; a task depends on one to three of
    the previous five tasks of its area (FS, some SS/FF with lags), and 2 % of tasks also
    wait on a task of an earlier area (a handoff). Most milestones are key dates that wait on
    one task of an area, so they have few ancestors (those of its area up to that task,
    and what the handoffs bring in); the last one waits on every end task. Durations are
    triangular or PERT, and the schedule has a ``start`` (task dates are counted, as in
    a dated P6 schedule). ``n_targets`` milestones (spread out, the last included) have a
    target 10 % above their plan.
    """
    rng = random.Random(seed)
    ids = [f"A{i // AREA_TASKS:03d}-{i % AREA_TASKS:03d}" for i in range(n_tasks)]
    tasks: list[Task] = []
    modes: list[float] = []
    has_succ = [False] * n_tasks
    for i in range(n_tasks):
        lo = rng.randint(1, 10)
        mode = lo + rng.randint(0, 10)
        hi = mode + rng.randint(1, 20)
        modes.append(float(mode))
        kind = "pert" if rng.random() < 0.3 else "triangular"
        dist = parse_distribution({"dist": kind, "min": lo, "mode": mode, "max": hi})
        first = i - i % AREA_TASKS
        chosen: set[int] = set()
        if i > first:
            for _ in range(rng.randint(1, 3)):
                chosen.add(max(first, i - 1 - rng.randrange(5)))
        if first and rng.random() < HANDOFF_SHARE:
            chosen.add(rng.randrange(first))
        links = []
        for p in sorted(chosen):
            has_succ[p] = True
            kind = "FS" if rng.random() < 0.8 else rng.choice(["SS", "FF"])
            lag = float(rng.randint(0, 3)) if kind != "FS" else 0.0
            links.append(Link(task=ids[p], type=kind, lag=lag))
        tasks.append(Task(id=ids[i], name=f"Task {i}", duration=dist, predecessors=tuple(links)))
    finish = _deterministic_finish(tasks, modes)
    keyed = sorted(rng.sample(range(n_tasks), n_milestones - 1))
    targeted = set(keyed[:: max(1, len(keyed) // max(n_targets - 1, 1))][: n_targets - 1])
    milestones = []
    for m, j in enumerate(keyed):
        ms = _milestone(m, [ids[j]], finish, [j])
        if j not in targeted:
            ms = Milestone(id=ms.id, name=ms.name, after=ms.after)
        milestones.append(ms)
    sinks = [j for j in range(n_tasks) if not has_succ[j]]
    milestones.append(_milestone(n_milestones - 1, [ids[j] for j in sinks], finish, sinks))
    return Scenario(
        name=f"schedule {n_tasks} tasks, {n_milestones} milestones (seed {seed})",
        tasks=tuple(tasks),
        milestones=tuple(milestones),
        start=start,
        simulation=SimulationSettings(iterations=10_000, seed=1),
    )


def _milestone(m: int, after: list[str], finish: list[float], idx: list[int]) -> Milestone:
    # Target 10% above the plan built from the modes, so P(target) is neither 0 nor 1.
    target = float(round(1.1 * max(finish[j] for j in idx)))
    return Milestone(id=f"M{m + 1}", name=f"Milestone {m + 1}", after=tuple(after), target=target)


def _deterministic_finish(tasks: list[Task], modes: list[float]) -> list[float]:
    # Tasks are created in topological order (predecessors always come earlier).
    index = {t.id: i for i, t in enumerate(tasks)}
    es = [0.0] * len(tasks)
    ef = [0.0] * len(tasks)
    for i, t in enumerate(tasks):
        d = modes[i]
        start = 0.0
        for lk in t.predecessors:
            p = index[lk.task]
            x = {"FS": ef[p], "SS": es[p], "FF": ef[p] - d, "SF": es[p] - d}[lk.type] + lk.lag
            start = max(start, x)
        es[i], ef[i] = start, start + d
    return ef


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def write_yaml(scenario: Scenario, path: str | Path) -> None:
    """Write ``scenario`` as a scenario file (the format of ``scenarios/*.yaml``)."""
    out = [f"name: {scenario.name}"]
    if scenario.start is not None:
        out.append(f"start: {scenario.start.isoformat()}")
    out.append("tasks:")
    for t in scenario.tasks:
        p = t.duration.params
        if t.duration.kind == "fixed":
            dur = f"{{dist: fixed, value: {_num(p['value'])}}}"
        elif t.duration.kind in ("triangular", "pert"):
            dur = (
                f"{{dist: {t.duration.kind}, min: {_num(p['min'])}, mode: {_num(p['mode'])}, "
                f"max: {_num(p['max'])}}}"
            )
        else:
            raise ValueError(
                f"write_yaml handles fixed, triangular and pert, not {t.duration.kind}"
            )
        out.append(f"  - id: {t.id}")
        out.append(f"    name: {t.name}")
        out.append(f"    duration: {dur}")
        if t.predecessors:
            links = ", ".join(
                f"{{task: {lk.task}, type: {lk.type}, lag: {_num(lk.lag)}}}"
                for lk in t.predecessors
            )
            out.append(f"    predecessors: [{links}]")
    out.append("milestones:")
    for m in scenario.milestones:
        out.append(f"  - id: {m.id}")
        out.append(f"    name: {m.name}")
        out.append(f"    after: [{', '.join(m.after)}]")
        if m.target is not None:
            out.append(f"    target: {_num(m.target)}")
    s = scenario.simulation
    pct = ", ".join(_num(p) for p in s.percentiles)
    out.append(f"simulation: {{iterations: {s.iterations}, seed: {s.seed}, percentiles: [{pct}]}}")
    Path(path).write_text("\n".join(out) + "\n", encoding="utf-8")


RG300_ACTIVITIES = 300
RG300_LINKS = 5_208  # arcs of the RG300-sized networks, the dummy start's and end's included
RG300_SPREAD = 120  # a link joins two activities at most this far apart in the hidden order


def rangen_like_scenario(
    n_activities: int = RG300_ACTIVITIES,
    n_links: int = RG300_LINKS,
    seed: int = 0,
    *,
    spread: int = RG300_SPREAD,
) -> Scenario:
    """An RG300-sized network: ``n_activities`` activities plus a dummy start and end
    (302 tasks), ``n_links`` finish-to-start links in all (the dummies' included), no lags.

    This is *not* a RanGen RG300 file (those are not shipped here), only a network of the
    same size and shape: activities sit in a hidden random order and each link joins two
    activities at most ``spread`` apart in it, so the network is deep and its order
    strength high (most pairs of activities are ordered), as RanGen's dense instances are.
    Durations are PERT(0.8 d, d, 1.5 d) with d a whole number of days from 1 to 10 (the
    dummies last 0 days). No milestones: the project finish is the output, as in
    RanGen's files. Task ids are given in a shuffled file order, so compiling has to sort
    them.
    """
    rng = random.Random(seed)
    n = n_activities
    perm = list(range(n))
    rng.shuffle(perm)  # file position of the k-th activity of the hidden order
    pairs: set[tuple[int, int]] = set()
    starts: set[int] = set()  # activities with a predecessor among the activities
    ends: set[int] = set()  # and with a successor
    # every activity without a predecessor hangs off START, every one without a successor
    # leads to END: a new link adds one and removes up to two of those, so the total
    # passes through n_links exactly
    while len(pairs) + (n - len(starts)) + (n - len(ends)) != n_links:
        a = rng.randrange(n - 1)
        b = a + 1 + min(int(rng.expovariate(3 / spread)), spread - 1)
        if b < n and (a, b) not in pairs:
            pairs.add((a, b))
            starts.add(b)
            ends.add(a)
    ids = [f"A{perm[k] + 1:03d}" for k in range(n)]
    preds: list[list[str]] = [[] for _ in range(n)]
    for a, b in sorted(pairs):
        preds[b].append(ids[a])
    tasks_by_file: dict[int, Task] = {}
    for k in range(n):
        d = rng.randint(1, 10)
        dist = parse_distribution({"dist": "pert", "min": 0.8 * d, "mode": d, "max": 1.5 * d})
        links = [Link(task=p) for p in preds[k]] if k in starts else [Link(task="START")]
        tasks_by_file[perm[k]] = Task(id=ids[k], duration=dist, predecessors=tuple(links))
    zero = parse_distribution({"dist": "fixed", "value": 0})
    sinks = tuple(Link(task=ids[k]) for k in range(n) if k not in ends)
    tasks = (
        Task(id="START", duration=zero),
        *(tasks_by_file[i] for i in range(n)),
        Task(id="END", duration=zero, predecessors=sinks),
    )
    return Scenario(
        name=f"RG300-sized network (seed {seed}, not the RanGen file)",
        tasks=tasks,
        simulation=SimulationSettings(iterations=20_000, seed=1),
    )


def order_strength(scenario: Scenario) -> float:
    """RanGen's order strength: the share of pairs of tasks that precedence orders
    (directly or through other tasks), dummies excluded."""
    index = {t.id: i for i, t in enumerate(scenario.tasks)}
    reach = [0] * len(scenario.tasks)  # bit j: task j precedes this task
    done: set[int] = set()

    def visit(i: int) -> int:
        if i not in done:
            for lk in scenario.tasks[i].predecessors:
                p = index[lk.task]
                reach[i] |= visit(p) | (1 << p)
            done.add(i)
        return reach[i]

    real = [i for i, t in enumerate(scenario.tasks) if t.id not in ("START", "END")]
    mask = sum(1 << i for i in real)
    ordered = sum(bin(visit(i) & mask).count("1") for i in real)
    return ordered / (len(real) * (len(real) - 1) / 2)
