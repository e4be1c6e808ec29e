"""A risk register kept in a spreadsheet (CSV or XLSX), loaded into the scenario."""

from __future__ import annotations

import math
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskengine as rk
from riskengine.errors import ScenarioError
from riskengine.io.register_file import KNOWN, PROBABILITIES, load_register
from riskengine.model.scenario import Mitigation

SCENARIO = """\
tasks:
  - {id: design, duration: [5, 8, 14]}
  - {id: build, duration: [10, 15, 30], predecessors: [design]}
milestones: [{id: done, after: [build], target: 30}]
risks: {file: register.csv}
"""

CSV = """\
id,name,owner,category,probability,task,delay_min,delay_mode,delay_max,delay_pct_min,delay_pct_max,cost,mitigated_probability,mitigation_cost
permit,Permit delayed,Legal,external,0.3,design,5,10,20,,,20000,0.1,5000
permit,Permit delayed,Legal,external,0.3,build,,,,5,15,,0.1,5000
steel,Steel early,Buyer,supply,0.5,build,-4,-2,0,,,,,
"""


def write(tmp_path, csv=CSV, scenario=SCENARIO, name="register.csv"):
    (tmp_path / name).write_text(csv) if isinstance(csv, str) else None
    path = tmp_path / "s.yaml"
    path.write_text(scenario)
    return path


def test_csv_register_loads_one_row_per_risk_and_impact(tmp_path):
    sc = rk.load_scenario(write(tmp_path))
    permit, steel = sc.risks
    assert (permit.id, permit.name, permit.owner, permit.category) == (
        "permit",
        "Permit delayed",
        "Legal",
        "external",
    )
    assert permit.probability == 0.3 and permit.mitigation == Mitigation(cost=5000, probability=0.1)
    assert [i.task for i in permit.impacts] == ["design", "build"]
    assert permit.impacts[0].delay.kind == "triangular" and permit.impacts[0].cost.params == {
        "value": 20000
    }
    assert permit.impacts[1].delay_pct.kind == "uniform" and permit.impacts[1].delay is None
    assert steel.impacts[0].delay.params["min"] == -4 and steel.mitigation is None
    r = rk.simulate(sc, iterations=2000, seed=1)
    assert set(r.risk_occurrence) == {"permit", "steel"}


def test_xlsx_register(tmp_path):
    import io

    import pandas as pd

    frame = pd.read_csv(io.StringIO(CSV))
    frame.to_excel(tmp_path / "register.xlsx", index=False)
    path = write(tmp_path, csv=None, scenario=SCENARIO.replace("register.csv", "register.xlsx"))
    sc = rk.load_scenario(path)
    assert [r.id for r in sc.risks] == ["permit", "steel"]
    assert sc.risks[0].impacts[0].delay.params["max"] == 20


@pytest.mark.parametrize(
    "edit,message,line",
    [
        (("id,name", "ident,name"), "missing column 'id'", None),
        (("mitigation_cost\n", "mitigation_cost,colour\n"), "unknown column 'colour'", None),
        (
            ("0.3,design,5,10,20", "0.3,design,5,ten,20"),
            "column delay_mode: not a number: 'ten'",
            2,
        ),
        (
            ("0.5,build", "1.5,build"),
            "column probability: a probability must be between 0 and 1",
            4,
        ),
        (("0.3,build", "0.4,build"), "risk 'permit' says 0.4 here but 0.3 in row 2", 3),
        (("0.3,design,5,10,20", "0.3,design,12,10,20"), "min (12) > mode (10)", 2),
        (
            ("Steel early,Buyer,supply,0.5,build,-4,-2,0", "Steel early,Buyer,supply,0.5,build,,,"),
            "needs a delay, delay_pct or cost",
            4,
        ),
        (("0.5,build", "0.5,nowhere"), "unknown task 'nowhere'", None),
    ],
)
def test_bad_register_files_name_file_and_row(tmp_path, edit, message, line):
    assert edit[0] in CSV
    path = write(tmp_path, csv=CSV.replace(edit[0], edit[1], 1))
    with pytest.raises(ScenarioError) as e:
        rk.load_scenario(path)
    assert message in str(e.value)
    if line is not None:
        assert e.value.line == line and str(e.value).startswith(str(tmp_path / "register.csv"))


