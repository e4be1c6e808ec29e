"""KPI expressions: small formulas over named per-iteration quantities.

A KPI such as ``"where(erp.golive <= 180, benefits, 0) - 0.25 * total_cost"`` is
evaluated once per iteration, vectorised over the quantity arrays. The language:

- numbers ``12``, ``2.5``, ``1e6``, ``2.5E-3``, ``5_000_000``; names ``total_cost``,
  ``erp.golive`` (identifiers joined by dots; parts may not start with ``_``);
- ``+ - * /``, unary ``-``/``+``, parentheses; comparisons ``< <= > >= == !=`` give 1.0
  or 0.0 and do not chain (``a < b < c`` is an error). Precedence, loosest first:
  comparison, ``+ -``, ``* /``, unary sign;
- functions ``min(a, b, ...)``, ``max(a, b, ...)`` (two or more arguments, elementwise),
  ``where(cond, a, b)`` (``a`` where ``cond != 0``, else ``b``) and ``abs(x)``;
- nothing else: no powers, ``%``, strings, subscripts, attributes, ``and``/``or``/``not``
  (use ``min``/``max``/``where`` or comparisons), keywords or other functions.

Arithmetic follows numpy in float64: ``x / 0`` is ``±inf``, ``0 / 0`` is ``nan``, overflow
gives ``inf``, and none of these warns. An expression has at most 1000 characters and 200
tokens and nests at most 32 deep, counting parentheses, calls and signs (``MAX_LENGTH``,
``MAX_TOKENS``, ``MAX_DEPTH``).

The text is read by a hand-written tokenizer and recursive-descent parser into a postfix
program for a small stack machine, so nothing in a scenario file ever reaches Python's
``eval``/``compile``, parsing recursion is bounded by ``MAX_DEPTH`` and evaluation does
not recurse at all.
"""

from __future__ import annotations

import difflib
import functools
import keyword
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Final, Literal

import numpy as np

from riskengine.errors import ScenarioError

MAX_LENGTH = 1000  # characters, checked before anything else looks at the text
MAX_TOKENS = 200
MAX_DEPTH = 32  # parentheses + function calls + unary signs, counted together

_WHITESPACE = " \t\r\n"
_DIGITS = r"[0-9]+(?:_[0-9]+)*"  # explicit [0-9]: \d would accept non-ASCII digits
_NUMBER = re.compile(rf"(?:{_DIGITS}(?:\.{_DIGITS})?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?")
_DIGIT_CHARS = frozenset("0123456789")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IDENT_START = re.compile(r"[A-Za-z_]")
_NUMBER_TAIL = re.compile(r"[A-Za-z0-9_.]*")
_OPERATORS = ("<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/", "(", ")", ",")
_COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!="})

_LOGIC_HINT = "use min(c1, c2) for 'and', max(c1, c2) for 'or', (c == 0) for 'not', or where()"
_REJECTED_CHARACTERS = {
    "'": "strings are not supported",
    '"': "strings are not supported",
    "[": "subscripts are not supported",
    "]": "subscripts are not supported",
    "{": "braces are not supported",
    "}": "braces are not supported",
    "^": "powers are not supported",
    "%": "'%' (remainder) is not supported",
    "@": "'@' is not supported",
    ";": "only one expression is allowed; ';' is not supported",
    ":": "':' is not supported (no slices, lambdas or conditionals)",
    "=": "a single '=' is not allowed (use '==' to compare)",
    "!": "'!' is not allowed (use '!=' to compare, or where() to negate)",
    "&": f"logical operators are not supported ({_LOGIC_HINT})",
    "|": f"logical operators are not supported ({_LOGIC_HINT})",
    "~": f"logical operators are not supported ({_LOGIC_HINT})",
    "\\": "backslashes are not supported",
    "#": "comments are not supported",
}
_REJECTED_WORDS = {
    "and": f"'and' is not supported ({_LOGIC_HINT})",
    "or": f"'or' is not supported ({_LOGIC_HINT})",
    "not": f"'not' is not supported ({_LOGIC_HINT})",
    "if": "'if' is not supported (use where(cond, a, b))",
    "else": "'else' is not supported (use where(cond, a, b))",
    "True": "'True' is not supported (use 1)",
    "False": "'False' is not supported (use 0)",
}


# What the stack machine computes with: per-iteration arrays, or a constant's float64
# (arithmetic on constants alone stays a numpy scalar).
_Value = np.ndarray | np.float64


