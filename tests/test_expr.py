"""KPI expressions: results against hand-written numpy, hostile inputs, limits, fuzzing."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskengine.errors import ScenarioError
from riskengine.portfolio.expr import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_TOKENS,
    Expression,
    parse_expression,
)

N = 257
FIELD = "kpis[0].value"


def _values() -> dict[str, np.ndarray | float]:
    rng = np.random.default_rng(1)
    a, b, c = rng.normal(size=(3, N))
    return {
        "a": a,
        "b": b,
        "c": c,
        "benefits": rng.uniform(0, 5e6, N),
        "benefits_2028": rng.uniform(0, 5e6, N),
        "total_cost": rng.uniform(1e6, 3e6, N),
        "erp.golive": rng.uniform(100, 300, N),
        "erp.cost": rng.uniform(1e6, 2e6, N),
        "scale": 2.5,
    }


V = _values()
KNOWN = frozenset(V)
a, b, c = V["a"], V["b"], V["c"]
golive, benefits, cost = V["erp.golive"], V["benefits"], V["total_cost"]


def flag(mask):
    return mask.astype(np.float64)


CASES = [
    ("a + b * c", a + b * c),
    ("(a + b) * c", (a + b) * c),
    ("a - b - c", (a - b) - c),
    ("a / b / c", (a / b) / c),
    ("a - b + c", (a - b) + c),
    ("a * b / c", (a * b) / c),
    ("-a * b", (-a) * b),
    ("-(a + b)", -(a + b)),
    ("a - -b", a + b),
    ("a * -b", a * -b),
    ("+a", a),
    ("--a", a),
    ("---a", -a),
    ("erp.golive / 30", golive / 30),
    ("erp.golive + erp.cost", golive + V["erp.cost"]),
    ("benefits_2028 - 0.25 * total_cost", V["benefits_2028"] - 0.25 * cost),
    ("min(a, b, c)", np.minimum(np.minimum(a, b), c)),
    ("max(a, b, c)", np.maximum(np.maximum(a, b), c)),
    ("max(a, b) / 1e6", np.maximum(a, b) / 1e6),
    ("min(a, 0)", np.minimum(a, 0.0)),
    ("where(erp.golive <= 180, benefits, 0)", np.where(golive <= 180, benefits, 0.0)),
    ("where(a, b, c)", np.where(a != 0, b, c)),
    ("where(a > 0, a, -a)", np.abs(a)),
    ("abs(a - b)", np.abs(a - b)),
    ("a < b", flag(a < b)),
    ("a <= b", flag(a <= b)),
    ("a > b", flag(a > b)),
    ("a >= b", flag(a >= b)),
    ("a == a", np.ones(N)),
    ("a != b", flag(a != b)),
    ("a + 1 > b * 2", flag(a + 1 > b * 2)),
    ("-a < b", flag(-a < b)),
    ("(a < b) + (b < c)", flag(a < b) + flag(b < c)),
    ("2 * a + 1e3", 2 * a + 1e3),
    ("2.5E-3 * a", 2.5e-3 * a),
    ("5_000_000 * a", 5_000_000 * a),
    ("1_000.000_5", np.full(N, 1000.0005)),
    (".5 * a", 0.5 * a),
    ("scale * a", 2.5 * a),
    ("scale", np.full(N, 2.5)),
    ("1 + 2", np.full(N, 3.0)),
    ("  a\n\t+ b  ", a + b),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[t for t, _ in CASES])
def test_results_match_numpy(text, expected):
    result = parse_expression(text, field=FIELD, known=KNOWN).evaluate(V)
    assert result.dtype == np.float64
    assert result.shape == (N,)
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("1 + 2", set()),
        ("a + a * a", {"a"}),
        (
            "where(erp.golive <= 180, benefits, 0) - erp.cost",
            {"erp.golive", "benefits", "erp.cost"},
        ),
        ("max(a, b, c) / scale", {"a", "b", "c", "scale"}),
    ],
)
def test_names_are_exactly_those_used(text, names):
    expr = parse_expression(text, field=FIELD)
    assert expr.names == frozenset(names)
    assert expr.text == text
    assert expr.field == FIELD


def test_evaluate_returns_a_fresh_float_array():
    values = {"a": np.arange(4), "s": 3}  # ints are converted
    result = parse_expression("a", field=FIELD).evaluate(values)
    assert result.dtype == np.float64
    result[0] = 99.0
    assert values["a"][0] == 0


def test_division_by_zero_and_overflow_follow_numpy_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quotient = parse_expression("a / 0", field=FIELD).evaluate({"a": np.array([1.0, -1, 0])})
        huge = parse_expression("1e308 * 10 - a", field=FIELD).evaluate({"a": np.zeros(2)})
    np.testing.assert_array_equal(quotient, [np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(huge, [np.inf, np.inf])


def test_missing_value_at_evaluation_is_a_scenario_error():
    expr = parse_expression("benfits * 2", field=FIELD)
    with pytest.raises(ScenarioError, match="no value for 'benfits'.*did you mean 'benefits'") as e:
        expr.evaluate(V)
    assert e.value.field == FIELD


# -- errors -------------------------------------------------------------------------------

HOSTILE = [
    ("__import__('os')", "'__import__' starts with '_'"),
    ("a.__class__", "'__class__' starts with '_'"),
    ("a.b.__dict__", "'__dict__' starts with '_'"),
    ("().__class__.__bases__", "unexpected '.'"),
    ("open('x')", "strings are not supported"),
    ("eval('1')", "strings are not supported"),
    ("getattr(a, 'x')", "strings are not supported"),
    ("exec", "unknown quantity 'exec'"),
    ("a[0]", "subscripts are not supported"),
    ("[1]", "subscripts are not supported"),
    ("'text'", "strings are not supported"),
    ('"text"', "strings are not supported"),
    ("lambda: 1", "'lambda' is a reserved word"),
    ("import os", "'import' is a reserved word"),
    ("a if b else c", "use where(cond, a, b)"),
    ("a and b", "'and' is not supported (use min(c1, c2)"),
    ("a or b", "'or' is not supported"),
    ("not a", "'not' is not supported"),
    ("a & b", "logical operators are not supported"),
    ("True", "use 1"),
    ("a ** 99999999", "powers are not supported"),
    ("9 ^ 9", "powers are not supported"),
    ("a = 1", "use '==' to compare"),
    ("a ! b", "use '!=' to compare"),
    ("a; b", "only one expression is allowed"),
    ("a: 1", "':' is not supported"),
    ("a % b", "'%' (remainder) is not supported"),
    ("@a", "'@' is not supported"),
    ("{}", "braces are not supported"),
    ("$a", "unexpected character '$'"),
    ("a # note", "comments are not supported"),
    ("a \\x00", "backslashes are not supported"),
    ("\x00", "control character '\\x00'"),
    ("café", "non-ASCII character 'é'"),
    ("a \u2212 b", "non-ASCII character"),  # a pasted minus sign
    ("\u0661 + 1", "non-ASCII character"),  # an Arabic-Indic digit
    ("1e999", "number '1e999' is too large"),
    ("1.5.3", "malformed number '1.5.3'"),
    ("0x10", "malformed number '0x10'"),
    ("5_", "malformed number '5_'"),
    ("2a", "malformed number '2a'"),
    ("(" * 1000 + "a" + ")" * 1000, "expression too long: 2001 characters"),
    ("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1), "nested too deeply"),
    ("abs(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1), "nested too deeply"),
    ("-" * 5000 + "1", "expression too long"),
    ("-" * (MAX_DEPTH + 1) + "1", "nested too deeply"),
    ("a+" * 50_000 + "a", "expression too long: 100001 characters"),
    ("a+" * (MAX_TOKENS // 2) + "a", f"more than {MAX_TOKENS} tokens"),
    ("min(a)", "min() takes at least 2 arguments, got 1"),
    ("max()", "max() takes at least 2 arguments, got 0"),
    ("where(a, b)", "where() takes exactly 3 arguments, got 2"),
    ("abs(a, b)", "abs() takes exactly 1 argument, got 2"),
    ("foo(a)", "unknown function 'foo' at column 1 in 'foo(a)'; allowed: abs(x), max("),
    ("a.b(1)", "unknown function 'a.b'"),
    ("min", "'min' is a function"),
    ("min(a, b,)", "unexpected ')'"),
    ("a.", "expected a name after '.'"),
    (".a", "unexpected '.'"),
    ("a..b", "expected a name after '.'"),
    ("a.1", "expected a name after '.'"),
    ("a +", "unexpected end of expression at column 4"),
    ("a +* b", "unexpected '*'"),
    ("a b", "is an operator missing?"),
    ("(a + b", "'(' at column 1 is never closed"),
    ("()", "empty parentheses"),
    ("", "empty expression"),
    (" \t\n ", "empty expression"),
    ("a < b < c", "comparisons cannot be chained"),
    ("_private", "'_private' starts with '_'"),
]


@pytest.mark.parametrize(("text", "fragment"), HOSTILE, ids=[repr(t[:30]) for t, _ in HOSTILE])
def test_hostile_and_invalid_inputs_are_scenario_errors(text, fragment):
    with pytest.raises(ScenarioError) as e:
        parse_expression(text, field=FIELD, known=KNOWN)
    assert fragment in e.value.message
    assert e.value.field == FIELD
    assert str(e.value).startswith(f"{FIELD}: ")


UNKNOWN_NAMES_ONLY = {"exec"}  # valid syntax; rejected only because no such quantity exists


@pytest.mark.parametrize("text", [t for t, _ in HOSTILE if t not in UNKNOWN_NAMES_ONLY])
def test_rejection_does_not_depend_on_known_names(text):
    with pytest.raises(ScenarioError):
        parse_expression(text, field=FIELD)


def test_non_text_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="expected an expression as text, got int"):
        parse_expression(5, field=FIELD)


def test_error_names_the_column():
    with pytest.raises(ScenarioError) as e:
        parse_expression("a + b)", field=FIELD)
    assert str(e.value) == f"{FIELD}: unexpected ')' at column 6 in 'a + b)'"


def test_long_text_is_quoted_as_an_excerpt():
    text = "a +" + " " * 850 + "a $ b"
    with pytest.raises(ScenarioError) as e:
        parse_expression(text, field=FIELD)
    message = e.value.message
    assert f"at column {text.index('$') + 1} in ...'" in message
    assert "a $ b'" in message
    assert len(message) < 150


def test_unknown_name_hints_the_closest_known_name_only():
    known = ["benefits", "total_cost", "erp.golive"]
    with pytest.raises(ScenarioError) as e:
        parse_expression("benfits * 2", field=FIELD, known=known)
    assert e.value.message.endswith("did you mean 'benefits'?")
    assert "total_cost" not in e.value.message
    with pytest.raises(ScenarioError, match="did you mean 'erp.golive'"):
        parse_expression("erp.golve / 30", field=FIELD, known=known)
    with pytest.raises(ScenarioError) as e:
        parse_expression("zzz", field=FIELD, known=known)
    assert "did you mean" not in e.value.message


def test_limits_are_inclusive():
    deepest = "(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH
    calls = "abs(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH
    signs = "-" * MAX_DEPTH + "a"
    for text in (deepest, calls, signs):
        assert parse_expression(text, field=FIELD).evaluate(V).shape == (N,)
    np.testing.assert_array_equal(parse_expression(signs, field=FIELD).evaluate(V), a)
    most_tokens = "-a" + "+a" * ((MAX_TOKENS - 2) // 2)
    np.testing.assert_allclose(
        parse_expression(most_tokens, field=FIELD).evaluate(V), a * (MAX_TOKENS // 2 - 2)
    )
    longest = "a" + " " * (MAX_LENGTH - 1)
    assert parse_expression(longest, field=FIELD).names == {"a"}


def test_expressions_are_values():
    one = parse_expression("a + b", field=FIELD)
    assert one == parse_expression("a + b", field=FIELD)
    assert isinstance(one, Expression)
    assert hash(one) == hash(parse_expression("a + b", field=FIELD))


# -- fuzzing ------------------------------------------------------------------------------

FUZZ = settings(max_examples=400, deadline=None, database=None)


def _parse_and_evaluate(text: str) -> None:
    try:
        expr = parse_expression(text, field=FIELD)
    except ScenarioError:
        return
    values = {name: np.random.default_rng(len(name)).normal(size=N) for name in expr.names}
    values["n"] = np.zeros(N)  # gives constant expressions their shape
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = expr.evaluate(values)
    assert result.dtype == np.float64
    assert result.shape == (N,)


@FUZZ
@given(st.text(alphabet="abcex._019 \t+-*/<>=!(),^%'[]minwhrs\u00e9", max_size=60))
def test_random_characters_parse_and_evaluate_or_raise_scenario_error(text):
    _parse_and_evaluate(text)


TOKENS = [
    "a", "b", "erp.golive", "0", "1", "2.5", "1e3", "5_000", "1e308",
    "+", "-", "*", "/", "(", ")", ",", "<", "<=", "==", "!=", ">",
    "min(", "max(", "where(", "abs(",
]  # fmt: skip


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=30))
def test_random_token_sequences_parse_and_evaluate_or_raise_scenario_error(tokens):
    _parse_and_evaluate(" ".join(tokens))
