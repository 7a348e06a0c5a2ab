"""Identity on an intranet: behind a sign-on proxy (TRUSTED_USER_HEADER) analyses and scenarios belong to the
signed-in user on every browser and machine; the header counts only from TRUSTED_PROXIES, checked on the
connection itself; a request that names no user, or a name no directory gives, is refused, never a 500."""

import os
import re
import time
from ipaddress import ip_network

import pytest
from flask import Config
from simple_websocket import ConnectionError

from app import create_app
from app.config import complete, defaults, from_environment, trusted_proxies
from app.extensions import db
from app.models import Job, Scenario
from app.ownership import client_key
from app.perf.client import Session, WebSocket

from .conftest import CHROMIUM, make_app, wait_for_js
from .test_browser import fill_form
from .test_realtime import receive_until
from .test_scenario_web import INTERVENTIONS, QUERY, builder_form
from .test_websocket_security import served

HEADER = "X-Remote-User"
ENVIRON = "HTTP_X_REMOTE_USER"
ROWS = [dict(iv, change_pct=f"{iv['change_pct']:g}") for iv in INTERVENTIONS]
PUBLIC_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture()
def signed_app(shared_store, tmp_path):
    """The app behind a sign-on proxy on this machine, or anywhere in 10.1.0.0/16."""
    return make_app(shared_store.root, tmp_path, TRUSTED_USER_HEADER=HEADER,
                    TRUSTED_PROXIES="127.0.0.1, 10.1.0.0/16")


def behind_proxy(app, user, peer="127.0.0.1"):
    """A browser of its own (its own cookie jar) reaching the app from `peer`, signed in as `user`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = peer
    sign_in(client, user)
    return client


def sign_in(client, user) -> None:
    """What the proxy sends from now on: the user's name as a WSGI server gives it (UTF-8 read as latin-1)."""
    client.environ_base[ENVIRON] = user.encode().decode("latin-1")


def submit(client) -> str:
    created = client.post("/api/v1/analyses", json=QUERY)
    assert created.status_code == 202, created.get_data(as_text=True)
    return created.get_json()["id"]


def save_scenario(client, name: str) -> str:
    saved = client.post("/scenarios/builder", data=builder_form(name, ROWS, "save"))
    assert saved.status_code == 303
    return saved.headers["Location"].rsplit("=", 1)[1]


def shown(client) -> tuple[set[str], str]:
    """The ids on the workspace and on the scenarios page, and the scenarios page's text."""
    workspace = client.get("/")
    scenarios = client.get("/scenarios")
    assert workspace.status_code == scenarios.status_code == 200
    pages = workspace.get_data(as_text=True) + scenarios.get_data(as_text=True)
    return set(PUBLIC_ID.findall(pages)), scenarios.get_data(as_text=True)


def owners(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(db.select(Job.owner))) | set(db.session.scalars(db.select(Scenario.owner)))


