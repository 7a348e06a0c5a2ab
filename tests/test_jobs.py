"""The job lifecycle: queued -> running -> done | failed, written by the worker, never left running."""

import pytest

from app.engine import Query, Store
from app.engine.synth import synthetic_source
from app.extensions import db
from app.models import Job

from .conftest import make_app

QUERY = {"dataset": "mine", "indicator": "co2", "perspective": "production", "by": "region"}


@pytest.fixture()
def queued_app(tmp_path):
    """Tasks wait in the SQLite queue until the test runs them, so states can be seen in between."""
    store = Store(tmp_path / "store")
    store.write("mine", synthetic_source([2011], 3, 4))
    return make_app(store.root, tmp_path, HUEY_IMMEDIATE=False)


def run_next_task(app):
    huey = app.extensions["huey"]
    task = huey.dequeue()
    assert task is not None
    huey.execute(task)


def job_row(app, job_id):
    with app.app_context():
        return db.session.get(Job, job_id)


def test_states_and_timestamps(queued_app):
    client = queued_app.test_client()
    job_id = client.post("/api/v1/analyses", json=QUERY).get_json()["id"]
    queued = job_row(queued_app, job_id)
    assert queued.status == "queued" and queued.started_at is None and queued.task_id
    states = []
    hub = queued_app.extensions["hub"]
    inbox = hub.subscribe(queued.owner)
    run_next_task(queued_app)
    while not inbox.empty():
        states.append(job_row(queued_app, inbox.get()).status)
    done = job_row(queued_app, job_id)
    assert done.status == "done" and done.result["rows"][0]["code"] == "TOTAL"
    assert done.created_at <= done.started_at <= done.finished_at
    assert done.elapsed_seconds >= 0
    # two notifications: running, then done (the row is read after both, so both say done)
    assert len(states) == 2


def test_a_failing_task_fails_the_job_with_a_readable_message(queued_app):
    client = queued_app.test_client()
    job_id = client.post("/api/v1/analyses", json=QUERY).get_json()["id"]
    queued_app.extensions["engine"].store.delete("mine")  # gone between submit and run
    run_next_task(queued_app)
    job = client.get(f"/api/v1/analyses/{job_id}").get_json()
    assert job["status"] == "failed" and job["result"] is None
    assert "no dataset named 'mine'" in job["error"]
    assert job["finished_at"] is not None


def test_an_unexpected_error_fails_the_job_and_the_worker_goes_on(queued_app, monkeypatch):
    client = queued_app.test_client()
    first = client.post("/api/v1/analyses", json=QUERY).get_json()["id"]
    second = client.post("/api/v1/analyses", json=QUERY).get_json()["id"]
    engine = queued_app.extensions["engine"]
    real = engine.answer
    monkeypatch.setattr(engine, "answer", lambda q, **kwargs: (_ for _ in ()).throw(MemoryError("boom")))
    run_next_task(queued_app)
    monkeypatch.setattr(engine, "answer", real)
    run_next_task(queued_app)
    failed = client.get(f"/api/v1/analyses/{first}").get_json()
    assert failed["status"] == "failed" and failed["error"] == "the analysis could not be computed (MemoryError)"
    assert client.get(f"/api/v1/analyses/{second}").get_json()["status"] == "done"


def test_a_deleted_job_is_not_run_and_not_recreated(queued_app):
    client = queued_app.test_client()
    job_id = client.post("/api/v1/analyses", json=QUERY).get_json()["id"]
    assert client.delete(f"/api/v1/analyses/{job_id}").status_code == 204
    run_next_task(queued_app)
    with queued_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0


def test_a_job_already_run_by_another_consumer_is_not_run_twice(queued_app, monkeypatch):
    client = queued_app.test_client()
    job_id = client.post("/api/v1/analyses", json=QUERY).get_json()["id"]
    run_next_task(queued_app)
    finished = job_row(queued_app, job_id).finished_at
    calls = []
    engine = queued_app.extensions["engine"]
    monkeypatch.setattr(engine, "answer", lambda q, **kwargs: calls.append(q))
    queued_app.extensions["tasks"].run_analysis(job_id)  # a duplicate delivery
    run_next_task(queued_app)
    assert calls == [] and job_row(queued_app, job_id).finished_at == finished


def test_the_worker_preloads_every_dataset_on_start(queued_app):
    engine = queued_app.extensions["engine"]
    assert engine._open == {}
    for hook in queued_app.extensions["huey"]._startup.values():
        hook()
    assert set(engine._open) == {"mine"}


def test_a_restart_loses_nothing(tmp_path, queued_app):
    client = queued_app.test_client()
    job_id = client.post("/api/v1/analyses", json=QUERY).get_json()["id"]
    run_next_task(queued_app)
    # a new app on the same instance files: same database, same secret, same session cookie
    again = make_app(queued_app.config["STORE_PATH"], tmp_path, HUEY_IMMEDIATE=False)
    other = again.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    assert other.get(f"/api/v1/analyses/{job_id}").get_json()["status"] == "done"
    assert f"#{job_id}" in other.get("/").get_data(as_text=True)
