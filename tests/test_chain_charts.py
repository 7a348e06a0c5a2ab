"""Supply-chain charts and links: stacked bars per production layer and the tree of the largest paths,
parsed as XML and checked by their numbers; "Use in a scenario" filling the scenario builder."""

import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from app.charts import palette
from app.charts.pathtree import MAX_PATHS, path_tree
from app.charts.tiers import LABEL_W, stacks_of, tiers

NS = "{http://www.w3.org/2000/svg}"
NASTY = 'A <b>&amp; "quoted" =HYPERLINK("http://e.x")'
BASE = {"dataset": "small", "indicator": "co2", "perspective": "consumption", "by": "region", "regions": ["TOTAL"]}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode())


def rects(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}rect") if cls in (e.get("class") or "").split()]


def layer(tier: int, value: float, rows: dict) -> dict:
    return {"tier": tier, "value": value, "rows": [{"code": c, "name": f"Name {c}", "level": 1, "value": v}
                                                   for c, v in rows.items()]}


LAYERS = [layer(0, 100.0, {"A": 50.0, "B": 30.0, "OTHER": 20.0}),
          layer(1, 40.0, {"C": 25.0, "A": 10.0, "OTHER": 5.0}),
          layer(2, 10.0, {"D": 4.0, "E": 3.0, "F": 1.5, "G": 1.0, "H": 0.3, "OTHER": 0.2})]


def test_the_keys_are_the_largest_origins_over_all_layers_and_each_bar_keeps_its_value():
    bars, keys = stacks_of(LAYERS, 5.0, "OTHER")
    # sums over the layers: A 60, B 30, C 25, D 4, E 3, F 1.5; G and H are left to "all other"
    assert [code for code, _ in keys] == ["A", "B", "C", "D", "E", "F"]
    assert [b["label"] for b in bars] == ["Tier 0", "Tier 1", "Tier 2", "Deeper"]
    assert bars[0]["parts"] == [50.0, 30.0, 0.0, 0.0, 0.0, 0.0]
    assert bars[1]["parts"] == [10.0, 0.0, 25.0, 0.0, 0.0, 0.0]
    assert bars[3] == {"label": "Deeper", "value": 5.0, "parts": None}


def segments(root: ET.Element) -> list[list[tuple[str, float, float]]]:
    """Each bar's parts as (class, x, width), bar by bar."""
    out = []
    for group in root.iter(f"{NS}g"):
        if group.get("class") == "chart-tier":
            out.append([(r.get("class"), float(r.get("x")), float(r.get("width"))) for r in group.iter(f"{NS}rect")
                        if "chip" not in (r.get("class") or "")])
    return out


def test_stacked_bars_are_as_long_as_their_layers_and_split_in_the_legend_order():
    bars, keys = stacks_of(LAYERS, 5.0, "OTHER")
    root = parse(tiers(bars, keys, "kg", 155.0, "Layers", "origin regions", "t"))
    drawn = segments(root)
    assert len(drawn) == 4
    lengths = [sum(w for _, _, w in bar) for bar in drawn]
    scale = lengths[0] / 100.0
    for length, bar in zip(lengths, bars):
        assert length == pytest.approx(bar["value"] * scale, abs=0.02)
    # tier 0: A, B, then all other (20) in that order, each starting where the last ended
    assert [c for c, _, _ in drawn[0]] == ["cell chart-key-0", "cell chart-key-1", "cell chart-other"]
    assert [round(w / scale, 1) for _, _, w in drawn[0]] == [50.0, 30.0, 20.0]
    for bar in drawn:
        for (_, x0, w0), (_, x1, _) in zip(bar, bar[1:]):
            assert x1 == pytest.approx(x0 + w0, abs=0.01)
    assert drawn[3][0][0] == "rest chart-deeper" and drawn[0][0][1] == pytest.approx(LABEL_W)
    legend = [r.get("fill") for r in rects(root, "cell") if "chart-key" in r.get("class")][:6]
    assert legend == palette.SECTIONS
    words = " ".join("".join(t.itertext()) for t in root.iter(f"{NS}text"))
    assert "100 kg (64.5 %)" in words and "5 kg (3.2 %)" in words
    assert "A Name A" in words and "all other" in words


def test_a_negative_part_runs_left_of_the_zero_line():
    bars = [{"label": "Tier 0", "value": 60.0, "parts": [100.0, -40.0]}, {"label": "Deeper", "value": 0.0,
                                                                         "parts": None}]
    root = parse(tiers(bars, [("X", "x"), ("Y", "y")], "kg", 60.0, "Layers", "origin regions", "n"))
    zero = float(next(root.iter(f"{NS}line")).get("x1"))
    (c0, x0, w0), (c1, x1, w1) = segments(root)[0]
    assert x0 == pytest.approx(zero, abs=0.01) and x1 + w1 == pytest.approx(zero, abs=0.01)
    assert w0 / w1 == pytest.approx(100 / 40, rel=1e-3)