def test_missing_register_file(tmp_path):
    path = write(tmp_path, csv=None)
    with pytest.raises(ScenarioError, match="file not found"):
        rk.load_scenario(path)


# --- numbers ---------------------------------------------------------------------------

HEAD = (
    "id,probability,task,delay,delay_pct_min,delay_pct_max,cost,mitigated_probability,"
    "mitigation_cost\n"
)


def load_rows(tmp_path, *rows: str, head: str = HEAD, name: str = "register.csv"):
    path = tmp_path / name
    path.write_text(head + "".join(r + "\n" for r in rows), encoding="utf-8")
    return load_register(path)


def cell_row(column: str, text: str) -> str:
    """A valid row of HEAD with ``text`` (quoted) in ``column``."""
    cells = dict(id="r", probability="0.5", task="design", delay="3")
    cells[column] = text
    if column == "delay_pct_max":
        cells["delay_pct_min"] = "1"
    return ",".join(
        '"' + cells.get(c, "").replace('"', '""') + '"' for c in HEAD.strip().split(",")
    )


def value_of(risk, column: str) -> float:
    imp = risk.impacts[0]
    return {
        "probability": risk.probability,
        "mitigated_probability": risk.mitigation and risk.mitigation.probability,
        "mitigation_cost": risk.mitigation and risk.mitigation.cost,
        "delay": imp.delay and imp.delay.params.get("value"),
        "cost": imp.cost and imp.cost.params.get("value"),
        "delay_pct_max": imp.delay_pct and imp.delay_pct.params.get("max"),
    }[column]


@pytest.mark.parametrize(
    "column,text,expected",
    [
        ("delay", "4.5", 4.5),
        ("delay", " 7 ", 7.0),
        ("delay", "+4", 4.0),
        ("delay", ".5", 0.5),
        ("delay", "1e3", 1000.0),
        ("delay", "\u22124", -4.0),  # the typographic minus sign
        ("cost", "4500", 4500.0),
        ("cost", "1,234.5", 1234.5),
        ("cost", "1,234,567", 1234567.0),
        ("cost", "1,234,567.25", 1234567.25),
        ("cost", "-1,234.5", -1234.5),
        ("mitigation_cost", "12,345.", 12345.0),
        ("probability", "30%", 0.3),
        ("probability", "30 %", 0.3),
        ("probability", "7%", 0.07),
        ("probability", "0.3%", 0.003),
        ("probability", "100%", 1.0),
        ("probability", "0%", 0.0),
        ("mitigated_probability", "10%", 0.1),
        ("delay_pct_max", "15", 15.0),
    ],
)
def test_numbers_read_exactly(tmp_path, column, text, expected):
    (risk,) = load_rows(tmp_path, cell_row(column, text))
    assert value_of(risk, column) == expected  # exact: 30% is float("0.3"), not 30 / 100


