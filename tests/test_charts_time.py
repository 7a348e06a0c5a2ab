"""Charts through time: lines over the years and waterfalls of a change between two years, parsed as XML and
checked by their numbers (positions, counts, signs, contrast), not by their look."""

import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.charts import line_choice, lines, palette, waterfall
from app.charts.lines import MARKERS, MAX_LINES, nice_ticks
from app.charts.svg import CHAR_WIDTH, FONT
from app.charts.waterfall import DOWN, TOTAL, UP

ROOT = Path(__file__).resolve().parent.parent
NS = "{http://www.w3.org/2000/svg}"
NASTY = 'A <b>&amp; "quoted" \'x\' =HYPERLINK("http://e.x")'
YEARS_28 = list(range(1995, 2023))
MINUS = "\u2212"


def series_of(count: int, years=YEARS_28, unit: str = "kg") -> dict:
    rows = [{"code": f"R{k:02d}", "name": f"Region {k}", "level": 1,
             "values": [(k + 1) * 1000.0 + 37.0 * t * (k % 5 - 2) for t in range(len(years))]} for k in range(count)]
    return {"unit": unit, "years": list(years), "rows": rows,
            "totals": [sum(r["values"][t] for r in rows) for t in range(len(years))]}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode())


def classed(root: ET.Element, cls: str, tag: str = "*") -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}{tag}" if tag != "*" else tag) if cls in (e.get("class") or "").split()]


def markers(root: ET.Element) -> list[list[tuple[float, ...]]]:
    """Each drawn line's points, (x, y) from the markers' translate(x y), in year order."""
    return [[tuple(float(n) for n in re.findall(r"-?[\d.]+", m.get("transform"))) for m in
             classed(g, "chart-marker", "path")] for g in classed(root, "chart-series", "g")]


def desc(root: ET.Element) -> str:
    return root.find(f"{NS}desc").text


@pytest.mark.parametrize("count, drawn", [(5, 5), (12, 12), (13, 12), (49, 12)])
def test_at_most_twelve_lines_the_rest_summed_as_other(count, drawn):
    root = parse(lines(series_of(count), "Footprint", ident="t1"))
    titles = [g.find(f"{NS}title").text for g in classed(root, "chart-series", "g")]
    assert len(titles) == drawn and any(t.startswith("Other (") for t in titles) == (count > MAX_LINES)
    assert desc(root).startswith(f"Line chart of {count} rows over 28 years (1995 to 2022) in kg. ") and root.get(
        "aria-labelledby") == "t1-title t1-desc"
    if count > MAX_LINES:
        assert f'The 11 rows largest in 2022 are drawn, each as a line; the other {count - 11} are summed as "other".' \
            in desc(root)


def test_other_sums_the_rest_per_year_and_overlapping_rows_have_no_other():
    series = series_of(13)
    series["rows"][4]["values"][-1] = -1e6  # the largest by its absolute value in the last year
    choice = line_choice(series["rows"], True, 2022)
    rest = [i for i in range(13) if i not in choice["drawn"]]
    assert len(choice["drawn"]) == 11 and 4 in choice["drawn"] and rest == [0, 1]  # the smallest in 2022
    for t in range(len(YEARS_28)):
        assert choice["other"][t] == pytest.approx(sum(series["rows"][i]["values"][t] for i in rest), abs=1e-9)
    choice = line_choice(series_of(49)["rows"], False, 2022)
    assert len(choice["drawn"]) == 12 and choice["other"] is None and "table only, since the rows overlap" in \
        choice["words"]
    root = parse(lines(series_of(49), "Footprint", disjoint=False))
    titles = [g.find(f"{NS}title").text for g in classed(root, "chart-series", "g")]
    assert len(titles) == 12 and not any(t.startswith("Other") for t in titles)
    assert line_choice(series["rows"][:12], False)["words"] == "All 12 rows are drawn, each as a line."


def test_twelve_styles_differ_without_colour():
    groups = classed(parse(lines(series_of(12), "Footprint")), "chart-series", "g")
    styles = [(classed(g, "chart-line")[0].get("stroke-dasharray"), classed(g, "chart-marker")[0].get("d"))
              for g in groups]
    assert len(set(styles)) == 12 and {d for _, d in styles} == set(MARKERS)


