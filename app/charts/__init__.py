"""Server-rendered SVG charts: a treemap for products, a world choropleth for EXIOBASE regions, bars
otherwise. Text is at least 12 px on screen, in the ink colour (fill="currentColor"); static/charts.css
adapts fills to the dark theme and to forced colours."""

from .bars import bars
from .svg import escape, format_value
from .treemap import treemap
from .worldmap import world_map

__all__ = ["bars", "escape", "format_value", "treemap", "world_map"]
