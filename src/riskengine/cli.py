"""The ``riskengine`` command. Commands only parse options, call the library and print.

User mistakes (any RiskEngineError) become one line ``error: …`` on stderr and exit
status 2. Click's usage errors (unknown option, bad value, missing argument) exit 2 too,
with their ``error: …`` line first and click's usage and help hint after it. Anything
else is a bug and keeps its traceback. Text from the user in these lines is shown on one
line with control characters escaped, so it cannot move the cursor or recolour the
terminal.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import warnings
from pathlib import Path
from typing import IO, Any

import click
from rich.console import Console

import riskengine as rk
from riskengine import __version__
from riskengine.engine.dask_client import connect
from riskengine.errors import RiskEngineError, RiskEngineWarning, ScenarioError, one_line
from riskengine.io.p6import import ImportReport, usable_id
from riskengine.io.portfolio_file import is_portfolio_file, load_portfolio
from riskengine.io.scenario_file import load_scenario
from riskengine.io.scenario_writer import portfolio_yaml, scenario_yaml
from riskengine.io.schedule_import import (
    import_all,
    import_schedule,
    is_schedule_file,
    links_between,
)
from riskengine.io.yamlfile import locate
from riskengine.model.distributions import Units
from riskengine.model.portfolio import Portfolio
from riskengine.model.scenario import Convergence, Scenario, calendar_units
from riskengine.portfolio.composition import compose
from riskengine.portfolio.results import baseline
from riskengine.report import files, terminal
from riskengine.report.importing import import_dict, import_text, losses_phrase, summary_line
from riskengine.report.outputs import check_distinct, write_files
from riskengine.report.workbook import comparison_workbook


def _load(path: Path, project: str | None = None, quiet: bool = False) -> Scenario | Portfolio:
    """A scenario file, a portfolio file, or a schedule file (imported, with a one-line
    summary on stderr; ``project`` chooses one of its projects)."""
    if is_schedule_file(path):
        scenario, report = import_schedule(path, project)
        if not quiet:
            _say(summary_line(report))
        return dataclasses.replace(scenario, inputs=(str(path),))
    if project is not None:
        raise click.UsageError("--project is for schedule files (.xer), not scenario files")
    if not is_portfolio_file(path):
        return load_scenario(path)
    portfolio = load_portfolio(path)
    return portfolio


def _network(path: Path, project: str | None = None) -> Scenario:
    """A scenario, or a portfolio's baseline compiled to one network."""
    model = _load(path, project)
    return compose(model) if isinstance(model, Portfolio) else model


def _say(text: object) -> None:
    click.echo(one_line(text), err=True)


class _UsageError(click.UsageError):
    """A click usage error shown our way: ``error: …`` first, then click's usage line
    and help hint."""

    def show(self, file: IO[Any] | None = None) -> None:
        lines = [f"error: {one_line(self.message)}"]
        ctx = self.ctx
        if ctx is not None:
            lines.append(ctx.get_usage())
            if ctx.command.get_help_option(ctx) is not None:
                help_name = max(ctx.help_option_names, key=len)
                lines.append(f"Try '{ctx.command_path} {help_name}' for help.")
        click.echo("\n".join(lines), file=file, err=True)


# click 8.2+ shows the help for a bare ``riskengine`` through a UsageError: leave it be.
_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _usage_error(e: click.UsageError) -> _UsageError:
    return _UsageError(e.format_message(), e.ctx)


class _Commands(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except _HELP:
            raise
        except click.UsageError as e:
            raise _usage_error(e) from None

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RiskEngineWarning)
            try:
                return super().invoke(ctx)
            except RiskEngineError as e:
                if isinstance(e, ScenarioError):
                    e = locate(e)  # a field found after loading: its line in the file
                _say(f"error: {e}")
                ctx.exit(2)
            except _HELP:
                raise
            except click.UsageError as e:
                raise _usage_error(e) from None
            finally:
                for w in caught:
                    if issubclass(w.category, RiskEngineWarning):
                        _say(f"warning: {w.message}")


