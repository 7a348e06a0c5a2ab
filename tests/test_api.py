"""JSON API v1: datasets, analyses owned by the calling session, errors with the field, OpenAPI."""

import json

import pytest


def post(client, body, **kwargs):
    return client.post("/api/v1/analyses", json=body, **kwargs)


QUERY = {"dataset": "small", "year": 2011, "indicator": "ghg", "perspective": "consumption", "by": "region",
         "products": ["D", "p01.a"], "regions": ["Europe", "JP", "TOTAL"]}


def test_datasets(client):
    listed = client.get("/api/v1/datasets").get_json()
    assert listed == [{"name": "demo", "years": [2011], "regions": 6, "products": 8},
                      {"name": "small", "years": [2011, 2012], "regions": 6, "products": 24}]
    detail = client.get("/api/v1/datasets/small").get_json()
    assert detail["years"] == [2011, 2012]
    assert {"code": "p01", "name": "Agriculture, hunting and related service activities", "level": 2,
            "parent": "A"} in detail["products"]
    assert {"code": "Europe", "name": "Europe", "level": 1, "parent": "TOTAL"} in detail["regions"]
    assert {"code": "ghg_ch4", "name": "GHG emissions from CH4", "unit": "kg CO2-eq", "parent": "ghg"} in detail["indicators"]
    missing = client.get("/api/v1/datasets/nope")
    assert missing.status_code == 404 and missing.get_json()["field"] == "name"


def test_analysis_values_equal_the_cli_query_output_exactly(client, shared_app):
    created = post(client, QUERY)
    assert created.status_code == 202
    body = created.get_json()
    assert body["status"] in ("queued", "done") and body["url"] == f"/api/v1/analyses/{body['id']}"
    job = client.get(body["url"]).get_json()
    assert job["status"] == "done" and job["error"] is None
    assert job["query"] == QUERY
    cli = shared_app.test_cli_runner().invoke(args=[
        "query", "--dataset", "small", "--year", "2011", "--indicator", "ghg", "--perspective", "consumption",
        "--by", "region", "--products", "D", "--products", "p01.a", "--regions", "Europe", "--regions", "JP",
        "--regions", "TOTAL", "--format", "json"])
    assert job["result"] == json.loads(cli.stdout)
    assert job["result"]["unit"] == "kg CO2-eq" and len(job["result"]["rows"]) == 3


def test_defaults_are_the_clis(client):
    body = post(client, {"dataset": "small", "indicator": "co2", "perspective": "production", "by": "product"}).get_json()
    job = client.get(body["url"]).get_json()
    assert job["query"]["year"] == 2012 and job["query"]["products"] == ["TOTAL"] and job["query"]["regions"] == ["TOTAL"]


@pytest.mark.parametrize("body, status, field", [
    ({**QUERY, "year": 1999}, 422, "year"),
    ({**QUERY, "year": "2011"}, 422, "year"),
    ({**QUERY, "regions": ["Atlantis"]}, 422, "regions"),
    ({**QUERY, "regions": []}, 422, "regions"),
    ({**QUERY, "products": "D"}, 422, "products"),
    ({**QUERY, "indicator": None}, 422, "indicator"),
    ({**QUERY, "perspective": "both"}, 422, "perspective"),
    ({**QUERY, "colour": "red"}, 422, "colour"),
    ({k: v for k, v in QUERY.items() if k != "dataset"}, 422, "dataset"),
    ([QUERY], 422, "query"),
])
def test_invalid_input_gets_4xx_json_naming_the_field(client, body, status, field):
    response = post(client, body)
    assert response.status_code == status
    data = response.get_json()
    assert data["field"] == field and data["error"]
    assert client.get("/api/v1/analyses/1").status_code == 404


