"""Security: CSRF, headers and CSP, cookies, limits, and a corpus of hostile input (4xx, never 500)."""

import json
import re

import pytest
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Job, Scenario

from .conftest import make_app

VALID = {"dataset": "demo", "year": 2011, "indicator": "value_added", "perspective": "consumption",
         "by": "product", "products": ["TOTAL"], "regions": ["TOTAL"]}
IV = {"product": "food", "origin": "reg1", "consumer": "FD", "consumer_region": "reg1", "change_pct": -10}


def test_forms_need_the_csrf_token(shared_store, tmp_path):
    app = make_app(shared_store.root, tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    fields = MultiDict([("dataset", "demo"), ("year", "2011"), ("indicator", "value_added"),
                        ("perspective", "consumption"), ("by", "product"), ("products", "TOTAL"), ("regions", "TOTAL")])
    refused = client.post("/analyses", data=fields)
    assert refused.status_code == 400 and "reload the page" in refused.get_data(as_text=True)
    other = app.test_client()
    other.get("/")
    assert other.post("/analyses", data=MultiDict([*fields.items(multi=True), ("csrf_token", token)])).status_code == 400
    fields.add("csrf_token", token)
    assert client.post("/analyses", data=fields).status_code == 303
    for path in ("/analyses/1/delete", "/analyses/delete", "/scenarios/builder", "/analyses/1/scenario"):
        assert client.post(path).status_code == 400, path
    # the JSON API takes no token: it accepts only application/json, which no cross-site form can send
    assert client.post("/api/v1/analyses", json=VALID).status_code == 202


def test_headers_csp_and_no_inline_script(client):
    client.post("/api/v1/analyses", json=VALID)
    for path in ("/", "/analyses/1", "/scenarios", "/api/v1/datasets", "/analyses/1.svg"):
        response = client.get(path)
        headers = response.headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+=", html), path
        assert not re.search(r'\sstyle="', html), path


def test_session_cookie_flags(shared_app):
    plain = shared_app.test_client().get("/").headers["Set-Cookie"]
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    secure = shared_app.test_client().get("/", base_url="https://localhost").headers["Set-Cookie"]
    assert "Secure" in secure and "HttpOnly" in secure


def test_rate_limit_per_session(shared_store, tmp_path):
    app = make_app(shared_store.root, tmp_path, SUBMIT_RATE_LIMIT="3 per minute")
    client, other = app.test_client(), app.test_client()
    client.get("/"), other.get("/")
    assert [client.post("/api/v1/analyses", json=VALID).status_code for _ in range(4)] == [202, 202, 202, 429]
    body = client.post("/api/v1/analyses", json=VALID).get_json()
    assert body["field"] == "rate" and "too many requests" in body["error"]
    assert other.post("/api/v1/analyses", json=VALID).status_code == 202  # a limit per session


def test_queued_jobs_per_session_are_capped(shared_store, tmp_path):
    app = make_app(shared_store.root, tmp_path, HUEY_IMMEDIATE=False, MAX_QUEUED_PER_SESSION=2)
    client = app.test_client()
    assert [client.post("/api/v1/analyses", json=VALID).status_code for _ in range(3)] == [202, 202, 429]
    body = client.post("/api/v1/analyses", json=VALID).get_json()
    assert body["field"] == "queue" and "2 analyses waiting or running" in body["error"]
    form = client.post("/analyses", data=MultiDict([("dataset", "demo"), ("year", "2011"), ("indicator", "value_added"),
                                                    ("perspective", "consumption"), ("by", "product"),
                                                    ("products", "TOTAL"), ("regions", "TOTAL")]))
    assert form.status_code == 429 and "waiting or running" in form.get_data(as_text=True)


def hostile_api_bodies():
    """(label, raw body bytes, content type) for POST /api/v1/analyses; none of them is acceptable."""
    cases = []

    def add(label, body, ctype="application/json"):
        cases.append((label, body if isinstance(body, bytes) else json.dumps(body).encode(), ctype))

    strange = [None, 1, -1, 1.5, True, False, [], {}, [[]], "", " ", "x" * 5000, "\x00", "\u202e", "../../etc/passwd",
               "%2e%2e%2f", "TOTAL\n", "<script>", "'; DROP TABLE job; --", "\ud83d\ude00"]
    for field in ("dataset", "indicator", "perspective", "by"):
        for value in strange:
            add(f"{field}={value!r:.20}", {**VALID, field: value})
    for value in ["2011", 2011.0, -1, 0, 1, 99999, 10 ** 30, True, [2011], {"y": 2011}, "", "NaN"]:
        add(f"year={value!r:.20}", {**VALID, "year": value})
    for field in ("products", "regions"):
        for value in ["TOTAL", 1, [1], [None], [[]], [{}], [], ["TOTAL", "TOTAL"], ["nope"], ["\x00"],
                      ["../x"], ["TOTAL"] * 1001, [f"c{i}" for i in range(5000)], {"a": 1}, True]:
            add(f"{field}={str(value)[:20]}", {**VALID, field: value})
    for value in [None, "x", 1, {}, [1], [None], ["FD"], [{}], [IV] * 21, [IV] * 1000,
                  [{**IV, "change_pct": -100.5}], [{**IV, "change_pct": "-10"}], [{**IV, "change_pct": True}],
                  [{**IV, "change_pct": None}], [{**IV, "change_pct": 1e309 if False else "Infinity"}],
                  [{**IV, "product": "nope"}], [{**IV, "origin": "../x"}], [{**IV, "consumer": "households"}],
                  [{**IV, "consumer_region": "\x00"}], [{**IV, "extra": 1}], [{k: v for k, v in IV.items() if k != "origin"}],
                  [{**IV, "product": 5}], [{**IV, "change_pct": [1]}]]:
        add(f"interventions={str(value)[:30]}", {**VALID, "interventions": value})
    for field in ("dataset", "indicator", "perspective", "by"):
        add(f"missing {field}", {k: v for k, v in VALID.items() if k != field})
    for extra in ("colour", "__proto__", "id", "owner", "status", ""):
        add(f"extra {extra!r}", {**VALID, extra: 1})
    for raw in [b"", b"{", b"[", b"nul", b"{'a': 1}", b'{"dataset": "demo",}', b"\xff\xfe", b"{}", b"[]", b"null",
                b"1", b'"demo"', b'{"dataset": "demo"} trailing', b"\x00" * 10,
                b'{"dataset": "demo", "year": NaN, "indicator": "value_added", "perspective": "consumption", "by": "product"}',
                b'{"dataset": "demo", "year": Infinity, "indicator": "value_added", "perspective": "consumption", "by": "product"}',
                b'{"dataset": "demo", "year": -Infinity, "indicator": "value_added", "perspective": "consumption", "by": "product"}',
                json.dumps({**VALID, "interventions": [IV]}).replace("-10", "NaN").encode(),
                json.dumps({**VALID, "interventions": [IV]}).replace("-10", "-Infinity").encode(),
                b'{"dataset": "demo", "dataset": 5, "indicator": "value_added", "perspective": "consumption", "by": "product"}',
                b"[" * 5000 + b"]" * 5000]:
        add(f"raw {raw[:24]!r}", raw)
    add("oversized", {**VALID, "products": ["TOTAL"] * 60000})
    body = json.dumps(VALID).encode()
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                  "application/xml", "", "application/json-patch", "text/json"):
        add(f"content type {ctype!r}", body, ctype)
    return cases