@pytest.mark.parametrize(
    "column,text,message",
    [
        (
            "delay",
            "4,5",
            "not a number: '4,5' (write 4.5 with a decimal point; "
            "riskengine does not read decimal commas)",
        ),
        ("cost", "12,5", "not a number: '12,5' (write 12.5 with a decimal point"),
        ("cost", "12,50", "not a number: '12,50' (write 12.50 with a decimal point"),
        ("delay", "0,500", "(write 0.500 with a decimal point"),
        (
            "cost",
            "4,500",
            "not a number: '4,500' (ambiguous: write 4500 for thousands or 4.5 with a decimal "
            "point; riskengine does not read decimal commas)",
        ),
        ("cost", "1,23,456", "reads a comma only as a thousands separator in groups of three"),
        ("cost", "1.234,5", "write the number without commas, with a decimal point"),
        ("cost", "1,2345", "write 1.2345 with a decimal point"),
        ("cost", "1 234", "not a number: '1 234' (write 1234: riskengine does not read spaces"),
        ("cost", "1\u00a0234", "not a number: '1\\xa0234' (write 1234:"),
        ("cost", "1\u202f234,5", "(write 1234.5: riskengine reads neither spaces"),
        ("cost", "1'234", "(write 1234:"),
        ("cost", "1_000", "(write 1000:"),
        ("cost", "$1,000", "not a number: '$1,000' (write the amount without a currency sign)"),
        ("delay_pct_max", "15%", "not a number: '15%' (write 15 without the % sign"),
        ("delay", "5%", "a per cent sign is read only in probabilities; give delay as a plain"),
        ("mitigation_cost", "5%", "give mitigation_cost as a plain number"),
        ("probability", "130%", "a probability must be between 0 and 1 (or 0% and 100%), got"),
        ("probability", "4,5%", "(write 4.5 with a decimal point"),
        ("probability", "30%%", "not a number: '30%%'"),
        ("probability", "3e1%", "write a per cent without an exponent"),
        ("delay", "inf", "not a number: 'inf'"),
        ("delay", "nan", "not a number: 'nan'"),
        ("delay", "1e400", "not a number: '1e400' (too large)"),
        ("delay", "\uff14\uff15", "not a number"),  # full-width digits
        ("delay", "#N/A", "(the cell shows a spreadsheet error)"),
        ("mitigation_cost", "-5", "must not be negative"),
    ],
)
def test_numbers_that_are_not_read_name_file_row_column_and_the_fix(
    tmp_path, column, text, message
):
    with pytest.raises(ScenarioError) as e:
        load_rows(tmp_path, "a,0.5,design,1,,,,,", cell_row(column, text))
    assert message in str(e.value)
    assert str(e.value).startswith(f"{tmp_path / 'register.csv'}:3: column {column}: ")


def test_long_values_are_quoted_short_in_messages(tmp_path):
    with pytest.raises(ScenarioError) as e:
        load_rows(tmp_path, cell_row("delay", "9" * 5000 + ",5"))
    assert "not a number: '9999" in str(e.value) and len(str(e.value)) < 400


# --- the table ------------------------------------------------------------------------


def test_ragged_row_is_an_error_but_trailing_empty_cells_are_not(tmp_path):
    (risk,) = load_rows(tmp_path, "r,0.5,design,3,,,,,,,,")
    assert risk.impacts[0].delay.params == {"value": 3.0}
    with pytest.raises(ScenarioError) as e:
        load_rows(tmp_path, "r,0.5,design,3,,,,,", "s,0.5,design,3,,,,,,,,x,")
    assert str(e.value) == (
        f"{tmp_path / 'register.csv'}:3: row has 12 cells but the header has 9 columns"
    )


def test_duplicate_column_is_an_error(tmp_path):
    with pytest.raises(ScenarioError) as e:
        load_rows(tmp_path, "r,0.5,design,3,4", head="id,probability,task,delay,Delay\n")
    assert str(e.value) == (
        f"{tmp_path / 'register.csv'}:1: header: column 'delay' appears twice (columns 4 and 5)"
    )


def test_empty_header_cell_is_an_error_only_with_data_under_it(tmp_path):
    head = "id,probability,,task,delay\n"
    (risk,) = load_rows(tmp_path, "r,0.5,,design,3", head=head)
    assert risk.impacts[0].task == "design"
    with pytest.raises(ScenarioError) as e:
        load_rows(tmp_path, "r,0.5,,design,3", "s,0.5,x,design,3", head=head)
    assert e.value.line == 3 and "a value ('x') in column 3 under an empty header cell" in str(
        e.value
    )


