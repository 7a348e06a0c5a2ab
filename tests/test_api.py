"""JSON API v1: datasets, analyses owned by the calling session, errors with the field, OpenAPI."""

import json

import pytest
from jsonschema import Draft202012Validator

from app.api import MAX_DEPTH
from app.engine.interventions import MAX_CHANGE_PCT

from .conftest import make_app


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
    ch4 = {"code": "ghg_ch4", "name": "GHG emissions from CH4", "unit": "kg CO2-eq", "parent": "ghg"}
    assert ch4 in detail["indicators"]
    missing = client.get("/api/v1/datasets/nope")
    assert missing.status_code == 404 and missing.get_json()["field"] == "name"


def test_analysis_values_equal_the_cli_query_output_exactly(client, shared_app):
    created = post(client, QUERY)
    assert created.status_code == 202
    body = created.get_json()
    assert body["status"] in ("queued", "done") and body["url"] == f"/api/v1/analyses/{body['id']}"
    job = client.get(body["url"]).get_json()
    assert job["status"] == "done" and job["error"] is None
    assert job["query"] == {**QUERY, "direct": True}  # the default, written out
    cli = shared_app.test_cli_runner().invoke(args=[
        "query", "--dataset", "small", "--year", "2011", "--indicator", "ghg", "--perspective", "consumption",
        "--by", "region", "--products", "D", "--products", "p01.a", "--regions", "Europe", "--regions", "JP",
        "--regions", "TOTAL", "--format", "json"])
    assert job["result"] == json.loads(cli.stdout)
    assert job["result"]["unit"] == "kg CO2-eq" and len(job["result"]["rows"]) == 3


def test_defaults_are_the_clis(client):
    query = {"dataset": "small", "indicator": "co2", "perspective": "production", "by": "product"}
    body = post(client, query).get_json()
    job = client.get(body["url"]).get_json()
    assert job["query"]["year"] == 2012
    assert job["query"]["products"] == ["TOTAL"] and job["query"]["regions"] == ["TOTAL"]


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
                                 "/api/v1/analyses/{id}", "/api/v1/analyses/{id}/shares",
                                 "/api/v1/analyses/{id}/shares/{token}", "/api/v1/openapi.json"}
    assert doc["paths"]["/api/v1/analyses"]["post"]["requestBody"]["content"]["application/json"]["schema"] == \
        {"$ref": "#/components/schemas/Query"}
    classic, flows = doc["components"]["schemas"]["Query"]["oneOf"]
    chains = {"layers", "layers_by", "paths", "depth", "threshold", "sensitivity"}
    assert set(classic["properties"]) == set(QUERY) | {"interventions", "direct", "years", "decompose"} | chains
    assert set(flows["properties"]) == {"dataset", "year", "indicator", "by", "origin_regions", "origin_products",
                                        "consumer_regions", "final_products", "direct", "per", "interventions",
                                        "years", "decompose"} | chains
    assert set(doc["paths"]["/api/v1/analyses/{id}"]) == {"get", "delete"}
    Draft202012Validator.check_schema(doc["components"]["schemas"]["Query"])


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


# Issue 8, item 12: the OpenAPI document and the code agree.

@pytest.fixture(scope="module")
def api_app(shared_store, tmp_path_factory):
    """One app for the many refusals below (a refused body writes nothing)."""
    return make_app(shared_store.root, tmp_path_factory.mktemp("api"))


@pytest.fixture()
def api(api_app):
    return api_app.test_client()