HOSTILE_API = hostile_api_bodies()

HOSTILE_GETS = ["/api/v1/analyses/-1", "/api/v1/analyses/abc", "/api/v1/analyses/99999999999999999999999",
                "/api/v1/analyses/1.5", "/api/v1/analyses/%00", "/api/v1/datasets/..%2F..%2Fetc%2Fpasswd",
                "/api/v1/datasets/%2e%2e", "/api/v1/datasets/.versions", "/api/v1/datasets/demo%00",
                "/api/v1/datasets/" + "x" * 3000, "/api/v1/datasets/..", "/analyses/0", "/analyses/-5",
                "/analyses/1.csv", "/analyses/1.svg", "/analyses/999999999", "/?a=abc", "/?a=99", "/?b=-1",
                "/analyses/1?side=c", "/analyses/1?against=77", "/form?dataset=../../x", "/?dataset=%00",
                "/scenarios?edit=5", "/scenarios?edit=abc", "/static/../wsgi.py", "/static/%2e%2e/wsgi.py",
                "/nope", "/api/v1/nope", "/api/v2/datasets"]


def hostile_forms():
    good = [("dataset", "demo"), ("year", "2011"), ("indicator", "value_added"), ("perspective", "consumption"),
            ("by", "product"), ("products", "TOTAL"), ("regions", "TOTAL")]
    cases = []
    for key, value in [("year", "abc"), ("year", "-1"), ("year", "1e9"), ("year", "２０１１"), ("year", ""),
                       ("dataset", "../x"), ("dataset", "\x00"), ("dataset", ""), ("indicator", "\u202e"),
                       ("perspective", ""), ("by", "everything"), ("products", "nope"), ("regions", "\x00"),
                       ("products_level", "9"), ("products_level", "abc"), ("regions_level", "-1"),
                       ("products", "x" * 5000)]:
        fields = [(k, v) for k, v in good if k != key or key in ("products", "regions")]
        if key in ("products", "regions"):
            fields = [(k, v) for k, v in fields if k != key]
        cases.append((f"form {key}={value[:12]!r}", "/analyses", fields + [(key, value)]))
    builder = [("name", "s"), ("dataset", "demo"), ("count", "1"), ("product-0", "food"), ("origin-0", "reg1"),
               ("consumer-0", "FD"), ("consumer_region-0", "reg1"), ("change_pct-0", "-10"), ("action", "save")]
    for key, value in [("count", "-5"), ("count", "abc"), ("change_pct-0", "NaN"), ("change_pct-0", "Infinity"),
                       ("change_pct-0", "1e400"), ("change_pct-0", "-101"), ("product-0", "../x"),
                       ("origin-0", "\x00"), ("consumer-0", "households"), ("dataset", "../../etc"),
                       ("name", "x" * 500), ("name", ""), ("count", "0")]:
        cases.append((f"builder {key}={value[:12]!r}", "/scenarios/builder",
                      [(k, v) for k, v in builder if k != key] + [(key, value)]))
    for path, fields in [("/analyses/99/delete", []), ("/analyses/99/scenario", [("scenario_id", "1")]),
                         ("/scenarios/99/delete", []), ("/analyses/abc/delete", [])]:
        cases.append((f"post {path}", path, fields))
    return cases


