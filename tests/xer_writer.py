"""Small P6 XER files written for tests and the shipped example (scenarios/plant.xer):
a project with a WBS, activity codes, two calendars, links, progress and costs, in the
tables and fields P6 exports (io/p6import.py reads them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


def _node(name: str, attrs: str = "", *children: str) -> str:
    return f"(0||{name}({attrs})({''.join(children)}))"


def calendar_data(workdays: tuple[int, ...]) -> str:
    """P6 calendar data working 08:00-12:00 and 13:00-17:00 on ``workdays`` (0 = Monday;
    P6 numbers the days 1 = Sunday)."""
    shifts = (_node("0", "s|08:00|f|12:00"), _node("1", "s|13:00|f|17:00"))
    days = []
    for p6 in range(1, 8):
        weekday = (p6 - 2) % 7  # 1 (Sunday) -> 6, 2 (Monday) -> 0
        days.append(_node(str(p6), "", *shifts) if weekday in workdays else _node(str(p6)))
    return _node("CalendarData", "", _node("DaysOfWeek", "", *days), _node("Exceptions", ""))


@dataclass
class Activity:
    """One activity: ``days`` of 8 hours; ``preds`` as (code, type, lag days);
    ``codes`` as activity code type -> value; ``status`` "done", "active" or ""."""

    code: str
    name: str
    wbs: str
    days: float
    calendar: str = "5d"
    preds: list[tuple[str, str, float]] = field(default_factory=list)
    codes: dict[str, str] = field(default_factory=dict)
    cost: float = 0.0
    status: str = ""
    start: str = ""  # actual start (YYYY-MM-DD)
    finish: str = ""  # actual finish
    left: float | None = None  # remaining days of an active one
    milestone: bool = False
    task_type: str = ""  # P6's task_type when not a task or milestone, e.g. TT_LOE


CALENDARS = {"5d": ("Five day", (0, 1, 2, 3, 4)), "6d": ("Six day site", (0, 1, 2, 3, 4, 5))}
CODE_TYPES = ("Area", "Discipline")


def xer_text(
    activities: list[Activity],
    wbs: dict[str, str],
    *,
    project: str = "PLANT",
    start: str = "2027-01-04",
    data_date: str = "2027-01-04",
) -> str:
    """The XER text of one project: ``wbs`` maps WBS paths (``1.2``) to their names."""
    ids = {a.code: 1000 + i for i, a in enumerate(activities)}
    cal_ids = {key: 10 + i for i, key in enumerate(CALENDARS)}
    wbs_ids = {path: 200 + i for i, path in enumerate(wbs)}
    rows = [
        "ERMHDR\t19.12\t2027-01-01",
        "%T\tPROJECT",
        "%F\tproj_id\tproj_short_name\tclndr_id\tplan_start_date\tlast_recalc_date",
        f"%R\t1\t{project}\t10\t{start} 00:00\t{data_date} 00:00",
        "%T\tCALENDAR",
        "%F\tclndr_id\tclndr_name\tday_hr_cnt\tclndr_data",
        *(
            f"%R\t{cal_ids[k]}\t{name}\t8\t{calendar_data(days)}"
            for k, (name, days) in CALENDARS.items()
        ),
        "%T\tSCHEDOPTIONS",
        "%F\tproj_id\tsched_calendar_on_relationship_lag",
        "%R\t1\trcal_Successor",
        "%T\tPROJWBS",
        "%F\twbs_id\tproj_id\tproj_node_flag\twbs_short_name\twbs_name\tparent_wbs_id",
        f"%R\t100\t1\tY\t{project}\t{project}\t",
    ]
    for path, name in wbs.items():
        parent = wbs_ids.get(path.rpartition(".")[0], 100)
        rows.append(f"%R\t{wbs_ids[path]}\t1\tN\t{path.rpartition('.')[2]}\t{name}\t{parent}")
    rows += [
        "%T\tTASK",
        "%F\ttask_id\tproj_id\twbs_id\tclndr_id\ttask_code\ttask_name\ttask_type\tstatus_code"
        "\ttarget_drtn_hr_cnt\tremain_drtn_hr_cnt\tact_start_date\tact_end_date",
    ]
    status = {"": "TK_NotStart", "active": "TK_Active", "done": "TK_Complete"}
    for a in activities:
        hours = a.days * 8
        left = {"": hours, "done": 0.0}.get(a.status, (a.left or 0.0) * 8)
        kind = a.task_type or ("TT_FinMile" if a.milestone else "TT_Task")
        started = f"{a.start} 08:00" if a.start else ""
        ended = f"{a.finish} 17:00" if a.finish else ""
        rows.append(
            f"%R\t{ids[a.code]}\t1\t{wbs_ids[a.wbs]}\t{cal_ids[a.calendar]}\t{a.code}\t{a.name}"
            f"\t{kind}\t{status[a.status]}\t{hours:g}\t{left:g}\t{started}\t{ended}"
        )
    rows += [
        "%T\tTASKPRED",
        "%F\ttask_pred_id\ttask_id\tpred_task_id\tpred_type\tlag_hr_cnt",
    ]
    n = 0
    for a in activities:
        for pred, kind, lag in a.preds:
            n += 1
            rows.append(f"%R\t{n}\t{ids[a.code]}\t{ids[pred]}\tPR_{kind}\t{lag * 8:g}")
    values = sorted({(t, v) for a in activities for t, v in a.codes.items()})
    code_ids = {tv: 500 + i for i, tv in enumerate(values)}
    rows += [
        "%T\tACTVTYPE",
        "%F\tactv_code_type_id\tactv_code_type\tproj_id\tactv_code_type_scope",
        *(f"%R\t{40 + i}\t{t}\t1\tAS_Project" for i, t in enumerate(CODE_TYPES)),
        "%T\tACTVCODE",
        "%F\tactv_code_id\tactv_code_type_id\tshort_name\tactv_code_name",
        *(f"%R\t{code_ids[(t, v)]}\t{40 + CODE_TYPES.index(t)}\t{v}\t{v}" for t, v in values),
        "%T\tTASKACTV",
        "%F\ttask_id\tactv_code_type_id\tactv_code_id\tproj_id",
        *(
            f"%R\t{ids[a.code]}\t{40 + CODE_TYPES.index(t)}\t{code_ids[(t, v)]}\t1"
            for a in activities
            for t, v in a.codes.items()
        ),
        "%T\tTASKRSRC",
        "%F\ttaskrsrc_id\ttask_id\tproj_id\tact_reg_cost\tact_ot_cost\tremain_cost",
    ]
    for i, a in enumerate(activities):
        if a.cost:
            done = {"done": 1.0, "active": 1 - (a.left or 0) / a.days}.get(a.status, 0.0)
            actual, remain = a.cost * done, a.cost * (1 - done)
            rows.append(f"%R\t{700 + i}\t{ids[a.code]}\t1\t{actual:g}\t0\t{remain:g}")
    rows.append("%E")
    return "\n".join(rows) + "\n"


def write_xer(path: Path, activities: list[Activity], wbs: dict[str, str], **kw: str) -> Path:
    """Write :func:`xer_text` to ``path`` (Windows-1252, as older P6 versions do)."""
    path.write_text(xer_text(activities, wbs, **kw), encoding="cp1252")
    return path
