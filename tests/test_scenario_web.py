"""Scenarios through the API, the builder pages, saved scenarios, progress, and their own queue."""

import csv
import io
import re
import time

import pytest
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Job
from app.perf.client import Session

INTERVENTIONS = [
    {"product": "electricity", "origin": "TOTAL", "consumer": "manufactoring", "consumer_region": "reg1",
     "change_pct": -20.0},
    {"product": "food", "origin": "reg2", "consumer": "FD", "consumer_region": "TOTAL", "change_pct": 50.0},
]
QUERY = {"dataset": "demo", "year": 2011, "indicator": "value_added", "perspective": "consumption", "by": "region",
         "products": ["TOTAL"], "regions": ["reg1", "TOTAL"]}


def test_api_scenario_echoes_interventions_and_gives_baseline(client, engine):
    from app.engine import Query

    body = client.post("/api/v1/analyses", json={**QUERY, "interventions": INTERVENTIONS}).get_json()
    job = client.get(body["url"]).get_json()
    assert job["status"] == "done"
    assert job["query"]["interventions"] == INTERVENTIONS
    want = engine.answer(Query.from_dict({**QUERY, "interventions": INTERVENTIONS}))
    assert job["result"]["rows"] == [{"code": r.code, "name": r.name, "level": r.level, "value": r.value}
                                     for r in want.rows]
    base = engine.answer(Query.from_dict(QUERY))
    assert job["result"]["baseline"]["total"] == base.total
    assert job["result"]["solver"]["method"] == "woodbury"
    bad = client.post("/api/v1/analyses", json={**QUERY, "interventions": [{**INTERVENTIONS[0], "change_pct": -101}]})
    assert bad.status_code == 422 and bad.get_json()["field"] == "interventions[0].change_pct"
    bad = client.post("/api/v1/analyses", json={**QUERY, "interventions": [{**INTERVENTIONS[0], "origin": "Mars"}]})
    assert bad.status_code == 422 and bad.get_json()["field"] == "interventions[0].origin"


def builder_form(name, rows, action, dataset="demo", scenario_id=None):
    fields = [("name", name), ("dataset", dataset), ("count", str(len(rows))), ("action", action)]
    if scenario_id:
        fields.append(("scenario_id", str(scenario_id)))
    for i, row in enumerate(rows):
        fields += [(f"{key}-{i}", str(value)) for key, value in row.items()]
    return MultiDict(fields)


def test_builder_adds_moves_removes_and_validates_without_javascript(client):
    client.get("/")
    page = client.get("/scenarios").get_data(as_text=True)
    assert 'id="product-0"' in page and 'id="product-1"' not in page
    rows = [dict(iv, change_pct=f"{iv['change_pct']:g}") for iv in INTERVENTIONS]
    added = client.post("/scenarios/builder", data=builder_form("x", rows, "add")).get_data(as_text=True)
    assert 'id="product-2"' in added
    moved = client.post("/scenarios/builder", data=builder_form("x", rows, "down-0")).get_data(as_text=True)
    assert moved.index('name="consumer-0"') < moved.index('value="FD" selected') < moved.index('name="consumer-1"')
    removed = client.post("/scenarios/builder", data=builder_form("x", rows, "remove-0")).get_data(as_text=True)
    assert 'id="product-1"' not in removed and 'value="food" selected' in removed
    bad = [dict(rows[0], change_pct="lots"), dict(rows[1], change_pct="-300")]
    refused = client.post("/scenarios/builder", data=builder_form("", bad, "save"))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Give the scenario a name" in html and "Enter the change in percent" in html
    assert "is below -100 %, which would make coefficients negative." in html
    assert 'id="e-interventions-0-change_pct"' in html and 'id="e-interventions-1-change_pct"' in html
    with client.application.app_context():
        from app.models import Scenario
        assert db.session.scalar(db.select(db.func.count()).select_from(Scenario)) == 0


