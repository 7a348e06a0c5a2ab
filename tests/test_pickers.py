"""The pickers at EXIOBASE's size (49 regions x 200 products): keyboard reach, type-ahead, axe, and the
no-JavaScript paths (server-side Find, level buttons, Remove, the dataset form)."""

import os
import re

import pytest
from werkzeug.datastructures import MultiDict

from .conftest import CHROMIUM, make_app, wait_for_js

needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is missing "
                                    "(apt-get install -y chromium); .ci/run installs it")
BASE = [("dataset", "exio"), ("year", "2011"), ("indicator", "co2"), ("by", "consumer-region"), ("by2", ""),
        ("direct", "on"), ("per", ""), ("origin_regions", "TOTAL"), ("origin_products", "TOTAL"),
        ("final_products", "TOTAL")]


def tree_codes(html: str, kind: str) -> list[str]:
    return re.findall(rf'<input type="checkbox" name="{kind}" value="([^"]+)"', html)


def checked_codes(html: str, kind: str) -> list[str]:
    return re.findall(rf'<input type="checkbox" name="{kind}" value="([^"]+)" id="[^"]+" checked>', html)


def job_count(app) -> int:
    from app.extensions import db
    from app.models import Job

    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Job))


@pytest.fixture()
def exio_client(exio_store, tmp_path):
    app = make_app(exio_store.root, tmp_path)
    client = app.test_client()
    client.get("/")
    return client


def test_the_page_shows_every_node_in_folds_below_the_first_level(exio_client, exio_store):
    html = exio_client.get("/").get_data(as_text=True)
    for kind, count in (("origin_regions", 55), ("origin_products", 237), ("consumer_regions", 55),
                        ("final_products", 237)):
        assert len(tree_codes(html, kind)) == count
    # every group below the root folds its members: 5 continents, 17 sections and the divisions with
    # products, in each of the two pickers of either tree
    dataset = exio_store.open("exio")
    groups = {n["parent"] for tree in (dataset.regions, dataset.products) for n in tree.public() if n["level"] >= 2}
    assert html.count("<details><summary>") == 2 * len(groups) == 2 * (5 + 17 + 19)
    # the origin side selects everything: folded, and saying so
    assert '<details class="field axis-group origin">' in html and "anywhere, in making any product" in html
    assert "<details open>" not in html
    assert 'id="run-analysis"' in html and 'formaction' not in html
    assert '<form id="dataset-form" class="field dataset-form" method="get" action="/"' in html


def test_find_narrows_the_list_on_the_server_and_keeps_the_choices(exio_client):
    fields = BASE + [("consumer_regions", "TOTAL"), ("consumer_regions", "JP"), ("consumer_regions_find", "Ger"),
                     ("final_products_find", ""),
                     ("find", "consumer_regions")]
    response = exio_client.post("/analyses", data=MultiDict(fields))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert tree_codes(html, "consumer_regions") == ["TOTAL", "Europe", "DE"]  # Germany and the groups around it
    assert html.count("<details open>") == 1  # Europe, unfolded to show Germany
    assert len(tree_codes(html, "final_products")) == 237  # the other picker is not narrowed
    assert "1 of 55 consuming regions match “Ger”" in html
    assert '<input type="hidden" name="consumer_regions" value="JP">' in html  # chosen, not shown, still posted
    assert checked_codes(html, "consumer_regions") == ["TOTAL"] and 'value="Ger"' in html
    assert '<option value="co2" selected>' in html and '<option value="consumer-region" selected>' in html
    assert job_count(exio_client.application) == 0
    # a Find that matches a group shows its members too: Europe is 1 match, 31 regions below it
    fields = [(k, v) for k, v in fields if k != "consumer_regions_find"] + [("consumer_regions_find", "europe")]
    html = exio_client.post("/analyses", data=MultiDict(fields)).get_data(as_text=True)
    assert len(tree_codes(html, "consumer_regions")) == 1 + 1 + 31  # World, Europe, its 31 regions (RoW Europe too)
    assert "2 of 55 consuming regions match “europe”" in html


