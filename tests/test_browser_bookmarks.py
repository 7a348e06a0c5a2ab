"""Bookmarkable queries in a real browser (chromium via Playwright), with and without JavaScript: a run puts
its query's URL in the address bar, back brings the earlier form again, a bookmark reopens the form filled
in, run=1 asks first; at 320 px and with the keyboard."""

import os
import time

import pytest
from playwright.sync_api import Error as PlaywrightError

from .conftest import CHROMIUM, wait_for_js

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason="Debian's chromium is missing (apt-get install -y chromium); "
                                       ".ci/run installs it")

FIRST = {"indicator": "emission_type1_air", "by": "consumer-region", "final_products": ["food", "mining"],
         "consumer_regions": ["reg2"]}
SECOND = {"indicator": "value_added", "by": "final-product", "final_products": ["TOTAL"],
          "consumer_regions": ["reg1", "reg3"]}


def fill(page, state: dict):
    """The form set to a state, from the blank form or from another state."""
    page.select_option("#f-indicator", state["indicator"])
    page.select_option("#f-by", state["by"])
    for kind in ("final_products", "consumer_regions"):
        for box in page.query_selector_all(f"#list-{kind} input[type=checkbox]"):
            want = box.get_attribute("value") in state[kind]
            if box.is_checked() != want:
                page.click(f"label[for='{box.get_attribute('id')}']")


def shown(page) -> dict:
    """The state the form shows."""
    return {"indicator": page.input_value("#f-indicator"), "by": page.input_value("#f-by"),
            **{kind: page.eval_on_selector_all(f"#list-{kind} input:checked", "boxes => boxes.map(b => b.value)")
               for kind in ("final_products", "consumer_regions")}}


def queried(page, job: str) -> dict:
    return page.request.get(f"/api/v1/analyses/{job}").json()["query"]


def queue(page) -> list[str]:
    return [row.removeprefix("job-") for row in
            page.eval_on_selector_all("#queue-list li.job", "rows => rows.map(r => r.id)")]


