"""Stacked bars, one per production layer: how deep in the supply chain a footprint sits, and where.

Each bar is a tier's value split into the same few parts in every bar (the largest origins over all tiers,
in the legend's order, then every other origin in grey); a last bar, hatched, holds the deeper tiers
together, which are not split. Parts carry their code where it fits, so colour is never the only cue, and
every part has its value in a <title>. Negative parts (an indicator with negative entries) run left of
the zero line."""

from __future__ import annotations

from . import palette
from .labels import shorter
from .svg import CHAR_WIDTH, FONT, chip, chip_box, compact, document, escape, fits, format_value, share, text

MAX_KEYS = len(palette.SECTIONS)
WIDTH, LABEL_W, VALUE_W, BAR_H = 1000, 96, 200, 30  # VALUE_W: the least room for the values
LEGEND_LINE = FONT + 12


def stacks_of(layers: list[dict], remainder: float, other_code: str) -> tuple[list[dict], list[tuple[str, str]]]:
    """The bars and the legend's keys from a layers result: keys are the origins largest over all tiers
    (at most six), each bar's parts their values in that tier (0 where a tier's own top rows lack them)."""
    sizes: dict[str, float] = {}
    names: dict[str, str] = {}
    for layer in layers:
        for row in layer["rows"]:
            if row["code"] != other_code:
                sizes[row["code"]] = sizes.get(row["code"], 0.0) + abs(row["value"])
                names[row["code"]] = row["name"]
    codes = sorted(sizes, key=lambda c: -sizes[c])[:MAX_KEYS]
    bars = []
    for layer in layers:
        own = {row["code"]: row["value"] for row in layer["rows"]}
        bars.append({"label": f"Tier {layer['tier']}", "value": layer["value"],
                     "parts": [own.get(code, 0.0) for code in codes]})
    bars.append({"label": "Deeper", "value": remainder, "parts": None})
    return bars, [(code, names[code]) for code in codes]


def tiers(bars: list[dict], keys: list[tuple[str, str]], unit: str, total: float, title: str, what: str,
          ident: str = "chart", standalone: bool = False) -> str:
    """bars: [{"label", "value", "parts": [one value per key] or None (not split)}]; what: the keys' kind in
    words ("origin regions")."""
    legend, legend_h = _legend(keys, ident)
    top = legend_h + 8
    height = top + BAR_H * len(bars) + 8
    spans = [_segments(bar) for bar in bars]
    low = min([0.0] + [a for segs in spans for _, a, _ in segs])
    high = max([0.0] + [b for segs in spans for _, _, b in segs])
    said = [f"{compact(bar['value'])} {unit} ({share(bar['value'], total)})" for bar in bars]
    value_w = min(max(VALUE_W, max(len(words) for words in said) * FONT * CHAR_WIDTH + 16), 420)
    plot_w = WIDTH - LABEL_W - value_w
    scale = plot_w / ((high - low) or 1.0)
    zero = LABEL_W + (0 - low) * scale
    body = [legend, f'<line x1="{zero:.2f}" y1="{top - 4}" x2="{zero:.2f}" y2="{height - 4}" stroke="currentColor"/>\n']
    for k, (bar, segs) in enumerate(zip(bars, spans)):
        y = top + k * BAR_H
        body.append('<g class="chart-tier">\n' + text(LABEL_W - 10, y + 20, bar["label"], FONT, anchor="end"))
        for key, a, b in segs:
            x, w = LABEL_W + (a - low) * scale, (b - a) * scale
            name, code, paint, cls = _paint(key, keys, ident)
            words = f"{bar['label']}, {name}: {format_value(b - a if a >= 0 else a - b)} {unit}"
            body.append(f'<g><title>{escape(words)}</title><rect class="{cls}" x="{x:.2f}" y="{y + 4}" '
                        f'width="{max(w, 0.5):.2f}" height="{BAR_H - 8}" {paint}/>\n')
            if code and chip_box(0, 0, [code])[2] + 4 <= w:
                body.append(chip(x + 2, y + 6, [code]))
            body.append("</g>\n")
        body.append(text(LABEL_W + plot_w + 8, y + 20, said[k], FONT) + "</g>\n")
    named = "; ".join(f"{code} {name}" for code, name in keys)
    desc = (f"Stacked bar chart of {len(bars) - 1} production layers and the deeper ones together, in {unit}. "
            f"Each layer is split into the {len(keys)} largest {what} over all layers ({named or 'none'}), in "
            f"that order, then all other {what}; the deeper layers are not split.")
    defs = (f'<defs><pattern id="{ident}-deeper" width="7" height="7" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect class="chart-hatch" width="3" height="7" '
            f'fill="{palette.OTHER_SECTIONS}"/></pattern></defs>\n')
    return document(WIDTH, height, title, desc, body, ident, defs, standalone)


def _segments(bar: dict) -> list[tuple[int | None, float, float]]:
    """(key index, or -1 for the rest, or None for an unsplit bar; start; end) along the value axis."""
    if bar["parts"] is None:
        return [(None, min(0.0, bar["value"]), max(0.0, bar["value"]))]
    parts = list(enumerate(bar["parts"])) + [(-1, bar["value"] - sum(bar["parts"]))]
    out, right, left = [], 0.0, 0.0
    for key, value in parts:
        if value > 0:
            out.append((key, right, right + value))
            right += value
        elif value < 0:
            out.append((key, left + value, left))
            left += value
    return out


def _paint(key, keys, ident) -> tuple[str, str, str, str]:
    """(name, code written on the part, fill attributes, class) of a part."""
    if key is None:
        return ("every deeper tier", "", f'fill="url(#{ident}-deeper)" stroke="{palette.OTHER_SECTIONS}" '
                                          f'stroke-width="2"', "rest chart-deeper")
    if key < 0:
        return ("all other", "", f'fill="{palette.OTHER_SECTIONS}"', "cell chart-other")
    code, name = keys[key]
    return (f"{name} ({code})", code, f'fill="{palette.SECTIONS[key]}"', f"cell chart-key-{key}")


def _legend(keys: list[tuple[str, str]], ident: str) -> tuple[str, int]:
    """Swatches with their names, wrapped over lines; the legend's height."""
    items = [(f'fill="{palette.SECTIONS[k]}"', f"cell chart-key-{k}", f"{code} {shorter(name)}")
             for k, (code, name) in enumerate(keys)]
    items += [(f'fill="{palette.OTHER_SECTIONS}"', "cell chart-other", "all other"),
              (f'fill="url(#{ident}-deeper)" stroke="{palette.OTHER_SECTIONS}" stroke-width="2"', "rest chart-deeper",
               "deeper tiers, not split")]
    out, x, line = ['<g class="legend">\n'], 8.0, 0
    for paint, cls, said in items:
        said = fits(said, WIDTH - 60) or said[:20]
        width = 30 + len(said) * FONT * CHAR_WIDTH + 24
        if x > 8 and x + width > WIDTH:
            x, line = 8.0, line + 1
        y = 6 + line * LEGEND_LINE
        out.append(f'<rect class="{cls}" x="{x:.1f}" y="{y}" width="22" height="16" {paint}/>\n')
        out.append(text(x + 30, y + 13, said, FONT))
        x += width
    return "".join(out) + "</g>\n", 6 + (line + 1) * LEGEND_LINE
