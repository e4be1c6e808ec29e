"""The note printed while the kernels compile, the compile-time record, and the stamp that
keeps numba's cache of the kernels fresh wherever it lives (riskengine/kernels/compiling.py).
Each mechanism is tested on tiny functions of this module; one subprocess runs a tiny
simulation with an empty cache, then with the cache it filled."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from numba import njit
from numba.core import event

import riskengine.kernels.compiling as compiling
from riskengine.kernels import STAMP_NAME, clear_stale_cache, source_stamp
from riskengine.kernels.network import simulate_blocks, simulate_plain

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def note():
    """A note for this module's functions, listening only during the test."""
    listener = compiling.CompileNote(package=__name__)
    with event.install_listener("numba:compile", listener):
        yield listener


def fresh():
    """A new function of this module that numba compiles at its first call."""

    @njit
    def kernel(x):
        return x + 1

    return kernel


@njit
def _helper(x):
    return 2 * x


def test_the_note_is_printed_once_when_the_first_kernel_compiles(note, capsys):
    first, second = fresh(), fresh()
    first(1)
    assert capsys.readouterr().err == compiling.NOTE + "\n"
    first(2)  # compiled already: no event at all
    second(1.5)  # compiles, but the note was given
    assert capsys.readouterr().err == ""
    assert [name for name, _ in note.report()] == ["test_compiling.kernel"] * 2
    assert all(seconds > 0 for _, seconds in note.report())


def test_nothing_is_printed_for_a_function_already_compiled_or_of_another_package(capsys):
    warm = fresh()
    warm(1)
    capsys.readouterr()
    elsewhere = compiling.CompileNote(package="somewhere.else")
    ours = compiling.CompileNote(package=__name__)
    with event.install_listener("numba:compile", elsewhere):
        fresh()(1)
    with event.install_listener("numba:compile", ours):
        warm(1)
    assert capsys.readouterr().err == ""
    assert elsewhere.report() == [] and ours.report() == []


def test_a_silenced_compile_prints_nothing_and_a_later_one_still_may(note, capsys):
    with note.silenced():
        fresh()(1)
    assert capsys.readouterr().err == ""
    fresh()(1)
    assert capsys.readouterr().err == compiling.NOTE + "\n"
    assert len(note.report()) == 2


def test_helpers_compiled_inside_a_kernel_count_as_its_time(note):
    @njit
    def kernel(x):
        return _helper(x) + 1

    t0 = time.perf_counter()
    assert kernel(3) == 7
    elapsed = time.perf_counter() - t0
    [(name, seconds)] = note.report()  # the helper's compile is not a row of its own
    assert name == "test_compiling.kernel"
    assert 0 < seconds <= elapsed


def test_the_two_network_kernels_are_told_apart():
    assert compiling.kernel_name(simulate_blocks.py_func) == "network.simulate_blocks[full=True]"
    assert compiling.kernel_name(simulate_plain.py_func) == "network.simulate_blocks[full=False]"


def test_a_stale_cache_is_cleared_and_a_fresh_one_kept(tmp_path):
    for name in ("network.k-1.py311.nbi", "network.k-1.py311.1.nbc"):
        (tmp_path / name).write_text("stale")
    (tmp_path / STAMP_NAME).write_text("an older source")
    clear_stale_cache(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [STAMP_NAME]
    assert (tmp_path / STAMP_NAME).read_text() == source_stamp()
    (tmp_path / "network.k-1.py311.nbi").write_text("fresh")
    clear_stale_cache(tmp_path)
    assert (tmp_path / "network.k-1.py311.nbi").exists()


def test_a_cache_that_does_not_exist_yet_is_created_with_its_stamp(tmp_path):
    where = tmp_path / "not" / "yet"
    clear_stale_cache(where)
    assert (where / STAMP_NAME).read_text() == source_stamp()


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )


def test_numba_cache_dir_moves_the_kernels_cache_and_its_stamp(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    done = _python("from riskengine.kernels.compiling import cache_dir; print(cache_dir())", env)
    assert done.returncode == 0, done.stderr
    where = Path(done.stdout.strip())
    assert where.parent == tmp_path
    assert (where / STAMP_NAME).read_text() == source_stamp()


def test_a_first_run_says_it_compiles_and_a_second_run_says_nothing(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    code = """
        import sys
        sys.path.insert(0, "tests")
        from helpers import scenario, task
        import riskengine as rk
        sc = scenario([task("a", [1, 2, 4]), task("b", [2, 3, 5], ["a"])], [("m", ["b"])])
        r = rk.simulate(sc, iterations=200, seed=1, sensitivity=False, drivers=False)
        print(r.finishes["m"].sum())
    """
    cold, warm = _python(code, env), _python(code, env)
    assert cold.returncode == 0 and warm.returncode == 0, cold.stderr + warm.stderr
    assert cold.stderr == compiling.NOTE + "\n"
    assert warm.stderr == ""
    assert cold.stdout == warm.stdout


def test_the_block_kernels_are_compiled_as_arrays_that_do_not_overlap():
    """The block kernels reach numba's compiler flags through a private hook
    (kernels/network.py ``_arrays_do_not_overlap``) that tells LLVM their array arguments
    do not overlap; without it they still give the same numbers, only slower. This fails
    if a numba release drops the hook, so the loss is noticed rather than silent."""
    for kernel in (simulate_blocks, simulate_plain):
        assert kernel._compiler._customize_flags.__name__ == "with_noalias"