def test_header_is_the_first_row_that_is_not_empty(tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("\n,,\nid,probability,task,delay\nr,0.5,design,3\n")
    (risk,) = load_register(path)
    assert risk.probability == 0.5
    path.write_text("\nid,probability,task,delay\nr,0.5,design,3x\n")
    with pytest.raises(ScenarioError) as e:
        load_register(path)
    assert e.value.line == 3


def test_header_wider_than_the_column_limit(tmp_path):
    head = "id,probability,task" + "," * 300 + "delay\n"
    with pytest.raises(ScenarioError, match="the header has 303 columns, above the limit of 200"):
        load_rows(tmp_path, "r,0.5,design", head=head)


def test_semicolon_separated_file_gets_a_hint(tmp_path):
    with pytest.raises(ScenarioError, match="riskengine reads comma-separated files"):
        load_rows(tmp_path, "r;0,5;design;3", head="id;probability;task;delay\n")


def test_unknown_column_suggests_the_closest(tmp_path):
    with pytest.raises(ScenarioError, match="unknown column 'probabilty' \\(did you mean"):
        load_rows(tmp_path, "r,0.5,0.5,design,3", head="id,probability,probabilty,task,delay\n")


def test_a_million_row_register_is_refused_at_the_row_limit(tmp_path):
    path = tmp_path / "register.csv"
    with open(path, "w") as fh:
        fh.write("id,probability,task,delay\n")
        fh.write("r,0.5,design,3\n" * 1_000_000)
    with pytest.raises(ScenarioError) as e:
        load_register(path)
    assert str(e.value) == (
        f"{path}:100002: the register has more than 100,000 rows below the header (the limit)"
    )


# --- CSV files that are not CSV text ---------------------------------------------------


@pytest.mark.parametrize(
    "content,message,line",
    [
        (b"id,probability,task,delay\nr,0.5,des\0ign,3\n", "contains a NUL byte", 2),
        (
            "id,probability,task,delay\nr,0.5,d\u00e9sign,3\n".encode("latin-1"),
            "not UTF-8 text (byte 0xe9): save the register as 'CSV UTF-8'",
            2,
        ),
        (b"PK\x03\x04\x14\x00\x00\x00", "is a zip file (an .xlsx workbook?), not CSV text", None),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "is an old .xls workbook", None),
        ("id,probability\n".encode("utf-16"), "is UTF-16 text", None),
        (
            b"id,probability,task,delay\nr,0.5," + b"x" * 200_000 + b",3\n",
            "a cell is longer than 131,072 characters",
            2,
        ),
        (
            b"id,probability,task,delay\nr,0.5,design,3" + b"," * 2_000_000 + b"\n",
            "a row is longer than 1,000,000 characters (the limit)",
            2,
        ),
    ],
)
def test_csv_that_is_not_text_is_refused_with_file_and_line(tmp_path, content, message, line):
    path = tmp_path / "register.csv"
    path.write_bytes(content)
    with pytest.raises(ScenarioError) as e:
        load_register(path)
    assert message in str(e.value) and e.value.file == str(path)
    assert e.value.line == line