def test_a_level_button_adds_the_level_and_queues_nothing(exio_client):
    fields = BASE + [("consumer_regions", "TOTAL"), ("add_level", "consumer_regions:1")]
    response = exio_client.post("/analyses", data=MultiDict(fields))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert checked_codes(html, "consumer_regions") == ["Europe", "Asia", "America", "Oceania", "Africa"]
    fields = BASE[:-1] + [("final_products", "TOTAL"), ("consumer_regions", "JP"), ("add_level", "final_products:2")]
    html = exio_client.post("/analyses", data=MultiDict(fields)).get_data(as_text=True)
    assert len(checked_codes(html, "final_products")) == 60 and "TOTAL" not in checked_codes(html, "final_products")
    html = exio_client.post("/analyses", data=MultiDict(BASE + [("add_level", "final_products:leaves")]))\
        .get_data(as_text=True)
    assert len(checked_codes(html, "final_products")) == 200
    assert 'Add every product at its finest level (200)' in html and 'Add every division (60)' in html
    assert job_count(exio_client.application) == 0
    bad = exio_client.post("/analyses", data=MultiDict(BASE + [("add_level", "consumer_regions:7")]))
    assert bad.status_code == 422 and "That level does not exist" in bad.get_data(as_text=True)


def test_a_chip_removes_its_node_and_the_rest_is_kept(exio_client):
    fields = BASE + [("consumer_regions", "DE"), ("consumer_regions", "FR"), ("consumer_regions", "JP"),
                     ("remove", "consumer_regions:FR")]
    html = exio_client.post("/analyses", data=MultiDict(fields)).get_data(as_text=True)
    assert checked_codes(html, "consumer_regions") == ["DE", "JP"]
    assert html.count('name="remove" value="consumer_regions:') == 2
    assert html.count('name="remove" value="final_products:') == 1
    assert job_count(exio_client.application) == 0
    # the same form without a picker button runs
    fields = [(k, v) for k, v in fields if k != "remove"]
    assert exio_client.post("/analyses", data=MultiDict(fields)).status_code == 303
    assert job_count(exio_client.application) == 1


def test_the_dataset_form_is_a_get_that_queues_nothing(client, shared_store):
    html = client.get("/?dataset=small").get_data(as_text=True)
    assert '<input type="hidden" name="dataset" value="small">' in html
    assert len(tree_codes(html, "consumer_regions")) == len(shared_store.open("small").regions.public()) == 9
    assert "No analyses yet." in html


# --- in a browser, at 49 x 200 ---------------------------------------------------------------------

def ready(page):
    page.goto("/")
    wait_for_js(page, "document.querySelectorAll('ul[role=tree]').length === 4")


@needs_chromium
def test_thirty_tab_presses_at_most_reach_run_analysis(exio_server, browser):
    page = browser.new_context(base_url=exio_server.url).new_page()
    ready(page)
    presses = 0
    while page.evaluate("document.activeElement.id") != "run-analysis":
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= 30, "Run analysis is not within 30 Tab presses"
    print(f"Tab presses from page load to Run analysis at 49 x 200: {presses} (304 before the tree pickers)")
    # two skip links, three site links, dataset and its button, year, indicator; per picker of the consumer
    # side its filter box, chips, tree and level buttons; the folded origin side; the two breakdown
    # selects, four presets, the direct-emissions box and the figures select
    assert presses == 9 + 2 * 4 + 1 + 2 + 4 + 2 + 1  # the last lands on Run analysis
    # each tree is one tab stop: the node the roving tabindex holds
    assert page.eval_on_selector_all("li[role=treeitem][tabindex='0']", "items => items.length") == 4


