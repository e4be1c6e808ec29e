"""A corpus of hostile and malformed inputs for the ``riskengine`` command (issue 9).

``build(folder)`` writes every case into a folder of its own and returns the cases;
tests/test_hostile.py runs each as ``python -m riskengine ARGS`` and checks the outcome.
``python tests/hostile_corpus.py DIR`` writes them for inspection and lists them.

Each case has inputs in ``<folder>/<name>/in`` (named in its arguments by absolute path)
and an output folder ``<folder>/<name>/out``, the working directory of its run, so
relative output paths land there. A negative case (``status=2``) promises: exit status 2,
one ``error:`` line naming the file (and the field or column where it says so), no
traceback, no new or changed file anywhere in its folder, and peak memory under 1 GB.
A positive case (``status=0``) promises success and what its ``verify`` checks; a case
with ``status=EITHER`` may do either, cleanly (where issue 9 leaves the choice open).

Everything is deterministic. Bombs are small on disk by nature (aliases, entities,
compressed runs of one byte), so the corpus is built at test time into a temporary folder.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import stat
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

EITHER = None  # exit status 0 or 2, both clean

YAML = "yaml"
NUMERIC = "numeric"
GRAPH = "graph"
SPREADSHEET = "spreadsheet"
KPI = "kpi"
FILESYSTEM = "filesystem"
CLI = "cli"
CATEGORIES = (YAML, NUMERIC, GRAPH, SPREADSHEET, KPI, FILESYSTEM, CLI)

MARK = "HOSTILE"  # every formula-injection payload contains it, so outputs can be searched


@dataclass
class Run:
    """What a finished run left behind, for a case's ``verify``."""

    out: Path
    stdout: str
    stderr: str
    drained: bytes = b""  # what the harness read from the case's ``drain`` FIFO


@dataclass(frozen=True)
class Expect:
    status: int | None = 2
    mentions: tuple[str, ...] = ()  # text the error line contains (case-insensitive)
    first_line: bool = False  # the error line must be stderr's first line (click usage)
    verify: Callable[[Run], list[str]] | None = None  # problems with a successful run
    forbid: tuple[str, ...] = ()  # text that must appear in neither stdout nor stderr


@dataclass(frozen=True)
class Case:
    name: str
    category: str
    args: tuple[str, ...]
    files: tuple[str, ...]  # what the case created, relative to its folder
    expect: Expect
    cwd: Path  # the output folder
    env: dict[str, str] = field(default_factory=dict)
    slow: bool = False  # a memory bomb (pytest marker ``slow``; still run by default)
    skip: str = ""  # why the case cannot run here (e.g. it needs a user other than root)
    drain: Path | None = None  # a FIFO the harness reads from while the command runs

    @property
    def folder(self) -> Path:
        return self.cwd.parent

    @property
    def command(self) -> str:
        return "python -m riskengine " + " ".join(_quote(a) for a in self.args)


def _quote(arg: str) -> str:
    return arg if re.fullmatch(r"[\w@%+=:,./-]+", arg) else repr(arg)


# Special inputs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Fifo:
    pass


@dataclass(frozen=True)
class Folder:
    mode: int = 0o755


@dataclass(frozen=True)
class Link:
    target: str


@dataclass(frozen=True)
class NullDevice:
    """A private character device like /dev/null (major 1, minor 3): writing to it tests
    ``--json /dev/null`` without risking the real one when running as root."""


Content = str | bytes | Fifo | Folder | Link | NullDevice


def _make(path: Path, content: Content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, Fifo):
        os.mkfifo(path)
    elif isinstance(content, Folder):
        path.mkdir()
        path.chmod(content.mode)
    elif isinstance(content, Link):
        path.symlink_to(content.target)
    elif isinstance(content, NullDevice):
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    else:
        raise TypeError(content)


