"""Output files are written whole or not at all, and never in place of something that is
not a file.

Where a path leads decides how it is written (:func:`destination`):

- a new file or a regular file: written to a temporary file in the same folder, then
  renamed over the old one, so nobody ever reads half a file and a failed run leaves the
  old file as it was. A symbolic link is followed: the file it points to is replaced and
  the link stays.
- a character device (``/dev/null``, a terminal) or a named pipe: written directly.
  Renaming over it would replace the device node with a plain file. A pipe is opened
  without waiting, so a pipe nobody reads is an error, not a hang.
- a file that a process holds open, named through ``/proc`` (``/dev/stdout`` redirected
  to a file, ``/dev/fd/3``): appended to directly; the name is not the file's own.
- anything else (a folder, a block device, a socket): refused.

Temporary files are named ``.<name>.riskengine-<host>-<pid>-<random>.tmp``. A failed
write removes its own; one left by a killed run is removed by the next write to the same
file, once no process with that id runs on this host and it is over a minute old.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import io
import os
import re
import secrets
import socket
import stat
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO

from riskengine.errors import OutputError, shorten

Content = str | bytes | Callable[[IO[str]], None]

STALE_AFTER = 60.0  # seconds before a dead run's temporary file may be removed
_TAG = "riskengine"
_NAME_BYTES = 150  # of the target's name kept in a temporary name (NAME_MAX is 255)


@dataclasses.dataclass(frozen=True)
class Destination:
    """Where writing ``path`` really goes. ``target``: the file replaced (links resolved);
    ``direct``: written in place instead (a device, a pipe, a process's open file);
    ``pipe``: a named pipe, opened without waiting for a reader."""

    path: Path
    target: Path
    direct: bool = False
    pipe: bool = False


def _show(path: str | Path) -> str:
    return shorten(str(path), 160)


def _kind(mode: int) -> str:
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _through_proc(path: Path) -> bool:
    """Whether ``path`` reaches a process's open file through /proc (``/dev/stdout``,
    ``/dev/fd/1``): such a link names no folder entry that could be replaced."""
    p = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on links followed
        if os.path.realpath(os.path.dirname(p)).startswith("/proc/"):
            return True
        if not os.path.islink(p):
            return False
        p = os.path.normpath(os.path.join(os.path.dirname(p), os.readlink(p)))
    return False


def destination(path: str | Path) -> Destination:
    """How ``path`` will be written; OutputError for a folder, a block device, a socket
    or a path that cannot be looked at. Touches nothing."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return Destination(path, Path(os.path.realpath(path)))
    except NotADirectoryError:
        raise OutputError(f"{_show(path)}: a part of the path is not a folder") from None
    except OSError as e:
        raise OutputError(f"{_show(path)}: cannot write ({e.strerror or e})") from None
    mode = st.st_mode
    if stat.S_ISREG(mode):
        if _through_proc(path):
            return Destination(path, path, direct=True)
        return Destination(path, Path(os.path.realpath(path)))
    if stat.S_ISCHR(mode):
        return Destination(path, path, direct=True)
    if stat.S_ISFIFO(mode):
        return Destination(path, path, direct=True, pipe=True)
    if stat.S_ISDIR(mode):
        raise OutputError(f"{_show(path)}: is a folder, not a file")
    raise OutputError(
        f"{_show(path)}: is a {_kind(mode)}; outputs go to files, character devices"
        " (a terminal, /dev/null) or named pipes"
    )


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether ``a`` and ``b`` name one file: the same file when both exist (links, hard
    links and other spellings included), else the same path once links are resolved."""
    if os.path.exists(a) and os.path.exists(b):
        with contextlib.suppress(OSError):
            return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


def check_distinct(outputs: Sequence[tuple[Path, str]], inputs: Iterable[str | Path]) -> None:
    """OutputError if an output (``(path, what writes it)``) is one of the ``inputs`` or
    if two outputs are the same file: either would destroy data the run needs or makes."""
    inputs = list(inputs)
    for path, what in outputs:
        for source in inputs:
            if same_file(path, source):
                raise OutputError(
                    f"{_show(path)}: {what} would overwrite the input file {_show(source)};"
                    " write the output somewhere else"
                )
    for i, (path, what) in enumerate(outputs):
        for other, other_what in outputs[:i]:
            if same_file(path, other):
                both = f"{other_what} and {what}" if other_what != what else what
                alias = f" (as {_show(other)})" if str(other) != str(path) else ""
                raise OutputError(
                    f"{_show(path)}: {both} would both write this file{alias};"
                    " give them different paths"
                )


# ----------------------------------------------------------------------------- temporaries


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname())[:32] or "host"


def _stem(target: Path) -> str:
    return target.name.encode()[:_NAME_BYTES].decode(errors="ignore")


def temporary_name(target: Path, *, pid: int | None = None) -> Path:
    """A fresh temporary file name beside ``target`` that says whose it is (this process's,
    or ``pid``'s)."""
    tag = f"{_TAG}-{_host()}-{os.getpid() if pid is None else pid}-{secrets.token_hex(4)}"
    return target.with_name(f".{_stem(target)}.{tag}.tmp")


def _running(pid: int) -> bool:
    if pid <= 0:
        return False  # no run has these ids; kill() would signal a process group
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except (OverflowError, ValueError, OSError):
        return False
    return True


def remove_stale(target: Path, *, now: float | None = None) -> list[Path]:
    """Remove the temporary files that killed runs on this host left beside ``target``
    (their process is gone and they are older than STALE_AFTER); return them."""
    tag = f"{_TAG}-{re.escape(_host())}"
    pattern = re.compile(rf"\.{re.escape(_stem(target))}\.{tag}-(\d{{1,12}})-[0-9a-f]{{8}}\.tmp")
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = os.scandir(target.parent)
    except OSError:
        return removed
    with entries:
        for entry in entries:
            found = pattern.fullmatch(entry.name)
            if not found or _running(int(found.group(1))):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode) and now - st.st_mtime > STALE_AFTER:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except OSError:
                continue  # gone already, or not ours to remove
    return removed


