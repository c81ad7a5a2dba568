"""Charts drawn on the server as SVG, the same on a page and in a PDF (see svg.py for the shared
pieces: the escaping builder, nice ticks, the palette)."""

from drillops.reports.charts.bars import Group, columns, grouped_bars, stacked_bars
from drillops.reports.charts.heatmap import Cell, heat_map
from drillops.reports.charts.line import Point, line_chart
from drillops.reports.charts.svg import PALETTE, Svg, nice_ticks

__all__ = [
    "PALETTE",
    "Cell",
    "Group",
    "Point",
    "Svg",
    "columns",
    "grouped_bars",
    "heat_map",
    "line_chart",
    "nice_ticks",
    "stacked_bars",
]
