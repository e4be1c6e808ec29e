"""Safe YAML loading that remembers the line of every key and list item."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import ScenarioError

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """Safe loader (C-accelerated when available: ~20x faster on 10,000 tasks) that
    leaves dates as text, so a bad date is reported by the scenario parser with its
    field and line instead of escaping as a bare ValueError."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _Base.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._plain_tags: dict[str, str] = {}

    def resolve(self, kind, value, implicit):  # noqa: ANN001, ANN201 (PyYAML's signature)
        # Resolving a plain scalar's tag runs a few regular expressions in Python and
        # dominates loading big files; scenario files repeat the same words and numbers
        # (FS, triangular, 0) thousands of times, so remember each answer.
        if kind is yaml.ScalarNode and implicit[0]:
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = self._plain_tags[value] = super().resolve(kind, value, implicit)
            return tag
        return super().resolve(kind, value, implicit)


Path_ = tuple[str | int, ...]


class Document:
    """Parsed YAML plus a map from field paths to 1-based line numbers."""

    def __init__(self, file: str, data: Any, lines: dict[Path_, int]) -> None:
        self.file = file
        self.data = data
        self.lines = lines
        self.names: dict[Path_, str] = {}  # ("tasks", 3) -> "B": lets fields name ids

    def line(self, path: Path_) -> int | None:
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def field(self, path: Path_) -> str:
        out = ""
        for i, part in enumerate(path):
            if isinstance(part, int):
                name = self.names.get(tuple(path[: i + 1]))
                out += f"[{name if name is not None else part}]"
            else:
                out += f".{part}" if out else str(part)
        return out

    def error(self, message: str, path: Path_) -> ScenarioError:
        return ScenarioError(message, file=self.file, field=self.field(path), line=self.line(path))

    def locate(self, err: ScenarioError) -> ScenarioError:
        """Attach file and line to an error whose field was rendered by :meth:`field`."""
        return err.located(self.file, self.line(self.parse_field(err.field or "")))

    def parse_field(self, text: str) -> Path_:
        by_name = {(p[0], v): p[1] for p, v in self.names.items()}
        path: list[str | int] = []
        for name, index in re.findall(r"([^.\[\]]+)|\[([^\]]*)\]", text):
            if name:
                path.append(name)
            elif index.isdigit():
                path.append(int(index))
            elif path and (path[0], index) in by_name:
                path.append(by_name[(path[0], index)])
        return tuple(path)


def load_yaml(path: str | Path) -> Document:
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("file not found", file=file) from None
    except IsADirectoryError:
        raise ScenarioError("is a folder, not a file", file=file) from None
    except UnicodeDecodeError as e:
        raise ScenarioError(f"not UTF-8 text ({e.reason})", file=file) from None
    except OSError as e:
        raise ScenarioError(f"cannot read: {e.strerror}", file=file) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        builder = _Builder(loader, file)
        data = builder.build(node, ()) if node is not None else None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        msg = " ".join(filter(None, [e.context, e.problem])) or "malformed YAML"
        raise ScenarioError(f"malformed YAML: {msg}", file=file, line=line) from None
    except yaml.YAMLError as e:
        raise ScenarioError(f"malformed YAML: {e}", file=file) from None
    except RecursionError:
        raise ScenarioError("malformed YAML: nested too deeply", file=file) from None
    finally:
        loader.dispose()
    return Document(file, data, builder.lines if node is not None else {})


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


class _Builder:
    """Nodes → Python objects and the line of every key and item, in one pass.

    Plain text scalars (most of a scenario) are taken as they are; every other scalar
    and any unusual tag goes through PyYAML's safe constructor, which rejects tags that
    would build Python objects. An alias builds its node once and shares the result (so
    "billion laughs" files stay small); a node that contains itself is an error.
    """

    def __init__(self, loader: yaml.SafeLoader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.lines: dict[Path_, int] = {}
        self.built: dict[int, Any] = {}
        self.active: set[int] = set()

    def build(self, node: yaml.Node, path: Path_) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return node.value if node.tag == _STR else self.loader.construct_object(node, True)
        key = id(node)
        if key in self.built:
            return self.built[key]
        if key in self.active:
            raise ScenarioError(
                "a YAML alias refers to itself", file=self.file, line=node.start_mark.line + 1
            )
        self.active.add(key)
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            out = self._mapping(node, path)
        elif isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            out = []
            for i, item in enumerate(node.value):
                sub = (*path, i)
                self.lines[sub] = item.start_mark.line + 1
                out.append(self.build(item, sub))
        else:
            out = self.loader.construct_object(node, True)
        self.active.discard(key)
        self.built[key] = out
        return out

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict:
        out: dict = {}
        inherited: list[dict] = []
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE:  # "<<: *defaults" merges keys not given here
                merged = self.build(value_node, path)
                for m in merged if isinstance(merged, list) else [merged]:
                    if not isinstance(m, dict):
                        raise ScenarioError("'<<' must merge mappings", file=self.file, line=line)
                    inherited.append(m)
                continue
            key = self.build(key_node, path)
            try:
                duplicate = key in out
            except TypeError:
                raise ScenarioError("a key must be text", file=self.file, line=line) from None
            if duplicate:
                raise ScenarioError(f"duplicate key {key!r}", file=self.file, line=line)
            sub = (*path, str(key_node.value))
            self.lines[sub] = line
            out[key] = self.build(value_node, sub)
        for m in inherited:
            for k, v in m.items():
                out.setdefault(k, v)
        return out
