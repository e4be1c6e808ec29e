"""One error family: user mistakes are RiskEngineError, everything else is a bug."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from typing import Any


class RiskEngineError(Exception):
    """Base class for errors caused by the user's input or environment.

    The CLI prints ``str(error)`` on one line and exits with status 2.
    """


class ScenarioError(RiskEngineError):
    """A scenario file (or model built in Python) is invalid.

    ``file`` is the path the problem was found in (``None`` for models built in
    Python), ``field`` a dotted path such as ``tasks[3].duration.min`` (tasks may be
    named by id: ``tasks[B].duration``) and ``line`` the 1-based line in the file
    where known.
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
        parts = [p for p in (where, self.field) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message

    def located(self, file: str | None, line: int | None = None) -> ScenarioError:
        """Return a copy that names ``file`` (and ``line``) unless already known."""
        return ScenarioError(
            self.message,
            file=self.file or file,
            field=self.field,
            line=self.line or line,
        )


class OutputError(RiskEngineError):
    """An output file or folder cannot be written."""


class RiskEngineWarning(UserWarning):
    """Something was adjusted that the user should know about (e.g. a correlation matrix
    repaired to the nearest valid one). The CLI prints these as ``warning: …`` lines."""


def did_you_mean(name: Any, choices: Collection[Any]) -> str:
    """`` (did you mean 'x'?)`` naming the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_keys(spec: Mapping, allowed: Collection[str], field: str) -> None:
    """ScenarioError naming the first key of ``spec`` that is not ``allowed``."""
    for key in spec:
        if key not in allowed:
            raise ScenarioError(
                f"unknown key {key!r}{did_you_mean(key, allowed)}", field=f"{field}.{key}"
            )
