"""Server-rendered SVG charts: a treemap for products, a world choropleth for EXIOBASE regions, bars otherwise."""

from __future__ import annotations

import html
import math
import re
from functools import lru_cache

# Five-class sequential palette (viridis), readable for the common colour-vision deficiencies.
PALETTE = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"]
DARK = {"#21918c", "#3b528b", "#440154"}
NO_DATA = "#d9d9d9"
# XML 1.0 holds no C0 control character but tab, LF and CR, nor U+FFFE, U+FFFF or lone surrogates:
# one of them in a label would make the SVG download unreadable
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def escape(text) -> str:
    """Text for SVG (XML and HTML alike): markup escaped, characters XML cannot hold replaced by U+FFFD."""
    return NOT_XML.sub("\ufffd", html.escape(str(text)))


def format_value(value: float) -> str:
    if value != value or math.isinf(value):
        return str(value)
    if abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _share(value: float, total: float) -> str:
    return f"{100 * value / total:.1f} %" if total else "–"


def _svg(width: int, height: int, title: str, desc: str, body: list[str], ident: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{ident}-title {ident}-desc" class="chart">'
            f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
            + "".join(body) + "</svg>")


def _squarify(items: list[tuple[int, float]], x: float, y: float, w: float, h: float) -> list[tuple]:
    """Squarified treemap layout: (index, x, y, w, h) for positive values sorted descending."""
    out = []
    items = list(items)
    total = sum(v for _, v in items)
    if total <= 0:
        return out
    scale = w * h / total
    areas = [(i, v * scale) for i, v in items]

    def worst(row, side):
        s = sum(a for _, a in row)
        return max(max(side * side * a / (s * s), (s * s) / (side * side * a)) for _, a in row)

    while areas:
        side = min(w, h)
        row = [areas.pop(0)]
        while areas and worst(row + [areas[0]], side) <= worst(row, side):
            row.append(areas.pop(0))
        s = sum(a for _, a in row)
        if w >= h:  # lay the row out as a column on the left
            col_w = s / h if h else 0
            yy = y
            for i, a in row:
                rh = a / col_w if col_w else 0
                out.append((i, x, yy, col_w, rh))
                yy += rh
            x, w = x + col_w, w - col_w
        else:  # as a row along the top
            row_h = s / w if w else 0
            xx = x
            for i, a in row:
                rw = a / row_h if row_h else 0
                out.append((i, xx, y, rw, row_h))
                xx += rw
            y, h = y + row_h, h - row_h
    return out