def test_a_row_over_many_lines_is_bounded_too(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(b"id,probability,task,delay\nr,0.5,design," + b'"3\n",' * 400_000 + b"\n")
    with pytest.raises(ScenarioError) as e:
        load_register(path)
    assert "a row is longer than 1,000,000 characters (the limit)" in str(e.value)
    # line 2 holds 16 characters of the row and each later line 5: line 199,999 passes 1e6
    assert e.value.line == 199_999


def test_csv_with_bom_crlf_or_old_mac_line_ends(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes('\ufeffid,probability,task,delay\r\nr,30%,design,"1,234.5"\r\n'.encode())
    (risk,) = load_register(path)
    assert (risk.probability, risk.impacts[0].delay.params["value"]) == (0.3, 1234.5)
    path.write_bytes(b"id,probability,task,delay\rr,0.5,design,3\rs,0.25,design,4x\r")
    with pytest.raises(ScenarioError) as e:
        load_register(path)
    assert e.value.line == 3


def test_register_path_must_be_a_small_regular_file(tmp_path, monkeypatch):
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(ScenarioError, match="is a folder"):
        load_register(tmp_path / "folder.csv")
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    with pytest.raises(ScenarioError, match="is not a regular file"):
        load_register(tmp_path / "zero.csv")
    path = tmp_path / "register.csv"
    path.write_text("id,probability,task,delay\n" + "r,0.5,design,3\n" * 5000)
    monkeypatch.setenv("RISKENGINE_MAX_INPUT_MB", "0.0625")
    with pytest.raises(ScenarioError, match="above the input limit of 0.0625 MB"):
        load_register(path)


# --- workbooks --------------------------------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PKG = "http://schemas.openxmlformats.org/package/2006"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    f'<Types xmlns="{PKG}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>'
)
PACKAGE_RELS = (
    f'<Relationships xmlns="{PKG}/relationships"><Relationship Id="rId1" '
    f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
SHEET_ENTRY = '<sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
WORKBOOK = f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{SHEET_ENTRY}</sheets></workbook>'
WORKBOOK_RELS = (
    f'<Relationships xmlns="{PKG}/relationships"><Relationship Id="rId1" '
    f'Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
GOOD_ROWS = [["id", "probability", "task", "delay"], ["r1", "0.3", "design", "4.5"]]


def sheet_xml(rows=GOOD_ROWS, *, dimension="", prolog="", extra_row=""):
    """A worksheet of inline-string cells; ``extra_row`` is raw XML put after the rows."""
    body = "".join(
        f'<row r="{i}">'
        + "".join(
            f'<c r="{chr(65 + j)}{i}" t="inlineStr"><is><t>{v}</t></is></c>'
            for j, v in enumerate(row)
        )
        + "</row>"
        for i, row in enumerate(rows, start=1)
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">{dim}'
        f"<sheetData>{body}{extra_row}</sheetData></worksheet>"
    )


def workbook(path, sheet=None, *, workbook_xml=WORKBOOK, parts=None):
    """A minimal .xlsx made by hand, so that any part can be made hostile."""
    files = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": PACKAGE_RELS,
        "xl/workbook.xml": workbook_xml,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet or sheet_xml(),
        **(parts or {}),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


def refused(path) -> str:
    with pytest.raises(ScenarioError) as e:
        load_register(path)
    assert e.value.file == str(path)
    return str(e.value)


def test_hand_made_workbook_loads(tmp_path):
    (risk,) = load_register(workbook(tmp_path / "r.xlsx"))
    assert (risk.id, risk.probability, risk.impacts[0].delay.params) == (
        "r1",
        0.3,
        {"value": 4.5},
    )


def test_openpyxl_workbook_numbers_and_percent_formats(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["id", "probability", "task", "delay_pct_min", "delay_pct_max", "cost"])
    ws.append(["a", 0.25, "design", 5, 15, "1,234.5"])
    ws.append(["b", 0.4, "build", 1, 2, 3000])
    ws["B2"].number_format = "0%"  # a probability shown as 25%: read as 0.25
    ws["E3"].number_format = '0.0"%"'  # a literal % sign: the number is as stored
    wb.save(tmp_path / "r.xlsx")
    a, b = load_register(tmp_path / "r.xlsx")
    assert (a.probability, a.impacts[0].delay_pct.params, a.impacts[0].cost.params) == (
        0.25,
        {"min": 5.0, "max": 15.0},
        {"value": 1234.5},
    )
    assert b.impacts[0].delay_pct.params == {"min": 1.0, "max": 2.0}
    ws["E2"].number_format = "0%"  # someone typed 15% in Excel: stored as 0.15
    ws["E2"] = 0.15
    wb.save(tmp_path / "r.xlsx")
    message = refused(tmp_path / "r.xlsx")
    assert message.endswith(
        "r.xlsx:2: column delay_pct_max: not a number: 15% (a cell formatted as a percentage: "
        "write 15 without the % sign: delay_pct_max is already in per cent)"
    )


def test_workbook_text_cells_follow_the_number_rule(tmp_path):
    rows = [GOOD_ROWS[0], ["r1", "0.3", "design", "4,5"]]
    assert refused(workbook(tmp_path / "r.xlsx", sheet_xml(rows))).endswith(
        "r.xlsx:2: column delay: not a number: '4,5' (write 4.5 with a decimal point; "
        "riskengine does not read decimal commas)"
    )


def test_xlsm_is_read_like_xlsx(tmp_path):
    (risk,) = load_register(workbook(tmp_path / "r.xlsm"))
    assert risk.impacts[0].delay.params == {"value": 4.5}


def test_claimed_dimension_is_ignored_and_rows_are_streamed(tmp_path):
    import tracemalloc

    path = workbook(tmp_path / "r.xlsx", sheet_xml(dimension="A1:XFD1048576"))
    assert path.stat().st_size < 2048
    tracemalloc.start()
    try:
        (risk,) = load_register(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert risk.impacts[0].delay.params == {"value": 4.5}
    assert peak < 20 * 2**20  # padding rows to XFD1048576 would need terabytes


def test_empty_cells_far_right_are_fine_but_values_there_are_not(tmp_path):
    styled = '<row r="3"><c r="XFD3" s="0"/></row>'
    (risk,) = load_register(workbook(tmp_path / "a.xlsx", sheet_xml(extra_row=styled)))
    assert risk.id == "r1"
    value = '<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row>'
    assert refused(workbook(tmp_path / "b.xlsx", sheet_xml(extra_row=value))).endswith(
        "b.xlsx:3: a value ('x') in column 16,384, beyond the limit of 200 columns"
    )
    near = '<row r="3"><c r="F3" t="inlineStr"><is><t>x</t></is></c></row>'
    assert refused(workbook(tmp_path / "c.xlsx", sheet_xml(extra_row=near))).endswith(
        "c.xlsx:3: row has 6 cells but the header has 4 columns"
    )


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda p: p.write_text("id,probability\n"), "not a zip archive, or a broken one"),
        (lambda p: p.write_bytes(b""), "not a zip archive, or a broken one"),
        (
            lambda p: p.write_bytes(workbook(p).read_bytes()[:700]),
            "not a zip archive, or a broken one",
        ),
        (
            lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),
            "an old .xls workbook or a password-protected one",
        ),
        (
            lambda p: zipfile.ZipFile(p, "w").writestr("notes.txt", "hello"),
            "cannot read it (KeyError: \"There is no item named '[Content_Types].xml'",
        ),
        (
            lambda p: workbook(p, workbook_xml=WORKBOOK.replace(SHEET_ENTRY, "")),
            "it has no worksheet",
        ),
        (
            lambda p: workbook(p, sheet_xml().replace("</sheetData>", "")),
            "cannot read it (ParseError: mismatched tag",
        ),
        (
            lambda p: workbook(p, sheet_xml().replace('<row r="2">', '<row r="two">')),
            "cannot read it (ValueError: ",
        ),
        (
            lambda p: workbook(p, sheet_xml().replace('r="A2"', 'r="A"')),
            "cannot read it (",
        ),
        (
            lambda p: workbook(p, workbook_xml=WORKBOOK.replace("<sheets>", "<sheets><x>")),
            "cannot read it (",
        ),
    ],
)
def test_files_that_are_not_workbooks_give_one_clean_error(tmp_path, make, message):
    path = tmp_path / "r.xlsx"
    make(path)
    text = refused(path)
    assert text.startswith(f"{path}: not an Excel .xlsx workbook: ") and message in text
    assert "\n" not in text


