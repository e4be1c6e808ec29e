"""A risk register kept in a spreadsheet (CSV or XLSX), loaded into the scenario."""

from __future__ import annotations

import pytest

import riskengine as re
from riskengine.errors import ScenarioError
from riskengine.model import Mitigation

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
    sc = re.load_scenario(write(tmp_path))
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
    r = re.simulate(sc, iterations=2000, seed=1)
    assert set(r.risk_occurrence) == {"permit", "steel"}


def test_xlsx_register(tmp_path):
    import io

    import pandas as pd

    frame = pd.read_csv(io.StringIO(CSV))
    frame.to_excel(tmp_path / "register.xlsx", index=False)
    path = write(tmp_path, csv=None, scenario=SCENARIO.replace("register.csv", "register.xlsx"))
    sc = re.load_scenario(path)
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
        re.load_scenario(path)
    assert message in str(e.value)
    if line is not None:
        assert e.value.line == line and str(e.value).startswith(str(tmp_path / "register.csv"))


def test_missing_register_file(tmp_path):
    path = write(tmp_path, csv=None)
    with pytest.raises(ScenarioError, match="file not found"):
        re.load_scenario(path)
