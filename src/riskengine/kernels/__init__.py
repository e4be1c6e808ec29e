"""Numba kernels: counter-based random numbers, inverse-CDF sampling, CPM passes.

Kernels take numpy arrays and scalars only; they know nothing of YAML, pandas or dates.

numba's on-disk cache (``cache=True``) is keyed on the source file of the function it
compiled, not on the files it inlined from or the constants it read: editing
``sampling.py`` alone would leave ``network.py``'s compiled kernel stale. So the cache is
stamped with a hash of every kernel source file, and of the draw indices the kernels
read (riskengine/model/draws.py), and cleared when that hash changes. The check runs
when the kernel modules are imported (kernels/compiling.py), in the directory numba
really caches them in: the package's ``__pycache__``, ``NUMBA_CACHE_DIR``, or the
user-wide cache of a read-only install.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from riskengine.kernels import _vectorwidth  # noqa: F401  (must run before numba is imported)

_HERE = Path(__file__).parent
_DRAWS = _HERE.parent / "model" / "draws.py"  # constants compiled into the kernels
STAMP_NAME = "riskengine-kernels.stamp"


def source_stamp() -> str:
    """A hash of every kernel source file and of the draw indices the kernels read."""
    digest = hashlib.sha256()
    for src in [*sorted(_HERE.glob("*.py")), _DRAWS]:
        digest.update(src.name.encode() + b"\0" + src.read_bytes())
    return digest.hexdigest()


def clear_stale_cache(cache_dir: Path) -> None:
    """Delete numba's cached kernels in ``cache_dir`` unless its stamp matches the sources
    (kernels/compiling.py finds the directory numba caches them in, wherever that is)."""
    stamp = source_stamp()
    path = cache_dir / STAMP_NAME
    try:
        if path.read_text() == stamp:
            return
    except OSError:
        pass
    try:
        for stale in [*cache_dir.glob("*.nbi"), *cache_dir.glob("*.nbc")]:
            stale.unlink(missing_ok=True)
        cache_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(stamp)
    except OSError:
        pass  # a cache numba cannot write either: it compiles in memory


def thread_count() -> int:
    """Threads the simulation kernel's pool and numba's parallel kernels use
    (``NUMBA_NUM_THREADS``, or set by ``numba.set_num_threads``): per-thread counters
    and scratch arrays are sized by it."""
    import numba

    return int(numba.get_num_threads())
