"""Series and decompositions on the page: the form's first and last year, the series' chart, table, index
view and CSV, "Explain the change" beside a series and beside two years of one view, and bad input."""

import csv
import io
import re
from html import unescape

import pytest
from werkzeug.datastructures import MultiDict

from app.engine import FlowQuery, answer_any, parse_query

from .test_flow_pages import cells, done_job, job_count

FORM = [("dataset", "small"), ("year", "2012"), ("indicator", "co2"), ("by", "consumer-region"), ("by2", ""),
        ("per", ""), ("direct", "on"), ("origin_regions", "TOTAL"), ("origin_products", "TOTAL"),
        ("final_products", "TOTAL")]


def regions(app) -> list[str]:
    with app.app_context():
        return app.extensions["engine"].dataset("small").regions.leaf_codes()[:3]


def submitted(client, fields) -> str:
    response = client.post("/analyses", data=MultiDict(fields))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response.headers["Location"]


def test_a_series_from_the_form_shows_lines_years_growth_and_an_index(shared_app):
    client = shared_app.test_client()
    codes = regions(shared_app)
    fields = FORM + [("consumer_regions", c) for c in codes] + [("year_from", "2011"), ("year_to", "2012")]
    url = submitted(client, fields)
    html = client.get(url).get_data(as_text=True)
    body = unescape(html)
    assert "each year from 2011 to 2012" in body
    assert '<th scope="col" class="num">2011</th><th scope="col" class="num">2012</th>' in html
    assert "Growth a year" in body and 'class="chart' in html and "Line chart of 3 rows" in body
    with shared_app.app_context():
        want = answer_any(shared_app.extensions["engine"], parse_query(
            {"dataset": "small", "indicator": "co2", "by": ["consumer-region"], "consumer_regions": codes,
             "years": [2011, 2012]})).to_dict()
    values = cells(html)
    assert values[:2] == pytest.approx(want["rows"][0]["values"], rel=1e-12)
    assert "Explain the change" in html
    # the index view: every row's first year is 100
    index = client.get(url + "?scale=index").get_data(as_text=True)
    first_cells = re.findall(r'<tr><td>[^<]+</td><td>[^<]+</td><td class="num" data-value="[^"]+">([^<]+)</td>', index)
    assert first_cells and set(first_cells) == {"100"}
    # CSV: one line per (row, year), the total's lines too, numbers bare
    job_id = url.rsplit("/", 1)[1]
    lines = list(csv.reader(io.StringIO(client.get(f"/analyses/{job_id}.csv").get_data(as_text=True))))
    assert lines[0][:5] == ["code", "name", "level", "year", "value"] and len(lines) == 1 + (3 + 1) * 2
    assert float(lines[1][4]) == pytest.approx(want["rows"][0]["values"][0], rel=1e-12)
    svg = client.get(f"/analyses/{job_id}.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data


def test_explain_the_change_of_a_series_queues_its_decomposition(shared_app):
    client = shared_app.test_client()
    codes = regions(shared_app)
    fields = FORM + [("consumer_regions", c) for c in codes] + [("year_from", "2011"), ("year_to", "2012")]
    job_id = submitted(client, fields).rsplit("/", 1)[1]
    response = client.post(f"/analyses/{job_id}/explain")
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    body = unescape(html)
    assert "what drove the change from 2011 to 2012" in body
    assert "Intensity</th>" in html and "Final-demand level</th>" in html
    assert "in current prices" in body and "By driver, as shares of 2011" in body
    with shared_app.app_context():
        want = answer_any(shared_app.extensions["engine"], parse_query(
            {"dataset": "small", "indicator": "co2", "by": ["consumer-region"], "consumer_regions": codes,
             "decompose": [2011, 2012]})).to_dict()
    contributions = cells(html, "contribution")
    names = list(want["rows"][0]["contributions"])
    assert contributions[:len(names)] == pytest.approx([want["rows"][0]["contributions"][n] for n in names],
                                                       rel=1e-12)
    lines = list(csv.reader(io.StringIO(client.get(response.headers["Location"] + ".csv").get_data(as_text=True))))
    assert lines[0][:5] == ["code", "name", "level", "start", "intensity"] and len(lines) == 1 + 3 + 1


def test_explain_beside_two_years_of_one_view_and_refused_across_datasets(shared_app):
    client = shared_app.test_client()
    codes = tuple(regions(shared_app))
    view = FlowQuery("small", "co2", ("consumer-region",), consumer_regions=codes)
    a = done_job(shared_app, client, FlowQuery(**{**vars(view), "year": 2011}))
    b = done_job(shared_app, client, FlowQuery(**{**vars(view), "year": 2012}))
    panel = client.get(f"/analyses/{b}?side=b&against={a}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Explain the change" in panel and "from 2011 to 2012" in panel
    response = client.post(f"/analyses/{b}/explain", data={"against": a})
    assert response.status_code == 303
    html = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "what drove the change from 2011 to 2012" in html
    other = done_job(shared_app, client, FlowQuery("demo", "emission_type1_air", ("consumer-region",), year=2011))
    panel = unescape(client.get(f"/analyses/{b}?side=b&against={other}",
                                headers={"HX-Request": "true"}).get_data(as_text=True))
    assert "not for this result, the two analyses use different datasets" in panel
    before = job_count(shared_app)
    refused = client.post(f"/analyses/{b}/explain", data={"against": other})
    assert refused.status_code in (400, 422) and "different datasets" in unescape(refused.get_data(as_text=True))
    same = client.post(f"/analyses/{b}/explain", data={"against": b})
    assert same.status_code in (400, 422)
    alone = client.post(f"/analyses/{b}/explain")
    assert alone.status_code in (400, 422)
    assert job_count(shared_app) == before


@pytest.mark.parametrize("years, anchor, words", [
    ([("year_from", "2012"), ("year_to", "2011")], "f-year_to", "comes before the first"),
    ([("year_from", "2011"), ("year_to", "2011")], "f-year_to", "two different years"),
    ([("year_from", "2011"), ("year_to", "")], "f-year_to", "both the first and the last year"),
    ([("year_from", ""), ("year_to", "2012")], "f-year_from", "both the first and the last year"),
    ([("year_from", "1990"), ("year_to", "2012")], "f-year_to", "outside dataset"),
    ([("year_from", "٢٠١١"), ("year_to", "2012")], "f-year_from", "choose a first year"),
])
def test_bad_years_are_a_422_naming_the_field_and_queue_nothing(shared_app, years, anchor, words):
    client = shared_app.test_client()
    before = job_count(shared_app)
    response = client.post("/analyses", data=MultiDict(FORM + [("consumer_regions", "TOTAL")] + years))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert f'href="#{anchor}"' in html and words in html.casefold(), re.findall(r'class="error">[^<]+', html)
    assert job_count(shared_app) == before