def test_saved_scenario_runs_an_analysis_and_belongs_to_the_session(shared_app):
    client, other = shared_app.test_client(), shared_app.test_client()
    client.get("/"), other.get("/")
    rows = [dict(iv, change_pct=f"{iv['change_pct']:g}") for iv in INTERVENTIONS]
    saved = client.post("/scenarios/builder", data=builder_form("Less power", rows, "save"))
    assert saved.status_code == 303
    sid = re.fullmatch(r"/scenarios\?saved=([0-9a-f]{32})", saved.headers["Location"]).group(1)
    assert "Less power" in client.get("/scenarios").get_data(as_text=True)
    assert "Less power" not in other.get("/scenarios").get_data(as_text=True)
    assert other.get(f"/scenarios?edit={sid}").status_code == 404
    job = client.post("/api/v1/analyses", json=QUERY).get_json()["id"]
    assert other.post(f"/analyses/{job}/scenario", data={"scenario_id": sid}).status_code == 404
    run = client.post(f"/analyses/{job}/scenario", data={"scenario_id": sid})
    assert run.status_code == 303
    new_id = run.headers["Location"].rsplit("/", 1)[1]
    result = client.get(f"/api/v1/analyses/{new_id}").get_json()
    assert result["query"] == {**QUERY, "interventions": INTERVENTIONS, "direct": True}
    page = client.get(f"/analyses/{new_id}").get_data(as_text=True)
    assert "Baseline and scenario" in page and "Under a scenario of 2 interventions" in page
    assert "electricity (electricity) made in Total (TOTAL), delivered to the industries making manufactoring" in page
    rows_csv = list(csv.DictReader(io.StringIO(client.get(f"/analyses/{new_id}.csv").get_data(as_text=True))))
    assert rows_csv[0]["interventions"].startswith("product=electricity,origin=TOTAL,consumer=manufactoring")
    first = rows_csv[0]
    assert float(first["difference"]) == pytest.approx(float(first["value"]) - float(first["baseline_value"]))
    # editing keeps the id; the other session cannot delete it
    edited = client.post("/scenarios/builder",
                         data=builder_form("Less power, edited", rows[:1], "save", scenario_id=sid))
    assert edited.status_code == 303 and edited.headers["Location"].endswith(sid)
    assert other.post(f"/scenarios/{sid}/delete").status_code == 404
    assert client.post(f"/scenarios/{sid}/delete").status_code == 303
    assert client.get(f"/scenarios?edit={sid}").status_code == 404


def test_a_scenario_for_another_dataset_is_refused(shared_app):
    client = shared_app.test_client()
    client.get("/")
    rows = [{"product": "A", "origin": "TOTAL", "consumer": "FD", "consumer_region": "TOTAL", "change_pct": "10"}]
    saved = client.post("/scenarios/builder", data=builder_form("Synthetic", rows, "save", dataset="small"))
    sid = saved.headers["Location"].rsplit("=", 1)[1]
    job = client.post("/api/v1/analyses", json=QUERY).get_json()["id"]
    refused = client.post(f"/analyses/{job}/scenario", data={"scenario_id": sid})
    assert refused.status_code == 400 and "is for dataset small" in refused.get_data(as_text=True)


def test_scenarios_use_their_own_queue(shared_store, tmp_path):
    from .conftest import make_app

    app = make_app(shared_store.root, tmp_path, HUEY_IMMEDIATE=False)
    client = app.test_client()
    client.post("/api/v1/analyses", json={**QUERY, "interventions": INTERVENTIONS})
    client.post("/api/v1/analyses", json=QUERY)
    queues = app.extensions["queues"]
    assert queues["analysis"].pending_count() == 1 and queues["scenario"].pending_count() == 1
    queues["scenario"].execute(queues["scenario"].dequeue())
    with app.app_context():
        scenario_job, analysis_job = db.session.scalars(db.select(Job).order_by(Job.id)).all()
        assert scenario_job.status == "done" and analysis_job.status == "queued"


def test_analyses_keep_their_latency_while_scenarios_run(live_server, monkeypatch):
    """Two long scenarios occupy the scenario worker; an analysis submitted after them is done at once."""
    engine = live_server.app.extensions["engine"]
    real = engine.answer

    def slow(query, progress=lambda _: None, **options):
        if query.interventions:
            for step in range(30):
                progress(f"iteration {step}")
                time.sleep(0.1)
        return real(query, progress=progress, **options)

    monkeypatch.setattr(engine, "answer", slow)
    browser = Session(live_server.url)
    browser.get("/")
    ws = browser.websocket()
    ws.receive(timeout=5)
    scenario_ids = []
    for _ in range(2):
        status, created = browser.post_json("/api/v1/analyses", {**QUERY, "interventions": INTERVENTIONS})
        assert status == 202
        scenario_ids.append(created["id"])
    time.sleep(0.3)
    started = time.perf_counter()
    status, body = browser.post_json("/api/v1/analyses", QUERY)
    seen_progress = False
    while True:
        message = ws.receive(timeout=5)
        assert message is not None
        seen_progress = seen_progress or "iteration" in message
        if f'id="job-{body["id"]}" class="job status-done"' in message:
            break
    latency = time.perf_counter() - started
    status, first = browser.request("GET", f"/api/v1/analyses/{scenario_ids[0]}")
    assert '"status":"running"' in first.replace(" ", "") or '"status":"queued"' in first.replace(" ", "")
    assert latency < 1.0
    # the running scenario pushes its progress over the websocket
    deadline = time.monotonic() + 5
    while not seen_progress and time.monotonic() < deadline:
        seen_progress = "iteration" in (ws.receive(timeout=1) or "")
    assert seen_progress
    ws.close()
