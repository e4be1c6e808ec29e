"""Safe YAML loading: lines found on demand, alias limits, tags, long numbers, input files."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import riskengine as rk
from riskengine.errors import ScenarioError
from riskengine.io.inputs import LIMIT_VARIABLE
from riskengine.io.yamlfile import MAX_ALIAS_VALUES, MAX_DEPTH, LongInt, load_yaml

SRC = str(Path(__file__).resolve().parents[1] / "src")


def write(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def load(tmp_path, text):
    return load_yaml(write(tmp_path, text))


def error(call, *args) -> ScenarioError:
    with pytest.raises(ScenarioError) as e:
        call(*args)
    assert "\n" not in str(e.value)
    return e.value


# --- lines ---------------------------------------------------------------------------

LINES = """\
name: x              # 1
tasks:               # 2
  - id: A            # 3
    duration:        # 4
      dist: pert     # 5
      min: 1         # 6
  - {id: B,          # 7
     duration: 2}    # 8
  -                  # 9
    id: C            # 10
    duration: &d [1, 2, 3]   # 11
  - id: D            # 12
    duration: *d     # 13
  - id: E            # 14
    duration: {<<: {min: 1}, dist: pert}   # 15
"""


@pytest.mark.parametrize(
    "path,line",
    [
        ((), None),
        (("name",), 1),
        (("tasks",), 2),
        (("tasks", 0), 3),  # a list item: the line it starts on
        (("tasks", 0, "duration"), 4),  # a mapping key: the key's line
        (("tasks", 0, "duration", "min"), 6),
        (("tasks", 1), 7),
        (("tasks", 1, "duration"), 8),
        (("tasks", 2), 10),  # an item's line is where its content starts
        (("tasks", 2, "duration", 1), 11),
        (("tasks", 3, "duration", 1), 13),  # inside an alias: the key that holds it
        (("tasks", 4, "duration", "min"), 15),  # from a merge: the nearest key given
        (("tasks", 0, "duration", "max"), 4),  # a missing key: its nearest prefix
        (("tasks", 9), 2),  # past the end of a list
        (("tasks", "x"), 2),  # a key asked of a list
        (("nothing", "here"), None),
    ],
)
def test_lines_are_found_on_demand(tmp_path, path, line):
    assert load(tmp_path, LINES).line(path) == line


def test_fields_name_entries_by_id_and_parse_back(tmp_path):
    doc = load(tmp_path, LINES)
    doc.names[("tasks", 1)] = "B"
    assert doc.field(("tasks", 1, "duration")) == "tasks[B].duration"
    assert doc.field(("tasks", 0, "duration", "min")) == "tasks[0].duration.min"
    assert doc.parse_field("tasks[B].duration") == ("tasks", 1, "duration")
    err = doc.locate(ScenarioError("bad", field="tasks[B].duration"))
    assert (err.file, err.line, err.field) == (doc.file, 8, "tasks[B].duration")


# --- values ----------------------------------------------------------------------------


def test_plain_scalars_resolve_like_yaml_1_1_but_dates_stay_text(tmp_path):
    doc = load(
        tmp_path,
        """\
        a: [1, -2, 0x1F, 0o7, 017, 1_000, 1.5, .5, 1e3, 1.0e+3, .inf, -.inf]
        b: [yes, No, on, off, true, null, ~, '', "1", '2027-01-04', 2027-01-04, =, <<]
        c: [!!str 5, !!int "7", !!float "2", !!bool "yes", !!null "x", !!timestamp 2027-01-04]
        d: [! 5, ! x]
        """,
    )
    a = doc.data["a"]
    assert a[:8] == [1, -2, 31, "0o7", 15, 1000, 1.5, 0.5]  # YAML 1.1: 0o7 is text
    assert a[8] == "1e3" and a[9] == 1000.0 and a[10] == float("inf") and a[11] == -a[10]
    assert doc.data["b"] == [
        True, False, True, False, True, None, None, "", "1", "2027-01-04", "2027-01-04", "=",
        "<<",
    ]  # fmt: skip
    assert doc.data["c"] == ["5", 7, 2.0, True, None, "2027-01-04"]
    assert doc.data["d"] == [5, "x"]


def test_a_utf8_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffname: café\n".encode())
    assert load_yaml(path).data == {"name": "café"}


@pytest.mark.parametrize(
    "data,message,line,field",
    [
        ("name: café\n".encode("latin-1"), "not UTF-8 text", None, None),
        (b"a: 1\nb: \x00\n", "the character U+0000 is not allowed", 2, None),
        (b"a: [1\n", "malformed YAML", 2, None),
        (b"a: 1\n---\nb: 2\n", "expected a single document", 2, None),
        (b"a: *x\n", "found undefined alias 'x'", 1, "a"),
        (b"a: &x 1\nb: &x 2\n", "the anchor 'x' is defined twice", 2, "b"),
        (b"a:\n  - {b: 1, b: 2}\n", "duplicate key 'b'", 2, "a[0].b"),
        (b"a: {[1]: 2}\n", "a key must be text", 1, "a"),
        (b"a: &k [1]\nb: {*k : 2}\n", "a key must be text", 2, "b"),
        (b"a: &x [1, *x]\n", "a YAML alias refers to itself", 1, "a[1]"),
        (b"a: &x {b: {c: *x}}\n", "a YAML alias refers to itself", 1, "a.b.c"),
        (b"x: &l [1]\na: {<<: *l}\n", "'<<' must merge mappings", 2, "a.<<"),
    ],
)
def test_malformed_files_give_one_located_error(tmp_path, data, message, line, field):
    path = tmp_path / "bad.yaml"
    path.write_bytes(data)
    err = error(load_yaml, path)
    assert message in err.message
    assert (err.file, err.line, err.field) == (str(path), line, field)


def test_deep_nesting_is_an_error_not_a_crash(tmp_path):
    block = "a:\n" + "".join("  " * i + "- \n" for i in range(1, MAX_DEPTH + 50))
    err = error(load, tmp_path, block)
    assert f"nested more than {MAX_DEPTH} levels deep" in err.message
    assert err.line == MAX_DEPTH + 1
    err = error(load, tmp_path, "a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert "malformed YAML" in err.message


def test_too_many_lists_and_mappings_are_refused(tmp_path, monkeypatch):
    from riskengine.io import yamlfile

    monkeypatch.setattr(yamlfile, "MAX_COLLECTIONS", 1000)
    assert len(load(tmp_path, "a:\n" + "- {k: 1}\n" * 998).data["a"]) == 998
    err = error(load, tmp_path, "a:\n" + "- {k: 1}\n" * 999)
    assert "more than 1,000 lists and mappings" in err.message
    assert err.line == 1000  # after the top mapping, the list and 998 mappings


# --- aliases -------------------------------------------------------------------------


def test_aliases_share_the_object_and_merge_keys_work(tmp_path):
    doc = load(
        tmp_path,
        """\
        base: &b {dist: pert, min: 1, mode: 2, max: 3}
        more: &m {max: 9, lambda: 3}
        one: *b
        two: {<<: *b, max: 4}
        three: {<<: [*m, *b], min: 0}
        """,
    )
    d = doc.data
    assert d["one"] is d["base"]
    assert d["two"] == {"max": 4, "dist": "pert", "min": 1, "mode": 2}
    assert d["three"] == {"min": 0, "max": 9, "lambda": 3, "dist": "pert", "mode": 2}


def laughs(levels: int, width: int = 10) -> list[str]:
    """Anchor lines l0 … l{levels}: each expands to ``width`` times the one before."""
    lines = [f"&l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"&l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return lines


def test_aliases_that_add_more_values_than_the_limit_are_refused(tmp_path):
    levels = laughs(9)  # 10**10 values expanded, in a file of 1 KB
    text = "".join(f"k{i}: {a}\n" for i, a in enumerate(levels))
    err = error(load, tmp_path, text)
    assert f"YAML aliases expand to more than {MAX_ALIAS_VALUES:,} values" in err.message
    # l1 … l4 add 123,440 values; the eighth alias in l5 (line 6) crosses 1,000,000
    assert err.line == 6
    # under the limit is fine, and aliases still share
    doc = load(tmp_path, "".join(f"k{i}: {a}\n" for i, a in enumerate(laughs(4))))
    assert doc.data["k4"][0] is doc.data["k3"]


BOMB = "[" + ", ".join(["*l4"] * 10) + "]"  # 1,111,110 values with laughs(4)


def bomb_in(text: str, anchor_key: str) -> tuple[str, int]:
    """``text`` with its ``*bomb`` replaced by :data:`BOMB`, after the anchors it uses
    (in a list under ``anchor_key``); and the line of the bomb."""
    anchors = [f"{anchor_key}:", *(f"  - {a}" for a in laughs(4))]
    whole = "\n".join(anchors) + "\n" + text.replace("*bomb", BOMB)
    return whole, next(i for i, s in enumerate(whole.splitlines(), 1) if BOMB in s)


# The eighth alias of BOMB crosses the limit (the anchors add 123,440 values, each *l4
# 111,111), so the error names that alias's field.
SCENARIO_BOMBS = {
    "name": "name: *bomb\ntasks: [{id: a, duration: 1}]\n",
    "tasks[0].name": "tasks: [{id: a, name: *bomb, duration: 1}]\n",
    "tasks[0].id": "tasks: [{id: *bomb, duration: 1}]\n",
    "tasks[0].duration": "tasks: [{id: a, duration: *bomb}]\n",
    "tasks[0].predecessors": "tasks: [{id: a, duration: 1, predecessors: *bomb}]\n",
    "simulation.iterations": "tasks: [{id: a, duration: 1}]\nsimulation: {iterations: *bomb}\n",
    "simulation.percentiles": "tasks: [{id: a, duration: 1}]\nsimulation: {percentiles: *bomb}\n",
    "tasks[0].duration.<<": "tasks: [{id: a, duration: {<<: *bomb}}]\n",
}


@pytest.mark.parametrize("field,text", SCENARIO_BOMBS.items(), ids=SCENARIO_BOMBS.keys())
def test_alias_bombs_in_a_scenario_end_in_the_loader(tmp_path, field, text):
    # the anchors sit under an unknown key: the loader must refuse before the parser runs
    whole, line = bomb_in(text, "x-anchors")
    err = error(rk.load_scenario, write(tmp_path, whole))
    assert "YAML aliases expand to more than" in err.message
    assert (err.line, err.field) == (line, field + "[7]")


PORTFOLIO_BOMBS = {
    "portfolio": "portfolio: *bomb\n",
    "kpis.cost": "kpis: {cost: *bomb}\n",
    "kpis.k.expr": "kpis:\n  k: {expr: *bomb}\n",
    "objectives[0].id": "objectives: [{id: *bomb, kpi: finish}]\n",
    "options.o": "options: {o: *bomb}\n",
}


@pytest.mark.parametrize("field,text", PORTFOLIO_BOMBS.items(), ids=PORTFOLIO_BOMBS.keys())
def test_alias_bombs_in_a_portfolio_end_in_the_loader(tmp_path, field, text):
    write(tmp_path, "tasks: [{id: a, duration: 1}]\n", "p.yaml")
    body = "start: 2027-01-04\nprojects: {p: {scenario: p.yaml}}\n" + text
    if not text.startswith("portfolio"):
        body = "portfolio: x\n" + body
    whole, line = bomb_in(body, "x-anchors")
    path = write(tmp_path, whole, "portfolio.yaml")
    err = error(rk.load_portfolio, path)
    assert "YAML aliases expand to more than" in err.message
    assert (err.file, err.line, err.field) == (str(path), line, field + "[7]")


# --- tags ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,tag",
    [
        ("!!python/object/apply:os.system ['echo pwned']", "!!python/object/apply:os.system"),
        ("!!python/name:os.system x", "!!python/name:os.system"),
        ("!!set {a, b}", "!!set"),
        ("!!binary aGVsbG8=", "!!binary"),
        ("!!omap [{a: 1}]", "!!omap"),
        ("!!pairs [{a: 1}]", "!!pairs"),
        ("!custom 1", "!custom"),
        ("!!map [1]", "!!map"),
        ("!!str {a: 1}", "!!str"),
        ("!<tag:example.com,2000:x> 1", "tag:example.com,2000:x"),
    ],
)
def test_only_standard_tags_are_allowed(tmp_path, value, tag):
    err = error(load, tmp_path, f"a: 1\nb: {value}\n")
    assert err.message.startswith(f"malformed YAML: the tag {tag!r} is not allowed (allowed: ")
    assert (err.line, err.field) == (2, "b")


@pytest.mark.parametrize("value", ["!!int abc", "!!float x", "!!bool maybe", "!!int ''"])
def test_a_tagged_value_that_does_not_fit_its_tag_is_an_error(tmp_path, value):
    err = error(load, tmp_path, f"a:\n  - {value}\n")
    assert "is not a valid" in err.message and (err.line, err.field) == (2, "a[0]")


# --- numbers with thousands of digits --------------------------------------------------


def test_long_whole_numbers_load_without_converting_them(tmp_path):
    digits = "9" * 100_000
    doc = load(tmp_path, f"a: {digits}\nb: -{digits}\nc: 0{'0' * 5000}17\nd: 1{':00' * 3000}\n")
    a, b = doc.data["a"], doc.data["b"]
    assert isinstance(a, LongInt) and a > 10**3999 and str(a) == digits
    assert isinstance(b, LongInt) and b < -(10**3999) and repr(b) == "-" + digits
    assert doc.data["c"] == 15  # octal with leading zeros: exact
    assert isinstance(doc.data["d"], LongInt)


@pytest.mark.parametrize("digits", [400, 5000, 1_000_000])
@pytest.mark.parametrize(
    "template,field,message",
    [
        ("tasks:\n  - id: a\n    duration: {n}\n", "tasks[a].duration", "must be at most 1e+15"),
        (
            "tasks:\n  - id: a\n    duration: {{dist: uniform, min: 1, max: {n}}}\n",
            "tasks[a].duration.max",
            "must be at most 1e+15",
        ),
        (
            "tasks:\n  - id: a\n    duration: [-{n}, 1, 2]\n",
            "tasks[a].duration[0]",
            "must not be negative",
        ),
        ("tasks:\n  - id: a\n    existence: {n}\n    duration: 1\n", "tasks[a].existence", ""),
        (
            "tasks:\n  - id: b\n    duration: 1\n  - id: a\n"
            "    predecessors: [{{task: b, lag: -{n}}}]\n    duration: 1\n",
            "tasks[a].predecessors[0].lag",
            "must be at most 1e+15",
        ),
        (
            "tasks:\n  - id: a\n    duration: 1\nsimulation: {{seed: {n}}}\n",
            "simulation.seed",
            "must be a whole number",
        ),
    ],
)
def test_huge_numbers_are_clean_errors_with_field_and_line(
    tmp_path, template, field, digits, message
):
    text = template.format(n="7" * digits)
    path = write(tmp_path, text)
    err = error(rk.load_scenario, path)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "777" in s)
    assert (err.field, err.line) == (field, line)
    assert message in err.message
    assert len(str(err)) < 500


# --- input files ---------------------------------------------------------------------


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": SRC, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "riskengine", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )


def test_a_fifo_a_device_and_a_folder_are_refused_without_reading(tmp_path):
    fifo = tmp_path / "plan.yaml"
    os.mkfifo(fifo)  # opening it to read would wait for a writer for ever
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    cases = [(fifo, "is not a regular file"), ("/dev/zero", "is not a regular file")]
    cases.append((folder, "is a folder, not a file"))
    for path, message in cases:
        out = cli("validate", str(path))
        assert out.returncode == 2, out.stderr
        lines = out.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {path}: {message}")
        err = error(rk.load_scenario, path)
        assert message in err.message and err.file == str(path)


def test_a_file_above_the_input_limit_is_refused(tmp_path, monkeypatch):
    path = write(tmp_path, "tasks: [{id: a, duration: 1}]\n" + "#" * 20_000 + "\n")
    monkeypatch.setenv(LIMIT_VARIABLE, "0.01")  # 10,486 bytes
    err = error(rk.load_scenario, path)
    assert "above the input limit" in err.message and LIMIT_VARIABLE in err.message
    monkeypatch.setenv(LIMIT_VARIABLE, "1")
    assert rk.load_scenario(path).tasks[0].id == "a"


def test_a_portfolio_project_is_an_input_file_too(tmp_path):
    path = write(
        tmp_path,
        "portfolio: p\nstart: 2027-01-04\nprojects: {a: {scenario: /dev/zero}}\n",
        "portfolio.yaml",
    )
    err = error(rk.load_portfolio, path)
    assert err.file == "/dev/zero" and "is not a regular file" in err.message


def test_is_portfolio_file_does_not_read_what_it_must_not(tmp_path, monkeypatch):
    from riskengine.io.portfolio_file import is_portfolio_file

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    big = write(tmp_path, "portfolio: x\n" + "#" * 20_000 + "\n", "big.yaml")
    assert is_portfolio_file(big)
    monkeypatch.setenv(LIMIT_VARIABLE, "0.01")
    assert not is_portfolio_file(big)
    assert not is_portfolio_file(fifo) and not is_portfolio_file("/dev/zero")
    assert not is_portfolio_file(tmp_path / "missing.yaml")