# ----------------------------------------------------------------------------- writing


def _stage(target: Path, content: Content) -> Path:
    """Write ``content`` to a new temporary file beside ``target``; return its name."""
    remove_stale(target)
    tmp = temporary_name(target)
    # open(..., "x") rather than mkstemp: the file gets the usual (umask) permissions.
    try:
        if isinstance(content, bytes):
            with open(tmp, "xb") as fb:
                fb.write(content)
                fb.flush()
                os.fsync(fb.fileno())
        else:
            with open(tmp, "x", encoding="utf-8", newline="") as fh:
                if isinstance(content, str):
                    fh.write(content)
                else:
                    content(fh)
                fh.flush()
                os.fsync(fh.fileno())
        _keep_mode(target, tmp)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def _keep_mode(target: Path, tmp: Path) -> None:
    # A results file the user made private stays private when it is replaced.
    with contextlib.suppress(OSError):
        st = os.stat(target)
        if stat.S_ISREG(st.st_mode):
            os.chmod(tmp, stat.S_IMODE(st.st_mode))


def _as_bytes(content: Content) -> bytes:
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode()
    buf = io.StringIO(newline="")
    content(buf)
    return buf.getvalue().encode()


def _open_direct(dest: Destination) -> int:
    flags = os.O_WRONLY | os.O_APPEND | os.O_NOCTTY | os.O_CLOEXEC
    if dest.pipe:
        flags |= os.O_NONBLOCK
    try:
        fd = os.open(dest.path, flags)  # never O_CREAT: nothing new appears here
    except OSError as e:
        if dest.pipe and e.errno == errno.ENXIO:
            raise OutputError(
                f"{_show(dest.path)}: no process is reading this named pipe"
                " (start the reader first)"
            ) from None
        raise
    if dest.pipe:
        os.set_blocking(fd, True)  # a slow reader makes us wait, not fail
    return fd


def _write_direct(dests: Sequence[tuple[Destination, bytes]]) -> None:
    """Open every device or pipe first (so a pipe nobody reads fails before anything is
    written), then write each."""
    opened: list[tuple[int, Destination, bytes]] = []
    try:
        for dest, data in dests:
            try:
                opened.append((_open_direct(dest), dest, data))
            except OSError as e:
                raise OutputError(f"{_show(dest.path)}: cannot write ({e.strerror or e})") from None
        for fd, dest, data in opened:
            view = memoryview(data)
            try:
                while view:
                    view = view[os.write(fd, view) :]
            except OSError as e:
                raise OutputError(f"{_show(dest.path)}: cannot write ({e.strerror or e})") from None
    finally:
        for fd, _, _ in opened:
            with contextlib.suppress(OSError):
                os.close(fd)


def write_files(files: Mapping[Path, Content]) -> None:
    """Write every file, each as :func:`destination` says: files are staged first and
    only renamed into place once all are written, so a failure (a full disk, a missing
    folder, a pipe nobody reads) leaves the old files as they were.

    ``content`` is text, bytes, or a callback that writes to an open text file. An OSError
    becomes OutputError; no temporary file is left behind either way.
    """
    dests = [(destination(path), content) for path, content in files.items()]
    staged: list[tuple[Path, Path]] = []
    current: Path | None = None
    try:
        direct = []
        for dest, content in dests:
            current = dest.path
            if dest.direct:
                direct.append((dest, _as_bytes(content)))
            else:
                staged.append((_stage(dest.target, content), dest.target))
        _write_direct(direct)
        for tmp, target in staged:
            current = target
            os.replace(tmp, target)
    except OSError as e:
        assert current is not None  # set before each step that can fail
        raise OutputError(f"{_show(current)}: cannot write ({e.strerror or e})") from None
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def write_atomic(path: str | Path, content: Content) -> None:
    """Replace ``path`` with ``content`` in one step; see :func:`write_files`."""
    write_files({Path(path): content})