def test_marker_heights_are_ordered_as_the_values_and_linear():
    values = [[3.0, -2.0, 0.5], [0.0, 0.0, 0.0], [-4.0, 10.0, 7.5], [1.0, 1.0, 2.0]]
    series = {"unit": "t", "years": [2011, 2012, 2013], "totals": [],
              "rows": [{"code": f"C{k}", "name": f"Row {k}", "level": 1, "values": v} for k, v in enumerate(values)]}
    root = parse(lines(series, "Footprint"))
    points = [(v, y) for row, drawn in zip(values, markers(root)) for v, (_, y) in zip(row, drawn)]
    assert len(points) == 12
    assert [y for _, y in sorted(points)] == sorted((y for _, y in points), reverse=True)
    (v0, y0), (v1, y1) = points[0], points[7]
    slope = (y1 - y0) / (v1 - v0)  # negative: a larger value higher up, and equal values level
    assert slope < 0 and all(y == pytest.approx(y0 + slope * (v - v0), abs=0.01) for v, y in points)
    assert classed(root, "chart-zero", "line"), "a zero line where values are negative"


def test_x_is_proportional_to_the_year_gaps_visible_and_year_labels_apart():
    root = parse(lines(series_of(3, years=[2011, 2012, 2015]), "Footprint"))
    for (a, _), (b, _), (c, _) in markers(root):
        assert (c - b) == pytest.approx(3 * (b - a), abs=0.02)
    assert "no value for 2013, 2014" in desc(root)
    root = parse(lines(series_of(49), "Footprint"))  # 28 years: year labels thinned out, never overlapping
    xs = [float(t.get("x")) for t in classed(root, "chart-tick-x", "text") if t.text.isdigit()]
    assert len(xs) >= 5 and all(b - a >= 4 * FONT * CHAR_WIDTH + 4 for a, b in zip(xs, xs[1:])), xs


def test_index_puts_every_first_point_on_the_100_line_and_leaves_out_a_zero_start():
    series = series_of(6)
    series["rows"][2]["values"][0] = 0.0
    series["rows"][3]["values"] = [-50.0, -75.0] + [-100.0] * 26
    root = parse(lines(series, "Footprint", index=True))
    (ref,), drawn = classed(root, "chart-ref", "line"), markers(root)
    assert len(drawn) == 5 and all(points[0][1] == pytest.approx(float(ref.get("y1")), abs=1e-9) for points in drawn)
    assert "Region 2 (R02)" in desc(root) and "first value being 0" in desc(root)
    assert any("index, first year = 100" in (t.text or "") for t in root.iter(f"{NS}text"))
    titles = [m.text for g in classed(root, "chart-series", "g") for m in g.iter(f"{NS}title")]
    assert any(t.startswith("Region 3 (R03), 2022: 200 (") for t in titles)  # a negative first value: -100/-50


def test_labels_keep_their_distance_when_twelve_lines_end_at_one_value():
    rows = [{"code": f"C{k}", "name": f"Row {k}", "level": 1, "values": [float(k), 5.0 + k, 10.0]} for k in range(12)]
    root = parse(lines({"unit": "kg", "years": [2011, 2012, 2013], "rows": rows, "totals": []}, "Same end"))
    ys = sorted(float(t.get("y")) for t in classed(root, "chart-label", "text"))
    assert len(ys) == 12 and all(b - a >= FONT + 2 - 1e-6 for a, b in zip(ys, ys[1:])), ys
    assert len(classed(root, "chart-leader", "line")) >= 11


