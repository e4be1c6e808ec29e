"""Numba kernels: counter-based random numbers, inverse-CDF sampling, CPM passes.

Kernels take numpy arrays and scalars only; they know nothing of YAML, pandas or dates.

numba's on-disk cache (``cache=True``) is keyed on the source file of the function it
compiled, not on the files it inlined from or the constants it read: editing
``sampling.py`` alone would leave ``network.py``'s compiled kernel stale. So the cache is
stamped with a hash of every kernel source file, and of the draw indices the kernels
read (riskengine/model/draws.py), and cleared when that hash changes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from riskengine.kernels import _vectorwidth  # noqa: F401  (must run before numba is imported)

_HERE = Path(__file__).parent
_STAMP = _HERE / "__pycache__" / "riskengine-kernels.stamp"
_DRAWS = _HERE.parent / "model" / "draws.py"  # constants compiled into the kernels


def _clear_stale_cache() -> None:
    digest = hashlib.sha256()
    for src in [*sorted(_HERE.glob("*.py")), _DRAWS]:
        digest.update(src.name.encode() + b"\0" + src.read_bytes())
    stamp = digest.hexdigest()
    try:
        if _STAMP.read_text() == stamp:
            return
    except OSError:
        pass
    try:
        for stale in [*_STAMP.parent.glob("*.nbi"), *_STAMP.parent.glob("*.nbc")]:
            stale.unlink(missing_ok=True)
        _STAMP.parent.mkdir(exist_ok=True)
        _STAMP.write_text(stamp)
    except OSError:
        pass  # read-only install: numba then caches elsewhere, keyed on fresh files


_clear_stale_cache()


def thread_count() -> int:
    """Threads numba's parallel kernels use (``NUMBA_NUM_THREADS``, or set by
    ``numba.set_num_threads``): per-thread counters are sized by it."""
    import numba

    return int(numba.get_num_threads())
