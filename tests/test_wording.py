"""Errors on pages are sentences a researcher understands; the API keeps its message and its field."""

import re
from html import unescape

import pytest
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, NotFound

from app.engine import QueryError
from app.wording import EXPIRED, NOT_FOUND, field_label, page_message, sentence

from .conftest import make_app

# what a reader must never see on a page: a field's code
CODE = re.compile(r"\w+\[\d+\]|\b\w+_\w+\b")


def reads_as_a_sentence(text: str) -> bool:
    return text[:1].isupper() and text.endswith(".") and not CODE.search(text.replace("'", " "))


@pytest.mark.parametrize("field, label", [
    ("dataset", "Dataset"), ("year", "Year"), ("indicator", "Indicator"), ("perspective", "Perspective"),
    ("by", "Breakdown"), ("products", "Products"), ("regions", "Regions"),
    ("products_level", "Level of products"), ("regions_level", "Level of regions"),
    ("interventions", "Interventions"), ("interventions[0]", "Intervention 1"),
    ("interventions[0].product", "Intervention 1: product"),
    ("interventions[1].origin", "Intervention 2: region of origin"),
    ("interventions[2].consumer", "Intervention 3: consumer"),
    ("interventions[3].consumer_region", "Intervention 4: consumer's region"),
    ("interventions[0].change_pct", "Intervention 1: change"), ("name", "Scenario's name"),
    ("scenario_id", "Scenario"), ("count", "Number of interventions"), ("action", "Button pressed"),
    ("csrf_token", "Form's security token"), ("body", "Request"), ("queue", "Queue"), ("rate", "Rate of requests"),
    ("query", "Query"), ("id", "Analysis"), ("a", "Analysis in the first panel"),
    ("b", "Analysis in the second panel"), ("some_new_field", "Some new field"), (None, ""),
])
def test_every_field_has_a_name_a_person_would_use(field, label):
    assert field_label(field) == label


@pytest.mark.parametrize("message, words", [
    # the engine's messages, exactly as it raises them (tests elsewhere pin these texts for the API)
    ("interventions[1].change_pct below -100 % would make coefficients negative",
     "The change of intervention 2 is below -100 %, which would make coefficients negative."),
    ("interventions[0].change_pct must be at most 1,000,000 (percent)",
     "The change of intervention 1 must be at most 1,000,000 (percent)."),
    ("interventions[2].change_pct must be finite", "The change of intervention 3 must be finite."),
    ("interventions[0].product must be a code", "The product of intervention 1 must be a code."),
    ("unknown code 'x' for interventions[0].consumer_region",
     "Unknown code 'x' for the consumer's region of intervention 1."),
    ("interventions[1].consumer must be FD or a product code",
     "The consumer of intervention 2 must be final demand (FD) or a product code."),
    ("interventions[0].change_pct is required", "The change of intervention 1 is required."),
    ("year 1990 is not in dataset 'demo' (years: 2011, 2012)",
     "Year 1990 is not in dataset 'demo' (years: 2011, 2012)."),
    ("year must be a whole number", "The year must be a whole number."),
    ("by must be one of product, region", "The breakdown must be one of product, region."),
    ("select at least one region", "Select at least one region."),
    ("choose a level from the list", "Choose a level from the list."),
    ("count must be a whole number of at most 3 digits (0-9)",
     "The number of interventions must be a whole number of at most 3 digits (0-9)."),
    # werkzeug descriptions written as "field: message"
    ("scenario_id: not the id of one of your scenarios", "The scenario given is not the id of one of your scenarios."),
    ("dataset: there is no dataset named 'x_y'", "There is no dataset named 'x_y'."),
    ("a must be the id of one of your analyses",
     "The analysis in the first panel must be the id of one of your analyses."),
    ("the request is larger than 256 KiB", "The request is larger than 256 KiB."),
    ("Already a sentence.", "Already a sentence."), ("  spaced\n out ", "Spaced out."), ("", ""),
])
def test_messages_become_sentences_without_codes(message, words):
    assert sentence(message) == words
    if words:
        assert reads_as_a_sentence(words.replace("'x_y'", "")), words


def test_a_refusal_of_any_kind_has_its_words_for_a_page():
    assert page_message(QueryError("products_level", "x", "choose a level from the list")) == \
        "Choose a level from the list."
    assert page_message(CSRFError()) == EXPIRED
    assert page_message(NotFound()) == NOT_FOUND
    assert page_message(NotFound(description="no analysis 12 in this session")) == "No analysis 12 in this session."
    assert page_message(BadRequest(description="scenario_id: not the id of one of your scenarios")) == \
        "The scenario given is not the id of one of your scenarios."
    assert page_message(ValueError("something odd")) == "Something odd."


def test_templates_have_a_sentence_filter(shared_app):
    with shared_app.app_context():
        render = shared_app.jinja_env.from_string("{{ e|sentence }} / {{ f|field_label }}").render
        assert render(e="interventions[0].change_pct must be finite", f="products_level") == \
            "The change of intervention 1 must be finite. / Level of products"


def page_text(response) -> str:
    html = unescape(response.get_data(as_text=True))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_an_error_page_and_its_htmx_fragment_say_a_sentence_and_the_api_keeps_its_field(client):
    client.get("/")
    for headers in ({}, {"HX-Request": "true"}):
        bad_count = client.post("/scenarios/builder", data=MultiDict([("count", "x"), ("dataset", "demo")]),
                                headers=headers)
        assert bad_count.status_code == 400
        text = page_text(bad_count)
        assert "The number of interventions must be a whole number of at most 3 digits (0-9)." in text
        assert not re.search(r"\bcount\b", text)
        bad_id = client.get("/?a=nope", headers=headers)
        assert bad_id.status_code == 400
        assert "The analysis in the first panel must be the id of one of your analyses." in page_text(bad_id)
        missing = client.get("/analyses/" + "0" * 32, headers=headers)
        assert missing.status_code == 404 and NOT_FOUND in page_text(missing)
    as_json = client.get("/?a=nope", headers={"Accept": "application/json"})
    assert as_json.get_json()["error"] == "a must be the id of one of your analyses"
    api = client.post("/api/v1/analyses", json={"dataset": "demo", "indicator": "value_added",
                                                "perspective": "consumption", "by": "sector"})
    assert api.status_code == 422 and api.get_json() == {"error": "by must be one of product, region", "field": "by"}


def test_an_expired_form_says_so_in_words(shared_store, tmp_path):
    client = make_app(shared_store.root, tmp_path, WTF_CSRF_ENABLED=True).test_client()
    client.get("/")
    response = client.post("/analyses", data={"dataset": "demo"})
    assert response.status_code == 400 and EXPIRED in page_text(response)
    assert "csrf" not in page_text(response).lower()