def _percentiles(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[float, ...] | None:
    if value is None:
        return None
    out: list[float] = []
    for part in value.split(","):
        text = part.strip()
        try:
            p = float(text)
        except ValueError:
            raise click.BadParameter(f"{text!r} is not a number") from None
        if not (math.isfinite(p) and 0 <= p <= 100):
            raise click.BadParameter(f"each must be between 0 and 100, got {text}")
        if p in out:
            raise click.BadParameter(f"{text} is given twice")
        out.append(p)
    return tuple(out)


def _sensitivity(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | tuple[str, ...] | None:
    """``all``, ``none`` or a comma-separated list of milestone ids (checked against the
    scenario by ``simulate``)."""
    if value is None or value.strip() in ("all", "none"):
        return None if value is None else value.strip()
    ids = tuple(part.strip() for part in value.split(","))
    if not all(ids):
        raise click.BadParameter(f"an empty milestone id in {value!r}; use all, none or ID,ID")
    return ids


_SCENARIO = click.argument("scenario", type=click.Path(path_type=Path))
_PROJECT = click.option(
    "--project",
    metavar="ID",
    help="For a schedule file (.xer) holding several projects: the one to read (its short "
    "name or id).",
)


_CLUSTER = click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Run the simulation on a Dask cluster: its scheduler (tcp://host:8786) or local:N "
    "(N worker processes on this machine, started for the run); the same numbers. Needs "
    "pip install 'riskengine[dask]'.",
)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="riskengine")
def main() -> None:
    """Monte Carlo schedule risk analysis."""


@main.command()
@_SCENARIO
@click.option(
    "-n",
    "--iterations",
    type=click.IntRange(min=1),
    help="Iterations to simulate [default: the scenario's simulation.iterations].",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**64 - 1),
    help="Random seed; the same seed gives the same numbers [default: the scenario's].",
)
@click.option(
    "--percentiles",
    callback=_percentiles,
    metavar="LIST",
    help="Comma-separated percentiles, e.g. 10,50,80,90 [default: the scenario's].",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path),
    help="Write the results as JSON to this file.",
)
@click.option(
    "--csv",
    "csv_dir",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Write milestones.csv, tasks.csv, iterations.csv (and costs.csv) to this folder.",
)
@click.option(
    "--charts",
    "charts_dir",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Write every chart as PNG and SVG to this folder (finish-<milestone>, criticality, "
    "sensitivity, risks, cost, jcl, convergence).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="Write a self-contained HTML report (charts and tables) to PATH (.html).",
)
@click.option(
    "--xlsx",
    type=click.Path(path_type=Path),
    help="Write the results as a workbook (.xlsx): milestones, tasks, risks, costs, JCL, settings.",
)
@click.option(
    "--jcl",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.7,
    show_default=True,
    help="Target joint confidence level of cost and finish (needs costs).",
)
@click.option(
    "--jcl-milestone",
    metavar="ID",
    help="Milestone whose finish the JCL is about [default: the project finish].",
)
@click.option(
    "--no-task-dates",
    is_flag=True,
    help="Skip each task's percentile finish dates (saves memory on huge networks).",
)
@click.option("--no-criticality", is_flag=True, help="Skip the criticality index (faster).")
@click.option(
    "--sensitivity",
    callback=_sensitivity,
    metavar="all|none|ID,…",
    help="Task sensitivity against every milestone, none, or these milestone ids "
    "('project' for the project finish) [default: the project and each milestone with a "
    "target].",
)
@click.option("--no-sensitivity", is_flag=True, help="The same as --sensitivity none.")
@click.option(
    "--json-detail",
    is_flag=True,
    help="Put every milestone's per-task criticality in the --json file, not only those "
    "of --sensitivity.",
)
@click.option("--no-drivers", is_flag=True, help="Skip the risk drivers (one re-run per risk).")
@click.option(
    "--sampling",
    type=click.Choice(["monte-carlo", "lhs"]),
    help="Plain Monte Carlo or Latin hypercube sampling [default: the scenario's].",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Reject inconsistent correlations instead of repairing them with a warning.",
)
@click.option(
    "--mitigated",
    is_flag=True,
    help="Simulate every risk after its mitigation (same random draws as before it).",
)
@click.option(
    "--converge",
    is_flag=True,
    help="Run blocks of iterations until the P-values are known within the tolerance "
    "(the scenario's simulation.convergence, or P50 and P80 within ±0.5 working days).",
)
@click.option(
    "--tolerance",
    metavar="DAYS",
    help="With --converge (which it implies): the largest half-width of the P-values' "
    "intervals, in working days or with a unit (0.5d, 4h, 1w).",
)
@_PROJECT
@_CLUSTER
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no notes on stderr.")
def run(
    scenario: Path,
    iterations: int | None,
    seed: int | None,
    percentiles: tuple[float, ...] | None,
    json_path: Path | None,
    csv_dir: Path | None,
    charts_dir: Path | None,
    xlsx: Path | None,
    report_path: Path | None,
    jcl: float,
    jcl_milestone: str | None,
    no_task_dates: bool,
    no_criticality: bool,
    sensitivity: str | tuple[str, ...] | None,
    no_sensitivity: bool,
    json_detail: bool,
    no_drivers: bool,
    sampling: str | None,
    strict: bool,
    mitigated: bool,
    converge: bool,
    tolerance: str | None,
    project: str | None,
    cluster: str | None,
    quiet: bool,
) -> None:
    """Simulate SCENARIO (a scenario or portfolio file, or a P6 .xer schedule) and print
    milestone finishes, the most critical tasks, risk drivers and, with costs, cost and
    joint confidence."""
    if no_sensitivity and sensitivity not in (None, "none"):
        raise click.UsageError("--no-sensitivity and --sensitivity ask for different things")
    if json_detail and json_path is None:
        raise click.UsageError("--json-detail needs --json PATH")
    if (converge or tolerance is not None) and iterations is not None:
        raise click.UsageError("--iterations and --converge ask for different things")
    model = _load(scenario, project, quiet)
    convergence = _convergence(model, converge, tolerance)
    files.check_outputs(
        json_path,
        csv_dir,
        charts_dir=charts_dir,
        xlsx=xlsx,
        report=report_path,
        inputs=model.inputs,
    )
    stderr = Console(stderr=True)
    run_model = (
        functools.partial(rk.simulate_portfolio, model)
        if isinstance(model, Portfolio)
        else functools.partial(rk.simulate, model)
    )
    with connect(cluster) as client:
        with terminal.LazyProgress(stderr, enabled=not quiet) as progress:
            results = run_model(
                iterations,
                seed,
                percentiles,
                criticality=not no_criticality,
                sensitivity="none" if no_sensitivity else (sensitivity or True),
                drivers=not no_drivers,
                mitigated=mitigated,
                strict=strict,
                sampling=sampling,
                task_dates=not no_task_dates,
                jcl=jcl,
                jcl_milestone=jcl_milestone,
                progress=progress,
                convergence=convergence,
                client=client,
            )
        terminal.print_results(results, Console())
        plan = after = None
        if charts_dir is not None or report_path is not None:
            plan, after = _companions(
                model, baseline(results), mitigated=mitigated, strict=strict, client=client
            )
        elif xlsx is not None:  # the workbook shows the plan's finishes next to the simulated ones
            network = compose(model) if isinstance(model, Portfolio) else model
            plan = rk.deterministic_plan(network, mitigated=mitigated)
    written = files.write_outputs(
        results,
        json_path=json_path,
        csv_dir=csv_dir,
        charts_dir=charts_dir,
        json_detail=json_detail,
        xlsx=xlsx,
        report=report_path,
        plan=plan,
        mitigated=after,
        inputs=model.inputs,
    )
    if not quiet:
        if charts_dir is not None and baseline(results).jcl is None:
            _say("note: no jcl chart and no cost chart: they need costs in the scenario")
        for path in written:
            _say(f"wrote {path}")


def _convergence(
    model: Scenario | Portfolio, converge: bool, tolerance: str | None
) -> Convergence | None:
    """What ``--converge`` and ``--tolerance`` ask for: None (the file decides), or the
    file's convergence settings (the defaults without them) with the tolerance given, in
    working days of the project calendar."""
    if not converge and tolerance is None:
        return None
    conv = model.simulation.convergence or Convergence()
    if tolerance is None:
        return conv
    text = tolerance.strip()
    try:
        days = float(text)
    except ValueError:
        units = (
            calendar_units(model.project_calendar(), "") if isinstance(model, Scenario) else Units()
        )
        days = units.days(text, "--tolerance")
    if not (math.isfinite(days) and days > 0):
        raise ScenarioError(f"must be above 0, got {tolerance!r}", field="--tolerance")
    return dataclasses.replace(conv, tolerance=days)


def _companions(
    model: Scenario | Portfolio,
    results: rk.Results,
    *,
    mitigated: bool,
    strict: bool,
    client: Any = None,
) -> tuple[rk.Results, rk.Results | None]:
    """What the charts and the report draw besides the run: the deterministic plan and,
    when some risk has a mitigation and the run was not ``--mitigated`` already, the
    risk drivers after mitigation (the same iterations and seed, nothing else)."""
    network = compose(model) if isinstance(model, Portfolio) else model
    plan = rk.deterministic_plan(network, mitigated=mitigated)
    if mitigated or not results.drivers or not any(r.mitigation for r in network.risks):
        return plan, None
    after = rk.simulate(
        network,
        results.iterations,
        results.seed,
        results.percentiles,
        criticality=False,
        sensitivity="none",
        mitigated=True,
        strict=strict,
        sampling=results.sampling,
        task_dates=False,
        jcl=None,
        plan=False,
        client=client,
    )
    return plan, after


@main.command()
@_SCENARIO
@_PROJECT
def validate(scenario: Path, project: str | None) -> None:
    """Check SCENARIO (a scenario or portfolio file, or a P6 .xer schedule) without
    simulating it and summarise its network and plan."""
    summary = rk.describe(_network(scenario, project))
    console = Console()
    terminal.print_summary(summary, console)
    console.print("OK")


@main.command()
@_SCENARIO
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="register.xlsx (formatted workbook) or register.csv (plus .mitigation/.tornado CSVs).",
)
@click.option(
    "--milestone",
    help="Rank risks by what they add to this milestone's P80 [default: the project finish].",
)
@click.option("-n", "--iterations", type=click.IntRange(min=1), help="Iterations to simulate.")
@click.option("--seed", type=click.IntRange(0, 2**64 - 1), help="Random seed.")
@_CLUSTER
@click.option("-q", "--quiet", is_flag=True, help="No notes on stderr.")
def register(
    scenario: Path,
    output: Path,
    milestone: str | None,
    iterations: int | None,
    seed: int | None,
    cluster: str | None,
    quiet: bool,
) -> None:
    """Write SCENARIO's risk register filled with simulated numbers, ranked by impact."""
    model = _network(scenario)
    files.check_outputs(register=output, inputs=model.inputs)
    with connect(cluster) as client:
        reg = rk.risk_register(model, iterations, seed, milestone, client=client)
    terminal.print_register(reg, Console())
    write_files(files.register_files(reg, output))
    if not quiet:
        _say(f"wrote {output}")