def _flag(mask: np.ndarray | np.bool_) -> np.ndarray:
    return np.asarray(mask, dtype=np.float64)


_BINARY: dict[str, Callable[[_Value, _Value], _Value]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "<": lambda a, b: _flag(np.less(a, b)),
    "<=": lambda a, b: _flag(np.less_equal(a, b)),
    ">": lambda a, b: _flag(np.greater(a, b)),
    ">=": lambda a, b: _flag(np.greater_equal(a, b)),
    "==": lambda a, b: _flag(np.equal(a, b)),
    "!=": lambda a, b: _flag(np.not_equal(a, b)),
}


def _where(cond: _Value, a: _Value, b: _Value) -> np.ndarray:
    return np.where(np.not_equal(cond, 0), a, b)


# name -> (implementation, least arguments, most arguments or None, signature for errors)
_FUNCTIONS: dict[str, tuple[Callable[..., _Value], int, int | None, str]] = {
    "abs": (np.abs, 1, 1, "abs(x)"),
    "max": (lambda *xs: functools.reduce(np.maximum, xs), 2, None, "max(a, b, ...)"),
    "min": (lambda *xs: functools.reduce(np.minimum, xs), 2, None, "min(a, b, ...)"),
    "where": (_where, 3, 3, "where(cond, a, b)"),
}
_ALLOWED_FUNCTIONS = ", ".join(spec[3] for spec in _FUNCTIONS.values())

# Postfix instructions: (opcode, argument), the argument's type set by the opcode.
_CONST: Final = "const"
_LOAD: Final = "load"
_NEG: Final = "neg"
_BIN: Final = "bin"
_CALL: Final = "call"
_Instruction = (
    tuple[Literal["const"], np.float64]  # push the number
    | tuple[Literal["load"], str]  # push the quantity of that name
    | tuple[Literal["neg"], None]  # negate the top
    | tuple[Literal["bin"], str]  # the operator on the top two
    | tuple[Literal["call"], tuple[str, int]]  # the function on the top n
)


@dataclass(frozen=True)
class Expression:
    """A parsed KPI expression; build it with :func:`parse_expression`.

    ``names`` holds the quantity names the text uses (dotted form). ``evaluate`` takes a
    mapping from those names to float64 arrays of length n_iterations (or scalars) and
    returns a new float64 array with the broadcast shape of all the mapping's values, so a
    constant expression still gives one value per iteration.
    """

    text: str
    names: frozenset[str]
    field: str | None = None
    _program: tuple[_Instruction, ...] = dataclass_field(default=(), repr=False)

    def evaluate(self, values: Mapping[str, np.ndarray | float]) -> np.ndarray:
        """The KPI in every iteration (see the class docstring for shapes); ScenarioError
        when ``values`` lacks a name the expression uses."""
        stack: list[_Value] = []
        with np.errstate(all="ignore"):
            for inst in self._program:
                if inst[0] == _CONST:
                    stack.append(inst[1])
                elif inst[0] == _LOAD:
                    stack.append(self._load(values, inst[1]))
                elif inst[0] == _NEG:
                    stack[-1] = np.negative(stack[-1])
                elif inst[0] == _BIN:
                    right = stack.pop()
                    stack[-1] = _BINARY[inst[1]](stack[-1], right)
                else:
                    name, n = inst[1]
                    args = stack[-n:]
                    del stack[-n:]
                    stack.append(_FUNCTIONS[name][0](*args))
        (result,) = stack
        shape = np.broadcast_shapes(np.shape(result), *(np.shape(v) for v in values.values()))
        out = np.empty(shape, dtype=np.float64)
        out[...] = result  # a copy: the caller's arrays never come back aliased
        return out

    def _load(self, values: Mapping[str, np.ndarray | float], name: str) -> np.ndarray:
        if name not in values:
            message = f"no value for {name!r} in {self.text!r}"
            close = difflib.get_close_matches(name, sorted(values), n=1)
            if close:
                message += f"; did you mean {close[0]!r}?"
            raise ScenarioError(message, field=self.field)
        return np.asarray(values[name], dtype=np.float64)


def parse_expression(text: str, *, field: str, known: Collection[str] | None = None) -> Expression:
    """Parse a KPI expression (language in the module docstring).

    ``field`` names the scenario field for error messages; with ``known`` every name must
    be one of those quantities. Anything outside the language raises ScenarioError with
    the 1-based column of the problem.
    """
    if not isinstance(text, str):
        raise ScenarioError(
            f"expected an expression as text, got {type(text).__name__}", field=field
        )
    if len(text) > MAX_LENGTH:
        raise ScenarioError(
            f"expression too long: {len(text)} characters (at most {MAX_LENGTH})", field=field
        )
    if not text.strip(_WHITESPACE):
        raise ScenarioError("empty expression", field=field)
    parser = _Parser(text, field, known)
    parser.parse()
    return Expression(text, frozenset(parser.names), field, tuple(parser.program))