def treemap(rows: list[dict], unit: str, total: float, title: str, ident: str = "chart") -> str:
    """Rectangles with areas proportional to each row's value; non-positive rows are listed, not drawn."""
    width, height = 480, 300
    positive = sorted(((i, r["value"]) for i, r in enumerate(rows) if r["value"] > 0), key=lambda t: -t[1])
    skipped = len(rows) - len(positive)
    body = []
    for rank, (i, x, y, w, h) in enumerate(_squarify(positive, 0, 0, width, height)):
        row = rows[i]
        # the largest rows darkest, as on the map
        colour = PALETTE[4 - min(4, rank * 5 // max(1, len(positive)))]
        label = f"{row['code']} {row['name']}: {format_value(row['value'])} {unit} ({_share(row['value'], total)})"
        body.append(f'<g><title>{escape(label)}</title>'
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{colour}" '
                    f'stroke="#fff" stroke-width="1"/>')
        if w > 40 and h > 18:
            ink = "#fff" if colour in DARK else "#000"
            chars = int(w / 6.5)
            body.append(f'<text x="{x + 3:.1f}" y="{y + 13:.1f}" font-size="11" fill="{ink}">'
                        f'{escape(row["name"][:chars])}</text>')
            if h > 32:
                body.append(f'<text x="{x + 3:.1f}" y="{y + 26:.1f}" font-size="10" fill="{ink}">'
                            f'{escape(_share(row["value"], total))}</text>')
        body.append("</g>")
    desc = f"Treemap of {len(positive)} product rows, area proportional to {unit}."
    if skipped:
        desc += f" {skipped} rows with zero or negative values are not drawn; see the table."
    return _svg(width, height, title, desc, body, ident)


def bars(rows: list[dict], unit: str, total: float, title: str, ident: str = "chart") -> str:
    """Horizontal bars from a zero line, for regions without a map and for negative values."""
    bar_h, label_w, width = 20, 130, 480
    height = 30 + bar_h * len(rows)
    values = [r["value"] for r in rows] or [0.0]
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0
    plot_w = width - label_w - 90
    zero = label_w + plot_w * (-low / span)
    body = [f'<line x1="{zero:.1f}" y1="4" x2="{zero:.1f}" y2="{height - 4}" stroke="#333"/>']
    for k, row in enumerate(rows):
        y = 10 + k * bar_h
        x1 = label_w + plot_w * ((min(row["value"], 0) - low) / span)
        w = plot_w * abs(row["value"]) / span
        label = f"{row['code']} {row['name']}: {format_value(row['value'])} {unit} ({_share(row['value'], total)})"
        body.append(f'<g><title>{escape(label)}</title>'
                    f'<text x="{label_w - 6}" y="{y + 14}" font-size="11" text-anchor="end">'
                    f'{escape(row["name"][:20])}</text>'
                    f'<rect x="{x1:.1f}" y="{y + 3}" width="{max(w, 0.5):.1f}" height="{bar_h - 6}" '
                    f'fill="{PALETTE[3]}"/>'
                    f'<text x="{label_w + plot_w + 6}" y="{y + 14}" font-size="10">'
                    f'{escape(format_value(row["value"]))}</text></g>')
    return _svg(width, height, title, f"Bar chart of {len(rows)} rows in {unit}.", body, ident)


_TOKEN = re.compile(r"[MmLlHhVvCcSsQqTtZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ARITY = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "t": 2, "z": 0}


def _simplify_path(d: str, tolerance: float = 4.0) -> str:
    """An SVG path as an absolute integer polygon: curves become their end points, tiny steps go."""
    tokens = _TOKEN.findall(d)
    out, x, y, start, k, cmd = [], 0.0, 0.0, (0.0, 0.0), 0, None
    last = None
    while k < len(tokens):
        if tokens[k].isalpha():
            cmd = tokens[k]
            k += 1
            if cmd in "zZ":
                out.append("Z")
                x, y = start
                last = None
                continue
        n = _ARITY[cmd.lower()]
        args = [float(t) for t in tokens[k:k + n]]
        k += n
        rel = cmd.islower()
        c = cmd.lower()
        if c == "h":
            x = x + args[0] if rel else args[0]
        elif c == "v":
            y = y + args[0] if rel else args[0]
        else:
            x, y = (x + args[-2], y + args[-1]) if rel else (args[-2], args[-1])
        if c == "m":
            start = (x, y)
            out.append(f"M{round(x)} {round(y)}")
            last = (x, y)
            cmd = "l" if rel else "L"  # further pairs after a move are lines
        elif last is None or abs(x - last[0]) + abs(y - last[1]) >= tolerance:
            out.append(f"L{round(x)} {round(y)}")
            last = (x, y)
    return "".join(out)


@lru_cache(maxsize=1)
def _world() -> list[tuple[str, str]]:
    """(ISO2 code, simplified path) for every country of pygal_maps_world's map."""
    from importlib.resources import files

    text = files("pygal_maps_world").joinpath("worldmap.svg").read_text()
    countries = []
    for match in re.finditer(r'<g class="([a-z]{2}) country[^"]*">(.*?)</g>', text, re.S):
        paths = [_simplify_path(d) for d in re.findall(r'd="([^"]+)"', match.group(2))]
        path = "".join(p for p in paths if p.count("L") >= 2)
        if path:
            countries.append((match.group(1).upper(), path))
    return countries


@lru_cache(maxsize=1)
def _iso2_to_exio3() -> dict[str, str]:
    import country_converter as coco

    codes = [iso for iso, _ in _world()]
    converted = coco.CountryConverter().convert(codes, src="ISO2", to="EXIO3", not_found=None)
    return {iso: exio for iso, exio in zip(codes, converted) if isinstance(exio, str)}


def _classes(values: list[float]) -> list[float]:
    """Upper bounds of five equal-interval classes between the smallest and largest value."""
    low, high = min(values), max(values)
    step = (high - low) / 5 or 1.0
    return [low + step * (k + 1) for k in range(5)]


def world_map(rows: list[dict], leaves: list[set[str]], unit: str, total: float, title: str,
              ident: str = "chart") -> str:
    """Countries coloured by the value of the selected region that holds them (rest-of-world regions
    colour all theirs)."""
    width, height = 2475, 1388
    values = [r["value"] for r in rows] or [0.0]
    bounds = _classes(values)

    def colour(value):
        return PALETTE[next((k for k, b in enumerate(bounds) if value <= b + 1e-12 * abs(b)), 4)]

    region_row = {}
    for i, leaf_set in enumerate(leaves):
        for code in leaf_set:
            # the first, smallest selected node wins, so countries show their most detailed value
            if code not in region_row or len(leaf_set) < len(leaves[region_row[code]]):
                region_row[code] = i
    exio = _iso2_to_exio3()
    body = ['<g stroke="#fff" stroke-width="0.8">']
    for iso, path in _world():
        row_index = region_row.get(exio.get(iso))
        if row_index is None:
            body.append(f'<path d="{path}" fill="{NO_DATA}"><title>{iso}: not in the selection</title></path>')
            continue
        row = rows[row_index]
        label = (f"{iso} in {row['code']} {row['name']}: {format_value(row['value'])} {unit} "
                 f"({_share(row['value'], total)})")
        body.append(f'<path d="{path}" fill="{colour(row["value"])}"><title>{escape(label)}</title></path>')
    body.append("</g>")
    # legend: five classes with their ranges and the unit
    low = min(values)
    body.append(f'<g font-size="44" transform="translate(30 {height - 470})">'
                f'<text x="0" y="0">{escape(unit)}</text>')
    for k, bound in enumerate(bounds):
        start = low if k == 0 else bounds[k - 1]
        body.append(f'<rect x="0" y="{25 + k * 64}" width="80" height="50" fill="{PALETTE[k]}" stroke="#333"/>'
                    f'<text x="100" y="{65 + k * 64}">'
                    f'{escape(format_value(start))} – {escape(format_value(bound))}</text>')
    body.append(f'<rect x="0" y="{25 + 5 * 64}" width="80" height="50" fill="{NO_DATA}" stroke="#333"/>'
                f'<text x="100" y="{65 + 5 * 64}">not selected</text></g>')
    desc = (f"World map of {len(rows)} region rows in {unit}, five equal-interval classes; "
            "every country takes the colour of the selected region it belongs to.")
    return _svg(width, height, title, desc, body, ident)
