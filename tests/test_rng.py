"""Philox4x32-10 against the Random123 known-answer vectors, and the counter layout."""

import numpy as np
import pytest

import naive
import riskengine as rk
from helpers import scenario, task
from riskengine.engine.compile import stream_of
from riskengine.kernels.rng import philox_words

# Random123 kat_vectors: philox4x32 10 <counter x4> <key x2> -> <output x4>
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    (
        (0xFFFFFFFF,) * 4,
        (0xFFFFFFFF,) * 2,
        (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD),
    ),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]


@pytest.mark.parametrize("counter,key,expected", KAT)
def test_kernel_philox_matches_random123(counter, key, expected):
    got = philox_words(np.array(counter, np.uint64), np.array(key, np.uint64))
    assert tuple(int(w) for w in got) == expected


@pytest.mark.parametrize("counter,key,expected", KAT)
def test_naive_philox_matches_random123(counter, key, expected):
    assert naive.philox4x32_10(counter, key) == expected


def test_simulated_uniforms_follow_documented_counter_layout():
    # A uniform(0, 1) task's finish is its uniform: check every iteration against the
    # naive Philox, across partial blocks and an unaligned start.
    seed = 2**40 + 12345
    sc = scenario([task("u", {"dist": "uniform", "min": 0, "max": 1})], [("m", ["u"])])
    net = rk.compile_network(sc)
    from riskengine.engine.simulation import run_kernel

    out = run_kernel(net, 203, seed, block=16, it_start=5).out
    stream = stream_of("task", "u")
    expected = [naive.uniform(seed, stream, it, 0) for it in range(5, 208)]
    np.testing.assert_array_equal(out[:, 0], np.array(expected))


def test_uniforms_are_uniform_and_independent_across_streams():
    sc = scenario(
        [
            task("a", {"dist": "uniform", "min": 0, "max": 1}),
            task("b", {"dist": "uniform", "min": 0, "max": 1}),
        ],
        [("a", ["a"]), ("b", ["b"])],
    )
    r = rk.simulate(sc, iterations=40_000, seed=3, criticality=False)
    a, b = r.finishes["a"], r.finishes["b"]
    n = a.size
    for x in (a, b):
        assert abs(x.mean() - 0.5) < 3 * np.sqrt(1 / 12 / n)
        # Kolmogorov–Smirnov distance below its 1% critical value
        xs = np.sort(x)
        ks = np.max(np.abs(xs - np.arange(1, n + 1) / n))
        assert ks < 1.63 / np.sqrt(n)
    corr = np.corrcoef(a, b)[0, 1]
    assert abs(corr) < 3 / np.sqrt(n)


def test_streams_depend_on_id_not_position():
    assert stream_of("task", "A") == stream_of("task", "A")
    assert stream_of("task", "A") != stream_of("task", "B")
    assert stream_of("task", "A") != stream_of("risk", "A")
