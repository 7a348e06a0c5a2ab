"""A world choropleth for EXIOBASE regions at the result area's full width, with a Europe inset.

The outlines live in a static file (basemap) that the page's chart refers to by <use>; a downloaded chart
carries them itself. Only countries inside a selected region take a colour.
"""

from __future__ import annotations

from functools import lru_cache

from . import basemap, palette
from .svg import FONT, chip, compact, document, escape, fits, format_value, share, text

WIDTH = 1000
SCALE = WIDTH / basemap.VIEWBOX[2]
MAP_H = round(basemap.VIEWBOX[3] * SCALE)
EUROPE = (1150.0, 160.0, 400.0, 320.0)  # the inset's window on the map: Lisbon to Helsinki to Cyprus
INSET_W, INSET_H = 560, 448
NEVER = {"AQ"}  # Antarctica: country_converter files it under "RoW Asia and Pacific"; it is nobody's


@lru_cache(maxsize=1)
def _iso2_to_exio3() -> dict[str, str]:
    import country_converter as coco

    codes = [iso for iso, _ in basemap.countries() if iso not in NEVER]
    converted = coco.CountryConverter().convert(codes, src="ISO2", to="EXIO3", not_found=None)
    return {iso: exio for iso, exio in zip(codes, converted) if isinstance(exio, str)}


def classes(values: list[float]) -> list[float]:
    """Upper bounds of five classes holding about as many regions each (quantiles): a few large
    economies would leave equal intervals with everyone else in the first class."""
    ordered = sorted(values)
    if len(set(ordered)) < 5:
        low, high = ordered[0], ordered[-1]
        step = (high - low) / 5 or 1.0
        return [low + step * (k + 1) for k in range(5)]
    return [ordered[min(len(ordered) - 1, round(len(ordered) * (k + 1) / 5) - 1)] for k in range(5)]


def world_map(rows: list[dict], leaves: list[set[str]], unit: str, total: float, title: str,
              ident: str = "chart", outlines_href: str | None = None) -> str:
    """Countries coloured by the value of the smallest selected region holding them; outlines_href is the
    static file's URL, or None to inline the outlines (a file that stands alone)."""
    values = [r["value"] for r in rows] or [0.0]
    bounds = classes(values)

    def klass(value):
        return next((k for k, b in enumerate(bounds) if value <= b + 1e-12 * abs(b)), 4)

    region_row: dict[str, int] = {}
    for i, leaf_set in enumerate(leaves):
        for code in leaf_set:
            # the smallest selected node wins, so countries show their most detailed value
            if code not in region_row or len(leaf_set) < len(leaves[region_row[code]]):
                region_row[code] = i
    members: dict[int, list[str]] = {}
    for iso, exio in _iso2_to_exio3().items():
        if exio in region_row:
            members.setdefault(region_row[exio], []).append(iso.lower())
    href = outlines_href or ""
    defs = "" if outlines_href else f"<defs>{basemap.outlines()}</defs>\n"
    body = [f'<g id="{ident}-map" class="chart-map" stroke="#fff" stroke-width="0.5" stroke-linejoin="round">\n'
            f'<use href="{href}#land" class="chart-land" fill="{palette.LAND_LIGHT}"/>\n']
    for i, row in enumerate(rows):
        words = f"{row['code']} {row['name']}: {format_value(row['value'])} {unit} ({share(row['value'], total)})"
        k = klass(row["value"])
        uses = "".join(f'<use href="{href}#{iso}"/>' for iso in sorted(members.get(i, [])))
        body.append(f'<g class="chart-q{k + 1}" fill="{palette.CLASSES_LIGHT[k]}"><title>{escape(words)}</title>'
                    f'{uses}</g>\n')
    body.append("</g>\n")
    x0, y0, w0, h0 = basemap.VIEWBOX
    main = (f'<svg x="0" y="0" width="{WIDTH}" height="{MAP_H}" viewBox="{x0:g} {y0:g} {w0:g} {h0:g}">\n'
            + "".join(body) + "</svg>\n")
    ex, ey, ew, eh = EUROPE
    inset = (f'<g class="inset"><svg x="0" y="{MAP_H + 10}" width="{INSET_W}" height="{INSET_H}" '
             f'viewBox="{ex:g} {ey:g} {ew:g} {eh:g}"><use href="#{ident}-map"/></svg>'
             f'<rect x="0" y="{MAP_H + 10}" width="{INSET_W}" height="{INSET_H}" fill="none" '
             f'stroke="currentColor"/>\n'
             + chip(2, MAP_H + 12, ["Europe, enlarged"]) + "</g>\n")
    frame = (f'<rect x="{(ex - x0) * SCALE:.1f}" y="{(ey - y0) * SCALE:.1f}" width="{ew * SCALE:.1f}" '
             f'height="{eh * SCALE:.1f}" fill="none" stroke="currentColor" stroke-dasharray="4 3"/>\n')
    legend = _legend(values, bounds, unit, len(rows))
    height = MAP_H + 10 + INSET_H
    desc = (f"World map of {len(rows)} region rows in {unit}, five classes of about equal counts, "
            "with Europe enlarged below; every country takes the colour of the selected region it belongs "
            "to, countries outside the selected regions and Antarctica stay grey.")
    return document(WIDTH, height, title, desc, [main, frame, inset, legend], ident, defs=defs,
                    standalone=outlines_href is None)


def _legend(values, bounds, unit, count) -> str:
    """The five classes with their ranges, and grey for land outside the selection."""
    x, y = INSET_W + 30, MAP_H + 24
    out = ['<g class="legend">\n', text(x, y + 8, fits(f"{count} regions, in {unit}", 400) or unit, FONT)]
    low = min(values)
    for k, bound in enumerate(bounds):
        start = low if k == 0 else bounds[k - 1]
        yy = y + 24 + k * 30
        out.append(f'<rect class="chart-q{k + 1}" x="{x}" y="{yy}" width="36" height="22" '
                   f'fill="{palette.CLASSES_LIGHT[k]}"/>\n')
        out.append(text(x + 46, yy + 16, f"{compact(start)} to {compact(bound)}", FONT))
    yy = y + 24 + 5 * 30
    out.append(f'<rect class="chart-land" x="{x}" y="{yy}" width="36" height="22" fill="{palette.LAND_LIGHT}" '
               f'stroke="currentColor" stroke-width="0.5"/>\n')
    out.append(text(x + 46, yy + 16, "outside the selected regions", FONT))
    out.append("</g>\n")
    return "".join(out)