@main.command(name="compare")
@click.argument("portfolio", type=click.Path(path_type=Path))
@click.option("-n", "--iterations", type=click.IntRange(min=1), help="Iterations per option.")
@click.option("--seed", type=click.IntRange(0, 2**64 - 1), help="Random seed (one for all).")
@click.option(
    "--json", "json_path", type=click.Path(path_type=Path), help="Write the comparison as JSON."
)
@click.option(
    "--xlsx",
    type=click.Path(path_type=Path),
    help="Write the comparison as a workbook (.xlsx): options, objectives, KPIs, settings.",
)
@click.option(
    "--charts",
    "charts_dir",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Write every chart as PNG and SVG to this folder (objectives, differences, kpi-<KPI>).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="Write a self-contained HTML report (charts and tables) to PATH (.html).",
)
@_CLUSTER
@click.option("-q", "--quiet", is_flag=True, help="No notes on stderr.")
def compare_command(
    portfolio: Path,
    iterations: int | None,
    seed: int | None,
    json_path: Path | None,
    xlsx: Path | None,
    charts_dir: Path | None,
    report_path: Path | None,
    cluster: str | None,
    quiet: bool,
) -> None:
    """Simulate every option of PORTFOLIO with the same random draws and compare each
    with the baseline: objective probabilities, joint success, cost, differences."""
    if not is_portfolio_file(portfolio):
        raise ScenarioError(
            "not a portfolio file (no top-level 'portfolio:' key)", file=str(portfolio)
        )
    model = load_portfolio(portfolio)
    files.check_outputs(
        json_path, charts_dir=charts_dir, xlsx=xlsx, report=report_path, inputs=model.inputs
    )
    with connect(cluster) as client:
        try:
            result = rk.compare(model, iterations, seed, client=client)
        except ScenarioError as e:
            raise (e if e.file else e.located(str(portfolio))) from None
    terminal.print_comparison(result, Console())
    written: dict[Path, bytes | str] = {}
    if json_path is not None:
        written[json_path] = files.json_text(result.to_dict())
    if xlsx is not None:
        written[xlsx] = comparison_workbook(result)
    write_files(written)
    shown = [*written, *files.write_comparison(result, report=report_path, charts_dir=charts_dir)]
    if not quiet:
        for path in shown:
            _say(f"wrote {path}")


