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
