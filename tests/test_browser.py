"""A real browser (Debian's chromium via Playwright): the flow with and without JavaScript, and axe-core."""

import os
import re
import time

import pytest

from .conftest import CHROMIUM, wait_for_js

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason="Debian's chromium is missing (apt-get install -y chromium); "
                                       ".ci/run installs it")


def table_values(page, panel="#panel-a") -> list[float]:
    return [float(v) for v in page.eval_on_selector_all(f"{panel} table.data td[data-value]",
                                                         "cells => cells.map(c => c.dataset.value)")]


def api_values(page, job_id: str) -> list[float]:
    job = page.request.get(f"/api/v1/analyses/{job_id}").json()
    assert job["status"] == "done"
    return [row["value"] for row in job["result"]["rows"]] + [job["result"]["total"]]


def fill_form(page):
    page.select_option("#f-indicator", "emission_type1_air")
    page.select_option("#f-by", "consumer-region")
    page.uncheck("#final_products-TOTAL")
    page.check("#final_products-food")
    page.check("#final_products-mining")
    page.check("#consumer_regions-reg2")


def test_with_javascript_the_row_reaches_done_without_a_reload(live_server, browser):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.add_init_script("document.addEventListener('htmx:wsOpen', () => { window.socketOpen = true; });")
    page.goto("/")
    wait_for_js(page, "window.socketOpen === true")
    page.evaluate("window.sameDocument = true")
    fill_form(page)
    page.click("button:has-text('Run analysis')")
    page.wait_for_selector("#queue-list li.job.status-done", timeout=10_000)
    job = page.get_attribute("#queue-list li.job", "id").removeprefix("job-")
    page.wait_for_selector("#panel-a table.data", timeout=10_000)
    assert page.evaluate("window.sameDocument") is True  # nothing reloaded: the websocket brought it
    # the address bar holds the query's URL (HX-Push-Url; tests/test_browser_bookmarks.py), read from location:
    # page.url can miss a pushState
    assert page.evaluate("location.href").startswith(live_server.url + "/?dataset=demo&year=2011&")
    assert table_values(page) == api_values(page, job)
    # each message stays a moment before the next (static/app.js): done is said after queued and running
    wait_for_js(page, "document.getElementById('announce').textContent.includes('Analysis 1 done in')")
    # the filter narrows the picker as one types (the form folded after the run: open it)
    page.click("#query-fold > summary")
    page.fill("#filter-final_products", "elec")
    visible = page.eval_on_selector_all("#list-final_products li:not([hidden]) > input",
                                        "boxes => boxes.map(b => b.value)")
    assert visible == ["TOTAL", "electricity"]
    context.close()


def test_without_javascript_the_form_redirects_and_the_page_refreshes(live_server, browser):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    fill_form(page)
    page.click("button:has-text('Run analysis')")
    page.wait_for_url("**/analyses/*")
    job = page.url.rsplit("/", 1)[1]
    page.wait_for_selector("table.data", timeout=10_000)  # via <meta refresh> if it was not done at once
    assert table_values(page, "main") == api_values(page, job)
    context.close()