def test_one_year_non_finite_values_zero_rows_and_no_rows():
    root = parse(lines(series_of(4, years=[2015]), "One year"))
    assert not classed(root, "chart-line", "path") and sum(len(points) for points in markers(root)) == 4
    assert "One year only" in desc(root) and "over 1 year (2015)" in desc(root)
    rows = [{"code": "A", "name": "Gaps", "level": 1, "values": [1.0, float("nan"), 3.0, float("inf")]},
            {"code": "Z", "name": "Zero", "level": 1, "values": [0.0, 0.0, 0.0, 0.0]}]
    svg = lines({"unit": "kg", "years": [2011, 2012, 2013, 2014], "rows": rows, "totals": []}, "Holes")
    assert "nan" not in svg.lower() and "inf" not in svg.lower()
    assert [len(points) for points in markers(parse(svg))] == [2, 4]
    gaps = classed(parse(svg), "chart-line", "path")[0].get("d")
    assert gaps.count("M") == 2 and "L" not in gaps  # two lone points: no line across the hole
    empty = parse(lines({"unit": "kg", "years": [2011, 2012], "rows": [], "totals": []}, "Nothing"))
    assert desc(empty).startswith("Line chart of 0 rows") and not markers(empty)


def test_round_ticks_four_to_six_covering_the_values():
    rng = random.Random(1)
    for _ in range(2000):
        low = min(0.0, rng.uniform(-1, 1) * 10 ** rng.uniform(-3, 12))
        high = max(0.0, low + abs(rng.gauss(0, 1)) * 10 ** rng.uniform(-3, 12))
        ticks = nice_ticks(low, high)
        slack = 1e-6 * (ticks[-1] - ticks[0])
        assert 4 <= len(ticks) <= 6 and ticks[0] <= low + slack and ticks[-1] >= high - slack


def decomposition(start: float, contributions: dict, name: str = "Germany", code: str = "DE") -> dict:
    return {"code": code, "name": name, "level": 1, "start": start, "end": start + sum(contributions.values()),
            "contributions": contributions}


WATERFALL_ROWS = [
    decomposition(4000.0, {"intensity": -1248.0, "structure": 300.0, "mix": 45.5, "level": 1800.0}),
    decomposition(0.0, {"intensity": 10.0, "structure": -4.0, "mix": 0.0, "level": 2.5}, "Malta", "MT"),
    decomposition(-500.0, {"intensity": -100.0, "structure": 50.0, "mix": -25.0, "level": 10.0, "population": 5.0,
                           "direct": -2.0}, NASTY, "X&Y"),
    decomposition(1e9, {"intensity": -3e8, "structure": 2e7, "mix": 1e6, "level": 4e8, "population": 1e8}),
] * 3  # twelve panels


def panels(root: ET.Element) -> list[list[tuple[str, ET.Element, list[str]]]]:
    """Per panel, each bar: its kind (total, up, down), its rect and its texts."""
    out = []
    for panel in classed(root, "chart-panel", "g"):
        bars = [(g.find(f"{NS}rect"), g) for g in panel.findall(f"{NS}g")]
        out.append([(rect.get("class").split()[1][6:], rect, [t.text for t in classed(g, "chart-value", "text")],
                     g.find(f"{NS}title").text) for rect, g in bars])
    return out


def test_each_panel_adds_up_from_start_to_end():
    drawn = panels(parse(waterfall(WATERFALL_ROWS, "kg", [2011, 2020], "Explained")))
    assert len(drawn) == 12
    for row, bars in zip(WATERFALL_ROWS, drawn):
        assert len(bars) == 2 + len(row["contributions"])
        y, h = float(bars[0][1].get("y")), float(bars[0][1].get("height"))
        level = start_level = y if row["start"] >= 0 else y + h  # the start bar's top, or bottom below zero
        heights = 0.0
        for (kind, rect, _, _), change in zip(bars[1:-1], row["contributions"].values()):
            y, h = float(rect.get("y")), float(rect.get("height"))
            assert kind == ("up" if change >= 0 else "down")
            assert (y + h if kind == "up" else y) == pytest.approx(level, abs=1e-6)
            level = y if kind == "up" else y + h
            heights += -h if kind == "up" else h
        y, h = float(bars[-1][1].get("y")), float(bars[-1][1].get("height"))
        end_level = y if row["end"] >= 0 else y + h
        assert end_level == pytest.approx(start_level + heights, abs=1e-6)
        assert end_level == pytest.approx(level, abs=1e-6)  # and each bar floats from the last one's level


