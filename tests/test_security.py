"""Security: CSRF, headers and CSP, cookies, limits, and a corpus of hostile input (4xx, never 500)."""

import json
import re
import time

import pytest
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Job, Scenario, Share

from .conftest import make_app

VALID = {"dataset": "demo", "year": 2011, "indicator": "value_added", "perspective": "consumption",
         "by": "product", "products": ["TOTAL"], "regions": ["TOTAL"]}
IV = {"product": "food", "origin": "reg1", "consumer": "FD", "consumer_region": "reg1", "change_pct": -10}
FORM_FIELDS = [("dataset", "demo"), ("year", "2011"), ("indicator", "value_added"), ("perspective", "consumption"),
               ("by", "product"), ("products", "TOTAL"), ("regions", "TOTAL")]
PRIVATE = "private, no-store"


def test_forms_need_the_csrf_token(shared_store, tmp_path):
    app = make_app(shared_store.root, tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    fields = MultiDict([("dataset", "demo"), ("year", "2011"), ("indicator", "value_added"),
                        ("perspective", "consumption"), ("by", "product"), ("products", "TOTAL"), ("regions", "TOTAL")])
    refused = client.post("/analyses", data=fields)
    assert refused.status_code == 400 and "Reload the page and try again." in refused.get_data(as_text=True)
    other = app.test_client()
    other.get("/")
    forged = MultiDict([*fields.items(multi=True), ("csrf_token", token)])
    assert other.post("/analyses", data=forged).status_code == 400
    fields.add("csrf_token", token)
    created = client.post("/analyses", data=fields)
    assert created.status_code == 303
    job = created.headers["Location"].rsplit("/", 1)[1]
    for path in (f"/analyses/{job}/delete", "/analyses/delete", "/scenarios/builder", f"/analyses/{job}/scenario"):
        assert client.post(path).status_code == 400, path
    # the JSON API takes no token: it accepts only application/json, which no cross-site form can send
    assert client.post("/api/v1/analyses", json=VALID).status_code == 202


def test_headers_csp_and_no_inline_script(client):
    job = client.post("/api/v1/analyses", json=VALID).get_json()["id"]
    for path in ("/", f"/analyses/{job}", "/scenarios", "/api/v1/datasets", f"/analyses/{job}.svg"):
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


def test_a_429_says_when_a_retry_succeeds_and_a_202_says_nothing_of_it(shared_store, tmp_path):
    app = make_app(shared_store.root, tmp_path, SUBMIT_RATE_LIMIT="2 per 2 seconds")
    client = app.test_client()
    client.get("/")
    accepted = [client.post("/api/v1/analyses", json=VALID) for _ in range(2)]
    for response in accepted:
        assert response.status_code == 202 and "Retry-After" not in response.headers
    refused = client.post("/api/v1/analyses", json=VALID)
    wait = int(refused.headers["Retry-After"])
    assert refused.status_code == 429 and 1 <= wait <= 2
    assert refused.get_json() == {"error": f"too many requests (2 per 2 second); try again in {wait} s",
                                  "field": "rate"}
    # the form has a budget of its own
    pages = [client.post("/analyses", data=MultiDict(FORM_FIELDS)) for _ in range(3)]
    assert [p.status_code for p in pages] == [303, 303, 429] and "Retry-After" not in pages[0].headers
    page = pages[-1]
    assert 1 <= int(page.headers["Retry-After"]) <= 2 and "try again in" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == PRIVATE
    time.sleep(max(wait, int(page.headers["Retry-After"])))
    assert client.post("/api/v1/analyses", json=VALID).status_code == 202
    assert client.post("/analyses", data=MultiDict(FORM_FIELDS)).status_code == 303


def test_a_429_asks_for_the_whole_window_when_the_limit_store_cannot_tell(shared_store, tmp_path, monkeypatch):
    from flask_limiter._extension import RequestLimit

    def away(self):
        raise ConnectionError("limit store away")

    app = make_app(shared_store.root, tmp_path, SUBMIT_RATE_LIMIT="1 per 7 seconds")
    client = app.test_client()
    client.get("/")
    assert client.post("/api/v1/analyses", json=VALID).status_code == 202
    monkeypatch.setattr(RequestLimit, "window", property(away))
    refused = client.post("/api/v1/analyses", json=VALID)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "7"


def test_queued_jobs_per_session_are_capped(shared_store, tmp_path):
    app = make_app(shared_store.root, tmp_path, HUEY_IMMEDIATE=False, MAX_QUEUED_PER_SESSION=2)
    client = app.test_client()
    assert [client.post("/api/v1/analyses", json=VALID).status_code for _ in range(3)] == [202, 202, 429]
    full = client.post("/api/v1/analyses", json=VALID)
    body = full.get_json()
    assert body["field"] == "queue" and "2 analyses waiting or running" in body["error"]
    assert full.headers["Retry-After"] == "5" and full.headers["Cache-Control"] == PRIVATE
    form = client.post("/analyses", data=MultiDict(FORM_FIELDS))
    assert form.status_code == 429 and "waiting or running" in form.get_data(as_text=True)
    assert form.headers["Retry-After"] == "5"


def test_every_response_of_a_session_is_private_and_never_stored(client):
    client.get("/")
    created = client.post("/api/v1/analyses", json=VALID)
    assert created.status_code == 202 and "Retry-After" not in created.headers
    assert not [name for name in created.headers.keys() if name.startswith("X-RateLimit")]
    a, b = created.get_json()["id"], client.post("/api/v1/analyses", json=VALID).get_json()["id"]
    builder = MultiDict([("name", "s"), ("dataset", "demo"), ("count", "1"), ("action", "save"),
                         *[(f"{key}-0", str(value)) for key, value in IV.items()]])
    saved = client.post("/scenarios/builder", data=builder)
    scenario = saved.headers["Location"].rsplit("saved=", 1)[1]
    htmx = {"HX-Request": "true"}
    responses = {
        "202": created, "saved": saved,
        "page": client.get("/"), "page a b": client.get(f"/?a={a}&b={b}"),
        "form fragment": client.get("/form?dataset=small", headers=htmx),
        "analysis": client.get(f"/analyses/{a}"), "panel": client.get(f"/analyses/{a}?side=b", headers=htmx),
        "csv": client.get(f"/analyses/{a}.csv"), "svg": client.get(f"/analyses/{a}.svg"),
        "xlsx": client.get(f"/analyses/{a}.xlsx"), "share": client.post(f"/analyses/{a}/shares"),
        "shares": client.get("/shares"),
        "api analysis": client.get(f"/api/v1/analyses/{a}"),
        "submitted": client.post("/analyses", data=MultiDict(FORM_FIELDS)),
        "submitted fragment": client.post("/analyses", data=MultiDict(FORM_FIELDS), headers=htmx),
        "form errors": client.post("/analyses", data=MultiDict([*FORM_FIELDS[:1], ("year", "x")])),
        "builder": client.post("/scenarios/builder", data=MultiDict({**builder, "action": "add"}), headers=htmx),
        "scenarios": client.get("/scenarios"), "edit": client.get(f"/scenarios?edit={scenario}"),
        "run scenario": client.post(f"/analyses/{a}/scenario", data={"scenario_id": scenario}),
        "bad field": client.post("/scenarios/builder", data=MultiDict([("count", "x")])),
        "not mine": client.get("/analyses/99"), "api not mine": client.get("/api/v1/analyses/99"),
        "no page": client.get("/nope"),
        # a shared page and its downloads are for whoever holds the link, and no cache keeps them either
        **{f"shared {ext}": client.get(f"/s/{token}{ext}") for token in [shared_token(client, a)]
           for ext in ("", ".csv", ".xlsx", ".svg")},
        "api delete": client.delete(f"/api/v1/analyses/{b}"), "delete": client.post(f"/analyses/{a}/delete"),
    }
    statuses = {label: r.status_code for label, r in responses.items()}
    assert statuses == {"202": 202, "saved": 303, "page": 200, "page a b": 200, "form fragment": 200,
                        "analysis": 200, "panel": 200, "csv": 200, "svg": 200, "xlsx": 200, "share": 303,
                        "shares": 200, "shared ": 200, "shared .csv": 200, "shared .xlsx": 200, "shared .svg": 200,
                        "api analysis": 200,
                        "submitted": 303, "submitted fragment": 200, "form errors": 422, "builder": 200,
                        "scenarios": 200, "edit": 200, "run scenario": 303, "bad field": 400, "not mine": 404,
                        "api not mine": 404, "no page": 404, "api delete": 204, "delete": 303}
    for label, response in responses.items():
        assert response.headers["Cache-Control"] == PRIVATE, label
        assert "Retry-After" not in response.headers, label


def shared_token(client, job_id: str) -> str:
    return client.post(f"/api/v1/analyses/{job_id}/shares", json={}).get_json()["token"]


def test_public_responses_may_be_cached_and_carry_no_session(client):
    client.get("/")  # the client has a session from here on
    for path in ("/api/v1/datasets", "/api/v1/datasets/demo", "/api/v1/openapi.json"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache", path
        assert "Set-Cookie" not in response.headers and response.headers["ETag"], path
        again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b"", path
    missing = client.get("/api/v1/datasets/nope")
    assert missing.status_code == 404 and missing.headers["Cache-Control"] == "no-cache"
    css = client.get("/static/app.css")
    assert css.status_code == 200 and css.headers["Cache-Control"] == "no-cache" and css.headers["ETag"]
    assert "Set-Cookie" not in css.headers
    css.close()
    # a private page still refreshes the session cookie
    assert "Set-Cookie" in client.get("/").headers


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
    # (2011.0 is no longer here: JSON and the published schema read it as the year 2011)
    for value in ["2011", 2011.5, -1, 0, 1, 99999, 10 ** 30, True, [2011], {"y": 2011}, "", "NaN"]:
        add(f"year={value!r:.20}", {**VALID, "year": value})
    for field in ("products", "regions"):
        for value in ["TOTAL", 1, [1], [None], [[]], [{}], [], ["TOTAL", "TOTAL"], ["nope"], ["\x00"],
                      ["../x"], ["TOTAL"] * 1001, [f"c{i}" for i in range(5000)], {"a": 1}, True,
                      None, [""], ["TOTAL", ""], [value for i in range(9000) for value in (i, str(i))]]:
            add(f"{field}={str(value)[:20]}", {**VALID, field: value})
    for value in [None, "x", 1, {}, [1], [None], ["FD"], [{}], [IV] * 21, [IV] * 1000,
                  [{**IV, "change_pct": -100.5}], [{**IV, "change_pct": "-10"}], [{**IV, "change_pct": True}],
                  [{**IV, "change_pct": None}], [{**IV, "change_pct": 1e309 if False else "Infinity"}],
                  [{**IV, "product": "nope"}], [{**IV, "origin": "../x"}], [{**IV, "consumer": "households"}],
                  [{**IV, "consumer_region": "\x00"}], [{**IV, "extra": 1}],
                  [{k: v for k, v in IV.items() if k != "origin"}],
                  [{**IV, "product": 5}], [{**IV, "change_pct": [1]}],
                  0, "", False, [{**IV, "consumer_region": ""}], [{**IV, "product": ""}], [{**IV, "origin": ""}],
                  [{**IV, "consumer": ""}], [{**IV, "change_pct": "1_000"}], [{**IV, "change_pct": "\u0665"}],
                  [{**IV, "change_pct": 10 ** 6 + 1}], [{**IV, "change_pct": 10 ** 400}]]:
        add(f"interventions={str(value)[:30]}", {**VALID, "interventions": value})
    for field in ("dataset", "indicator", "perspective", "by"):
        add(f"missing {field}", {k: v for k, v in VALID.items() if k != field})
    for extra in ("colour", "__proto__", "id", "owner", "status", ""):
        add(f"extra {extra!r}", {**VALID, extra: 1})
    for raw in [b"", b"{", b"[", b"nul", b"{'a': 1}", b'{"dataset": "demo",}', b"\xff\xfe", b"{}", b"[]", b"null",
                b"1", b'"demo"', b'{"dataset": "demo"} trailing', b"\x00" * 10,
                b'{"dataset": "demo", "year": NaN, '
                b'"indicator": "value_added", "perspective": "consumption", "by": "product"}',
                b'{"dataset": "demo", "year": Infinity, '
                b'"indicator": "value_added", "perspective": "consumption", "by": "product"}',
                b'{"dataset": "demo", "year": -Infinity, '
                b'"indicator": "value_added", "perspective": "consumption", "by": "product"}',
                json.dumps({**VALID, "interventions": [IV]}).replace("-10", "NaN").encode(),
                json.dumps({**VALID, "interventions": [IV]}).replace("-10", "-Infinity").encode(),
                b'{"dataset": "demo", "dataset": 5, '
                b'"indicator": "value_added", "perspective": "consumption", "by": "product"}',
                b"[" * 5000 + b"]" * 5000]:
        add(f"raw {raw[:24]!r}", raw)
    # nested thousands deep (a RecursionError, once), at the top, inside products and inside interventions
    deep = "[" * 5000 + "{}" + "]" * 5000
    for label, text in [("object", '{"a": ' * 5000 + "1" + "}" * 5000),
                        ("products", json.dumps({**VALID, "products": "X"}).replace('"X"', deep)),
                        ("regions", json.dumps({**VALID, "regions": "X"}).replace('"X"', deep)),
                        ("interventions", json.dumps({**VALID, "interventions": "X"}).replace('"X"', deep)),
                        ("an intervention", json.dumps({**VALID, "interventions": ["X"]}).replace('"X"', deep)),
                        ("change_pct", json.dumps({**VALID, "interventions": [{**IV, "change_pct": "X"}]}).replace(
                            '"X"', deep)),
                        ("just too deep", json.dumps({**VALID, "products": "X"}).replace(
                            '"X"', "[" * 17 + '"TOTAL"' + "]" * 17))]:
        add(f"deep {label}", text.encode())
    # numbers beyond a float (an OverflowError, once) and beyond what the JSON parser reads
    for number in ["9" * 4000, "9" * 4000 + ".5", "1e400", "-1e400", "9" * 5000]:
        add(f"change_pct {number[:12]}",
            json.dumps({**VALID, "interventions": [{**IV, "change_pct": -10}]}).replace("-10", number).encode())
    add("year of 4000 digits", json.dumps({**VALID, "year": 2011}).replace("2011", "9" * 4000).encode())
    add("key given twice in an intervention",
        json.dumps({**VALID, "interventions": [IV]}).replace('"origin"', '"product"').encode())
    add("oversized", {**VALID, "products": ["TOTAL"] * 60000})
    # series, decompositions and supply chains: every bad value, every bad combination
    for value in [[], [2011], "2011-2012", [2011, "2012"], [2011, 2011], [2011, 2012.5], [True, 2012], {"a": 1},
                  list(range(1950, 2001)), [2011, None], [10 ** 30, 2011], None]:
        add(f"years={str(value)[:20]}", {**VALID, "years": value})
    for value in [[2011], [2011, 2011], [2011, 2012, 2013], "2011", [2011, "x"], [False, 2011], None, {}, 1e400]:
        add(f"decompose={str(value)[:20]}", {**VALID, "decompose": value})
    add("years beside decompose", {**VALID, "years": [2011, 2012], "decompose": [2011, 2012]})
    add("year beside years", {**VALID, "year": 2011, "years": [2011, 2012]})
    for field, value in [("layers", 0), ("layers", 13), ("layers", "5"), ("layers", 2.5), ("layers", True),
                         ("layers", None), ("layers", 10 ** 30), ("paths", 0), ("paths", 1001), ("paths", -1),
                         ("paths", [5]), ("sensitivity", 0), ("sensitivity", 10 ** 6), ("sensitivity", "all")]:
        add(f"{field}={value!r:.20}", {**VALID, field: value})
    for extra in [{"depth": 13}, {"depth": -1}, {"depth": "8"}, {"threshold": 0}, {"threshold": 1},
                  {"threshold": "1e-4"}, {"threshold": 1e-12}, {"layers_by": "consumer-region"}]:
        kind = {"paths": 10} if "layers_by" not in extra else {"layers": 3}
        add(f"paths with {extra}", {**VALID, **kind, **extra})
    for extra in [{"depth": 3}, {"threshold": 0.01}, {"layers_by": "origin-region"}, {"layers": 3, "paths": 3},
                  {"paths": 3, "sensitivity": 3}, {"layers": 3, "years": [2011, 2012]},
                  {"paths": 3, "decompose": [2011, 2012]}, {"sensitivity": 3, "interventions": [{**IV, "origin": "x"}]},
                  {"layers": 3, "interventions": [{**IV, "change_pct": -100.5}]}]:
        add(f"chain {sorted(extra)}", {**VALID, **extra})
    add("chain per capita", {"dataset": "demo", "year": 2011, "indicator": "value_added", "by": "consumer-region",
                             "per": "capita", "paths": 3, "interventions": [IV]})
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
                "/nope", "/api/v1/nope", "/api/v2/datasets",
                "/api/v1/analyses/" + "0" * 32, "/api/v1/analyses/" + "a" * 31, "/api/v1/analyses/\u0661",
                "/analyses/" + "f" * 32, "/analyses/" + "f" * 32 + ".csv", "/analyses/" + "f" * 32 + ".xlsx",
                "/?a=" + "f" * 32, "/?a=1",
                "/scenarios?edit=" + "e" * 32, "/scenarios?edit=1",
                # share tokens: unknown, one short or long, path tricks, markup, a NUL, an id in its place
                "/s/" + "A" * 43, "/s/" + "A" * 42, "/s/" + "A" * 44, "/s/" + "A" * 43 + ".csv",
                "/s/" + "A" * 43 + ".svg", "/s/" + "A" * 43 + ".xlsx", "/s/..%2F..%2Fetc%2Fpasswd", "/s/%2e%2e",
                "/s/" + "A" * 40 + "%00AB",
                "/s/<script>alert(1)</script>" + "A" * 14, "/s/" + "f" * 32, "/s/", "/s/" + "A" * 3000,
                "/s/" + "A" * 43 + "?sort=%00&rows=-1",
                "/api/v1/analyses/" + "f" * 32 + "/shares", "/api/v1/analyses/abc/shares"]


def hostile_forms():
    good = [("dataset", "demo"), ("year", "2011"), ("indicator", "value_added"), ("perspective", "consumption"),
            ("by", "product"), ("products", "TOTAL"), ("regions", "TOTAL")]
    cases = []
    for key, value in [("year", "abc"), ("year", "-1"), ("year", "1e9"), ("year", "２０１１"), ("year", ""),
                       ("dataset", "../x"), ("dataset", "\x00"), ("dataset", ""), ("indicator", "\u202e"),
                       ("perspective", ""), ("by", "everything"), ("products", "nope"), ("regions", "\x00"),
                       ("products_level", "9"), ("products_level", "abc"), ("regions_level", "-1"),
                       ("products_level", "9" * 5000), ("regions_level", "\u0661"), ("products_level", "1_0"),
                       ("year", "2_011"), ("year", "\u0662\u0660\u0661\u0661"), ("year", "9" * 5000),
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
                       ("name", "x" * 500), ("name", ""), ("count", "0"),
                       ("change_pct-0", "1_000"), ("change_pct-0", "\u0665"), ("change_pct-0", "1e999"),
                       ("change_pct-0", "nan"), ("change_pct-0", "inf"), ("change_pct-0", "-2,5"),
                       ("action", "down-" + "1" * 5000), ("action", "up-\u0661"), ("action", "remove-1_0"),
                       ("count", "1" * 5000), ("count", "\u0661"), ("count", "1_0"),
                       ("scenario_id", "abc"), ("scenario_id", "\u0665"), ("scenario_id", "1" * 5000),
                       ("scenario_id", "0")]:
        cases.append((f"builder {key}={value[:12]!r}", "/scenarios/builder",
                      [(k, v) for k, v in builder if k != key] + [(key, value)]))
    for path, fields in [("/analyses/99/delete", []), ("/analyses/99/scenario", [("scenario_id", "1")]),
                         ("/analyses/99/scenario", [("scenario_id", "9" * 5000)]),
                         ("/scenarios/99/delete", []), ("/analyses/abc/delete", []),
                         ("/analyses/" + "f" * 32 + "/delete", []), ("/scenarios/" + "e" * 32 + "/delete", []),
                         ("/analyses/" + "f" * 32 + "/scenario", [("scenario_id", "e" * 32)]),
                         ("/analyses/" + "f" * 32 + "/shares", []), ("/analyses/abc/shares", []),
                         ("/shares/" + "A" * 43 + "/revoke", []), ("/shares/" + "A" * 42 + "/revoke", []),
                         ("/shares/" + "A" * 43 + "/revoke", [("job", "abc")]),
                         ("/shares/" + "A" * 43 + "/revoke", [("job", "f" * 32)]),
                         ("/shares/" + "A" * 43 + "/revoke", [("job", "\x00" * 40)])]:
        cases.append((f"post {path}", path, fields))
    return cases


HOSTILE_FORMS = hostile_forms()


def test_the_corpus_is_large_enough():
    assert len(HOSTILE_API) + len(HOSTILE_GETS) + len(HOSTILE_FORMS) >= 200


@pytest.fixture(scope="module")
def hostile_app(shared_store, tmp_path_factory):
    # limits far above the corpus: every input must reach the checks it is aimed at, not stop at a 429
    return make_app(shared_store.root, tmp_path_factory.mktemp("hostile"), SUBMIT_RATE_LIMIT="100000 per minute",
                    SUBMIT_RATE_LIMIT_PER_ADDRESS="100000 per minute")


def assert_nothing_written(app):
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Scenario)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Share)) == 0


