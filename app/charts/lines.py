"""Lines through the years: one line per row, at most 12, the rest summed as "other" where the rows do
not overlap. The x axis is proportional to the year, so a gap in the years shows as a longer step.

Twelve styles, each a colour, a dash pattern and a marker shape; any two lines differ in dash or marker
(k mod 3, k mod 4), so colour is never the only cue. Each line is named at its right end beside a swatch
of its style (dash and marker): the labels are the legend, so there is no second legend below the plot,
which would only send the eye back and forth. Every point has its value in a <title>."""

from __future__ import annotations

import math

from . import palette
from .labels import shorter
from .svg import CHAR_WIDTH, FONT, compact, document, escape, fits, format_value, text

MAX_LINES = 12
WIDTH, TOP, PLOT_H = 1000, 44, 400
RIGHT = 716  # the plot's right edge; the labels' column follows
GAP = FONT + 2  # least distance between two labels' centres
DASHES = ["", "9 5", "2 4"]
MARKERS = ["M-4.5 0a4.5 4.5 0 1 0 9 0a4.5 4.5 0 1 0 -9 0Z", "M-4-4h8v8h-8Z", "M0-5.5L5.2 4H-5.2Z",
           "M0-6L6 0L0 6L-6 0Z"]  # circle, square, triangle, diamond: about 10 units across


def finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def number(value: float) -> str:
    """compact(), with a real minus sign."""
    return compact(value).replace("-", "\u2212", 1) if value < 0 else compact(value)


def nice_ticks(low: float, high: float) -> list[float]:
    """4 to 6 round values (1, 2, 2.5 or 5 times a power of ten apart) from at most low to at least high."""
    if not high > low:
        low, high = (low, low + (abs(low) or 1.0))
    power = 10 ** math.floor(math.log10((high - low) / 5))
    best: tuple = ()
    for m in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50):
        step = m * power
        first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
        count = last - first + 1
        miss = 0 if 4 <= count <= 6 else min(abs(count - 4), abs(count - 6))
        if not best or miss < best[0]:
            best = (miss, [k * step + 0.0 for k in range(first, last + 1)])
    return best[1]


def year_ticks(first: int, last: int, per_year: float) -> list[int]:
    """Round years to label, far enough apart that their labels never overlap."""
    room = 4 * FONT * CHAR_WIDTH + 10
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50) if s * per_year >= room), 100)
    return [y for y in range(first, last + 1) if y % step == 0] or [first]


def line_choice(rows: list[dict], disjoint: bool, last_year: int | None = None) -> dict:
    """Which rows are drawn (their positions, in the rows' order), the "other" line (the sum of the rest
    per year, only where the rows do not overlap) and the choice in words. The largest rows are those with
    the largest absolute value in the last year."""
    n = len(rows)
    if n <= MAX_LINES:
        words = {0: "There are no rows to draw.", 1: "The one row is drawn as a line."}.get(
            n, f"All {n} rows are drawn, each as a line.")
        return {"drawn": list(range(n)), "other": None, "words": words}
    keep = MAX_LINES - 1 if disjoint else MAX_LINES

    def size(i):
        last = rows[i]["values"][-1] if rows[i]["values"] else 0.0
        return abs(last) if finite(last) else 0.0

    drawn = sorted(sorted(range(n), key=lambda i: -size(i))[:keep])
    when = f"in {last_year}" if last_year is not None else "in the last year"
    words = f"The {keep} rows largest {when} are drawn, each as a line; the other {n - keep} "
    if not disjoint:
        return {"drawn": drawn, "other": None, "words": words + "are in the table only, since the rows overlap."}
    rest = [rows[i]["values"] for i in range(n) if i not in set(drawn)]
    other = [math.fsum(v[t] for v in rest if t < len(v) and finite(v[t])) for t in range(len(rows[0]["values"]))]
    return {"drawn": drawn, "other": other, "words": words + 'are summed as "other".'}


def spread(wanted: list[float], low: float, high: float, gap: float = GAP) -> list[float]:
    """Positions as near the wanted ones as a least gap allows, in their order, within [low, high]: labels
    that would overlap are stacked around their mean."""
    groups: list[list] = []  # [first position, members]
    for i in sorted(range(len(wanted)), key=lambda i: wanted[i]):
        groups.append([wanted[i], [i]])
        while True:
            group = groups[-1]
            span = (len(group[1]) - 1) * gap
            mean = sum(wanted[j] for j in group[1]) / len(group[1])
            group[0] = min(max(mean - span / 2, low), high - span)
            if len(groups) < 2 or groups[-2][0] + len(groups[-2][1]) * gap <= group[0] + 1e-9:
                break
            groups.pop()
            groups[-1][1].extend(group[1])
    out = [0.0] * len(wanted)
    for start, members in groups:
        for k, j in enumerate(members):  # a start rounded as text() writes it: the spacing stays exact
            out[j] = round(start, 1) + k * gap
    return out