def test_signs_and_percentages_are_written_with_each_bar():
    root = parse(waterfall(WATERFALL_ROWS[:4], "kg", [2011, 2020], "Explained"))
    germany, malta, nasty, _ = panels(root)
    assert [kind for kind, *_ in germany] == ["total", "down", "up", "up", "up", "total"]
    assert germany[1][2] == [f"{MINUS}1248", f"{MINUS}31.2 %"] and germany[2][2] == ["+300", "+7.5 %"]
    assert germany[1][3] == (f"Germany (DE): intensity (emissions per unit of output) changed the footprint by "
                             f"{MINUS}1248 kg ({MINUS}31.2 % of 2011)")
    assert [texts[1] for _, _, texts, _ in malta[1:-1]] == ["–"] * 4 and float(malta[0][1].get("height")) == 0
    assert nasty[0][2] == [f"{MINUS}500"] and nasty[-1][2] == [f"{MINUS}562"]
    assert [texts[1] for _, _, texts, _ in nasty[1:-1]] == [f"{MINUS}20.0 %", "+10.0 %", f"{MINUS}5.0 %", "+2.0 %",
                                                            "+1.0 %", f"{MINUS}0.4 %"]
    categories = [t.text for t in classed(root, "chart-category", "text")]
    assert categories[:6] == ["2011", "Intensity", "Structure", "Mix", "Level", "2020"] and categories[17:19] == [
        "Population", "Direct"]
    assert 'url(#chart-down)' in ET.tostring(root, encoding="unicode")


def test_markup_in_names_stays_well_formed_text():
    rows = [dict(r, values=r["values"][:2]) for r in series_of(3)["rows"]]
    rows[1]["name"], rows[1]["code"] = NASTY, "<&>"
    svg = lines({"unit": 'kg <CO2> & "eq"', "years": [2011, 2012], "rows": rows, "totals": []}, '<&>"', standalone=True)
    assert any(NASTY in (t.text or "") for t in parse(svg).iter(f"{NS}title"))
    (heading,) = classed(parse(waterfall(WATERFALL_ROWS[2:3], "kg", [2011, 2020], "x")), "chart-heading", "text")
    assert heading.text == f"{NASTY} (X&Y)"


def test_text_is_at_least_the_chart_font_in_the_ink_colour():
    css = (ROOT / "static" / "charts.css").read_text()
    min_width = float(re.search(r"\.chart \{ min-width: (\d+)px; \}", css).group(1))
    for svg in (lines(series_of(49), "L"), lines(series_of(5), "I", index=True),
                waterfall(WATERFALL_ROWS, "kg", [2011, 2020], "W")):
        width = float(re.search(r'viewBox="0 0 (\d+)', svg).group(1))
        texts = list(parse(svg).iter(f"{NS}text"))
        assert texts and "</text><" not in svg
        assert all(float(e.get("font-size")) >= FONT and e.get("fill") == "currentColor" for e in texts)
        assert min(float(e.get("font-size")) for e in texts) * min_width / width >= 12
        assert all(t.text and "nan" not in t.text for t in parse(svg).iter(f"{NS}title"))  # values in words


def test_colours_hold_three_to_one_on_both_backgrounds_and_the_themes_restyle_the_classes():
    root, other = parse(lines(series_of(12), "L")), parse(lines(series_of(13), "L"))
    colours = {e.get("stroke") for e in classed(root, "chart-line") + classed(other, "chart-line")}
    colours |= {e.get("fill") for e in classed(root, "chart-marker")} | {UP, DOWN, TOTAL}
    assert len(colours) == 7  # six line colours and grey; up and down are two of the six
    ratios = {c: (palette.contrast(c, palette.LIGHT_BACKGROUND), palette.contrast(c, palette.DARK_BACKGROUND))
              for c in colours}
    assert min(min(pair) for pair in ratios.values()) >= 3.0, ratios
    css = (ROOT / "static" / "charts.css").read_text()
    dark, forced = css.rsplit("@media (prefers-color-scheme: dark)", 1)[1].split("@media (forced-colors: active)")
    assert ".chart .chart-marker { stroke: Canvas; }" in dark and ".chart .chart-marker { stroke: Canvas; }" in forced
    assert ".chart-up" in forced and ".chart-total" in forced

