"""Server-rendered SVG charts: a treemap for products, a world choropleth for EXIOBASE regions, bars
otherwise; lines through the years and waterfalls of a change between two years. Text is at least 12 px
on screen, in the ink colour (fill="currentColor"); static/charts.css adapts fills to the dark theme and to
forced colours."""

from . import pathtree, tiers
from .bars import bars
from .lines import line_choice, lines
from .svg import escape, format_value
from .treemap import treemap
from .waterfall import waterfall
from .worldmap import world_map

__all__ = ["bars", "escape", "format_value", "line_choice", "lines", "pathtree", "tiers", "treemap", "waterfall",
           "world_map"]