HOSTILE_FORMS = hostile_forms()


def test_the_corpus_is_large_enough():
    assert len(HOSTILE_API) + len(HOSTILE_GETS) + len(HOSTILE_FORMS) >= 200


@pytest.fixture(scope="module")
def hostile_app(shared_store, tmp_path_factory):
    return make_app(shared_store.root, tmp_path_factory.mktemp("hostile"))


def assert_nothing_written(app):
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Scenario)) == 0


@pytest.mark.parametrize("label, body, ctype", HOSTILE_API, ids=[c[0] for c in HOSTILE_API])
def test_hostile_api_bodies_get_a_4xx_with_a_message(hostile_app, label, body, ctype):
    client = hostile_app.test_client()
    response = client.post("/api/v1/analyses", data=body, headers={"Content-Type": ctype} if ctype else {})
    assert 400 <= response.status_code < 500, (label, response.status_code, response.get_data()[:200])
    data = response.get_json()
    assert data["error"] and "field" in data
    assert_nothing_written(hostile_app)


@pytest.mark.parametrize("path", HOSTILE_GETS)
def test_hostile_paths_get_a_4xx(hostile_app, path):
    response = hostile_app.test_client().get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert_nothing_written(hostile_app)


@pytest.mark.parametrize("label, path, fields", HOSTILE_FORMS, ids=[c[0] for c in HOSTILE_FORMS])
def test_hostile_forms_get_a_4xx_with_a_message(hostile_app, label, path, fields):
    client = hostile_app.test_client()
    client.get("/")
    response = client.post(path, data=MultiDict(fields))
    assert 400 <= response.status_code < 500, (label, response.status_code)
    assert len(response.get_data()) > 0
    assert_nothing_written(hostile_app)


def test_the_server_answers_normally_after_the_corpus(hostile_app):
    client = hostile_app.test_client()
    assert client.get("/").status_code == 200
    assert client.post("/api/v1/analyses", json=VALID).status_code == 202
    assert client.get("/api/v1/analyses/1").get_json()["status"] == "done"


def test_bad_websocket_frames_do_not_hurt(live_server):
    from app.client import Session

    browser = Session(live_server.url)
    browser.get("/")
    ws = browser.websocket()
    ws.receive(timeout=5)
    for frame in ("garbage", "{" * 10000, b"\x00\xff" * 100, json.dumps({"HEADERS": {}, "x": 1}), "x" * 16000):
        ws.send(frame)
    status, body = browser.post_json("/api/v1/analyses", VALID)
    assert status == 202
    message = ""
    while "status-done" not in message:
        message = ws.receive(timeout=5) or ""
        assert message is not None
    ws.close()
    assert Session(live_server.url).get("/")[0] == 200


@pytest.mark.parametrize("args, message", [
    (["data", "import", "../../../nowhere/IOT_2011_pxp.zip", "--name", "x"], "does not exist"),
    (["data", "import", "../../../etc/passwd", "--name", "x"], "cannot tell the year"),
    (["data", "import", "../../../etc/passwd", "--name", "x", "--years", "2011"], "neither a zip archive nor a folder"),
    (["data", "import", "/etc", "--name", "x", "--years", "2011"], "no MRIO system"),
    (["data", "import", "/etc/hostname", "--name", "x", "--years", "2011"], "neither a zip archive nor a folder"),
    (["data", "import", "/etc", "--name", "../../tmp/evil", "--years", "2011"], "dataset name"),
    (["data", "delete", "../store"], "dataset name"),
    (["data", "show", ".versions"], "no dataset named"),
])
def test_hostile_import_paths_and_names(runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and message in result.stderr
    assert runner.app.extensions["engine"].store.names() == []
