"""Safe YAML loading in one pass over the parser's events, with lines found on demand.

A scenario of 100,000 tasks is about four million YAML events, so the builder does as
little as it can per event: it builds dicts and lists directly (no node tree), resolves
each distinct plain scalar once (a scenario repeats ``FS``, ``triangular`` and small
numbers endlessly), and keeps no table of lines. The line of a field is found only when
an error names it, by reading the events again along the field's path.

Only YAML's plain data survives loading: text, numbers, booleans, null, lists and
mappings. Dates stay text (the scenario parser reports a bad date with its field), any
tag beyond the standard scalar and collection tags is refused, and aliases share the
object they refer to but may add at most :data:`MAX_ALIAS_VALUES` values to the file.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from riskengine.errors import RiskEngineError, ScenarioError, show
from riskengine.io.inputs import read_input

MAX_ALIAS_VALUES = 1_000_000  # values that aliases may add, counted with every alias expanded
MAX_DEPTH = 100  # nested lists and mappings; a scenario needs fewer than ten
MAX_COLLECTIONS = 2_000_000  # lists and mappings in a file: 100,000 tasks need 600,000
PLAIN_CACHE = 1_000_000  # distinct plain scalars whose values are remembered
LONG_INT_DIGITS = 4_000  # longer whole numbers are not converted exactly (see LongInt)

# libyaml's parser when PyYAML was built with it (about ten times faster), else PyYAML's own
_Parser = getattr(yaml, "CBaseLoader", yaml.BaseLoader)

_STD = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_STD + t for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ, _MERGE_TAG, _TIMESTAMP = (_STD + t for t in ("map", "seq", "merge", "timestamp"))
_SCALAR_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP})
ALLOWED_TAGS = "!!str, !!int, !!float, !!bool, !!null, !!timestamp, !!seq and !!map"

# PyYAML's implicit resolvers for plain scalars, less timestamps (dates stay text, so a bad
# date is reported with its field) and the '=' value key (text here)
_RESOLVERS = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_TIMESTAMP, _STD + "value")]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
_CONSTRUCT = yaml.constructor.SafeConstructor()


class _MergeKey(str):
    """The plain key ``<<``: equal to the text ``"<<"`` wherever it is not a key."""


_MERGE = _MergeKey("<<")


class LongInt(int):
    """A whole number written with more than :data:`LONG_INT_DIGITS` digits.

    Converting such text exactly takes time that grows with the square of its length (so
    Python refuses beyond 4,300 digits). No field accepts a number that large, so it is
    kept as a number of the same sign beyond every limit (±10**4000), which range checks
    reject as too large, and it shows itself as the text the file gave."""

    text: str

    def __new__(cls, text: str) -> LongInt:
        """The stand-in for ``text`` (more than :data:`LONG_INT_DIGITS` digits): ±10**4000
        by its sign, the text itself never converted."""
        huge = 10**LONG_INT_DIGITS
        out = super().__new__(cls, -huge if text[:1] == "-" else huge)
        out.text = text
        return out

    def __repr__(self) -> str:
        """The text the file gave, so error messages quote the number as written."""
        return self.text

    __str__ = __repr__


Path_ = tuple[str | int, ...]


class Document:
    """Parsed YAML, and the lines of its fields on demand.

    ``names`` maps list entries to their ids (``("tasks", 3)`` → ``"B"``), so fields name
    entries by id (``tasks[B].duration``) once the parser knows them.
    """

    def __init__(self, file: str, data: Any, source: bytes | str = b"") -> None:
        self.file = file
        self.data = data
        self.source = source
        self.names: dict[Path_, str] = {}

    def line(self, path: Path_) -> int | None:
        """The 1-based line of ``path``: of its key in a mapping, or of the start of a list
        item; for a path the file does not spell out (a value from an alias or a merge, a
        key that is missing), the line of its nearest prefix that it does."""
        if not path or not self.source:
            return None
        try:
            return _find_line(self.source, tuple(path))
        except yaml.YAMLError:  # the file loaded, so this cannot happen; no line then
            return None

    def field(self, path: Path_) -> str:
        """``path`` as error messages name it: ``tasks[B].duration``."""
        return _field(path, self.names)

    def error(self, message: str, path: Path_) -> ScenarioError:
        """The error for a mistake at ``path``, naming this file, the field and its line."""
        return ScenarioError(message, file=self.file, field=self.field(path), line=self.line(path))

    def locate(self, err: ScenarioError) -> ScenarioError:
        """Attach file and line to an error whose field was rendered by :meth:`field`."""
        return err.located(self.file, self.line(self.parse_field(err.field or "")))

    def parse_field(self, text: str) -> Path_:
        """The path of a field as :meth:`field` renders it (``tasks[B]`` back to
        ``("tasks", 3)``); parts it cannot resolve are left out."""
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


def locate(err: ScenarioError) -> ScenarioError:
    """``err`` with the line of its field, when it names a YAML file and a field but no
    line (an error found after loading, e.g. by the simulation): list entries named by id
    (``tasks[B]``) are found by their ``id`` key. Unchanged when the line cannot be
    found."""
    if err.line or not err.file or not err.field:
        return err
    try:
        source = read_input(err.file)
        data = _build(err.file, source)
        path: list[str | int] = []
        node = data
        for name, index in re.findall(r"([^.\[\]]+)|\[([^\]]*)\]", err.field):
            if name:
                path.append(name)
                node = node.get(name) if isinstance(node, dict) else None
                continue
            if not isinstance(node, list):
                break
            if index.isdigit() and int(index) < len(node):
                i = int(index)
            else:
                ids = [str(x.get("id")) if isinstance(x, dict) else None for x in node]
                if index not in ids:
                    break
                i = ids.index(index)
            path.append(i)
            node = node[i]
        line = _find_line(source, tuple(path)) if path else None
    except (RiskEngineError, yaml.YAMLError, ValueError, OSError, RecursionError):
        return err
    return err.located(err.file, line)


def _field(path: Path_, names: dict[Path_, str] | None = None) -> str:
    """``tasks[B].duration.min``: list entries by id where ``names`` knows it."""
    out = ""
    for i, part in enumerate(path):
        if isinstance(part, int):
            name = names.get(tuple(path[: i + 1])) if names else None
            out += f"[{name if name is not None else part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def load_yaml(path: str | Path, what: str = "scenario") -> Document:
    """Read a YAML input file safely: a regular file within the input limit
    (:func:`~riskengine.io.inputs.read_input`), in UTF-8 (a byte order mark is fine)."""
    file = str(path)
    try:
        source = read_input(path, what)
    except ScenarioError:  # a ValueError too, but already says what is wrong
        raise
    except ValueError:  # a path with a NUL character in it
        raise ScenarioError("file not found", file=file) from None
    try:
        source.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError(f"not UTF-8 text ({e.reason})", file=file) from None
    try:
        data = _build(file, source)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        msg = " ".join(filter(None, [e.context, e.problem])) or "malformed YAML"
        raise ScenarioError(f"malformed YAML: {msg}", file=file, line=line) from None
    except yaml.reader.ReaderError as e:
        code = ord(e.character) if isinstance(e.character, str) else e.character
        raise ScenarioError(
            f"malformed YAML: the character U+{code:04X} is not allowed in YAML",
            file=file,
            line=source.count(b"\n", 0, max(e.position, 0)) + 1,
        ) from None
    except yaml.YAMLError as e:
        raise ScenarioError(f"malformed YAML: {' '.join(str(e).split())}", file=file) from None
    return Document(file, data, source)


def _build(file: str, source: bytes) -> Any:
    parser = _Parser(source)
    try:
        with gc_paused():
            return _Builder(file, source, parser.get_event).document()
    finally:
        parser.dispose()


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a file's objects are built. Loading makes
    millions of lists, dicts and objects that all stay alive (and hold no cycles), and the
    collector would walk all of them again and again: a third of the loading time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Builder:
    """YAML events → Python objects, with the checks that keep loading safe.

    An alias shares the object its anchor built (no copy), and counts as the number of
    values that object would hold written out in full; once aliases add more than
    :data:`MAX_ALIAS_VALUES` the file is refused ("billion laughs"). A node that contains
    an alias to itself is an error, as are nesting deeper than :data:`MAX_DEPTH`, unknown
    tags, duplicate keys, keys that are lists or mappings, and more than
    :data:`MAX_COLLECTIONS` lists and mappings in all.

    Plain scalars without anchor or tag (nearly every event) are read inline in the
    mapping and list loops; everything else goes through :meth:`node`.
    """

    def __init__(self, file: str, source: bytes | str, get: Any) -> None:
        self.file = file
        self.source = source
        self.get = get
        self.plain: dict[str, Any] = {}  # plain scalar text → value
        self.anchors: dict[str, Any] = {}  # name → object (_OPEN while it is being built)
        self.sizes: dict[int, int] = {}  # id(anchored list or mapping) → size, expanded
        self.added = 0  # values added by aliases
        self.collections = 0

    def error(self, message: str, event: Any) -> ScenarioError:
        """The error at ``event``, naming its field (found by reading the file again)."""
        path = _path_of(self.source, event)
        return ScenarioError(
            message,
            file=self.file,
            field=_field(path) if path else None,
            line=event.start_mark.line + 1,
        )

    def document(self) -> Any:
        """The single document's root value (None for an empty file)."""
        get = self.get
        get()  # stream start
        if isinstance(get(), yaml.StreamEndEvent):
            return None
        data = self.node(get())
        get()  # document end
        event = get()
        if not isinstance(event, yaml.StreamEndEvent):
            raise self.error("malformed YAML: expected a single document in the file", event)
        return data

    def node(self, event: Any, depth: int = 1) -> Any:
        """The value of the node ``event`` starts, ``depth`` lists or mappings deep."""
        cls = event.__class__
        if cls is yaml.ScalarEvent:
            value = self.scalar(event)
            if event.anchor is not None:
                self.anchor(event, value)
            return value
        if cls is yaml.MappingStartEvent:
            return self.mapping(event, depth)
        if cls is yaml.SequenceStartEvent:
            return self.sequence(event, depth)
        return self.alias(event)

    def scalar(self, event: Any) -> Any:
        tag, text = event.tag, event.value
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return text  # quoted
            value = self.plain.get(text, _NO_KEY)
            return self.resolve(text) if value is _NO_KEY else value
        if tag not in _SCALAR_TAGS:
            raise self.tag_error(event)
        if tag in (_STR, _TIMESTAMP):  # dates stay text, as when untagged
            return text
        try:
            return _construct(tag, text)
        except (ValueError, KeyError, IndexError):
            raise self.error(
                f"malformed YAML: {show(text)} is not a valid {_short(tag)}", event
            ) from None

    def resolve(self, text: str) -> Any:
        """A plain scalar not seen before; the first million are remembered (a file of
        millions of distinct values would otherwise grow a table of all of them)."""
        value = _resolve(text)
        if len(self.plain) < PLAIN_CACHE:
            self.plain[text] = value
        return value

    def mapping(self, start: Any, depth: int) -> dict:
        self.enter(start, _MAP, depth)
        out: dict = {}
        get, plain, scalar_event, no_key = self.get, self.plain, yaml.ScalarEvent, _NO_KEY
        merge_key, mapping_start, sequence_start = _MERGE, yaml.MappingStartEvent, _SEQ_START
        merges: list[tuple[Any, Any]] = []
        while True:
            event = get()
            cls = event.__class__
            if cls is scalar_event and event.implicit[0]:  # plain, so untagged (or "!")
                key = plain.get(event.value, no_key)
                if key is no_key:
                    key = self.resolve(event.value)
                if event.anchor is not None:
                    self.anchor(event, key)
                elif key is merge_key:  # "<<: *defaults" merges keys not given here
                    merges.append((self.node(get(), depth + 1), event))
                    continue
            elif cls is yaml.MappingEndEvent:
                break
            elif cls is yaml.AliasEvent or cls is scalar_event:
                key = self.node(event)
            else:
                raise self.error("a key must be text, not a list or mapping", event)
            try:
                duplicate = key in out
            except TypeError:
                raise self.error("a key must be text, not a list or mapping", event) from None
            if duplicate:
                raise self.error(f"duplicate key {show(key)}", event)
            event = get()
            cls = event.__class__
            if cls is scalar_event and event.implicit[0]:
                value = plain.get(event.value, no_key)
                if value is no_key:
                    value = self.resolve(event.value)
                if event.anchor is not None:
                    self.anchor(event, value)
            elif cls is mapping_start:
                value = self.mapping(event, depth + 1)
            elif cls is sequence_start:
                value = self.sequence(event, depth + 1)
            else:
                value = self.node(event, depth + 1)
            out[key] = value
        if merges:
            self.merge(out, merges)
        if start.anchor is not None:
            self.close(start, out)
        return out

    def sequence(self, start: Any, depth: int) -> list:
        self.enter(start, _SEQ, depth)
        out: list = []
        append, get, plain = out.append, self.get, self.plain
        scalar_event, no_key, mapping_start = yaml.ScalarEvent, _NO_KEY, yaml.MappingStartEvent
        while True:
            event = get()
            cls = event.__class__
            if cls is scalar_event and event.implicit[0]:  # plain, so untagged (or "!")
                value = plain.get(event.value, no_key)
                if value is no_key:
                    value = self.resolve(event.value)
                if event.anchor is not None:
                    self.anchor(event, value)
                append(value)
            elif cls is mapping_start:
                append(self.mapping(event, depth + 1))
            elif cls is yaml.SequenceEndEvent:
                break
            else:
                append(self.node(event, depth + 1))
        if start.anchor is not None:
            self.close(start, out)
        return out

    def alias(self, event: Any) -> Any:
        value = self.anchors.get(event.anchor, _NO_KEY)
        if value is _NO_KEY:
            raise self.error(f"malformed YAML: found undefined alias {show(event.anchor)}", event)
        if value is _OPEN:
            raise self.error("a YAML alias refers to itself", event)
        self.added += self.sizes.get(id(value), 1)
        if self.added > MAX_ALIAS_VALUES:
            raise self.error(
                f"YAML aliases expand to more than {MAX_ALIAS_VALUES:,} values (the limit); "
                "write the values out or use fewer aliases",
                event,
            )
        return value

    def enter(self, start: Any, tag: str, depth: int) -> None:
        """Checks at the start of a list or mapping (``tag`` is the one it may carry)."""
        if start.tag is not None and start.tag != "!" and start.tag != tag:
            raise self.tag_error(start)
        if depth > MAX_DEPTH:
            raise self.error(f"malformed YAML: nested more than {MAX_DEPTH} levels deep", start)
        self.collections += 1
        if self.collections > MAX_COLLECTIONS:
            # each costs a few hundred bytes however short it is written ("- {a: 1}")
            raise self.error(
                f"the file holds more than {MAX_COLLECTIONS:,} lists and mappings (the "
                "limit), more than riskengine loads in bounded memory",
                start,
            )
        if start.anchor is not None:
            self.anchor(start, _OPEN)

    def close(self, start: Any, value: list | dict) -> None:
        """An anchored list or mapping is complete: aliases may refer to it now."""
        self.anchors[start.anchor] = value
        self.sizes[id(value)] = self.size(value)

    def size(self, value: Any) -> int:
        """How many values ``value`` holds, itself included, with every alias expanded
        (aliased lists and mappings inside it are counted already)."""
        known = self.sizes.get(id(value))
        if known is not None:
            return known
        if value.__class__ is list:
            return 1 + sum(self.size(v) for v in value)
        if value.__class__ is dict:
            return 1 + sum(self.size(v) for v in value.values())
        return 1

    def anchor(self, event: Any, value: Any) -> None:
        if event.anchor in self.anchors:
            raise self.error(
                f"malformed YAML: the anchor {show(event.anchor)} is defined twice", event
            )
        self.anchors[event.anchor] = value

    def merge(self, mapping: dict, merged: list[tuple[Any, Any]]) -> None:
        """``<<: *defaults`` (or a list of them) adds the keys the mapping does not give;
        the first mapping merged wins, as in YAML's merge key type."""
        for value, key_event in merged:
            for m in value if isinstance(value, list) else [value]:
                if not isinstance(m, dict):
                    raise self.error("'<<' must merge mappings", key_event)
                for k, v in m.items():
                    mapping.setdefault(k, v)

    def tag_error(self, event: Any) -> ScenarioError:
        return self.error(
            f"malformed YAML: the tag {show(_short(event.tag))} is not allowed "
            f"(allowed: {ALLOWED_TAGS})",
            event,
        )