@needs_chromium
def test_an_indicator_and_two_regions_typed_and_run_in_thirty_key_presses(exio_server, browser):
    page = browser.new_context(base_url=exio_server.url).new_page()
    ready(page)
    presses = []

    def press(*keys):
        for key in keys:
            page.keyboard.press(key)
            presses.append(key)

    def tab_to(selector):
        while not page.evaluate(f"document.activeElement.matches({selector!r})"):
            press("Tab")
            assert len(presses) <= 30

    tab_to("#f-indicator")
    press("ArrowDown")
    indicator = page.input_value("#f-indicator")
    tab_to("#list-consumer_regions li[role=treeitem]")
    assert page.evaluate("document.activeElement.querySelector('input').value") == "TOTAL"  # the chosen node
    press("Space")  # not the whole world: only the two regions typed next
    press("G", "e", "r", "Space")
    assert page.evaluate("document.activeElement.querySelector('.name').textContent") == "Germany"
    page.wait_for_timeout(800)  # a pause ends the type-ahead word, as a person's would
    press("F", "r", "a", "Space")
    assert page.evaluate("document.activeElement.querySelector('.name').textContent") == "France"
    assert page.eval_on_selector_all("#chips-consumer_regions .chip", "c => c.map(b => b.textContent.trim())") == [
        "Remove Germany ×", "Remove France ×"]
    press("Enter")  # in the tree, as in a text field, Enter runs the analysis
    print(f"key presses for an indicator, two typed regions and Run: {len(presses)}: {' '.join(presses)}")
    assert len(presses) <= 30
    page.wait_for_selector("#queue-list li.job", timeout=10_000)
    job = page.get_attribute("#queue-list li.job", "id").removeprefix("job-")
    query = page.request.get(f"/api/v1/analyses/{job}").json()["query"]
    # consumers' regions over every product bought: the classic footprint by product, run as one
    assert (query["indicator"], query["perspective"], query["regions"], query["products"]) == (
        indicator, "consumption", ["DE", "FR"], ["TOTAL"])
    assert indicator != "value_added"


@needs_chromium
def test_tree_keys_move_fold_and_the_chips_untick(exio_server, browser):
    page = browser.new_context(base_url=exio_server.url).new_page()
    ready(page)
    page.focus("#list-consumer_regions li[tabindex='0']")
    name = "document.activeElement.querySelector('.name').textContent"
    page.keyboard.press("ArrowDown")
    assert page.evaluate(name) == "Europe"
    page.keyboard.press("ArrowRight")  # unfold
    assert page.get_attribute("#list-consumer_regions li[aria-level='2']", "aria-expanded") == "true"
    page.keyboard.press("ArrowRight")  # to the first region
    assert page.evaluate(name) == "Austria"
    page.keyboard.press("ArrowLeft")  # back to its group
    page.keyboard.press("ArrowLeft")  # fold it
    assert page.evaluate(name) == "Europe"
    page.keyboard.press("End")
    assert page.evaluate(name) == "Africa"
    page.keyboard.press("Space")
    page.keyboard.press("Home")
    assert page.evaluate(name) == "World"
    assert page.eval_on_selector_all("#chips-consumer_regions .chip", "c => c.length") == 2
    page.focus("#chips-consumer_regions .chip")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Delete")  # Africa goes; focus stays in the toolbar
    assert page.eval_on_selector_all("#chips-consumer_regions .chip", "c => c.length") == 1
    assert not page.is_checked("#consumer_regions-Africa")
    assert page.evaluate("document.activeElement.classList.contains('chip')")
    page.click("details.levels >> nth=0")  # the consuming regions' (the first picker)
    page.click("button[value='consumer_regions:1']")  # explicit: ticks the 5 continents, drops World
    assert page.eval_on_selector_all("#list-consumer_regions input:checked", "b => b.map(x => x.value)") == [
        "Europe", "Asia", "America", "Oceania", "Africa"]
    page.fill("#filter-consumer_regions", "ger")
    assert page.eval_on_selector_all("#list-consumer_regions li:not([hidden]) > label .name",
                                     "n => n.map(x => x.textContent)") == ["World", "Europe", "Germany"]
    assert page.evaluate("document.querySelectorAll('#queue-list li.job').length") == 0