def _style(k: int, other: bool) -> tuple[str, str, str]:
    colour = palette.OTHER_SECTIONS if other else palette.SECTIONS[k % len(palette.SECTIONS)]
    return colour, DASHES[k % 3], MARKERS[k % 4]


def _stroke(colour: str, dash: str) -> str:
    pattern = f' stroke-dasharray="{dash}"' if dash else ""
    return f'fill="none" stroke="{colour}" stroke-width="2.5" stroke-linecap="round"{pattern}'


def _marker(x: float, y: float, colour: str, shape: str) -> str:
    return (f'<path class="chart-marker" transform="translate({x:.2f} {y:.2f})" d="{shape}" fill="{colour}" '
            f'stroke="#fff" stroke-width="1"/>')


def lines(series: dict, title: str, ident: str = "chart", standalone: bool = False, index: bool = False,
          disjoint: bool = True) -> str:
    """A line chart of series = {"unit", "years", "rows": [{"code", "name", "level", "values"}], "totals"};
    with `index`, each line divided by its first value, times 100. Non-finite values are not drawn."""
    unit, years, rows = series["unit"], list(series["years"]), series["rows"]
    choice = line_choice(rows, disjoint, years[-1] if years else None)
    drawn = [(k, rows[i]["name"], rows[i]["code"], list(rows[i]["values"])) for k, i in enumerate(choice["drawn"])]
    if choice["other"] is not None:
        drawn.append((len(drawn), f"Other ({len(rows) - len(drawn)} rows)", None, choice["other"]))
    drawn = [(k, name, code, values, values) for k, name, code, values in drawn]
    left_out = []
    if index:  # each line over its first value; a line whose first value is 0 or missing is left out
        left_out = [name + (f" ({code})" if code is not None else "") for _, name, code, values, _ in drawn
                    if not (values and finite(values[0]) and values[0] != 0)]
        drawn = [(k, name, code, [v / values[0] * 100 if finite(v) else v for v in values], values)
                 for k, name, code, values, _ in drawn if values and finite(values[0]) and values[0] != 0]
    seen = [v for _, _, _, values, _ in drawn for v in values if finite(v)]
    ticks = nice_ticks(min(0.0, *seen) if seen else 0.0, max(0.0, *seen) if seen else 1.0)
    lo, hi = ticks[0], ticks[-1]
    left = max(len(number(t)) for t in ticks) * FONT * CHAR_WIDTH + 22
    first, last = (years[0], years[-1]) if years else (0, 0)
    per_year = (RIGHT - left) / (last - first) if last > first else 0.0

    def xs(year):
        return left + (year - first) * per_year if last > first else (left + RIGHT) / 2

    def ys(value):
        return TOP + PLOT_H * (hi - value) / (hi - lo)

    bottom = TOP + PLOT_H
    axis = "index, first year = 100" if index else unit
    body = [text(8, TOP - 20, f"y axis: {axis}", FONT, cls="chart-axis-title")]
    for t in ticks:
        body.append(f'<line class="chart-grid" x1="{left:.1f}" y1="{ys(t):.2f}" x2="{RIGHT}" y2="{ys(t):.2f}" '
                    f'stroke="currentColor" stroke-opacity="0.25"/>\n')
        body.append(text(left - 8, ys(t) + FONT * 0.35, number(t), FONT, cls="chart-tick-y", anchor="end"))
    if lo < 0 < hi:
        body.append(f'<line class="chart-zero" x1="{left:.1f}" y1="{ys(0):.2f}" x2="{RIGHT}" y2="{ys(0):.2f}" '
                    f'stroke="currentColor"/>\n')
    if index:
        body.append(f'<line class="chart-ref" x1="{left:.1f}" y1="{ys(100):.2f}" x2="{RIGHT}" '
                    f'y2="{ys(100):.2f}" stroke="currentColor" stroke-width="1.5" stroke-dasharray="6 3"/>\n')
    body.append(f'<line class="chart-axis" x1="{left:.1f}" y1="{bottom}" x2="{RIGHT}" y2="{bottom}" '
                f'stroke="currentColor"/>\n')
    for year in years:  # a short mark at every year of the series, a label at round years
        body.append(f'<line x1="{xs(year):.2f}" y1="{bottom}" x2="{xs(year):.2f}" y2="{bottom + 5}" '
                    f'stroke="currentColor"/>\n')
    for year in year_ticks(first, last, per_year) if years else []:
        body.append(text(xs(year), bottom + 22, str(year), FONT, cls="chart-tick-x", anchor="middle"))
    ends = []
    for k, name, code, values, raw_values in drawn:
        colour, dash, shape = _style(k, code is None)
        named = name if code is None else f"{name} ({code})"
        points = [(year, v) for year, v in zip(years, values) if finite(v)]
        if not points:
            continue
        raw = dict(zip(years, raw_values))
        said = (f"{format_value(points[0][1])} in {points[0][0]} to {format_value(points[-1][1])} in "
                f"{points[-1][0]}" + (" (index, first year = 100)" if index else f" {unit}"))
        out = [f'<g class="chart-series"><title>{escape(f"{named}: {said}")}</title>\n']
        if len(years) > 1:
            path, pen = [], "M"
            for year, v in zip(years, values):
                if finite(v):
                    path.append(f"{pen}{xs(year):.2f} {ys(v):.2f}")
                pen = "L" if finite(v) else "M"
            out.append(f'<path class="chart-line" d="{" ".join(path)}" {_stroke(colour, dash)}/>\n')
        for year, v in points:
            value = f"{format_value(v)} ({format_value(raw[year])} {unit})" if index else f"{format_value(v)} {unit}"
            out.append(f'<g><title>{escape(f"{named}, {year}: {value}")}</title>'
                       f'{_marker(xs(year), ys(v), colour, shape)}</g>\n')
        body.append("".join(out) + "</g>\n")
        ends.append((xs(points[-1][0]), ys(points[-1][1]), named, name, colour, dash, shape))
    body.append(_labels(ends))
    desc = _desc(series, choice, index, left_out)
    return document(WIDTH, bottom + 36, title, desc, body, ident, standalone=standalone)


