"""The README's set-up section and CI stay in step, and its examples run."""

import re
from pathlib import Path

import riskengine

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()


def setup_commands() -> list[str]:
    section = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)\n```", section, re.S)


def test_setup_has_exactly_two_commands():
    cmds = setup_commands()
    assert len(cmds) == 2
    assert all("\n" not in c for c in cmds)
    assert "riskengine run scenarios/" in cmds[0]
    assert "pytest" in cmds[1] and "[test]" in cmds[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert setup_commands()[1] in ci


def test_readme_scenario_runs_and_canonical_example_matches_the_tests():
    scenario_path = setup_commands()[0].split("riskengine run ", 1)[1].strip()
    sc = riskengine.load_scenario(ROOT / scenario_path)
    assert sc.tasks
    from test_scenario import CANONICAL

    assert CANONICAL.strip() in README


def yaml_blocks(heading: str) -> list[str]:
    section = README.split(heading, 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    return re.findall(r"^```yaml\n(.*?)\n```$", section, re.S | re.M)  # unindented blocks


def test_readme_calendar_progress_and_cost_examples_load(tmp_path):
    from test_calendar import CANONICAL

    assert CANONICAL.strip() in README
    for heading in ("### Calendars and dates", "### Progress", "### Costs"):
        (block,) = yaml_blocks(heading)
        path = tmp_path / "example.yaml"
        path.write_text(block)
        assert riskengine.load_scenario(path).tasks


def test_readme_portfolio_example_is_the_issue_form():
    (block,) = yaml_blocks("## Portfolios")
    assert block.startswith("portfolio: FY27 transformation")
    assert "after: [{milestone: erp.golive, lag: 10}]" in block


def test_readme_options_example_runs(tmp_path):
    import textwrap

    from test_portfolio import PORTFOLIO, write_portfolio

    section = README.split("## Portfolios", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"^  ```yaml\n(  options:.*?)\n  ```$", section, re.S | re.M)
    path = write_portfolio(tmp_path, PORTFOLIO + textwrap.dedent(block) + "\n")
    result = riskengine.compare(riskengine.load_portfolio(path), 50, 1)
    assert list(result.options) == [
        "baseline",
        "defer-app",
        "core-only",
        "accelerate-erp",
        "mitigate-vendor",
        "later-warehouse",
        "firm-quote",
    ]


def python_blocks() -> list[str]:
    section = README.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```python\n(.*?)\n```$", section, re.S | re.M)


def test_readme_python_section_runs_end_to_end(tmp_path, monkeypatch, capsys):
    import matplotlib

    matplotlib.use("Agg")  # no display: the figure is only saved
    import matplotlib.pyplot as plt

    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)  # the blocks read scenarios/… and write ready.png here
    blocks = python_blocks()
    assert len(blocks) >= 6
    namespace: dict = {}
    try:
        for block in blocks:  # in order, in one namespace, as in a notebook
            exec(compile(block, "README.md", "exec"), namespace)
    finally:
        plt.close("all")
    assert (tmp_path / "ready.png").stat().st_size > 0
    assert capsys.readouterr().out == "tasks[x].duration: min (5) > mode (3)\n"
    scenario, ready = namespace["scenario"], namespace["ready"]
    assert [t.id for t in scenario.tasks] == ["design", "permit", "steel", "build", "handover"]
    assert 0.5 < ready.p_target < 1  # the target is meant to be at risk
    assert isinstance(namespace["fy27"], riskengine.PortfolioResults)
