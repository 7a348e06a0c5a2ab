"""Bad queries raise one error type that names the field and the value."""

import pytest

from app.engine import Query, QueryError


@pytest.mark.parametrize("change, field", [
    ({"dataset": "nope"}, "dataset"),
    ({"dataset": "../demo"}, "dataset"),
    ({"year": 1990}, "year"),
    ({"indicator": "co2"}, "indicator"),
    ({"perspective": "both"}, "perspective"),
    ({"by": "sector"}, "by"),
    ({"products": ()}, "products"),
    ({"regions": ("reg1", "reg9")}, "regions"),
    ({"regions": ("reg1", "reg1")}, "regions"),
    ({"products": ("Food",)}, "products"),
])
def test_bad_query_names_the_field(engine, change, field):
    query = Query(**{**dict(dataset="demo", indicator="value_added", perspective="consumption",
                            by="product"), **change})
    with pytest.raises(QueryError) as caught:
        engine.answer(query)
    assert caught.value.field == field
    assert str(next(iter(change.values()))).strip("()',") in str(caught.value) or field in str(caught.value)


@pytest.mark.parametrize("data, field", [
    ({"indicator": "x", "perspective": "consumption", "by": "product"}, "dataset"),
    ({"dataset": 3, "indicator": "x", "perspective": "consumption", "by": "product"}, "dataset"),
    ({"dataset": "demo", "indicator": "x", "perspective": "consumption", "by": "product", "year": "2011"}, "year"),
    ({"dataset": "demo", "indicator": "x", "perspective": "consumption", "by": "product", "year": True}, "year"),
    ({"dataset": "demo", "indicator": "x", "perspective": "consumption", "by": "product", "products": "food"},
     "products"),
    ({"dataset": "demo", "indicator": "x", "perspective": "consumption", "by": "product", "regions": [1]},
     "regions"),
    ({"dataset": "demo", "indicator": "x", "perspective": "consumption", "by": "product", "colour": "red"},
     "colour"),
    (["demo"], "query"),
])
def test_untrusted_input_is_type_checked(data, field):
    with pytest.raises(QueryError) as caught:
        Query.from_dict(data)
    assert caught.value.field == field


def test_from_dict_applies_the_defaults(engine):
    query = Query.from_dict({"dataset": "demo", "indicator": "value_added", "perspective": "production",
                             "by": "region"})
    assert query.products == ("TOTAL",) and query.regions == ("TOTAL",) and query.year is None
    result = engine.answer(query)
    assert result.query.year == 2011 and result.unit == "Mill USD"
    assert result.rows[0].code == "TOTAL" and result.rows[0].value == pytest.approx(result.total)


BASE = {"dataset": "demo", "indicator": "value_added", "perspective": "consumption", "by": "product"}
IV = {"product": "food", "origin": "reg1", "consumer": "FD", "consumer_region": "reg1", "change_pct": -10}


@pytest.mark.parametrize("key, value", [("interventions", 0), ("interventions", ""), ("interventions", None),
                                        ("interventions", {}), ("products", None), ("regions", None)])
def test_what_is_not_a_list_is_refused(key, value):
    """Absent means the default; 0, "" or null are not lists (the published schema says the same)."""
    with pytest.raises(QueryError) as caught:
        Query.from_dict({**BASE, key: value})
    assert caught.value.field == key and caught.value.message.startswith(f"{key} must be a list")


@pytest.mark.parametrize("key", ["products", "regions"])
def test_an_empty_code_is_not_a_code(key):
    with pytest.raises(QueryError) as caught:
        Query.from_dict({**BASE, key: ["TOTAL", ""]})
    assert caught.value.field == key and "non-empty string" in caught.value.message


@pytest.mark.parametrize("change, message", [
    (10 ** 4000, "must be at most 1,000,000 (percent)"),
    (-10 ** 4000, "below -100 % would make coefficients negative"),
    (1e7, "must be at most 1,000,000 (percent)"),
    (-100.5, "below -100 % would make coefficients negative"),
    (float("inf"), "must be finite"),
    (float("nan"), "must be finite"),
], ids=["4001 digits", "-4001 digits", "1e7", "-100.5", "inf", "nan"])
def test_a_change_beyond_the_bounds_is_refused_naming_it(change, message):
    with pytest.raises(QueryError) as caught:
        Query.from_dict({**BASE, "interventions": [IV, {**IV, "change_pct": change}]})
    assert caught.value.field == "interventions[1].change_pct"
    assert caught.value.message == f"interventions[1].change_pct {message}"


def test_the_bounds_themselves_are_changes():
    query = Query.from_dict({**BASE, "interventions": [{**IV, "change_pct": -100}, {**IV, "change_pct": 10 ** 6}]})
    assert [iv.change_pct for iv in query.interventions] == [-100.0, 1e6]


def test_a_year_with_a_zero_fraction_is_that_year():
    assert Query.from_dict({**BASE, "year": 2011.0}).year == 2011
    with pytest.raises(QueryError) as caught:
        Query.from_dict({**BASE, "year": 2011.5})
    assert caught.value.field == "year"


SPEC = "product=food,origin=reg1,consumer=FD,consumer_region=reg1,change={}"


@pytest.mark.parametrize("change", ["1_000", "\u0665", "\uff11", "nan", "inf", "-Infinity", "1e999", "0x10",
                                    ".5", "", "9" * 40])
def test_the_command_line_change_is_a_plain_decimal(change):
    """As in the scenario builder's form: float() would take 1_000, Arabic-Indic digits and nan."""
    from app.engine.interventions import Intervention

    with pytest.raises(QueryError) as caught:
        Intervention.parse(SPEC.format(change), 2)
    assert caught.value.field == "interventions[2].change_pct"
    assert "is not a number such as -20 or 12.5" in caught.value.message


@pytest.mark.parametrize("change, value", [("-20", -20.0), ("12.5", 12.5), (" 3 ", 3.0), ("1e3", 1000.0)])
def test_the_command_line_change_takes_what_people_type(change, value):
    from app.engine.interventions import Intervention

    assert Intervention.parse(SPEC.format(change), 0).change_pct == value
