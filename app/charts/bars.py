"""Horizontal bars from a zero line, for regions without a map and for negative values."""

from __future__ import annotations

from . import palette
from .svg import FONT, document, escape, fits, format_value, share, text


def bars(rows: list[dict], unit: str, total: float, title: str, ident: str = "chart",
         standalone: bool = False, label_w: int = 260) -> str:
    """One bar per row, its name on the left and its value and share on the right."""
    bar_h, width = 26, 1000
    height = 16 + bar_h * len(rows)
    values = [r["value"] for r in rows] or [0.0]
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0
    plot_w = width - label_w - 230
    zero = label_w + plot_w * (-low / span)
    body = [f'<line x1="{zero:.1f}" y1="4" x2="{zero:.1f}" y2="{height - 4}" stroke="currentColor"/>\n']
    for k, row in enumerate(rows):
        y = 8 + k * bar_h
        x1 = label_w + plot_w * ((min(row["value"], 0) - low) / span)
        w = plot_w * abs(row["value"]) / span
        # a share only where the rows are parts of a total (a balance is not)
        of_total = f" ({share(row['value'], total)})" if total else ""
        words = f"{row['code']} {row['name']}: {format_value(row['value'])} {unit}{of_total}"
        body.append(f'<g><title>{escape(words)}</title>\n'
                    + text(label_w - 8, y + 18, (fits(row["name"], label_w - 10) or row["code"]) + ":", FONT,
                           anchor="end")
                    + f'<rect x="{x1:.1f}" y="{y + 4}" width="{max(w, 0.5):.1f}" height="{bar_h - 8}" '
                      f'fill="{palette.FLAT}"/>\n'
                    + text(label_w + plot_w + 8, y + 18,
                           f"{format_value(row['value'])} {unit}{of_total}", FONT)
                    + "</g>\n")
    return document(width, height, title, f"Bar chart of {len(rows)} rows in {unit}.", body, ident,
                    standalone=standalone)