@pytest.mark.parametrize("label, body, ctype", HOSTILE_API, ids=[c[0] for c in HOSTILE_API])
def test_hostile_api_bodies_get_a_4xx_with_a_message(hostile_app, label, body, ctype):
    client = hostile_app.test_client()
    response = client.post("/api/v1/analyses", data=body, headers={"Content-Type": ctype} if ctype else {})
    assert 400 <= response.status_code < 500 and response.status_code != 429, \
        (label, response.status_code, response.get_data()[:200])
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
    assert 400 <= response.status_code < 500 and response.status_code != 429, (label, response.status_code)
    assert len(response.get_data()) > 0
    assert_nothing_written(hostile_app)


def test_the_server_answers_normally_after_the_corpus(hostile_app):
    client = hostile_app.test_client()
    assert client.get("/").status_code == 200
    created = client.post("/api/v1/analyses", json=VALID)
    assert created.status_code == 202
    assert client.get(created.get_json()["url"]).get_json()["status"] == "done"


def test_bad_websocket_frames_do_not_hurt(live_server):
    from app.perf.client import Session

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
    (["data", "import", "../../../etc/passwd", "--name", "x"], "not the files of any database the importer knows"),
    (["data", "import", "../../../etc/passwd", "--name", "x", "--format", "exiobase3"], "cannot tell the year"),
    (["data", "import", "../../../etc/passwd", "--name", "x", "--format", "pymrio", "--years", "2011"],
     "neither a zip archive nor a folder"),
    (["data", "import", "/etc", "--name", "x", "--format", "pymrio", "--years", "2011"], "no MRIO system"),
    (["data", "import", "/etc/hostname", "--name", "x", "--years", "2011"], "not the files of any database"),
    (["data", "import", "/etc/hostname", "--name", "x", "--format", "../../x"], "unknown format '../../x'"),
    (["data", "import", "/etc", "--name", "../../tmp/evil", "--years", "2011"], "dataset name"),
    (["data", "delete", "../store"], "dataset name"),
    (["data", "show", ".versions"], "no dataset named"),
])
def test_hostile_import_paths_and_names(runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and message in result.stderr
    assert runner.app.extensions["engine"].store.names() == []