def test_two_users_on_three_browsers_each_see_only_their_own(signed_app):
    alice_work = behind_proxy(signed_app, "alice")
    alice_home = behind_proxy(signed_app, "alice", peer="10.1.7.9")  # another machine, through the proxy
    bob = behind_proxy(signed_app, "bob")
    alice_jobs, bob_jobs = {submit(alice_work), submit(alice_home)}, {submit(bob)}
    alice_plan, bob_plan = save_scenario(alice_work, "Alice's plan"), save_scenario(bob, "Bob's plan")
    alice = (alice_jobs, alice_plan, "Alice&#39;s plan")
    bob_s = (bob_jobs, bob_plan, "Bob&#39;s plan")
    for client, (jobs, plan, name), (others, other_plan, other_name) in (
            (alice_work, alice, bob_s), (alice_home, alice, bob_s), (bob, bob_s, alice)):
        ids, scenarios = shown(client)
        assert jobs | {plan} <= ids and not (others | {other_plan}) & ids
        assert name in scenarios and other_name not in scenarios
        for job in jobs:
            assert client.get(f"/api/v1/analyses/{job}").get_json()["status"] == "done"
            assert client.get(f"/analyses/{job}.csv").status_code == 200
        for job in others:
            for path in (f"/api/v1/analyses/{job}", f"/analyses/{job}", f"/analyses/{job}.csv"):
                assert client.get(path).status_code == 404, path
            assert client.post(f"/analyses/{job}/delete").status_code == 404
        assert client.get(f"/scenarios?edit={other_plan}").status_code == 404
        assert client.post(f"/scenarios/{other_plan}/delete").status_code == 404
        assert client.post(f"/analyses/{next(iter(jobs))}/scenario",
                           data={"scenario_id": other_plan}).status_code == 404
    # one user's browsers are one owner: what one made, the other runs and deletes
    job = next(iter(alice_jobs))
    assert alice_home.post(f"/analyses/{job}/scenario", data={"scenario_id": alice_plan}).status_code == 303
    assert alice_home.delete(f"/api/v1/analyses/{job}").status_code == 204
    assert alice_work.get(f"/api/v1/analyses/{job}").status_code == 404
    assert alice_work.post(f"/scenarios/{alice_plan}/delete").status_code == 303
    keys = owners(signed_app)
    assert len(keys) == 2 and all(k.startswith("user:") and len(k) <= 64 for k in keys)


def test_switching_the_user_in_one_browser_shows_nothing_of_the_other(signed_app):
    one = behind_proxy(signed_app, "alice")
    job, plan = submit(one), save_scenario(one, "Alice's plan")
    sign_in(one, "bob")  # the same cookie jar, another user named by the proxy
    ids, scenarios = shown(one)
    assert job not in ids and plan not in ids and "Alice" not in scenarios
    assert "No analyses yet" in one.get("/").get_data(as_text=True)
    assert one.get(f"/?a={job}").status_code == 404
    for path in (f"/api/v1/analyses/{job}", f"/analyses/{job}", f"/analyses/{job}.svg", f"/scenarios?edit={plan}"):
        assert one.get(path).status_code == 404, path
    assert one.delete(f"/api/v1/analyses/{job}").status_code == 404
    bobs = submit(one)
    sign_in(one, "alice")
    ids, scenarios = shown(one)
    assert {job, plan} <= ids and bobs not in ids and "Alice&#39;s plan" in scenarios
    assert one.get(f"/api/v1/analyses/{bobs}").status_code == 404


def test_the_submission_limit_follows_the_user_not_the_cookie(shared_store, tmp_path):
    app = make_app(shared_store.root, tmp_path, TRUSTED_USER_HEADER=HEADER, TRUSTED_PROXIES="127.0.0.1",
                   SUBMIT_RATE_LIMIT="2 per minute")
    first, second, bob = behind_proxy(app, "alice"), behind_proxy(app, "alice"), behind_proxy(app, "bob")
    assert [first.post("/api/v1/analyses", json=QUERY).status_code for _ in range(2)] == [202, 202]
    refused = second.post("/api/v1/analyses", json=QUERY)
    assert refused.status_code == 429 and refused.get_json()["field"] == "rate"
    assert bob.post("/api/v1/analyses", json=QUERY).status_code == 202


def test_a_forged_header_from_an_untrusted_address_is_ignored_and_refused(signed_app):
    alice = behind_proxy(signed_app, "alice")
    job = submit(alice)
    for peer in ("203.0.113.7", "10.2.0.1", "::1", "127.0.0.2", "::ffff:203.0.113.7"):
        forged = behind_proxy(signed_app, "alice", peer=peer)
        for response in (forged.get("/"), forged.get(f"/api/v1/analyses/{job}"), forged.get("/api/v1/datasets"),
                         forged.post("/api/v1/analyses", json=QUERY), forged.get("/ws")):
            assert response.status_code == 401, (peer, response.request.path)
        body = forged.get(f"/api/v1/analyses/{job}").get_json()
        assert body == {"error": "this server answers only requests that come through its sign-on proxy "
                                 "(TRUSTED_PROXIES)", "field": HEADER}
    with signed_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 1  # the forged posts queued none
    # the proxy's own address as IPv6 sees it, and an address in the trusted block, are the proxy
    for peer in ("::ffff:127.0.0.1", "10.1.255.254"):
        assert behind_proxy(signed_app, "alice", peer=peer).get(f"/api/v1/analyses/{job}").status_code == 200