def test_unknown_compression_method_is_a_clean_error(tmp_path):
    path = workbook(tmp_path / "r.xlsx")
    data = bytearray(path.read_bytes())
    at = data.index(b"PK\x01\x02")  # the first central directory entry: method at +10
    data[at + 10 : at + 12] = (99).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    assert "not an Excel .xlsx workbook: cannot read it (" in refused(path)


ENTITIES = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
EXTERNAL = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("prolog", [ENTITIES, EXTERNAL])
@pytest.mark.parametrize("part", ["sheet", "workbook", "strings"])
def test_xml_entities_and_external_references_are_refused(tmp_path, prolog, part):
    use = "&b;" if prolog == ENTITIES else "&e;"
    sheet, book, parts = sheet_xml(), WORKBOOK, {}
    if part == "sheet":
        sheet = sheet_xml(prolog=prolog).replace("<t>design</t>", f"<t>{use}</t>")
    elif part == "workbook":
        book = prolog + WORKBOOK.replace('name="Sheet1"', f'name="{use}"')
    else:
        parts = {"xl/sharedStrings.xml": f'{prolog}<sst xmlns="{MAIN}"><si><t>{use}</t></si></sst>'}
    path = workbook(tmp_path / "r.xlsx", sheet, workbook_xml=book, parts=parts)
    if part == "strings":  # only read when the workbook names it
        path = workbook(
            tmp_path / "r.xlsx",
            sheet,
            parts={
                **parts,
                "[Content_Types].xml": CONTENT_TYPES.replace(
                    "</Types>",
                    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                    'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                ),
                "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.replace(
                    "</Relationships>",
                    f'<Relationship Id="rId2" Type="{REL}/sharedStrings" '
                    'Target="sharedStrings.xml"/></Relationships>',
                ),
            },
        )
    assert refused(path) == (
        f"{path}: not an Excel .xlsx workbook: its XML declares entities or external "
        "references, which are not read"
    )


