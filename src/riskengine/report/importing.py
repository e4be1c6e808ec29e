"""The import report: what ``riskengine import`` read, lost and how faithful it is.

One plain-text form serves the terminal and the ``--report-import`` text file (80
columns, no colour, so it reads the same in both), and one JSON form for tools.
Activity ids and names come from the file: they are shown on one line with control
characters escaped (:func:`riskengine.errors.one_line`).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from riskengine.errors import one_line

if TYPE_CHECKING:  # the fidelity table needs numba; printing it must not
    from riskengine.analysis.fidelity import Fidelity
    from riskengine.io.p6import import ImportReport

WIDTH = 80
SHOWN_ITEMS = 5  # items of each loss in the text form (the JSON has them all)


def _wrap(text: str, indent: int, first: str = "") -> list[str]:
    """``first`` then ``text`` wrapped to WIDTH, continuation lines indented."""
    return textwrap.wrap(
        one_line(text),
        WIDTH,
        initial_indent=first or " " * indent,
        subsequent_indent=" " * indent,
        break_long_words=True,
        break_on_hyphens=False,
    )


def _share(p: float | None) -> str:
    return "n/a" if p is None else f"{100 * p:.1f} %"


def _n(n: int, word: str, plural: str = "") -> str:
    return f"{n:,} " + (word if n == 1 else plural or word + "s")


def losses_phrase(report: ImportReport) -> str:
    """``6 items lost or approximated in 1 kind`` (``nothing lost`` when so)."""
    items = sum(len(loss.items) for loss in report.losses.values())
    if not report.losses:
        return "nothing lost"
    return f"{_n(items, 'item')} lost or approximated in {_n(len(report.losses), 'kind')}"


def summary_line(report: ImportReport) -> str:
    """One line for ``run``/``validate`` on a schedule file: what came in, and what not."""
    n = report.counts.get("activities", 0)
    links = report.counts.get("links", 0)
    return one_line(
        f"imported {report.source}: project {report.project}, "
        f"{_n(n, 'activity', 'activities')}, {_n(links, 'link')}, {losses_phrase(report)}, "
        f"{_n(len(report.warnings), 'warning')} (riskengine import shows them)"
    )


def import_text(report: ImportReport, fid: Fidelity | None) -> str:
    """The readable report: counts, losses, warnings and the fidelity table."""
    lines = _wrap(f"{report.source}: project {report.project} (file version {report.version})", 0)
    lines += ["", "Read"]
    for key, n in report.counts.items():
        lines.append(f"  {one_line(key):<40}{n:>8}")
    lines.append("")
    if report.losses:
        n = len(report.losses)
        lines.append(f"Lost or approximated ({n} kind{'s' if n > 1 else ''})")
    else:
        lines.append("Nothing lost or approximated")
    for loss in report.losses.values():
        lines += _wrap(f"{loss.what}: {loss.why}", 9, f"  {len(loss.items):>5}  ")
        if loss.items:
            shown = ", ".join(loss.items[:SHOWN_ITEMS])
            more = len(loss.items) - SHOWN_ITEMS
            lines += _wrap(shown + (f" and {more} more" if more > 0 else ""), 9)
    if report.warnings:
        lines += ["", f"Warnings ({len(report.warnings)})"]
        for w in report.warnings:
            lines += _wrap(w, 4, "  - ")
    if fid is not None:
        lines += ["", *fidelity_lines(fid)]
    return "\n".join(lines) + "\n"


def fidelity_lines(fid: Fidelity) -> list[str]:
    """The fidelity table: shares for all open activities and the supported ones, the
    project finish, the worst mismatches with their causes."""
    lines = [
        "Fidelity: our deterministic schedule against the file's dates",
        "(activities not finished; supported: no loss on them or what they depend on)",
        "",
        f"  {'':<20}{'all (' + str(fid.counts['all']) + ')':>16}"
        f"{'supported (' + str(fid.counts['supported']) + ')':>20}",
    ]
    for m in fid.shares["all"]:
        lines.append(
            f"  {m:<20}{_share(fid.shares['all'][m]):>16}{_share(fid.shares['supported'][m]):>20}"
        )
    same = {True: "same day", False: "differs", None: "not stored"}[fid.same_project_finish]
    lines += [
        "",
        f"  project finish: ours {fid.project_finish or 'n/a'},"
        f" the file's {fid.file_project_finish or 'n/a'} ({same})",
    ]
    if fid.file_cost is not None and fid.plan_cost is not None and fid.cost_gap is not None:
        gap = 100 * fid.cost_gap if abs(fid.cost_gap) >= 5e-7 else 0.0
        lines.append(
            f"  plan cost: ours {fid.plan_cost:,.2f}, the file's {fid.file_cost:,.2f}"
            f" ({gap:+.4f} %)"
        )
    if fid.worst:
        lines += [
            "",
            f"Worst mismatches, at most {fid.per_cause} per cause (days: ours minus the file's)",
        ]
        lines.append(f"  {'activity':<24}{'finish':>11}{'file':>11}{'days':>6}{'float':>7}")
        for w in fid.worst:
            fl = "" if w.float_days is None else f"{w.float_days:+.1f}"
            tid = one_line(w.task)
            tid = tid if len(tid) <= 23 else tid[:22] + "…"
            lines.append(
                f"  {tid:<24}{str(w.ours[1]):>11}{str(w.file[1] or ''):>11}"
                f"{w.finish_days:>+6}{fl:>7}"
            )
            lines += _wrap(w.cause, 6, "      cause: ")
    return lines


def import_dict(report: ImportReport, fid: Fidelity | None) -> dict[str, Any]:
    """The ``--report-import`` JSON document."""
    return {
        "source": report.source,
        "project": report.project,
        "version": report.version,
        "counts": dict(report.counts),
        "losses": [
            {"key": key, "what": loss.what, "why": loss.why, "items": list(loss.items)}
            for key, loss in report.losses.items()
        ],
        "warnings": list(report.warnings),
        "fidelity": None if fid is None else fid.to_dict(),
    }
