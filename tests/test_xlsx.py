"""The XLSX download of every kind of result, read back with openpyxl: the sheet Table cell by cell against the
API's numbers, the sheet Query in the page's words with the dataset's provenance and the interventions, the
chart the spreadsheet draws; hostile labels come out as text; another owner's or an unfinished job is a 404."""

import html
import io
import re
import time

import openpyxl
import pytest
from openpyxl.utils.escape import unescape

from app.engine import Store
from app.engine.flows import DIRECT
from app.engine.sources import demo_source
from app.exports import formula_like
from app.extensions import db
from app.models import Job

from .conftest import make_app
from .test_downloads import PRODUCTS, REGIONS, SCRIPT, analysis, hostile_client, hostile_store  # noqa: F401

SMALL = {"dataset": "small", "indicator": "co2"}
SIX = ["AT", "JP", "MT", "CH", "FR", "WM"]
IV = {"product": "TOTAL", "origin": "TOTAL", "consumer": "FD", "consumer_region": "TOTAL", "change_pct": 5}
MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def as_written(value: float) -> float:
    """A number as the workbook holds it: xlsxwriter writes 16 significant digits (Excel shows 15)."""
    return float(f"{value:.16g}")


def finished(client, body: dict) -> dict:
    created = client.post("/api/v1/analyses", json=body)
    assert created.status_code == 202, created.get_json()
    job = client.get(created.get_json()["url"]).get_json()
    assert job["status"] == "done", job
    return job


def workbook(client, job_id: str):
    response = client.get(f"/analyses/{job_id}.xlsx")
    assert response.status_code == 200 and response.mimetype == MIMETYPE
    assert response.headers["Content-Disposition"].startswith('attachment; filename="ramascene-analysis-')
    return openpyxl.load_workbook(io.BytesIO(response.get_data()))


def table(book) -> tuple[list[str], list[list]]:
    rows = [list(row) for row in book["Table"].iter_rows(values_only=True)]
    return rows[0], rows[1:]


def about(book) -> dict:
    """The sheet Query as {label: [texts]}."""
    return {row[0]: [c for c in row[1:] if c is not None] for row in book["Query"].iter_rows(values_only=True)
            if row[0] is not None}