def test_names_are_escaped_in_the_layers_chart_and_the_tree():
    bars, keys = stacks_of([layer(0, 1.0, {NASTY: 1.0})], 0.0, "OTHER")
    svg = tiers(bars, keys, "kg", 1.0, NASTY, "origin regions", "e")
    parse(svg)
    assert "<b>" not in svg
    stage = {"key": ("R", "P"), "label": NASTY, "words": NASTY}
    svg = path_tree([{"value": 1.0, "stages": [stage]}], "kg", 1.0, NASTY, NASTY, "e")
    parse(svg)
    assert "<b>" not in svg


def stage(code: str) -> dict:
    return {"key": (code, "p"), "label": f"Stage {code}", "words": f"Stage {code} in full"}


def test_the_tree_shares_the_stages_that_paths_have_in_common():
    paths = [{"value": 50.0, "stages": [stage("A")]},
             {"value": 20.0, "stages": [stage("D"), stage("E")]},
             {"value": 10.0, "stages": [stage("A"), stage("B")]},
             {"value": 5.0, "stages": [stage("A"), stage("B"), stage("C")]},
             {"value": 4.0, "stages": [stage("A"), stage("F")]}]
    root = parse(path_tree(paths, "kg", 100.0, "Final demand", "Paths", "p"))
    rows = [(g.find(f"{NS}title").text, float(g.find(f"{NS}circle").get("cx")))
            for g in root.iter(f"{NS}g") if g.get("class") == "chart-stage"]
    # pre-order, the branch with the largest path first; A, B shared; indented by depth
    assert [r[0] for r in rows] == ["Final demand", "Stage A in full", "Stage B in full", "Stage C in full",
                                    "Stage F in full", "Stage D in full", "Stage E in full"]
    depth = {name: round((x - 16) / 24) for name, x in rows}
    assert [depth[n] for n, _ in rows] == [0, 1, 2, 3, 2, 1, 2]
    ends = rects(root, "chart-path-end")
    assert len(ends) == 5
    widths = sorted((float(r.get("width")) for r in ends), reverse=True)
    assert [w / widths[0] for w in widths] == pytest.approx([1, 0.4, 0.2, 0.1, 0.08])
    words = " ".join("".join(t.itertext()) for t in root.iter(f"{NS}text"))
    assert "50 (50.0 %)" in words and "4 (4.0 %)" in words


def test_the_tree_draws_at_most_its_limit_of_paths():
    paths = [{"value": 100.0 - k, "stages": [stage(f"R{k}")]} for k in range(MAX_PATHS + 7)]
    root = parse(path_tree(paths, "kg", 5000.0, "Final demand", "Paths", "p"))
    assert len(rects(root, "chart-path-end")) == MAX_PATHS


def answered(client, extra: dict) -> tuple[str, dict]:
    created = client.post("/api/v1/analyses", json={**BASE, **extra}).get_json()
    job = client.get(f"/api/v1/analyses/{created['id']}").get_json()
    assert job["status"] == "done", job
    return created["id"], job["result"]


def test_each_kind_shows_its_chart_and_downloads_it_as_svg(shared_app):
    client = shared_app.test_client()
    client.get("/")
    for extra, cls in (({"layers": 6}, "chart-tier"), ({"paths": 30, "depth": 4}, "chart-stage"),
                       ({"sensitivity": 8}, None)):
        job_id, result = answered(client, extra)
        html = client.get(f"/analyses/{job_id}").get_data(as_text=True)
        assert '<figure class="chart-figure">' in html and f"/analyses/{job_id}.svg" in html
        response = client.get(f"/analyses/{job_id}.svg")
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        root = parse(response.get_data(as_text=True).split("\n", 1)[1])
        if cls == "chart-tier":
            assert sum(g.get("class") == cls for g in root.iter(f"{NS}g")) == len(result["layers"]) + 1
        elif cls == "chart-stage":
            assert len(rects(root, "chart-path-end")) == min(len(result["paths"]), MAX_PATHS)
        else:
            assert len(list(root.iter(f"{NS}rect"))) == min(len(result["cells"]), 15)


def builder_selection(html: str) -> dict:
    """The selected option of each select in the builder's first row, and whether its change has autofocus."""
    chosen = {key: re.search(rf'<select id="{key}-0".*?<option value="([^"]*)" selected', html, re.S).group(1)
              for key in ("product", "origin", "consumer", "consumer_region")}
    chosen["autofocus"] = bool(re.search(r'<input id="change_pct-0"[^>]*autofocus', html))
    return chosen


