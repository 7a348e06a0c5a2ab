"""`query` with the origin -> destination options: rows, matrices and embodied trade in three formats,
checked against a dense computation of s_i L_ij Y_jc (plus F_Y on the diagonal), and bad input."""

import csv
import io
import json

import numpy as np
import pytest

from app.engine import Query

from .test_flow_api import dense  # noqa: F401 (the dense reference, a fixture)

BASE = ["query", "--dataset", "demo", "--indicator", "emission_type1_air"]


@pytest.fixture()
def cli(shared_app):
    runner = shared_app.test_cli_runner()

    def run(*args, code=0):
        result = runner.invoke(args=[*BASE, *args])
        assert result.exit_code == code, result.output
        return result
    return run


@pytest.fixture(scope="module")
def bilateral(dense):  # noqa: F811
    """Origin region x consumer region by dense numpy, and F_Y per region."""
    return dense[:2]


def test_matrix_json_equals_the_dense_bilateral_flows(cli, bilateral):
    flows, f_y = bilateral
    out = json.loads(cli("--by", "origin-region", "--by", "consumer-region", "--origin-regions", "reg1",
                         "--origin-regions", "reg2", "--consumer-regions", "reg3", "--consumer-regions", "TOTAL",
                         "--format", "json").stdout)
    with_fy = flows + np.diag(f_y)
    want = [[with_fy[0, 2], with_fy[0].sum()], [with_fy[1, 2], with_fy[1].sum()]]
    np.testing.assert_allclose(out["matrix"]["values"], want, rtol=1e-9)
    assert out["matrix"]["rows"] == [{"code": "reg1", "name": "reg1", "level": 1},
                                     {"code": "reg2", "name": "reg2", "level": 1}]
    assert out["matrix"]["columns"][1] == {"code": "TOTAL", "name": "Total", "level": 0}
    assert out["total"] == pytest.approx(with_fy[:2].sum(), rel=1e-9)
    assert out["unit"] == "kg" and out["direct"] is True
    # the first --by gives the rows: the transposed question gives the transposed matrix
    flipped = json.loads(cli("--by", "consumer-region", "--by", "origin-region", "--origin-regions", "reg1",
                             "--origin-regions", "reg2", "--consumer-regions", "reg3", "--consumer-regions", "TOTAL",
                             "--format", "json").stdout)
    np.testing.assert_allclose(flipped["matrix"]["values"], np.array(want).T, rtol=1e-12)


def test_one_axis_with_and_without_direct_emissions(cli, bilateral):
    flows, f_y = bilateral
    on = json.loads(cli("--by", "consumer-region", "--consumer-regions", "reg4", "--format", "json").stdout)
    off = json.loads(cli("--by", "consumer-region", "--consumer-regions", "reg4", "--no-direct",
                         "--format", "json").stdout)
    assert on["rows"][0]["value"] == pytest.approx(flows[:, 3].sum() + f_y[3], rel=1e-9)
    assert off["rows"][0]["value"] == pytest.approx(flows[:, 3].sum(), rel=1e-9)
    assert (on["direct"], off["direct"]) == (True, False)
    per = json.loads(cli("--by", "consumer-region", "--consumer-regions", "reg4", "--per", "capita",
                         "--format", "json").stdout)
    assert per["unit"] == "kg per person" and per["per"] == "capita"
    assert 0 < per["rows"][0]["value"] < on["rows"][0]["value"]


def test_matrix_csv_and_table(cli):
    args = ["--by", "origin-region", "--by", "final-product", "--origin-regions", "reg1", "--origin-regions",
            "reg5", "--final-products", "food", "--final-products", "TOTAL"]
    data = json.loads(cli(*args, "--format", "json").stdout)
    rows = list(csv.DictReader(io.StringIO(cli(*args, "--format", "csv").stdout)))
    cells = [r for r in rows if r["row_code"]]
    # food, TOTAL and the row of direct emissions (no product) for each of the two regions
    assert [(r["row_code"], r["column_code"]) for r in cells] == [
        (a, b) for a in ("reg1", "reg5") for b in ("food", "TOTAL", "DIRECT")]
    assert [float(r["value"]) for r in cells] == pytest.approx(np.ravel(data["matrix"]["values"]).tolist(),
                                                                rel=1e-15)
    assert {r["unit"] for r in rows} == {"kg"} and float(rows[-1]["value"]) == pytest.approx(data["total"])
    assert rows[-1]["row_name"] == "total of the selection"
    table = cli(*args, "--format", "table").stdout.splitlines()
    assert table[0].split() == ["rows", "food", "TOTAL", "DIRECT"]
    assert [line.split()[0] for line in table[1:3]] == ["reg1", "reg5"] and "kg" in table[-1]