def test_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    sheet = sheet_xml(extra_row=" " * (20 * 2**20))  # 20 MB of spaces: about 1000:1
    path = workbook(tmp_path / "r.xlsx", sheet)
    assert path.stat().st_size < 100_000
    assert refused(path) == (
        f"{path}: not an Excel .xlsx workbook: 'xl/worksheets/sheet1.xml' is compressed more "
        "than 200:1 (a zip bomb?)"
    )


def test_workbook_unpacked_above_the_input_limit(tmp_path, monkeypatch):
    import random

    rng = random.Random(1)
    noise = "".join(rng.choice("abcdefgh") for _ in range(200_000))  # about 3:1
    path = workbook(tmp_path / "r.xlsx", sheet_xml(extra_row=f"<!-- {noise} -->"))
    monkeypatch.setenv("RISKENGINE_MAX_INPUT_MB", "0.125")
    assert path.stat().st_size < 0.125 * 2**20
    assert refused(path) == (
        f"{path}: the workbook unpacks to 0.2 MB, above the input limit of 0.125 MB "
        "(set RISKENGINE_MAX_INPUT_MB to raise it)"
    )


TOO_LARGE = (
    ": the workbook is too large to read safely: more than 2,000,000 XML tags and attributes "
    "to parse (about 20,000 rows of 14 filled columns): save the register as CSV"
)


def test_a_row_of_half_a_million_cells_is_refused_before_it_is_parsed(tmp_path):
    cells = "".join(f"<c><v>{i % 97}</v></c>" for i in range(600_000))  # 2.4 million tags
    row = f'<row r="3">{cells}</row>'
    path = workbook(tmp_path / "r.xlsx", sheet_xml(dimension="A1:D3", extra_row=row))
    assert refused(path) == f"{path}{TOO_LARGE}"


def test_a_sheet_without_dimension_counts_twice(tmp_path, monkeypatch):
    import riskengine.io.register_file as register_file

    # openpyxl parses a sheet without <dimension> once on opening and once more to read it
    monkeypatch.setattr(register_file, "MAX_MARKUP", 60_000)
    monkeypatch.setattr(register_file, "MAX_COLUMNS", 10_000)
    cells = "".join(f"<c><v>{i % 97}</v></c>" for i in range(10_000))  # 40,000 tags
    row = f'<row r="3">{cells}</row>'
    with_size = workbook(tmp_path / "a.xlsx", sheet_xml(dimension="A1:D3", extra_row=row))
    assert "row has 10,000 cells but the header has 4 columns" in refused(with_size)
    without = workbook(tmp_path / "b.xlsx", sheet_xml(extra_row=row))
    assert "too large to read safely: more than 60,000 XML tags" in refused(without)