def _can_mknod(folder: Path) -> bool:
    probe = folder / ".mknod-probe"
    try:
        os.mknod(probe, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except OSError:
        return False
    probe.unlink()
    return True


# Documents ----------------------------------------------------------------------------------


def bomb(levels: int = 9, width: int = 9) -> str:
    """A YAML flow list whose last item expands to width**levels strings through aliases
    (9**9 ≈ 387 million): a few hundred bytes that are gigabytes once expanded."""
    parts = ["&l0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        parts.append(f"&l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "[" + ", ".join(parts) + "]"


BOMB = bomb()
RISK = "[{id: r1, name: Permit delayed, probability: 0.3, impacts: [{task: A, delay: [1, 2, 4]}]}]"


def plan(
    *,
    name: str = "Hostile plan",
    start: str | None = "2027-01-04",
    a_id: str = "A",
    a_name: str = "Design",
    a_duration: str = "[2, 3, 6]",
    b_duration: str = "4",
    b_preds: str = "[{task: A, type: FS, lag: 0}]",
    ms_name: str = "Handover",
    ms_after: str = "[B]",
    target: str | None = "2027-03-01",
    simulation: str = "{iterations: 200, seed: 1}",
    risks: str | None = None,
    extra: str = "",
) -> str:
    """A small valid scenario (two tasks, a milestone, costs) with one slot replaced."""
    lines = [f"name: {name}"]
    if start is not None:
        lines.append(f"start: {start}")
    lines += [
        "tasks:",
        f"  - id: {a_id}",
        f"    name: {a_name}",
        f"    duration: {a_duration}",
        "    cost: {fixed: 1000, per_day: 100}",
        "  - id: B",
        "    name: Build",
        f"    duration: {b_duration}",
        f"    predecessors: {b_preds}",
        "milestones:",
        "  - id: M",
        f"    name: {ms_name}",
        f"    after: {ms_after}",
    ]
    if target is not None:
        lines.append(f"    target: {target}")
    lines.append(f"simulation: {simulation}")
    if risks is not None:
        lines.append(f"risks: {risks}")
    return "\n".join(lines) + "\n" + extra


def lag(value: str) -> str:
    return f"[{{task: A, type: FS, lag: {value}}}]"


PROJECT = """\
name: Project {n}
start: 2027-01-04
tasks:
  - {{id: design, duration: [5, 10, 20], cost: {{fixed: 10000, per_day: 500}}}}
  - {{id: build, duration: [10, 15, 30], predecessors: [design], cost: {{per_day: 800}}}}
milestones:
  - {{id: done, after: [build]}}
risks:
  - {{id: slip, probability: 0.2, impacts: [{{task: build, delay: [2, 5, 10]}}],
     mitigation: {{cost: 2000, probability: 0.05}}}}
"""

KPIS = """\
  value:
    benefit: {starts_at: p2.done, per_month: 10000, ramp_months: 2,
              window: [2027-06-01, 2027-12-31]}
  net: "value - 0.1 * total_cost"
"""
OBJECTIVES = """\
  - {id: on-time, milestone: p2.done, by: 2027-06-30}
  - {id: worth-it, kpi: net, at_least: 0}
"""
OPTIONS = """\
  baseline: {}
  faster: {scale_durations: {p1: 0.9}}
  safer: {mitigate: [p1.slip]}
"""
PROJECTS = """\
  p1: {scenario: p1.yaml}
  p2: {scenario: p2.yaml, after: [{milestone: p1.done, lag: 0}]}
"""


def portfolio(
    *,
    name: str = "Hostile portfolio",
    start: str = "2027-01-04",
    projects: str = PROJECTS,
    kpis: str = KPIS,
    objectives: str = OBJECTIVES,
    options: str = OPTIONS,
    simulation: str = "{iterations: 200, seed: 1}",
) -> str:
    """A small valid portfolio over p1.yaml and p2.yaml with one block replaced."""
    return (
        f"portfolio: {name}\nstart: {start}\nprojects:\n{projects}kpis:\n{kpis}"
        f"objectives:\n{objectives}options:\n{options}simulation: {simulation}\n"
    )


def portfolio_files(**blocks: str) -> dict[str, Content]:
    return {
        "portfolio.yaml": portfolio(**blocks),
        "p1.yaml": PROJECT.format(n=1),
        "p2.yaml": PROJECT.format(n=2),
    }


REG_COLUMNS = (
    "id,name,owner,category,probability,task,delay_min,delay_mode,delay_max,cost,"
    "mitigated_probability,mitigation_cost"
).split(",")
REG_ROWS = (
    ["r1", "Permit delayed", "Legal", "external", "0.3", "A", "1", "2", "4", "1000", "0.1", "500"],
    ["r2", "Crane late", "Site", "supply", "0.2", "B", "0", "1", "3", "", "", ""],
)


def reg_rows(**first_row: object) -> list[list[object]]:
    """The register's header and rows, with cells of the first row replaced by column."""
    row: list[object] = list(REG_ROWS[0])
    for col, value in first_row.items():
        row[REG_COLUMNS.index(col)] = value
    return [list(REG_COLUMNS), row, list(REG_ROWS[1])]


def csv_text(rows: Sequence[Sequence[object]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def reg_plan(register: str = "risks.csv", **slots: str) -> str:
    return plan(risks=f"{{file: {register}}}", **slots)


# Hand-built workbooks ---------------------------------------------------------------------

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@dataclass(frozen=True)
class Formula:
    text: str
    cached: str | None = None  # a cached text result, as Excel stores it


@dataclass(frozen=True)
class Shared:
    index: int  # a cell that refers to the shared-string table


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(ref: str, value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Formula):
        cached = f"<v>{_xml_text(value.cached)}</v>" if value.cached is not None else ""
        kind = ' t="str"' if value.cached is not None else ""
        return f'<c r="{ref}"{kind}><f>{_xml_text(value.text)}</f>{cached}</c>'
    if isinstance(value, Shared):
        return f'<c r="{ref}" t="s"><v>{value.index}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = str(value)
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return f'<c r="{ref}"><v>{text}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{_xml_text(text)}</t></is></c>'


def sheet_xml(
    rows: Sequence[Sequence[object]],
    *,
    dimension: str | None = None,
    prolog: str = "",
    tail: str = "",
) -> str:
    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{_letters(c)}{r}", v) for c, v in enumerate(row, start=1))
        body.append(f'<row r="{r}">{cells}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{prolog}'
        f'<worksheet xmlns="{_NS}">{dim}<sheetData>{"".join(body)}{tail}</sheetData></worksheet>'
    )


def workbook(
    sheet: str, *, shared: str | None = None, big_shared_mb: int = 0, drop: str = ""
) -> bytes:
    """An .xlsx file built by hand with zipfile: one worksheet ``sheet`` (XML text), an
    optional shared-string table (XML text, or one string of ``big_shared_mb`` MB that
    compresses to about a thousandth of that), and optionally one part left out."""
    has_shared = shared is not None or big_shared_mb > 0
    types = [
        f'<Override PartName="/xl/workbook.xml" ContentType="{_SML}.sheet.main+xml"/>',
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_SML}.worksheet+xml"/>',
    ]
    rels = [f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>']
    if has_shared:
        types.append(
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SML}.sharedStrings+xml"/>'
        )
        rels.append(
            f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        )
    parts = {
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_CT}">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f"{''.join(types)}</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_NS}" xmlns:r="{_REL}">'
            '<sheets><sheet name="Register" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
            f"{''.join(rels)}</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            if name != drop:
                z.writestr(_entry(name), text)
        if big_shared_mb:
            with z.open(_entry("xl/sharedStrings.xml"), "w", force_zip64=True) as fh:
                fh.write(f'<sst xmlns="{_NS}" count="1" uniqueCount="1"><si><t>'.encode())
                chunk = b"A" * 2**20
                for _ in range(big_shared_mb):
                    fh.write(chunk)
                fh.write(b"</t></si></sst>")
    return buf.getvalue()


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed time stamp, so the same workbook has the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(2027, 1, 4, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def xlsx_register(rows: Sequence[Sequence[object]], **kw: object) -> bytes:
    return workbook(sheet_xml(rows), **kw)  # type: ignore[arg-type]


ENTITY_BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE sst [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + f']>\n<sst xmlns="{_NS}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)


# Checks of successful runs ----------------------------------------------------------------


def _load_json(path: Path) -> tuple[object, list[str]]:
    def reject(token: str) -> object:
        raise ValueError(f"non-standard JSON token {token}")

    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_constant=reject), []
    except (OSError, ValueError) as e:
        return None, [f"{path.name}: not valid strict JSON: {e}"]


def _dig(doc: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(doc, dict) or key not in doc:
            return None
        doc = doc[key]
    return doc


def json_equals(name: str, keys: tuple[str, ...], expected: float) -> Callable[[Run], list[str]]:
    def verify(run: Run) -> list[str]:
        doc, problems = _load_json(run.out / name)
        if problems:
            return problems
        got = _dig(doc, *keys)
        if got != expected:
            return [f"{name}: {'.'.join(keys)} is {got!r}, expected exactly {expected!r}"]
        return []

    return verify


def _nulls_under(doc: object, key: str, inside: bool = False) -> bool:
    """Whether any value under a mapping key ``key`` (at any depth) is null."""
    if isinstance(doc, dict):
        return any(_nulls_under(v, key, inside or k == key) for k, v in doc.items())
    if isinstance(doc, list):
        return any(_nulls_under(v, key, inside) for v in doc)
    return inside and doc is None


def strict_json_or_error(name: str, kpi: str) -> Callable[[Run], list[str]]:
    """A KPI that may be NaN or infinite: if the run succeeds, its JSON must still be
    strict (``null``, never ``NaN``), and a null for the KPI needs a warning naming it."""

    def verify(run: Run) -> list[str]:
        doc, problems = _load_json(run.out / name)
        warned = any(
            line.startswith("warning:") and kpi in line for line in run.stderr.splitlines()
        )
        if not problems and _nulls_under(doc, kpi) and not warned:
            problems.append(f"KPI {kpi!r} is null in {name} but no 'warning:' line names it")
        return problems

    return verify


def _csv_cells(folder: Path) -> list[tuple[str, str]]:
    cells = []
    for path in sorted(folder.rglob("*.csv")):
        with open(path, newline="", encoding="utf-8-sig") as fh:
            cells += [(path.name, cell) for row in csv.reader(fh) for cell in row]
    return cells


DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def csv_neutralised(run: Run) -> list[str]:
    """Every CSV cell holding a payload starts with none of = + - @ tab CR (OWASP)."""
    cells = [(f, c) for f, c in _csv_cells(run.out) if MARK in c]
    if not cells:
        return ["no CSV cell holds the payload text (was it dropped?)"]
    bad = [f"{f}: {c[:40]!r}" for f, c in cells if c.startswith(DANGEROUS)]
    return [f"live formula text in CSV: {', '.join(bad[:4])}"] if bad else []


def xlsx_text_cells(name: str) -> Callable[[Run], list[str]]:
    """The payload is in the workbook as text and in no formula (``<f>``) element."""

    def verify(run: Run) -> list[str]:
        try:
            with zipfile.ZipFile(run.out / name) as z:
                xml = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}
        except (OSError, zipfile.BadZipFile) as e:
            return [f"{name}: cannot open the workbook: {e}"]
        formulas = [
            f for text in xml.values() for f in re.findall(r"<f[ >].*?</f>", text) if MARK in f
        ]
        problems = [f"{name}: payload written as a formula: {formulas[0][:80]}"] if formulas else []
        if not any(MARK in text for text in xml.values()):
            problems.append(f"{name}: the payload text is missing from the workbook")
        return problems

    return verify


def register_value(name: str, column: str, expected: float) -> Callable[[Run], list[str]]:
    """Risk r1's ``column`` in a register CSV written by ``register -o``."""

    def verify(run: Run) -> list[str]:
        try:
            with open(run.out / name, newline="", encoding="utf-8-sig") as fh:
                rows = list(csv.DictReader(fh))
        except OSError as e:
            return [f"{name}: {e}"]
        row = next((r for r in rows if r.get("id") == "r1"), None)
        if row is None or column not in row:
            return [f"{name}: no risk r1 or no column {column!r}"]
        try:
            got = float(row[column])
        except ValueError:
            return [f"{name}: r1 {column} is {row[column]!r}, not a number"]
        if abs(got - expected) > 1e-9 * max(1.0, abs(expected)):
            return [f"{name}: r1 {column} is {got!r}, expected {expected!r} (guessed silently)"]
        return []

    return verify


def device_kept(name: str) -> Callable[[Run], list[str]]:
    def verify(run: Run) -> list[str]:
        st = os.lstat(run.out / name)
        if not stat.S_ISCHR(st.st_mode) or st.st_rdev != os.makedev(1, 3):
            return [f"{name} is no longer the null character device"]
        return []

    return verify


def fifo_kept(name: str) -> Callable[[Run], list[str]]:
    def verify(run: Run) -> list[str]:
        if not stat.S_ISFIFO(os.lstat(run.out / name).st_mode):
            return [f"{name} is no longer a FIFO (replaced by a file?)"]
        try:
            json.loads(run.drained.decode("utf-8"))
        except ValueError as e:
            return [f"what was written to the FIFO is not JSON: {e}"]
        return []

    return verify


def stdout_has(text: str) -> Callable[[Run], list[str]]:
    def verify(run: Run) -> list[str]:
        return [] if text in run.stdout else [f"stdout does not contain {text!r}"]

    return verify


# The corpus -------------------------------------------------------------------------------


class _Corpus:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.cases: list[Case] = []

    def add(
        self,
        category: str,
        name: str,
        args: Sequence[str],
        files: dict[str, Content] | None = None,
        *,
        status: int | None = 2,
        file: str | None = "",
        mentions: Sequence[str] = (),
        out: dict[str, Content] | None = None,
        env: dict[str, str] | None = None,
        slow: bool = False,
        skip: str = "",
        first_line: bool = False,
        verify: Callable[[Run], list[str]] | None = None,
        forbid: Sequence[str] = (),
        drain: str | None = None,
    ) -> None:
        """``args`` name inputs as ``@file`` (in the case's ``in`` folder); the error line
        must mention ``file`` (default: the first ``@`` argument's name; ``None``: no
        file) and every item of ``mentions``. ``out`` pre-populates the output folder."""
        assert name not in {c.name for c in self.cases}, name
        folder = self.folder / name
        inputs, outputs = folder / "in", folder / "out"
        inputs.mkdir(parents=True)
        outputs.mkdir()
        made = []
        for rel, content in (files or {}).items():
            _make(inputs / rel, content)
            made.append(f"in/{rel}")
        for rel, content in (out or {}).items():
            _make(outputs / rel, content)
            made.append(f"out/{rel}")
        argv = tuple(str(inputs / a[1:]) if a.startswith("@") else a for a in args)
        if file == "":
            file = next((Path(a[1:]).name for a in args if a.startswith("@")), None)
        named = ((file,) if file else ()) + tuple(mentions)
        expect = Expect(status, named, first_line, verify, tuple(forbid))
        self.cases.append(
            Case(
                name,
                category,
                argv,
                tuple(made),
                expect,
                outputs,
                dict(env or {}),
                slow,
                skip,
                outputs / drain if drain else None,
            )
        )


def build(folder: str | Path) -> list[Case]:
    """Write every case under ``folder`` (which must be empty or new) and return them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty")
    corpus = _Corpus(folder)
    for add_cases in (_yaml, _numeric, _graph, _spreadsheet, _kpi, _filesystem, _cli):
        add_cases(corpus)
    return corpus.cases


RUN = ("run", "@plan.yaml", "-q", "--json", "out.json")
VALIDATE = ("validate", "@plan.yaml")
REGISTER = ("register", "@plan.yaml", "-o", "register.xlsx", "-n", "100", "-q")
COMPARE = ("compare", "@portfolio.yaml", "-q", "--json", "out.json")
RUN_PORTFOLIO = ("run", "@portfolio.yaml", "-q", "--json", "out.json")


def _yaml(c: _Corpus) -> None:
    def add(name: str, text: str | bytes, args=RUN, **kw) -> None:
        c.add(YAML, name, args, {"plan.yaml": text}, **kw)

    def bombed(name: str, text: str, args=RUN, **kw) -> None:
        add(name, text, args, slow=True, **kw)

    # Alias expansion ("billion laughs") wherever a value is read.
    bombed("alias_scenario_name", plan(name=BOMB), VALIDATE)
    bombed("alias_task_name", plan(a_name=BOMB))
    bombed("alias_milestone_name", plan(ms_name=BOMB), VALIDATE)
    bombed("alias_milestone_target", plan(target=BOMB))
    bombed("alias_start", plan(start=BOMB), VALIDATE)
    bombed("alias_duration_number", plan(a_duration=BOMB))
    bombed(
        "alias_duration_param",
        plan(a_duration=f"{{dist: triangular, min: {BOMB}, mode: 3, max: 6}}"),
    )
    bombed("alias_lag", plan(b_preds=lag(BOMB)))
    bombed("alias_predecessors", plan(b_preds=BOMB), VALIDATE)
    bombed("alias_iterations", plan(simulation=f"{{iterations: {BOMB}}}"))
    bombed("alias_percentiles", plan(simulation=f"{{percentiles: {BOMB}}}"))
    bombed(
        "alias_risk_probability",
        plan(risks=f"[{{id: r1, probability: {BOMB}, impacts: [{{task: A, delay: 2}}]}}]"),
    )
    bombed(
        "alias_holidays", plan(extra=f"calendars: {{std: {{holidays: {BOMB}}}}}\ncalendar: std\n")
    )
    bombed("alias_cost", plan(a_duration="2", extra=f"costs: [{{id: rent, per_day: {BOMB}}}]\n"))
    # Shared anchors defined in one field and used in another; merge keys.
    bombed(
        "alias_defined_in_name_used_in_target",
        plan(a_name=f"&bomb {BOMB}", target="*bomb"),
    )
    merged = f"  - <<: {{name: {BOMB}}}\n    id: C\n    duration: 1\nmilestones:"
    bombed("merge_key_bomb_name", plan().replace("milestones:", merged, 1), VALIDATE)
    nested_merge = "".join(
        f"&m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 9)}], k{i}: {BOMB if i == 8 else i}}}, "
        for i in range(1, 9)
    )
    bombed(
        "merge_key_chain",
        plan(a_name=f"[&m0 {{k0: 0}}, {nested_merge}x]", extra="calendars: {std: *m8}\n"),
        VALIDATE,
    )
    add("self_alias_list", plan(a_name="&a [*a]"), VALIDATE)
    add(
        "self_alias_mapping",
        plan().replace("  - id: B\n", "  - &t {id: C, duration: 1, name: *t}\n  - id: B\n"),
        VALIDATE,
    )
    # Tags: Python objects, other safe-loader types, unknown tags.
    add(
        "python_object_apply",
        plan(a_name='!!python/object/apply:os.system ["touch pwned"]'),
    )
    add("python_name", plan(a_duration="!!python/name:os.system"), VALIDATE)
    add("custom_tag", plan(a_name="!include /etc/passwd"), VALIDATE, forbid=("root:x:0",))
    add("binary_tag_task_name", plan(a_name="!!binary aGVsbG8="), VALIDATE, mentions=("name",))
    add("set_tag_task_name", plan(a_name="!!set {a, b}"), VALIDATE, mentions=("name",))
    add("set_tag_predecessors", plan(b_preds="!!set {A}"), VALIDATE, mentions=("predecessors",))
    add("list_as_task_name", plan(a_name="[Design, Build]"), mentions=("name",))
    add("map_as_task_name", plan(a_name="{Design: Build}"), VALIDATE, mentions=("name",))
    add("list_as_milestone_name", plan(ms_name="[Hand, over]"), VALIDATE, mentions=("name",))
    # Structure.
    add("deep_nesting_flow", plan(a_name="[" * 100_000 + "]" * 100_000), VALIDATE)
    block = "".join(" " * (6 + i) + "a:\n" for i in range(1100)) + " " * 1106 + "1"
    add("deep_nesting_block", plan(a_name="\n" + block), VALIDATE)
    add(
        "duplicate_key",
        plan().replace("    duration: 4\n", "    duration: 4\n    duration: 5\n"),
        VALIDATE,
    )
    add("duplicate_top_key", plan() + "tasks: []\n", VALIDATE)
    add(
        "tab_indentation",
        plan().replace("  - id: B\n    name: Build", "  - id: B\n\tname: Build"),
        VALIDATE,
    )
    add("bom_inside", plan().replace("milestones:", "\ufeffmilestones:"), VALIDATE)
    add("list_document", "- tasks\n- milestones\n", VALIDATE)
    add("empty_file", "", VALIDATE)
    add(
        "invalid_utf8",
        plan(a_name="Design").encode().replace(b"Design", b"Des\xff\xfeign"),
        VALIDATE,
    )
    add("nul_bytes", plan(a_name="Des\x00ign"), VALIDATE)
    rng = random.Random(2027)
    add(
        "binary_file",
        b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(4096)),
        VALIDATE,
    )
    add(
        "long_value_60kb",
        plan(a_duration='"' + "7" * 30_000 + "x" * 30_000 + '"'),
        mentions=("duration",),
    )
    add("long_key_60kb", plan(extra="? " + "k" * 60_000 + "\n: 1\n"), VALIDATE)
    add("bom_at_start", "\ufeff" + plan(), VALIDATE, status=0, verify=stdout_has("OK"))
    add("long_name_60kb", plan(a_name="n" * 60_000), VALIDATE, status=0, verify=stdout_has("OK"))
    add("utf16_file", plan().encode("utf-16"), VALIDATE, status=EITHER)


def _numeric(c: _Corpus) -> None:
    def add(name: str, text: str, args=RUN, **kw) -> None:
        c.add(NUMERIC, name, args, {"plan.yaml": text}, **kw)

    def dur(name: str, value: str, **kw) -> None:
        add(name, plan(a_duration=value), mentions=("duration",), **kw)

    dur("duration_nan", ".nan")
    dur("duration_inf", ".inf")
    dur("duration_1e308_float", "1.0e+308")
    dur("duration_1e309_float", "1.0e+309")
    dur("duration_1e309_text", "1e309")
    dur("duration_int_500_digits", "9" * 500)
    dur("duration_int_5000_digits", "9" * 5000)
    dur("duration_negative", "-3")
    dur("triangular_negative_min", "[-1, 2, 3]")
    dur("pert_int_500_digits_max", "{dist: pert, min: 1, mode: 2, max: " + "9" * 500 + "}")
    dur("discrete_zero_weights", "{dist: discrete, values: [1, 2], weights: [0, 0]}")
    dur("duration_comma_decimal", '"4,5"')
    add("duration_1e9_with_start", plan(a_duration="1000000000"))
    add("duration_1e14_with_start", plan(a_duration="100000000000000"))
    add(
        "duration_1e14_no_start",
        plan(start=None, target="10", a_duration="100000000000000"),
        status=EITHER,
    )
    add(
        "duration_minus_zero",
        plan(a_duration="-0.0", b_preds=lag("-0.0")),
        VALIDATE,
        status=0,
        verify=stdout_has("OK"),
    )

    def lagged(name: str, value: str, **kw) -> None:
        add(name, plan(b_preds=lag(value)), **kw)

    lagged("lag_1e9_with_start", "1000000000")
    lagged("lag_1e14_with_start", "100000000000000")
    lagged("lag_int_500_digits", "9" * 500, mentions=("lag",))
    add(
        "lag_shorthand_huge", plan(b_preds='["A FS+' + "9" * 400 + '"]'), mentions=("predecessors",)
    )
    add("lag_1e9_no_start", plan(start=None, target="10", b_preds=lag("1000000000")), status=EITHER)

    def sim(name: str, value: str, key: str, args=RUN, **kw) -> None:
        add(name, plan(simulation=f"{{{key}: {value}}}"), args, mentions=(key,), **kw)

    sim("iterations_1e12", "1000000000000", "iterations", slow=True)
    sim("iterations_zero", "0", "iterations")
    sim("iterations_float", "1000.5", "iterations")
    sim("iterations_int_500_digits", "9" * 500, "iterations")
    sim("seed_2_to_64", str(2**64), "seed")
    sim("seed_int_5000_digits", "9" * 5000, "seed")
    sim("percentile_101", "[50, 101]", "percentiles")
    sim("percentile_minus_1", "[-1, 50]", "percentiles")
    add("seed_max", plan(simulation=f"{{iterations: 100, seed: {2**64 - 1}}}"), status=0)

    add("start_year_9999", plan(start="9999-12-01", target=None))
    add("start_year_1", plan(start="0001-01-01", target=None), status=EITHER)
    add("start_year_0", plan(start="0000-01-01"), VALIDATE, mentions=("start",))
    add("target_year_9999", plan(target="9999-12-31"), status=EITHER)
    add(
        "constraint_year_9999",
        plan().replace(
            "    name: Build\n",
            "    name: Build\n    constraint: {start_no_earlier_than: 9999-12-30}\n",
        ),
    )

    def risk(name: str, probability: str, **kw) -> None:
        text = plan(
            risks=f"[{{id: r1, probability: {probability}, impacts: [{{task: A, delay: 2}}]}}]"
        )
        c.add(NUMERIC, name, REGISTER, {"plan.yaml": text}, mentions=("probability",), **kw)

    risk("probability_1_5", "1.5")
    risk("probability_comma", '"4,5"')
    risk("probability_percent", '"30%"', status=EITHER)
    add(
        "existence_1_5",
        plan().replace("    name: Build\n", "    name: Build\n    existence: 1.5\n"),
        mentions=("existence",),
    )
    add(
        "correlation_1_5",
        plan(extra="correlations: [{tasks: [A, B], coefficient: 1.5}]\n"),
        mentions=("coefficient",),
    )
    add(
        "cost_int_500_digits",
        plan().replace("fixed: 1000", "fixed: " + "9" * 500),
        mentions=("cost",),
    )


def _graph(c: _Corpus) -> None:
    def add(name: str, text: str, args=VALIDATE, **kw) -> None:
        c.add(GRAPH, name, args, {"plan.yaml": text}, **kw)

    add("self_link", plan(b_preds="[B]"), mentions=("B",))
    add("unknown_predecessor", plan(b_preds="[Z]"), mentions=("Z",))
    add("unknown_predecessor_60kb", plan(b_preds="[" + "z" * 60_000 + "]"))
    add(
        "two_task_cycle",
        plan().replace(
            "    cost: {fixed: 1000, per_day: 100}\n",
            "    cost: {fixed: 1000, per_day: 100}\n    predecessors: [B]\n",
            1,
        ),
        mentions=("cycle",),
    )
    add("unknown_link_type", plan(b_preds='["A XX+2"]'), mentions=("predecessors",))
    add("predecessors_mapping", plan(b_preds="{A: FS}"), mentions=("predecessors",))
    add("duplicate_task_id", plan(a_id="B"), mentions=("B",))
    add("task_id_with_space", plan(a_id='"A 1"', b_preds='["A 1"]'))
    add("task_id_bool", plan(a_id="true"), mentions=("id",))
    add("milestone_unknown_task", plan(ms_after="[Z]"), mentions=("Z",))
    add("milestone_after_empty", plan(ms_after="[]"), mentions=("after",))
    add(
        "risk_unknown_task",
        plan(risks="[{id: r1, probability: 0.2, impacts: [{task: Z, delay: 2}]}]"),
        mentions=("Z",),
    )
    add(
        "correlation_unknown_task",
        plan(extra="correlations: [{tasks: [A, Z], coefficient: 0.5}]\n"),
        mentions=("Z",),
    )
    add(
        "calendar_unknown",
        plan().replace("    name: Build\n", "    name: Build\n    calendar: nope\n"),
        mentions=("nope",),
    )
    add(
        "calendar_without_workdays",
        plan(extra="calendars: {std: {workdays: []}}\ncalendar: std\n"),
        RUN,
        mentions=("workdays",),
    )
    add(
        "calendar_one_extra_workday",
        plan(
            extra="calendars: {std: {workdays: [], extra_workdays: [2027-01-04]}}\ncalendar: std\n"
        ),
        RUN,
    )
    n = 3000
    cycle = "".join(
        f"  - {{id: t{i}, duration: 1, predecessors: [t{(i - 1) % n}]}}\n" for i in range(n)
    )
    add("cycle_3000_tasks", f"name: Cycle\ntasks:\n{cycle}", mentions=("cycle",))
    n = 5000
    chain = "".join(
        f"  - {{id: t{i}, duration: 1{f', predecessors: [t{i - 1}]' if i else ''}}}\n"
        for i in range(n)
    )
    tail = (
        f"milestones: [{{id: end, after: [t{n - 1}]}}]\nsimulation: {{iterations: 50, seed: 1}}\n"
    )
    add(
        "chain_5000_tasks",
        f"name: Chain\ntasks:\n{chain}{tail}",
        ("run", "@plan.yaml", "-q", "--no-sensitivity", "--json", "out.json"),
        status=0,
        verify=json_equals("out.json", ("project", "mean"), 5000.0),
    )
    reverse = "".join(reversed(chain.splitlines(keepends=True)))
    add(
        "chain_5000_tasks_listed_backwards",
        f"name: Chain\ntasks:\n{reverse}{tail}",
        status=0,
        verify=stdout_has("OK"),
    )
    # Across the projects of a portfolio.
    cyc = PROJECTS.replace("p1: {scenario: p1.yaml}", "p1: {scenario: p1.yaml, after: [p2.done]}")
    c.add(
        GRAPH,
        "portfolio_project_cycle",
        ("validate", "@portfolio.yaml"),
        portfolio_files(projects=cyc),
        mentions=("cycle",),
    )
    unk = PROJECTS.replace("p1.done", "p1.nowhere")
    c.add(
        GRAPH,
        "portfolio_after_unknown",
        ("validate", "@portfolio.yaml"),
        portfolio_files(projects=unk),
        mentions=("nowhere",),
    )
    dot = PROJECTS.replace("p1: {scenario: p1.yaml}", "p.1: {scenario: p1.yaml}")
    c.add(
        GRAPH,
        "portfolio_project_id_dot",
        ("validate", "@portfolio.yaml"),
        portfolio_files(projects=dot),
    )


def _spreadsheet(c: _Corpus) -> None:
    def add_csv(
        name: str, content: Content, args=REGISTER, *, file: str | None = "risks.csv", **kw
    ) -> None:
        c.add(
            SPREADSHEET,
            name,
            args,
            {"plan.yaml": reg_plan(), "risks.csv": content},
            file=file,
            **kw,
        )

    def add_xlsx(name: str, content: bytes, args=REGISTER, **kw) -> None:
        files = {"plan.yaml": reg_plan("risks.xlsx"), "risks.xlsx": content}
        c.add(SPREADSHEET, name, args, files, file="risks.xlsx", **kw)

    to_csv = ("register", "@plan.yaml", "-o", "register.csv", "-n", "100", "-q")
    add_csv(
        "csv_valid",
        csv_text(reg_rows()),
        to_csv,
        status=0,
        verify=register_value("register.csv", "probability", 0.3),
    )
    add_csv(
        "csv_comma_decimal_delay",
        csv_text(reg_rows(delay_mode="4,5", delay_max="60")),
        mentions=("delay",),
    )
    add_csv("csv_comma_decimal_cost", csv_text(reg_rows(cost="12,5")), mentions=("cost",))
    add_csv(
        "csv_comma_decimal_probability",
        csv_text(reg_rows(probability="0,3")),
        mentions=("probability",),
    )
    add_csv("csv_comma_list_cost", csv_text(reg_rows(cost="1,2,3")), mentions=("cost",))
    add_csv(
        "csv_thousands_cost",
        csv_text(reg_rows(cost="12,500")),
        to_csv,
        status=EITHER,
        mentions=("cost",),
        verify=register_value("register.csv", "cost_P50", 12500.0),
    )
    add_csv(
        "csv_percent_probability",
        csv_text(reg_rows(probability="30%")),
        to_csv,
        status=EITHER,
        mentions=("probability",),
        verify=register_value("register.csv", "probability", 0.3),
    )
    add_csv("csv_ragged_row", csv_text(reg_rows()) + "r3,Extra,,,0.1,A,1,2,3,,,,surplus,cells\n")
    add_csv(
        "csv_short_row", csv_text(reg_rows()) + "r3,Short,,,0.1,A,1,2,3\n", to_csv, status=EITHER
    )
    add_csv("csv_nul_bytes", csv_text(reg_rows(name="Per\x00mit")))
    add_csv("csv_200kb_number", csv_text(reg_rows(delay_max="9" * 200_000)))
    add_csv("csv_200kb_name", csv_text(reg_rows(name="n" * 200_000)), status=EITHER)
    add_csv("csv_invalid_utf8", csv_text(reg_rows()).encode().replace(b"Legal", b"Le\xffgal"))
    add_csv("csv_utf16", csv_text(reg_rows()).encode("utf-16"), status=EITHER)
    add_csv("csv_bom", "\ufeff" + csv_text(reg_rows()), to_csv, status=0)
    add_csv("csv_empty", "")
    add_csv("csv_unknown_column", csv_text([[*REG_COLUMNS, "=cmd"], [*REG_ROWS[0], "x"]]))
    add_csv("csv_nan", csv_text(reg_rows(delay_max="nan")), mentions=("delay_max",))
    add_csv("csv_1e309", csv_text(reg_rows(cost="1e309")), mentions=("cost",))
    add_csv("csv_500_digits", csv_text(reg_rows(cost="9" * 500)), mentions=("cost",))
    add_csv("csv_formula_number", csv_text(reg_rows(delay_max="=1+3")), mentions=("delay_max",))

    to_xlsx_csv = ("register", "@plan.yaml", "-o", "register.csv", "-n", "100", "-q")
    add_xlsx(
        "xlsx_valid",
        xlsx_register(reg_rows()),
        to_xlsx_csv,
        status=0,
        verify=register_value("register.csv", "probability", 0.3),
    )
    add_xlsx("xlsx_not_a_zip", b"id,probability,task\nr1,0.3,A\n")
    good = xlsx_register(reg_rows())
    add_xlsx("xlsx_truncated_zip", good[: len(good) // 2])
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").close()  # no entries, so no time stamps
    add_xlsx("xlsx_empty_zip", empty.getvalue())
    add_xlsx("xlsx_missing_sheet", workbook(sheet_xml(reg_rows()), drop="xl/worksheets/sheet1.xml"))
    add_xlsx("xlsx_malformed_xml", workbook(sheet_xml(reg_rows())[:-40]))
    corner = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    add_xlsx(
        "xlsx_dimension_bomb",
        workbook(sheet_xml(reg_rows(), dimension="A1:XFD1048576", tail=corner)),
        slow=True,
    )
    add_xlsx(
        "xlsx_dimension_claim_only",
        workbook(sheet_xml(reg_rows(), dimension="A1:XFD1048576")),
        to_xlsx_csv,
        status=EITHER,
        slow=True,
    )
    add_xlsx(
        "xlsx_entity_bomb",
        workbook(sheet_xml(reg_rows(name=Shared(0))), shared=ENTITY_BOMB),
        slow=True,
    )
    add_xlsx(
        "xlsx_zip_bomb_shared_string",
        workbook(sheet_xml(reg_rows(name=Shared(0))), big_shared_mb=700),
        slow=True,
    )
    xxe = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    add_xlsx(
        "xlsx_xxe_passwd",
        workbook(sheet_xml(reg_rows(name="&xxe;"), prolog=xxe).replace("&amp;xxe;", "&xxe;")),
        forbid=("root:x:0",),
    )
    add_xlsx(
        "xlsx_comma_decimal_delay",
        xlsx_register(reg_rows(delay_mode="4,5", delay_max="60")),
        mentions=("delay",),
    )
    add_xlsx("xlsx_comma_decimal_cost", xlsx_register(reg_rows(cost="12,5")), mentions=("cost",))
    add_xlsx(
        "xlsx_percent_probability",
        xlsx_register(reg_rows(probability="30%")),
        to_xlsx_csv,
        status=EITHER,
        mentions=("probability",),
        verify=register_value("register.csv", "probability", 0.3),
    )
    add_xlsx(
        "xlsx_formula_without_value",
        xlsx_register(reg_rows(probability=Formula("0.1*3"))),
        mentions=("probability",),
    )
    err = sheet_xml(reg_rows(delay_max="ERRCELL")).replace(
        '<c r="I2" t="inlineStr"><is><t>ERRCELL</t></is></c>', '<c r="I2" t="e"><v>#DIV/0!</v></c>'
    )
    add_xlsx("xlsx_error_cell", workbook(err), mentions=("delay_max",))
    add_xlsx(
        "xlsx_ragged_row",
        xlsx_register(
            [*reg_rows(), ["r3", "Extra", "", "", 0.1, "A", 1, 2, 3, "", "", "", "surplus"]]
        ),
    )


BLOCKS = ("kpis", "objectives", "options", "projects", "name", "start", "simulation")


def benefit(**fields: str) -> str:
    """A benefit KPI as YAML flow text, with fields replaced or added."""
    spec = {"starts_at": "p2.done", "per_month": "1", "ramp_months": "1"}
    spec["window"] = "[2027-01-01, 2027-12-31]"
    spec.update(fields)
    return "{benefit: {" + ", ".join(f"{k}: {v}" for k, v in spec.items()) + "}}"


def _kpi(c: _Corpus) -> None:
    def add(label: str, args=RUN_PORTFOLIO, **blocks_and_kw) -> None:
        blocks = {k: blocks_and_kw.pop(k) for k in BLOCKS if k in blocks_and_kw}
        c.add(KPI, label, args, portfolio_files(**blocks), **blocks_and_kw)

    def expr(name: str, text: str, args=RUN_PORTFOLIO, **kw) -> None:
        add(name, args, kpis=KPIS + f"  bad: {text}\n", **kw)

    add("portfolio_valid_compare", COMPARE, status=0)
    for name, text in (
        ("zero_over_zero", '"0 * total_cost / 0"'),
        ("one_over_zero", '"total_cost / 0"'),
        ("overflow", '"total_cost * 1e308 * 1e308"'),
    ):
        expr(
            f"kpi_{name}",
            text,
            status=EITHER,
            mentions=("bad",),
            verify=strict_json_or_error("out.json", "bad"),
        )
    add(
        "kpi_nan_objective_compare",
        COMPARE,
        kpis=KPIS + '  bad: "0 * total_cost / 0"\n',
        objectives=OBJECTIVES + "  - {id: nan-goal, kpi: bad, at_least: 0}\n",
        status=EITHER,
        mentions=("bad",),
        verify=strict_json_or_error("out.json", "bad"),
    )
    n = 3000
    chain = (
        "".join(f'  k{i}: "k{i + 1} + 1"\n' for i in range(n - 1))
        + f'  k{n - 1}: "total_cost * 0 + 1"\n'
    )
    add(
        "kpi_chain_3000_reverse",
        (
            "run",
            "@portfolio.yaml",
            "-q",
            "-n",
            "50",
            "--no-sensitivity",
            "--no-drivers",
            "--json",
            "out.json",
        ),
        kpis=KPIS + chain,
        status=0,
        verify=json_equals("out.json", ("kpis", "k0", "mean"), float(n)),
    )
    cyc = "".join(f'  c{i}: "c{(i + 1) % n} + 1"\n' for i in range(n))
    add("kpi_cycle_3000", kpis=KPIS + cyc, mentions=("cycle",))
    add("kpi_cycle_two", kpis=KPIS + '  a: "b + 1"\n  b: "a + 1"\n', mentions=("cycle",))
    expr("kpi_expression_1001_chars", '"' + "+".join(["1"] * 500) + '+11"', mentions=("bad",))
    expr("kpi_nesting_33", '"' + "(" * 33 + "total_cost" + ")" * 33 + '"', mentions=("bad",))
    expr("kpi_dunder_import", "\"__import__('os').system('touch pwned')\"", mentions=("bad",))
    expr("kpi_attribute", '"total_cost.real"', mentions=("bad",))
    expr("kpi_lambda", '"(lambda: 1)()"', mentions=("bad",))
    expr("kpi_unknown_quantity", '"p3.done + 1"', mentions=("bad",))
    expr(
        "kpi_number_500_digits",
        '"' + "9" * 500 + ' + total_cost"',
        status=EITHER,
        mentions=("bad",),
    )
    expr("kpi_bomb_expression", BOMB, mentions=("bad",), slow=True)
    expr(
        "kpi_bomb_benefit_start",
        benefit(starts_at=BOMB),
        slow=True,
    )
    expr(
        "kpi_benefit_per_month_nan",
        benefit(per_month=".nan"),
        mentions=("per_month",),
    )
    expr(
        "kpi_benefit_window_reversed",
        benefit(window="[2028-01-01, 2027-01-01]"),
        mentions=("window",),
    )
    expr(
        "kpi_benefit_ramp_zero",
        benefit(ramp_months="0"),
        status=EITHER,
        mentions=("ramp_months",),
        verify=strict_json_or_error("out.json", "bad"),
    )
    expr(
        "kpi_benefit_discount_huge",
        benefit(discount_rate="1.0e+14"),
        status=EITHER,
        mentions=("discount_rate",),
        verify=strict_json_or_error("out.json", "bad"),
    )
    add("kpi_name_list", kpis=KPIS + "  ? [a, b]\n  : total_cost\n")
    add("kpi_name_builtin", kpis=KPIS + '  total_cost: "1 + 1"\n', mentions=("total_cost",))
    add(
        "objective_id_list",
        objectives=OBJECTIVES + "  - {id: [a, b], kpi: net, at_least: 0}\n",
        mentions=("objectives",),
    )
    add(
        "objective_id_bomb",
        objectives=OBJECTIVES + f"  - {{id: {BOMB}, kpi: net, at_least: 0}}\n",
        slow=True,
    )
    add(
        "objective_at_least_bomb",
        objectives=OBJECTIVES + f"  - {{id: x, kpi: net, at_least: {BOMB}}}\n",
        slow=True,
    )
    add(
        "objective_unknown_kpi",
        objectives=OBJECTIVES + "  - {id: x, kpi: nothing, at_least: 0}\n",
        mentions=("nothing",),
    )
    add(
        "objective_at_least_nan",
        objectives=OBJECTIVES + "  - {id: x, kpi: net, at_least: .nan}\n",
        mentions=("at_least",),
    )
    add(
        "option_include_empty",
        COMPARE,
        options=OPTIONS + "  nothing: {include: []}\n",
        mentions=("include",),
    )
    add(
        "option_exclude_all",
        COMPARE,
        options=OPTIONS + "  nothing: {exclude: [p1, p2]}\n",
        mentions=("nothing",),
    )
    add(
        "option_include_bomb", COMPARE, options=OPTIONS + f"  odd: {{include: {BOMB}}}\n", slow=True
    )
    add(
        "option_scale_bomb",
        COMPARE,
        options=OPTIONS + f"  odd: {{scale_durations: {{p1: {BOMB}}}}}\n",
        slow=True,
    )
    add(
        "option_scale_huge",
        COMPARE,
        options=OPTIONS + "  odd: {scale_durations: {p1: 1.0e+300}}\n",
        mentions=("scale_durations",),
    )
    add("option_start_year_9999", COMPARE, options=OPTIONS + "  odd: {start: {p1: 9999-12-01}}\n")
    add(
        "option_override_unknown_task",
        COMPARE,
        options=OPTIONS + "  odd: {override: {p1.nothing: 5}}\n",
        mentions=("nothing",),
    )
    add("portfolio_name_bomb", ("validate", "@portfolio.yaml"), name=BOMB, slow=True)
    add("portfolio_start_year_9999", start="9999-12-01", mentions=("start",))
    add(
        "portfolio_after_bomb",
        ("validate", "@portfolio.yaml"),
        projects=PROJECTS.replace("[{milestone: p1.done, lag: 0}]", BOMB),
        slow=True,
    )
    add("portfolio_after_lag_1e14", projects=PROJECTS.replace("lag: 0", "lag: 100000000000000"))


def _filesystem(c: _Corpus) -> None:
    def add(name: str, args, files=None, **kw) -> None:
        c.add(FILESYSTEM, name, args, files, **kw)

    valid = {"plan.yaml": plan(risks=RISK)}
    limit = {"RISKENGINE_MAX_INPUT_MB": "0.01"}
    padded = plan() + "# padding\n" * 2000  # 20 KB, above a 0.01 MB limit
    add("scenario_dev_zero", ("validate", "/dev/zero"), file="/dev/zero", slow=True)
    add("scenario_dev_zero_run", ("run", "/dev/zero", "-q"), file="/dev/zero", slow=True)
    add("scenario_dev_zero_compare", ("compare", "/dev/zero"), file="/dev/zero", slow=True)
    add("scenario_fifo", VALIDATE, {"plan.yaml": Fifo()})
    add("scenario_fifo_compare", COMPARE, {"portfolio.yaml": Fifo()})
    add("scenario_symlink_dev_zero", VALIDATE, {"plan.yaml": Link("/dev/zero")}, slow=True)
    add("scenario_directory", VALIDATE, {"plan.yaml": Folder()})
    add("scenario_missing", ("validate", "@nothing.yaml"))
    add(
        "scenario_under_a_file",
        ("validate", "@plan.yaml/inner.yaml"),
        {"plan.yaml": plan()},
        file="inner.yaml",
    )
    add("scenario_above_input_limit", VALIDATE, {"plan.yaml": padded}, env=limit)
    add(
        "scenario_bad_limit_variable",
        VALIDATE,
        {"plan.yaml": plan()},
        env={"RISKENGINE_MAX_INPUT_MB": "lots"},
        file=None,
        mentions=("RISKENGINE_MAX_INPUT_MB",),
    )
    add(
        "scenario_unreadable",
        VALIDATE,
        {"plan.yaml": plan()},
        skip="root reads any file" if os.geteuid() == 0 else "",
    )
    reg = {"plan.yaml": reg_plan()}
    add("register_dev_zero_path", REGISTER, {"plan.yaml": reg_plan("/dev/zero")}, file="/dev/zero")
    add(
        "register_symlink_dev_zero",
        REGISTER,
        {**reg, "risks.csv": Link("/dev/zero")},
        file="risks.csv",
        slow=True,
    )
    add("register_fifo", REGISTER, {**reg, "risks.csv": Fifo()}, file="risks.csv")
    add("register_directory", REGISTER, {**reg, "risks.csv": Folder()}, file="risks.csv")
    add(
        "register_above_input_limit",
        VALIDATE,
        {
            **reg,
            "risks.csv": csv_text(reg_rows() + [[f"x{i}", *REG_ROWS[1][1:]] for i in range(400)]),
        },
        env=limit,
        file="risks.csv",
    )
    pf = portfolio_files()
    for name, content in (
        ("fifo", Fifo()),
        ("directory", Folder()),
        ("symlink_dev_zero", Link("/dev/zero")),
    ):
        add(
            f"project_{name}",
            ("validate", "@portfolio.yaml"),
            {**pf, "p2.yaml": content},
            file="p2.yaml",
            slow=name.endswith("zero"),
        )
    add(
        "project_dev_zero_path",
        ("validate", "@portfolio.yaml"),
        {**pf, "portfolio.yaml": pf["portfolio.yaml"].replace("p2.yaml", "/dev/zero")},
        file="/dev/zero",
        slow=True,
    )
    add(
        "project_missing",
        ("validate", "@portfolio.yaml"),
        {**pf, "portfolio.yaml": pf["portfolio.yaml"].replace("p2.yaml", "p9.yaml")},
        file="p9.yaml",
    )
    add(
        "project_above_input_limit",
        ("validate", "@portfolio.yaml"),
        {**pf, "p2.yaml": PROJECT.format(n=2) + "#" * 20_000 + "\n"},
        env=limit,
        file="p2.yaml",
    )
    # Outputs.
    null = "null"
    if _can_mknod(c.folder):
        add(
            "json_null_device",
            ("run", "@plan.yaml", "-q", "-n", "100", "--json", null),
            valid,
            out={null: NullDevice()},
            status=0,
            verify=device_kept(null),
        )
    elif os.geteuid() != 0:  # renaming over /dev/null needs root, so the real one is safe
        add(
            "json_null_device",
            ("run", "@plan.yaml", "-q", "-n", "100", "--json", "/dev/null"),
            valid,
            status=0,
        )
    else:
        add("json_null_device", RUN, valid, skip="cannot create a private null device")
    add(
        "json_fifo",
        ("run", "@plan.yaml", "-q", "-n", "100", "--json", "pipe.json"),
        valid,
        out={"pipe.json": Fifo()},
        status=EITHER,
        file="pipe.json",
        verify=fifo_kept("pipe.json"),
        drain="pipe.json",
    )
    add(
        "json_equals_scenario",
        ("run", "@plan.yaml", "-q", "-n", "100", "--json", "@plan.yaml"),
        valid,
    )
    add(
        "json_equals_register",
        ("run", "@plan.yaml", "-q", "-n", "100", "--json", "@risks.json.csv"),
        {"plan.yaml": reg_plan("risks.json.csv"), "risks.json.csv": csv_text(reg_rows())},
        file="risks.json.csv",
    )
    add(
        "register_output_equals_register_input",
        ("register", "@plan.yaml", "-o", "@risks.csv", "-n", "100"),
        {"plan.yaml": reg_plan(), "risks.csv": csv_text(reg_rows())},
        file="risks.csv",
    )
    add(
        "register_output_equals_register_xlsx",
        ("register", "@plan.yaml", "-o", "@risks.xlsx", "-n", "100"),
        {"plan.yaml": reg_plan("risks.xlsx"), "risks.xlsx": xlsx_register(reg_rows())},
        file="risks.xlsx",
    )
    add(
        "compare_json_equals_portfolio",
        ("compare", "@portfolio.yaml", "-q", "--json", "@portfolio.yaml"),
        pf,
    )
    add(
        "compare_json_equals_project",
        ("compare", "@portfolio.yaml", "-q", "--json", "@p1.yaml"),
        pf,
        file="p1.yaml",
    )
    add(
        "run_portfolio_json_equals_project",
        ("run", "@portfolio.yaml", "-q", "--json", "@p2.yaml"),
        pf,
        file="p2.yaml",
    )
    add(
        "json_with_csv_suffix",
        ("run", "@plan.yaml", "-q", "--json", "results.csv"),
        valid,
        file="results.csv",
    )
    add(
        "json_with_xlsx_suffix",
        ("compare", "@portfolio.yaml", "-q", "--json", "results.xlsx"),
        pf,
        file="results.xlsx",
    )
    add(
        "csv_dir_is_a_file",
        ("run", "@plan.yaml", "-q", "--csv", "existing.txt"),
        valid,
        out={"existing.txt": "keep me\n"},
        file="existing.txt",
    )
    add(
        "two_outputs_same_file",
        ("run", "@plan.yaml", "-q", "--csv", "tables", "--json", "tables/milestones.csv"),
        valid,
        out={"tables": Folder()},
        file="milestones.csv",
    )
    add(
        "register_output_suffix",
        ("register", "@plan.yaml", "-o", "register.txt"),
        valid,
        file="register.txt",
    )
    root = "root may write anywhere" if os.geteuid() == 0 else ""
    add(
        "json_folder_not_writable",
        ("run", "@plan.yaml", "-q", "--json", "locked/out.json"),
        valid,
        out={"locked": Folder(0o555)},
        file="out.json",
        skip=root,
    )
    # Formula injection: text from the scenario written to CSV and XLSX outputs.
    payloads = {
        "eq": f'"=HYPERLINK(\\"http://x.invalid/{MARK}\\", \\"click\\")"',
        "plus": f'"+{MARK}+1"',
        "minus": f'"-1+{MARK}"',
        "at": f'"@SUM({MARK})"',
        "tab": f'"\\t={MARK}"',
        "cr": f'"\\r={MARK}"',
    }
    injected = (
        f"name: \"={MARK}('scenario')\"\nstart: 2027-01-04\ntasks:\n"
        + "".join(
            f'  - {{id: "{"=" if k == "eq" else "+"}{MARK}{k}", name: {p}, group: {p}, '
            "duration: [1, 2, 3], cost: 100}\n"
            for k, p in payloads.items()
        )
        + f'milestones:\n  - {{id: "={MARK}ms", name: {payloads["eq"]}, after: [={MARK}eq]}}\n'
        + "risks:\n"
        + "".join(
            f'  - {{id: "-{MARK}r{k}", name: {p}, owner: {p}, category: {p}, probability: 0.3, '
            f"impacts: [{{task: ={MARK}eq, delay: [1, 2, 3]}}]}}\n"
            for k, p in payloads.items()
        )
        + "simulation: {iterations: 200, seed: 1}\n"
    )
    inj = {"plan.yaml": injected}
    add(
        "formula_names_run_csv",
        ("run", "@plan.yaml", "-q", "--csv", "tables"),
        inj,
        status=0,
        verify=csv_neutralised,
    )
    add(
        "formula_names_register_xlsx",
        ("register", "@plan.yaml", "-q", "-o", "register.xlsx"),
        inj,
        status=0,
        verify=xlsx_text_cells("register.xlsx"),
    )
    add(
        "formula_names_register_csv",
        ("register", "@plan.yaml", "-q", "-o", "register.csv"),
        inj,
        status=0,
        verify=csv_neutralised,
    )
    dde = reg_rows(
        name=Formula(f"cmd|' /C calc {MARK}'!A0", cached=f"=cmd|' /C calc {MARK}'!A0"),
        owner=f"@{MARK}",
    )
    add(
        "formula_register_xlsx_roundtrip",
        ("register", "@plan.yaml", "-q", "-o", "register.xlsx"),
        {"plan.yaml": reg_plan("risks.xlsx"), "risks.xlsx": xlsx_register(dde)},
        status=EITHER,
        file="risks.xlsx",
        verify=xlsx_text_cells("register.xlsx"),
    )
    add(
        "valid_run_control",
        ("run", "@plan.yaml", "-q", "-n", "100", "--json", "out.json", "--csv", "tables"),
        valid,
        status=0,
    )


def _cli(c: _Corpus) -> None:
    valid = {"plan.yaml": plan()}

    def add(name: str, args, mentions=(), **kw) -> None:
        c.add(CLI, name, args, valid, file=None, mentions=mentions, first_line=True, **kw)

    add("unknown_option", ("run", "@plan.yaml", "--bogus"), ("--bogus",))
    add("unknown_command", ("frobnicate", "@plan.yaml"), ("frobnicate",))
    add("missing_argument", ("run",), ("scenario",))
    add("bad_sampling_choice", ("run", "@plan.yaml", "--sampling", "quantum"), ("sampling",))
    add("cli_iterations_zero", ("run", "@plan.yaml", "-n", "0"), ("iterations",))
    add(
        "cli_iterations_1e12",
        ("run", "@plan.yaml", "-q", "-n", "1000000000000"),
        ("iterations",),
        slow=True,
    )
    add("cli_seed_2_to_64", ("run", "@plan.yaml", "--seed", str(2**64)), ("seed",))
    add("cli_percentile_101", ("run", "@plan.yaml", "--percentiles", "50,101"), ("percentiles",))
    add("cli_jcl_1_5", ("run", "@plan.yaml", "--jcl", "1.5"), ("jcl",))


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print("usage: python tests/hostile_corpus.py DIR", file=sys.stderr)
        return 2
    cases = build(argv[0])
    for case in cases:
        want = {2: "error", 0: "ok", None: "either"}[case.expect.status]
        flags = " slow" if case.slow else ""
        print(f"{case.category:11} {case.name:42} {want:6}{flags}  {case.command}")
    print(f"{len(cases)} cases in {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