_NO_KEY = object()
_SEQ_START = yaml.SequenceStartEvent
_OPEN = object()  # an anchored list or mapping still being read


def _resolve(text: str) -> Any:
    """The value of a plain scalar, by PyYAML's implicit resolvers (no timestamps)."""
    for tag, rx in _RESOLVERS.get(text[:1], ()):
        if rx.match(text):
            if tag == _MERGE_TAG:
                return _MERGE
            return _construct(tag, text)
    return text


def _construct(tag: str, text: str) -> Any:
    if tag == _INT and len(text) > LONG_INT_DIGITS:
        return _long_int(text)
    node = yaml.ScalarNode(tag, text)
    if tag == _INT:
        return _CONSTRUCT.construct_yaml_int(node)
    if tag == _FLOAT:
        return _CONSTRUCT.construct_yaml_float(node)
    if tag == _BOOL:
        return _CONSTRUCT.construct_yaml_bool(node)
    if tag == _NULL:
        return None
    return text


def _long_int(text: str) -> int:
    """A long whole number: exact when its significant digits are few (``0x000…1``), else
    a :class:`LongInt` of the same sign."""
    digits = text.replace("_", "").lstrip("+-")
    base = 10
    if digits[:2] in ("0b", "0x"):
        base, digits = (2 if digits[1] == "b" else 16), digits[2:]
    elif digits[:1] == "0":
        base = 8
    digits = digits.lstrip("0")
    if ":" in digits or len(digits) > LONG_INT_DIGITS:
        return LongInt(text)
    value = int(digits or "0", base)  # raises ValueError like PyYAML for bad digits
    return -value if text[:1] == "-" else value