def chart_data(book) -> tuple[list, list[list]]:
    """The Chart sheet's data block (categories, then one column per series) and how many charts it holds."""
    sheet = book["Chart"]
    rows = [list(row) for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert rows[0][0] == "The chart's data" and len(sheet._charts) == 1
    return rows[0][1:], rows[1:]


def numbers(values) -> list[float]:
    return [as_written(v) for v in values]


def test_classic_view_cell_by_cell_with_its_query_provenance_and_chart(client, engine):
    products = engine.dataset("small").products.leaf_codes()
    job = finished(client, {**SMALL, "perspective": "consumption", "by": "product", "products": products})
    result, book = job["result"], workbook(client, job["id"])
    assert book.sheetnames == ["Table", "Query", "Chart"]
    header, lines = table(book)
    assert header == ["code", "name", "level", "value [kg]"]
    assert lines == [[r["code"], r["name"], r["level"], as_written(r["value"])] for r in result["rows"]] + [
        [None, "Total of the selection", None, as_written(result["total"])]]
    assert all(isinstance(line[3], float) for line in lines)  # numbers, not text
    words = about(book)
    page = html.unescape(client.get(f"/analyses/{job['id']}").get_data(as_text=True))
    assert words["Query in words"] == [re.search(r'<p class="query-words">(.*?)</p>', page).group(1)]
    known = engine.dataset("small").provenance()
    assert words["Dataset"] == ["small"] and words["Source"] == [known["database"]]
    assert words["Year 2012"] == [f"version not stated in its files, imported "
                                  f"{known['years']['2012']['imported'].replace('T', ' ').replace('Z', ' UTC')}"]
    assert words["Licence"] == ["not recorded (check the terms of the files the dataset was made from)"]
    assert words["Unit"] == ["kg"] and words["year"] == [2012] and words["perspective"] == ["consumption"]
    # the chart: the 20 largest rows, largest first, drawn from its own data block
    series, data = chart_data(book)
    largest = sorted(result["rows"], key=lambda r: -r["value"])[:20]
    assert series == ["Value"] and len(result["rows"]) > 20
    assert data == [[f"{r['name']} ({r['code']})", as_written(r["value"])] for r in largest]
    assert words["Chart"][0].startswith("A bar chart of the 20 largest of the 24 rows")


def test_classic_view_under_a_scenario_beside_its_baseline(client):
    job = finished(client, {**SMALL, "perspective": "consumption", "by": "region", "regions": SIX,
                            "interventions": [IV, {**IV, "origin": "AT", "change_pct": -20}]})
    result, book = job["result"], workbook(client, job["id"])
    header, lines = table(book)
    assert header == ["code", "name", "level", "value [kg]", "baseline_value [kg]", "difference [kg]"]
    rows = result["rows"] + [{"code": None, "name": "Total of the selection", "level": None,
                              "value": result["total"]}]
    base = [r["value"] for r in result["baseline"]["rows"]] + [result["baseline"]["total"]]
    assert lines == [[r["code"], r["name"], r["level"], as_written(r["value"]), as_written(b),
                      as_written(r["value"] - b)] for r, b in zip(rows, base)]
    assert result["total"] != result["baseline"]["total"]
    words = about(book)
    assert words["Scenario"] == ["2 interventions, applied in this order (in words, and as the command line "
                                 "writes them):"]
    assert words["Intervention 1"] == ["Total (TOTAL) made in World (TOTAL), delivered to final demand in World "
                                       "(TOTAL): +5 %",
                                       "product=TOTAL,origin=TOTAL,consumer=FD,consumer_region=TOTAL,change=5"]
    assert words["Intervention 2"][1] == "product=TOTAL,origin=AT,consumer=FD,consumer_region=TOTAL,change=-20"
    series, data = chart_data(book)
    assert series == ["Scenario", "Baseline"] and len(data) == 6
    by_code = {r["code"]: (r["value"], b) for r, b in zip(result["rows"], base)}
    assert [row[1:] for row in data] == sorted(([as_written(v) for v in by_code[c]] for c in SIX), reverse=True)


def test_series_one_line_per_row_and_year(client):
    job = finished(client, {**SMALL, "perspective": "consumption", "by": "region", "regions": SIX,
                            "years": [2011, 2012]})
    result, book = job["result"], workbook(client, job["id"])
    header, lines = table(book)
    assert header == ["code", "name", "level", "year", "value [kg]", "index_first_year_100"]
    want = []
    for code, name, level, values in [*((r["code"], r["name"], r["level"], r["values"]) for r in result["rows"]),
                                      (None, "Total of the selection", None, result["totals"])]:
        want += [[code, name, level, year, as_written(v), as_written(100 * v / values[0])]
                 for year, v in zip(result["years"], values)]
    assert lines == want
    series, data = chart_data(book)  # years down, a line per row: all six are drawn
    assert series == [f"{r['name']} ({r['code']})" for r in result["rows"]]
    assert data == [[str(year), *(as_written(r["values"][t]) for r in result["rows"])]
                    for t, year in enumerate(result["years"])]
    assert about(book)["Year 2011"] and about(book)["Year 2012"]


def test_decomposition_start_drivers_end(client):
    job = finished(client, {**SMALL, "perspective": "consumption", "by": "region", "regions": SIX[:3],
                            "decompose": [2011, 2012]})
    result, book = job["result"], workbook(client, job["id"])
    header, lines = table(book)
    # the drivers in the engine's order (the API's JSON sorts keys); the driver "level" (of final demand) is
    # not the column "level" (in the hierarchy)
    drivers = ["intensity", "structure", "mix", "level", "population"]
    assert sorted(drivers) == sorted(result["total"]["contributions"])
    assert header == ["code", "name", "level", "start [kg]", "intensity [kg]", "structure [kg]", "mix [kg]",
                      "final_demand_level [kg]", "population [kg]", "end [kg]", "start_year", "end_year"]
    assert lines == [[r["code"], r["name"], r["level"], as_written(r["start"]),
                      *(as_written(r["contributions"][d]) for d in drivers), as_written(r["end"]), 2011, 2012]
                     for r in [*result["rows"], result["total"]]]
    series, data = chart_data(book)
    headings = {"intensity": "Intensity", "structure": "Production structure", "mix": "Final-demand mix",
                "level": "Final-demand level", "population": "Population"}
    assert data == [[headings[d], as_written(result["total"]["contributions"][d])] for d in drivers]


@pytest.mark.parametrize("scenario", [False, True])
def test_flow_matrix_every_cell_and_its_grid(client, scenario):
    body = {**SMALL, "by": ["origin-region", "consumer-region"], "origin_regions": SIX[:3],
            "consumer_regions": SIX[3:]}
    job = finished(client, {**body, "interventions": [IV]} if scenario else body)
    result, book = job["result"], workbook(client, job["id"])
    assert book.sheetnames == ["Table", "Query", "Matrix"]
    header, lines = table(book)
    matrix = result["matrix"]
    cells = [[r["code"], r["name"], c["code"], c["name"], as_written(v)]
             for r, values in zip(matrix["rows"], matrix["values"]) for c, v in zip(matrix["columns"], values)]
    cells.append([None, "Total of the selection", None, None, as_written(result["total"])])
    if scenario:
        assert header == ["row_code", "row_name", "column_code", "column_name", "value [kg]",
                          "baseline_value [kg]", "difference [kg]"]
        base = [v for values in result["baseline"]["matrix"]["values"] for v in values] + [
            result["baseline"]["total"]]
        scenario_values = [v for values in matrix["values"] for v in values] + [result["total"]]
        cells = [c + [as_written(b), as_written(s - b)] for c, b, s in zip(cells, base, scenario_values)]
    else:
        assert header == ["row_code", "row_name", "column_code", "column_name", "value [kg]"]
    assert lines == cells and len(lines) == 3 * 3 + 1
    grid = [list(row) for row in book["Matrix"].iter_rows(min_row=3, values_only=True)]
    assert grid[0] == [None, *(f"{c['name']} ({c['code']})" for c in matrix["columns"])]
    assert grid[1:] == [[f"{r['name']} ({r['code']})", *numbers(values)]
                        for r, values in zip(matrix["rows"], matrix["values"])]
    assert book["Matrix"].conditional_formatting  # the colour scale
    words = about(book)
    assert words["breakdown"] == ["origin-region x consumer-region"] and words["origin_regions"] == ["AT JP MT"]


def test_flow_rows_with_the_direct_emissions_row(client):
    job = finished(client, {"dataset": "demo", "indicator": "emission_type1_air", "by": "final-product"})
    result, book = job["result"], workbook(client, job["id"])
    header, lines = table(book)
    assert header == ["code", "name", "level", "value [kg]"] and result["direct"] is True
    assert lines == [[r["code"], r["name"], r["level"], as_written(r["value"])] for r in result["rows"]] + [
        [None, "Total of the selection", None, as_written(result["total"])]]
    assert DIRECT in [line[0] for line in lines]
    words = about(book)
    assert words["unit"] == ["kg"] and words["direct_emissions_of_final_demand"] == ["included"]
    series, data = chart_data(book)
    assert sorted(row[1] for row in data) == sorted(numbers(r["value"] for r in result["rows"]))


def test_supply_chain_layers_paths_and_sensitivity(client):
    base = {**SMALL, "perspective": "consumption", "by": "region"}
    job = finished(client, {**base, "layers": 4})
    result, book = job["result"], workbook(client, job["id"])
    header, lines = table(book)
    assert header == ["tier", "code", "name", "level", "value [kg]"]
    want = [[layer["tier"], r["code"], r["name"], r["level"], as_written(r["value"])]
            for layer in result["layers"] for r in layer["rows"]]
    want += [[layer["tier"], None, "Tier total", None, as_written(layer["value"])] for layer in result["layers"]]
    assert lines == want + [["deeper", None, "Remainder: every deeper tier", None, as_written(result["remainder"])]]
    series, data = chart_data(book)
    assert data == [[f"Tier {k}", as_written(layer["value"])] for k, layer in enumerate(result["layers"])] + [
        ["Deeper", as_written(result["remainder"])]]

    job = finished(client, {**base, "paths": 5})
    result, book = job["result"], workbook(client, job["id"])
    header, lines = table(book)
    assert header == ["rank", "value [kg]", "share", "upstream [kg]", "depth", "stages_from_final_producer"]
    assert lines == [[k + 1, as_written(p["value"]), as_written(p["share"]), as_written(p["upstream"]),
                      len(p["stages"]) - 1, " > ".join(f"{s['region']} {s['product']}" for s in p["stages"])]
                     for k, p in enumerate(result["paths"])]
    assert book.sheetnames == ["Table", "Query"]  # no spreadsheet chart stands in for the tree of paths
    assert about(book)["Analysis"][0].startswith(f"RaMa-Scene analysis {job['number']}: The largest supply-chain "
                                                 "paths: Consumption-based")
    assert "SVG" in about(book)["Chart"][0] and "cannot draw" in about(book)["Chart"][0]

    job = finished(client, {**base, "sensitivity": 4})
    result, book = job["result"], workbook(client, job["id"])
    header, lines = table(book)
    assert header == ["kind", "origin_region", "origin_product", "consumer_region", "consumer_product", "elasticity"]
    assert lines == [["coefficient", c["origin"]["region"], c["origin"]["product"], c["consumer"]["region"],
                      c["consumer"]["product"], as_written(c["elasticity"])] for c in result["cells"]] + [
        ["intensity", c["region"], c["product"], None, None, as_written(c["elasticity"])]
        for c in result["intensities"]]
    series, data = chart_data(book)
    assert [row[1] for row in data] == numbers(c["elasticity"] for c in result["cells"])


def test_formula_like_labels_come_out_as_text_never_as_formulas(hostile_client):  # noqa: F811
    job_id = analysis(hostile_client, by="region", interventions=[
        {"product": "-2+3", "origin": REGIONS[0][0], "consumer": "FD", "consumer_region": "TOTAL",
         "change_pct": -10}])
    result = hostile_client.get(f"/api/v1/analyses/{job_id}").get_json()["result"]
    book = workbook(hostile_client, job_id)
    header, lines = table(book)
    # the labels whole, as the API gives them (no apostrophe: the cell's quote prefix does its work)
    assert [line[:2] for line in lines[:-1]] == [[r["code"], r["name"]] for r in result["rows"]]
    assert {line[1] for line in lines[:-1]} == {SCRIPT, "@SUM(1)", "Total"}
    assert header[3] == "value [@unit]"
    prefixed = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    assert cell.quotePrefix == formula_like(cell.value), (sheet.title, cell.coordinate, cell.value)
                    prefixed += cell.quotePrefix
    assert prefixed >= 8  # codes, labels, the indicator, the unit, the selections
    words = about(book)
    assert words["indicator"] == ["=ind"] and words["Unit"] == ["@unit"]
    assert words["Intervention 1"][1].startswith("product=-2+3,origin==HYPERLINK")
    # control characters are written as the format escapes them (_x000D_), which openpyxl leaves as they are
    products = workbook(hostile_client, analysis(hostile_client, by="product"))
    assert [[unescape(c), unescape(n)] for c, n, *_ in table(products)[1][:-1]] == [
        *([c, n] for c, n in PRODUCTS), ["TOTAL", "Total"]]


def test_another_owners_or_an_unfinished_or_failed_job_is_not_found(shared_app, shared_store, tmp_path):
    mine, theirs = shared_app.test_client(), shared_app.test_client()
    mine.get("/")
    theirs.get("/")
    job = finished(mine, {**SMALL, "perspective": "consumption", "by": "region"})
    assert mine.get(f"/analyses/{job['id']}.xlsx").status_code == 200
    assert theirs.get(f"/analyses/{job['id']}.xlsx").status_code == 404
    assert mine.get(f"/analyses/{'0' * 32}.xlsx").status_code == 404
    assert mine.get("/analyses/1.xlsx").status_code == 404
    waiting = make_app(shared_store.root, tmp_path / "queued", HUEY_IMMEDIATE=False).test_client()
    waiting.get("/")
    queued = waiting.post("/api/v1/analyses", json={**SMALL, "perspective": "consumption", "by": "region"})
    assert waiting.get(queued.get_json()["url"]).get_json()["status"] == "queued"
    assert waiting.get(f"/analyses/{queued.get_json()['id']}.xlsx").status_code == 404
    failed = finished(mine, {**SMALL, "perspective": "consumption", "by": "product"})
    with shared_app.app_context():
        row = db.session.scalar(db.select(Job).where(Job.public_id == failed["id"]))
        row.status, row.result, row.error = "failed", None, "the worker stopped"
        db.session.commit()
    assert mine.get(f"/analyses/{failed['id']}.xlsx").status_code == 404


def test_a_dataset_imported_again_or_gone_since_the_result_is_said_so(app):
    store = Store(app.config["STORE_PATH"])
    store.write("demo", demo_source())
    client = app.test_client()
    client.get("/")
    job = finished(client, {"dataset": "demo", "indicator": "emission_type1_air", "perspective": "consumption",
                            "by": "region"})
    assert "imported again" not in about(workbook(client, job["id"]))["Year 2011"][0]
    time.sleep(1.1)  # import times are kept to the second
    store.write("demo", demo_source())
    year = about(workbook(client, job["id"]))["Year 2011"][0]
    assert year.endswith("(imported again since this result was made: the result holds the earlier import's "
                         "numbers)")
    page = client.get(f"/analyses/{job['id']}").get_data(as_text=True)
    assert "imported again since this result was made" in page
    store.delete("demo")  # a result outlives its dataset, and says so
    words = about(workbook(client, job["id"]))
    assert words["Source"] == ["No longer in the store, so its source, version and licence are not known here."]
    assert "Year 2011" not in words and "Licence" not in words
    page = client.get(f"/analyses/{job['id']}").get_data(as_text=True)
    assert "Dataset demo: no longer in the store, so its source is not known here." in page