def test_malformed_and_non_json_bodies(client):
    bad = client.post("/api/v1/analyses", data="{not json", content_type="application/json")
    assert bad.status_code == 400 and bad.get_json() == {"error": "the body is not valid JSON", "field": "body"}
    form = client.post("/api/v1/analyses", data={"dataset": "demo"})
    assert form.status_code == 415 and form.get_json()["field"] == "body"


def test_other_sessions_get_404_and_delete_gives_204(shared_app):
    mine, theirs = shared_app.test_client(), shared_app.test_client()
    url = post(mine, QUERY).get_json()["url"]
    assert theirs.get(url).status_code == 404
    assert theirs.get(url).get_json()["field"] == "id"
    assert theirs.delete(url).status_code == 404
    assert mine.delete(url).status_code == 204
    assert mine.get(url).status_code == 404
    assert mine.delete(url).status_code == 404


def test_openapi_document_describes_every_route(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {"/api/v1/datasets", "/api/v1/datasets/{name}", "/api/v1/analyses",
                                 "/api/v1/analyses/{id}", "/api/v1/openapi.json"}
    schema = doc["paths"]["/api/v1/analyses"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["properties"]) == set(QUERY) | {"interventions"}
    assert set(doc["paths"]["/api/v1/analyses/{id}"]) == {"get", "delete"}


def test_ids_are_unguessable_and_numbers_count_within_the_session(client, shared_app):
    other = shared_app.test_client()
    created = [post(client, QUERY).get_json() for _ in range(3)]
    ids = [body["id"] for body in created]
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids) and len(set(ids)) == 3
    assert [body["number"] for body in created] == [1, 2, 3]
    assert post(other, QUERY).get_json()["number"] == 1  # another session counts from one: no global count
    listing = client.get("/").get_data(as_text=True)
    assert '<span class="job-id">#3</span>' in listing and f'id="job-{ids[2]}"' in listing
    with shared_app.app_context():
        from app.extensions import db
        from app.models import Job

        key = db.session.scalar(db.select(Job.id).where(Job.public_id == ids[0]))
    # the integer key inside the database reaches nothing, in any form of digits
    for path in (f"/api/v1/analyses/{key}", "/api/v1/analyses/\u0661", "/api/v1/analyses/" + ids[0].upper(),
                 "/api/v1/analyses/" + ids[0] + "0", f"/analyses/{key}", f"/analyses/{key}.csv"):
        assert client.get(path).status_code == 404, path
        if path.startswith("/api/"):
            assert client.delete(path).status_code == 404, path  # as GET: no such analysis


def test_public_ids_are_given_to_rows_made_before_them(tmp_path):
    """The migration backfills an unguessable id for every job and scenario, and numbers per owner."""
    import flask_migrate
    import sqlalchemy as sa

    from app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "STORE_PATH": str(tmp_path / "store"),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}",
                      "HUEY_PATH": str(tmp_path / "huey.sqlite3"), "HUEY_IMMEDIATE": True})
    with app.app_context():
        flask_migrate.upgrade(revision="cba6aab78735")
        from app.extensions import db

        with db.engine.begin() as conn:
            for owner in ("a", "b", "a", "a"):
                conn.execute(sa.text("insert into job (owner, status, query, kind, attempts, created_at, updated_at) "
                                     "values (:o, 'done', '{}', 'analysis', 1, '2026-01-01', '2026-01-01')"),
                             {"o": owner})
            conn.execute(sa.text("insert into scenario (owner, name, dataset, interventions, created_at) "
                                 "values ('a', 's', 'demo', '[]', '2026-01-01')"))
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            jobs = conn.execute(sa.text("select owner, number, public_id from job order by id")).all()
            scenario_ids = conn.execute(sa.text("select public_id from scenario")).scalars().all()
    assert [(owner, number) for owner, number, _ in jobs] == [("a", 1), ("b", 1), ("a", 2), ("a", 3)]
    public = [p for _, _, p in jobs] + scenario_ids
    assert len(set(public)) == 5 and all(len(p) == 32 for p in public)