def test_behind_proxyfix_the_connection_is_checked_not_x_forwarded_for(shared_store, tmp_path):
    """With TRUST_PROXY, REMOTE_ADDR becomes what X-Forwarded-For says, which any client can write: the
    proxy check looks at the connection's own address, and the caps count the client the proxy reports."""
    app = make_app(shared_store.root, tmp_path, TRUST_PROXY=True, TRUSTED_USER_HEADER=HEADER,
                   TRUSTED_PROXIES="127.0.0.1")
    forged = behind_proxy(app, "alice", peer="203.0.113.7")
    assert forged.get("/", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 401
    proxied = behind_proxy(app, "alice")
    created = proxied.post("/api/v1/analyses", json=QUERY, headers={"X-Forwarded-For": "198.51.100.4"})
    assert created.status_code == 202
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.4"}):
        expected = client_key()
    with app.app_context():
        assert db.session.scalar(db.select(Job.client)) == expected


def test_a_unix_socket_is_trusted_only_when_listed(shared_store, tmp_path):
    listed = make_app(shared_store.root, tmp_path / "a", TRUSTED_USER_HEADER=HEADER, TRUSTED_PROXIES="unix")
    unlisted = make_app(shared_store.root, tmp_path / "b", TRUSTED_USER_HEADER=HEADER, TRUSTED_PROXIES="127.0.0.1")
    # gunicorn bound to a unix socket reports an empty REMOTE_ADDR
    assert behind_proxy(listed, "alice", peer="").get("/").status_code == 200
    assert behind_proxy(listed, "alice").get("/").status_code == 401
    assert behind_proxy(unlisted, "alice", peer="").get("/").status_code == 401


def test_a_request_naming_no_user_is_refused_with_401_and_a_message(signed_app):
    anonymous = signed_app.test_client()
    page = anonymous.get("/")
    assert page.status_code == 401
    assert "Not signed in: the sign-on proxy named no user (X-Remote-User header)." in page.get_data(as_text=True)
    # no challenge: signing in happens at the proxy, and a Basic challenge would make the browser ask
    # for a password that this server cannot check
    assert "WWW-Authenticate" not in page.headers and page.headers["Cache-Control"] == "private, no-store"
    api = anonymous.post("/api/v1/analyses", json=QUERY)
    assert api.status_code == 401
    assert api.get_json() == {"error": "not signed in: the sign-on proxy named no user (X-Remote-User header)",
                              "field": HEADER}
    for path in ("/api/v1/datasets", "/scenarios", "/no-such-page", "/ws"):
        assert anonymous.get(path).status_code == 401, path
    # files that are the same for everyone are served: the refusal page keeps its styles
    with anonymous.get("/static/app.css") as static:
        assert static.status_code == 200 and b"{" in static.get_data()
    assert owners(signed_app) == set()


HOSTILE = [
    ("", 401, "not signed in"),
    ("a" * 257, 400, "longer than 256 characters"),
    ("a" * 100_000, 400, "longer than 256 characters"),
    ("alice\x00", 400, "holds a character no user name has"),
    ("\x1b[31malice", 400, "holds a character no user name has"),
    ("al\tice", 400, "holds a character no user name has"),
    ("alice\r\nSet-Cookie: owner=x", 400, "holds a character no user name has"),
    ("alice\x7f", 400, "holds a character no user name has"),
    ("<script>alert(1)</script>", 400, "holds a character no user name has"),
    ('alice" onmouseover="alert(1)', 400, "holds a character no user name has"),
    ("alice&amp;", 400, "holds a character no user name has"),
    ("alice ", 400, "holds a character no user name has"),
    ("   ", 400, "holds a character no user name has"),
    ("\u202eecila".encode().decode("latin-1"), 400, "holds a character no user name has"),  # right-to-left
    ("ali\u200bce".encode().decode("latin-1"), 400, "holds a character no user name has"),  # zero-width space
    ("\u00a0alice".encode().decode("latin-1"), 400, "holds a character no user name has"),  # no-break space
    ("alice\u2028".encode().decode("latin-1"), 400, "holds a character no user name has"),  # line separator
    ("\ufeffalice".encode().decode("latin-1"), 400, "holds a character no user name has"),  # byte-order mark
    ("alice\xff\xfe", 400, "is not UTF-8 text"),
    ("\xc0\xaf", 400, "is not UTF-8 text"),  # an overlong "/"
    ("\xed\xa0\x80", 400, "is not UTF-8 text"),  # a surrogate
    ("名前", 400, "is not UTF-8 text"),  # beyond latin-1: no WSGI server gives this, a middleware might
]


@pytest.mark.parametrize("value, status, words", HOSTILE)
def test_a_hostile_user_name_is_refused_with_a_4xx_naming_the_header(signed_app, value, status, words):
    client = signed_app.test_client()
    client.environ_base[ENVIRON] = value
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == status and words.lower() in html.lower()
    if value.strip():
        assert value not in html  # never repeated, so never markup
    for response in (client.post("/api/v1/analyses", json=QUERY), client.get("/api/v1/datasets")):
        assert response.status_code == status
        body = response.get_json()
        assert body["field"] == HEADER and words in body["error"]
    assert client.get("/ws").status_code == status
    assert owners(signed_app) == set()


@pytest.mark.parametrize("names", [
    ["alice@EXAMPLE.ORG"], ["EXAMPLE\\alice"], ["CN=Alice Smith,OU=Research,O=Example"], ["a" * 256],
    ["Jos\u00e9", "Jose\u0301"],  # one name, composed and decomposed: one user
    ["Zo\u00eb \u03a9mega-\u5c71\u7530"],
])
def test_names_a_directory_gives_are_users(signed_app, names):
    clients = [behind_proxy(signed_app, name) for name in names]
    job = submit(clients[0])
    for client in clients:
        assert client.get(f"/api/v1/analyses/{job}").status_code == 200
    assert behind_proxy(signed_app, "alice2").get(f"/api/v1/analyses/{job}").status_code == 404


def test_a_user_named_like_a_session_token_gets_nothing_of_that_session(shared_store, tmp_path):
    """Turning the setting on leaves the sessions' earlier analyses with the sessions: a user is never
    given them, even one whose name is a session's token (user keys hold a colon, tokens never do)."""
    sessions = make_app(shared_store.root, tmp_path)
    visitor = sessions.test_client()
    job = submit(visitor)
    [token] = owners(sessions)
    assert ":" not in token
    users = make_app(shared_store.root, tmp_path, TRUSTED_USER_HEADER=HEADER, TRUSTED_PROXIES="127.0.0.1")
    impostor = behind_proxy(users, token)
    impostor.set_cookie("session", visitor.get_cookie("session").value)  # the session's own cookie too
    assert impostor.get(f"/api/v1/analyses/{job}").status_code == 404
    assert job not in impostor.get("/").get_data(as_text=True)
    submit(impostor)
    assert len(owners(users)) == 2 and token in owners(users)


def test_without_the_setting_each_browser_session_owns_its_own(shared_app):
    first, second = shared_app.test_client(), shared_app.test_client()
    for client in (first, second):
        sign_in(client, "alice")  # a header nobody is told to read
        client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    job = submit(first)
    assert first.get(f"/api/v1/analyses/{job}").status_code == 200
    assert second.get(f"/api/v1/analyses/{job}").status_code == 404
    assert len(owners(shared_app)) == 1 and not next(iter(owners(shared_app))).startswith("user:")


# Settings

@pytest.mark.parametrize("given", ["127.0.0.1, 10.1.0.0/16 ::1", '["127.0.0.1", "10.1.0.0/16", "::1"]'])
def test_trusted_proxies_come_from_the_environment_as_a_list_or_a_string(monkeypatch, tmp_path, given):
    monkeypatch.setenv("RAMASCENE_TRUSTED_USER_HEADER", "X-Remote-User")
    monkeypatch.setenv("RAMASCENE_TRUSTED_PROXIES", given)
    config = Config(str(tmp_path))
    config.from_mapping(defaults(tmp_path))
    from_environment(config)
    complete(config, tmp_path)
    assert config["TRUSTED_USER_HEADER"] == "X-Remote-User"
    assert config["TRUSTED_PROXIES"] == (ip_network("127.0.0.1/32"), ip_network("10.1.0.0/16"), ip_network("::1/128"))
    assert trusted_proxies(["unix", "2001:db8::/32"]) == ("unix", ip_network("2001:db8::/32"))
    assert defaults(tmp_path)["TRUSTED_USER_HEADER"] is None  # off unless asked for


@pytest.mark.parametrize("settings, words", [
    ({"TRUSTED_USER_HEADER": HEADER}, "TRUSTED_USER_HEADER needs TRUSTED_PROXIES"),
    ({"TRUSTED_USER_HEADER": HEADER, "TRUSTED_PROXIES": "10.0.0.5/8"}, "TRUSTED_PROXIES: '10.0.0.5/8' is not"),
    ({"TRUSTED_USER_HEADER": HEADER, "TRUSTED_PROXIES": ["proxy.example"]}, "TRUSTED_PROXIES: 'proxy.example'"),
    ({"TRUSTED_USER_HEADER": HEADER, "TRUSTED_PROXIES": "127.0.0.1, 300.1.1.1"}, "'300.1.1.1' is not"),
    ({"TRUSTED_USER_HEADER": "X_Remote_User", "TRUSTED_PROXIES": "127.0.0.1"}, "'X_Remote_User' is not a header"),
    ({"TRUSTED_USER_HEADER": "X-Remote User", "TRUSTED_PROXIES": "127.0.0.1"}, "'X-Remote User' is not a header"),
])
def test_a_bad_identity_setting_stops_the_start_naming_it(tmp_path, settings, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        create_app({"TESTING": True, "SECRET_KEY": "x", "STORE_PATH": str(tmp_path),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}", **settings})


# Over real HTTP and the websocket

class SignedIn(Session):
    """A browser behind the sign-on proxy: every request, the websocket's handshake too, names the user."""

    def __init__(self, base: str, user: str, source: str | None = None):
        super().__init__(base, source=source)
        self.user = user

    def request(self, method, path, body=None, headers=None):
        return super().request(method, path, body, {HEADER: self.user, **(headers or {})})

    def websocket(self, origin=None) -> WebSocket:
        return WebSocket.connect(self.base.replace("http", "ws", 1) + "/ws",
                                 headers={"Origin": self.base, HEADER: self.user})


def test_a_users_socket_carries_that_users_jobs_only(shared_store, tmp_path):
    app = make_app(shared_store.root, tmp_path, TRUSTED_USER_HEADER=HEADER, TRUSTED_PROXIES="127.0.0.1")
    with served(app) as url:
        alice_work, alice_home, bob = SignedIn(url, "alice"), SignedIn(url, "alice"), SignedIn(url, "bob")
        alices = alice_work.post_json("/api/v1/analyses", QUERY)[1]["id"]  # run at once (HUEY_IMMEDIATE)
        bobs = bob.post_json("/api/v1/analyses", QUERY)[1]["id"]
        alice_ws, bob_ws = alice_home.websocket(), bob.websocket()
        try:
            first_alice, first_bob = alice_ws.receive(timeout=5), bob_ws.receive(timeout=5)
            assert f'id="job-{alices}"' in first_alice and bobs not in first_alice
            assert f'id="job-{bobs}"' in first_bob and alices not in first_bob
            newer = alice_work.post_json("/api/v1/analyses", QUERY)[1]["id"]
            receive_until(alice_ws, rf'job-{newer}" class="job status-done')  # another browser of hers
            heard, deadline = [], time.monotonic() + 2.0  # two of the database watcher's looks
            while time.monotonic() < deadline:
                heard.append(bob_ws.receive(timeout=0.2) or "")
            assert not any(newer in message for message in heard)
        finally:
            alice_ws.close()
            bob_ws.close()
        # no user named, or named from an address that is not the proxy: no socket, and no page either
        with pytest.raises(ConnectionError) as refused:
            WebSocket.connect(url.replace("http", "ws", 1) + "/ws", headers={"Origin": url})
        assert refused.value.status_code == 401
        forged = SignedIn(url, "alice", source="127.0.0.2")
        status, body = forged.get(f"/api/v1/analyses/{alices}")
        assert status == 401 and "TRUSTED_PROXIES" in body and alices not in body
        assert alice_home.get(f"/api/v1/analyses/{alices}")[0] == 200


def run_analysis(page) -> str:
    """Fill the form and run it from the workspace; the new analysis's id once it is done."""
    page.goto("/")
    fill_form(page)
    page.click("button:has-text('Run analysis')")
    page.wait_for_selector("#queue-list li.job.status-done", timeout=10_000)
    return page.get_attribute("#queue-list li.job", "id").removeprefix("job-")


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is missing")
def test_in_chromium_each_user_sees_only_their_own_analysis(shared_store, tmp_path, browser):
    """Two machines of alice's and one of bob's, each a browser context the proxy names a user for."""
    app = make_app(shared_store.root, tmp_path, TRUSTED_USER_HEADER=HEADER, TRUSTED_PROXIES="127.0.0.1")
    with served(app) as url:
        contexts = [browser.new_context(base_url=url, extra_http_headers={HEADER: user})
                    for user in ("alice", "alice", "bob")]
        try:
            alice_work, alice_home, bob = (context.new_page() for context in contexts)
            alice_home.add_init_script(
                "document.addEventListener('htmx:wsOpen', () => { window.socketOpen = true; });")
            alice_home.goto("/")
            wait_for_js(alice_home, "window.socketOpen === true")
            job = run_analysis(alice_work)
            # her other machine hears of it over its socket, without a reload
            alice_home.wait_for_selector(f"#job-{job}.status-done", timeout=10_000)
            assert alice_home.request.get(f"/api/v1/analyses/{job}").status == 200
            bob.goto("/")
            assert bob.locator("#queue-list li.job").count() == 0
            assert bob.locator("#queue-empty").count() == 1
            assert bob.goto(f"/analyses/{job}").status == 404
            assert bob.request.get(f"/api/v1/analyses/{job}").status == 404
            bobs = run_analysis(bob)
            assert bob.locator("#queue-list li.job").count() == 1
            alice_home.reload()
            alice_home.wait_for_selector(f"#job-{job}.status-done")
            assert alice_home.locator("#queue-list li.job").count() == 1
            assert alice_home.locator(f"#job-{bobs}").count() == 0
        finally:
            for context in contexts:
                context.close()


def test_share_links_follow_the_user_across_browsers(signed_app):
    """A link made on one browser is listed and revoked from another of the same user; the other user can
    neither list nor revoke it, but can open it (a link is for whoever holds it)."""
    alice_work, alice_home = behind_proxy(signed_app, "alice"), behind_proxy(signed_app, "alice")
    bob = behind_proxy(signed_app, "bob")
    job_id = submit(alice_work)
    made = alice_work.post(f"/api/v1/analyses/{job_id}/shares", json={})
    assert made.status_code == 201
    token = made.get_json()["token"]
    assert [s["token"] for s in alice_home.get(f"/api/v1/analyses/{job_id}/shares").get_json()["shares"]] == [token]
    assert token in alice_home.get("/shares").get_data(as_text=True)
    assert token not in bob.get("/shares").get_data(as_text=True)
    assert bob.get(f"/api/v1/analyses/{job_id}/shares").status_code == 404
    assert bob.delete(f"/api/v1/analyses/{job_id}/shares/{token}").status_code == 404
    assert bob.post(f"/shares/{token}/revoke").status_code == 404
    assert bob.get(f"/s/{token}").status_code == 200
    assert alice_home.delete(f"/api/v1/analyses/{job_id}/shares/{token}").status_code == 204
    assert bob.get(f"/s/{token}").status_code == 404