def _short(tag: str) -> str:
    return "!!" + tag[len(_STD) :] if tag.startswith(_STD) else tag


def _path_of(source: bytes | str, target: Any) -> Path_:
    """The field path of the node or key that ``target`` (an event of a first reading)
    starts: the events are read again, tracking the keys and list positions above each,
    until the same event comes round. Only errors need it."""
    want = (target.__class__, target.start_mark.index, target.end_mark.index)
    parser = _Parser(source)
    frames: list[list] = []  # per open list or mapping: [is_mapping, key or index, at_key]
    try:
        get = parser.get_event
        while True:
            event = get()
            cls = event.__class__
            if cls in (yaml.StreamStartEvent, yaml.DocumentStartEvent, yaml.DocumentEndEvent):
                continue
            if cls is yaml.StreamEndEvent:
                return ()
            top = frames[-1] if frames else None
            at_key = top is not None and top[0] and top[2]
            if (cls, event.start_mark.index, event.end_mark.index) == want:
                path = tuple(f[1] for f in frames if not (f[0] and f[2]))
                return (*path, event.value) if at_key and cls is yaml.ScalarEvent else path
            if isinstance(event, yaml.CollectionStartEvent):
                is_mapping = cls is yaml.MappingStartEvent
                frames.append([is_mapping, None if is_mapping else 0, True])
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                frames.pop()
                top = frames[-1] if frames else None
            if top is None:
                continue
            if not top[0]:
                top[1] += 1
            elif top[2]:  # that was a key (an alias as a key is named after its anchor)
                top[1] = str(event.value) if cls is yaml.ScalarEvent else f"*{event.anchor}"
                top[2] = False
            else:
                top[2] = True
    except yaml.YAMLError:
        return tuple(f[1] for f in frames if not (f[0] and f[2]))
    finally:
        parser.dispose()


