"""Fuzzing the scenario and portfolio parsers with hypothesis (issue 9).

Documents are nested mappings, lists and scalars biased towards the real keys and value
shapes (ids, dates, distributions, links, KPI expressions) with junk mixed in, written as
YAML; also mutated scenario text and raw bytes. Whatever the file, loading it (and
compiling what loaded, the checks every run makes) either succeeds or raises
``RiskEngineError`` with a bounded message: never another exception.
"""

from __future__ import annotations

import datetime as _dt
import tempfile
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import riskengine
from riskengine.errors import RiskEngineError
from riskengine.io import scenario_file
from riskengine.io.options_file import parse_options
from riskengine.portfolio.composition import compose

MAX_MESSAGE = 1000  # characters; long values are cut in messages

FUZZ = settings(max_examples=300, deadline=None, derandomize=True)

# Scalars ----------------------------------------------------------------------------------


def weighted(*pairs: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """A choice between strategies with whole-number weights: mostly sane values, now and
    then an edge (hypothesis's ``one_of`` favours the rarer branches; this does not)."""
    choices = [s for weight, s in pairs for _ in range(weight)]
    return st.sampled_from(range(len(choices))).flatmap(choices.__getitem__)


IDS = weighted(
    (8, st.sampled_from(["A", "B", "C", "t1", "M", "done", "r1", "std", "p1", "p2"])),
    (1, st.sampled_from(["=cmd", "a b", "x[1]", "é", "A.B", "0"])),
)
DATES = weighted(
    (8, st.dates(min_value=_dt.date(2026, 1, 1), max_value=_dt.date(2029, 12, 31))),
    (1, st.sampled_from([_dt.date(9999, 12, 31), _dt.date(1, 1, 1), _dt.date(9999, 1, 1)])),
    (1, st.sampled_from(["2027-01-04", "2027-02-29", "2027-13-01", "27-1-4", "2027-01-04T10:00"])),
)
NUMBERS = weighted(
    (6, st.integers(0, 60)),
    (3, st.floats(0, 100)),
    (1, st.floats(allow_nan=True, allow_infinity=True)),
    (2, st.sampled_from([-1, -0.0, 1.5, 1e9, 1e14, 1e15, 1e308, 2**63, 2**64, 10**30, 10**400])),
)
TEXTS = weighted(
    (4, st.sampled_from(["Design", "Build", "Legal", "=1+1", "+1", "@x", "-2", "\t=1"])),
    (1, st.sampled_from(["", "30%", "4,5", "12,500", "1e309", "nan", "A FS+2", "A XX", "FS"])),
    (1, st.text(max_size=12)),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXTS, IDS, DATES)

# Every key the parsers know, plus a few near misses, so documents reach deep code.
KEYS = sorted(
    {
        *scenario_file.TOP_KEYS,
        *scenario_file.TASK_KEYS,
        *scenario_file.RISK_KEYS,
        *scenario_file.IMPACT_KEYS,
        *scenario_file.MILESTONE_KEYS,
        *scenario_file.SIMULATION_KEYS,
        *scenario_file.LINK_KEYS,
        *scenario_file.CALENDAR_KEYS,
        *scenario_file.COST_ITEM_KEYS,
        *"""dist value min mode max mean sd low high p50 p90 values weights lambda file
        start_no_earlier_than data_date benefit starts_at per_month ramp_months window
        discount_rate at_least at_most by kpi include exclude scale_durations add_cost
        mitigate override portfolio projects shared_risks kpis objectives options after
        milestone taks <<""".split(),
    }
)
JUNK = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.one_of(st.sampled_from(KEYS), IDS, st.integers(0, 3)), inner, max_size=4
        )
    ),
    max_leaves=12,
)


def maybe(proper: st.SearchStrategy) -> st.SearchStrategy:
    """The proper shape, one time in ten junk instead."""
    return weighted((9, proper), (1, JUNK))


# Scenario shapes --------------------------------------------------------------------------