def document(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def deref(doc: dict, item: dict) -> dict:
    """Follow local $refs of the document."""
    while "$ref" in item:
        target = doc
        for part in item["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        item = target
    return item


def documented(doc: dict, path: str, method: str, status: int) -> dict:
    """The documented response of an operation for a status, its $refs followed."""
    return deref(doc, doc["paths"][path][method]["responses"][str(status)])


def conforms(doc: dict, path: str, method: str, response) -> None:
    """The response's status, body and headers are the ones the document gives for it."""
    spec = documented(doc, path, method, response.status_code)
    schema = spec["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**deref(doc, schema), "components": doc["components"]})
    assert not list(validator.iter_errors(response.get_json())), response.get_json()
    for name, header in spec.get("headers", {}).items():
        header = deref(doc, header)
        if header.get("required"):
            assert name in response.headers, name


def test_a_429_is_documented_with_its_retry_after(shared_store, tmp_path):
    doc_app = make_app(shared_store.root, tmp_path, SUBMIT_RATE_LIMIT="1 per minute")
    client = doc_app.test_client()
    doc = document(client)
    client.get("/")  # the session exists before the first submission: one budget for both
    assert client.post("/api/v1/analyses", json=QUERY).status_code == 202
    limited = client.post("/api/v1/analyses", json=QUERY)
    assert limited.status_code == 429 and limited.get_json()["field"] == "rate"
    conforms(doc, "/api/v1/analyses", "post", limited)
    assert deref(doc, documented(doc, "/api/v1/analyses", "post", 429)["headers"]["Retry-After"])["schema"] == \
        {"type": "integer", "minimum": 1}
    assert int(limited.headers["Retry-After"]) >= 1


def test_a_full_queue_429_is_documented_too(shared_store, tmp_path):
    client = make_app(shared_store.root, tmp_path, MAX_QUEUED_PER_SESSION=0).test_client()
    full = client.post("/api/v1/analyses", json=QUERY)
    assert full.status_code == 429 and full.get_json()["field"] == "queue" and full.headers["Retry-After"] == "5"
    conforms(document(client), "/api/v1/analyses", "post", full)


def test_every_response_is_documented_with_its_headers(client):
    doc = document(client)
    statuses = {(path, method): set(operation["responses"]) for path, item in doc["paths"].items()
                for method, operation in item.items()}
    assert statuses == {
        ("/api/v1/datasets", "get"): {"200", "304", "405"},
        ("/api/v1/datasets/{name}", "get"): {"200", "304", "404", "405"},
        ("/api/v1/analyses", "post"): {"202", "400", "405", "413", "415", "422", "429"},
        ("/api/v1/analyses/{id}", "get"): {"200", "404", "405"},
        ("/api/v1/analyses/{id}", "delete"): {"204", "404", "405"},
        ("/api/v1/analyses/{id}/shares", "post"): {"201", "400", "404", "405", "409", "413", "415", "422"},
        ("/api/v1/analyses/{id}/shares", "get"): {"200", "404", "405"},
        ("/api/v1/analyses/{id}/shares/{token}", "delete"): {"204", "404", "405"},
        ("/api/v1/openapi.json", "get"): {"200", "304", "405"},
    }
    assert set(documented(doc, "/api/v1/analyses", "post", 202)["headers"]) == {"Location"}
    assert set(documented(doc, "/api/v1/analyses", "post", 405)["headers"]) == {"Allow"}
    created = client.post("/api/v1/analyses", json=QUERY)
    assert created.status_code == 202
    conforms(doc, "/api/v1/analyses", "post", created)
    assert created.headers["Location"] == created.get_json()["url"]
    conforms(doc, "/api/v1/analyses/{id}", "get", client.get(created.headers["Location"]))
    for response in (client.post("/api/v1/analyses", data="{", content_type="application/json"),
                     client.post("/api/v1/analyses", data="x", content_type="text/plain"),
                     client.post("/api/v1/analyses", json={**QUERY, "year": 1999}),
                     client.post("/api/v1/analyses", data=b"[" * (300 * 1024), content_type="application/json")):
        conforms(doc, "/api/v1/analyses", "post", response)


def test_ids_are_documented_as_strings_with_a_number_beside(api):
    doc = document(api)
    pattern = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
    for path, method, status in (("/api/v1/analyses", "post", 202), ("/api/v1/analyses/{id}", "get", 200)):
        schema = documented(doc, path, method, status)["content"]["application/json"]["schema"]
        assert pattern.items() <= schema["properties"]["id"].items()
        assert schema["properties"]["number"]["type"] == "integer" and "number" in schema["required"]
    for method in ("get", "delete"):
        (param,) = doc["paths"]["/api/v1/analyses/{id}"][method]["parameters"]
        assert pattern.items() <= param["schema"].items()


@pytest.mark.parametrize("job_id", ["0" * 32, "1", "\u0661", "abc", "f" * 31, "F" * 32, "-1", "%00"])
def test_get_and_delete_of_an_unknown_or_malformed_id_are_the_same_404(api, job_id):
    post(api, QUERY)  # the session has an analysis: none of these ids is it
    got, deleted = api.get(f"/api/v1/analyses/{job_id}"), api.delete(f"/api/v1/analyses/{job_id}")
    assert got.status_code == deleted.status_code == 404
    assert got.get_json() == deleted.get_json() and got.get_json()["error"]


@pytest.mark.parametrize("path, method, allow", [
    ("/api/v1/datasets", "put", {"GET", "HEAD", "OPTIONS"}),
    ("/api/v1/datasets/demo", "delete", {"GET", "HEAD", "OPTIONS"}),
    ("/api/v1/analyses", "get", {"POST", "OPTIONS"}),
    ("/api/v1/analyses/" + "a" * 32, "patch", {"GET", "HEAD", "DELETE", "OPTIONS"}),
    ("/api/v1/openapi.json", "post", {"GET", "HEAD", "OPTIONS"}),
    ("/", "delete", {"GET", "HEAD", "OPTIONS"}),  # pages too: the fix is for every HTTP error
])
def test_a_405_says_which_methods_the_path_takes(api, path, method, allow):
    response = getattr(api, method)(path)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allow
    if path.startswith("/api/"):
        assert response.get_json() == {"error": "The method is not allowed for the requested URL.", "field": None}
        assert response.mimetype == "application/json"


EMPTY_CODES = [
    ("dataset", {**QUERY, "dataset": ""}),
    ("indicator", {**QUERY, "indicator": ""}),
    ("products[1]", {**QUERY, "products": ["D", ""]}),
    ("regions[0]", {**QUERY, "regions": [""]}),
    *[(f"interventions[0].{key}", {**QUERY, "interventions": [{**{
        "product": "D", "origin": "JP", "consumer": "FD", "consumer_region": "Europe", "change_pct": -5}, key: ""}]})
      for key in ("product", "origin", "consumer", "consumer_region")],
]


def test_every_code_of_the_schema_is_at_least_one_character(api):
    query, flows = document(api)["components"]["schemas"]["Query"]["oneOf"]
    intervention = query["properties"]["interventions"]["items"]["properties"]
    codes = [query["properties"]["dataset"], query["properties"]["indicator"],
             query["properties"]["products"]["items"], query["properties"]["regions"]["items"],
             *(intervention[key] for key in ("product", "origin", "consumer", "consumer_region")),
             flows["properties"]["dataset"], flows["properties"]["indicator"],
             *(flows["properties"][key]["items"] for key in ("origin_regions", "origin_products", "consumer_regions",
                                                             "final_products"))]
    assert all(code["type"] == "string" and code["minLength"] == 1 for code in codes)


@pytest.mark.parametrize("field, body", EMPTY_CODES, ids=[field for field, _ in EMPTY_CODES])
def test_an_empty_code_is_refused_naming_its_json_path(api, field, body):
    response = post(api, body)
    assert response.status_code == 422
    assert response.get_json() == {"error": f"{field} must not be empty", "field": field}


@pytest.mark.parametrize("key, value", [("interventions", 0), ("interventions", ""), ("interventions", None),
                                        ("interventions", {}), ("products", None), ("regions", None)])
def test_what_is_not_a_list_is_refused_as_the_schema_says(api, key, value):
    response = post(api, {**QUERY, key: value})
    assert response.status_code == 422
    assert response.get_json() == {"error": f"{key} must be a list", "field": key}


@pytest.mark.parametrize("body, field, message", [
    ({**QUERY, "regions": ["JP", 5]}, "regions[1]", "regions[1] must be a string"),
    ({**QUERY, "regions": ["JP", "JP"]}, "regions", "regions lists 'JP' twice"),
    ({**QUERY, "products": [f"c{i}" for i in range(1001)]}, "products", "products may have at most 1000 entries"),
    ({**QUERY, "regions": []}, "regions", "regions must have at least 1 entry"),
    ({**QUERY, "x" * 500: 1}, "x" * 500, "unknown field '" + "x" * 56 + "..."),  # a message stays short
    ([QUERY], "query", "a query must be an object with named fields"),
    ({**QUERY, "year": 2011.5}, "year", "year must be a whole number or null"),
    ({**QUERY, "by": "sector"}, "by", "by must be one of product, region"),
    ({**QUERY, "interventions": [{"product": "D", "origin": "JP", "consumer": "FD", "consumer_region": "JP"}]},
     "interventions[0].change_pct", "interventions[0].change_pct is required"),
    ({**QUERY, "interventions": [{"product": "D", "origin": "JP", "consumer": "FD", "consumer_region": "JP",
                                  "change_pct": -5, "colour": 1}]},
     "interventions[0].colour", "unknown field 'colour' in interventions[0]"),
    ({**QUERY, "interventions": [{"product": "D", "origin": "JP", "consumer": "FD", "consumer_region": "JP",
                                  "change_pct": -100.5}]},
     "interventions[0].change_pct", "interventions[0].change_pct must be at least -100"),
])
def test_schema_errors_name_the_json_path_of_the_field(api, body, field, message):
    response = post(api, body)
    assert response.status_code == 422 and response.get_json() == {"error": message, "field": field}


@pytest.mark.parametrize("change", ["1_000", "\u0665", "-20", "NaN"])
def test_a_change_pct_written_as_text_is_not_a_number(api, change):
    """The builder's form reads "1_000" and Arabic-Indic digits strictly (app/parsing.py); in JSON a change is
    a number, never text."""
    response = post(api, {**QUERY, "interventions": [{"product": "D", "origin": "JP", "consumer": "FD",
                                                      "consumer_region": "JP", "change_pct": change}]})
    assert response.status_code == 422
    assert response.get_json() == {"error": "interventions[0].change_pct must be a number",
                                   "field": "interventions[0].change_pct"}


def test_a_year_written_2011_0_is_the_year_2011(client):
    """JSON (and the published schema) know one kind of number: 2011.0 is the integer 2011."""
    created = post(client, {**QUERY, "year": 2011.0})
    assert created.status_code == 202
    assert client.get(created.get_json()["url"]).get_json()["query"]["year"] == 2011


# Issue 8, item 11: input that gave 500 now gets a 4xx naming the field.

def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def raw_post(client, text: str):
    return client.post("/api/v1/analyses", data=text, content_type="application/json")


DEEP = {
    "the body": nested(5000),
    "an object in the body": '{"a": ' * 5000 + "1" + "}" * 5000,
    "products": json.dumps({**QUERY, "products": "X"}).replace('"X"', nested(5000, '"D"')),
    "interventions": json.dumps({**QUERY, "interventions": "X"}).replace('"X"', nested(5000)),
    "an intervention's field": json.dumps({**QUERY, "interventions": [{"product": "X"}]}).replace(
        '"X"', nested(5000, '"D"')),
    "products, just too deep to check": json.dumps({**QUERY, "products": "X"}).replace(
        '"X"', nested(MAX_DEPTH, '"D"')),
}


@pytest.mark.parametrize("where", DEEP)
def test_json_nested_thousands_deep_is_a_400_naming_the_body(api, where):
    response = raw_post(api, DEEP[where])
    assert response.status_code == 400
    assert response.get_json() == {"error": f"the body nests more than {MAX_DEPTH} levels deep", "field": "body"}


def test_nesting_up_to_the_limit_reaches_the_schema(api):
    inside = json.dumps({**QUERY, "products": "X"}).replace('"X"', nested(MAX_DEPTH - 2, '"D"'))
    response = raw_post(api, inside)
    assert response.status_code == 422 and response.get_json()["field"] == "products[0]"


@pytest.mark.parametrize("change", ["9" * 4000, "9" * 4000 + ".5", "1e400", "-1e400", "1000000.5"])
def test_a_change_pct_beyond_a_float_is_a_422_naming_it(api, change):
    body = json.dumps({**QUERY, "interventions": [{"product": "D", "origin": "JP", "consumer": "FD",
                                                   "consumer_region": "JP", "change_pct": 7}]})
    response = raw_post(api, body.replace('"change_pct": 7', f'"change_pct": {change}'))
    assert response.status_code == 422
    bound = "at least -100" if change.startswith("-") else f"at most {MAX_CHANGE_PCT:,.0f}"
    assert response.get_json() == {"error": f"interventions[0].change_pct must be {bound}",
                                   "field": "interventions[0].change_pct"}


@pytest.mark.parametrize("text, message", [
    (json.dumps(QUERY).replace("2011", "NaN"), "the body is not valid JSON: NaN is not a JSON number"),
    (json.dumps(QUERY).replace("2011", "-Infinity"), "the body is not valid JSON: -Infinity is not a JSON number"),
    ('{"dataset": "small", "dataset": "demo"}', "the body is ambiguous: 'dataset' is given twice in one object"),
    ("9" * 5000, "the body holds an integer of more than 4,300 digits"),
    (json.dumps({**QUERY, "year": 1}).replace(": 1", ": -" + "9" * 4301),
     "the body holds an integer of more than 4,300 digits"),
    ('{"dataset": "\\ud800"', "the body is not valid JSON"),
    (b"\xff\xfe{".decode("latin-1"), "the body is not valid JSON"),
])
def test_json_the_api_cannot_read_is_a_400_naming_the_body(api, text, message):
    response = raw_post(api, text)
    assert response.status_code == 400 and response.get_json() == {"error": message, "field": "body"}


def test_a_long_list_of_distinct_mixed_values_is_refused_quickly(api):
    """jsonschema's own uniqueItems compares every pair of items of mixed types: 18,000 took minutes."""
    import time

    products = [value for i in range(9000) for value in (i, str(i))]
    started = time.perf_counter()
    response = raw_post(api, json.dumps({**QUERY, "products": products}, separators=(",", ":")))
    assert response.status_code == 422 and response.get_json()["field"] == "products"
    assert time.perf_counter() - started < 2


def test_an_error_anywhere_is_json_for_a_client_that_prefers_json(client):
    missing = "/analyses/" + "0" * 32
    as_json = client.get(missing, headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.get_json() == {"error": "not found", "field": None}
    as_page = client.get(missing, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert as_page.status_code == 404 and as_page.mimetype == "text/html" and "not found" in as_page.get_data(True)
    bad_id = client.get("/?a=nope", headers={"Accept": "application/json"})
    assert bad_id.status_code == 400 and bad_id.get_json()["error"] == "a must be the id of one of your analyses"