def serious(results) -> list[str]:
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("fields, kind", [
    (None, "the empty workspace"),
    ({"dataset": "demo", "by": "product"}, "a treemap"),
    ({"dataset": "demo", "by": "region"}, "a bar chart"),
    ({"dataset": "small", "by": "region"}, "a world map"),
    ({"dataset": "demo", "by": "region", "interventions": [
        {"product": "electricity", "origin": "TOTAL", "consumer": "manufactoring", "consumer_region": "reg1",
         "change_pct": -20}]}, "a scenario result"),
    ({"dataset": "small", "by": ["origin-region", "consumer-region"], "perspective": None}, "a heatmap"),
    ({"dataset": "small", "by": "origin-region", "perspective": None, "origin_regions": ["TOTAL"]},
     "a map of where a footprint occurs, with its trade"),
    ({"dataset": "small", "by": "region", "years": [2011, 2012]}, "a series: lines and a table by year"),
    ({"dataset": "small", "by": "region", "decompose": [2011, 2012]}, "a decomposition: waterfalls and sentences"),
    ({"dataset": "small", "by": "region", "layers": 6}, "production layers"),
    ({"dataset": "small", "by": "region", "paths": 20}, "the largest supply-chain paths"),
    ({"dataset": "small", "by": "region", "sensitivity": 10}, "the coefficients that matter"),
])
def test_axe_finds_no_serious_or_critical_violations(live_server, browser, fields, kind):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/")
    if fields:
        data = {"indicator": "co2" if fields["dataset"] == "small" else "value_added", "perspective": "consumption",
                **fields}
        created = page.request.post("/api/v1/analyses", data={k: v for k, v in data.items() if v is not None}).json()
        # wait for the job through the API first: a page still refreshing itself (<meta refresh>) could
        # abort the next navigation
        deadline = time.monotonic() + 30
        while page.request.get(created["url"]).json()["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline, "the analysis did not finish"
            time.sleep(0.1)
        page.goto(f"/analyses/{created['id']}")
        page.wait_for_selector("p.total", timeout=10_000)  # every result states its total first
        page.goto(f"/?a={created['id']}")
    results = Axe().run(page)
    assert serious(results) == [], kind
    context.close()


def test_scenario_builder_with_javascript_and_axe(live_server, browser):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/scenarios")
    page.fill("#s-name", "Less electricity")
    page.select_option("#product-0", "electricity")
    page.select_option("#consumer-0", "manufactoring")
    page.fill("#change_pct-0", "-20")
    page.click("button[value=add]")
    page.wait_for_selector("#product-1")  # swapped in by htmx, the first row kept
    assert page.input_value("#change_pct-0") == "-20"
    page.fill("#change_pct-1", "-300")
    page.click("button.primary[value=save]")
    page.wait_for_selector("#e-interventions-1-change_pct")
    assert serious(Axe().run(page)) == []
    page.click("button[value=remove-1]")
    page.wait_for_selector("#product-1", state="detached")
    page.click("button.primary[value=save]")
    page.wait_for_url("**/scenarios?saved=*")
    assert "Less electricity" in page.inner_text("main")
    context.close()


def test_an_open_page_recovers_after_the_web_process_restarts(shared_store, tmp_path, browser):
    """The server process is stopped and started again (same database, same port): the page's
    websocket reconnects by itself and the page shows what happened meanwhile, without a reload."""
    import signal
    import subprocess
    import sys

    from .test_processes import free_port, wait_until_up

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "RAMASCENE_STORE_PATH": str(shared_store.root),
           "RAMASCENE_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "RAMASCENE_HUEY_PATH": str(tmp_path / "huey.sqlite3"), "RAMASCENE_SECRET_KEY": "restart-test"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env=env, cwd=root,
                   check=True, capture_output=True)
    port = free_port()

    def serve():
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)],
                                   env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_up(f"http://127.0.0.1:{port}/")
        return process

    server = serve()
    context = browser.new_context(base_url=f"http://127.0.0.1:{port}")
    page = context.new_page()
    page.add_init_script("document.addEventListener('htmx:wsOpen', "
                         "() => { window.opened = (window.opened || 0) + 1; });")
    try:
        page.goto("/")
        wait_for_js(page, "window.opened === 1")
        page.evaluate("window.sameDocument = true")
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
        server = serve()
        response = page.request.post("/api/v1/analyses", data={"dataset": "demo", "indicator": "value_added",
                                                                "perspective": "production", "by": "region"})
        job_id = response.json()["id"]
        page.wait_for_selector(f"#queue-list #job-{job_id}.status-done", timeout=30_000)
        assert page.evaluate("window.sameDocument") is True
        assert page.evaluate("window.opened") >= 2  # the socket was opened again
    finally:
        context.close()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)


@pytest.mark.parametrize("javascript", [True, False])
def test_use_in_a_scenario_from_a_coefficient_by_keyboard(live_server, browser, javascript):
    """From the coefficients that matter: the link opens the builder filled in, the focus on the change; typing
    it and pressing Enter saves exactly that intervention."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
    page = context.new_page()
    page.goto("/")
    created = page.request.post("/api/v1/analyses", data={
        "dataset": "small", "indicator": "co2", "perspective": "consumption", "by": "region",
        "sensitivity": 5}).json()
    deadline = time.monotonic() + 30
    while (job := page.request.get(created["url"]).json())["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, "the analysis did not finish"
        time.sleep(0.1)
    cell = job["result"]["cells"][0]
    page.goto(f"/analyses/{created['id']}")
    page.get_by_role("link", name="Use in a scenario").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/scenarios?*")
    expect(page.locator("#change_pct-0")).to_be_focused()  # (page.evaluate would hang without JavaScript)
    assert [page.input_value(f"#{key}-0") for key in ("product", "origin", "consumer", "consumer_region")] == [
        cell["origin"]["product"], cell["origin"]["region"], cell["consumer"]["product"], cell["consumer"]["region"]]
    if javascript:  # axe runs as a script in the page
        assert serious(Axe().run(page)) == []
    page.keyboard.type("-20")
    page.keyboard.press("Enter")
    page.wait_for_url("**/scenarios?saved=*")
    saved = page.locator(".saved li").first.inner_text()
    assert re.search("(-|\u2212)20(\\.0)? %", saved), saved
    assert "1 intervention on dataset small" in page.locator("#confirmation").inner_text()
    context.close()


def test_the_datasets_page_with_axe(live_server, browser):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(base_url=live_server.url, viewport={"width": 320, "height": 800})
    page = context.new_page()
    page.goto("/datasets")
    assert page.locator("section.dataset").count() == len(live_server.app.extensions["engine"].store.names())
    assert serious(Axe().run(page)) == []
    # nothing wider than the screen but the tables' own scrolling regions
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()
