"""The package's shape: no import cycles, every module importable in dependency order, a
light ``import riskengine``, and loading or validating that never imports numba."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import import_graph
import riskengine as rk

ROOT = Path(__file__).resolve().parents[1]
PLANT = ROOT / "scenarios" / "plant_upgrade.yaml"
PORTFOLIO = ROOT / "scenarios" / "portfolio" / "fy27.yaml"
HEAVY = ("numba", "llvmlite", "matplotlib", "pandas", "scipy")


def _python(code: str) -> str:
    """Run code in a fresh interpreter and return its stdout (a failure shows stderr)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_package_has_no_import_cycle():
    assert import_graph.cycles(import_graph.graph()) == []


def test_the_cycle_finder_finds_cycles_and_ignores_type_checking_imports(tmp_path):
    pkg = tmp_path / "riskengine"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from riskengine.sub import a\n")
    (pkg / "sub" / "a.py").write_text("from riskengine.sub.b import x\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from riskengine.sub import c\n")
    (pkg / "sub" / "c.py").write_text("from . import a\n")
    (pkg / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from riskengine import e\n"
    )
    (pkg / "e.py").write_text("import riskengine.d\n")
    g = import_graph.graph(pkg)
    assert g["riskengine.sub"] == {"riskengine.sub.a"}  # a package may import its modules
    assert g["riskengine.d"] == set()
    assert g["riskengine.e"] == {"riskengine.d"}
    assert import_graph.cycles(g) == [["riskengine.sub.a", "riskengine.sub.b", "riskengine.sub.c"]]


def test_every_module_imports_in_dependency_order_in_a_fresh_interpreter():
    g = import_graph.graph()
    order = import_graph.dependency_order(g)
    assert set(order) == set(import_graph.modules())
    position = {m: i for i, m in enumerate(order)}
    assert all(position[d] < position[m] for m in g for d in g[m])
    order.remove("riskengine.__main__")  # running it is `python -m riskengine`
    out = _python(
        f"""
        import importlib
        for name in {order!r}:
            importlib.import_module(name)
        print("imported", len({order!r}))
        """
    )
    assert out.split() == ["imported", str(len(order))]


def test_import_riskengine_is_light_and_names_load_on_first_use():
    out = _python(
        f"""
        import json, sys
        import riskengine as rk
        before = [m for m in {HEAVY!r} if m in sys.modules]
        rk.Task, rk.load_scenario
        middle = [m for m in {HEAVY!r} if m in sys.modules]
        rk.simulate
        print(json.dumps([before, middle, "numba" in sys.modules]))
        """
    )
    before, middle, numba_loaded = json.loads(out)
    assert before == []
    assert "numba" not in middle
    assert numba_loaded


def test_loading_and_validating_scenarios_and_portfolios_never_imports_numba():
    out = _python(
        f"""
        import json, sys
        from click.testing import CliRunner
        import riskengine as rk
        from riskengine import cli
        s = rk.load_scenario({str(PLANT)!r})
        rk.validate(s)
        p = rk.load_portfolio({str(PORTFOLIO)!r})
        rk.validate(rk.compose(p))
        broken = rk.Scenario(name="x", tasks=(rk.Task("a", rk.parse_distribution(1)),),
                             milestones=(rk.Milestone("m", ("nope",)),))
        try:
            rk.validate(broken)
        except rk.ScenarioError as e:
            error = str(e)
        help = CliRunner().invoke(cli.main, ["--help"]).exit_code
        print(json.dumps([error, help, "numba" in sys.modules, len(s.tasks)]))
        """
    )
    error, help_status, numba_loaded, tasks = json.loads(out)
    assert "nope" in error
    assert help_status == 0
    assert tasks > 0
    assert not numba_loaded


def test_the_public_names_are_all_exported_and_resolve():
    assert sorted(rk.__all__) == sorted(rk._EXPORTS)
    for name in rk.__all__:
        assert getattr(rk, name) is not None, name
        assert name in dir(rk)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        rk.nope  # noqa: B018


def test_analysis_neither_draws_nor_writes_files():
    """analysis/ computes numbers; report/ draws and writes them (DESIGN.md, decision 10)."""
    g = import_graph.graph()
    for name, path in import_graph.modules().items():
        if not name.startswith("riskengine.analysis"):
            continue
        assert not any(d.startswith("riskengine.report") for d in g[name]), name
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                names.append(getattr(node, "module", None) or "")
                assert not any(n.startswith("matplotlib") for n in names), name
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
                pytest.fail(f"{name} opens a file")


def test_dask_is_imported_only_when_a_cluster_is_used():
    out = _python(
        f"""
        import json, sys
        from click.testing import CliRunner
        import riskengine as rk
        from riskengine import cli
        s = rk.load_scenario({str(PLANT)!r})
        rk.simulate(s, iterations=200, seed=1)
        rk.risk_register(s, 200, 1)
        rk.compare(rk.load_portfolio({str(PORTFOLIO)!r}), 200, 1)
        CliRunner().invoke(cli.main, ["run", "--help"])
        dask = [m for m in sys.modules if m.split(".")[0] in ("dask", "distributed")]
        print(json.dumps(dask))
        """
    )
    assert json.loads(out) == []


def test_loading_a_scenario_in_python_needs_no_pandas():
    """An analyst's script that only loads and validates pays for no table library (the
    schedule importers the loader reaches read their files without pandas)."""
    out = _python(
        f"""
        import json, sys
        import riskengine as rk
        rk.validate(rk.load_scenario({str(PLANT)!r}))
        print(json.dumps(["pandas" in sys.modules, "numba" in sys.modules]))
        """
    )
    assert json.loads(out) == [False, False]
