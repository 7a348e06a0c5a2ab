"""Treemap labels at 200 products: names whole (wrapped where the cell is tall enough) or shortened by rule,
never cut mid-word, never wider than their cell, and none where nothing fits."""

import html
import re

import pytest

from app.charts.labels import fitted, shorter, wrap
from app.charts.svg import CHAR_WIDTH, FONT, fits

from .test_charts import exio, products_200, rects  # noqa: F401  (the 49 x 200 chart, built once per module)

CHIP = re.compile(r'<rect class="chip" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"[^>]*/>'
                  r'<text [^>]*font-size="(\d+)" fill="currentColor"( font-weight="600")?>'
                  r'((?:<tspan[^>]*>[^<]*</tspan>)+)</text>')


def leaf_labels(svg: str) -> list[dict]:
    """Each leaf cell's label (not a group's bold one) with the cell it sits in."""
    cells = [r for r in rects(svg) if r["kind"] == "cell"]
    labels = svg[svg.index('<g class="labels">'):svg.index('<g class="legend">')]
    out = []
    for x, y, w, h, size, bold, spans in CHIP.findall(labels):
        if bold:
            continue
        x, y, w, h = map(float, (x, y, w, h))
        cell = next(c for c in cells if c["x"] <= x <= c["x"] + c["w"] and c["y"] <= y <= c["y"] + c["h"])
        lines = [html.unescape(t).rstrip() for t in re.findall(r"<tspan[^>]*>([^<]*)</tspan>", spans)]
        name = html.unescape(cell["title"]).split(": ")[0].split(" ", 1)[1]  # "p15.c Name: value" -> Name
        out.append({"box": (x, y, w, h), "size": int(size), "lines": lines, "cell": cell, "name": name})
    return out


def said(label) -> str:
    """The name the label gives (its share, on its own line or after the name, left out)."""
    return re.sub(r"(:\s*\d+\.\d %)?$", "", " ".join(label["lines"]))


def test_labels_fit_their_cells_whole_words_only(products_200):  # noqa: F811
    svg, _ = products_200
    labels = leaf_labels(svg)
    assert labels
    # no label, a group's either, is a share without a name
    chips = svg[svg.index('<g class="labels">'):svg.index('<g class="legend">')].split('<rect class="chip"')[1:]
    assert chips and all(re.search(r"<tspan>[^<]*[A-Za-z]", chip) for chip in chips)
    for label in labels:
        x, y, w, h = label["box"]
        cell = label["cell"]
        assert label["size"] == FONT >= 12
        # inside its cell, each line's estimated width (as svg.chip_box reckons it) within the chip
        assert x + w <= cell["x"] + cell["w"] - 2 + 0.1 and y + h <= cell["y"] + cell["h"] - 2 + 0.1, label
        assert all(len(line) * FONT * CHAR_WIDTH + 6 <= w + 0.1 for line in label["lines"])
        text = " ".join(label["lines"])
        assert "…" not in text
        assert said(label) in (label["name"], shorter(label["name"])), (said(label), label["name"])


def test_more_names_shown_whole_than_by_cutting_them_to_one_line(products_200):  # noqa: F811
    svg, _ = products_200
    cells = [r for r in rects(svg) if r["kind"] == "cell" and re.match(r"p\d", r["title"])]
    names = {id(c): html.unescape(c["title"]).split(": ")[0].split(" ", 1)[1] for c in cells}
    # before: one line cut to the cell (svg.fits at the width less 16) above the share, in two lines' height
    before = sum(1 for c in cells if c["h"] >= 2 * (FONT + 3) + 7 and fits(names[id(c)], c["w"] - 16) == names[id(c)])
    shown = leaf_labels(svg)
    whole = [label for label in shown if said(label) == label["name"]]
    wrapped = [label for label in whole if len(said(label)) > len(label["lines"][0])]
    print(f"\n{len(cells)} product cells; names whole before: {before}; now whole {len(whole)} "
          f"({len(wrapped)} of them wrapped), shortened {len(shown) - len(whole)}, labels in all {len(shown)}")
    assert len(whole) > before and wrapped
    assert len(shown) >= 2 * before


@pytest.mark.parametrize("name, short", [
    ("Manufacture of wood and of products of wood and cork, except furniture; manufacture of articles",
     "Wood & of prod. of wood & cork"),
    ("Secondary aluminium for treatment, Re-processing of secondary aluminium into new aluminium",
     "Sec. aluminium for treatm."),
    ("Retail  trade services, except of motor vehicles and motorcycles; repair services (52)", "Retail trade serv."),
    ("Paddy rice", "Paddy rice"),
])
def test_shorter_names_keep_the_head_of_the_name(name, short):
    assert shorter(name) == short


def test_wrapping_and_the_order_of_choices():
    assert wrap("Dairy products", 8, 2) == ["Dairy", "products"]
    assert wrap("Dairy products", 7, 2) is None  # never a word cut
    assert wrap("Dairy products", 8, 1) is None
    # a cell 90 x 80: 10 characters a line, 4 lines; the whole name wrapped, with its share
    assert fitted("Dairy products", "1.2 %", 90, 80)[0] == ["Dairy", "products:", "1.2 %"]
    # too narrow for "products": the shorter name
    assert fitted("Dairy products", "1.2 %", 70, 80)[0] == ["Dairy", "prod.:", "1.2 %"]
    # wide and low: name and share on one line
    assert fitted("Pulp", "0.4 %", 120, 30) == [["Pulp: 0.4 %"], ["Pulp"]]
    # no room for the share: the name alone, unless the caller wants none such (a group's label)
    assert fitted("Heavy Fuel Oil", "0.5 %", 60, 60) == [["Heavy", "Fuel", "Oil"]]
    assert fitted("Heavy Fuel Oil", "0.5 %", 60, 60, alone=False) == []
    assert fitted("Electricity by coal", "1.2 %", 40, 200) == []  # nothing fits: no label
