"""Chart colours, each with >= 3:1 contrast against the page's background in the light and dark themes.

Fills are written as attributes (the light theme, and what a downloaded SVG shows) and as classes that
static/charts.css restyles for the dark theme and forced colours.
"""

from __future__ import annotations

LIGHT_BACKGROUND = "#ffffff"
DARK_BACKGROUND = "#1b1b1b"  # the lightest dark background the dark theme may use

# Sections of the product tree, by size: Okabe and Ito's colour-blind-safe set, darkened where it was too
# light to read against white; mid-tones, so they hold 3:1 on white and on the dark background alike.
SECTIONS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#A86B00", "#7B68C8"]
OTHER_SECTIONS = "#808080"
FLAT = "#0072B2"  # a flat product list: one colour, the area carries the value

# Five classes of the world map, low to high, along viridis (readable with the common colour-vision
# deficiencies); the light theme runs to dark, the dark theme (charts.css) to light.
CLASSES_LIGHT = ["#1f9e89", "#26828e", "#31688e", "#443983", "#440154"]
CLASSES_DARK = ["#26828e", "#1f9e89", "#35b779", "#90d743", "#fde725"]
LAND_LIGHT = "#e6e6e6"  # countries outside every selected region: grey, no class colour
LAND_DARK = "#2e2e2e"


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    channels = [int(colour.lstrip("#")[k:k + 2], 16) / 255 for k in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    low, high = sorted((luminance(a), luminance(b)))
    return (high + 0.05) / (low + 0.05)
