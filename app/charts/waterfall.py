"""Waterfalls of a footprint's change between two years: per row, a panel with the start, one floating bar
per driver (intensity, structure, mix, level, population, direct) and the end, connected.

An increase and a decrease differ three ways: colour (vermillion up, blue down), fill (solid up, hatched
with an outline down) and the sign written above or below the bar ("+45.0 %", "−31.2 %"). A percentage
is of the start's magnitude, so its sign is the change's sign even when the start is negative; with a
zero start it is "–". Each panel has its own scale (rows differ by orders of magnitude)."""

from __future__ import annotations

import math

from . import palette
from .labels import wrap
from .lines import nice_ticks, number
from .svg import CHAR_WIDTH, FONT, compact, document, escape, fits, format_value, text

FACTOR_WORDS = {"intensity": "Intensity (emissions per unit of output)",
                "structure": "Production structure (Leontief inverse)", "mix": "Final-demand mix",
                "level": "Final-demand level", "population": "Population",
                "direct": "Direct emissions of final demand"}
SHORT = {"intensity": "Intensity", "structure": "Structure", "mix": "Mix", "level": "Level",
         "population": "Population", "direct": "Direct"}
UP, DOWN, TOTAL = palette.SECTIONS[1], palette.SECTIONS[0], palette.OTHER_SECTIONS
MINUS = "\u2212"
WIDTH, LEGEND_H, LINE = 1000, 40, FONT + 3
HEAD, ROOM, PLOT_H, FOOT = 30, 2 * LINE + 6, 150, 2 * LINE + 14  # a panel, top to bottom
PANEL_H = HEAD + ROOM + PLOT_H + ROOM + FOOT


def signed(value: float) -> str:
    """A number with its sign, a real minus: +1,234, −56.7, 0."""
    return ("" if value == 0 else "+" if value > 0 else MINUS) + format_value(abs(value))


def percent(value: float, start: float) -> str:
    if start == 0:
        return "–"
    p = 100 * value / abs(start)
    return ("" if round(p, 1) == 0 else "+" if p > 0 else MINUS) + f"{abs(p):.1f} %"


def clean(value) -> float:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else 0.0


def order(contributions: dict) -> list[str]:
    """The drivers in their usual order, then any others in the given order."""
    return [k for k in SHORT if k in contributions] + [k for k in contributions if k not in SHORT]


def waterfall(rows: list[dict], unit: str, years: list[int], title: str, ident: str = "chart",
              standalone: bool = False, factor_words: dict | None = None) -> str:
    """One panel per row (the caller passes at most 12) of rows = [{"code", "name", "level", "start", "end",
    "contributions": {driver: change}}], the contributions adding up to end − start."""
    words = {**FACTOR_WORDS, **(factor_words or {})}
    y0, y1 = years[0], years[-1]
    scales = []
    for row in rows:
        levels = [clean(row["start"])]
        for key in order(row["contributions"]):
            levels.append(levels[-1] + clean(row["contributions"][key]))
        scales.append((levels, nice_ticks(min(0.0, *levels), max(0.0, *levels))))
    widest = max((len(number(t)) for _, ticks in scales for t in ticks), default=4)
    left = widest * FONT * CHAR_WIDTH + 22
    body = [_legend(ident, y0, y1)]
    for n, (row, (levels, ticks)) in enumerate(zip(rows, scales)):
        body.append(_panel(row, levels, ticks, LEGEND_H + n * PANEL_H, left, unit, (y0, y1), words, ident))
    used = list(dict.fromkeys(k for row in rows for k in order(row["contributions"])))
    drivers = "; ".join(f"{SHORT.get(k, k.capitalize())}: {words.get(k, k)}" for k in used)
    desc = (f"Waterfall charts of {len(rows)} row{'s' if len(rows) != 1 else ''} from {y0} to {y1} in {unit}: each "
            f"panel starts at the footprint in {y0}, adds one bar per driver of the change (up and solid for an "
            f"increase, down and hatched for a decrease, each with its signed change and its percentage of "
            f"{y0}) and ends at the footprint in {y1}. Drivers: {drivers or 'none'}.")
    defs = (f'<defs><pattern id="{ident}-down" width="7" height="7" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect class="chart-hatch" width="3" height="7" fill="{DOWN}"/>'
            f'</pattern></defs>\n')
    return document(WIDTH, LEGEND_H + len(rows) * PANEL_H, title, desc, body, ident, defs, standalone)


