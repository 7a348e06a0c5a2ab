"""Fixtures: an app per test on a temporary store, and shared read-only datasets built once."""

import os
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from types import SimpleNamespace

import flask_migrate
import pytest
from werkzeug.serving import make_server

from app import create_app
from app.engine import Engine, Store
from app.engine.sources import demo_source
from app.engine.synth import synthetic_source
from app.web import ClosedWhenSent

SMALL_SYNTH = {"years": [2011, 2012], "n_regions": 6, "n_products": 24, "seed": 3}


def engine_of(tmp_path_factory, name: str, source, change) -> Engine:
    """An engine on a store of its own holding the source as `name`, each year changed by change(year)
    as it is read (direct emissions added, an indicator silenced, ...)."""
    def changed(load):
        def loaded():
            year = load()
            change(year)
            return year
        return loaded

    source.years = [(y, changed(load)) for y, load in source.years]
    store = Store(tmp_path_factory.mktemp(name))
    store.write(name, source)
    return Engine(store)


@pytest.fixture(scope="session")
def shared_store(tmp_path_factory) -> Store:
    """demo and a small synthetic set, compiled once for every read-only test."""
    store = Store(tmp_path_factory.mktemp("store"))
    store.write("demo", demo_source())
    store.write("small", synthetic_source(**SMALL_SYNTH))
    return store


@pytest.fixture(scope="session")
def engine(shared_store) -> Engine:
    return Engine(shared_store)


def make_app(store_path, tmp_path, **config):
    """An app on its own temporary database and queue, migrated from empty."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test-only", "STORE_PATH": str(store_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'ramascene.sqlite3'}",
                      "HUEY_PATH": str(tmp_path / "huey.sqlite3"), "HUEY_IMMEDIATE": True,
                      # the test client posts forms without their CSRF token; test_security turns it on
                      "WTF_CSRF_ENABLED": False, **config})
    with app.app_context():
        flask_migrate.upgrade()
    return app


@pytest.fixture()
def app(tmp_path):
    return make_app(tmp_path / "store", tmp_path)


@pytest.fixture()
def shared_app(shared_store, tmp_path):
    """An app reading the shared store (never write to it), tasks run at once."""
    return make_app(shared_store.root, tmp_path)


@pytest.fixture()
def client(shared_app):
    return shared_app.test_client()


@contextmanager
def serving(store_root, tmp_path):
    """The app on a store, served over real HTTP and websockets with an embedded worker, as `make run` does."""
    from tasks import start_consumers

    app = make_app(store_root, tmp_path, HUEY_IMMEDIATE=False, WEBSOCKET_POLL_SECONDS=0.25,
                   WTF_CSRF_ENABLED=True)
    consumers = start_consumers(app, workers=2)
    server = make_server("127.0.0.1", 0, ClosedWhenSent(app), threaded=True)
    # a socket a failed test left open must not keep the test run from exiting
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        consumers.stop()


@pytest.fixture()
def live_server(shared_store, tmp_path):
    """demo and small, served as `make run` does."""
    with serving(shared_store.root, tmp_path) as server:
        yield server


@pytest.fixture(scope="session")
def exio_store(tmp_path_factory) -> Store:
    """EXIOBASE's size and labels (49 regions x 200 products, one year, seeded numbers): the size users
    work at. Compiled once per run (about a minute), only when a test asks for it."""
    store = Store(tmp_path_factory.mktemp("exio-store"))
    store.write("exio", synthetic_source([2011], 49, 200, seed=1))
    return store


@pytest.fixture()
def exio_server(exio_store, tmp_path):
    """The 49 x 200 dataset served as `make run` does."""
    with serving(exio_store.root, tmp_path) as server:
        yield server


@pytest.fixture()
def runner(app):
    return app.test_cli_runner(mix_stderr=False) if _mix_stderr_supported() else app.test_cli_runner()


def _mix_stderr_supported() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def finished_in_browser(page, body: dict) -> dict:
    """An analysis queued through the browser's own session (the API) and waited for: the finished job."""
    created = page.request.post("/api/v1/analyses", data=body).json()
    deadline = time.monotonic() + 30
    while (job := page.request.get(created["url"]).json())["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, "the analysis did not finish"
        time.sleep(0.1)
    assert job["status"] == "done", job
    return job


def wait_for_js(page, expression: str, timeout: float = 10.0) -> None:
    """Wait until a JavaScript expression is true in the page. Polled with page.evaluate: Playwright's
    own wait_for_function evaluates a string predicate with eval inside the page, which this site's CSP
    (no 'unsafe-eval') refuses."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"{expression} still false after {timeout} s")
        time.sleep(0.05)


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def flask(args, env, **kwargs):
    """`flask --app wsgi ...` in a process of its own, from the project root."""
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi"] + args, env=env, cwd=ROOT, **kwargs)


@pytest.fixture()
def instance_env(shared_store, tmp_path):
    """Settings for a process of the app on the shared store, with its own migrated database."""
    env = {**os.environ, "RAMASCENE_STORE_PATH": str(shared_store.root),
           "RAMASCENE_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "RAMASCENE_HUEY_PATH": str(tmp_path / "huey.sqlite3"), "RAMASCENE_SECRET_KEY": "process-test"}
    assert flask(["db", "upgrade"], env, stderr=subprocess.DEVNULL).wait(timeout=60) == 0
    return env


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's; Playwright cannot download one here


@pytest.fixture(scope="module")
def browser():
    """One chromium per test module, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()
