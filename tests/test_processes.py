"""The commands that run processes: `serve` (web + embedded worker) and a separate `worker`."""

import json
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from app.perf.client import Session

from .conftest import flask


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serve_runs_web_and_worker_and_stops_cleanly(instance_env, tmp_path, stop):
    port = free_port()
    with open(tmp_path / "serve.log", "wb") as log:
        process = flask(["serve", "--port", str(port)], instance_env, stdout=log, stderr=log)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url + "/")
        browser = Session(url)
        browser.get("/")
        ws = browser.websocket()
        ws.receive(timeout=5)
        status, body = browser.post_json("/api/v1/analyses", {"dataset": "demo", "indicator": "value_added",
                                                              "perspective": "production", "by": "region"})
        assert status == 202
        deadline = time.monotonic() + 10
        while 'status-done' not in (ws.receive(timeout=1) or "") and time.monotonic() < deadline:
            pass
        ws.close()
        job = json.loads(browser.get(body["url"])[1])
        assert job["status"] == "done" and job["result"]["unit"] == "Mill USD"
        process.send_signal(stop)
        assert process.wait(timeout=15) == 0
        assert b"stopped" in (tmp_path / "serve.log").read_bytes()
    finally:
        if process.poll() is None:
            process.kill()


def test_a_separate_worker_process_runs_the_jobs(instance_env, tmp_path, shared_store):
    from .conftest import make_app

    web = make_app(shared_store.root, tmp_path, HUEY_IMMEDIATE=False,
                   SQLALCHEMY_DATABASE_URI=instance_env["RAMASCENE_SQLALCHEMY_DATABASE_URI"],
                   HUEY_PATH=instance_env["RAMASCENE_HUEY_PATH"])
    client = web.test_client()
    job_id = client.post("/api/v1/analyses", json={"dataset": "small", "indicator": "ghg",
                                                   "perspective": "consumption", "by": "product"}).get_json()["id"]
    with open(tmp_path / "worker.log", "wb") as log:
        worker = flask(["worker", "--workers", "1"], instance_env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        job = None
        while time.monotonic() < deadline:
            job = client.get(f"/api/v1/analyses/{job_id}").get_json()
            if job["status"] == "done":
                break
            time.sleep(0.2)
        assert job["status"] == "done" and job["result"]["unit"] == "kg CO2-eq"
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=15)


def test_kill_9_of_the_embedded_server_mid_job_is_recovered_after_a_restart(instance_env, tmp_path):
    """SQLite mode, as `make run`: the server dies mid-job; the next start finishes the job (attempt 2)."""
    timing = {"RAMASCENE_HEARTBEAT_SECONDS": "0.5", "RAMASCENE_STALE_SECONDS": "2", "RAMASCENE_REAPER_SECONDS": "0.5",
              "RAMASCENE_LOST_SECONDS": "2"}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(tmp_path / "first.log", "wb") as log:
        first = flask(["serve", "--port", str(port)], {**instance_env, **timing, "RAMASCENE_FAULT_DELAY_SECONDS": "60"},
                      stdout=log, stderr=log)
    second = None
    try:
        wait_until_up(url + "/")
        browser = Session(url)
        browser.get("/")
        status, body = browser.post_json("/api/v1/analyses", {"dataset": "demo", "indicator": "value_added",
                                                              "perspective": "production", "by": "region"})
        assert status == 202
        deadline = time.monotonic() + 20
        while json.loads(browser.get(body["url"])[1])["status"] != "running":
            assert time.monotonic() < deadline, "the embedded worker never took the job"
            time.sleep(0.1)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        with open(tmp_path / "second.log", "wb") as log:
            second = flask(["serve", "--port", str(port)], {**instance_env, **timing}, stdout=log, stderr=log)
        wait_until_up(url + "/")
        restarted = time.monotonic()
        job = None
        while time.monotonic() - restarted < 30:
            job = json.loads(browser.get(body["url"])[1])
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.2)
        recovered_in = time.monotonic() - restarted
        log_text = (tmp_path / "second.log").read_text()
        assert job["status"] == "done", (job, log_text[-2000:])
        assert job["result"]["unit"] == "Mill USD" and recovered_in < 15
        assert "reaper round failed" not in log_text
        # the recovered job no longer counts against the session's queue
        assert browser.post_json("/api/v1/analyses", {"dataset": "demo", "indicator": "value_added",
                                                      "perspective": "production", "by": "region"})[0] == 202
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
