"""Production mode on real servers: PostgreSQL, Redis, separate consumer processes, and their faults.

These tests use the PostgreSQL at 127.0.0.1:5432 (user postgres) and the Redis at 127.0.0.1:6379,
or RAMASCENE_TEST_POSTGRES / RAMASCENE_TEST_REDIS. Without them they skip, saying why; with
RAMASCENE_REQUIRE_SERVICES=1 (as .ci/run sets it) a missing server fails them instead.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
from werkzeug.serving import make_server

from app.engine import Query
from app.extensions import db
from app.models import Job
from app.perf.client import Session
from app.web import ClosedWhenSent

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUIRED = os.environ.get("RAMASCENE_REQUIRE_SERVICES") == "1"
POSTGRES = os.environ.get("RAMASCENE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("RAMASCENE_TEST_REDIS", "redis://127.0.0.1:6379/11")
QUERY = {"dataset": "demo", "indicator": "value_added", "perspective": "consumption", "by": "region",
         "regions": ["reg1", "reg2", "TOTAL"]}


def unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"{reason} (RAMASCENE_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture()
def pg_url():
    """A fresh, empty PostgreSQL database for one test."""
    import psycopg

    try:
        admin = psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3)
    except Exception as exc:
        unavailable(f"PostgreSQL is not reachable at {POSTGRES}: {exc}")
    name = f"ramascene_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture()
def redis_url():
    import redis

    try:
        client = redis.Redis.from_url(REDIS, socket_connect_timeout=3)
        client.ping()
    except Exception as exc:
        unavailable(f"Redis is not reachable at {REDIS}: {exc}")
    client.flushdb()
    yield REDIS
    client.flushdb()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisProcess:
    """A Redis server of this test's own, so that it can be killed and restarted (it keeps nothing on disk)."""

    def __init__(self, tmp_path):
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(self.binary):
            unavailable("redis-server is not installed")
        self.port, self.dir, self.process = free_port(), tmp_path, None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--dir", str(self.dir)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port).ping()
                return
            except Exception:
                time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def worker_env(store_root, database, redis, **config):
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis, "RAMASCENE_STORE_PATH": str(store_root),
           "RAMASCENE_SECRET_KEY": "production-test"}
    env.update({f"RAMASCENE_{key}": str(value) for key, value in config.items()})
    return env


def start_worker(env, log_path):
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "2"],
                                env=env, cwd=ROOT, stdout=log, stderr=log)


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def shutdown(app, server):
    server.shutdown()
    with app.app_context():
        db.engine.dispose()  # close the pool's connections before the test's database is dropped


def web_server(shared_store, tmp_path, database, redis, **config):
    """The web app alone (no consumers), over real HTTP, on the production database and Redis."""
    from .conftest import make_app

    app = make_app(shared_store.root, tmp_path, HUEY_IMMEDIATE=False, SQLALCHEMY_DATABASE_URI=database,
                   REDIS_URL=redis, WEBSOCKET_POLL_SECONDS=5.0, **config)
    server = make_server("127.0.0.1", 0, ClosedWhenSent(app), threaded=True)
    server.daemon_threads = True  # a socket left open by a failed test must not block the exit
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server, f"http://127.0.0.1:{server.server_port}"


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def jobs_of(app):
    with app.app_context():
        rows = db.session.scalars(db.select(Job).order_by(Job.id)).all()
        db.session.remove()
        return rows


def test_migrations_run_from_empty_on_postgresql(pg_url, shared_store):
    import psycopg

    env = worker_env(shared_store.root, pg_url, "redis://127.0.0.1:6379/11")
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with psycopg.connect(pg_url) as conn:
        tables = {r[0] for r in conn.execute("select tablename from pg_tables where schemaname = 'public'")}
        columns = {r[0] for r in conn.execute("select column_name from information_schema.columns "
                                              "where table_name = 'job'")}
        head = conn.execute("select version_num from alembic_version").fetchone()[0]
    assert tables == {"alembic_version", "job", "scenario", "share"}
    assert {"owner", "status", "query", "result", "attempts", "heartbeat_at", "kind"} <= columns
    heads = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "heads"], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=60).stdout
    assert head in heads