def _legend(ident: str, y0: int, y1: int) -> str:
    keys = [("chart-up", f'fill="{UP}"', "increase (+)"),
            ("chart-down", f'fill="url(#{ident}-down)" stroke="{DOWN}" stroke-width="2"', f"decrease ({MINUS})"),
            ("chart-total", f'fill="{TOTAL}"', f"footprint in {y0} and {y1}")]
    out, x = ['<g class="legend">\n'], 8.0
    for cls, paint, said in keys:
        out.append(f'<rect class="chart-bar {cls}" x="{x:.1f}" y="8" width="22" height="18" {paint}/>\n')
        out.append(text(x + 30, 22, said, FONT))
        x += 30 + len(said) * FONT * CHAR_WIDTH + 28
    return "".join(out) + "</g>\n"


def _panel(row, levels, ticks, top, left, unit, years, words, ident) -> str:
    (y0, y1), keys = years, order(row["contributions"])
    lo, hi = ticks[0], ticks[-1]
    plot_top = top + HEAD + ROOM

    def ys(value):  # rounded, so each bar's height is an exact difference of two printed positions
        return round(plot_top + PLOT_H * (hi - value) / (hi - lo), 3)

    named = f"{row['name']} ({row['code']})"
    head = fits(named, WIDTH - 16) or fits(row["name"], WIDTH - 16) or row["code"]
    out = ['<g class="chart-panel">\n', text(8, top + 20, head, FONT, cls="chart-heading").replace(
        "<text ", '<text font-weight="600" ', 1)]
    right = WIDTH - 10
    for t in ticks:
        out.append(f'<line class="chart-grid" x1="{left:.1f}" y1="{ys(t):.3f}" x2="{right}" y2="{ys(t):.3f}" '
                   f'stroke="currentColor" stroke-opacity="0.25"/>\n')
        out.append(text(left - 8, ys(t) + FONT * 0.35, number(t), FONT, cls="chart-tick-y", anchor="end"))
    out.append(f'<line class="chart-zero" x1="{left:.1f}" y1="{ys(0):.3f}" x2="{right}" y2="{ys(0):.3f}" '
               f'stroke="currentColor"/>\n')
    slot = (right - left) / (len(keys) + 2)
    bar_w = min(0.6 * slot, 80)
    start, end = clean(row["start"]), clean(row["end"])
    spans = ([(0.0, levels[0])] + [(levels[k], levels[k + 1]) for k in range(len(keys))] + [(0.0, levels[-1])])
    names = [str(y0)] + [SHORT.get(k, k.capitalize()) for k in keys] + [str(y1)]
    for k, (a, b) in enumerate(spans):
        x = left + k * slot + (slot - bar_w) / 2
        total = k in (0, len(spans) - 1)
        ya, yb = ys(a), ys(b)
        if total:
            year, value = (y0, start) if k == 0 else (y1, end)
            said = f"{named}: footprint in {year}: {format_value(value)} {unit}"
            lines = [number(value)]
            cls, paint, up = "chart-total", f'fill="{TOTAL}"', b >= 0
        else:
            key = keys[k - 1]
            change = clean(row["contributions"][key])
            word = words.get(key, key)
            said = (f"{named}: {word[:1].lower() + word[1:]} changed the footprint by {signed(change)} {unit} "
                    f"({percent(change, start)} of {y0})")
            lines = [("" if change == 0 else "+" if change > 0 else MINUS) + compact(abs(change)),
                     percent(change, start)]
            up = change >= 0
            cls, paint = ("chart-up", f'fill="{UP}"') if up else (
                "chart-down", f'fill="url(#{ident}-down)" stroke="{DOWN}" stroke-width="2"')
        y, h = min(ya, yb), round(abs(yb - ya), 3)
        out.append(f"<g><title>{escape(said)}</title>\n"
                   f'<rect class="chart-bar {cls}" x="{x:.2f}" y="{y:.3f}" width="{bar_w:.2f}" height="{h:.3f}" '
                   f"{paint}/>\n")
        middle = x + bar_w / 2
        for n, line in enumerate(lines):  # above a bar that rises, below one that falls
            at = y - 6 - (len(lines) - 1 - n) * LINE if up else y + h + FONT + n * LINE
            out.append(text(middle, at, line, FONT, cls="chart-value", anchor="middle"))  # a number: never cut
        label = wrap(names[k], int((slot - 4) / (FONT * CHAR_WIDTH)), 2) or [fits(names[k], slot - 4) or names[k][:4]]
        for n, line in enumerate(label):
            out.append(text(middle, plot_top + PLOT_H + ROOM + FONT + n * LINE, line, FONT,
                            cls="chart-category", anchor="middle"))
        out.append("</g>\n")
        if k < len(spans) - 1:  # a connector at the level this bar leaves, to the next bar
            level = ys(b)
            out.append(f'<line class="chart-connector" x1="{x + bar_w:.2f}" y1="{level:.3f}" x2="{x + slot:.2f}" '
                       f'y2="{level:.3f}" stroke="currentColor" stroke-dasharray="3 2"/>\n')
    return "".join(out) + "</g>\n"
