"""Bookmarkable queries: a workspace URL with the form's fields opens the form filled in, a submit pushes
that URL, run=1 asks before it queues anything, and hostile URLs get field errors or a 400, never a 500."""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from app.bookmarks import url_of
from app.extensions import db
from app.models import Job

from .conftest import make_app
from .test_security import hostile_forms

HTMX = {"HX-Request": "true"}
AXES = ("origin_regions", "origin_products", "consumer_regions", "final_products")


class FormFields(HTMLParser):
    """What a browser would post for one form of a page: hidden and text inputs, ticked boxes, the chosen
    option of each select (its first when none is marked, as browsers do)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self.select = self.option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name") and (a.get("type") != "checkbox" or "checked" in a):
            self.fields.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "select":
            self.select = {"name": a["name"], "first": None, "chosen": None}
        elif tag == "option" and self.select is not None:
            self.option = {"value": a.get("value"), "text": "", "selected": "selected" in a}

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "option" and self.option is not None:
            value = self.option["value"] if self.option["value"] is not None else self.option["text"].strip()
            self.select["first"] = self.select["first"] if self.select["first"] is not None else value
            if self.option["selected"]:
                self.select["chosen"] = value
            self.option = None
        elif tag == "select" and self.select is not None:
            self.fields.append((self.select["name"], self.select["chosen"] or self.select["first"]))
            self.select = None


def form_fields(html: str, form_id: str = "query-form") -> MultiDict:
    parser = FormFields(form_id)
    parser.feed(html)
    return MultiDict(parser.fields)


def jobs(app) -> list[dict]:
    with app.app_context():
        return [job.query for job in db.session.scalars(db.select(Job).order_by(Job.id))]


def error_summary(html: str) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</ul>', html, re.S)
    return re.findall(r'<a href="#f-([^"]+)">', summary.group(0)) if summary else []


@pytest.fixture()
def app(shared_store, tmp_path):
    return make_app(shared_store.root, tmp_path, SUBMIT_RATE_LIMIT="1000 per minute",
                    SUBMIT_RATE_LIMIT_PER_ADDRESS="1000 per minute")


@pytest.fixture()
def client(app):
    client = app.test_client()
    client.get("/")
    return client


def test_a_url_opens_the_form_filled_in(client):
    url = ("/?dataset=small&year=2011&indicator=co2&by=origin-region&by2=final-product&per=value-added"
           "&direct=off&origin_regions=Europe&origin_regions=JP&origin_products_level=1&final_products=p01.a")
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    fields = form_fields(html)
    assert [fields[key] for key in ("dataset", "year", "indicator", "by", "by2", "per", "year_from", "year_to")] == \
        ["small", "2011", "co2", "origin-region", "final-product", "value-added", "", ""]
    assert "direct" not in fields
    assert fields.getlist("origin_regions") == ["Europe", "JP"]
    assert fields.getlist("origin_products") == ["A", "C", "D", "E", "I", "J", "M", "O", "Q"]  # the level, ticked
    assert fields.getlist("consumer_regions") == ["TOTAL"] and fields.getlist("final_products") == ["p01.a"]
    assert error_summary(html) == []
    # the origin side is open, since it chooses something
    assert '<details class="field axis-group origin" open>' in html


def test_a_url_leaves_out_what_keeps_the_default_and_the_classic_fields_are_read(client):
    fields = form_fields(client.get("/?dataset=small&by=consumer-region").get_data(as_text=True))
    assert [fields[key] for key in ("year", "indicator", "by", "direct")] == ["2012", "value_added",
                                                                             "consumer-region", "on"]
    assert [fields.getlist(axis) for axis in AXES] == [["TOTAL"]] * 4
    # the issue's own example, in the classic form's fields: the current form, asking the same
    html = client.get("/?dataset=demo&indicator=emission_type1_air&perspective=production&by=product"
                      "&regions=reg1&regions=reg3").get_data(as_text=True)
    fields = form_fields(html)
    assert [fields["by"], fields["indicator"], fields.getlist("origin_regions"), fields.getlist("final_products")] \
        == ["origin-product", "emission_type1_air", ["reg1", "reg3"], ["TOTAL"]]
    assert fields["direct"] == "on"
    html = client.get("/?dataset=demo&perspective=consumption&by=region&direct=off").get_data(as_text=True)
    fields = form_fields(html)
    assert fields["by"] == "consumer-region" and "direct" not in fields


def test_a_url_without_a_query_is_the_blank_workspace(client):
    def fields(url):
        response = client.get(url)
        assert response.status_code == 200
        return [field for field in form_fields(response.get_data(as_text=True)).items(multi=True)
                if field[0] != "csrf_token"]  # signed with the time: it changes from one second to the next

    blank = fields("/")
    assert ("by", "final-product") in blank and ("direct", "on") in blank
    for url in ("/?dataset=demo", "/?sort=value", "/?dataset=demo&rows=all"):
        assert fields(url) == blank


# each a form as the page posts it (the same field order), a query the form can ask
SUBMITTED = {
    "matrix, per value added, without direct emissions, all four axes": [
        ("dataset", "small"), ("year", "2011"), ("year_from", ""), ("year_to", ""), ("indicator", "ghg"),
        ("consumer_regions", "Europe"), ("consumer_regions", "JP"), ("final_products", "p01"),
        ("final_products", "p10.h"), ("origin_regions", "FR"), ("origin_products", "C"), ("by", "origin-region"),
        ("by2", "consumer-region"), ("per", "value-added")],
    "a series of one view": [
        ("dataset", "small"), ("year", "2012"), ("year_from", "2011"), ("year_to", "2012"), ("indicator", "co2"),
        ("consumer_regions", "TOTAL"), ("final_products", "A"), ("final_products", "D"), ("origin_regions", "TOTAL"),
        ("origin_products", "TOTAL"), ("by", "final-product"), ("by2", ""), ("direct", "on"), ("per", "")],
    "every product at its finest level": [
        ("dataset", "demo"), ("year", "2011"), ("indicator", "value_added"),
        ("consumer_regions", "reg2"), *[("final_products", p) for p in ("food", "mining", "manufactoring",
                                                                          "electricity", "construction", "trade",
                                                                          "transport", "other")],
        ("origin_regions", "TOTAL"), ("origin_products", "TOTAL"), ("by", "final-product"), ("by2", ""),
        ("direct", "on"), ("per", "")],
    "the classic form": [
        ("dataset", "small"), ("year", "2012"), ("indicator", "employment"), ("perspective", "production"),
        ("by", "region"), ("products", "p40"), ("regions", "Europe"), ("regions", "Asia")],
    "the classic form, without direct emissions": [
        ("dataset", "demo"), ("year", "2011"), ("indicator", "value_added"), ("perspective", "consumption"),
        ("by", "product"), ("products", "TOTAL"), ("regions", "reg4"), ("direct", "off")],
}


def posted_direct(posted) -> bool:
    """Whether a post asks for direct emissions: the box posts "on" when ticked and nothing when not; the
    classic form has no box (absent: included)."""
    fields = dict(posted)
    return fields.get("direct", "on" if "perspective" in fields else "") == "on"


@pytest.mark.parametrize("posted", SUBMITTED.values(), ids=SUBMITTED.keys())
def test_every_field_round_trips_through_the_pushed_url(app, client, posted):
    first = client.post("/analyses", data=MultiDict(posted), headers=HTMX)
    assert first.status_code == 200
    url = first.headers["HX-Push-Url"]
    assert url.startswith("/?dataset=") and "csrf_token" not in url
    page = client.get(url)
    assert page.status_code == 200
    again = client.post("/analyses", data=form_fields(page.get_data(as_text=True)), headers=HTMX)
    assert again.status_code == 200 and again.headers["HX-Push-Url"] == url
    queries = jobs(app)
    assert len(queries) == 2 and queries[0] == queries[1]
    assert queries[0]["direct"] is posted_direct(posted)
    if "every product" in str(posted):
        assert "final_products_level=1" in url and "final_products=" not in url  # a whole level, short


def test_the_pushed_url_spells_out_each_field_in_the_forms_names(client):
    response = client.post("/analyses", data=MultiDict(SUBMITTED["matrix, per value added, without direct "
                                                                 "emissions, all four axes"]), headers=HTMX)
    assert parse_qsl(urlsplit(response.headers["HX-Push-Url"]).query) == [
        ("dataset", "small"), ("year", "2011"), ("indicator", "ghg"), ("by", "origin-region"),
        ("by2", "consumer-region"), ("per", "value-added"), ("direct", "off"), ("origin_regions", "FR"),
        ("origin_products", "C"), ("consumer_regions", "Europe"), ("consumer_regions", "JP"),
        ("final_products", "p01"), ("final_products", "p10.h")]


def test_what_the_form_cannot_ask_has_no_url(app):
    base = {"dataset": "small", "indicator": "co2", "perspective": "consumption", "by": "product",
            "products": ["TOTAL"], "regions": ["TOTAL"], "direct": True}
    with app.test_request_context():
        assert url_of({**base, "year": 2011}) == ("/?dataset=small&year=2011&indicator=co2&by=final-product"
                                                  "&direct=on")
        assert url_of({**base, "years": [2011, 2012]}).startswith("/?dataset=small&year_from=2011&year_to=2012&")
        assert url_of({**base, "years": [2011]}) is None  # the form's series have two years at least
        assert url_of({**base, "year": 2011, "interventions": [{"product": "A"}]}) is None
        assert url_of({**base, "year": 2011, "layers": 4}) is None
        assert url_of({**base, "dataset": "gone", "year": 2011}) is None
        # longer than a production server takes in a request line by default (gunicorn: 4094 bytes)
        assert len(url_of({**base, "year": 2011, "products": [f"p{i:05}" for i in range(178)]})) == 3982
        assert url_of({**base, "year": 2011, "products": [f"p{i:05}" for i in range(179)]}) is None


def test_the_form_stays_folded_under_its_own_result_and_opens_for_another_query(client):
    url = client.post("/analyses", data=MultiDict(SUBMITTED["a series of one view"]), headers=HTMX) \
        .headers["HX-Push-Url"]
    folded = '<details class="query-fold" id="query-fold">'
    assert folded in client.get(url).get_data(as_text=True)  # a reload after the run: the result first
    assert folded in client.get("/").get_data(as_text=True)
    other = client.get(url.replace("indicator=co2", "indicator=ch4")).get_data(as_text=True)
    assert '<details class="query-fold" id="query-fold" open>' in other and form_fields(other)["indicator"] == "ch4"


def test_a_picker_edit_or_a_refused_submit_pushes_nothing(client):
    posted = MultiDict(SUBMITTED["a series of one view"])
    edit = MultiDict([*posted.items(multi=True), ("preset", "production-region")])
    assert "HX-Push-Url" not in client.post("/analyses", data=edit, headers=HTMX).headers
    posted["indicator"] = "nope"
    assert "HX-Push-Url" not in client.post("/analyses", data=posted, headers=HTMX).headers


def test_switching_the_dataset_with_htmx_pushes_its_url(client):
    response = client.get("/form?dataset=small", headers=HTMX)
    assert response.status_code == 200 and response.headers["HX-Push-Url"] == "/?dataset=small"


def test_run_1_asks_first_and_queues_nothing_on_a_get(app, client):
    url = "/?dataset=small&indicator=co2&by=consumer-region&consumer_regions=AT&direct=off"
    for _ in range(2):
        page = client.get(url + "&run=1")
        assert page.status_code == 200
    assert jobs(app) == []
    html = page.get_data(as_text=True)
    assert "<h1>Run this analysis?</h1>" in html and 'method="post" action="/analyses"' in html
    assert "Dataset small, 2012" in html
    assert 'href="/?dataset=small&amp;year=2012&amp;indicator=co2&amp;by=consumer-region&amp;direct=off' \
           '&amp;consumer_regions=AT"' in html  # change it first: the form, filled in
    done = client.post("/analyses", data=form_fields(html, "run-form"))
    assert done.status_code == 303 and done.headers["Location"].startswith("/analyses/")
    (query,) = jobs(app)
    assert (query["perspective"], query["by"], query["regions"], query["direct"], query["year"]) == \
        ("consumption", "region", ["AT"], False, 2012)


def test_a_cross_site_post_without_the_token_is_refused(shared_store, tmp_path):
    app = make_app(shared_store.root, tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    html = client.get("/?dataset=demo&by=consumer-region&run=1").get_data(as_text=True)
    fields = form_fields(html, "run-form")
    token = fields.pop("csrf_token")
    assert client.post("/analyses", data=fields).status_code == 400  # what a page of another site can send
    other = app.test_client()
    other.get("/")
    assert other.post("/analyses", data=MultiDict([*fields.items(multi=True), ("csrf_token", token)])).status_code \
        == 400
    assert jobs(app) == []
    assert client.post("/analyses", data=MultiDict([*fields.items(multi=True), ("csrf_token", token)])) \
        .status_code == 303
    assert len(jobs(app)) == 1


def test_a_bad_value_shows_the_same_field_errors_a_submit_gives(client):
    good = MultiDict(SUBMITTED["a series of one view"])
    for key, value in [("year", "1850"), ("indicator", "nope"), ("consumer_regions", "XX"), ("by", "sideways"),
                       ("year_to", "2011"), ("per", "hourly"), ("final_products_level", "7")]:
        fields = good.copy()
        fields.setlist(key, [value])
        posted = client.post("/analyses", data=fields)
        query = "&".join(f"{k}={v}" for k, v in fields.items(multi=True))
        opened = client.get("/?" + query)
        assert posted.status_code == opened.status_code == 422, key
        assert error_summary(opened.get_data(as_text=True)) == error_summary(posted.get_data(as_text=True)) != []


MARKUP = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "<svg/onload=alert(1)>"]
HOSTILE_URLS = (
    ["/?" + urlencode(case[2][-1:]) for case in hostile_forms() if case[1] == "/analyses"]
    + [f"/?dataset=demo&{key}={markup}" for markup in MARKUP
       for key in ("year", "indicator", "by", "by2", "per", "consumer_regions", "final_products_level",
                   "perspective", "year_from", "direct", "run")]
    + ["/?dataset=demo&year=2011&year=2011", "/?dataset=demo&by=final-product&by=origin-region",
       "/?dataset=demo&direct=yes", "/?dataset=demo&run=2", "/?dataset=demo&run=1&run=1",
       "/?dataset=demo&run=1&indicator=nope", "/?dataset=<b>x</b>&by=final-product", "/?a=<b>&by=final-product",
       "/?dataset=demo&consumer_regions=" + "x" * 5000, "/?dataset=demo&year=" + "9" * 5000,
       "/?dataset=demo&" + "&".join(f"final_products=n{i}" for i in range(2000))])


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_hostile_urls_get_a_4xx_and_never_their_markup(app, client, url):
    response = client.get(url)
    assert 400 <= response.status_code < 500, (url[:80], response.status_code)
    html = response.get_data(as_text=True)
    assert not any(markup in html for markup in MARKUP) and "<b>" not in html
    assert jobs(app) == []


def test_the_corpus_reaches_each_kind_of_refusal(client):
    statuses = {client.get(url).status_code for url in HOSTILE_URLS}
    assert statuses == {400, 422}
    assert len(HOSTILE_URLS) >= 50
