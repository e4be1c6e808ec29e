"""Which importer reads a schedule file: by its suffix, one line per format.

``riskengine import``, and ``run``/``validate`` given a schedule file instead of a
scenario, come here. The suffix decides, as users name these files by their format.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from riskengine.errors import ScenarioError
from riskengine.io.msimport import import_mspdi
from riskengine.io.p6import import ImportReport, import_xer
from riskengine.io.xer import read_xer
from riskengine.model.portfolio import ProjectLink
from riskengine.model.scenario import Scenario

Importer = Callable[..., tuple[Scenario, ImportReport]]

IMPORTERS: dict[str, Importer] = {
    ".xer": import_xer,
    ".xml": import_mspdi,
}


def is_schedule_file(path: str | Path) -> bool:
    """Whether ``path`` names a schedule file (by its suffix), not a scenario."""
    suffix = Path(path).suffix.lower()
    return suffix in IMPORTERS


def import_schedule(path: str | Path, project: str | None = None) -> tuple[Scenario, ImportReport]:
    """Import a schedule file into a scenario and the import report.

    Parameters
    ----------
    path : str or Path
        The file: a Primavera P6 export (``.xer``) or an MS Project XML file (MSPDI,
        ``.xml``).
    project : str, optional
        Which of its projects (short name or id); None for its only one.

    Returns
    -------
    tuple of (Scenario, ImportReport)
        The scenario (fixed durations, the plan as the file holds it) and what was
        read, lost or approximated, and the dates the file stores.

    Raises
    ------
    ScenarioError
        For a file that is not a schedule riskengine reads, an unknown project or a
        broken row (naming the file and line).
    """
    suffix = Path(path).suffix.lower()
    importer = IMPORTERS.get(suffix)
    if importer is None:
        known = ", ".join(sorted(IMPORTERS))
        why = f"not a schedule file riskengine reads (it reads {known})"
        raise ScenarioError(why, file=str(path))
    return importer(path, project)


def project_ids(path: str | Path) -> list[str]:
    """The projects of a schedule file, by the short name ``import_schedule`` takes
    (an MS Project file holds one: [None])."""
    if Path(path).suffix.lower() == ".xer":
        rows = [row for _, row in read_xer(path).table("PROJECT").records()]
        return [r.get("proj_short_name") or r.get("proj_id", "") for r in rows]
    return [None]  # type: ignore[list-item]


def links_between(
    imported: list[tuple[Scenario, ImportReport]], project_ids: list[str]
) -> tuple[ProjectLink, ...]:
    """The links between activities of the imported projects of one file (each
    project's ``report.external``), as a portfolio's links, its projects named
    ``project_ids`` in the order of ``imported``; a link from an activity that no
    imported project holds is left out (its loss is in the report already)."""
    where = {
        tid: f"{pid}.{code}"
        for (_, report), pid in zip(imported, project_ids, strict=True)
        for tid, code in report.file_ids.items()
    }
    out = []
    for (_, report), pid in zip(imported, project_ids, strict=True):
        for code, pred, kind, lag in report.external:
            if pred in where:
                out.append(ProjectLink(f"{pid}.{code}", where[pred], kind, lag))
    return tuple(out)


def import_all(path: str | Path) -> tuple[list[tuple[Scenario, ImportReport]], list[str]]:
    """Every project of a schedule file that has activities, imported, and a note for
    each one left out (a project without activities)."""
    done, skipped = [], []
    for pid in project_ids(path):
        try:
            done.append(import_schedule(path, pid))
        except ScenarioError as e:
            if "has no activities" not in e.message:
                raise
            skipped.append(f"project {pid} has no activities: left out")
    if not done:
        raise ScenarioError("no project of the file has activities", file=str(path))
    return done, skipped
