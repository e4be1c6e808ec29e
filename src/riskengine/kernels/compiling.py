"""What the kernels' compiling shows and keeps: a note on stderr, once per process, a
per-kernel record of compile times, and a numba cache that is never stale.

numba compiles a kernel the first time it is called with new argument types, unless its
on-disk cache (``cache=True``) holds it already, and it broadcasts the ``"numba:compile"``
event only when it really compiles: loading from the cache is silent, so a warm run prints
nothing. The listener below is registered when the kernel modules are imported; the first
time one of our kernels starts compiling it prints :data:`NOTE`, so nobody takes the
minute of compiling for a hang. :func:`silenced` turns the note off (a quiet command
line). :data:`listener` also records what each kernel cost (``compiled``): the cold-start
benchmark reports it.

Importing this module (every kernel module does, before numba can load a cached kernel)
also checks the stamp of the directory numba caches the kernels in, wherever numba puts
it, and clears it when the sources changed (see riskengine/kernels/__init__.py).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import FunctionType

from numba.core import event
from numba.core.caching import FunctionCache

from riskengine.kernels import clear_stale_cache

NOTE = "compiling simulation kernels, first run only …"


class CompileNote(event.Listener):
    """Prints :data:`NOTE` on ``sys.stderr`` (looked up when printing, so a progress
    display that redirects stderr shows it above itself) when the first kernel of
    ``package`` starts compiling, then never again; records ``(name, seconds)`` of each
    kernel compiled in ``compiled``. Helpers compiled inside a kernel count as its own
    time."""

    def __init__(self, package: str = "riskengine.kernels") -> None:
        self.package = package
        self.shown = False
        self.silent = 0  # nesting depth of silenced()
        self.compiled: list[tuple[str, float]] = []
        self._lock = threading.Lock()
        self._started: list[float] = []  # start times of the compiles in progress, nested

    def _ours(self, ev: event.Event) -> bool:
        func = ev.data["dispatcher"].py_func
        return func.__module__.startswith(self.package + ".") or func.__module__ == self.package

    def on_start(self, ev: event.Event) -> None:
        """A dispatcher starts compiling: the note, if it is our first kernel."""
        if not self._ours(ev):
            return
        with self._lock:
            self._started.append(time.perf_counter())
            show = not self.shown and not self.silent
            self.shown = self.shown or show
        if show:
            print(NOTE, file=sys.stderr, flush=True)

    def on_end(self, ev: event.Event) -> None:
        """A dispatcher is compiled: record the time if it is one of our kernels."""
        if not self._ours(ev):
            return
        with self._lock:
            t0 = self._started.pop()
            if not self._started:  # a kernel, not a helper compiled inside one
                name = kernel_name(ev.data["dispatcher"].py_func)
                self.compiled.append((name, time.perf_counter() - t0))

    @contextmanager
    def silenced(self) -> Iterator[None]:
        """No note while the block runs (a note not printed yet may still be printed by a
        later compile outside it)."""
        with self._lock:
            self.silent += 1
        try:
            yield
        finally:
            with self._lock:
                self.silent -= 1

    def report(self) -> list[tuple[str, float]]:
        """``(kernel, seconds)`` of every kernel compiled so far, in order."""
        with self._lock:
            return list(self.compiled)


def kernel_name(func: FunctionType) -> str:
    """``module.function``, with the values a closure was made with (``full=True``)."""
    name = f"{func.__module__.rsplit('.', 1)[-1]}.{func.__name__}"
    cells = func.__closure__ or ()
    if cells:
        values = zip(func.__code__.co_freevars, cells, strict=True)
        name += "[" + ", ".join(f"{var}={cell.cell_contents!r}" for var, cell in values) + "]"
    return name


def cache_dir() -> Path:
    """The directory numba caches this package's kernels in: numba's own choice of
    locator (``NUMBA_CACHE_DIR``, the ``__pycache__`` next to the sources, or a user-wide
    directory when that is not writable) for a function defined here."""
    try:
        return Path(FunctionCache(cache_dir).cache_path)
    except Exception:  # no usable location: numba will not cache either
        return Path(__file__).parent / "__pycache__"


clear_stale_cache(cache_dir())

listener = CompileNote()
event.register("numba:compile", listener)


def silenced() -> AbstractContextManager[None]:
    """No compile note while the block runs (``with silenced(): ...``)."""
    return listener.silenced()


def compile_report() -> list[tuple[str, float]]:
    """``(kernel, seconds)`` of every kernel compiled in this process so far."""
    return listener.report()
