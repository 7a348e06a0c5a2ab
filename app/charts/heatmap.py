"""A heatmap of a two-axis result: rows x columns (origin region x consumer region, say), five classes."""

from __future__ import annotations

from . import palette
from .svg import FONT, chip, chip_box, compact, document, escape, fits, format_value, share, text
from .worldmap import classes

MAX_CELLS = 60  # rows or columns drawn; a larger matrix is drawn for its largest rows and columns
LABEL_W = 250
HEAD_H = 120


def largest(headers: list[dict], sums: list[float], limit: int = MAX_CELLS) -> list[int]:
    """Positions of the `limit` rows (or columns) with the largest absolute sums, in their given order."""
    if len(headers) <= limit:
        return list(range(len(headers)))
    keep = sorted(range(len(headers)), key=lambda i: -abs(sums[i]))[:limit]
    return sorted(keep)


def heatmap(matrix: dict, unit: str, total: float, title: str, ident: str = "chart",
            row_noun: str = "rows", column_noun: str = "columns", standalone: bool = False) -> str:
    """One cell per (row, column), coloured by its value's class; a cell's value is in its <title>, and
    written in the cell where there is room. matrix: {"rows": [...], "columns": [...], "values": [[...]]}."""
    rows, columns, values = matrix["rows"], matrix["columns"], matrix["values"]
    pick_r = largest(rows, [sum(line) for line in values])
    pick_c = largest(columns, [sum(line[j] for line in values) for j in range(len(columns))])
    # the columns share about 740 units; rows are at most 44 high, so a few columns do not make huge squares
    cell_w = max(14, min(160, 740 // max(1, len(pick_c))))
    cell_h = max(14, min(cell_w, 44))
    width = LABEL_W + cell_w * len(pick_c) + 20
    height = HEAD_H + cell_h * len(pick_r) + 40 + 28 * 5
    flat = [values[i][j] for i in pick_r for j in pick_c] or [0.0]
    bounds = classes(flat)

    def klass(value):
        return next((k for k, b in enumerate(bounds) if value <= b + 1e-12 * abs(b)), 4)

    body = []
    for n, j in enumerate(pick_c):  # column labels, turned to read upwards
        x = LABEL_W + n * cell_w + cell_w / 2 + FONT / 3
        label = fits(columns[j]["name"], HEAD_H - 8) or columns[j]["code"]
        body.append(f'<text x="{x:.1f}" y="{HEAD_H - 6}" font-size="{FONT}" fill="currentColor" '
                    f'transform="rotate(-90 {x:.1f} {HEAD_H - 6})">{escape(label)}</text>\n')
    write_values = cell_h >= FONT + 8
    for m, i in enumerate(pick_r):
        y = HEAD_H + m * cell_h
        body.append(text(LABEL_W - 8, y + cell_h / 2 + FONT / 3, fits(rows[i]["name"], LABEL_W - 10) or rows[i]["code"],
                         FONT, anchor="end"))
        for n, j in enumerate(pick_c):
            value = values[i][j]
            k = klass(value)
            words = (f"{rows[i]['name']} to {columns[j]['name']}: {format_value(value)} {unit} "
                     f"({share(value, total)})")
            x = LABEL_W + n * cell_w
            inner = ""
            if write_values and chip_box(x, y, [compact(value)])[2] <= cell_w - 4:
                inner = chip(x + 2, y + cell_h / 2 - FONT / 2 - 2, [compact(value)])
            body.append(f'<g><title>{escape(words)}</title><rect class="chart-q{k + 1}" x="{x}" y="{y}" '
                        f'width="{cell_w}" height="{cell_h}" fill="{palette.CLASSES_LIGHT[k]}" stroke="#fff" '
                        f'stroke-width="1"/>{inner}</g>\n')
    body.append(_legend(bounds, flat, unit, HEAD_H + cell_h * len(pick_r) + 24))
    shown = ""
    if len(pick_r) < len(rows) or len(pick_c) < len(columns):
        shown = (f" The {len(pick_r)} largest of {len(rows)} {row_noun} and the {len(pick_c)} largest of "
                 f"{len(columns)} {column_noun} are drawn; the table has every cell.")
    desc = (f"Heatmap of {len(rows)} {row_noun} by {len(columns)} {column_noun} in {unit}, five classes of "
            f"about equal counts.{shown}")
    return document(width, height, title, desc, body, ident, standalone=standalone)


def _legend(bounds, values, unit, y) -> str:
    """The five classes with their ranges, one per line below the grid."""
    out = ['<g class="legend">\n', text(LABEL_W - 8, y + 14, f"Classes, in {unit}:", FONT, anchor="end")]
    low = min(values)
    for k, bound in enumerate(bounds):
        start = low if k == 0 else bounds[k - 1]
        yy = y + k * 28
        out.append(f'<rect class="chart-q{k + 1}" x="{LABEL_W}" y="{yy}" width="30" height="20" '
                   f'fill="{palette.CLASSES_LIGHT[k]}"/>\n')
        out.append(text(LABEL_W + 40, yy + 15, f"{compact(start)} to {compact(bound)}", FONT))
    out.append("</g>\n")
    return "".join(out)