def test_two_consumer_processes_run_the_jobs_and_notify_the_web_process(pg_url, redis_url, shared_store, tmp_path):
    app, server, url = web_server(shared_store, tmp_path, pg_url, redis_url)
    env = worker_env(shared_store.root, pg_url, redis_url, FAULT_DELAY_SECONDS=0.2)
    workers = [start_worker(env, tmp_path / f"worker{i}.log") for i in range(2)]
    try:
        browser = Session(url)
        browser.get("/")
        ws = browser.websocket()
        ws.receive(timeout=5)
        ids = []
        for i in range(12):
            body = {**QUERY, "interventions": [{"product": "food", "origin": "TOTAL", "consumer": "FD",
                                                "consumer_region": "reg1", "change_pct": -10}]} if i % 4 == 0 else QUERY
            status, created = browser.post_json("/api/v1/analyses", body)
            assert status == 202
            ids.append(created["id"])
        done = set()
        deadline = time.monotonic() + 60
        while len(done) < len(ids) and time.monotonic() < deadline:
            message = ws.receive(timeout=1) or ""
            for job_id in ids:
                if f'id="job-{job_id}" class="job status-done"' in message:
                    done.add(job_id)
        ws.close()
        # each done reached this web process as a push from another process (Redis pub/sub);
        # the websocket's own database check runs only every 5 s here
        assert done == set(ids)
        rows = jobs_of(app)
        assert all(job.status == "done" and job.attempts == 1 for job in rows)
        assert len({job.worker for job in rows}) == 2  # both consumer processes took jobs
        engine = app.extensions["engine"]
        want = engine.answer(Query.from_dict(QUERY)).to_dict()
        assert all(job.result == want for job in rows if job.kind == "analysis")
    finally:
        for worker in workers:
            stop(worker)
        shutdown(app, server)


def test_kill_9_of_a_consumer_mid_job_is_recovered(pg_url, redis_url, shared_store, tmp_path):
    app, server, url = web_server(shared_store, tmp_path, pg_url, redis_url)
    timing = dict(HEARTBEAT_SECONDS=0.5, STALE_SECONDS=3, REAPER_SECONDS=1)
    stuck = start_worker(worker_env(shared_store.root, pg_url, redis_url, FAULT_DELAY_SECONDS=60, **timing),
                         tmp_path / "stuck.log")
    rescuer = None
    try:
        browser = Session(url)
        status, created = browser.post_json("/api/v1/analyses", QUERY)
        wait_for(lambda: jobs_of(app)[0].status == "running", 30, "the first worker to take the job")
        first = jobs_of(app)[0].worker
        stuck.send_signal(signal.SIGKILL)
        stuck.wait()
        killed = time.monotonic()
        rescuer = start_worker(worker_env(shared_store.root, pg_url, redis_url, **timing), tmp_path / "rescuer.log")
        wait_for(lambda: jobs_of(app)[0].status == "done", 60, "a live worker to finish the job")
        recovered_in = time.monotonic() - killed
        job = jobs_of(app)[0]
        assert job.attempts == 2 and job.worker != first
        assert job.result == app.extensions["engine"].answer(Query.from_dict(QUERY)).to_dict()
        assert recovered_in < 60
    finally:
        stop(stuck)
        if rescuer:
            stop(rescuer)
        shutdown(app, server)


def test_jobs_survive_a_redis_restart(pg_url, shared_store, tmp_path):
    redis_server = RedisProcess(tmp_path)
    redis_server.start()
    app, server, url = web_server(shared_store, tmp_path, pg_url, redis_server.url)
    worker = None
    try:
        browser = Session(url)
        ids = [browser.post_json("/api/v1/analyses", QUERY)[1]["id"] for _ in range(4)]
        redis_server.kill()  # the queued tasks are gone with it
        status, created = browser.post_json("/api/v1/analyses", QUERY)  # submitted while Redis is down
        assert status == 202
        ids.append(created["id"])
        redis_server.start()
        worker = start_worker(worker_env(shared_store.root, pg_url, redis_server.url, LOST_SECONDS=2,
                                         REAPER_SECONDS=1), tmp_path / "worker.log")
        wait_for(lambda: all(job.status == "done" for job in jobs_of(app)), 60, "every job to be done")
        rows = jobs_of(app)
        assert [job.public_id for job in rows] == ids
        want = app.extensions["engine"].answer(Query.from_dict(QUERY)).to_dict()
        assert all(job.attempts == 1 and job.result == want for job in rows)  # each ran once, same answer
    finally:
        if worker:
            stop(worker)
        shutdown(app, server)
        if redis_server.process.poll() is None:
            redis_server.kill()
