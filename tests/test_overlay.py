"""Uncertainty and risks on top of an imported schedule (io/overlay.py): each match key,
rule order, estimates, percentages and absolute values, progress, what is reported, a
month-to-month re-run, errors with field and line, the shipped example through the CLI,
and a rule set over the large real schedule."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import riskengine as rk
from riskengine import cli
from riskengine.errors import RiskEngineWarning, ScenarioError
from riskengine.io.p6import import import_xer
from riskengine.io.scenario_file import load_overlay, load_scenario
from test_import_readers import FIXTURES, needs_fixtures
from xer_writer import Activity, write_xer

ROOT = Path(__file__).resolve().parent.parent
WBS = {"1": "Design", "1.1": "Civil design", "2": "Build", "2.1": "North", "2.2": "South"}


def month_one() -> list[Activity]:
    """Six activities on two calendars at data date 2027-01-04: A1 finished, A2 half done."""
    return [
        Activity(
            "A1",
            "Survey",
            "1.1",
            5,
            status="done",
            start="2026-12-21",
            finish="2026-12-28",
            codes={"Area": "North"},
        ),  # fmt: skip
        Activity(
            "A2",
            "Design",
            "1.1",
            10,
            preds=[("A1", "FS", 0)],
            status="active",
            start="2026-12-29",
            left=4,
            codes={"Area": "North"},
            cost=1000,
        ),  # fmt: skip
        Activity(
            "B1",
            "Dig north",
            "2.1",
            20,
            "6d",
            preds=[("A2", "FS", 0)],
            codes={"Area": "North", "Discipline": "CIV"},
        ),  # fmt: skip
        Activity(
            "B2",
            "Dig south",
            "2.2",
            30,
            "6d",
            preds=[("A2", "FS", 0)],
            codes={"Area": "South", "Discipline": "CIV"},
        ),  # fmt: skip
        Activity(
            "C1",
            "Fit out",
            "2.2",
            2,
            preds=[("B1", "FS", 0), ("B2", "FS", 0)],
            codes={"Area": "South", "Discipline": "MEC"},
        ),  # fmt: skip
        Activity("M1", "Handover", "2", 0, preds=[("C1", "FS", 0)], milestone=True),
    ]


def month_two() -> list[Activity]:
    """The next update: A2 finished, B2 gone (split into B3 and B4), B1 started."""
    acts = [a for a in month_one() if a.code not in ("B2",)]
    for a in acts:
        if a.code == "A2":
            a.status, a.finish, a.left = "done", "2027-01-08", None
        if a.code == "B1":
            a.status, a.start, a.left = "active", "2027-01-11", 15
        if a.code == "C1":
            a.preds = [("B1", "FS", 0), ("B4", "FS", 0)]
    acts[3:3] = [
        Activity(
            "B3",
            "Dig south east",
            "2.2",
            12,
            "6d",
            preds=[("A2", "FS", 0)],
            codes={"Area": "South", "Discipline": "CIV"},
        ),  # fmt: skip
        Activity(
            "B4",
            "Dig south west",
            "2.2",
            14,
            "6d",
            preds=[("B3", "SS", 2)],
            codes={"Area": "South", "Discipline": "CIV"},
        ),  # fmt: skip
    ]
    return acts


def overlay(tmp_path: Path, body: str, acts: list[Activity] | None = None, **kw: str) -> Path:
    """``plan.xer`` (month one unless ``acts``) and ``overlay.yaml`` naming it."""
    write_xer(tmp_path / "plan.xer", month_one() if acts is None else acts, WBS, **kw)
    path = tmp_path / "overlay.yaml"
    path.write_text("schedule: plan.xer\n" + textwrap.dedent(body))
    return path


def params(sc: rk.Scenario, tid: str, part: str = "duration") -> tuple[str, dict]:
    d = getattr(sc.task(tid), part)
    return d.kind, {k: round(v, 9) for k, v in d.params.items()}


def tri(lo: float, mode: float, hi: float) -> tuple[str, dict]:
    return "triangular", {"min": lo, "mode": mode, "max": hi}


ALL = "  - {dist: triangular, min: 90%, mode: 100%, max: 130%}\n"


@pytest.mark.parametrize(
    ("match", "hits"),
    [
        ("{id: 'B*'}", {"B1", "B2"}),
        ("{id: ['C?', A2]}", {"A2", "C1"}),  # a list: any pattern
        ("{name: 'Dig*'}", {"B1", "B2"}),
        ("{calendar: Six_day_site}", {"B1", "B2"}),
        ("{type: task}", {"A2", "B1", "B2", "C1"}),
        ("{wbs: '2.*'}", {"B1", "B2", "C1"}),
        ("{wbs: '2.2'}", {"B2", "C1"}),
        ("{wbs_name: South}", {"B2", "C1"}),
        ("{area: North}", {"A2", "B1"}),
        ("{area: South, discipline: CIV}", {"B2"}),  # every key must hold
        ("{duration: '20d..30d'}", {"B1", "B2"}),  # both ends included
        ("{duration: '..4'}", {"A2", "C1"}),  # A2: its 4 days left, not its 10 planned
        ("{duration: '4w..'}", {"B2"}),  # 24 days: its calendar works 6 days a week
        ("{duration: '48h..', area: North}", {"B1"}),
    ],
)
def test_each_match_key_selects_the_activities_it_names(tmp_path, match, hits):
    path = overlay(tmp_path, f"uncertainty:\n  - match: {match}\n    dist: uniform\n"
                   "    min: 100%\n    max: 120%\n")  # fmt: skip
    sc, report = load_overlay(path)
    assert set(report.sources) == hits
    assert set(report.unmatched) == {"A2", "B1", "B2", "C1"} - hits  # A1 finished, M1 a milestone
    for tid in hits:
        part = "remaining" if tid == "A2" else "duration"
        assert getattr(sc.task(tid), part).kind == "uniform"


def test_later_rules_override_earlier_ones_and_estimates_override_rules(tmp_path):
    path = overlay(
        tmp_path,
        """\
        uncertainty:
          - {dist: triangular, min: 90%, mode: 100%, max: 130%}
          - {match: {discipline: CIV}, dist: pert, min: 100%, mode: 110%, max: 150%}
          - {match: {area: South}, dist: uniform, min: 100%, max: 200%}
        estimates:
          B2: {dist: pert, min: 25, mode: 30, max: 45}
          C1: [1, 2, 4]
        """,
    )
    sc, report = load_overlay(path)
    assert params(sc, "A2", "remaining") == tri(3.6, 4.0, 5.2)  # 90–130% of the 4 days left
    assert params(sc, "B1") == ("pert", {"min": 20.0, "mode": 22.0, "max": 30.0, "lambda": 4.0})
    assert params(sc, "B2") == ("pert", {"min": 25.0, "mode": 30.0, "max": 45.0, "lambda": 4.0})
    assert params(sc, "C1") == tri(1.0, 2.0, 4.0)
    assert report.sources == {
        "A2": "uncertainty[0]",
        "B1": "uncertainty[1]",
        "B2": "estimates",
        "C1": "estimates",
    }
    assert report.unused_rules == [] and report.unmatched == []
    assert report.warnings() == []


def test_absolute_parameters_count_in_the_activitys_calendar(tmp_path):
    path = overlay(
        tmp_path,
        """\
        uncertainty:
          - {dist: uniform, min: 16h, max: 1w}
        estimates:
          C1: {dist: triangular, min: 90%, mode: 100%, max: 2d}
        """,
    )
    with pytest.raises(ScenarioError) as e:  # a mix of both forms
        load_overlay(path)
    assert e.value.field == "estimates.C1" and e.value.line == 5
    assert "not a mix" in e.value.message
    path.write_text(path.read_text().replace("max: 2d", "max: 150%"))
    sc, _ = load_overlay(path)
    assert params(sc, "A2", "remaining") == ("uniform", {"min": 2.0, "max": 5.0})
    assert params(sc, "B1") == ("uniform", {"min": 2.0, "max": 6.0})  # a week of six days
    assert params(sc, "C1") == tri(1.8, 2.0, 3.0)


def test_a_plain_number_is_working_days_and_an_estimate_may_be_fixed(tmp_path):
    path = overlay(tmp_path, "uncertainty:\n  - {dist: triangular, min: 1, mode: 2, max: 3}\n"
                   "estimates: {B1: 25}\n")  # fmt: skip
    sc, _ = load_overlay(path)
    assert params(sc, "B2") == tri(1.0, 2.0, 3.0)
    assert params(sc, "B1") == ("fixed", {"value": 25.0})


def test_finished_activities_and_milestones_get_nothing(tmp_path):
    path = overlay(tmp_path, "uncertainty:\n" + ALL + "estimates: {A1: [1, 2, 3]}\n")
    before, _ = import_xer(tmp_path / "plan.xer")
    with pytest.warns(RiskEngineWarning, match="estimates on finished activities are ignored: A1"):
        sc = load_scenario(path)
    assert sc.task("A1") == before.task("A1")
    assert sc.task("M1") == before.task("M1")
    _, report = load_overlay(path)
    assert report.finished == ["A1"] and "A1" not in report.sources and "M1" not in report.sources


def test_work_in_progress_gets_the_uncertainty_on_its_remaining_duration(tmp_path):
    sc, _ = load_overlay(overlay(tmp_path, "uncertainty:\n" + ALL))
    a2 = sc.task("A2")
    assert a2.duration.kind == "fixed" and a2.duration.params["value"] == 10  # planned: kept
    assert params(sc, "A2", "remaining") == tri(3.6, 4.0, 5.2)
    assert a2.cost is not None and a2.cost.per_day is not None  # its cost follows the days left


def test_unmatched_activities_and_rules_that_match_nothing_are_reported(tmp_path):
    path = overlay(
        tmp_path,
        """\
        uncertainty:
          - {match: {wbs: '2.*'}, dist: triangular, min: 90%, mode: 100%, max: 130%}
          - {match: {wbs: '9.*'}, dist: triangular, min: 90%, mode: 100%, max: 130%}
          - {match: {aera: North}, dist: triangular, min: 90%, mode: 100%, max: 130%}
        """,
    )
    with pytest.warns(RiskEngineWarning) as caught:
        load_scenario(path)
    lines = [str(w.message) for w in caught]
    assert lines == [
        "no uncertainty rule matched 1 activity of plan.xer (durations left fixed): A2",
        "uncertainty[1] (line 4) matched no activity of plan.xer",
        "uncertainty[2] (line 5) matched no activity of plan.xer: no activity has the attribute"
        " 'aera' (the schedule's: area, discipline, type, wbs, wbs_name)",
    ]


def test_the_cli_prints_the_overlay_warnings_on_stderr(tmp_path):
    path = overlay(tmp_path, "uncertainty:\n  - {match: {id: 'B*'}, dist: uniform, "
                   "min: 100%, max: 110%}\n")  # fmt: skip
    result = CliRunner().invoke(cli.main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "warning: no uncertainty rule matched 2 activities of plan.xer (durations left "
        "fixed): A2, C1" in result.stderr
    )


def test_a_month_to_month_rerun_keeps_the_overlay_and_reports_what_is_gone(tmp_path):
    body = """\
        uncertainty:
          - {dist: triangular, min: 90%, mode: 100%, max: 130%}
          - {match: {area: South, discipline: CIV}, dist: pert, min: 95%, mode: 110%, max: 170%}
        estimates:
          B2: [28, 30, 40]
        milestones:
          - {id: done, after: [M1], target: 2027-06-30}
        simulation: {iterations: 200, seed: 3}
        """
    path = overlay(tmp_path, body)
    one, report = load_overlay(path)
    assert report.warnings() == []
    # next month: the same overlay on the update
    write_xer(tmp_path / "plan.xer", month_two(), WBS, data_date="2027-01-18")
    two, report = load_overlay(path)
    assert report.sources["B3"] == report.sources["B4"] == "uncertainty[1]"  # new: the rules
    assert params(two, "B3") == ("pert", {"min": 11.4, "mode": 13.2, "max": 20.4, "lambda": 4.0})
    assert params(two, "B1", "remaining") == tri(13.5, 15.0, 19.5)  # started: its days left
    assert "A2" not in report.sources  # finished since
    assert report.vanished == ["B2"]
    assert report.warnings() == [
        "estimates name 1 activity not in plan.xer (gone from this update?), ignored: B2"
    ]
    assert rk.simulate(two).milestones["done"].p_target is not None
    # a risk on the activity that is gone is an error, not a silent loss
    path.write_text(
        path.read_text() + "risks:\n  - {id: R1, probability: 0.3, impacts: [{task: B2, "
        "delay: 5}]}\n"
    )
    with pytest.raises(ScenarioError) as e:
        load_overlay(path)
    assert str(e.value) == (
        f"{path}:11: risks[R1].impacts[0].task: 'B2' is not an activity of plan.xer "
        "(gone from this update?)"
    )


@pytest.mark.parametrize(
    ("body", "field", "line", "fragment"),
    [
        ("tasks: []\n", "tasks", 2, "'tasks' comes from the schedule"),
        ("calendar: x\n", "calendar", 2, "comes from the schedule"),
        ("uncertainty: {dist: fixed}\n", "uncertainty", 2, "must be a list of rules"),
        ("uncertainty:\n  - {min: 90%}\n", "uncertainty[0]", 3, "a rule needs 'dist'"),
        ("uncertainty:\n  - {dist: beta, min: 90%}\n", "uncertainty[0].dist", 3,
         "unknown distribution 'beta'"),
        ("uncertainty:\n  - {dist: triangular, min: 130%, mode: 100%, max: 90%}\n",
         "uncertainty[0]", 3, "min (130) > mode (100)"),
        ("uncertainty:\n  - {dist: uniform, min: 90, max: 10%}\n", "uncertainty[0]", 3,
         "not a mix"),
        ("uncertainty:\n  - {match: {wbs: {a: 1}}, dist: fixed, value: 100%}\n",
         "uncertainty[0].match.wbs", 3, "must be a pattern"),
        ("uncertainty:\n  - {match: {duration: 'ten..20'}, dist: fixed, value: 100%}\n",
         "uncertainty[0].match.duration", 3, "must be a band of working days"),
        ("uncertainty:\n  - {match: {duration: '5x..'}, dist: fixed, value: 100%}\n",
         "uncertainty[0].match.duration", 3, "cannot read '5x'"),
        ("uncertainty:\n  - {match: [wbs], dist: fixed, value: 100%}\n",
         "uncertainty[0].match", 3, "must map keys to patterns"),
        ("estimates: [A2]\n", "estimates", 2, "must map activity ids"),
        ("estimates:\n  M1: [0, 1, 2]\n", "estimates.M1", 3, "M1 is a finish milestone"),
        ("estimates:\n  A2: {dist: pert, min: 5, mode: 3, max: 9}\n", "estimates.A2", 3,
         "min (5) > mode (3)"),
        ("milestones:\n  - {id: m, after: [M1, Z9]}\n", "milestones[m].after[1]", 3,
         "'Z9' is not an activity of plan.xer"),
        ("correlations:\n  - {tasks: [B1, Q], coefficient: 0.5}\n",
         "correlations[0].tasks[1]", 3, "'Q' is not an activity"),
        ("uncertainty:\n  - {dist: uniform, min: 7d, max: 1w}\n", "uncertainty[0]", 3,
         "min (7) > max (5)"),  # checked on the project calendar when read
        ("uncertainty:\n  - {dist: triangular, min: 1w, mode: 1w, max: 5.5d}\n",
         "uncertainty[0]", 3, "for activity B1 (20 working days): mode (6) > max (5.5)"),
    ],
)  # fmt: skip
def test_a_mistake_is_one_error_naming_the_field_and_line(tmp_path, body, field, line, fragment):
    with pytest.raises(ScenarioError) as e:
        load_overlay(overlay(tmp_path, body))
    assert (e.value.field, e.value.line) == (field, line), str(e.value)
    assert fragment in e.value.message
    assert e.value.file == str(tmp_path / "overlay.yaml")


@pytest.mark.parametrize(
    ("schedule", "fragment"),
    [
        ("plan.csv", "'plan.csv' is not a schedule file riskengine reads (.xer or .xml)"),
        ("other.xer", "no such file: "),
        ("{file: plan.xer, projekt: P}", "unknown key 'projekt'"),
        ("{file: plan.xer, project: P9}", "no project 'P9' in the file"),
        ("[plan.xer]", "must name a schedule file"),
    ],
)
def test_a_wrong_schedule_is_a_clean_error(tmp_path, schedule, fragment):
    path = overlay(tmp_path, "")
    path.write_text(f"schedule: {schedule}\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    assert fragment in str(e.value)


def test_a_schedule_given_with_its_project_and_a_broken_schedule_names_its_own_line(tmp_path):
    path = overlay(tmp_path, "uncertainty:\n" + ALL)
    path.write_text(path.read_text().replace("plan.xer", "{file: plan.xer, project: PLANT}"))
    assert len(load_scenario(path).tasks) == 6
    xer = tmp_path / "plan.xer"
    xer.write_text(xer.read_text(encoding="cp1252").replace("\t240\t", "\tlots\t", 1))
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    assert e.value.file == str(xer) and e.value.line is not None


def test_load_overlay_refuses_a_scenario_without_a_schedule():
    with pytest.raises(ScenarioError, match="names no 'schedule'"):
        load_overlay(ROOT / "scenarios" / "plant_upgrade.yaml")


def test_the_shipped_example_runs_through_the_cli(tmp_path):
    example = ROOT / "scenarios" / "plant_overlay.yaml"
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli.main, ["run", str(example), "-q", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # every activity with work left has a rule: nothing to warn
    assert "handover" in result.stdout and "R1" in result.stdout
    sc, report = load_overlay(example)
    assert report.sources["A3020"] == "estimates"
    assert report.sources["A2030"] == "uncertainty[2]"
    assert report.sources["A1050"] == "uncertainty[3]"
    assert report.sources["A3030"] == "uncertainty[4]"
    assert sc.inputs == (str(example), str(example.parent / "plant.xer"))
    # the same file and seed give the same numbers
    again = CliRunner().invoke(cli.main, ["run", str(example), "-q"])
    assert again.stdout == result.stdout


@needs_fixtures
def test_a_rule_set_over_the_large_real_schedules_wbs(tmp_path):
    path = tmp_path / "sp10.yaml"
    path.write_text(
        f"schedule: {FIXTURES / 'sp10-cost-loaded.xer'}\n"
        + textwrap.dedent(
            """\
            uncertainty:
              - {dist: triangular, min: 95%, mode: 100%, max: 120%}
              - {match: {wbs: 'HS2-P1-CS-EWC-C-F.C2.*'}, dist: pert, min: 90%, max: 150%,
                 mode: 105%}
              - {match: {wbs: '*.C3.*', type: task}, dist: uniform, min: 100%, max: 140%}
              - {match: {fusion_wps: 'DC1*'}, dist: triangular, min: 100%, mode: 110%, max: 160%}
              - {match: {wbs: 'NO.SUCH.*'}, dist: uniform, min: 100%, max: 140%}
            simulation: {iterations: 100, seed: 5}
            """
        )
    )
    sc, report = load_overlay(path)
    counts = {s: list(report.sources.values()).count(s) for s in set(report.sources.values())}
    assert report.unmatched == []
    assert set(counts) == {f"uncertainty[{i}]" for i in range(4)}
    assert sum(counts.values()) == len(report.sources) > 2000
    assert report.unused_rules == [
        "uncertainty[4] (line 8) matched no activity of sp10-cost-loaded.xer"
    ]
    varied = [t for t in sc.tasks if t.id in report.sources]
    assert all((t.remaining or t.duration).kind != "fixed" for t in varied)
    results = rk.simulate(sc)
    assert results.project.mean > 0


def test_the_readme_shows_the_shipped_example_as_it_is():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Uncertainty on an imported schedule\n", 1)[1].split("\n## ")[0]
    (block,) = re.findall(r"^```yaml\n(.*?)\n```$", section, re.S | re.M)
    assert block in (ROOT / "scenarios" / "plant_overlay.yaml").read_text()
    assert "riskengine run scenarios/plant_overlay.yaml" in section


@needs_fixtures
def test_one_overlay_on_a_real_baseline_and_its_update(tmp_path):
    path = tmp_path / "hp.yaml"
    rules = textwrap.dedent(
        """\
        uncertainty:
          - {dist: triangular, min: 95%, mode: 100%, max: 120%}
          - {match: {phase: [FOUND, STRUC]}, dist: pert, min: 90%, mode: 110%, max: 160%}
        estimates: {EC1090: [1, 2, 3]}
        """
    )
    reports, scenarios = {}, {}
    for which in ("baseline", "update"):
        xer = FIXTURES / f"constantintcacenco_harbour_pointe_{which}.xer"
        path.write_text(f"schedule: {xer}\n{rules}")
        scenarios[which], reports[which] = load_overlay(path)
    base, update = reports["baseline"], reports["update"]
    assert base.finished == [] and update.finished == ["EC1090"]  # finished in the update
    done = set(base.sources) - set(update.sources)  # finished since: nothing to vary
    assert done and not set(update.sources) - set(base.sources)
    # the baseline carries no phase codes (the update does): the report says so
    assert base.unused_rules == [
        "uncertainty[1] (line 4) matched no activity of constantintcacenco_harbour_pointe_"
        "baseline.xer: no activity has the attribute 'phase' (the schedule's: key_milestones,"
        " type, wbs, wbs_name)"
    ]
    phase = {t.id: t.attrs.get("phase") for t in scenarios["update"].tasks}
    assert {t for t, s in update.sources.items() if s == "uncertainty[1]"} == {
        t for t in update.sources if phase[t] in ("FOUND", "STRUC")
    }


def test_a_mistake_in_an_overlay_is_one_error_line_and_exit_2_from_the_cli(tmp_path):
    path = overlay(tmp_path, "uncertainty:\n  - {match: {id: 'B*'}, dist: pert, min: 90%}\n")
    result = CliRunner().invoke(cli.main, ["run", str(path), "-q"])
    assert result.exit_code == 2
    assert result.stderr == f"error: {path}:3: uncertainty[0]: pert needs 'mode'\n"
    assert result.stdout == ""


def test_a_level_of_effort_gets_no_uncertainty_and_no_estimate(tmp_path):
    acts = [*month_one(), Activity("L1", "Supervision", "2", 0, preds=[("B1", "SS", 0)])]
    acts[-1].task_type = "TT_LOE"
    acts[-2].preds = [*acts[-2].preds, ("L1", "FF", 0)]  # M1 ends the supervision
    sc, report = load_overlay(overlay(tmp_path, "uncertainty:\n" + ALL, acts))
    assert sc.task("L1").type == "level-of-effort" and "L1" not in report.sources
    assert "L1" not in report.unmatched  # nothing to vary: not reported as unmatched
    path = overlay(tmp_path, "estimates:\n  L1: [1, 2, 3]\n", acts)
    with pytest.raises(ScenarioError, match="L1 is a level-of-effort: its dates come") as e:
        load_scenario(path)
    assert e.value.field == "estimates.L1" and e.value.line == 3
    typed = overlay(
        tmp_path,
        "uncertainty:\n  - {match: {type: level-of-effort}, dist: fixed, value: 100%}\n",
        acts,
    )
    assert load_overlay(typed)[1].unused_rules  # its span is computed: no rule applies
