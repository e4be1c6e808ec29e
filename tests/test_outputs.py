"""How output files reach the disk: devices and pipes written in place, links followed,
temporary files that never outlive their run, outputs that would destroy an input."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from riskengine.errors import OutputError
from riskengine.report import outputs


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@contextlib.contextmanager
def no_hang(seconds: float = 20.0):
    """Fail instead of blocking forever: SIGALRM interrupts a blocking open or write."""

    def expire(signum, frame):
        raise TimeoutError(f"blocked for more than {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class PipeReader(threading.Thread):
    """Reads a named pipe to its end. The pipe is open for reading before ``start``
    returns, so a writer finds its reader without a race."""

    def __init__(self, path: Path, limit: float = 20.0) -> None:
        super().__init__(daemon=True)
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.data = b""
        self.deadline = time.monotonic() + limit

    def run(self) -> None:
        try:
            while time.monotonic() < self.deadline:
                try:
                    chunk = os.read(self.fd, 65536)
                except BlockingIOError:  # a writer is there, its data is not yet
                    chunk = None
                if chunk:
                    self.data += chunk
                elif chunk == b"" and self.data:
                    return  # the writer closed the pipe
                else:
                    time.sleep(0.01)  # before the writer opens, read() sees no writer
        finally:
            os.close(self.fd)


def stale_temporary(target: Path, pid: int, age: float, host: str | None = None) -> Path:
    name = outputs.temporary_name(target, pid=pid)
    if host is not None:
        name = name.with_name(name.name.replace(outputs._host(), host))
    name.write_text("half a file")
    old = time.time() - age
    os.utime(name, (old, old))
    return name


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


# ----------------------------------------------------------------------------- devices


def test_dev_null_is_written_in_place_and_stays_a_device(tmp_path):
    before = os.stat("/dev/null")
    dest = outputs.destination("/dev/null")
    assert dest.direct and not dest.pipe
    outputs.write_files({Path("/dev/null"): "{}\n", tmp_path / "a.json": "{}\n"})
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino
    assert files_in(tmp_path) == ["a.json"]
    assert not any(".riskengine-" in p for p in os.listdir("/dev"))


def test_a_pipe_without_a_reader_is_an_error_not_a_hang(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with no_hang(), pytest.raises(OutputError, match="no process is reading"):
        outputs.write_files({fifo: "{}\n", tmp_path / "other.json": "x"})
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert files_in(tmp_path) == ["pipe"]  # nothing renamed into place, no temporary


def test_a_pipe_with_a_reader_receives_everything(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = PipeReader(fifo)
    reader.start()
    text = "x" * 300_000 + "\n"  # more than a pipe holds: the writer must wait for the reader
    with no_hang():
        outputs.write_atomic(fifo, text)
    reader.join(20)
    assert reader.data.decode() == text
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and files_in(tmp_path) == ["pipe"]


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        with pytest.raises(OutputError, match="is a socket"):
            outputs.write_atomic(path, "x")
    assert files_in(tmp_path) == ["sock"]


def test_a_block_device_is_refused(tmp_path):
    path = tmp_path / "disk"
    try:
        os.mknod(path, stat.S_IFBLK | 0o600, os.makedev(7, 0))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    with pytest.raises(OutputError, match="is a block device"):
        outputs.destination(path)
    with pytest.raises(OutputError, match="is a block device"):
        outputs.write_atomic(path, "x")
    assert stat.S_ISBLK(os.stat(path).st_mode)


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(OutputError, match="is a folder"):
        outputs.write_atomic(tmp_path, "x")


def test_an_open_file_named_through_proc_is_appended_to_not_replaced(tmp_path):
    # `--json /dev/stdout > out.txt`: the name leads to a file the shell holds open.
    path = tmp_path / "out.txt"
    with open(path, "w") as fh:
        fh.write("tables\n")
        fh.flush()
        inode = os.stat(path).st_ino
        target = Path(f"/proc/self/fd/{fh.fileno()}")
        assert outputs.destination(target).direct
        outputs.write_atomic(target, "{}\n")
    assert path.read_text() == "tables\n{}\n"
    assert os.stat(path).st_ino == inode
    assert files_in(tmp_path) == ["out.txt"]


# ----------------------------------------------------------------------------- files


def test_a_regular_file_is_replaced_in_one_step_and_keeps_its_mode(tmp_path):
    path = tmp_path / "r.json"
    path.write_text("old")
    path.chmod(0o600)
    inode = os.stat(path).st_ino
    outputs.write_atomic(path, "new")
    assert path.read_text() == "new"
    assert os.stat(path).st_ino != inode  # renamed into place, never truncated
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert files_in(tmp_path) == ["r.json"]


def test_a_link_is_followed_and_stays_a_link(tmp_path):
    (tmp_path / "data").mkdir()
    real = tmp_path / "data" / "r.json"
    real.write_text("old")
    link = tmp_path / "r.json"
    link.symlink_to(real)
    outputs.write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"
    assert files_in(tmp_path / "data") == ["r.json"]


def test_a_dangling_link_creates_its_target(tmp_path):
    link = tmp_path / "r.json"
    link.symlink_to(tmp_path / "made.json")
    outputs.write_atomic(link, "new")
    assert link.is_symlink() and (tmp_path / "made.json").read_text() == "new"


# ----------------------------------------------------------------------------- temporaries


def test_temporary_names_say_whose_they_are(tmp_path):
    name = outputs.temporary_name(tmp_path / "r.json").name
    host = outputs._host()
    assert name.startswith(f".r.json.riskengine-{host}-{os.getpid()}-") and name.endswith(".tmp")
    long = outputs.temporary_name(tmp_path / ("é" * 200 + ".json")).name
    assert len(long.encode()) <= 255


def test_stale_temporaries_of_dead_runs_are_removed(tmp_path):
    target = tmp_path / "r.json"
    gone = dead_pid()
    stale = stale_temporary(target, gone, age=120)
    fresh = stale_temporary(target, gone, age=5)  # may be a run that just started
    alive = stale_temporary(target, os.getppid(), age=120)  # its process still runs
    elsewhere = stale_temporary(target, gone, age=120, host="otherhost")  # not ours to judge
    other_file = stale_temporary(tmp_path / "s.json", gone, age=120)
    outputs.write_atomic(target, "new")
    assert not stale.exists()
    assert fresh.exists() and alive.exists() and elsewhere.exists() and other_file.exists()
    assert target.read_text() == "new"


def test_a_killed_run_leaves_a_temporary_that_the_next_run_removes(tmp_path):
    target = tmp_path / "r.json"
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from riskengine.report import outputs\n"
        "outputs._stage(Path(sys.argv[1]), 'half')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code, str(target)], env=env, timeout=120)
    assert done.returncode == -signal.SIGKILL
    (left,) = tmp_path.iterdir()
    assert left.name.startswith(".r.json.riskengine-") and left.read_text() == "half"
    old = time.time() - outputs.STALE_AFTER - 1
    os.utime(left, (old, old))
    outputs.write_atomic(target, "whole")
    assert files_in(tmp_path) == ["r.json"] and target.read_text() == "whole"


# ----------------------------------------------------------------------------- same file


def test_same_file_sees_through_links_and_spellings(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("x")
    (tmp_path / "hard.yaml").hardlink_to(a)
    (tmp_path / "soft.yaml").symlink_to(a)
    assert outputs.same_file(a, tmp_path / "hard.yaml")
    assert outputs.same_file(a, tmp_path / "soft.yaml")
    assert outputs.same_file(a, tmp_path / "sub" / ".." / "a.yaml")
    assert outputs.same_file(tmp_path / "new.json", tmp_path / "." / "new.json")
    assert not outputs.same_file(a, tmp_path / "b.yaml")


def test_check_distinct_names_both_files(tmp_path):
    scenario = tmp_path / "plan.yaml"
    scenario.write_text("tasks: []\n")
    link = tmp_path / "out.json"
    link.symlink_to(scenario)
    with pytest.raises(OutputError) as e:
        outputs.check_distinct([(link, "--json")], [str(scenario)])
    assert str(e.value).startswith(f"{link}: --json would overwrite the input file {scenario}")
    with pytest.raises(OutputError, match="--json and --csv would both write this file"):
        outputs.check_distinct(
            [(tmp_path / "t.csv", "--json"), (tmp_path / "." / "t.csv", "--csv")], []
        )
    outputs.check_distinct([(tmp_path / "a.json", "--json"), (tmp_path / "b.csv", "--csv")], [])
