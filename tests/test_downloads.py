"""Downloads of data with hostile labels: CSV cells no spreadsheet runs, SVG that stays well-formed XML,
pages that show the labels escaped, and caching headers on every kind of response."""

import csv
import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from app.engine import Store
from app.engine.compiling import Source, SourceYear
from app.engine.hierarchy import flat_tree
from app.exports import spreadsheet_safe

from .conftest import make_app

# Formula-like labels, as found in real downloads, plus markup and an XML-invalid control character.
SCRIPT = "<script>alert(1)</script>"
REGIONS = [('=HYPERLINK("http://evil.example/","x")', SCRIPT), ("+cmd|' /C calc'!A0", "@SUM(1)")]
PRODUCTS = [("-2+3", "=1+1"), ("\tlead", " =cmd|' /C calc'!A0"), ("\uff1d1", "]]></title><svg onload=x>"),
            ("@p", "\rcr\x0b")]
INDICATOR = {"code": "=ind", "name": "+Name & <b>", "unit": "@unit", "parent": None, "group": "x"}
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?")  # how Python writes a float or int
STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def hostile_source(regions) -> Source:
    n = len(regions) * len(PRODUCTS)

    def year():
        rng = np.random.default_rng(1)
        return SourceYear(year=2011, A=rng.uniform(0, 0.1, (n, n)), Y=rng.uniform(1, 10, (n, len(regions))),
                          S=rng.uniform(0, 1, (1, n)))

    return Source(regions=[c for c, _ in regions], products=[c for c, _ in PRODUCTS],
                  region_tree=flat_tree([c for c, _ in regions], [name for _, name in regions]),
                  product_tree=flat_tree([c for c, _ in PRODUCTS], [name for _, name in PRODUCTS]),
                  indicators=[dict(INDICATOR)], years=[(2011, year)])


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("hostile-store"))
    store.write("hostile", hostile_source(REGIONS))
    # EXIOBASE region codes with hostile names: drawn as a world map
    store.write("hostile-map", hostile_source([("AT", SCRIPT), ("DE", "=2*3")]))
    return store


@pytest.fixture()
def hostile_client(hostile_store, tmp_path):
    client = make_app(hostile_store.root, tmp_path).test_client()
    client.get("/")
    return client


