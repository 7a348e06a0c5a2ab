"""The workspace in a real browser at EXIOBASE's size: reflow at 320 px, focus after each update, one live
region with one message per state, no console errors, axe-core clean at any impact, long tables and lists."""

import os

import pytest

from .conftest import CHROMIUM, wait_for_js

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is missing")

# Tags the status region and records every text it shows, from before the page's own scripts run.
RECORD_ANNOUNCEMENTS = """
window.announcements = [];
document.addEventListener('DOMContentLoaded', () => {
  const region = document.getElementById('announce');
  region.tagged = 'the first region';
  new MutationObserver(() => {
    const text = region.textContent.trim();
    if (text) window.announcements.push(text);
  }).observe(region, {childList: true, subtree: true, characterData: true});
});
"""


def watched_page(browser, url, **options):
    """A page whose console errors and uncaught exceptions are collected in page.errors. Chromium logs
    every 4xx response as an error; a refused form's 422 is the answer by design, so that one is left out."""
    context = browser.new_context(base_url=url, **options)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: page.errors.append(message.text)
            if message.type == "error" and "status of 422 (UNPROCESSABLE ENTITY)" not in message.text else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.add_init_script(RECORD_ANNOUNCEMENTS)
    return page


def open_query(page):
    if not page.is_visible("#run-analysis"):
        page.click("#query-fold > summary")


def run_every_leaf(page, done: int):
    """All 200 products by product, for all 49 regions; waits for the done-th finished row."""
    open_query(page)
    page.select_option("#f-by", "final-product")
    for kind in ("final_products", "consumer_regions"):  # "Add a whole level": the finest one, every product and region
        levels = page.locator("details.levels", has=page.locator(f"button[name=add_level][value^='{kind}:']"))
        levels.locator("summary").click()
        levels.locator("button[name=add_level]").last.click()
    page.click("#run-analysis")
    wait_for_js(page, f"document.querySelectorAll('#queue-list li.job.status-done').length === {done}", 60)
    wait_for_js(page, "document.querySelector('#panel-a table.data') !== null", 30)


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]]


def test_at_49_x_200_the_result_takes_the_width_and_reflows_to_320_px(exio_server, browser):
    page = watched_page(browser, exio_server.url, viewport={"width": 1280, "height": 900})
    page.goto("/")
    run_every_leaf(page, 1)
    page.reload()
    # the form folded to one line; the result beside the queue, wider than half the page
    assert page.is_visible("#query-fold > summary") and not page.is_visible("#run-analysis")
    assert page.evaluate("document.getElementById('panel-a').getBoundingClientRect().width") > 800
    assert page.evaluate("document.getElementById('panel-b').hidden") is True
    words = page.inner_text("#panel-a .query-words")
    assert "consumers in all 49 regions (" in words and "all 200 products (" in words
    # the 20 largest rows, largest first, then all 200 by a link
    values = [float(v) for v in page.eval_on_selector_all("#panel-a tbody td[data-value]",
                                                           "cells => cells.map(c => c.dataset.value)")]
    assert len(values) == 20 and values == sorted(values, reverse=True)
    page.click("#panel-a a:has-text('Show all 200 rows')")
    wait_for_js(page, "document.querySelectorAll('#panel-a tbody tr').length === 200")
    # focus stays on the same control in the new panel, not the body
    assert page.evaluate("document.activeElement.textContent") == "Show the top 20 only"
    page.click("#panel-a thead a:has-text('Name')")
    wait_for_js(page, "document.querySelector('#panel-a th[aria-sort=ascending]') !== null")
    names = page.eval_on_selector_all("#panel-a tbody tr td:nth-child(2)", "cells => cells.map(c => c.textContent)")
    assert len(names) == 200 and names == sorted(names, key=str.casefold)
    # 320 px wide (1280 px at 400 %): nothing scrolls sideways but the tables in their own boxes
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/")
    assert page_width(page) <= 320
    page.goto("/scenarios")
    assert page_width(page) <= 320
    page.set_viewport_size({"width": 1280, "height": 900})
    builder = page.evaluate("document.getElementById('scenario-builder').getBoundingClientRect().right")
    assert page_width(page) <= 1280 and builder <= 1280
    # without JavaScript too, with the skip targets in place
    nojs = browser.new_context(base_url=exio_server.url, java_script_enabled=False,
                               viewport={"width": 320, "height": 640},
                               storage_state=page.context.storage_state())
    plain = nojs.new_page()
    plain.goto("/")
    assert page_width(plain) <= 320
    for target in plain.eval_on_selector_all("a.skip", "links => links.map(l => l.hash.slice(1))"):
        assert plain.query_selector(f"#{target}") is not None, target
    nojs.close()
    assert page.errors == []
    page.context.close()