DIST_NAMES = st.sampled_from(
    ["fixed", "uniform", "triangular", "pert", "trigen", "normal", "lognormal", "discrete", "beta"]
)
DISTRIBUTIONS = st.one_of(
    NUMBERS,
    st.lists(NUMBERS, min_size=3, max_size=3),
    st.fixed_dictionaries(
        {"dist": maybe(DIST_NAMES)},
        optional={
            k: maybe(NUMBERS)
            for k in (
                "value",
                "min",
                "mode",
                "max",
                "mean",
                "sd",
                "low",
                "high",
                "p50",
                "p90",
                "lambda",
            )
        }
        | {"values": st.lists(NUMBERS, max_size=4), "weights": st.lists(NUMBERS, max_size=4)},
    ),
)
LINKS = st.one_of(
    IDS,
    st.sampled_from(["A FS+2", "B SS-1", "A FF+1e9", "A SF", "C XX+1", "A FS+" + "9" * 400]),
    st.fixed_dictionaries(
        {"task": maybe(IDS)},
        optional={
            "type": maybe(st.sampled_from(["FS", "SS", "FF", "SF", "fs", "XX"])),
            "lag": maybe(NUMBERS),
        },
    ),
)
COSTS = st.one_of(
    NUMBERS, st.fixed_dictionaries({}, optional={"fixed": DISTRIBUTIONS, "per_day": DISTRIBUTIONS})
)
TASKS = st.fixed_dictionaries(
    {"id": maybe(IDS), "duration": maybe(DISTRIBUTIONS)},
    optional={
        "name": maybe(TEXTS),
        "predecessors": maybe(st.lists(LINKS, max_size=3)),
        "existence": maybe(NUMBERS),
        "calendar": maybe(IDS),
        "group": maybe(TEXTS),
        "cost": maybe(COSTS),
        "constraint": maybe(st.fixed_dictionaries({"start_no_earlier_than": DATES})),
        "actual_start": maybe(DATES),
        "actual_finish": maybe(DATES),
        "remaining": maybe(DISTRIBUTIONS),
    },
)
MILESTONES = st.fixed_dictionaries(
    {"id": maybe(IDS), "after": maybe(st.lists(IDS, max_size=3))},
    optional={"name": maybe(TEXTS), "target": maybe(st.one_of(NUMBERS, DATES))},
)
IMPACTS = st.fixed_dictionaries(
    {"task": maybe(IDS)},
    optional={"delay": DISTRIBUTIONS, "delay_pct": DISTRIBUTIONS, "cost": DISTRIBUTIONS},
)
RISKS = st.fixed_dictionaries(
    {
        "id": maybe(IDS),
        "probability": maybe(st.one_of(NUMBERS, TEXTS)),
        "impacts": maybe(st.lists(IMPACTS, max_size=3)),
    },
    optional={
        "name": maybe(TEXTS),
        "mitigation": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "cost": NUMBERS,
                    "probability": NUMBERS,
                    "impacts": st.lists(IMPACTS, max_size=2),
                },
            )
        ),
    },
)
CALENDARS = st.dictionaries(
    IDS,
    st.fixed_dictionaries(
        {},
        optional={
            "workdays": maybe(
                st.lists(
                    st.sampled_from(["Mon", "tue", "Sunday", "Fri", "x"]), max_size=5, unique=True
                )
            ),
            "holidays": maybe(st.lists(DATES, max_size=3)),
            "extra_workdays": maybe(st.lists(DATES, max_size=3)),
        },
    ),
    max_size=2,
)
CORRELATIONS = st.fixed_dictionaries(
    {"tasks": maybe(st.lists(IDS, max_size=3))},
    optional={
        "coefficient": maybe(NUMBERS),
        "matrix": maybe(st.lists(st.lists(NUMBERS, max_size=3), max_size=3)),
    },
)
SIMULATION = st.fixed_dictionaries(
    {},
    optional={
        "iterations": maybe(st.sampled_from([0, 1, 10, 10**12, 2.5, -3])),
        "seed": maybe(st.sampled_from([0, 1, 2**64 - 1, 2**64, -1])),
        "percentiles": maybe(st.lists(NUMBERS, max_size=3)),
        "sampling": maybe(st.sampled_from(["lhs", "mc", "monte-carlo", "sobol"])),
    },
)
SCENARIOS = st.fixed_dictionaries(
    {"tasks": maybe(st.lists(TASKS, min_size=1, max_size=4))},
    optional={
        "name": maybe(TEXTS),
        "start": maybe(DATES),
        "calendar": maybe(IDS),
        "calendars": maybe(CALENDARS),
        "milestones": maybe(st.lists(MILESTONES, max_size=2)),
        "risks": maybe(st.lists(RISKS, max_size=2)),
        "correlations": maybe(st.lists(CORRELATIONS, max_size=1)),
        "costs": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {"id": IDS}, optional={"per_day": DISTRIBUTIONS, "fixed": DISTRIBUTIONS}
                ),
                max_size=2,
            )
        ),
        "status": maybe(st.fixed_dictionaries({"data_date": DATES})),
        "simulation": maybe(SIMULATION),
    },
)

# Portfolio shapes -------------------------------------------------------------------------

