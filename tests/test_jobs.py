"""The job lifecycle: queued -> running -> done | failed, written by the worker, never left running."""

import pytest

from app.engine import Store
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
    huey = app.extensions["queues"]["analysis"]
    task = huey.dequeue()
    assert task is not None
    huey.execute(task)


def job_row(app, job_id):
    """The row by its public id (as the API gives it) or by its integer key (as the hub sends it)."""
    with app.app_context():
        if isinstance(job_id, int):
            return db.session.get(Job, job_id)
        return db.session.scalar(db.select(Job).where(Job.public_id == job_id))


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
    queued_app.extensions["tasks"]["analysis"](job_id)  # a duplicate delivery
    run_next_task(queued_app)
    assert calls == [] and job_row(queued_app, job_id).finished_at == finished


def test_the_worker_preloads_every_dataset_on_start(queued_app):
    engine = queued_app.extensions["engine"]
    assert engine._open == {}
    for hook in queued_app.extensions["queues"]["analysis"]._startup.values():
        hook()
    assert set(engine._open) == {"mine"}


def test_preload_skips_a_damaged_dataset_and_checks_what_scenarios_read(queued_app):
    engine = queued_app.extensions["engine"]
    engine.store.write("other", synthetic_source([2011], 3, 4))
    m = engine.store.path("mine") / "2011" / "M.npy"
    m.write_bytes(m.read_bytes()[:-8])  # cut short
    for hook in queued_app.extensions["queues"]["scenario"]._startup.values():
        hook()
    other = engine.dataset("other")
    a_keys = set(other.coefficient_keys(2011))
    assert {key for (year, key) in other._arrays} >= {"M", "S", "x", "Y", "L", "LT"} | a_keys
    client = queued_app.test_client()
    job_id = client.post("/api/v1/analyses", json={**QUERY, "dataset": "other"}).get_json()["id"]
    run_next_task(queued_app)
    assert job_row(queued_app, job_id).status == "done"


def test_a_restart_loses_nothing(tmp_path, queued_app):
    client = queued_app.test_client()
    job_id = client.post("/api/v1/analyses", json=QUERY).get_json()["id"]
    run_next_task(queued_app)
    # a new app on the same instance files: same database, same secret, same session cookie
    again = make_app(queued_app.config["STORE_PATH"], tmp_path, HUEY_IMMEDIATE=False)
    other = again.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    assert other.get(f"/api/v1/analyses/{job_id}").get_json()["status"] == "done"
    page = other.get("/").get_data(as_text=True)
    assert f'id="job-{job_id}"' in page and '<span class="job-id">#1</span>' in page


def test_the_reaper_recovers_a_job_whose_worker_died_on_sqlite(queued_app):
    """SQLite hands back naive datetimes: the reaper once failed every round comparing them."""
    from datetime import timedelta

    from app import jobs
    from app.models import utcnow

    client = queued_app.test_client()
    job_id = client.post("/api/v1/analyses", json=QUERY).get_json()["id"]
    queued_app.extensions["queues"]["analysis"].flush()  # its task is lost with the dead worker
    with queued_app.app_context():
        job = db.session.scalar(db.select(Job).where(Job.public_id == job_id))
        long_ago = utcnow() - timedelta(seconds=120)
        job.status, job.attempts, job.started_at, job.heartbeat_at = "running", 1, long_ago, long_ago
        db.session.commit()
        db.session.expire_all()
        db.session.get(Job, job.id)  # loaded into the session, as in a running consumer
        assert jobs.reap() == {"requeued": 1, "failed": 0, "reenqueued": 0}
        assert job_row(queued_app, job_id).status == "queued"
    run_next_task(queued_app)
    done = job_row(queued_app, job_id)
    assert done.status == "done" and done.attempts == 2
    assert done.heartbeat_at.tzinfo is not None and done.started_at.tzinfo is not None