def test_one_live_region_one_message_per_state_and_focus_after_each_update(live_server, browser):
    page = watched_page(browser, live_server.url)
    page.add_init_script("document.addEventListener('htmx:wsOpen', () => { window.socketOpen = true; });")
    page.goto("/")
    wait_for_js(page, "window.socketOpen === true")
    for n in (1, 2, 3):
        open_query(page)
        page.click("#run-analysis")
        wait_for_js(page, f"document.querySelectorAll('#queue-list li.job.status-done').length === {n}")
        wait_for_js(page, f"window.announcements.some(t => t.startsWith('Analysis {n} done'))")
    assert page.evaluate("document.getElementById('announce').tagged") == "the first region"
    assert page.query_selector("#announce a") is None
    states = [text.split(" ")[2].rstrip(".") for text in page.evaluate("window.announcements")]
    numbers = [int(text.split(" ")[1]) for text in page.evaluate("window.announcements")]
    for n in (1, 2, 3):
        seen = [state for state, number in zip(states, numbers) if number == n]
        # one message per state, in order, ending done; a message that the socket overtook (queued, when
        # the page hears running first) is dropped rather than said late
        assert seen == [s for s in ("queued", "running", "done") if s in seen] and len(seen) >= 2, (n, seen)
        assert seen[-1] == "done"
    assert numbers == sorted(numbers)
    # Show and Beside: focus on the panel's heading; Beside keeps panel A
    page.click("#queue-list li.job:nth-child(3) a:has-text('Show')")
    wait_for_js(page, "document.activeElement.id === 'panel-a-heading'")
    assert page.inner_text("#panel-a-heading") == "Result: analysis 1"
    page.click("#queue-list li.job:nth-child(2) a:has-text('Beside')")
    wait_for_js(page, "document.activeElement.id === 'panel-b-heading'")
    assert page.inner_text("#panel-b-heading") == "Beside it: analysis 2"
    assert page.inner_text("#panel-a-heading") == "Result: analysis 1"
    # delete: focus on the next row's first link
    first, second, third = page.eval_on_selector_all("#queue-list li.job", "rows => rows.map(r => r.id)")
    page.click(f"#{second} button:has-text('Delete')")
    wait_for_js(page, f"document.getElementById('{second}') === null")
    wait_for_js(page, f"document.activeElement.closest('li') && document.activeElement.closest('li').id === '{third}'")
    wait_for_js(page, "window.announcements.at(-1) === 'Analysis 2 deleted.'")  # after the last message's moment
    # the last row: focus on the row before it; the only row: on the queue's heading
    page.click(f"#{third} button:has-text('Delete')")
    wait_for_js(page, f"document.activeElement.closest('li') && document.activeElement.closest('li').id === '{first}'")
    page.click(f"#{first} button:has-text('Delete')")
    wait_for_js(page, "document.activeElement.id === 'queue-heading'")
    assert page.inner_text("#queue-list") == "No analyses yet."
    # a refused query: focus on the error summary
    open_query(page)
    page.uncheck("#final_products-TOTAL")
    page.click("#run-analysis")
    wait_for_js(page, "document.activeElement.classList.contains('error-summary')")
    page.wait_for_timeout(500)  # the socket's last messages
    assert page.evaluate("document.getElementById('announce').tagged") == "the first region"
    assert page.errors == []
    page.context.close()


def test_scenario_builder_focus_and_the_confirmation_after_saving(live_server, browser):
    page = watched_page(browser, live_server.url)
    page.goto("/scenarios")
    assert page.get_attribute("header.site a:has-text('Scenarios')", "aria-current") == "page"
    page.click("button.primary[value=save]")  # no name: refused
    wait_for_js(page, "document.activeElement.classList.contains('error-summary')")
    page.fill("#s-name", "Less electricity")
    page.fill("#change_pct-0", "-20")
    page.click("button.primary[value=save]")
    page.wait_for_url("**/scenarios?saved=*")
    wait_for_js(page, "document.activeElement.id === 'confirmation'")
    assert "Saved scenario “Less electricity”: 1 intervention on dataset" in page.inner_text("#confirmation")
    assert page.errors == []
    page.context.close()


def test_axe_finds_no_violations_of_any_impact(exio_server, browser):
    page = watched_page(browser, exio_server.url)
    page.goto("/")
    run_every_leaf(page, 1)
    page.reload()
    assert axe_violations(page) == []
    page.click("#query-fold > summary")
    assert axe_violations(page) == []
    page.goto("/analyses/" + page.eval_on_selector("#queue-list li.job", "row => row.id.slice(4)"))
    assert axe_violations(page) == []
    page.goto("/scenarios")
    assert axe_violations(page) == []
    assert page.errors == []
    page.context.close()
