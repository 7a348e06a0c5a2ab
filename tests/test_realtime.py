"""The websocket against a live server with an embedded worker: pushes in order, per session, recovers."""

import re
import time

from app.extensions import db
from app.models import Job, utcnow
from app.perf.client import Session

QUERY = {"dataset": "demo", "indicator": "value_added", "perspective": "consumption", "by": "product",
         "products": ["food", "TOTAL"]}


def receive_until(ws, pattern: str, timeout: float = 10.0) -> list[str]:
    messages, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = ws.receive(timeout=max(0.01, deadline - time.monotonic()))
        if message is None:
            continue
        messages.append(message)
        if re.search(pattern, message):
            return messages
    raise AssertionError(f"no message matching {pattern!r} in {timeout} s; got {messages}")


def connected(live_server):
    """A browser session with its page loaded and its websocket open (the first queue message read)."""
    browser = Session(live_server.url)
    browser.get("/")
    ws = browser.websocket()
    ws.receive(timeout=5)
    return browser, ws


def submit_and_wait(browser, ws) -> int:
    job_id = browser.post_json("/api/v1/analyses", QUERY)[1]["id"]
    receive_until(ws, rf'job-{job_id}" class="job status-done')
    return job_id


def statuses(messages: list[str], job_id: int) -> list[str]:
    return [m for msg in messages for m in re.findall(rf'id="job-{job_id}" class="job status-(\w+)"', msg)]


def test_queued_running_done_are_pushed_in_order_without_polling(live_server):
    browser = Session(live_server.url)
    assert browser.get("/")[0] == 200
    ws = browser.websocket()
    try:
        first = ws.receive(timeout=5)
        assert 'id="queue-list"' in first and "No analyses yet" in first
        started = time.perf_counter()
        status, body = browser.post_json("/api/v1/analyses", QUERY)
        assert status == 202
        messages = receive_until(ws, rf'id="job-{body["id"]}" class="job status-done"')
        elapsed = time.perf_counter() - started
        seen = statuses(messages, body["id"])
        assert seen[-1] == "done" and seen == sorted(seen, key=["queued", "running", "done"].index)
        # the new row is added to the queue and the result opened in panel A
        assert 'hx-swap-oob="afterbegin:#queue-list"' in messages[0]
        final = messages[-1]
        assert 'id="panel-a"' in final and "Total of the selection" in final
        assert "Analysis 1 done in" in final
        assert elapsed < 5
        status, job = browser.request("GET", f"/api/v1/analyses/{body['id']}")
        assert '"status":"done"' in job.replace(" ", "")
    finally:
        ws.close()


def test_another_session_hears_nothing_of_it(live_server):
    alice, bob = Session(live_server.url), Session(live_server.url)
    alice.get("/"), bob.get("/")
    bob_ws = bob.websocket()
    alice_ws = alice.websocket()
    try:
        assert "No analyses yet" in bob_ws.receive(timeout=5)
        alice_ws.receive(timeout=5)
        job_id = alice.post_json("/api/v1/analyses", QUERY)[1]["id"]
        receive_until(alice_ws, rf'job-{job_id}" class="job status-done')
        assert bob_ws.receive(timeout=1.0) is None
    finally:
        alice_ws.close(), bob_ws.close()


def test_a_reconnect_gets_the_current_state(live_server):
    browser, ws = connected(live_server)
    job_id = submit_and_wait(browser, ws)
    ws.close()
    again = browser.websocket()
    try:
        state = again.receive(timeout=5)
        assert f'id="job-{job_id}" class="job status-done"' in state
    finally:
        again.close()


def test_a_change_made_by_another_process_is_found_in_the_database(live_server):
    """A consumer in another process cannot reach this process's hub; the socket reads the row."""
    browser, ws = connected(live_server)
    try:
        job_id = submit_and_wait(browser, ws)
        with live_server.app.app_context():
            job = db.session.scalar(db.select(Job).where(Job.public_id == job_id))
            job.status, job.error, job.updated_at = "failed", "changed elsewhere", utcnow()
            db.session.commit()  # no hub notification, as from another process
        messages = receive_until(ws, rf'job-{job_id}" class="job status-failed', timeout=5)
        assert "changed elsewhere" in messages[-1]
    finally:
        ws.close()


def test_a_deleted_job_disappears_from_open_pages(live_server):
    browser, ws = connected(live_server)
    try:
        job_id = submit_and_wait(browser, ws)
        assert browser.request("DELETE", f"/api/v1/analyses/{job_id}")[0] == 204
        # the whole list comes again, without the row
        messages = receive_until(ws, r'<ul id="queue-list" class="queue-list" data-hx-swap-oob="true">')
        assert f'id="job-{job_id}"' not in messages[-1] and "No analyses yet" in messages[-1]
    finally:
        ws.close()


def test_no_session_no_socket(live_server):
    from simple_websocket import ConnectionClosed

    ws = Session(live_server.url).websocket()  # no page loaded, so no cookie
    try:
        ws.receive(timeout=2)
        closed = not ws.connected
    except ConnectionClosed:
        closed = True
    assert closed and ws.close_reason == 1008 and ws.close_message == "no session"


def test_the_load_tool_runs_users_end_to_end(live_server):
    from app.perf.load import run_load

    report = run_load(live_server.url, users=4, analyses=2, dataset="demo", timeout=30, processes=2)
    assert report["errors"] == 0, report["error_examples"]
    assert report["jobs_done"] == 8 and report["client_processes"] == 2
    assert 0 < report["submit_to_done_ms"]["p50"] <= report["submit_to_done_ms"]["max"]
