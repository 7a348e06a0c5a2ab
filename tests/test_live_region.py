"""The status region in a real browser: one element whose text says each state of each job once, in
order, whichever of the socket and the submit's response comes first; no strip while it is empty; an
analysis's own page followed over the socket, never reloaded, while it runs."""

import os
import re
import threading
import time
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from .conftest import CHROMIUM, make_app, wait_for_js
from .test_workspace import watched_page

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is missing")

# Every text the region shows, one entry per change, from before the page's own scripts run; and
# whether the region was ever replaced as an element or held an element (a link) of its own.
RECORD = """
window.said = [];
window.regionTrouble = [];
document.addEventListener('DOMContentLoaded', () => {
  const region = document.getElementById('announce');
  region.tagged = true;
  new MutationObserver(() => {
    if (document.getElementById('announce') !== region) window.regionTrouble.push('replaced');
    if (region.querySelector('a')) window.regionTrouble.push('a link');
    const text = region.textContent.replace(/\\s+/g, ' ').trim();
    if (text && text !== window.said[window.said.length - 1]) window.said.push(text);
  }).observe(region, {childList: true, subtree: true, characterData: true});
  new MutationObserver(() => {
    if (document.getElementById('announce') !== region) window.regionTrouble.push('replaced');
  }).observe(document.body, {childList: true});
});
document.addEventListener('htmx:wsOpen', () => { window.socketOpen = true; });
"""
MESSAGE = re.compile(r"Analysis (\d+) (queued|running|done in \d+ ms)\.")


def recording_page(browser, url, **options):
    """A page that collects console errors (page.errors) and records what the region says."""
    page = watched_page(browser, url, **options)
    page.add_init_script(RECORD)
    return page


def run_demo(page):
    """Run the demo's default query from the workspace's form (folded after a first run)."""
    if not page.is_visible("#run-analysis"):
        page.click("#query-fold > summary")
    page.click("#run-analysis")


def test_each_state_said_once_in_order_even_when_the_socket_overtakes_the_response(live_server, browser):
    page = recording_page(browser, live_server.url)
    held = {"on": False}

    def slow_submit(route):
        # the response to the submit held back 1.5 s: the socket brings running and done before it
        response = route.fetch()
        if held["on"]:
            time.sleep(1.5)
        route.fulfill(response=response)

    page.route(re.compile(r".*/analyses$"), slow_submit)
    page.goto("/")
    wait_for_js(page, "window.socketOpen === true")
    runs = 4
    for n in range(1, runs + 1):
        held["on"] = n % 2 == 0  # the 2nd and 4th runs: the socket first
        run_demo(page)
        wait_for_js(page, f"window.said.some(t => t.startsWith('Analysis {n} done'))", 15)
        page.wait_for_timeout(1200)  # anything said late about this job would come now
    said = page.evaluate("window.said")
    parsed = [MESSAGE.fullmatch(text) for text in said]
    assert all(parsed), said
    sequence = [(int(m.group(1)), m.group(2).split(" ")[0]) for m in parsed]
    assert sequence == [(n, state) for n in range(1, runs + 1) for state in ("queued", "running", "done")], said
    assert page.evaluate("window.regionTrouble") == []
    assert page.evaluate("document.getElementById('announce').tagged") is True
    assert page.evaluate("document.getElementById('announce').childElementCount") == 0
    assert page.errors == []
    page.context.close()


def region_box(page) -> dict:
    return page.evaluate("""(() => {
        const region = document.getElementById('announce'), box = region.getBoundingClientRect();
        const next = region.nextElementSibling.getBoundingClientRect();
        return {height: box.height, gap: next.top - box.top, role: region.getAttribute('role'),
                live: region.getAttribute('aria-live'), text: region.textContent};
    })()""")


def test_the_empty_region_takes_no_space_and_shows_once_it_speaks(live_server, browser):
    page = recording_page(browser, live_server.url)
    page.goto("/")
    empty = region_box(page)
    # there for screen readers from the start, but no strip: the content starts where the region is
    assert empty == {"height": 0, "gap": 0, "role": "status", "live": "polite", "text": ""}
    wait_for_js(page, "window.socketOpen === true")
    run_demo(page)
    wait_for_js(page, "window.said.length > 0")
    spoken = region_box(page)
    assert spoken["height"] >= 20 and spoken["text"].startswith("Analysis 1 ")
    # without JavaScript too (the same stylesheet)
    plain = recording_page(browser, live_server.url, java_script_enabled=False)
    plain.goto("/")
    assert plain.evaluate("document.getElementById('announce').getBoundingClientRect().height") == 0
    plain.context.close()
    page.context.close()


@contextmanager
def serving_without_a_worker(store_root, tmp_path):
    """The app over real HTTP and websockets, its jobs left queued until start_worker() is called."""
    from tasks import start_consumers

    app = make_app(store_root, tmp_path, HUEY_IMMEDIATE=False, WEBSOCKET_POLL_SECONDS=0.25, WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.daemon_threads = True  # a socket left open by a failed test must not block the exit
    threading.Thread(target=server.serve_forever, daemon=True).start()
    consumers = []
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}",
                              start_worker=lambda: consumers.append(start_consumers(app, workers=1)))
    finally:
        server.shutdown()
        for consumer in consumers:
            consumer.stop()


def test_an_analysis_page_is_followed_over_the_socket_without_a_reload(shared_store, tmp_path, browser):
    with serving_without_a_worker(shared_store.root, tmp_path) as server:
        page = recording_page(browser, server.url)
        page.goto("/")
        run_demo(page)
        page.wait_for_selector("#queue-list li.job.status-queued")
        job = page.get_attribute("#queue-list li.job", "id").removeprefix("job-")
        # without JavaScript the queued job's page refreshes itself (the <noscript> fallback) ...
        plain = browser.new_context(base_url=server.url, java_script_enabled=False,
                                    storage_state=page.context.storage_state()).new_page()
        plain_loads = []
        plain.on("load", lambda _: plain_loads.append(1))
        plain.goto(f"/analyses/{job}")
        plain.wait_for_timeout(2600)
        assert len(plain_loads) >= 2
        plain.context.close()
        # ... with it, the page stays put and the socket brings each change
        navigations = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
        page.goto(f"/analyses/{job}")
        navigations.clear()
        wait_for_js(page, "window.socketOpen === true")
        page.wait_for_timeout(2600)  # 2.6 s queued: two reloads and more before
        assert "Queued:" in page.inner_text("#panel-a")
        server.start_worker()
        page.wait_for_selector("#panel-a table.data", timeout=15_000)
        wait_for_js(page, "window.said.some(t => t.startsWith('Analysis 1 done'))")
        assert navigations == []
        assert page.evaluate("window.said")[:1] == ["Analysis 1 running."]
        assert page.evaluate("window.regionTrouble") == []
        assert page.errors == []
        page.context.close()
