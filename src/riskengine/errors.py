"""One error family: user mistakes are RiskEngineError, everything else is a bug."""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Collection, Mapping, Sequence
from typing import Any

MESSAGE_LIMIT = 400  # characters of a message; longer ones keep their start and end


class RiskEngineError(Exception):
    """Base class for errors caused by the user's input or environment.

    The CLI prints ``str(error)`` on one line and exits with status 2. Any other
    exception is a bug in riskengine.

    Parameters
    ----------
    message : str
        What is wrong, on one line.
    """


class ScenarioError(RiskEngineError, ValueError):
    """A scenario file (or model built in Python) is invalid.

    It is also a ``ValueError`` (an invalid value given by the user), so ``except
    ValueError`` catches it, as it catches the input errors of numpy and scikit-learn.

    ``file`` is the path the problem was found in (``None`` for models built in
    Python), ``field`` a dotted path such as ``tasks[3].duration.min`` (tasks may be
    named by id: ``tasks[B].duration``) and ``line`` the 1-based line in the file
    where known.

    Parameters
    ----------
    message : str
        What is wrong, without the location.
    file : str or None, default None
        The file the problem was found in.
    field : str or None, default None
        The dotted path of the value, e.g. ``tasks[B].duration.min``.
    line : int or None, default None
        The 1-based line in ``file``.

    Examples
    --------
    >>> from riskengine import ScenarioError
    >>> str(ScenarioError("min (5) > mode (3)", file="plan.yaml", field="tasks[C].duration",
    ...                   line=14))
    'plan.yaml:14: tasks[C].duration: min (5) > mode (3)'
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.field = field
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.file:
            where = str(self.file)
            if self.line:
                where += f":{self.line}"
        parts = [shorten(p, 200) for p in (where, self.field) if p]
        prefix = ": ".join(parts)
        message = shorten(self.message, MESSAGE_LIMIT)
        return f"{prefix}: {message}" if prefix else message

    def located(self, file: str | None, line: int | None = None) -> ScenarioError:
        """Return a copy that names ``file`` (and ``line``) unless already known."""
        return ScenarioError(
            self.message,
            file=self.file or file,
            field=self.field,
            line=self.line or line,
        )


class OutputError(RiskEngineError):
    """An output file or folder cannot be written.

    Raised before a run starts when an output would overwrite an input or another
    output, or cannot be created; and when writing fails, with nothing left behind.

    Parameters
    ----------
    message : str
        The path and what is wrong with it.
    """


class ClusterError(RiskEngineError):
    """The Dask cluster a run was sent to failed during it (its scheduler lost, its
    workers dying over and over): nothing is written.

    Parameters
    ----------
    message : str
        The cluster's address and what happened.
    """


class RiskEngineWarning(UserWarning):
    """Something was adjusted that the user should know about.

    For example a correlation matrix repaired to the nearest valid one, or a KPI
    statistic that is not finite. The CLI prints these as ``warning: …`` lines; in
    Python they are ordinary warnings (:mod:`warnings`).

    Parameters
    ----------
    message : str
        What was adjusted, on one line.
    """


def did_you_mean(name: Any, choices: Collection[Any]) -> str:
    """`` (did you mean 'x'?)`` naming the closest of ``choices``, or ``""``. A long name
    (a pasted 10 MB value) or a huge list of choices gets no suggestion: comparing them
    would take seconds."""
    text = str(name) if isinstance(name, str | int) else ""
    if not text or len(text) > 200 or len(choices) > 100_000:
        return ""
    close = difflib.get_close_matches(text, [str(c)[:200] for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_keys(spec: Mapping, allowed: Collection[str], field: str) -> None:
    """ScenarioError naming the first key of ``spec`` that is not ``allowed``."""
    for key in spec:
        if key not in allowed:
            raise ScenarioError(
                f"unknown key {key!r}{did_you_mean(key, allowed)}", field=f"{field}.{key}"
            )


def shorten(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` cut to about ``limit`` characters: its start and its end, and how much was
    left out between them (a 10 MB value never ends up in an error message)."""
    if len(text) <= limit:
        return text
    head = max(limit * 2 // 3, 1)
    tail = max(limit - head - 30, 0)
    cut = len(text) - head - tail
    return f"{text[:head]}…[{cut:,} characters cut]…{text[len(text) - tail :]}"


_REPR = reprlib.Repr()
_REPR.maxlevel = 2
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxfrozenset = _REPR.maxdict = 4
_REPR.maxstring = _REPR.maxother = 60
_REPR.maxlong = 40


def show(value: Any) -> str:
    """A value from a file as an error message quotes it: like ``repr``, but bounded in
    length and in the work it does, however large or deeply nested the value is (a YAML
    alias bomb included)."""
    return shorten(_REPR.repr(value), 100)


def short_list(items: Sequence[Any], sep: str = " → ", head: int = 4, tail: int = 2) -> str:
    """Items joined by ``sep``; a long list keeps its first and last few items and says
    how many were left out (a cycle through 3,000 tasks stays one readable line)."""
    text = [str(i) for i in items]
    if len(text) <= head + tail + 1:
        return sep.join(text)
    left = len(text) - head - tail
    return sep.join([*text[:head], f"… ({left:,} more) …", *text[-tail:]])


def one_line(text: object) -> str:
    r"""``text`` as one terminal line: whitespace runs become one space and any other
    character that is not printable (ESC, bidi overrides) is shown escaped (``\x1b``),
    so text from a file can neither move the cursor nor recolour the terminal."""
    words = " ".join(str(text).split())
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in words)
