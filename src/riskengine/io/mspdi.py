"""MS Project XML (MSPDI) files, read as the elements they are (the importer's first layer).

An MSPDI file is one ``<Project>`` element in the namespace
``http://schemas.microsoft.com/project``: project-wide fields (``StartDate``,
``StatusDate``, ``CalendarUID``, ``MinutesPerDay`` …), then ``<Calendars>``, ``<Tasks>``,
``<Resources>`` and ``<Assignments>``, each a list of elements. This module reads each of
those elements into a plain dict: a field without children becomes its text; a field
with children a dict of the same kind; the elements MSPDI repeats (``PredecessorLink``,
``WeekDay``, ``WorkingTime``, ``Exception``, ``ExtendedAttribute``, ``TimephasedData``,
``Baseline``) always lists. Values stay text, so what they mean (durations in ISO 8601,
lags in tenths of minutes, day types 1 = Sunday) is decided by the mapping that builds a
scenario from them.

The XML is parsed with defusedxml (no entity expansion, no external entities, no DTD) and
read through the input limit (io/inputs.py). A file that is not well-formed XML, or whose
root is not an MSPDI ``Project``, is a ScenarioError naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from riskengine.errors import ScenarioError
from riskengine.io.inputs import read_input

NAMESPACE = "http://schemas.microsoft.com/project"
REPEATED = frozenset(
    {
        "PredecessorLink",
        "WeekDay",
        "WorkingTime",
        "Exception",
        "ExtendedAttribute",
        "TimephasedData",
        "Baseline",
        "OutlineCode",
        "Value",
    }
)
LISTS = {
    "Calendars": "Calendar",
    "Tasks": "Task",
    "Resources": "Resource",
    "Assignments": "Assignment",
}


@dataclass(frozen=True)
class MspdiFile:
    """An MSPDI file: ``project`` its project-wide fields, then its calendars, tasks,
    resources and assignments, each element a dict (see the module docstring), in file
    order."""

    path: str
    project: dict[str, Any]
    calendars: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    resources: list[dict[str, Any]]
    assignments: list[dict[str, Any]]

    def error(self, message: str, field: str | None = None) -> ScenarioError:
        """A ScenarioError about this file."""
        return ScenarioError(message, file=self.path, field=field)


def _tag(element: Element) -> str:
    """The element's name without the MSPDI namespace."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def element_dict(element: Element) -> dict[str, Any]:
    """The children of ``element`` as a dict (see the module docstring)."""
    out: dict[str, Any] = {}
    for child in element:
        name = _tag(child)
        value: Any = element_dict(child) if len(child) else (child.text or "").strip()
        if name in REPEATED:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def read_mspdi(path: str | Path) -> MspdiFile:
    """Read the MSPDI file at ``path`` (within the input limit)."""
    return parse_mspdi(read_input(path, "MS Project XML file"), str(path))


def parse_mspdi(data: bytes, path: str = "<mspdi>") -> MspdiFile:
    """Parse the bytes of an MSPDI file."""
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as e:
        raise ScenarioError(
            f"refused: the XML declares {type(e).__name__} (entities or a DTD), which an "
            "MS Project file never needs",
            file=path,
        ) from None
    except ParseError as e:
        line = e.position[0] if getattr(e, "position", None) else None
        raise ScenarioError(f"not well-formed XML ({e.msg})", file=path, line=line) from None
    if _tag(root) != "Project" or not str(root.tag).startswith("{" + NAMESPACE):
        raise ScenarioError(
            f"not an MS Project XML (MSPDI) file: its root is <{_tag(root) or root.tag}>, "
            f'not <Project xmlns="{NAMESPACE}">',
            file=path,
        )
    project: dict[str, Any] = {}
    lists: dict[str, list[dict[str, Any]]] = {name: [] for name in LISTS}
    for child in root:
        name = _tag(child)
        if name in LISTS:
            lists[name] = [element_dict(e) for e in child if _tag(e) == LISTS[name]]
        elif len(child):
            project[name] = element_dict(child)
        else:
            project[name] = (child.text or "").strip()
    return MspdiFile(
        path,
        project,
        lists["Calendars"],
        lists["Tasks"],
        lists["Resources"],
        lists["Assignments"],
    )