def test_use_in_a_scenario_fills_the_builder_with_each_coefficient(shared_app):
    client = shared_app.test_client()
    client.get("/")
    job_id, result = answered(client, {"sensitivity": 5})
    html = client.get(f"/analyses/{job_id}").get_data(as_text=True)
    links = re.findall(r'<a href="(/scenarios\?[^"]+)">Use in a scenario', html)
    assert len(links) == len(result["cells"]) == 5
    for href, cell in zip(links, result["cells"]):
        args = {k: v[0] for k, v in parse_qs(urlsplit(href.replace("&amp;", "&")).query).items()}
        assert args == {"dataset": "small", "product": cell["origin"]["product"], "origin": cell["origin"]["region"],
                        "consumer": cell["consumer"]["product"], "consumer_region": cell["consumer"]["region"]}
        page = client.get(href.replace("&amp;", "&"))
        assert page.status_code == 200
        assert builder_selection(page.get_data(as_text=True)) == {
            "product": args["product"], "origin": args["origin"], "consumer": args["consumer"],
            "consumer_region": args["consumer_region"], "autofocus": True}
    # saved with a change, the scenario holds exactly that intervention
    args = {k: v[0] for k, v in parse_qs(urlsplit(links[0].replace("&amp;", "&")).query).items()}
    form = {"dataset": "small", "name": "From a coefficient", "count": "1", "action": "save", "change_pct-0": "-20",
            **{f"{k}-0": args[k] for k in ("product", "origin", "consumer", "consumer_region")}}
    assert client.post("/scenarios/builder", data=form).status_code == 303
    listing = client.get("/scenarios").get_data(as_text=True)
    assert "From a coefficient" in listing and "-20" in listing.replace("\u2212", "-")


def test_paths_offer_each_link_for_a_scenario(shared_app):
    client = shared_app.test_client()
    client.get("/")
    job_id, result = answered(client, {"paths": 40, "depth": 4})
    html = client.get(f"/analyses/{job_id}").get_data(as_text=True)
    deep = [p for p in result["paths"] if len(p["stages"]) > 1]
    assert deep, "the test data has paths through suppliers"
    assert html.count('<details class="path-links">') == len(deep)
    first = deep[0]["stages"]
    hrefs = re.findall(r'<a href="(/scenarios\?[^"]+product=[^"]+)">', html)
    wanted = {"product": first[1]["product"], "origin": first[1]["region"], "consumer": first[0]["product"],
              "consumer_region": first[0]["region"]}
    parsed = [{k: v[0] for k, v in parse_qs(urlsplit(h.replace("&amp;", "&")).query).items() if k != "dataset"}
              for h in hrefs]
    assert wanted in parsed
    assert len(hrefs) == sum(len(p["stages"]) - 1 for p in result["paths"])


@pytest.mark.parametrize(("args", "field"), [
    ({"product": "NOPE", "origin": "TOTAL", "consumer": "FD", "consumer_region": "TOTAL"}, "product"),
    ({"product": "TOTAL", "origin": "<b>", "consumer": "FD", "consumer_region": "TOTAL"}, "origin"),
    ({"product": "TOTAL", "origin": "TOTAL", "consumer": "XX", "consumer_region": "TOTAL"}, "consumer"),
    ({"product": "TOTAL", "origin": "TOTAL", "consumer": "FD"}, "consumer_region"),
    ({"product": "TOTAL", "origin": "TOTAL", "consumer": "TOTAL", "consumer_region": "=1+1"}, "consumer_region"),
])
def test_a_link_naming_no_such_node_is_refused_naming_the_field(client, args, field):
    response = client.get("/scenarios", query_string={"dataset": "small", **args})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    words = {"product": "The product supplied", "origin": "The region making it",
             "consumer": "The product of the buying industries", "consumer_region": "The buyers' region"}[field]
    assert re.search(f"{words.replace(chr(39), '&#39;')} &#39;.*&#39; is not a (product|region) of small", text)
    assert "<b>" not in text.split("<main", 1)[1]


def test_a_supply_chain_runs_under_a_scenario_from_its_own_page(shared_app):
    """The loop a user makes: a coefficient into a scenario, then the same analysis under it, the baseline
    beside it; on the analysis's own page the forms post plainly and land on the new analysis."""
    client = shared_app.test_client()
    client.get("/")
    job_id, result = answered(client, {"paths": 20, "depth": 4})
    page = client.get(f"/analyses/{job_id}").get_data(as_text=True)
    assert 'data-hx-post' not in page.split('class="apply"', 1)[1].split(">", 1)[0]
    cell = next(p for p in result["paths"] if len(p["stages"]) > 1)["stages"]
    form = {"dataset": "small", "name": "Halve a link", "count": "1", "action": "save", "change_pct-0": "-50",
            "product-0": cell[1]["product"], "origin-0": cell[1]["region"], "consumer-0": cell[0]["product"],
            "consumer_region-0": cell[0]["region"]}
    assert client.post("/scenarios/builder", data=form).status_code == 303
    scenario_id = re.search(r'<option value="([0-9a-f]{32})">Halve a link', page := client.get(
        f"/analyses/{job_id}").get_data(as_text=True)).group(1)
    response = client.post(f"/analyses/{job_id}/scenario", data={"scenario_id": scenario_id})
    assert response.status_code == 303
    new_id = response.headers["Location"].rsplit("/", 1)[1]
    changed = client.get(f"/api/v1/analyses/{new_id}").get_json()["result"]
    assert changed["baseline_total"] == pytest.approx(result["total"], rel=1e-12)
    assert changed["total"] < result["total"]  # halving a non-negative coefficient lowers the footprint
    html = client.get(f"/analyses/{new_id}").get_data(as_text=True)
    assert "under the scenario" in html and "Under a scenario of 1 intervention" in html
    assert f"{changed['baseline_total']:,.0f}" in html or f"{changed['baseline_total']:.4g}" in html
