"""The submission rate limit counts queued jobs only: the pickers' Find, whole-level and Remove posts and the
presets (the same URL as Run analysis) and refused queries use none of it."""

import re

from werkzeug.datastructures import MultiDict

from app.security import PICKER_BUTTONS

from .conftest import make_app

FORM = [("dataset", "demo"), ("year", "2011"), ("indicator", "value_added"), ("by", "final-product"), ("by2", ""),
        ("direct", "on"), ("per", ""), ("origin_regions", "TOTAL"), ("origin_products", "TOTAL"),
        ("final_products", "TOTAL"), ("consumer_regions", "TOTAL"), ("consumer_regions", "reg2")]
EDITS = [("find", "consumer_regions"), ("add_level", "consumer_regions:1"), ("remove", "consumer_regions:reg2"),
         ("preset", "production-region")]


def post(client, extra=(), htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post("/analyses", data=MultiDict(FORM + list(extra)), headers=headers)


def test_picker_edits_and_refusals_never_use_up_the_submissions(shared_store, tmp_path):
    app = make_app(shared_store.root, tmp_path, SUBMIT_RATE_LIMIT="2 per minute")
    client = app.test_client()
    client.get("/")
    # three times the limit in picker edits, with and without htmx: each answers with the form
    edits = [post(client, [edit], htmx=k % 2 == 1) for k, edit in enumerate(EDITS * 3)]
    assert [r.status_code for r in edits] == [200] * 12
    assert all("Run analysis" in r.get_data(as_text=True) for r in edits)
    # refused queries (no indicator) do not count either
    refused = [client.post("/analyses", data=MultiDict([(k, v) for k, v in FORM if k != "indicator"]))
               for _ in range(3)]
    assert [r.status_code for r in refused] == [422] * 3
    # so both submissions the limit allows still pass, one by htmx, and the third is refused
    assert post(client).status_code == 303
    assert post(client, htmx=True).status_code == 200
    assert post(client).status_code == 429
    # with the allowance used up, the pickers still work
    assert post(client, [("find", "consumer_regions")]).status_code == 200
    assert post(client).status_code == 429


def test_the_limit_per_address_counts_queued_jobs_only_too(shared_store, tmp_path):
    app = make_app(shared_store.root, tmp_path, SUBMIT_RATE_LIMIT="100 per minute",
                   SUBMIT_RATE_LIMIT_PER_ADDRESS="1 per minute")
    first, second = app.test_client(), app.test_client()
    first.get("/"), second.get("/")
    assert all(post(first, [edit]).status_code == 200 for edit in EDITS)
    assert post(first).status_code == 303
    assert post(second).status_code == 429  # another session, the same address
    assert post(second, [("find", "consumer_regions")]).status_code == 200


def test_every_button_of_the_form_but_run_is_a_picker_button_the_limit_knows(shared_store, tmp_path):
    """PICKER_BUTTONS mirrors app/forms.py picker_edit: a new picker button must be listed there too."""
    app = make_app(shared_store.root, tmp_path)
    client = app.test_client()
    client.get("/")
    html = post(client, [("find", "consumer_regions")]).get_data(as_text=True) + client.get("/").get_data(as_text=True)
    names = set(re.findall(r'<button[^>]* name="([^"]+)"', html))
    assert {"find", "remove", "add_level", "preset"} <= names  # the form as drawn has all four kinds
    assert names <= set(PICKER_BUTTONS)
