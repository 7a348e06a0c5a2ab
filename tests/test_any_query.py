"""One door for both kinds of query: parse_query picks by `perspective`, answer_any answers either."""

import json

import numpy as np
import pytest

from app.engine import FlowQuery, FlowResult, Query, QueryError, Result, answer_any, parse_query, resolve_any


def test_parse_picks_the_kind_by_perspective():
    classic = parse_query({"dataset": "demo", "indicator": "x", "perspective": "production", "by": "region"})
    assert isinstance(classic, Query)
    flow = parse_query({"dataset": "demo", "indicator": "x", "by": "origin-region", "consumer_regions": ["reg1"]})
    assert isinstance(flow, FlowQuery) and flow.by == ("origin-region",) and flow.consumer_regions == ("reg1",)
    assert parse_query({"dataset": "demo", "indicator": "x", "by": ["origin-region", "consumer-region"]}).by == (
        "origin-region", "consumer-region")


@pytest.mark.parametrize("data, field", [
    ([], "query"), ("x", "query"),
    ({"dataset": "demo", "indicator": "x", "perspective": "production", "by": "region", "per": "capita"}, "per"),
    ({"dataset": "demo", "indicator": "x", "by": "origin-region", "products": ["food"]}, "products"),
    ({"dataset": "demo", "indicator": "x", "by": 3}, "by"),
])
def test_parse_names_the_field(data, field):
    with pytest.raises(QueryError) as caught:
        parse_query(data)
    assert caught.value.field == field


def test_resolved_queries_round_trip_through_json(engine):
    for data in ({"dataset": "demo", "indicator": "emission_type1_air", "perspective": "consumption",
                  "by": "product"},
                 {"dataset": "demo", "indicator": "emission_type1_air", "by": ["origin-region", "final-product"],
                  "per": "capita", "direct": False}):
        resolved = resolve_any(engine, parse_query(data))
        stored = json.loads(json.dumps(resolved.to_dict()))
        assert stored["year"] == 2011
        assert ("perspective" in stored) == ("perspective" in data)
        assert parse_query(stored) == resolved


def test_answer_any_answers_either_kind(engine):
    dataset = engine.dataset("demo")
    row = dataset.indicator_row["emission_type1_air"]
    s, L, Y = (np.array(dataset.array(2011, k)) for k in ("S", "L", "Y"))
    flows = answer_any(engine, parse_query({"dataset": "demo", "indicator": "emission_type1_air",
                                            "by": "origin-region", "direct": False}))
    assert isinstance(flows, FlowResult)
    assert flows.total == pytest.approx(float(s[row] @ L @ Y.sum(axis=1)), rel=1e-9)
    body = flows.to_dict()
    assert set(body) == {"unit", "total", "direct", "per", "rows"} and body["rows"][0]["code"] == "TOTAL"
    classic = answer_any(engine, parse_query({"dataset": "demo", "indicator": "emission_type1_air",
                                              "perspective": "production", "by": "region", "direct": False}))
    assert isinstance(classic, Result) and classic.total == pytest.approx(flows.total, rel=1e-9)