def test_trade_prints_every_figure_with_its_unit(cli, bilateral):
    flows, f_y = bilateral
    out = json.loads(cli("--trade", "--consumer-regions", "reg2", "--consumer-regions", "TOTAL",
                         "--format", "json").stdout)
    assert out["unit"] == "kg" and out["year"] == 2011 and out["direct"] is True
    reg2, world = out["regions"]
    with_fy = flows + np.diag(f_y)
    assert reg2["consumption"] == pytest.approx(with_fy[:, 1].sum(), rel=1e-9)
    assert reg2["production"] == pytest.approx(with_fy[1].sum(), rel=1e-9)
    assert reg2["imports"] == pytest.approx(with_fy[:, 1].sum() - with_fy[1, 1], rel=1e-9)
    assert reg2["consumption"] - reg2["production"] == pytest.approx(reg2["imports"] - reg2["exports"], rel=1e-9)
    assert world["imports"] == world["exports"] == 0
    rows = list(csv.DictReader(io.StringIO(cli("--trade", "--origin-regions", "reg2", "--format", "csv").stdout)))
    assert float(rows[0]["balance"]) == pytest.approx(reg2["balance"], rel=1e-12) and rows[0]["unit"] == "kg"
    table = cli("--trade", "--origin-regions", "reg2").stdout
    assert "imports" in table and "balance" in table and " kg" in table


def test_classic_views_keep_working_with_and_without_direct(cli, engine):
    args = ["--perspective", "consumption", "--by", "product", "--regions", "reg2", "--format", "json"]
    on, off = json.loads(cli(*args).stdout), json.loads(cli(*args, "--no-direct").stdout)
    want = engine.answer(Query("demo", "emission_type1_air", "consumption", "product", regions=("reg2",),
                               direct=False))
    assert off["total"] == want.total and [r["code"] for r in off["rows"]] == ["TOTAL"]
    assert [r["code"] for r in on["rows"]] == ["TOTAL", "DIRECT"]
    assert on["total"] == pytest.approx(off["total"] + on["rows"][1]["value"], rel=1e-12)


@pytest.mark.parametrize("args, code, message", [
    (["--by", "origin-country"], 2, "--by origin-country needs --perspective"),
    (["--by", "origin-region", "--by", "consumer-region", "--by", "final-product"], 2, "--by is given 3 times"),
    (["--by", "origin-region", "--by", "origin-region"], 1, "--by: axis 'origin-region' is given twice"),
    (["--by", "origin-region", "--origin-regions", "food"], 1, "--origin-regions: unknown region code 'food'"),
    (["--by", "final-product", "--final-products", "reg1"], 1, "--final-products: unknown product code 'reg1'"),
    (["--perspective", "consumption", "--by", "product", "--consumer-regions", "reg1"], 2,
     "--consumer-regions selects an origin or a destination"),
    (["--perspective", "consumption", "--by", "origin-region"], 2, "with --perspective, give --by once"),
    (["--perspective", "production", "--by", "region", "--per", "capita"], 2, "--per answers"),
    (["--by", "origin-region", "--products", "food"], 2, "--products belongs to the classic views"),
    (["--products", "food"], 2, "--products belongs to the classic views"),
    ([], 2, "give --by once or twice"),
    (["--trade", "--by", "origin-region"], 2, "--trade prints the figures"),
    (["--trade", "--origin-regions", "reg1", "--consumer-regions", "reg2"], 2, "--trade: select the regions once"),
    (["--trade", "--consumer-regions", "food"], 1, "--consumer-regions: unknown region code 'food'"),
    (["--by", "origin-region", "--per", "hectare"], 2, "'hectare' is not one of"),
])
def test_bad_input_names_the_option(cli, args, code, message):
    result = cli(*args, code=code)
    assert message in result.stderr and result.stdout == ""


def test_a_flow_query_under_interventions_equals_the_engine_s_scenario(cli, shared_app):
    from app.engine.flows import FlowQuery, answer_flows
    from app.engine.interventions import Intervention

    spec = "product=electricity,origin=TOTAL,consumer=manufactoring,consumer_region=reg1,change=-20"
    out = json.loads(cli("--by", "origin-region", "--origin-regions", "reg1", "--origin-regions", "reg2",
                         "--intervention", spec, "--format", "json").stdout)
    with shared_app.app_context():
        want = answer_flows(shared_app.extensions["engine"], FlowQuery(
            dataset="demo", indicator="emission_type1_air", by=("origin-region",), origin_regions=("reg1", "reg2"),
            interventions=(Intervention.parse(spec, 0),))).to_dict()
    assert [r["value"] for r in out["rows"]] == pytest.approx([r["value"] for r in want["rows"]], rel=1e-12)
    assert out["baseline"]["total"] == pytest.approx(want["baseline"]["total"], rel=1e-12)
    assert out["total"] != pytest.approx(out["baseline"]["total"], rel=1e-9)  # the scenario moved it
    refused = cli("--trade", "--consumer-regions", "reg1", "--intervention", spec, code=2)
    assert "--trade" in refused.output and "--intervention" in refused.output
