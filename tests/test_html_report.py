"""The HTML report: every section, chart and table; nothing loaded from elsewhere; text
from files escaped; and a real browser opens and prints it without an error."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import browser
from riskengine import cli
from riskengine.report import html

ROOT = Path(__file__).parent.parent
PLANT = ROOT / "scenarios" / "plant_upgrade.yaml"
FY27 = ROOT / "scenarios" / "portfolio" / "fy27.yaml"
MB = 2**20

HOSTILE = """\
name: "Q3 <script>alert(1)</script> & co"
start: 2027-01-04
tasks:
  - {id: A, name: "<img src=x onerror=alert(2)>", duration: [3, 5, 9], cost: {per_day: 100}}
  - {id: B, name: "Tom & Jerry \\"quoted\\"", duration: [4, 6, 12], predecessors: [A]}
milestones:
  - {id: M1, name: "<b>bold</b>", after: [B], target: 2027-01-20}
risks:
  - {id: r1, name: "<iframe src=https://example.com>", probability: 0.5,
     impacts: [{task: B, delay: [1, 2, 4]}], mitigation: {probability: 0.2}}
simulation: {iterations: 500, seed: 3}
"""

RUN_SECTIONS = [
    "headline",
    "milestones",
    "criticality",
    "sensitivity",
    "risks",
    "costs",
    "jcl",
    "convergence",
    "settings",
]
COMPARE_SECTIONS = ["objectives", "differences", "kpis", "dominance", "settings"]


def _cli(*args: object) -> str:
    result = CliRunner().invoke(cli.main, [str(a) for a in args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.stderr


@pytest.fixture(scope="module")
def plant(tmp_path_factory):
    """The shipped scenario at its own iterations, with --report and --charts."""
    out = tmp_path_factory.mktemp("plant")
    _cli(
        "run",
        PLANT,
        "--report",
        out / "report.html",
        "--charts",
        out / "charts",
        "--json",
        out / "r.json",
    )
    return out


@pytest.fixture(scope="module")
def fy27(tmp_path_factory):
    out = tmp_path_factory.mktemp("fy27")
    _cli("compare", FY27, "-n", 2000, "--report", out / "report.html", "--charts", out / "c")
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    (out / "s.yaml").write_text(HOSTILE)
    _cli("run", out / "s.yaml", "--report", out / "report.html")
    return (out / "report.html").read_text()


def sections(doc: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)"', doc)


def images(doc: str) -> dict[str, bytes]:
    """Each figure's id and its decoded SVG."""
    found = re.findall(
        r'<figure id="chart-([^"]+)"><img alt="[^"]*" src="data:image/svg\+xml;base64,([^"]+)"',
        doc,
    )
    return {name: base64.b64decode(data) for name, data in found}


def test_the_run_report_has_every_section_chart_and_table(plant):
    doc = (plant / "report.html").read_text()
    assert sections(doc) == RUN_SECTIONS
    charts = images(doc)
    milestones = ["m_ifc", "m_permits", "m_shutdown", "m_mech_complete", "m_startup"]
    want = [f"finish-{m}" for m in [*milestones, "m_handover", "project"]]
    want += ["criticality", "sensitivity", "risks", "cost", "jcl", "convergence"]
    assert list(charts) == want
    assert all(svg.startswith(b"<?xml") and b"<svg" in svg for svg in charts.values())
    # --charts wrote the same charts, one PNG and one SVG each
    assert sorted(p.name for p in (plant / "charts").iterdir()) == sorted(
        f"{n}.{kind}" for n in want for kind in ("png", "svg")
    )
    assert (plant / "charts" / "risks.svg").read_bytes() == charts["risks"]
    for sid in RUN_SECTIONS:
        body = doc.split(f'<section id="{sid}"', 1)[1].split("</section>", 1)[0]
        assert "<table" in body, sid  # every section has its table to paste
    assert "Line 3 brownfield upgrade" in doc
    assert "Days added to P80" in doc and "P80 after mitigation" in doc
    assert "95 % interval" in doc and ">2027<" in doc  # the seed, in the settings


def test_the_headline_holds_the_numbers_of_the_run(plant):
    data = json.loads((plant / "r.json").read_text())
    doc = (plant / "report.html").read_text()
    head = doc.split('<section id="headline"', 1)[1].split("</section>", 1)[0]
    assert data["project"]["dates"]["P50"] in head and data["project"]["dates"]["P80"] in head
    assert f"{data['cost']['percentiles']['P80']:,.0f}" in head
    assert f"{data['cost']['contingency']['P80']:,.0f}" in head
    for m in data["milestones"].values():
        assert html.pct(m["p_target"]) in head


def test_the_reports_load_nothing_from_elsewhere_and_stay_small(plant, fy27):
    for doc in ((plant / "report.html").read_text(), (fy27 / "report.html").read_text()):
        assert len(doc.encode()) < 5 * MB
        assert "http://" not in doc and "https://" not in doc
        refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', doc)
        assert refs and all(r.startswith(("data:image/svg+xml;base64,", "#")) for r in refs)
        assert "<script" not in doc and "<link" not in doc and "url(" not in doc
        assert "@import" not in doc


