"""What a page weighs: compressed responses, fingerprinted static files kept a year, and the issue's budgets."""

import gzip
import hashlib
import os
import re
import shutil
import socket
from pathlib import Path

import brotli
import pytest
from werkzeug.datastructures import MultiDict

from app.assets import IMMUTABLE

from .conftest import make_app, wait_for_js

ROOT = Path(__file__).resolve().parent.parent
BOTH = {"Accept-Encoding": "br, gzip"}
STATIC_URL = re.compile(r'(?:href|src)="(/static/([^"?]+)(?:\?v=([0-9a-f]*))?)"')
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
KB = 1000  # the budgets are in KB


def decoded(response) -> bytes:
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    return {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding](body)


def static_urls(html: str) -> list[tuple[str, str, str | None]]:
    return STATIC_URL.findall(html)


def test_a_pages_static_urls_carry_the_fingerprint_of_their_content(client):
    html = client.get("/").get_data(as_text=True)
    urls = static_urls(html)
    assert {name for _, name, _ in urls} == {"favicon.svg", "app.css", "charts.css", "picker.css", "app.js",
                                             "picker.js", "vendor/htmx-2.0.11.min.js",
                                             "vendor/htmx-ext-ws-2.0.4.min.js"}
    for url, name, version in urls:
        content = (ROOT / "static" / name).read_bytes()
        assert version == hashlib.sha256(content).hexdigest()[:12], url


def test_a_fingerprinted_file_is_kept_a_year_and_any_other_url_still_works(client):
    url = next(u for u, name, _ in static_urls(client.get("/").get_data(as_text=True)) if name == "app.css")
    content = (ROOT / "static" / "app.css").read_bytes()
    for path, cache in ((url, IMMUTABLE), ("/static/app.css", "no-cache"),
                        ("/static/app.css?v=0123456789ab", "no-cache")):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["Cache-Control"] == cache, path
        assert decoded(response) == content and "Set-Cookie" not in response.headers, path
        response.close()
    assert client.get("/static/nope.css?v=0123456789ab").status_code == 404


@pytest.mark.parametrize("accept, encoding", [("br, gzip", "br"), ("gzip, deflate", "gzip"), ("", None),
                                              ("gzip;q=1, br;q=0.5", "gzip"), ("identity", None)])
def test_pages_scripts_and_json_are_compressed_with_brotli_or_gzip(client, accept, encoding):
    page = client.get("/")  # with its session from here on
    script = next(u for u, name, _ in static_urls(page.get_data(as_text=True)) if name.startswith("vendor/htmx-2"))
    for path in ("/", script, "/api/v1/openapi.json"):
        plain = client.get(path, headers={"Accept-Encoding": ""})
        response = client.get(path, headers={"Accept-Encoding": accept})
        assert response.status_code == 200 and response.headers.get("Content-Encoding") == encoding, path
        assert "Accept-Encoding" in response.headers["Vary"], path
        if path != "/":  # the page carries a fresh CSRF signature each time
            assert decoded(response) == plain.get_data(), path
        if encoding:
            assert len(response.get_data()) < len(plain.get_data()) / 3, path
        for r in (plain, response):
            r.close()