def _portfolio_files(
    file: Path, folder: Path, imported: list[tuple[rk.Scenario, ImportReport]]
) -> dict[Path, str]:
    """The scenario file of each imported project (named by its id made usable) and a
    portfolio file listing them, all in ``folder``."""
    taken: set[str] = {"portfolio"}
    names: dict[str, str] = {}
    out: dict[Path, str] = {}
    for scenario, report in imported:
        pid = usable_id(report.project, "project", taken)
        names[pid] = f"{pid}.yaml"
        header = f"Imported by riskengine {__version__} from {file} (project {report.project})"
        out[folder / names[pid]] = scenario_yaml(scenario, header=one_line(header))
    header = f"Imported by riskengine {__version__} from {file}: every project"
    start = min(sc.start for sc, _ in imported if sc.start is not None)
    links = links_between(imported, list(names))
    out[folder / "portfolio.yaml"] = portfolio_yaml(
        file.stem, start, names, one_line(header), links
    )
    return out


@main.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write the scenario as YAML to this file.",
)
@_PROJECT
@click.option(
    "--report-import",
    "report_path",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="Write the import report as JSON to PATH (a .json file) and as text next to it "
    "(PATH with the suffix .txt).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Exit with status 2, writing nothing, when anything was lost or approximated.",
)
@click.option(
    "--all-projects",
    is_flag=True,
    help="Import every project of the file as a portfolio: -o names a folder, which gets "
    "one scenario file per project and portfolio.yaml.",
)
@click.option("-q", "--quiet", is_flag=True, help="No notes on stderr.")
def import_command(
    file: Path,
    output: Path | None,
    project: str | None,
    report_path: Path | None,
    strict: bool,
    all_projects: bool,
    quiet: bool,
) -> None:
    """Import FILE, a Primavera P6 schedule (.xer) or an MS Project XML file (.xml), as a
    scenario: print what was read, what was lost or approximated and why, and how
    closely our deterministic schedule reproduces the dates the file stores."""
    if all_projects and project is not None:
        raise click.UsageError("give either --project or --all-projects")
    text_path = None if report_path is None else report_path.with_suffix(".txt")
    folder = output if all_projects else None
    targets = [(report_path, "--report-import"), (text_path, "--report-import")]
    targets += [] if all_projects else [(output, "-o")]
    check_distinct([(p, what) for p, what in targets if p is not None], [file])
    files.check_outputs(report_path, inputs=[file])
    if folder is not None and folder.exists() and not folder.is_dir():
        raise click.UsageError(f"-o {folder}: with --all-projects, -o names a folder")
    if all_projects:
        imported, skipped = import_all(file)
        n_links = len(links_between(imported, [r.project for _, r in imported]))
        if n_links:
            skipped.append(
                f"{n_links} links between the projects: kept as the portfolio's links"
                " (their losses above are each project's alone)"
            )
    else:
        imported, skipped = [import_schedule(file, project)], []
    texts, docs = [], []
    for scenario, report in imported:
        fid = rk.fidelity(scenario, report)
        texts.append(import_text(report, fid))
        docs.append(import_dict(report, fid))
    text = "\n".join(texts) + "".join(f"{note}\n" for note in skipped)
    click.echo(text, nl=False)
    lossy = [r for _, r in imported if r.losses]
    if strict and lossy:
        raise ScenarioError(
            f"{losses_phrase(lossy[0])} (see above): --strict writes nothing", file=str(file)
        )
    written: dict[Path, str] = {}
    if folder is not None:
        written.update(_portfolio_files(file, folder, imported))
    elif output is not None:
        scenario, report = imported[0]
        header = f"Imported by riskengine {__version__} from {file} (project {report.project})"
        written[output] = scenario_yaml(scenario, header=one_line(header))
    if report_path is not None and text_path is not None:
        doc = docs[0] if not all_projects else {"projects": docs, "left_out": skipped}
        written[report_path] = files.json_text(doc)
        written[text_path] = text
    if folder is not None:
        check_distinct([(p, "-o") for p in written], [file])
        folder.mkdir(parents=True, exist_ok=True)
    write_files(written)
    if not quiet:
        for path in written:
            _say(f"wrote {path}")