QUANTITIES = st.sampled_from(
    [
        "total_cost",
        "p1.cost",
        "p2.cost",
        "p1.done",
        "p2.done",
        "value",
        "net",
        "k1",
        "p1",
        "__import__",
        "p1.__class__",
        "os.system",
    ]
)
ATOMS = st.one_of(QUANTITIES, st.sampled_from(["0", "1", "1e308", "1_000", "2.5E-3", "'s'", "[1]"]))
EXPRESSIONS = st.recursive(
    ATOMS,
    lambda inner: st.one_of(
        st.tuples(
            inner, st.sampled_from(["+", "-", "*", "/", "<", "==", "**", "%", " and "]), inner
        ).map("".join),
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"-{e}"),
        st.tuples(
            st.sampled_from(["min", "max", "abs", "where", "exp", "eval"]),
            st.lists(inner, min_size=1, max_size=3),
        ).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
    ),
    max_leaves=10,
)
BENEFITS = st.fixed_dictionaries(
    {
        "benefit": st.fixed_dictionaries(
            {
                "starts_at": maybe(QUANTITIES),
                "per_month": maybe(DISTRIBUTIONS),
                "ramp_months": maybe(NUMBERS),
                "window": maybe(st.lists(DATES, max_size=3)),
            },
            optional={"discount_rate": maybe(NUMBERS)},
        )
    }
)
OBJECTIVES = st.fixed_dictionaries(
    {"id": maybe(IDS)},
    optional={
        "milestone": maybe(QUANTITIES),
        "by": maybe(DATES),
        "kpi": maybe(QUANTITIES),
        "at_least": maybe(NUMBERS),
        "at_most": maybe(NUMBERS),
    },
)
OPTIONS = st.dictionaries(
    st.sampled_from(["baseline", "fast", "lean", "safe"]),
    st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {},
            optional={
                "include": maybe(st.lists(st.sampled_from(["p1", "p2", "p3"]), max_size=2)),
                "exclude": maybe(st.lists(st.sampled_from(["p1", "p2", "p3"]), max_size=2)),
                "start": maybe(st.dictionaries(st.sampled_from(["p1", "p2"]), DATES, max_size=2)),
                "scale_durations": maybe(
                    st.dictionaries(st.sampled_from(["p1", "p2"]), NUMBERS, max_size=2)
                ),
                "add_cost": maybe(
                    st.dictionaries(st.sampled_from(["p1", "p2"]), NUMBERS, max_size=1)
                ),
                "mitigate": maybe(st.lists(st.sampled_from(["p1.slip", "nothing"]), max_size=2)),
                "override": maybe(
                    st.dictionaries(
                        st.sampled_from(["p1.build", "p9.x"]), DISTRIBUTIONS, max_size=1
                    )
                ),
            },
        ),
    ),
    max_size=3,
)
PROJECT_REFS = st.fixed_dictionaries(
    {
        "scenario": weighted(
            (9, st.just("p1.yaml")),
            (9, st.just("p2.yaml")),
            (1, st.sampled_from(["missing.yaml", ".", "p1.yaml/x"])),
        )
    },
    optional={
        "start": maybe(DATES),
        "after": maybe(
            st.lists(
                st.one_of(
                    st.sampled_from(["p1.done", "p2.done", "p1", "x.y"]),
                    st.fixed_dictionaries(
                        {"milestone": maybe(QUANTITIES)}, optional={"lag": NUMBERS}
                    ),
                ),
                max_size=2,
            )
        ),
    },
)
PORTFOLIOS = st.fixed_dictionaries(
    {
        "portfolio": maybe(TEXTS),
        "start": maybe(DATES),
        "projects": maybe(
            st.dictionaries(
                weighted((4, st.sampled_from(["p1", "p2", "q"])), (1, st.just("p.3"))),
                PROJECT_REFS,
                min_size=1,
                max_size=3,
            )
        ),
    },
    optional={
        "kpis": maybe(
            st.dictionaries(
                st.sampled_from(["value", "net", "k1", "total_cost"]),
                st.one_of(EXPRESSIONS, BENEFITS, JUNK),
                max_size=3,
            )
        ),
        "objectives": maybe(st.lists(OBJECTIVES, max_size=3)),
        "options": maybe(OPTIONS),
        "shared_risks": maybe(st.lists(RISKS, max_size=1)),
        "simulation": maybe(SIMULATION),
    },
)

PROJECT = """\
name: Project
start: 2027-01-04
tasks:
  - {id: design, duration: [5, 10, 20], cost: {fixed: 10000, per_day: 500}}
  - {id: build, duration: [10, 15, 30], predecessors: [design]}
milestones:
  - {id: done, after: [build]}
risks:
  - {id: slip, probability: 0.2, impacts: [{task: build, delay: 5}], mitigation: {cost: 10}}
"""


# Checks -----------------------------------------------------------------------------------


