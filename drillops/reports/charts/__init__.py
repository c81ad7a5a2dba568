"""Charts drawn on the server as SVG, the same on a page and in a PDF (see svg.py for the shared
pieces: the escaping builder, nice ticks, the palette)."""

from drillops.reports.charts.line import Point, line_chart
from drillops.reports.charts.svg import PALETTE, Svg, nice_ticks

__all__ = ["PALETTE", "Point", "Svg", "line_chart", "nice_ticks"]
