"""Numbers from forms and query strings: ASCII digits only, bounded, finite; anything else a 4xx naming the field."""

import pytest
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Scenario
from app.parsing import FieldError, optional_int, strict_int, strict_number

FORM = [("dataset", "demo"), ("year", "2011"), ("indicator", "value_added"), ("perspective", "consumption"),
        ("by", "product"), ("products", "TOTAL"), ("regions", "TOTAL")]
ROW = {"product": "food", "origin": "reg1", "consumer": "FD", "consumer_region": "reg1", "change_pct": "-10"}
NOT_NUMBERS = ["1_000", "\u0665", "1e999", "-1e999", "nan", "NaN", "inf", "-Infinity", "-2,5", ".5", "5.", "0x10",
               " 1", "1 ", "", "+", "1e", "\uff11", "9" * 40]


def builder(action="save", rows=(ROW,), **extra):
    fields = [("name", "s"), ("dataset", "demo"), ("count", str(len(rows))), ("action", action)]
    for i, row in enumerate(rows):
        fields += [(f"{key}-{i}", value) for key, value in row.items()]
    fields += list(extra.items())
    return MultiDict(fields)


def scenario_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Scenario))


@pytest.mark.parametrize("text, value", [("0", 0), ("42", 42), ("007", 7), ("999999999", 999999999)])
def test_strict_int_takes_ascii_digits(text, value):
    assert strict_int(text, "count") == value


@pytest.mark.parametrize("text", ["", "-1", "+1", "1_000", "\u0665", "\uff11", " 1", "1 ", "1.0", "1e3",
                                  "9" * 10, "9" * 5000, None])
def test_strict_int_refuses_everything_else_naming_the_field(text):
    with pytest.raises(FieldError) as caught:
        strict_int(text, "count")
    assert caught.value.field == "count" and "at most 9 digits" in caught.value.message
    assert str(caught.value).startswith("count: ")


def test_optional_int_reads_absent_as_none():
    assert optional_int(None, "scenario_id") is None and optional_int("", "scenario_id") is None
    assert optional_int("12", "scenario_id") == 12


@pytest.mark.parametrize("text, value", [("-20", -20.0), ("12.5", 12.5), ("+3", 3.0), ("1e3", 1000.0),
                                         ("-1E-2", -0.01), ("0", 0.0), ("1e308", 1e308)])
def test_strict_number_takes_plain_decimals(text, value):
    assert strict_number(text, "change_pct") == value


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_strict_number_refuses_everything_else_naming_the_field(text):
    with pytest.raises(FieldError) as caught:
        strict_number(text, "interventions[0].change_pct")
    assert caught.value.field == "interventions[0].change_pct" and "must be a number" in caught.value.message