def analysis(client, dataset="hostile", by="product", interventions=None):
    tree = REGIONS if dataset == "hostile" else [("AT", ""), ("DE", "")]
    body = {"dataset": dataset, "indicator": "=ind", "perspective": "consumption", "by": by,
            "products": [c for c, _ in PRODUCTS] + ["TOTAL"], "regions": [c for c, _ in tree] + ["TOTAL"]}
    if interventions:
        body["interventions"] = interventions
    response = client.post("/api/v1/analyses", json=body)
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def assert_no_cell_runs(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows:
        for cell in row:
            if NUMBER.fullmatch(cell):
                continue
            assert not cell.startswith(STARTS) and not cell.lstrip().startswith(STARTS), cell
    return rows


@pytest.mark.parametrize("text, safe", [
    ("=HYPERLINK(1)", "'=HYPERLINK(1)"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("@SUM(1)", "'@SUM(1)"),
    ("-2+3", "'-2+3"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("\uff1d1", "'\uff1d1"), ("\uff0b1", "'\uff0b1"),
    ("\uff0d1", "'\uff0d1"), ("\uff201", "'\uff201"), ("  =1", "'  =1"), ("\u3000=1", "'\u3000=1"),
    ("a=b", "a=b"), ("Total", "Total"), ("", ""), ("kg CO2-eq", "kg CO2-eq"), ("'quoted", "'quoted"),
])
def test_spreadsheet_safe(text, safe):
    assert spreadsheet_safe(text) == safe


def test_csv_neutralises_every_formula_like_text_cell_and_keeps_numbers(hostile_client):
    ids = [analysis(hostile_client, by="product"), analysis(hostile_client, by="region"),
           analysis(hostile_client, by="region", interventions=[
               {"product": "-2+3", "origin": REGIONS[0][0], "consumer": "FD", "consumer_region": "TOTAL",
                "change_pct": -10}])]
    for job_id in ids:
        job = hostile_client.get(f"/api/v1/analyses/{job_id}").get_json()
        assert job["status"] == "done"
        text = hostile_client.get(f"/analyses/{job_id}.csv").get_data(as_text=True)
        rows = assert_no_cell_runs(text)
        header, body = rows[0], rows[1:]
        data = [dict(zip(header, row)) for row in body]
        # the labels come back whole behind the apostrophe
        want = [(spreadsheet_safe(r["code"]), spreadsheet_safe(r["name"])) for r in job["result"]["rows"]]
        assert [(d["code"], d["name"]) for d in data[:-1]] == want
        assert [float(d["value"]) for d in data] == [r["value"] for r in job["result"]["rows"]] + [
            job["result"]["total"]]
        for d in data:
            assert (d["unit"], d["indicator"], d["year"]) == ("'@unit", "'=ind", "2011")
            assert d["products"] == "'-2+3 \tlead \uff1d1 @p TOTAL"
        # numbers are written bare, text quoted: a spreadsheet reads the one as numbers, the other as text
        first = text.splitlines()[1]
        assert f',{job["result"]["rows"][0]["value"]!r},' in first and first.startswith('"')
    assert {d["name"] for d in data[:-1]} == {SCRIPT, "'@SUM(1)", "Total"}
    assert data[0]["interventions"].startswith("product=-2+3,origin==HYPERLINK")
    assert float(data[0]["difference"]) == pytest.approx(float(data[0]["value"]) - float(data[0]["baseline_value"]))


def test_cli_csv_neutralises_the_same_cells(hostile_store, tmp_path):
    runner = make_app(hostile_store.root, tmp_path).test_cli_runner()
    result = runner.invoke(args=["query", "--dataset", "hostile", "--indicator", "=ind", "--perspective",
                                 "production", "--by", "product", "--format", "csv"]
                           + [f"--products={c}" for c, _ in PRODUCTS])
    assert result.exit_code == 0, result.output
    rows = assert_no_cell_runs(result.stdout)
    assert [r[0] for r in rows[1:]] == ["'-2+3", "'\tlead", "'\uff1d1", "'@p", ""]
    assert all(r[4] == "'@unit" for r in rows[1:])


def svg_tree(client, job_id):
    response = client.get(f"/analyses/{job_id}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.get_data())  # well-formed XML, or this raises
    for element in root.iter():
        assert not element.tag.endswith(("script", "foreignObject")), element.tag
        assert not any(name.lower().startswith("on") for name in element.attrib), element.attrib
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return [element.text or "" for element in root.iter("{http://www.w3.org/2000/svg}title")]


def test_svg_downloads_escape_labels_as_xml(hostile_client):
    treemap = svg_tree(hostile_client, analysis(hostile_client, by="product"))
    assert any("]]></title><svg onload=x>" in t for t in treemap)
    assert any("-2+3 =1+1" in t for t in treemap)
    bars = svg_tree(hostile_client, analysis(hostile_client, by="region"))
    assert any(SCRIPT in t for t in bars) and any("@unit" in t for t in bars)
    world = svg_tree(hostile_client, analysis(hostile_client, dataset="hostile-map", by="region"))
    assert any(f"AT {SCRIPT}" in t for t in world) and any("DE =2*3" in t for t in world)


def test_pages_show_labels_escaped(hostile_client):
    job_id = analysis(hostile_client, by="region")
    for path in (f"/analyses/{job_id}", "/?dataset=hostile", f"/?a={job_id}", "/scenarios?dataset=hostile"):
        html = hostile_client.get(path).get_data(as_text=True)
        assert SCRIPT not in html and "<svg onload" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    html = hostile_client.get(f"/analyses/{job_id}").get_data(as_text=True)
    assert "+Name &amp; &lt;b&gt;" in html and "=HYPERLINK(&#34;http://evil.example/&#34;,&#34;x&#34;)" in html
