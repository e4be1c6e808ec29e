"""The hostile-input corpus (tests/hostile_corpus.py), run through the command line.

Every case runs as ``python -m riskengine ARGS`` in a subprocess, in its own output folder,
with stdin closed and a 60 s timeout, two at a time. A negative case must exit with status
2 and one ``error:`` line naming the file (and field), print no traceback, leave its folders
exactly as they were and peak below 1 GB of memory (the child's own ``VmHWM``, written as
it exits: ``ru_maxrss`` would also count the parent's pages the child had before its
``exec``, and pytest itself may be that big). A
positive case must succeed and keep what it promises. Cases run category by category the
first time a test of that category asks for its outcome, so ``-k`` and ``-m`` select what
runs. Memory bombs carry the ``slow`` marker and run by default.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from hostile_corpus import Case, Run, build

TIMEOUT = 60.0  # seconds
MEMORY_LIMIT_KB = 1024 * 1024  # peak resident memory allowed: 1 GB
WATCHDOG_KB = MEMORY_LIMIT_KB + 64 * 1024  # above it a run has failed: stop it, spare the machine
MAX_ERROR_LINE = 1000  # characters: long values must be cut in messages
WORKERS = 2
SRC = Path(__file__).resolve().parents[1] / "src"


def _remove(folder: Path) -> None:
    def unlock(func, path, _exc) -> None:  # noqa: ANN001 (shutil's callback)
        os.chmod(os.path.dirname(path), 0o755)
        func(path)

    shutil.rmtree(folder, onerror=unlock)


# Built once at collection, so the cases can be parametrized; removed when pytest exits.
_FOLDER = Path(tempfile.mkdtemp(prefix="riskengine-hostile-"))
atexit.register(_remove, _FOLDER)
CASES = build(_FOLDER / "cases")
_LOGS = _FOLDER / "logs"
_LOGS.mkdir()


@dataclass
class Outcome:
    status: int  # exit status; -N when ended by signal N
    maxrss_kb: int
    seconds: float
    stopped: str  # why the harness ended the run ("" if it ended by itself)
    stdout: str
    stderr: str
    changes: list[str]  # what appeared, changed or vanished in the case's folder
    drained: bytes


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry under ``folder`` (links not followed): type, and size and modification
    time for files (a folder's own times change when a temporary file comes and goes)."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            kind = stat.S_IFMT(st.st_mode)
            size_time = (st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else (0, 0)
            out[os.path.relpath(path, folder)] = (kind, *size_time)
    return out


def _changes(before: dict, after: dict) -> list[str]:
    new = [f"new {p}" for p in sorted(after.keys() - before.keys())]
    gone = [f"removed {p}" for p in sorted(before.keys() - after.keys())]
    changed = [
        f"changed {p}" for p in sorted(before.keys() & after.keys()) if before[p] != after[p]
    ]
    return new + gone + changed


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class _Drain(threading.Thread):
    """Reads a FIFO the case writes its output to, as a user's ``cat`` would, so a run
    that writes to the FIFO directly does not block; stops when told to."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.done = threading.Event()
        self.data = bytearray()

    def run(self) -> None:
        while True:
            finished = self.done.is_set()
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                chunk = b""
            self.data += chunk
            if finished and not chunk:
                break
            if not chunk:
                time.sleep(0.01)
        os.close(self.fd)


def _child_env(case: Case) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RISKENGINE_MAX_INPUT")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env.update(case.env)
    return env


# ``python -m riskengine ARGS`` that also writes its peak resident memory (VmHWM, in KB, of
# this process alone) to the file named by its first argument when it exits.
_LAUNCH = """\
import atexit, runpy, sys
peak_file = sys.argv.pop(1)
def _peak():
    with open("/proc/self/status") as fh:
        kb = next((line.split()[1] for line in fh if line.startswith("VmHWM:")), "0")
    with open(peak_file, "w") as out:
        out.write(kb)
atexit.register(_peak)
sys.argv[0] = "riskengine"
runpy.run_module("riskengine", run_name="__main__", alter_sys=True)
"""