def _labels(ends: list[tuple]) -> str:
    """Each line's name right of the plot at its last point's height, moved apart where they would overlap,
    a thin leader from the line's end when moved; a swatch of the line's dash and marker before it."""
    places = spread([y for _, y, *_ in ends], TOP - 8, TOP + PLOT_H + 8)
    column = max((x for x, *_ in ends), default=RIGHT)  # the plot's right edge, or one year's points
    room = WIDTH - (column + 46) - 4
    out = ['<g class="chart-labels">\n']
    for (x, y, named, name, colour, dash, shape), at in zip(ends, places):
        label = name if fits(name, room) == name else fits(shorter(name), room) or fits(name, room) or name[:6]
        out.append(f"<g><title>{escape(named)}</title>")
        if abs(at - y) > 0.5 or x < column - 0.5:
            out.append(f'<line class="chart-leader" x1="{x + 7:.2f}" y1="{y:.2f}" x2="{column + 12:.2f}" '
                       f'y2="{at:.2f}" stroke="currentColor" stroke-width="0.75"/>')
        out.append(f'<path d="M{column + 14:.2f} {at:.2f}h26" {_stroke(colour, dash)}/>'
                   + _marker(column + 27, at, colour, shape) + "\n")
        out.append(text(column + 46, at + FONT * 0.35, label, FONT, cls="chart-label") + "</g>\n")
    return "".join(out) + "</g>\n"


def _desc(series: dict, choice: dict, index: bool, left_out: list[str]) -> str:
    years, n = series["years"], len(series["rows"])
    span = f"{len(years)} years ({years[0]} to {years[-1]})" if len(years) > 1 else (
        f"1 year ({years[0]})" if years else "no years")
    out = [f"Line chart of {n} row{'s' if n != 1 else ''} over {span} in {series['unit']}.", choice["words"]]
    skipped = [y for y in range(years[0], years[-1] + 1) if y not in set(years)] if years else []
    if skipped:
        out.append(f"The series has no value for {', '.join(map(str, skipped))}; the x axis keeps their room.")
    if len(years) == 1:
        out.append("One year only: points, no lines.")
    if index:
        out.append("Each line is indexed: its value divided by its value in the first year, times 100.")
    if left_out:
        out.append(f"Not drawn in the index, their first value being 0 or missing: {'; '.join(left_out)}.")
    return " ".join(out)
