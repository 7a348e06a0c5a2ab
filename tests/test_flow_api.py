"""POST /api/v1/analyses with origin -> destination fields: answered as the dense computation says,
returned as the FlowResult dict the document describes; every bad value a 422 naming its field."""

import numpy as np
import pytest
from jsonschema import Draft202012Validator

from app.extensions import db
from app.models import Job

BASE = {"dataset": "demo", "indicator": "emission_type1_air"}


def post(client, body):
    return client.post("/api/v1/analyses", json=body)


def answered(client, body) -> dict:
    created = post(client, body)
    assert created.status_code == 202, created.get_json()
    job = client.get(created.get_json()["url"]).get_json()
    assert job["status"] == "done", job
    return job


@pytest.fixture(scope="module")
def dense(engine):
    """Origin region x consumer region of s_i L_ij Y_jc (dense solve), F_Y per region, population."""
    dataset = engine.dataset("demo")
    row = dataset.indicator_row["emission_type1_air"]
    s, Y = (np.array(dataset.array(2011, k)) for k in ("S", "Y"))
    A = dataset.technical_coefficients(2011, dense=True)
    R = dataset.regions.size
    flows = (s[row][:, None] * np.linalg.solve(np.eye(A.shape[0]) - A, Y)).reshape(R, -1, R).sum(axis=1)
    return flows, np.array(dataset.array(2011, "F_Y"))[row], np.asarray(dataset.population(2011))


def result_schema(client) -> dict:
    doc = client.get("/api/v1/openapi.json").get_json()
    analysis = doc["paths"]["/api/v1/analyses/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    return analysis["schema"]["properties"]["result"]


def test_a_matrix_is_answered_stored_and_documented(client, dense):
    flows, f_y, _ = dense
    body = {**BASE, "by": ["consumer-region", "origin-region"], "origin_regions": ["reg1", "TOTAL"],
            "consumer_regions": ["reg2", "reg5", "reg6"]}
    job = answered(client, body)
    assert job["query"] == {**BASE, "year": 2011, "by": ["consumer-region", "origin-region"],
                            "origin_regions": ["reg1", "TOTAL"], "origin_products": ["TOTAL"],
                            "consumer_regions": ["reg2", "reg5", "reg6"], "final_products": ["TOTAL"],
                            "direct": True, "per": None}
    result = job["result"]
    with_fy = (flows + np.diag(f_y)).T  # consumer region x origin region: the first axis gives the rows
    np.testing.assert_allclose(result["matrix"]["values"], [[with_fy[c, 0], with_fy[c].sum()] for c in (1, 4, 5)],
                               rtol=1e-9)
    assert [h["code"] for h in result["matrix"]["rows"]] == ["reg2", "reg5", "reg6"]
    assert result["total"] == pytest.approx(with_fy[[1, 4, 5]].sum(), rel=1e-9)
    assert set(result) == {"unit", "total", "direct", "per", "matrix"} and result["unit"] == "kg"
    Draft202012Validator(result_schema(client)).validate(result)


def test_rows_per_capita_without_direct_emissions(client, dense):
    flows, _, population = dense
    body = {**BASE, "by": "consumer-region", "consumer_regions": ["reg1", "reg3"], "per": "capita", "direct": False}
    result = answered(client, body)["result"]
    assert [r["value"] for r in result["rows"]] == pytest.approx(
        [flows[:, 0].sum() / population[0], flows[:, 2].sum() / population[2]], rel=1e-9)
    assert (result["direct"], result["per"], result["unit"]) == (False, "capita", "kg per person")
    Draft202012Validator(result_schema(client)).validate(result)


def test_classic_views_take_direct(client, dense):
    flows, f_y, _ = dense
    classic = {**BASE, "perspective": "production", "by": "region", "regions": ["reg4"]}
    on, off = answered(client, classic), answered(client, {**classic, "direct": False})
    assert on["query"]["direct"] is True and off["query"]["direct"] is False
    assert on["result"]["rows"][0]["value"] == pytest.approx(flows[3].sum() + f_y[3], rel=1e-9)
    assert off["result"]["rows"][0]["value"] == pytest.approx(flows[3].sum(), rel=1e-9)
    assert (on["result"]["direct"], off["result"]["direct"]) == (True, False)
    for job in (on, off):
        Draft202012Validator(result_schema(client)).validate(job["result"])


@pytest.mark.parametrize("change, field, words", [
    ({"by": "origin-country"}, "by", "by must be one of origin-region"),
    ({"by": ["origin-region", "consumer-region", "final-product"]}, "by", "at most 2 entries"),
    ({"by": ["origin-region", "origin-region"]}, "by", "twice"),
    ({"by": 3}, "by", "one axis"),
    ({"by": []}, "by", "at least 1"),
    ({"by": "region"}, "by", "by must be one of origin-region"),
    ({"origin_regions": ["food"]}, "origin_regions", "'food' is a product"),
    ({"final_products": ["reg1"]}, "final_products", "'reg1' is a region"),
    ({"consumer_regions": ["reg1", "reg1"]}, "consumer_regions", "twice"),
    ({"origin_products": []}, "origin_products", "at least 1"),
    ({"origin_products": "food"}, "origin_products", "must be a list"),
    ({"final_products": ["food", ""]}, "final_products[1]", "must not be empty"),
    ({"consumer_regions": [7]}, "consumer_regions[0]", "must be a string"),
    ({"per": "hectare"}, "per", "capita, value-added, null"),
    ({"per": 1}, "per", "per must be"),
    ({"direct": "yes"}, "direct", "true or false"),
    ({"direct": None}, "direct", "true or false"),
    ({"year": 1999}, "year", "not in dataset"),
    ({"products": ["food"]}, "products", "unknown field"),
    ({"interventions": [{"product": "food"}]}, "interventions[0].origin", "is required"),
    ({"perspective": "production", "origin_regions": ["reg1"], "by": "region"}, "origin_regions", "unknown field"),
    ({"perspective": "production", "per": "capita", "by": "region"}, "per", "unknown field"),
    ({"perspective": "production", "by": "origin-region"}, "by", "by must be one of product, region"),
    ({"perspective": "production", "by": "region", "direct": 1}, "direct", "true or false"),
])
def test_every_bad_value_is_a_422_naming_the_field(shared_app, change, field, words):
    client = shared_app.test_client()
    response = post(client, {**BASE, "by": "origin-region", **change})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()
    assert error["field"] == field and words in error["error"], error
    with shared_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0