def _peak_kb(path: Path, fallback: int) -> int:
    try:
        return int(path.read_text() or fallback)
    except (OSError, ValueError):
        return fallback  # killed before it could tell: the kernel's figure


def run_case(case: Case) -> Outcome:
    """Run one case in a subprocess and record how it ended."""
    before = _snapshot(case.folder)
    drain = _Drain(case.drain) if case.drain else None
    if drain:
        drain.start()
    out_log, err_log = _LOGS / f"{case.name}.out", _LOGS / f"{case.name}.err"
    peak_log = _LOGS / f"{case.name}.peak"
    stopped = ""
    start = time.monotonic()
    with open(out_log, "wb") as out, open(err_log, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCH, str(peak_log), *case.args],
            cwd=case.cwd,
            env=_child_env(case),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,  # its own process group, so a hang is ended whole
        )
        while True:
            pid, wait_status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if not stopped:
                if _rss_kb(proc.pid) > WATCHDOG_KB:
                    stopped = f"stopped by the harness above {WATCHDOG_KB // 1024} MB"
                elif time.monotonic() - start > TIMEOUT:
                    stopped = f"hang: stopped by the harness after {TIMEOUT:.0f} s"
                if stopped:
                    os.killpg(proc.pid, signal.SIGKILL)
            time.sleep(0.02)
    seconds = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(wait_status)
    if drain:
        drain.done.set()
        drain.join()
    return Outcome(
        status=proc.returncode,
        maxrss_kb=_peak_kb(peak_log, usage.ru_maxrss),
        seconds=seconds,
        stopped=stopped,
        stdout=out_log.read_text(encoding="utf-8", errors="replace"),
        stderr=err_log.read_text(encoding="utf-8", errors="replace"),
        changes=_changes(before, _snapshot(case.folder)),
        drained=bytes(drain.data) if drain else b"",
    )


def judge(case: Case, o: Outcome) -> list[str]:
    """What is wrong with how ``case`` ended (empty when it kept its promise)."""
    expect = case.expect
    problems = [o.stopped] if o.stopped else []
    if o.maxrss_kb > MEMORY_LIMIT_KB:
        problems.append(f"peak memory {o.maxrss_kb // 1024} MB, above 1024 MB")
    if "Traceback" in o.stdout or "Traceback" in o.stderr:
        problems.append("traceback")
    allowed = (0, 2) if expect.status is None else (expect.status,)
    if o.status not in allowed:
        problems.append(f"exit status {o.status}, expected {' or '.join(map(str, allowed))}")
    errors = [line for line in o.stderr.splitlines() if line.startswith("error:")]
    if o.status == 0:
        if errors:
            problems.append("an 'error:' line although the run succeeded")
        inputs = [c for c in o.changes if c.split(" ", 1)[1].startswith("in/")]
        if inputs:
            problems.append("inputs touched: " + ", ".join(inputs[:5]))
        if expect.verify and not o.stopped:
            problems += expect.verify(Run(case.cwd, o.stdout, o.stderr, o.drained))
    else:
        if len(errors) != 1:
            problems.append(f"{len(errors)} lines start with 'error:' on stderr, expected 1")
        line = errors[0] if errors else ""
        missing = [m for m in expect.mentions if m.lower() not in line.lower()]
        if errors and missing:
            problems.append(f"the error line does not name {', '.join(map(repr, missing))}")
        if expect.first_line and errors and not o.stderr.startswith("error:"):
            problems.append("the error line is not the first line of stderr")
        if len(line) > MAX_ERROR_LINE:
            problems.append(f"an error line of {len(line):,} characters")
        if o.changes:
            more = f" (+{len(o.changes) - 5} more)" if len(o.changes) > 5 else ""
            problems.append("files left behind or changed: " + ", ".join(o.changes[:5]) + more)
    for text in expect.forbid:
        if text in o.stdout or text in o.stderr:
            problems.append(f"the output contains {text!r}")
    return problems


