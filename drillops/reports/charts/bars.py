"""Horizontal bars, one group per row with its label above it (so that long department names need
no column of their own on a phone): grouped bars of durations (response times per department),
stacked bars of counts (the P/S/M/U distribution), and columns of counts over time (escalations)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString

from drillops.reports.charts.svg import GRID, MUTED, PALETTE, Svg, nice_ticks, time_ticks

WIDTH = 480
LEFT, RIGHT = 8, 14
FONT_SIZE = 17
BAR, GAP, LABEL = 16, 4, 24  # a bar's height, the space between bars, a group label's line


@dataclass(frozen=True)
class Group:
    label: str
    values: tuple[float | None, ...]  # one per series; None: nothing measured


def _legend_places(names: Sequence[str], y: float) -> tuple[list[tuple[float, float]], float]:
    """Where each legend entry goes (wrapping to the next line when the row is full), and the y
    below the legend."""
    places, x = [], float(LEFT)
    for name in names:
        width = 26 + len(name) * (FONT_SIZE * 0.55 if name.isascii() else FONT_SIZE)
        if x + width > WIDTH - RIGHT and x > LEFT:
            x, y = float(LEFT), y + LABEL
        places.append((x, y))
        x += width + 12
    return places, y + LABEL


def _legend(svg: Svg, places: list[tuple[float, float]], names: Sequence[str], colours: Sequence[str]) -> None:
    for (x, y), name, colour in zip(places, names, colours, strict=False):
        svg.add('<rect x="{}" y="{}" width="14" height="14" fill="{}"/>', x, y - 12, colour)
        svg.text(x + 20, y, name, size=FONT_SIZE - 2, fill=MUTED)


def grouped_bars(
    groups: Sequence[Group],
    *,
    series: Sequence[str],
    label: str,
    format_value: Callable[[float], str],
    time_axis: bool = True,
) -> SafeString:
    """One bar per series in each group, scaled to the largest value; the value is written beside
    its bar ("—" for none). Empty markup when nothing has a value."""
    values = [v for g in groups for v in g.values if v is not None]
    if not values:
        return SafeString("")
    top = max(values)
    ticks = time_ticks(top) if time_axis else nice_ticks(0.0, top)
    span = (ticks[-1] or 1) * 1.25  # room for the value written after the longest bar
    plot = WIDTH - LEFT - RIGHT
    colours = PALETTE[: len(series)]
    places, y = _legend_places(series, 22)
    height = y + len(groups) * (12 + len(series) * (BAR + GAP) + LABEL - 4) + 8
    svg = Svg(WIDTH, height, label, "chart bar-chart")
    _legend(svg, places, series, colours)
    for group in groups:
        svg.text(LEFT, y + 4, group.label, size=FONT_SIZE)
        y += 12
        for value, colour in zip(group.values, colours, strict=False):
            width = 0 if value is None else max(2.0, round(plot * value / span, 1))
            svg.add('<rect x="{}" y="{}" width="{}" height="{}" fill="{}" rx="2"/>', LEFT, y, width, BAR, colour)
            shown = "—" if value is None else format_value(value)
            svg.text(LEFT + width + 6, y + BAR - 2, shown, size=FONT_SIZE - 3, fill=MUTED)
            y += BAR + GAP
        y += LABEL - 4
    return svg.done()


def stacked_bars(groups: Sequence[Group], *, series: Sequence[str], colours: Sequence[str], label: str) -> SafeString:
    """One bar per group, split into its series' counts (e.g. P, S, M, U), each part numbered."""
    if not any(v for g in groups for v in g.values):
        return SafeString("")
    plot = WIDTH - LEFT - RIGHT
    places, y = _legend_places(series, 22)
    height = y + len(groups) * (12 + BAR + 6 + LABEL) + 8
    svg = Svg(WIDTH, height, label, "chart stacked-chart")
    _legend(svg, places, series, colours)
    for group in groups:
        svg.text(LEFT, y + 4, group.label, size=FONT_SIZE)
        y += 12
        total = sum(v or 0 for v in group.values)
        x: float = LEFT
        for value, colour, name in zip(group.values, colours, series, strict=False):
            if not value or not total:
                continue
            width = round(plot * value / total, 1)
            svg.add('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
                    x, y, width, BAR + 6, colour, name, int(value))  # fmt: skip
            if width >= 22:
                svg.text(x + width / 2, y + BAR, f"{int(value)}", size=FONT_SIZE - 3, anchor="middle", fill="#fff")
            x += width
        if not total:
            svg.text(LEFT, y + BAR, "—", size=FONT_SIZE - 3, fill=MUTED)
        y += BAR + 6 + LABEL
    return svg.done()


def columns(counts: Sequence[int], *, labels: Sequence[str], label: str, colour: str = PALETTE[4]) -> SafeString:
    """Counts per interval as columns (e.g. escalations per tenth of the drill), the intervals named
    under the axis (at most six names, so they stay readable on a phone)."""
    if not any(counts):
        return SafeString("")
    left, top, bottom, height = 44, 16, 44, 240
    ticks = nice_ticks(0.0, float(max(counts)), 4)
    ticks = [t for t in ticks if float(t).is_integer()] or [0.0, 1.0]
    high = ticks[-1] or 1
    plot_w, plot_h = WIDTH - left - RIGHT, height - top - bottom
    svg = Svg(WIDTH, height, label, "chart column-chart")
    for tick in ticks:
        y = round(top + plot_h * (1 - tick / high), 1)
        svg.add('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>', left, WIDTH - RIGHT, y, y, GRID)
        svg.text(left - 6, y + 6, f"{int(tick)}", size=FONT_SIZE - 2, anchor="end", fill=MUTED)
    slot = plot_w / len(counts)
    step = max(1, -(-len(counts) // 6))
    for index, count in enumerate(counts):
        h = round(plot_h * count / high, 1)
        x = round(left + slot * index + slot * 0.15, 1)
        svg.add('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
                x, top + plot_h - h, round(slot * 0.7, 1), h, colour, labels[index], count)  # fmt: skip
        if index % step == 0:
            svg.text(round(left + slot * (index + 0.5), 1), height - bottom + 24, labels[index], size=FONT_SIZE - 3,
                     anchor="middle", fill=MUTED)  # fmt: skip
    return svg.done()