def test_a_job_stuck_twice_fails_and_no_longer_counts_against_the_cap(queued_app):
    from datetime import timedelta

    from app import jobs
    from app.models import utcnow

    queued_app.config["MAX_QUEUED_PER_SESSION"] = 1
    client = queued_app.test_client()
    job_id = client.post("/api/v1/analyses", json=QUERY).get_json()["id"]
    assert client.post("/api/v1/analyses", json=QUERY).status_code == 429
    with queued_app.app_context():
        job = db.session.scalar(db.select(Job).where(Job.public_id == job_id))
        long_ago = utcnow() - timedelta(seconds=120)
        job.status, job.attempts, job.heartbeat_at = "running", 2, long_ago
        db.session.commit()
        assert jobs.reap()["failed"] == 1
    failed = client.get(f"/api/v1/analyses/{job_id}").get_json()
    assert failed["status"] == "failed" and "stopped, 2 times" in failed["error"]
    assert client.post("/api/v1/analyses", json=QUERY).status_code == 202


def submit_from(app, address, cookie_count, jobs_each, query=QUERY):
    """Jobs from several fresh cookies at one address; returns their public ids, oldest first."""
    ids = []
    for _ in range(cookie_count):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        for _ in range(jobs_each):
            response = client.post("/api/v1/analyses", json=query)
            assert response.status_code == 202, response.get_json()
            ids.append(response.get_json()["id"])
    return ids


def test_caps_per_address_and_in_total_hold_however_many_cookies(queued_app):
    queued_app.config.update(MAX_QUEUED_PER_SESSION=5, MAX_QUEUED_PER_ADDRESS=8, MAX_QUEUED_TOTAL=12,
                             QUEUE_RETRY_SECONDS=7)
    submit_from(queued_app, "192.0.2.1", 4, 2)  # 8 jobs: the address is full
    fresh = queued_app.test_client()
    fresh.environ_base["REMOTE_ADDR"] = "192.0.2.1"
    refused = fresh.post("/api/v1/analyses", json=QUERY)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "7"
    body = refused.get_json()
    assert body["field"] == "queue" and "your address has 8 analyses waiting or running (at most 8)" in body["error"]
    submit_from(queued_app, "192.0.2.2", 1, 4)  # another address may go on, up to the total
    other = queued_app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.3"
    refused = other.post("/api/v1/analyses", json=QUERY)
    assert refused.status_code == 429 and "the server has 12 analyses waiting" in refused.get_json()["error"]
    with queued_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 12
        # the database keeps a keyed hash of the address, never the address
        clients = set(db.session.scalars(db.select(Job.client)))
        assert len(clients) == 2 and all(len(c) == 32 and "192" not in c for c in clients)
    page = other.post("/analyses", data={"dataset": "mine", "year": "2011", "indicator": "co2",
                                         "perspective": "production", "by": "region", "products": "TOTAL",
                                         "regions": "TOTAL"})
    assert page.status_code == 429 and page.headers["Retry-After"] == "7"
    assert "The server has 12 analyses waiting" in page.get_data(as_text=True)


def test_a_flood_from_one_address_does_not_starve_another_users_first_job(queued_app):
    queued_app.config.update(MAX_QUEUED_PER_ADDRESS=200, MAX_QUEUED_TOTAL=500)
    flood = submit_from(queued_app, "198.51.100.7", 10, 15)  # ten fresh cookies, 150 jobs
    victim = submit_from(queued_app, "203.0.113.9", 1, 1)[0]
    run_next_task(queued_app)  # the flood's oldest job came first
    assert job_row(queued_app, flood[0]).status == "done"
    run_next_task(queued_app)  # then the other address has its turn, not the flood's 149 others
    assert job_row(queued_app, victim).status == "done"
    with queued_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Job).where(Job.status == "done")) == 2


def test_sessions_at_one_address_take_turns_oldest_job_first(queued_app):
    first = submit_from(queued_app, "192.0.2.50", 1, 3)
    second = submit_from(queued_app, "192.0.2.50", 1, 3)
    order = []
    for _ in range(6):
        before = {i: job_row(queued_app, i).status for i in first + second}
        run_next_task(queued_app)
        order += [i for i in first + second if before[i] == "queued" and job_row(queued_app, i).status == "done"]
    assert order == [first[0], second[0], first[1], second[1], first[2], second[2]]