def dump(doc: object) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def loads_or_our_error(load, path: Path) -> object | None:  # noqa: ANN001
    """``load(path)``, or None when it raised RiskEngineError with a bounded message;
    any other exception fails the test (hypothesis then shrinks the document)."""
    try:
        return load(path)
    except RiskEngineError as e:
        assert len(str(e)) <= MAX_MESSAGE, f"an error message of {len(str(e)):,} characters"
        return None


def check_scenario_file(path: Path) -> None:
    scenario = loads_or_our_error(riskengine.load_scenario, path)
    if scenario is not None:
        loads_or_our_error(riskengine.compile_network, scenario)


def check_portfolio_file(path: Path) -> None:
    portfolio = loads_or_our_error(riskengine.load_portfolio, path)
    if portfolio is not None:
        loads_or_our_error(riskengine.compile_network, compose(portfolio))
        loads_or_our_error(parse_options, portfolio)


def _write(folder: str, name: str, content: str | bytes) -> Path:
    path = Path(folder) / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


@FUZZ
@given(SCENARIOS)
def test_scenario_documents_load_or_raise_our_error(doc: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_scenario_file(_write(folder, "plan.yaml", dump(doc)))


@FUZZ
@given(JUNK)
def test_junk_documents_load_or_raise_our_error(doc: object) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_scenario_file(_write(folder, "plan.yaml", dump(doc)))


VALID = """\
name: Fuzz
start: 2027-01-04
calendars: {std: {workdays: [Mon, Tue, Wed, Thu, Fri], holidays: [2027-04-02]}}
calendar: std
tasks:
  - {id: A, name: Design, duration: {dist: triangular, min: 2, mode: 3, max: 6}, cost: 100}
  - {id: B, duration: [1, 2, 4], predecessors: ["A SS+2"], cost: {per_day: 10}}
  - {id: C, duration: {dist: pert, min: 2, mode: 4, max: 9}, predecessors: [{task: B, lag: 1}]}
milestones:
  - {id: M, name: Done, after: [C], target: 2027-03-01}
risks:
  - {id: r1, probability: 0.3, impacts: [{task: A, delay: [1, 2, 4]}], mitigation: {cost: 5}}
correlations: [{tasks: [A, B], coefficient: 0.5}]
simulation: {iterations: 100, seed: 1, percentiles: [10, 50, 90]}
"""
YAML_PIECES = st.sampled_from(
    [
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        ": ",
        "- ",
        "&a ",
        "*a",
        "!!set ",
        "!!python/object ",
        "<<: ",
        "\t",
        "\n",
        "  ",
        "'",
        '"',
        "#",
        "%",
        "@",
        "|",
        ">",
        "?",
        "~",
        "\x00",
        "\ufeff",
        "1e309",
        "-1",
        ".nan",
        "9999-12-31",
        "0",
        "99999999999999999999999",
    ]
)
EDITS = st.lists(
    st.tuples(st.floats(0, 1), st.integers(0, 3), st.one_of(YAML_PIECES, st.text(max_size=3))),
    min_size=1,
    max_size=3,
)


def mutate(text: str, edits: list[tuple[float, int, str]]) -> str:
    """Apply each edit at a relative position: insert, replace a few characters, delete."""
    for where, how, piece in edits:
        i = int(where * len(text))
        if how == 0:
            text = text[:i] + piece + text[i:]
        elif how == 1:
            text = text[:i] + piece + text[i + len(piece) :]
        else:
            text = text[:i] + text[i + how :]
    return text


@settings(FUZZ, max_examples=400)
@given(EDITS)
def test_mutated_scenario_text_loads_or_raises_our_error(edits) -> None:  # noqa: ANN001
    with tempfile.TemporaryDirectory() as folder:
        check_scenario_file(_write(folder, "plan.yaml", mutate(VALID, edits)))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.binary(max_size=200))
def test_random_bytes_load_or_raise_our_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_scenario_file(_write(folder, "plan.yaml", data))
        check_portfolio_file(_write(folder, "portfolio.yaml", b"portfolio: x\n" + data))


@FUZZ
@given(PORTFOLIOS)
def test_portfolio_documents_load_or_raise_our_error(doc: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _write(folder, "p1.yaml", PROJECT)
        _write(folder, "p2.yaml", PROJECT.replace("slip", "late"))
        check_portfolio_file(_write(folder, "portfolio.yaml", dump(doc)))


@settings(max_examples=80, deadline=None, derandomize=True)
@given(SCENARIOS, PORTFOLIOS)
def test_portfolio_of_fuzzed_projects_loads_or_raises_our_error(project: dict, doc: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _write(folder, "p1.yaml", dump(project))
        _write(folder, "p2.yaml", PROJECT)
        check_portfolio_file(_write(folder, "portfolio.yaml", dump(doc)))
