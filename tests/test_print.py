"""The print view of a result (static/app.css, @media print): on A4, the query, chart, table and provenance,
without the navigation, the query form, the queue, the forms that start new work and the download links;
the chart within the page's width, every row of the table when printed from the link that shows them all."""

import re
from pathlib import Path

import pytest

from app.charts import palette

from .conftest import finished_in_browser

ROOT = Path(__file__).resolve().parent.parent
A4_CONTENT_PX = round((210 - 2 * 12) / 25.4 * 96)  # A4's width less the print margins (app.css @page), in CSS px
HIDDEN_IN_PRINT = ["header.site nav", ".skips", "form.apply", ".chain-tab", ".downloads", ".print-hint"]
SHOWN_IN_PRINT = ["p.query-words", "p.total", "svg.chart", "table.data", "p.provenance"]


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's width and height in points (A4: 595 x 842)."""
    return [(float(w), float(h)) for w, h in re.findall(rb"/MediaBox\s*\[0 0 ([0-9.]+) ([0-9.]+)\]", pdf)]


def printed(page) -> bytes:
    """The page as the browser's Print makes it: A4, the stylesheet's @page sizes first."""
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) >= 1
    assert len(page_sizes(pdf)) == pdf_pages(pdf)
    assert all(sorted(size) == pytest.approx([595, 842], abs=1) for size in page_sizes(pdf))
    return pdf


def leaf_products(dataset: dict) -> list[str]:
    parents = {node["parent"] for node in dataset["products"]}
    return [node["code"] for node in dataset["products"] if node["code"] not in parents]




def test_print_restores_the_light_palette_of_the_charts():
    """Printing from a dark screen: the map's classes and land go back to the light palette's colours."""
    css = (ROOT / "static" / "app.css").read_text()
    printed = css[css.index("@media print"):]
    fills = dict(re.findall(r"\.(chart-[a-z0-9]+)\.\1 \{ fill: (#[0-9a-f]{6}); \}", printed))
    assert fills == {"chart-land": palette.LAND_LIGHT,
                     **{f"chart-q{k + 1}": colour for k, colour in enumerate(palette.CLASSES_LIGHT)}}


@pytest.mark.parametrize("javascript", [True, False])
def test_a_result_prints_on_a4_with_every_row_and_without_the_controls(live_server, browser, javascript):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript, color_scheme="dark",
                                  viewport={"width": A4_CONTENT_PX, "height": 1000})
    page = context.new_page()
    page.goto("/")
    leaves = leaf_products(page.request.get("/api/v1/datasets/small").json())
    job = finished_in_browser(page, {"dataset": "small", "indicator": "co2", "perspective": "consumption",
                                     "by": "product", "products": leaves})
    rows = len(job["result"]["rows"])
    assert rows == 24
    page.goto(f"/analyses/{job['id']}")
    assert page.locator("table.data tbody tr").count() == 20  # the screen shows the largest 20
    page.get_by_role("link", name="result with all its rows").click()
    page.wait_for_url(re.compile(r"rows=all"))
    page.emulate_media(media="print")
    for selector in HIDDEN_IN_PRINT:
        assert page.locator(selector).first.is_hidden(), selector
    for selector in SHOWN_IN_PRINT:
        assert page.locator(selector).first.is_visible(), selector
    assert page.locator("table.data tbody tr").count() == rows
    assert page.get_by_text("Back to the workspace").is_hidden()
    assert "Licence" in page.locator("p.provenance").inner_text()
    chart, table = page.locator("svg.chart").bounding_box(), page.locator("table.data").bounding_box()
    assert 0.8 * A4_CONTENT_PX <= chart["width"] <= A4_CONTENT_PX  # the chart scales to the page's width
    assert table["x"] + table["width"] <= A4_CONTENT_PX
    assert all(w < h for w, h in page_sizes(printed(page)))  # portrait
    context.close()


@pytest.mark.parametrize("fields, landscape", [
    ({"by": "region", "years": [2011, 2012]}, True),
    ({"by": ["origin-region", "consumer-region"], "perspective": None}, True),
    ({"by": "region", "decompose": [2011, 2012]}, True),
    ({"by": "region", "paths": 20}, False),
])
def test_other_kinds_print_their_chart_within_the_page(live_server, browser, fields, landscape):
    """A table of a column per year, per column of a matrix or per driver prints on a landscape page."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": A4_CONTENT_PX, "height": 1000})
    page = context.new_page()
    page.goto("/")
    body = {"dataset": "small", "indicator": "co2", "perspective": "consumption", **fields}
    job = finished_in_browser(page, {k: v for k, v in body.items() if v is not None})
    page.goto(f"/analyses/{job['id']}?rows=all")
    page.emulate_media(media="print")
    assert page.locator("svg.chart").first.is_visible() and page.locator("p.provenance").is_visible()
    assert page.locator(".downloads").is_hidden() and page.locator(".chain-tab").count() in (0, 1)
    assert page.locator("svg.chart").first.bounding_box()["width"] <= A4_CONTENT_PX
    assert any(w > h for w, h in page_sizes(printed(page))) == landscape
    context.close()


def test_the_workspace_prints_the_result_without_the_form_and_the_queue(live_server, browser):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/")
    job = finished_in_browser(page, {"dataset": "demo", "indicator": "value_added", "perspective": "consumption",
                                     "by": "region"})
    page.goto(f"/?a={job['id']}")
    assert page.locator("section.query").is_visible() and page.locator("section.queue").is_visible()
    page.emulate_media(media="print")
    assert page.locator("section.query").is_hidden() and page.locator("section.queue").is_hidden()
    assert page.locator("#panel-a svg.chart").is_visible() and page.locator("#panel-a table.data").is_visible()
    printed(page)
    context.close()


@pytest.mark.slow
def test_a_result_at_exiobase_size_prints_every_row(exio_server, browser):
    """49 regions x 200 products, by product with every row: the table runs over pages, its header on each."""
    context = browser.new_context(base_url=exio_server.url, viewport={"width": A4_CONTENT_PX, "height": 1000})
    page = context.new_page()
    page.goto("/")
    dataset = page.request.get("/api/v1/datasets/exio").json()
    leaves = leaf_products(dataset)
    job = finished_in_browser(page, {"dataset": "exio", "indicator": dataset["indicators"][0]["code"],
                                     "perspective": "consumption", "by": "product", "products": leaves})
    page.goto(f"/analyses/{job['id']}?rows=all")
    page.emulate_media(media="print")
    assert page.locator("table.data tbody tr").count() == 200
    assert page.locator("svg.chart").bounding_box()["width"] <= A4_CONTENT_PX
    assert 3 <= pdf_pages(printed(page)) <= 12
    context.close()
