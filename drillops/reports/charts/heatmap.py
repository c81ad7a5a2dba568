"""The hand-off matrix as a heat map: one row per sending department, one column per receiving one,
each cell shaded by its median latency (darker is slower) and holding the median and the count.
Departments are named by their code across the top (the table beside the chart names them in
full), so that the map fits a phone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString

from drillops.reports.charts.svg import GRID, INK, MUTED, Svg

WIDTH = 480
FONT_SIZE = 15
COLD, HOT = (232, 241, 250), (31, 78, 121)  # fastest .. slowest


@dataclass(frozen=True)
class Cell:
    source: int
    destination: int
    median: float | None
    count: int


def compact(seconds: float) -> str:
    """A duration short enough for a small cell: 45s, 11.2min, 2.5h (the tooltip and the table
    beside the map give it in words)."""
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.1f}".removesuffix(".0") + "min"
    return f"{seconds / 3600:.1f}".removesuffix(".0") + "h"


def _shade(share: float) -> str:
    r, g, b = (round(c + (h - c) * share) for c, h in zip(COLD, HOT, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heat_map(
    departments: Sequence[tuple[int, str]],
    cells: Sequence[Cell],
    *,
    label: str,
    format_value: Callable[[float], str],
) -> SafeString:
    """`departments`: (id, short name) in display order; only those in a cell are drawn."""
    used = {c.source for c in cells} | {c.destination for c in cells}
    shown = [(pk, name) for pk, name in departments if pk in used]
    if not shown:
        return SafeString("")
    by_pair = {(c.source, c.destination): c for c in cells}
    medians = [c.median for c in cells if c.median is not None]
    low, high = (min(medians), max(medians)) if medians else (0.0, 0.0)
    left, top = 92, 34
    size = max(56.0, min(96.0, (WIDTH - left - 6) / len(shown)))  # many departments: a wider map
    width = max(WIDTH, round(left + size * len(shown) + 6))
    height = round(top + size * len(shown) + 8, 1)
    font = min(FONT_SIZE, round(size * 0.26))
    svg = Svg(width, height, label, "chart heat-map")
    for index, (_pk, name) in enumerate(shown):
        svg.text(round(left + size * (index + 0.5), 1), top - 10, name, size=FONT_SIZE, anchor="middle", fill=MUTED)
        svg.text(left - 8, round(top + size * (index + 0.5) + 5, 1), name, size=FONT_SIZE, anchor="end", fill=MUTED)
    for row, (source, source_name) in enumerate(shown):
        for column, (destination, destination_name) in enumerate(shown):
            x, y = round(left + size * column, 1), round(top + size * row, 1)
            cell = by_pair.get((source, destination))
            if cell is None or cell.median is None:
                svg.add('<rect x="{}" y="{}" width="{}" height="{}" fill="#fff" stroke="{}"/>', x, y, size, size, GRID)
                continue
            share = (cell.median - low) / (high - low) if high > low else 1.0
            ink = "#fff" if share > 0.45 else INK
            tip = f"{source_name} → {destination_name}: {format_value(cell.median)} (n={cell.count})"
            svg.add('<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#fff"><title>{}</title></rect>',
                    x, y, size, size, _shade(share), tip)  # fmt: skip
            svg.text(round(x + size / 2, 1), round(y + size / 2, 1), compact(cell.median), size=font,
                     anchor="middle", fill=ink)  # fmt: skip
            svg.text(round(x + size / 2, 1), round(y + size / 2 + font + 3, 1), f"n={cell.count}", size=font - 2,
                     anchor="middle", fill=ink)  # fmt: skip
    return svg.done()