@needs_chromium
@pytest.mark.parametrize("javascript", [True, False])
def test_axe_finds_no_violations_of_any_impact_in_the_form(exio_server, browser, javascript):
    from axe_playwright_python.sync_playwright import Axe

    page = browser.new_context(base_url=exio_server.url).new_page()
    if not javascript:
        # the page as a browser without JavaScript renders it: none of its scripts load. (A context with
        # JavaScript disabled would also stop axe's own timers, and its run would never end.)
        page.route("**/*.js*", lambda route: route.abort())
    if javascript:
        ready(page)
        page.focus("#list-consumer_regions li[tabindex='0']")
        for key in ("ArrowDown", "ArrowRight", "ArrowRight", "Space"):  # an open group, a chip more
            page.keyboard.press(key)
    else:
        page.goto("/")
        page.fill("#filter-consumer_regions", "an")
        page.click("button[name=find][value=consumer_regions]")
    results = Axe().run(page, context={"include": [["#query-forms"]]})
    violations = [f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
                  for v in results.response["violations"]]
    assert violations == []


@needs_chromium
def test_without_javascript_find_level_and_remove_change_the_form_only(exio_server, browser):
    page = browser.new_context(base_url=exio_server.url, java_script_enabled=False).new_page()
    page.goto("/")
    assert page.eval_on_selector_all("#list-consumer_regions input", "b => b.length") == 55
    assert page.is_visible("text=press Find") and not page.is_visible("text=Space ticks")
    page.fill("#filter-consumer_regions", "Ger")
    page.press("#filter-consumer_regions", "Enter")  # Enter finds as the button does: it is the form's first
    assert page.eval_on_selector_all("#list-consumer_regions input", "b => b.map(x => x.value)") == [
        "TOTAL", "Europe", "DE"]
    assert page.is_visible("#consumer_regions-DE")  # its group is open
    page.uncheck("#consumer_regions-TOTAL")
    page.check("#consumer_regions-DE")
    page.fill("#filter-consumer_regions", "")
    page.click("button[name=find][value=consumer_regions]")
    assert page.eval_on_selector_all("#list-consumer_regions input", "b => b.length") == 55
    assert page.eval_on_selector_all("#list-consumer_regions input:checked", "b => b.map(x => x.value)") == ["DE"]
    page.click("details.levels >> nth=1")  # the products bought (the second picker)
    page.click("button[value='final_products:1']")
    assert page.eval_on_selector_all("#list-final_products input:checked", "b => b.length") == 17
    page.click("button[value='final_products:A']")  # the chip of one section
    assert page.eval_on_selector_all("#list-final_products input:checked", "b => b.length") == 16
    assert page.is_visible("text=No analyses yet.")
    page.click("#run-analysis")
    page.wait_for_url("**/analyses/*")
    job = page.url.rsplit("/", 1)[1]
    query = page.request.get(f"/api/v1/analyses/{job}").json()["query"]
    assert query["regions"] == ["DE"] and len(query["products"]) == 16


@needs_chromium
def test_without_javascript_the_dataset_form_switches_dataset_and_queues_nothing(live_server, shared_store, browser):
    page = browser.new_context(base_url=live_server.url, java_script_enabled=False).new_page()
    page.goto("/")
    assert page.input_value("input[type=hidden][name=dataset]") == "demo"
    page.select_option("#f-dataset", "small")
    page.click("#dataset-form button")
    assert page.url == live_server.url + "/?dataset=small"
    assert page.input_value("input[type=hidden][name=dataset]") == "small"
    small = len(shared_store.open("small").products.public())
    assert page.eval_on_selector_all("#list-final_products input", "b => b.length") == small == 45  # small's tree
    assert page.is_visible("text=No analyses yet.")