def _excerpt(text: str, lines: int = 6, width: int = 300) -> str:
    """The end of a traceback (where the exception is), else the first lines."""
    rows = text.splitlines()
    if any("Traceback" in r for r in rows):
        start = max(i for i, r in enumerate(rows) if "Traceback" in r)
        tb = rows[start:]
        rows = tb[:1] + ["  ..."] + tb[-(lines - 2) :] if len(tb) > lines else tb
    else:
        rows = rows[:lines] + (["  ..."] if len(rows) > lines else [])
    return "\n".join("    | " + (r if len(r) <= width else r[:width] + "…") for r in rows)


def describe(case: Case, o: Outcome, problems: list[str]) -> str:
    want = {0: "success", 2: "a clean error", None: "success or a clean error"}
    parts = [
        f"{case.category}/{case.name}: expected {want[case.expect.status]}; " + "; ".join(problems),
        f"  command: {case.command}",
        f"  cwd: {case.cwd}",
        f"  exit {o.status} after {o.seconds:.1f} s, peak memory {o.maxrss_kb // 1024} MB",
    ]
    if o.stderr.strip():
        parts += ["  stderr:", _excerpt(o.stderr)]
    if o.stdout.strip() and (o.status not in (0, 2) or "Traceback" in o.stdout):
        parts += ["  stdout:", _excerpt(o.stdout)]
    return "\n".join(parts)


# Cases run a category at a time, two in parallel, when the first of them is asked for.
_OUTCOMES: dict[str, Outcome] = {}
_LOCK = threading.Lock()


def _outcome(case: Case, session: pytest.Session) -> Outcome:
    with _LOCK:
        if case.name not in _OUTCOMES:
            batch = [
                item.callspec.params["case"]
                for item in session.items
                if getattr(item, "originalname", None) == "test_hostile_input"
                and not item.get_closest_marker("skip")
            ]
            batch = [c for c in batch if c.category == case.category and c.name not in _OUTCOMES]
            if case not in batch:
                batch.append(case)
            with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
                _OUTCOMES.update(
                    zip([c.name for c in batch], pool.map(run_case, batch), strict=True)
                )
        return _OUTCOMES[case.name]


def _param(case: Case):
    marks = [pytest.mark.slow] if case.slow else []
    if case.skip:
        marks.append(pytest.mark.skip(reason=case.skip))
    return pytest.param(case, marks=marks, id=f"{case.category}-{case.name}")


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_hostile_input(case: Case, request: pytest.FixtureRequest) -> None:
    outcome = _outcome(case, request.session)
    problems = judge(case, outcome)
    assert not problems, describe(case, outcome, problems)


def test_corpus_is_large_and_deterministic(tmp_path: Path) -> None:
    """At least 150 cases over every category of issue 9, the same bytes on every build."""
    first, second = build(tmp_path / "a"), build(tmp_path / "b")
    assert [c.name for c in first] == [c.name for c in CASES] == [c.name for c in second]
    for a, b in zip(first, second, strict=True):
        assert [x.replace(str(tmp_path / "a"), "") for x in a.args] == [
            x.replace(str(tmp_path / "b"), "") for x in b.args
        ]
        for rel in a.files:
            pa, pb = a.folder / rel, b.folder / rel
            if pa.is_file() and not pa.is_symlink():
                assert pa.read_bytes() == pb.read_bytes(), f"{a.name}: {rel} differs between builds"
    categories = {c.category for c in CASES}
    assert {"yaml", "numeric", "graph", "spreadsheet", "kpi", "filesystem"} <= categories
    assert sum(c.expect.status == 2 for c in CASES) >= 150
