"""The websocket against hostile clients: other origins, a forged Host, inbound floods, too many sockets."""

import os
import re
import socket
import threading
import time
from contextlib import contextmanager

import pytest
from simple_websocket import ConnectionClosed, ConnectionError
from sqlalchemy import event
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.ownership import address_key
from app.perf.client import Session, WebSocket
from app.realtime.guard import INBOUND_MESSAGES_ALLOWED, normal_origin
from app.web import ClosedWhenSent

from .conftest import make_app, wait_for_js

QUERY = {"dataset": "demo", "indicator": "value_added", "perspective": "consumption", "by": "product"}


def ws_url(base: str) -> str:
    return base.replace("http", "ws", 1) + "/ws"


def cookie_of(session: Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in session.jar)


def closed_with(ws, timeout: float = 5.0) -> tuple[int, str]:
    """Read until the server closes the socket; its close code and reason."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ws.receive(timeout=0.2)
            if not ws.connected:
                break
    except ConnectionClosed:
        pass
    assert not ws.connected, f"still open after {timeout} s"
    return ws.close_reason, ws.close_message


def wait_for(condition, timeout: float = 5.0) -> float:
    """Seconds until condition() held; fails after timeout."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "condition not met in time"
        time.sleep(0.02)
    return time.monotonic() - started


@contextmanager
def served(app):
    server = make_server("127.0.0.1", 0, ClosedWhenSent(app), threaded=True)
    server.daemon_threads = True  # a socket left open by a failed test must not block the exit
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


# Cross-site websocket hijacking (issue 8, item 4)

@pytest.mark.parametrize("origin", ["http://evil.example", "null", None, "http://127.0.0.1:1", "https://127.0.0.1",
                                    "http://127.0.0.1.evil.example", "http://evil.example/http://127.0.0.1"])
def test_a_page_of_another_site_gets_no_socket_even_with_the_victims_cookie(live_server, origin):
    victim = Session(live_server.url)
    victim.get("/")
    assert victim.post_json("/api/v1/analyses", QUERY)[0] == 202
    headers = {"Cookie": cookie_of(victim)}
    if origin is not None:
        headers["Origin"] = origin
    with pytest.raises(ConnectionError) as refused:
        WebSocket.connect(ws_url(live_server.url), headers=headers)
    assert refused.value.status_code == 403  # refused before the handshake: nothing of the queue was sent


def test_the_sites_own_pages_get_their_socket(live_server):
    browser = Session(live_server.url)
    browser.get("/")
    # spelt as browsers may spell it: any case, default port or not
    for origin in (None, live_server.url.replace("http", "HTTP", 1)):
        ws = browser.websocket(origin)
        try:
            assert 'id="queue-list"' in ws.receive(timeout=5)
        finally:
            ws.close()


def test_a_configured_origin_and_one_named_by_a_trusted_proxy_are_allowed(shared_store, tmp_path):
    """Behind a TLS proxy the page's origin is https://public-host: ProxyFix (TRUST_PROXY) makes it the
    request's own; an origin the proxy cannot pass on is listed in WEBSOCKET_ALLOWED_ORIGINS."""
    app = make_app(shared_store.root, tmp_path, TRUST_PROXY=True,
                   WEBSOCKET_ALLOWED_ORIGINS="HTTPS://Ramascene.Example.org:443, http://other.example:8080")
    with served(app) as url:
        browser = Session(url)
        browser.get("/")
        cookie = cookie_of(browser)
        proxied = {"Cookie": cookie, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "public.example"}
        for headers in ({**proxied, "Origin": "https://public.example"},
                        {"Cookie": cookie, "Origin": "https://ramascene.example.org"},
                        {"Cookie": cookie, "Origin": "http://other.example:8080"}):
            ws = WebSocket.connect(ws_url(url), headers=headers)
            try:
                assert 'id="queue-list"' in ws.receive(timeout=5)
            finally:
                ws.close()
        for headers in ({**proxied, "Origin": "http://public.example"},  # the proxy said https
                        {"Cookie": cookie, "Origin": "http://ramascene.example.org"},
                        {"Cookie": cookie, "Origin": "http://other.example"}):
            with pytest.raises(ConnectionError):
                WebSocket.connect(ws_url(url), headers=headers)


def test_a_bad_allowed_origin_stops_the_start_naming_the_setting(tmp_path):
    with pytest.raises(ValueError, match=r"WEBSOCKET_ALLOWED_ORIGINS: 'example\.org' is not an origin"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "STORE_PATH": str(tmp_path),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                    "HUEY_PATH": str(tmp_path / "huey.sqlite3"), "WEBSOCKET_ALLOWED_ORIGINS": ["example.org"]})