def _match(pattern: re.Pattern[str], text: str, pos: int) -> re.Match[str]:
    """``pattern`` at ``pos`` of ``text``, where the caller knows it matches."""
    match = pattern.match(text, pos)
    assert match is not None, (pattern.pattern, pos)
    return match


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "name", "op" or "end"
    text: str
    pos: int
    value: float = 0.0


class _Parser:
    """Recursive descent over the token list, emitting postfix as it goes."""

    def __init__(self, text: str, field: str, known: Collection[str] | None) -> None:
        self.text = text
        self.field = field
        self.known = None if known is None else frozenset(known)
        self.names: set[str] = set()
        self.program: list[_Instruction] = []
        self.depth = 0
        self.tokens = self._tokenize()
        self.i = 0

    # -- errors -------------------------------------------------------------------------

    def fail(self, message: str, pos: int, hint: str = "") -> ScenarioError:
        text = self.text
        if len(text) <= 80:
            shown = repr(text)
        else:
            lo, hi = max(0, pos - 30), min(len(text), pos + 30)
            shown = ("..." if lo else "") + repr(text[lo:hi]) + ("..." if hi < len(text) else "")
        message = f"{message} at column {pos + 1} in {shown}"
        return ScenarioError(f"{message}; {hint}" if hint else message, field=self.field)

    # -- tokens -------------------------------------------------------------------------

    def _tokenize(self) -> list[_Token]:
        text, pos = self.text, 0
        tokens: list[_Token] = []
        while pos < len(text):
            ch = text[pos]
            if ch in _WHITESPACE:
                pos += 1
                continue
            if len(tokens) == MAX_TOKENS:
                raise self.fail(f"expression too long: more than {MAX_TOKENS} tokens", pos)
            if ch in _DIGIT_CHARS or (ch == "." and text[pos + 1 : pos + 2] in _DIGIT_CHARS):
                token = self._number(pos)
            elif _IDENT_START.match(ch):
                token = self._name(pos)
            elif text.startswith("**", pos):
                raise self.fail("powers are not supported: '**'", pos)
            else:
                op = next((o for o in _OPERATORS if text.startswith(o, pos)), None)
                if op is None:
                    raise self._bad_character(pos)
                token = _Token("op", op, pos)
            tokens.append(token)
            pos = token.pos + len(token.text)
        tokens.append(_Token("end", "", len(text)))
        return tokens

    def _number(self, pos: int) -> _Token:
        match = _match(_NUMBER, self.text, pos)  # the tokenizer saw a digit here
        end = match.end()
        if _match(_NUMBER_TAIL, self.text, end).end() > end:
            whole = self.text[pos : _match(_NUMBER_TAIL, self.text, pos).end()]
            raise self.fail(f"malformed number {whole!r}", pos)
        value = float(match.group().replace("_", ""))
        if not np.isfinite(value):
            raise self.fail(f"number {match.group()!r} is too large", pos)
        return _Token("num", match.group(), pos, value)

    def _name(self, pos: int) -> _Token:
        text, end, parts = self.text, pos, []
        while True:
            part = _match(_IDENT, text, end)  # a letter or '_' is checked before each part
            if part.group().startswith("_"):
                raise self.fail(
                    f"name part {part.group()!r} starts with '_' (not allowed)", part.start()
                )
            parts.append(part.group())
            end = part.end()
            if not text.startswith(".", end):
                break
            if not _IDENT_START.match(text[end + 1 : end + 2]):
                raise self.fail("expected a name after '.'", end)
            end += 1
        name = text[pos:end]
        if name in _REJECTED_WORDS:
            raise self.fail(_REJECTED_WORDS[name], pos)
        if keyword.iskeyword(name):
            raise self.fail(f"{name!r} is a reserved word (not allowed)", pos)
        return _Token("name", name, pos)

    def _bad_character(self, pos: int) -> ScenarioError:
        ch = self.text[pos]
        if ch in _REJECTED_CHARACTERS:
            return self.fail(f"{_REJECTED_CHARACTERS[ch]}: {ch!r}", pos)
        if ch == ".":
            return self.fail("unexpected '.' (names must start with a letter)", pos)
        if not ch.isascii():
            return self.fail(f"non-ASCII character {ch!r} is not allowed", pos)
        if not ch.isprintable():
            return self.fail(f"control character {ch!r} is not allowed", pos)
        return self.fail(f"unexpected character {ch!r}", pos)

    # -- grammar ------------------------------------------------------------------------

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def unexpected(self, token: _Token) -> ScenarioError:
        if token.kind == "end":
            return self.fail("unexpected end of expression", token.pos)
        hint = "is an operator missing?" if token.kind in ("num", "name") else ""
        return self.fail(f"unexpected {token.text!r}", token.pos, hint)

    def nest(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(
                f"nested too deeply (more than {MAX_DEPTH} levels of parentheses, calls and signs)",
                pos,
            )

    def parse(self) -> None:
        self.comparison()
        if self.peek().kind != "end":
            raise self.unexpected(self.peek())

    def comparison(self) -> None:
        self.additive()
        if self.peek().text in _COMPARISONS and self.peek().kind == "op":
            op = self.take().text
            self.additive()
            self.program.append((_BIN, op))
            after = self.peek()
            if after.kind == "op" and after.text in _COMPARISONS:
                raise self.fail(
                    "comparisons cannot be chained", after.pos, "use min(a < b, b < c) instead"
                )

    def additive(self) -> None:
        self.multiplicative()
        while self.peek().kind == "op" and self.peek().text in ("+", "-"):
            op = self.take().text
            self.multiplicative()
            self.program.append((_BIN, op))

    def multiplicative(self) -> None:
        self.unary()
        while self.peek().kind == "op" and self.peek().text in ("*", "/"):
            op = self.take().text
            self.unary()
            self.program.append((_BIN, op))

    def unary(self) -> None:
        signs = 0
        negative = False
        while self.peek().kind == "op" and self.peek().text in ("+", "-"):
            token = self.take()
            self.nest(token.pos)
            signs += 1
            negative ^= token.text == "-"
        self.primary()
        if negative:
            self.program.append((_NEG, None))
        self.depth -= signs

    def primary(self) -> None:
        token = self.take()
        if token.kind == "num":
            self.program.append((_CONST, np.float64(token.value)))
        elif token.kind == "name":
            if self.peek().text == "(" and self.peek().kind == "op":
                self.call(token)
            else:
                self.name(token)
        elif token.text == "(" and token.kind == "op":
            if self.peek().text == ")":
                raise self.fail("empty parentheses '()'", token.pos)
            self.nest(token.pos)
            self.comparison()
            self.close(token)
            self.depth -= 1
        else:
            raise self.unexpected(token)

    def close(self, opening: _Token) -> None:
        token = self.peek()
        if token.kind == "op" and token.text == ")":
            self.take()
            return
        if token.kind == "end":
            raise self.fail(f"'(' at column {opening.pos + 1} is never closed", token.pos)
        raise self.unexpected(token)

    def name(self, token: _Token) -> None:
        name = token.text
        if name in _FUNCTIONS:
            raise self.fail(f"{name!r} is a function; call it as {_FUNCTIONS[name][3]}", token.pos)
        if self.known is not None and name not in self.known:
            close = difflib.get_close_matches(name, sorted(self.known), n=1)
            hint = f"did you mean {close[0]!r}?" if close else ""
            raise self.fail(f"unknown quantity {name!r}", token.pos, hint)
        self.names.add(name)
        self.program.append((_LOAD, name))

    def call(self, token: _Token) -> None:
        name = token.text
        if name not in _FUNCTIONS:
            raise self.fail(
                f"unknown function {name!r}", token.pos, f"allowed: {_ALLOWED_FUNCTIONS}"
            )
        _, least, most, signature = _FUNCTIONS[name]
        opening = self.take()
        self.nest(opening.pos)
        n = 0
        if not (self.peek().kind == "op" and self.peek().text == ")"):
            self.comparison()
            n = 1
            while self.peek().kind == "op" and self.peek().text == ",":
                self.take()
                self.comparison()
                n += 1
        self.close(opening)
        self.depth -= 1
        if n < least or (most is not None and n > most):
            if most == least:
                wanted = f"exactly {least} argument{'s' if least > 1 else ''}"
            else:
                wanted = f"at least {least} arguments"
            raise self.fail(f"{name}() takes {wanted}, got {n}", token.pos, f"use {signature}")
        self.program.append((_CALL, (name, n)))