def test_conditional_requests_head_downloads_and_empty_answers_survive_compression(client):
    client.get("/")
    for path in ("/api/v1/datasets", "/api/v1/datasets/demo", "/api/v1/openapi.json"):
        first = client.get(path, headers=BOTH)
        etag, packed = first.headers["ETag"], len(decoded(first)) >= 500  # a short answer is sent as it is
        assert first.headers.get("Content-Encoding") == ("br" if packed else None), path
        assert etag.endswith(':br"') == packed, path  # the ETag names the encoding: each has its own bytes
        assert first.headers["Cache-Control"] == "no-cache", path
        again = client.get(path, headers={**BOTH, "If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag, path
        head = client.head(path, headers=BOTH)
        assert head.status_code == 200 and head.get_data() == b"", path
        assert head.headers["Content-Length"] == first.headers["Content-Length"], path
    # a static file: revalidated (no fingerprint) to a 304, and a byte range is never compressed
    css = client.get("/static/app.css", headers=BOTH)
    unchanged = client.get("/static/app.css", headers={**BOTH, "If-None-Match": css.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    part = client.get("/static/app.css", headers={**BOTH, "Range": "bytes=0-99"})
    assert part.status_code == 206 and "Content-Encoding" not in part.headers and len(part.get_data()) == 100
    for r in (css, unchanged, part):
        r.close()
    # downloads arrive whole once decoded; a 204 stays empty
    job = client.post("/analyses", data=MultiDict(
        [("dataset", "demo"), ("year", "2011"), ("indicator", "emission_type1_air"), ("perspective", "consumption"),
         ("by", "product"), ("products", "TOTAL"), ("regions", "TOTAL")])).headers["Location"].rsplit("/", 1)[1]
    for suffix, start in ((".csv", b'"code","name"'), (".svg", b"<?xml")):
        plain = client.get(f"/analyses/{job}{suffix}", headers={"Accept-Encoding": ""})
        packed = client.get(f"/analyses/{job}{suffix}", headers=BOTH)
        assert packed.headers["Content-Disposition"] == plain.headers["Content-Disposition"]
        assert decoded(packed) == plain.get_data() and plain.get_data().startswith(start), suffix
        assert packed.headers.get("Content-Encoding") == ("br" if len(plain.get_data()) >= 500 else None), suffix
    deleted = client.delete(f"/api/v1/analyses/{job}", headers=BOTH)
    assert deleted.status_code == 204 and deleted.get_data() == b"" and "Content-Encoding" not in deleted.headers


def test_the_websocket_still_negotiates_permessage_deflate(live_server):
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, Request
    from wsproto.extensions import PerMessageDeflate

    from app.perf.client import Session

    session = Session(live_server.url)
    session.get("/")
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.jar)
    host = live_server.url.split("//", 1)[1]
    conn = WSConnection(ConnectionType.CLIENT)
    with socket.create_connection(tuple(host.rsplit(":", 1)), timeout=5) as sock:
        sock.sendall(conn.send(Request(host=host, target="/ws", extensions=[PerMessageDeflate()],
                                       extra_headers=[("Origin", live_server.url), ("Cookie", cookie),
                                                      ("Accept-Encoding", "br, gzip")])))
        events = []
        while not events:
            conn.receive_data(sock.recv(65536))
            events = list(conn.events())
    accepted = events[0]
    assert isinstance(accepted, AcceptConnection)
    assert [type(e).__name__ for e in accepted.extensions] == ["PerMessageDeflate"]


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is missing (apt-get install -y chromium)")
def test_a_warm_visit_asks_only_for_the_page_and_its_socket(live_server):
    from playwright.sync_api import sync_playwright

    asked = []
    app = live_server.app
    inner = app.wsgi_app

    def counting(environ, start_response):
        asked.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = counting
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(base_url=live_server.url)
            page = context.new_page()
            page.add_init_script("document.addEventListener('htmx:wsOpen', () => { window.socketOpen = true; });")
            page.goto("/")
            wait_for_js(page, "window.socketOpen === true")
            for _ in range(100):  # chromium asks for the icon after the page has loaded
                if "/static/favicon.svg" in asked:
                    break
                page.wait_for_timeout(50)
            cold = list(asked)
            asked.clear()
            page.goto("/")
            wait_for_js(page, "window.socketOpen === true")
            page.wait_for_timeout(300)  # anything late (a favicon) would be asked for by now
            warm = list(asked)
        finally:
            browser.close()
    print(f"\ncold visit asked for {len(cold)}: {cold}\nwarm visit asked for {len(warm)}: {warm}")
    assert sum(p.startswith("/static/") for p in cold) >= 4
    assert warm == ["/", "/ws"]


# The budgets, at EXIOBASE's size (49 regions x 200 products)

@pytest.fixture(scope="module")
def exio_client(exio_store, tmp_path_factory):
    return make_app(exio_store.root, tmp_path_factory.mktemp("weight")).test_client()


@pytest.fixture(scope="module")
def cold_load(exio_client):
    """Bytes on the wire (brotli or gzip, as a browser asks) of the main page and of everything it loads."""
    page = exio_client.get("/", headers=BOTH)
    sizes, plain = {"/": len(page.get_data())}, {"/": len(decoded(page))}
    for url, _, _ in static_urls(decoded(page).decode()):
        response = exio_client.get(url, headers=BOTH)
        sizes[url], plain[url] = len(response.get_data()), len(decoded(response))
        response.close()
    print("\n" + "\n".join(f"{sizes[url] / KB:8.1f} KB  ({plain[url] / KB:6.1f} KB uncompressed)  {url}"
                           for url in sizes))
    print(f"{sum(sizes.values()) / KB:8.1f} KB  ({sum(plain.values()) / KB:6.1f} KB uncompressed)  everything cold")
    return sizes


@pytest.fixture(scope="module")
def fragment_size(exio_client):
    """Uncompressed bytes of the panel fragment of a result by region for all 49 regions."""
    dataset = exio_client.application.extensions["engine"].store.open("exio")
    regions = dataset.regions.leaf_codes()
    fields = [("dataset", "exio"), ("year", "2011"), ("indicator", dataset.indicators[0]["code"]),
              ("perspective", "consumption"), ("by", "region"), ("products", "TOTAL")]
    submitted = exio_client.post("/analyses", data=MultiDict(fields + [("regions", code) for code in regions]))
    assert submitted.status_code == 303 and len(regions) == 49
    job = submitted.headers["Location"].rsplit("/", 1)[1]
    panel = exio_client.get(f"/analyses/{job}?side=a", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    size = len(panel.get_data())
    packed = exio_client.get(f"/analyses/{job}?side=a", headers={"HX-Request": "true", **BOTH})
    print(f"\n{size / KB:8.1f} KB  49-region result fragment ({len(packed.get_data()) / KB:.1f} KB compressed)")
    return size


def test_the_main_page_at_49_by_200_weighs_at_most_30_kb_compressed(cold_load):
    assert cold_load["/"] <= 30 * KB


def test_everything_the_main_page_loads_cold_weighs_at_most_60_kb_compressed(cold_load):
    assert sum(cold_load.values()) <= 60 * KB


def test_a_49_region_result_fragment_weighs_at_most_40_kb(fragment_size):
    assert fragment_size <= 40 * KB