def reloaded(page, timeout: float = 10.0):
    """Wait until the page is a new document (the marker set before is gone) and loaded."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate("window.marked === undefined && document.readyState === 'complete'"):
                return
        except PlaywrightError:  # the old document went while it was asked
            pass
        if time.monotonic() > deadline:
            raise AssertionError("the page was not loaded again")
        time.sleep(0.05)


def address(page) -> str:
    """The address bar (page.url misses a pushState with this chromium; location does not)."""
    return page.evaluate("location.href")


def run_with_htmx(page, *keys: str) -> str:
    """Run the analysis (by a click, or by pressing keys) and wait for the URL its answer pushes into the
    address bar."""
    with page.expect_response(lambda r: r.url.endswith("/analyses") and r.request.method == "POST") as answer:
        if keys:
            for key in keys:
                page.keyboard.press(key)
        else:
            page.click("#run-analysis")
    assert answer.value.status == 200
    pushed = answer.value.headers["hx-push-url"]
    deadline = time.monotonic() + 10
    while not address(page).endswith(pushed):
        assert time.monotonic() < deadline, f"{pushed} was not pushed"
        time.sleep(0.05)
    return address(page)


def test_with_javascript_a_run_pushes_its_url_and_back_brings_the_earlier_form(live_server, browser):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/")
    wait_for_js(page, "document.querySelectorAll('ul[role=tree]').length === 4")
    blank = shown(page)
    page.evaluate("window.marked = true")
    fill(page, FIRST)
    first = run_with_htmx(page)
    assert first == (live_server.url + "/?dataset=demo&year=2011&indicator=emission_type1_air&by=consumer-region"
                     "&direct=on&consumer_regions=reg2&final_products=food&final_products=mining")
    page.click("#query-fold > summary")
    fill(page, SECOND)
    second = run_with_htmx(page)
    assert page.evaluate("window.marked") is True  # both runs in the same page: htmx, no reload
    page.wait_for_selector("#queue-list li.job:nth-child(2).status-done", timeout=10_000)
    jobs = queue(page)
    assert len(jobs) == 2
    page.go_back()
    reloaded(page)
    assert address(page) == first and shown(page) == FIRST
    assert page.get_attribute("#query-fold", "open") is not None  # another query than the result's: open
    page.evaluate("window.marked = true")
    page.go_back()
    reloaded(page)
    assert address(page) == live_server.url + "/" and shown(page) == blank
    for url, state in ((first, FIRST), (second, SECOND)):
        page.evaluate("window.marked = true")
        page.go_forward()
        reloaded(page)
        assert address(page) == url and shown(page) == state
    assert page.get_attribute("#query-fold", "open") is None  # the query of the result shown: folded
    # a bookmark opened in another browser reopens the form filled in; a run asks the same query
    other = browser.new_context(base_url=live_server.url).new_page()
    other.goto(second)
    wait_for_js(other, "document.querySelectorAll('ul[role=tree]').length === 4")
    assert shown(other) == SECOND
    # by keyboard: the first Tab reaches "Skip to Run analysis", Enter goes to the button, Enter runs
    assert run_with_htmx(other, "Tab", "Enter", "Enter") == second
    other.wait_for_selector("#queue-list li.job.status-done", timeout=10_000)
    (theirs,) = queue(other)
    assert queried(other, theirs) == queried(page, jobs[0])  # the queue lists the newest first
    other.context.close()
    context.close()


def test_without_javascript_the_same_url_opens_the_filled_form_and_runs(live_server, browser):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    url = ("/?dataset=demo&year=2011&indicator=emission_type1_air&by=consumer-region&direct=off"
           "&consumer_regions=reg2&final_products=food&final_products=mining")
    page.goto(url)
    assert shown(page) == FIRST and not page.is_checked("#f-direct")
    page.click("#run-analysis")
    page.wait_for_url("**/analyses/*")
    query = queried(page, page.url.rsplit("/", 1)[1])
    assert (query["perspective"], query["by"], query["regions"], query["products"], query["direct"]) == \
        ("consumption", "region", ["reg2"], ["food", "mining"], False)
    # run=1: a page that says what would run; only its button queues it
    page.goto(url + "&run=1")
    assert page.text_content("h1") == "Run this analysis?"
    words = page.text_content("p.query-words")
    assert "food (food), mining (mining)" in words and "reg2 (reg2)" in words
    assert words.endswith("Dataset demo, 2011.")
    page.click("#run-analysis")
    page.wait_for_url("**/analyses/*")
    assert queried(page, page.url.rsplit("/", 1)[1]) == query
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_run_1_by_keyboard_at_320_px(live_server, browser, javascript):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript,
                                  viewport={"width": 320, "height": 640})
    page = context.new_page()
    url = "/?dataset=small&indicator=co2&by=final-product&final_products=A&final_products=D&year_from=2011&year_to=2012"
    page.goto(url)
    # the form, filled in, reflows to 320 px (only tables scroll in their own boxes)
    assert page.eval_on_selector("html", "h => h.scrollWidth") <= 320
    assert page.input_value("#f-year_from") == "2011" and page.input_value("#f-year_to") == "2012"
    page.goto(url + "&run=1")
    assert page.eval_on_selector("html", "h => h.scrollWidth") <= 320
    if javascript:
        violations = Axe().run(page).response["violations"]
        assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
    presses = 0  # the skip link first, then the site's links, then the button
    while page.eval_on_selector("html", "h => document.activeElement.id") != "run-analysis":
        assert presses < 6, "Run analysis is more than six Tab presses away"
        page.keyboard.press("Tab")
        presses += 1
    page.keyboard.press("Enter")
    page.wait_for_url("**/analyses/*")
    query = queried(page, page.url.rsplit("/", 1)[1])
    assert (query["years"], query["products"], query["indicator"]) == ([2011, 2012], ["A", "D"], "co2")
    context.close()