def test_origins_and_addresses_are_compared_in_one_spelling():
    assert normal_origin("HTTP://Example.ORG:80") == "http://example.org"
    assert normal_origin("https://example.org:443/") == "https://example.org"
    assert normal_origin("https://[::1]:8443") == "https://[::1]:8443"
    for bad in ("null", "", None, "file://x", "http://", "http://a/b", "http://u@a", "http://a:99999", "ws://a"):
        assert normal_origin(bad) is None, bad
    assert address_key("2001:db8:1:2:3:4:5:6") == address_key("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert address_key("::ffff:10.0.0.1") == address_key("10.0.0.1") == "10.0.0.1"


# The Host header written into the page (issue 8, item 6)

def test_the_page_opens_its_socket_on_its_own_host_whatever_the_host_header(shared_app):
    """Every page that opens the socket names only its path; htmx's ws extension completes a path
    with the page's own location (ws: or wss: as the page), so a forged Host reaches nothing."""
    client = shared_app.test_client()
    created = client.post("/api/v1/analyses", json=QUERY)
    assert created.status_code == 202
    cookie = f"session={client.get_cookie('session').value}"
    forged = shared_app.test_client(use_cookies=False)  # the session cookie sent whatever the host
    for path in ("/", f"/analyses/{created.get_json()['id']}"):
        response = forged.get(path, headers={"Host": "evil.example:1234", "Cookie": cookie})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, path
        # the analysis page refreshes itself instead: the socket's fragments are the workspace's
        assert re.findall(r'ws-connect="[^"]*"', page) == (['ws-connect="/ws"'] if path == "/" else []), path
        assert "evil.example" not in page
    mounted = client.get("/", environ_overrides={"SCRIPT_NAME": "/rama"}).get_data(as_text=True)
    assert 'ws-connect="/rama/ws"' in mounted


def test_the_vendored_ws_extension_completes_a_path_with_the_pages_location():
    from pathlib import Path

    script = (Path(__file__).parent.parent / "static/vendor/htmx-ext-ws-2.0.4.min.js").read_text()
    assert 'if(e.indexOf("/")===0){var n=location.hostname+(location.port?":"+location.port:"")' in script
    assert 'if(location.protocol==="https:"){e="wss://"+n+e}' in script


# Inbound messages (issue 8, item 8)

def test_a_message_over_the_cap_closes_the_socket_with_1009(live_server):
    browser = Session(live_server.url)
    browser.get("/")
    ws = browser.websocket()
    ws.receive(timeout=5)
    ws.send("x" * (16 * 1024 + 1))  # one byte over WEBSOCKET_MAX_MESSAGE_BYTES
    assert closed_with(ws) == (1009, "Message is too big")
    slots = live_server.app.extensions["socket_slots"]
    assert wait_for(lambda: slots.count("address", "127.0.0.1") == 0) < 1.0  # its place is free at once


def test_a_socket_that_keeps_sending_is_closed_and_what_it_sent_is_not_kept(live_server):
    browser = Session(live_server.url)
    browser.get("/")
    ws = browser.websocket()
    ws.receive(timeout=5)
    for _ in range(INBOUND_MESSAGES_ALLOWED + 1):
        ws.send("y" * 1000)
    assert closed_with(ws) == (1008, "this socket takes no messages")
    again = browser.websocket()  # the page itself may reconnect at once
    try:
        assert 'id="queue-list"' in again.receive(timeout=5)
    finally:
        again.close()


# Sockets per session and per address, idle cost (issue 8, case 9)

def test_sockets_per_session_are_capped_and_a_closed_one_frees_its_slot_at_once(live_server):
    live_server.app.config["MAX_SOCKETS_PER_SESSION"] = 2
    browser = Session(live_server.url)
    browser.get("/")
    first, second = browser.websocket(), browser.websocket()
    first.receive(timeout=5), second.receive(timeout=5)
    third = browser.websocket()
    announce = third.receive(timeout=5)
    assert "Live updates are paused on this page: this session has 2 pages open already" in announce
    assert closed_with(third) == (1013, "this session has 2 pages open already, the most allowed")
    other = Session(live_server.url)  # another session is not affected
    other.get("/")
    elsewhere = other.websocket()
    assert 'id="queue-list"' in elsewhere.receive(timeout=5)
    elsewhere.close()
    first.close()
    slots = live_server.app.extensions["socket_slots"]
    assert wait_for(lambda: slots.count("address", "127.0.0.1") == 1) < 1.0
    fourth = browser.websocket()
    try:
        assert 'id="queue-list"' in fourth.receive(timeout=5)
    finally:
        fourth.close(), second.close()


def test_a_browser_that_vanishes_without_closing_frees_its_slot(live_server):
    live_server.app.config["MAX_SOCKETS_PER_SESSION"] = 1
    slots = live_server.app.extensions["socket_slots"]
    browser = Session(live_server.url)
    browser.get("/")
    ws = browser.websocket()
    ws.receive(timeout=5)
    ws.sock.shutdown(socket.SHUT_RDWR)  # no close frame: the connection just ends
    assert wait_for(lambda: slots.count("address", "127.0.0.1") == 0) < 1.0
    again = browser.websocket()
    try:
        assert 'id="queue-list"' in again.receive(timeout=5)
    finally:
        again.close()


def test_sockets_per_address_are_capped_across_sessions(live_server):
    live_server.app.config["MAX_SOCKETS_PER_ADDRESS"] = 3
    sockets = []
    try:
        for _ in range(3):
            browser = Session(live_server.url)
            browser.get("/")
            sockets.append(browser.websocket())
            sockets[-1].receive(timeout=5)
        browser = Session(live_server.url)
        browser.get("/")
        refused = browser.websocket()
        assert closed_with(refused) == (1013, "your address has 3 pages open already, the most allowed")
    finally:
        for ws in sockets:
            ws.close()


def test_idle_sockets_do_not_query_the_database_each(live_server):
    """Ten open sockets, nothing happening: one watcher per process looks for changes made elsewhere,
    every WEBSOCKET_POLL_SECONDS (0.25 s here), instead of each socket on its own."""
    sockets = []
    for _ in range(10):
        browser = Session(live_server.url)
        browser.get("/")
        sockets.append(browser.websocket())
        sockets[-1].receive(timeout=5)
    statements = []
    with live_server.app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    time.sleep(0.3)
    event.listen(engine, "before_cursor_execute", count)
    try:
        time.sleep(2.0)
    finally:
        event.remove(engine, "before_cursor_execute", count)
        for ws in sockets:
            ws.close()
    job_reads = [s for s in statements if "FROM job" in s]
    assert 1 <= len(job_reads) <= 2.0 / 0.25 + 2, len(job_reads)  # the old per-socket check made about 80
    hub = live_server.app.extensions["hub"]
    wait_for(lambda: hub._watcher is None, timeout=3)  # the last socket gone, the watcher stops too


def silent_socket(url: str, cookie: str) -> tuple[socket.socket, list]:
    """A websocket client that reads what the server sends until it closes, and never answers nor
    closes its own side (as a careless script or a vanished browser)."""
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, CloseConnection, Request, TextMessage

    host = url.split("//", 1)[1]
    conn = WSConnection(ConnectionType.CLIENT)
    sock = socket.create_connection(tuple(host.rsplit(":", 1)), timeout=5)
    sock.sendall(conn.send(Request(host=host, target="/ws", extra_headers=[("Origin", url), ("Cookie", cookie)])))
    events = []
    while not any(isinstance(e, CloseConnection) for e in events):
        data = sock.recv(65536)
        if not data:
            break
        conn.receive_data(data)
        events += [e for e in conn.events() if isinstance(e, (AcceptConnection, TextMessage, CloseConnection))]
    return sock, events


def test_a_refused_client_that_never_answers_holds_up_no_one_under_gunicorn(instance_env):
    """gunicorn closes a finished connection gracefully on its main thread, waiting up to 2 s for the
    client to close first; the socket is therefore closed by the app before its view returns, or one
    client that ignores the close stalls every new connection of that web process."""
    import signal
    import subprocess
    import sys

    from wsproto.events import CloseConnection

    from .conftest import ROOT
    from .test_processes import free_port, wait_until_up

    port = free_port()
    env = {**instance_env, "RAMASCENE_MAX_SOCKETS_PER_SESSION": "1"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1",
                               "--threads", "8", "--graceful-timeout", "5", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    silent = []
    try:
        wait_until_up(url + "/")
        browser = Session(url, timeout=10)
        browser.get("/")
        held = browser.websocket()
        assert 'id="queue-list"' in held.receive(timeout=5)
        slowest = 0.0
        for _ in range(4):
            started = time.monotonic()
            sock, events = silent_socket(url, cookie_of(browser))
            silent.append(sock)
            assert [(e.code, e.reason) for e in events if isinstance(e, CloseConnection)] == [
                (1013, "this session has 1 pages open already, the most allowed")]
            assert Session(url, timeout=10).get("/")[0] == 200
            slowest = max(slowest, time.monotonic() - started)
        assert slowest < 1.0, slowest  # 2 s before: the wait for each silent client stalled the next request
        held.close()
    finally:
        for sock in silent:
            sock.close()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_a_page_over_the_cap_says_so_and_catches_up_once_another_closes(live_server):
    """The page's own reconnects (htmx's ws extension retries on 1013 with growing pauses) bring a
    refused page back by itself once the session has a free place."""
    from .test_browser import CHROMIUM

    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    live_server.app.config["MAX_SOCKETS_PER_SESSION"] = 1
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(base_url=live_server.url)  # one cookie jar: one session
            context.add_init_script("document.addEventListener('htmx:wsOpen', () => { window.opened = true; });")
            first = context.new_page()
            first.goto("/")
            wait_for_js(first, "window.opened === true")
            second = context.new_page()
            second.goto("/")
            second.wait_for_selector("#announce:has-text('Live updates are paused on this page')", timeout=10_000)
            job_id = second.request.post("/api/v1/analyses", data=QUERY).json()["id"]
            first.wait_for_selector(f"#queue-list #job-{job_id}.status-done", timeout=10_000)
            assert second.query_selector(f"#job-{job_id}") is None  # no socket, no news
            first.close()
            # htmx waits a random part of 2^retries s (at most 64 s) before each retry: a slow machine
            # may have counted a few refusals by now
            second.wait_for_selector(f"#queue-list #job-{job_id}.status-done", timeout=70_000)
            assert second.evaluate("window.opened") is True
        finally:
            browser.close()