def _find_line(source: bytes | str, path: Path_) -> int | None:
    """Read the events again along ``path``; the line of its deepest part found."""
    parser = _Parser(source)
    try:
        get = parser.get_event
        get()  # stream start
        if isinstance(get(), yaml.StreamEndEvent):
            return None
        event = get()  # the root node
        line = None
        for part in path:
            if isinstance(event, yaml.MappingStartEvent) and isinstance(part, str):
                found = _find_key(get, part)
                if found is None:
                    return line
                line = found.start_mark.line + 1
                event = get()
            elif isinstance(event, yaml.SequenceStartEvent) and isinstance(part, int):
                for _ in range(part):
                    item = get()
                    if isinstance(item, yaml.SequenceEndEvent):
                        return line
                    _skip(get, item)
                event = get()
                if isinstance(event, yaml.SequenceEndEvent):
                    return line
                line = event.start_mark.line + 1
            else:
                return line
        return line
    finally:
        parser.dispose()


def _find_key(get: Any, name: str) -> Any:
    """The key event spelled ``name`` in the mapping being read (its value comes next),
    or None at the end of the mapping."""
    while True:
        event = get()
        if isinstance(event, yaml.MappingEndEvent):
            return None
        if isinstance(event, yaml.ScalarEvent) and event.value == name:
            return event
        _skip(get, event)
        _skip(get, get())


def _skip(get: Any, event: Any) -> None:
    """Read past the node that ``event`` starts."""
    depth = 1 if isinstance(event, yaml.CollectionStartEvent) else 0
    while depth:
        event = get()
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
