"""Pages and fragments: the form, the no-JavaScript flow, htmx fragments, downloads, ownership."""

import csv
import io
import re
from html import unescape

import pytest
from werkzeug.datastructures import MultiDict

from app.engine import Query
from app.web import ClosedWhenSent

FORM = [("dataset", "demo"), ("year", "2011"), ("indicator", "emission_type1_air"),
        ("perspective", "consumption"), ("by", "region"),
        ("products", "food"), ("products", "mining"), ("regions", "reg1"), ("regions", "TOTAL")]


def submit(client, fields=FORM, htmx=False):
    return client.post("/analyses", data=MultiDict(fields), headers={"HX-Request": "true"} if htmx else {})


def submitted(client, fields=FORM) -> str:
    """Submit without JavaScript; the new analysis's public id, from the 303's Location."""
    response = submit(client, fields)
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[1]


def table_values(html: str) -> list[float]:
    return [float(v) for v in re.findall(r'data-value="([^"]+)"', html)]


def test_page_has_the_form_with_help_and_pickers(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Vary" in response.headers and "HX-Request" in response.headers["Vary"]
    for field in ("f-dataset", "f-year", "f-indicator", 'name="by"', 'name="by2"', "f-direct", "f-per",
                  "f-origin_regions", "f-origin_products", "f-consumer_regions", "f-final_products"):
        assert field in html
    assert html.count('class="help"') >= 11
    assert 'value="emission_type1_air"' in html and "[kg]" in html
    # every node once in each picker of its tree: 8 products and 6 regions under TOTAL in the demo
    for field, nodes in (("origin_products", 9), ("final_products", 9), ("origin_regions", 7), ("consumer_regions", 7)):
        assert html.count(f'<input type="checkbox" name="{field}"') == nodes
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_without_javascript_submit_redirects_to_the_analysis_page(client, engine):
    response = submit(client)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/analyses/[0-9a-f]{32}", location)
    page = client.get(location).get_data(as_text=True)
    want = engine.answer(Query("demo", "emission_type1_air", "consumption", "region", year=2011,
                               products=("food", "mining"), regions=("reg1", "TOTAL")))
    assert table_values(page) == [r.value for r in want.rows] + [want.total]
    assert 'http-equiv="refresh"' not in page  # done: no more refreshing
    assert 'role="img"' in page and "<title>" in page
    assert "caused by the final demand for food (food), mining (mining)" in page


def test_a_queued_analysis_page_refreshes_itself(shared_store, tmp_path):
    from .conftest import make_app

    app = make_app(shared_store.root, tmp_path, HUEY_IMMEDIATE=False)
    client = app.test_client()
    client.get("/")
    response = submit(client)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="1">' in page and "Queued:" in page


def test_htmx_submit_answers_with_a_fragment(client):
    response = submit(client, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'hx-swap-oob="innerHTML:#announce"' in html and "Analysis 1" in html
    job = re.search(r'data-job="([0-9a-f]{32})"', html).group(1)
    panel = client.get(f"/analyses/{job}?side=a", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert panel.startswith('<section id="panel-a"') and "<html" not in panel


@pytest.mark.parametrize("change, field, message", [
    (("year", "1990"), "year", "Year 1990 is not in dataset"),
    (("year", "soon"), "year", "Choose a year from the list."),
    (("products", "nonsense"), "products", "Unknown product code 'nonsense'"),
    (("indicator", "gold"), "indicator", "No indicator 'gold'"),
    (("perspective", "sideways"), "perspective", "must be one of"),
    (("dataset", "../etc"), "dataset", "No dataset named"),
])
def test_invalid_form_input_is_refused_with_the_message_beside_the_field(client, change, field, message):
    fields = [(k, v) for k, v in FORM if k != change[0]] + [change]
    for htmx in (False, True):
        response = submit(client, fields, htmx=htmx)
        html = unescape(response.get_data(as_text=True))
        assert response.status_code == 422
        assert message in html
        assert f'id="e-{field}"' in html or 'class="error-summary"' in html
    assert "Analysis 1" not in client.get("/").get_data(as_text=True)  # nothing was written
    with client.application.app_context():
        from app.extensions import db
        from app.models import Job

        assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0


def test_a_whole_level_can_be_chosen_without_javascript(client):
    fields = [(k, v) for k, v in FORM if k != "regions"] + [("regions", "TOTAL"), ("regions_level", "1")]
    response = submit(client, fields)
    assert response.status_code == 303
    job = client.get("/api/v1" + response.headers["Location"]).get_json()
    assert job["query"]["regions"] == ["reg1", "reg2", "reg3", "reg4", "reg5", "reg6"]


def test_another_session_cannot_see_or_delete_a_job(shared_app):
    mine, theirs = shared_app.test_client(), shared_app.test_client()
    mine.get("/")
    response = submit(mine)
    assert response.status_code == 303
    job = response.headers["Location"].rsplit("/", 1)[1]
    for path in (f"/analyses/{job}", f"/analyses/{job}.csv", f"/analyses/{job}.svg", f"/analyses/{job}.xlsx",
                 f"/?a={job}", f"/?b={job}",
                 f"/api/v1/analyses/{job}"):
        assert theirs.get(path).status_code == 404, path
    assert theirs.post(f"/analyses/{job}/delete").status_code == 404
    assert theirs.delete(f"/api/v1/analyses/{job}").status_code == 404
    theirs.post("/analyses/delete")
    assert mine.get(f"/analyses/{job}").status_code == 200
    assert "#1" not in theirs.get("/").get_data(as_text=True).split('id="queue-list"')[1]


def test_csv_download_has_the_query_on_every_row(client, engine):
    job = submitted(client)
    response = client.get(f"/analyses/{job}.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    want = engine.answer(Query("demo", "emission_type1_air", "consumption", "region", year=2011,
                               products=("food", "mining"), regions=("reg1", "TOTAL")))
    assert [r["code"] for r in rows] == ["reg1", "TOTAL", ""]
    assert [float(r["value"]) for r in rows] == [r.value for r in want.rows] + [want.total]
    for row in rows:
        assert (row["unit"], row["dataset"], row["year"], row["indicator"], row["perspective"], row["breakdown"]) == (
            "kg", "demo", "2011", "emission_type1_air", "consumption", "region")


def test_svg_download_is_an_accessible_chart(client):
    job = submitted(client)
    response = client.get(f"/analyses/{job}.svg")
    svg = response.get_data(as_text=True)
    assert response.mimetype == "image/svg+xml"
    assert svg.startswith("<?xml") and 'role="img"' in svg and "aria-labelledby" in svg
    assert svg.count("<title") == 1 + 2  # the chart's own and one per bar
    assert "reg1 reg1:" in svg and "kg" in svg


def test_treemap_and_world_map_kinds(client):
    fields = [("dataset", "small"), ("year", "2012"), ("indicator", "ghg"), ("perspective", "production"),
              ("by", "product"), ("products", "A"), ("products", "C"), ("products", "D"), ("regions", "TOTAL")]
    job = submitted(client, fields)
    treemap = client.get(f"/analyses/{job}.svg").get_data(as_text=True)
    assert treemap.count('class="cell"') == 3 and "Treemap of 3 product rows" in treemap
    fields = [(k, v) for k, v in fields if k not in ("by", "regions")] + [
        ("by", "region"), ("regions", "Europe"), ("regions", "JP"), ("regions", "WM")]
    job = submitted(client, fields)
    world = client.get(f"/analyses/{job}.svg").get_data(as_text=True)
    assert "World map of 3 region rows in kg CO2-eq" in world
    assert world.count("<path") > 150  # the download carries the outlines
    groups = dict(re.findall(r"<title>(\w+) [^<]*</title>((?:<use [^>]*>)*)</g>", world))
    assert '#fr"' in groups["Europe"] and '#jp"' in groups["JP"]
    assert '#sa"' in groups["WM"]  # a rest-of-world region colours all its countries
    assert '#us"' not in world and '#de"' not in world and '#aq"' not in world  # not in the selection


def test_delete_one_and_all(client):
    first, second, third = (submitted(client) for _ in range(3))
    assert client.post(f"/analyses/{second}/delete").status_code == 303
    assert client.get(f"/analyses/{second}").status_code == 404
    fragment = client.post(f"/analyses/{third}/delete", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Analysis 3 deleted" in fragment
    assert client.get(f"/analyses/{first}").status_code == 200
    assert client.post("/analyses/delete").status_code == 303
    assert client.get(f"/analyses/{first}").status_code == 404


def test_two_years_side_by_side_show_the_difference_per_row(client, engine):
    base = [("dataset", "small"), ("indicator", "co2"), ("perspective", "consumption"), ("by", "product"),
            ("products", "A"), ("products", "D"), ("regions", "Europe")]
    first = submitted(client, base + [("year", "2011")])
    second = submitted(client, base + [("year", "2012")])
    html = client.get(f"/analyses/{second}?side=b&against={first}",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Difference: analysis 2 (2012) minus analysis 1 (2011)" in html
    selection = {"products": ("A", "D"), "regions": ("Europe",)}
    a = engine.answer(Query("small", "co2", "consumption", "product", year=2011, **selection))
    b = engine.answer(Query("small", "co2", "consumption", "product", year=2012, **selection))
    from app.charts import format_value
    for ra, rb in zip(a.rows, b.rows):
        assert format_value(rb.value - ra.value) in html
    page = client.get(f"/?a={first}&b={second}").get_data(as_text=True)
    assert "Difference: analysis 2 (2012) minus analysis 1 (2011)" in page
    # different views are shown side by side without a difference
    third = submitted(client, [(k, v) for k, v in base if k != "indicator"] + [("indicator", "ch4"), ("year", "2012")])
    assert "Difference" not in client.get(f"/?a={first}&b={third}").get_data(as_text=True)


def test_page_weight_and_vendored_assets(client):
    """The main page with htmx, its websocket extension, CSS and JS stays under 118 KB uncompressed."""
    import hashlib
    from pathlib import Path

    html = client.get("/").get_data()
    assets = re.findall(rb'(?:href|src)="(/static/[^"?]+\.(?:css|js)(?:\?v=[0-9a-f]{12})?)"', html)
    assert len(assets) == 7  # app, charts and picker CSS; htmx, its websocket extension, app and picker JS
    total = len(html)
    for asset in assets:
        with client.get(asset.decode()) as response:
            total += len(response.get_data())
    # four pickers since the origin -> destination form (two before: 100 KB); the print rules (2.9 KB) and the
    # share links' since issue 15 (115.2 KB then)
    assert total <= 118_000
    vendor = Path(__file__).parent.parent / "static" / "vendor"
    # pinned, unmodified upstream files (htmx.org 2.0.11, htmx-ext-ws 2.0.4 from the npm registry)
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in vendor.glob("*.js")}
    assert digests == {
        "htmx-2.0.11.min.js": "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717",
        "htmx-ext-ws-2.0.4.min.js": "896afc2936ded7a56373edf16ce75b0fe9bf49c03d1f55aee9baa94cb87c8d3e",
    }
    assert (vendor / "htmx-LICENSE").is_file() and (vendor / "htmx-ext-ws-LICENSE").is_file()


class _Body:
    """A response body that records whether it was closed (a static file's wrapper, say)."""

    def __init__(self, chunks):
        self.chunks, self.closed = chunks, 0

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        self.closed += 1


def test_a_response_is_closed_once_its_last_chunk_is_sent_even_if_the_server_never_closes_it():
    body = _Body([b"a", b"b"])
    sent = ClosedWhenSent(lambda environ, start_response: body)({}, None)
    assert list(sent) == [b"a", b"b"]
    assert body.closed == 1  # before the server's own close, which a reset connection skips
    sent.close()
    assert body.closed == 1  # and the server's close does not close it twice


def test_a_response_abandoned_midway_is_closed_when_the_server_closes_it():
    body = _Body([b"a", b"b"])
    sent = ClosedWhenSent(lambda environ, start_response: body)({}, None)
    chunks = iter(sent)
    assert next(chunks) == b"a"
    assert body.closed == 0
    sent.close()
    assert body.closed == 1