@pytest.mark.parametrize("text", ["1_000", "\u0665", "1e999", "nan", "inf", "Infinity", "-2,5", "\uff11\uff10"])
def test_the_builder_shows_an_error_beside_the_change(shared_app, text):
    client = shared_app.test_client()
    client.get("/")
    response = client.post("/scenarios/builder", data=builder(rows=[ROW, dict(ROW, change_pct=text)]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p id="e-interventions-1-change_pct" class="error">Enter the change in percent as a plain number' in html
    assert 'id="e-interventions-0-change_pct"' not in html
    assert 'aria-invalid="true"' in html.split('id="change_pct-1"')[1].split(">")[0]
    assert f'value="{text}"' in html  # kept as typed, to be corrected
    assert scenario_count(shared_app) == 0


@pytest.mark.parametrize("field, value, message", [
    ("products_level", "9" * 5000, "Choose a level from the list."),
    ("regions_level", "\u0661", "Choose a level from the list."),
    ("products_level", "1_0", "Choose a level from the list."),
    ("year", "\u0662\u0660\u0661\u0661", "Choose a year from the list."),
    ("year", "2_011", "Choose a year from the list."),
    ("year", "9" * 5000, "Choose a year from the list."),
])
def test_the_query_form_refuses_odd_numbers_beside_the_field(client, field, value, message):
    fields = [(k, v) for k, v in FORM if k != field] + [(field, value)]
    response = client.post("/analyses", data=MultiDict(fields))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    # the classic form (perspective consumption) is shown again as the current one: its products are the
    # products bought, its regions the consuming regions
    target = {"products": "final_products", "regions": "consumer_regions"}.get(field.removesuffix("_level"), field)
    assert f'id="e-{target}" class="error">{message}' in html or (
        f'id="e-{target}"' in html and message in html.split(f'id="e-{target}"')[1].split("</p>")[0])


@pytest.mark.parametrize("extra, field", [
    ({"action": "down-" + "1" * 5000}, "action"), ({"action": "up-\u0661"}, "action"),
    ({"action": "remove-1_0"}, "action"), ({"action": "remove-"}, "action"), ({"action": "up--1"}, "action"),
    ({"count": "1" * 5000}, "count"), ({"count": "\u0661"}, "count"), ({"count": "1_0"}, "count"),
    ({"count": "-5"}, "count"), ({"count": "abc"}, "count"),
    ({"scenario_id": "abc"}, "scenario_id"), ({"scenario_id": "\u0665"}, "scenario_id"),
    ({"scenario_id": "1" * 5000}, "scenario_id"), ({"scenario_id": "1_0"}, "scenario_id"),
    ({"scenario_id": "-1"}, "scenario_id"),
])
def test_the_builder_refuses_malformed_hidden_fields_with_a_400_naming_them(shared_app, extra, field):
    client = shared_app.test_client()
    client.get("/")
    data = builder()
    for key, value in extra.items():
        data.setlist(key, [value])
    response = client.post("/scenarios/builder", data=data)
    assert response.status_code == 400
    # the page names the field in words (app/wording.py), never by its code
    words = {"action": "The row to move or remove must be a row number.",
             "count": "The number of interventions must be a whole number of at most 3 digits (0-9).",
             "scenario_id": "The scenario given is not the id of one of your scenarios."}[field]
    assert words in response.get_data(as_text=True) and f"{field}: " not in response.get_data(as_text=True)
    fragment = client.post("/scenarios/builder", data=data, headers={"HX-Request": "true"})
    assert fragment.status_code == 400 and "<html" not in fragment.get_data(as_text=True)
    assert words in fragment.get_data(as_text=True)
    assert scenario_count(shared_app) == 0


def test_scenario_id_zero_is_not_a_new_scenario(shared_app):
    client = shared_app.test_client()
    client.get("/")
    refused = client.post("/scenarios/builder", data=builder(scenario_id="0"))
    assert refused.status_code == 400
    assert "The scenario given is not the id of one of your scenarios." in refused.get_data(as_text=True)
    assert client.post("/scenarios/builder", data=builder(scenario_id="e" * 32)).status_code == 404
    assert scenario_count(shared_app) == 0
    saved = client.post("/scenarios/builder", data=builder())
    assert saved.status_code == 303
    sid = saved.headers["Location"].rsplit("=", 1)[1]
    assert client.post("/scenarios/builder", data=builder(scenario_id=sid)).status_code == 303
    assert scenario_count(shared_app) == 1


@pytest.mark.parametrize("value", ["abc", "\u0661", "1_0", "1" * 5000, " 1", "1", "E" * 32, "e" * 31])
def test_applying_a_scenario_refuses_a_malformed_id(shared_app, value):
    client = shared_app.test_client()
    client.get("/")
    saved = client.post("/scenarios/builder", data=builder())
    assert saved.status_code == 303
    job = client.post("/api/v1/analyses", json={"dataset": "demo", "indicator": "value_added",
                                                "perspective": "consumption", "by": "product"}).get_json()["id"]
    response = client.post(f"/analyses/{job}/scenario", data={"scenario_id": value})
    assert response.status_code == 400 and "Choose a saved scenario to apply." in response.get_data(as_text=True)
    sid = saved.headers["Location"].rsplit("=", 1)[1]
    assert client.post(f"/analyses/{job}/scenario", data={"scenario_id": sid}).status_code == 303
