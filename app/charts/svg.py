"""What every chart shares: escaping for SVG, numbers in words, the outer <svg> and its text."""

from __future__ import annotations

import html
import math
import re

# XML 1.0 holds no C0 control character but tab, LF and CR, nor U+FFFE, U+FFFF or lone surrogates:
# one of them in a label would make the SVG download unreadable
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
FONT = 14  # chart text in user units; charts.css keeps a user unit at >= 0.86 px on screen: text >= 12 px
CHAR_WIDTH = 0.56  # of the font size: a system sans-serif's average glyph, for fitting labels


def escape(text) -> str:
    """Text for SVG (XML and HTML alike): markup escaped, characters XML cannot hold replaced by U+FFFD."""
    return NOT_XML.sub("\ufffd", html.escape(str(text)))


def format_value(value: float) -> str:
    if value != value or math.isinf(value):
        return str(value)
    if abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:.4g}"


SCALES = [(1e12, "trillion"), (1e9, "billion"), (1e6, "million")]


def compact(value: float) -> str:
    """A number short enough for a legend: 3.64 trillion, 512,300, 0.0123."""
    for size, word in SCALES:
        if abs(value) >= size:
            return f"{value / size:.3g} {word}"
    return format_value(value)


def share(value: float, total: float) -> str:
    return f"{100 * value / total:.1f} %" if total else "–"


def fits(text: str, width: float, size: float = FONT) -> str | None:
    """The text, shortened with an ellipsis to fit the width, or None when not even a word fits."""
    room = int(width / (size * CHAR_WIDTH))
    if len(text) <= room:
        return text
    if room < 6:
        return None
    return text[:room - 1].rstrip() + "…"


def text(x: float, y: float, content: str, size: int = FONT, cls: str = "", anchor: str = "") -> str:
    """One <text> in the ink colour; a line break after it so text browsers keep items apart."""
    extra = f' class="{cls}"' if cls else ""
    extra += f' text-anchor="{anchor}"' if anchor else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="currentColor"{extra}>'
            f'{escape(content)}</text>\n')


def chip(x: float, y: float, lines: list[str], size: int = FONT, bold: bool = False) -> str:
    """Text on a patch of the page's background, so it reads on any fill in either theme."""
    _, _, width, height = chip_box(x, y, lines, size, bold)
    weight = ' font-weight="600"' if bold else ""
    out = [f'<rect class="chip" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height}" fill="#fff" '
           f'fill-opacity="0.9"/>',
           f'<text x="{x + 3:.1f}" y="{y + size:.1f}" font-size="{size}" fill="currentColor"{weight}>']
    for k, line in enumerate(lines):
        dy = "" if k == 0 else f' x="{x + 3:.1f}" dy="{size + 3}"'
        # a space ends every line but the last: text browsers run the lines together otherwise
        gap = " " if k < len(lines) - 1 else ""
        out.append(f"<tspan{dy}>{escape(line)}{gap}</tspan>")
    out.append("</text>\n")
    return "".join(out)


def chip_box(x: float, y: float, lines: list[str], size: int = FONT, bold: bool = False) -> tuple:
    """(x, y, width, height) of a chip's patch; bold glyphs are a tenth wider."""
    width = max(len(line) for line in lines) * size * CHAR_WIDTH * (1.1 if bold else 1.0) + 6
    return (x, y, width, len(lines) * (size + 3) + 3)


def document(width: int, height: int, title: str, desc: str, body: list[str], ident: str,
             defs: str = "", standalone: bool = False) -> str:
    """The outer <svg>: named by its title and summary; tabbable, so a narrow screen can scroll it."""
    style = ""
    if standalone:  # a downloaded file has no page around it: ink and background of its own
        style = "<style>svg.chart{color:#1a1a1a;background:#fff}</style>\n"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{ident}-title {ident}-desc" class="chart" tabindex="0">\n'
            f'<title id="{ident}-title">{escape(title)}.</title>\n<desc id="{ident}-desc">{escape(desc)}</desc>\n'
            + style + defs + "".join(body) + "</svg>")