def test_an_element_with_too_many_attributes_is_refused(tmp_path):
    many = " ".join(f'a{i}="1"' for i in range(10_001))
    path = workbook(tmp_path / "r.xlsx", sheet_xml(extra_row=f'<row r="3" {many}/>'))
    assert refused(path) == (
        f"{path}: not an Excel .xlsx workbook: 'xl/worksheets/sheet1.xml' has an XML element "
        "with more than 10,000 attributes"
    )
    fewer = " ".join(f'a{i}="1"' for i in range(9_000))
    (risk,) = load_register(
        workbook(tmp_path / "ok.xlsx", sheet_xml(extra_row=f'<row r="3" {fewer}/>'))
    )
    assert risk.id == "r1"


def test_many_sheets_naming_one_part_count_once_each(tmp_path):
    entries = "".join(f'<sheet name="S{i}" sheetId="{i}" r:id="rId1"/>' for i in range(1, 301))
    book = WORKBOOK.replace(SHEET_ENTRY, entries)
    path = workbook(tmp_path / "r.xlsx", workbook_xml=book)
    assert refused(path) == f"{path}{TOO_LARGE}"
    few = WORKBOOK.replace(SHEET_ENTRY, entries[: entries.index('<sheet name="S4"')])
    (risk,) = load_register(workbook(tmp_path / "ok.xlsx", workbook_xml=few))
    assert risk.id == "r1"


def test_workbook_row_limit(tmp_path, monkeypatch):
    import riskengine.io.register_file as register_file

    monkeypatch.setattr(register_file, "MAX_ROWS", 2)
    rows = [*GOOD_ROWS, ["r2", "0.3", "build", "1"], ["r3", "0.3", "build", "1"]]
    assert refused(workbook(tmp_path / "r.xlsx", sheet_xml(rows))).endswith(
        "r.xlsx:4: the register has more than 2 rows below the header (the limit)"
    )


@pytest.mark.parametrize(
    "name,content,fragment",
    [
        (
            "register.csv",
            CSV.replace("0.3,design,5", '0.3,design,"4,5"', 1),
            ":2: column delay_min",
        ),
        ("register.xlsx", b"PK\x03\x04 not really a zip", "not an Excel .xlsx workbook"),
    ],
)
def test_cli_prints_one_error_line_for_a_bad_register(tmp_path, name, content, fragment):
    from click.testing import CliRunner

    from riskengine.cli import main

    (tmp_path / name).write_bytes(content.encode() if isinstance(content, str) else content)
    path = write(tmp_path, csv=None, scenario=SCENARIO.replace("register.csv", name))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert (
        len(lines) == 1
        and lines[0].startswith(f"error: {tmp_path / name}")
        and fragment in lines[0]
    )


# --- properties of the number rule ------------------------------------------------------

QUANTITY_COLUMNS = {c for c in KNOWN if c.startswith(("delay", "cost"))} - {
    "delay_dist",
    "delay_pct_dist",
    "cost_dist",
} | {*PROBABILITIES, "mitigation_cost"}
NUMBER_ALPHABET = "0123456789,.%-+eE _'\u2212\u00a0$#"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=NUMBER_ALPHABET, max_size=16), st.sampled_from(sorted(QUANTITY_COLUMNS)))
def test_any_cell_text_is_a_number_or_one_scenario_error(text, column):
    from riskengine.io.register_file import _number

    def err(message, col):
        return ScenarioError(message, field=f"column {col}")

    try:
        x = _number(text, column, err)
    except ScenarioError as e:
        assert e.field == f"column {column}" and "not a number" in e.message
    else:
        assert math.isfinite(x)
        # whatever is accepted reads the same without its separators
        plain = text.replace(",", "").replace("\u2212", "-").removesuffix("%").strip()
        assert x == (float(plain + "e-2") if text.endswith("%") else float(plain))
        assert "," not in text or "." in text or text.count(",") > 1


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_float_written_plainly_or_with_thousands_commas_reads_back_exactly(x):
    from riskengine.io.register_file import _number

    def err(message, col):
        raise AssertionError(message)

    assert _number(repr(x), "cost", err) == x
    if abs(x) >= 1000 and abs(x) < 1e15:
        assert _number(f"{x:,.2f}", "cost", err) == float(f"{x:.2f}")
