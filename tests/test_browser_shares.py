"""Share links in a real browser (Debian's chromium via Playwright), with and without JavaScript: the owner makes
a link from the result, another browser opens it read-only, the owner revokes it and it leads nowhere."""

import io
import os
import pathlib
import re

import openpyxl
import pytest

from .conftest import CHROMIUM, finished_in_browser

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason="Debian's chromium is missing (apt-get install -y chromium); "
                                       ".ci/run installs it")




@pytest.mark.parametrize("javascript", [True, False])
def test_share_open_elsewhere_and_revoke(live_server, browser, javascript):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    owner = browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
    page = owner.new_page()
    page.goto("/")
    job = finished_in_browser(page, {"dataset": "small", "indicator": "co2", "perspective": "consumption",
                                     "by": "region", "regions": ["Europe", "JP", "TOTAL"]})
    page.goto(f"/?a={job['id']}" if javascript else f"/analyses/{job['id']}")
    page.get_by_role("button", name="Make a read-only link").focus()
    page.keyboard.press("Enter")
    box = page.locator("input.share-url").first
    expect(box).to_be_focused()  # the new link, ready to copy
    url = box.input_value()
    assert url.startswith(live_server.url + "/s/") and len(url.rsplit("/", 1)[1]) == 43
    if javascript:
        assert page.url == live_server.url + f"/?a={job['id']}"  # swapped in place, nothing reloaded

    visitor = browser.new_context(java_script_enabled=javascript, viewport={"width": 320, "height": 800})
    shared = visitor.new_page()
    response = shared.goto(url)
    assert response.status == 200 and response.headers["referrer-policy"] == "no-referrer"
    values = [float(v) for v in shared.eval_on_selector_all("table.data td[data-value]",
                                                            "cells => cells.map(c => c.dataset.value)")]
    assert values == [row["value"] for row in job["result"]["rows"]] + [job["result"]["total"]]
    assert shared.locator("form").count() == 0  # nothing to change, queue or delete
    assert shared.get_by_role("link", name="table (CSV)").count() == 1
    # the workbook, downloaded by the browser from the shared page: its table cell by cell the API's numbers
    with shared.expect_download() as download:
        shared.get_by_role("link", name=re.compile(r"^workbook \(XLSX")).click()
    assert download.value.suggested_filename == "ramascene-shared-analysis-1.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(pathlib.Path(download.value.path()).read_bytes()))
    rows = [list(r) for r in book["Table"].iter_rows(values_only=True)]
    result = job["result"]
    assert rows[0] == ["code", "name", "level", "value [kg]"]
    assert rows[1:] == [[r["code"], r["name"], r["level"], float(f"{r['value']:.16g}")] for r in result["rows"]] \
        + [[None, "Total of the selection", None, float(f"{result['total']:.16g}")]]
    if javascript:
        assert serious_violations(Axe().run(shared)) == []
        assert shared.evaluate("document.documentElement.scrollWidth") <= 320
        # sorting the shared table stays on the shared page (htmx swaps the panel from the link's own URL)
        shared.locator("th a", has_text="Name").first.click()
        expect(shared.locator("th[aria-sort='ascending']")).to_have_count(1)
        assert shared.url == url

    if javascript:  # the owner's list of links
        listing = owner.new_page()
        listing.set_viewport_size({"width": 320, "height": 800})
        listing.goto("/shares")
        assert listing.locator("#share-list input.share-url").input_value() == url
        assert serious_violations(Axe().run(listing)) == []
        assert listing.evaluate("document.documentElement.scrollWidth") <= 320  # the table scrolls in its region
        listing.close()
    page.get_by_role("button", name="Revoke").first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("The link is revoked")).to_be_visible()
    assert shared.goto(url).status == 404
    visitor.close()
    owner.close()


def serious_violations(results) -> list[str]:
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]
