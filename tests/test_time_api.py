"""POST /api/v1/analyses with `years` (a series) or `decompose` (two years): queued as jobs, answered as
the engine answers them, returned as the document describes; bad ones a 422 naming the field, nothing queued."""

import pytest
from jsonschema import Draft202012Validator

from app.engine import answer_any, parse_query
from app.extensions import db
from app.models import Job

from .test_flow_api import answered, post, result_schema


@pytest.fixture
def base(engine) -> dict:
    return {"dataset": "small", "indicator": engine.dataset("small").indicators[0]["code"]}


def test_a_series_of_a_classic_view_and_of_a_flow_view(client, engine, base):
    regions = engine.dataset("small").regions.leaf_codes()[:2]
    for body in ({**base, "perspective": "consumption", "by": "region", "regions": regions, "years": [2012, 2011]},
                 {**base, "by": "origin-region", "origin_regions": regions, "years": [2011, 2012]}):
        job = answered(client, body)
        assert job["query"]["years"] == [2011, 2012] and "year" not in job["query"]
        want = answer_any(engine, parse_query(body)).to_dict()
        assert job["result"]["totals"] == want["totals"] and job["result"]["years"] == [2011, 2012]
        assert [r["values"] for r in job["result"]["rows"]] == [r["values"] for r in want["rows"]]
        Draft202012Validator(result_schema(client)).validate(job["result"])
        # the stored query reads back as the same series
        stored = parse_query(job["query"])
        assert stored.years == (2011, 2012) and stored.base.year is None


def test_a_decomposition_is_answered_and_documented(client, engine, base):
    body = {**base, "by": "consumer-region", "consumer_regions": ["TOTAL"], "decompose": [2011, 2012]}
    job = answered(client, body)
    result = job["result"]
    assert result["years"] == [2011, 2012] and [r["code"] for r in result["rows"]] == ["TOTAL"]
    row = result["rows"][0]
    assert sum(row["contributions"].values()) == pytest.approx(row["end"] - row["start"], rel=1e-9)
    Draft202012Validator(result_schema(client)).validate(result)


@pytest.mark.parametrize("extra, field", [
    ({"years": [2011, 2012], "decompose": [2011, 2012]}, None),
    ({"years": [2011, 2012], "year": 2011}, "year"),
    ({"years": [2011]}, "years"),
    ({"years": list(range(1950, 2001))}, "years"),
    ({"years": [2011, 2011]}, "years"),
    ({"years": [2010, 2011]}, "years"),
    ({"years": "2011-2012"}, "years"),
    ({"decompose": [2011, 2011]}, "decompose"),
    ({"decompose": [2011, 2012, 2013]}, "decompose"),
    ({"decompose": [2011, 1995]}, "decompose"),
    ({"decompose": [2011, 2012], "per": "capita"}, "per"),
    ({"decompose": [2011, 2012], "by": ["origin-region", "consumer-region"]}, "by"),
    ({"years": [2011, 2012], "by": ["origin-region", "consumer-region"]}, "by"),
])
def test_bad_time_queries_are_refused_naming_the_field_and_nothing_is_queued(client, shared_app, base, extra, field):
    body = {**base, "by": "consumer-region", **extra}
    with shared_app.app_context():
        before = db.session.query(Job).count()
    response = post(client, body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()
    if field is not None:
        assert error["field"] == field, error
    assert error["error"]
    with shared_app.app_context():
        assert db.session.query(Job).count() == before