def test_every_text_from_the_files_is_escaped(hostile):
    for raw in ("<script>", "<img src=x", "<b>bold</b>", "<iframe", '"quoted"'):
        assert raw not in hostile
    assert "Q3 &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in hostile
    assert "&lt;img src=x onerror=alert(2)&gt;" in hostile
    assert "Tom &amp; Jerry &quot;quoted&quot;" in hostile
    assert "https://" not in hostile.split("<body>")[0]


def test_the_compare_report_has_every_section_chart_and_table(fy27):
    doc = (fy27 / "report.html").read_text()
    assert sections(doc) == COMPARE_SECTIONS
    charts = images(doc)
    assert list(charts)[:2] == ["objectives", "differences"]
    assert {"kpi-net_value", "kpi-benefits_2028"} <= set(charts)
    for option in ("baseline", "defer-app", "accelerate-erp", "warehouse-first"):
        assert option in doc
    assert "Dominated by" in doc and "Wilson 95 % interval" in doc
    assert sorted(p.name for p in (fy27 / "c").iterdir()) == sorted(
        f"{n}.{kind}" for n in charts for kind in ("png", "svg")
    )


def test_a_report_path_must_end_in_html(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(HOSTILE)
    result = CliRunner().invoke(
        cli.main, ["run", str(scenario), "--report", str(tmp_path / "r.pdf")]
    )
    assert result.exit_code == 2
    assert "--report writes HTML; give a file name ending in .html, not .pdf" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


needs_chromium = pytest.mark.skipif(
    not browser.available(),
    reason="Chromium is not installed (/usr/bin/chromium; .ci/run installs it as root)",
)


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _leaving(requests: list[str]) -> list[str]:
    """Requests that would leave the machine: anything but the file and inline data."""
    return [u[:80] for u in requests if not u.startswith(("file:", "data:"))]


@needs_chromium
@pytest.mark.parametrize(("name", "want"), [("plant", RUN_SECTIONS), ("fy27", COMPARE_SECTIONS)])
def test_chromium_opens_and_prints_the_report_cleanly(request, name, want):
    folder = request.getfixturevalue(name)
    visit = browser.visit(folder / "report.html", width=1200, pdf=True)
    assert visit.requests[0].startswith("file:")
    assert _leaving(visit.requests) == []
    assert visit.console == [] and visit.errors == []
    assert list(visit.shots) == want
    for sid, png in visit.shots.items():
        width, height = _png_size(png)
        assert width >= 900 and height >= 100, sid  # laid out at the page's width
        assert len(png) > 5000, sid  # drawn, not a blank rectangle
    # printed: every section starts a page, so there are at least as many pages
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", visit.pdf))
    assert visit.pdf.startswith(b"%PDF") and pages >= len(want)


@needs_chromium
def test_the_browser_check_sees_requests_and_console_errors(tmp_path):
    # The check above must be able to fail: a page that loads an image from the network
    # and logs an error is caught.
    page = tmp_path / "bad.html"
    page.write_text(
        '<html><body><section id="s"><img src="http://riskengine.invalid/x.png">x</section>'
        '<script>console.error("boom")</script></body></html>'
    )
    visit = browser.visit(page)
    assert _leaving(visit.requests) == ["http://riskengine.invalid/x.png"]
    assert visit.console == ["boom"]
    assert list(visit.shots) == ["s"]


def test_png_size_reads_the_header():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (7, 3)).save(buf, format="PNG")
    assert _png_size(buf.getvalue()) == (7, 3)


def test_a_folder_where_a_chart_goes_is_refused_before_the_run(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(HOSTILE)
    (tmp_path / "c" / "finish-M1.svg").mkdir(parents=True)
    result = CliRunner().invoke(cli.main, ["run", str(scenario), "--charts", str(tmp_path / "c")])
    assert result.exit_code == 2
    assert "finish-M1.svg: is a folder, not a file" in result.stderr
    assert result.stdout == ""  # refused before simulating


def test_charts_without_costs_are_written_and_the_missing_ones_named(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(HOSTILE.replace(", cost: {per_day: 100}", ""))
    stderr = _cli("run", scenario, "--charts", tmp_path / "c")
    assert "no jcl chart and no cost chart: they need costs" in stderr
    names = sorted(p.stem for p in (tmp_path / "c").glob("*.png"))
    assert names == sorted(
        ["finish-M1", "finish-project", "criticality", "sensitivity", "risks", "convergence"]
    )


def test_every_p_value_shows_its_interval_as_the_json_gives_it(plant):
    page = (plant / "report.html").read_text()
    doc = json.loads((plant / "r.json").read_text())
    section = page.split("How precisely each P-value is known", 1)[1].split("</table>", 1)[0]
    for mid, m in [*doc["milestones"].items(), ("project", doc["project"])]:
        row = section.split(f'<td class="text">{mid}</td>', 1)[1].split("</tr>", 1)[0]
        cells = re.findall(r"<td>(.*?)</td>", row)
        want = [
            " – ".join("—" if b is None else b for b in m["date_interval"][k])
            for k in m["date_interval"]
        ]
        assert cells == want, mid


def test_a_converged_run_says_so_in_its_report(tmp_path):
    _cli("run", PLANT, "--tolerance", "2d", "--report", tmp_path / "r.html", "-q")
    page = (tmp_path / "r.html").read_text()
    n = re.search(r">([\d,]+) \(converged: P50, P80 within ±2 working days\)</td>", page)
    assert n is not None
    assert int(n[1].replace(",", "")) % 1000 == 0  # whole blocks
