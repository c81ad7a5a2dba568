"""A line chart of one figure over a sequence (e.g. drill over drill): points are numbered along
the x axis (the table beside the chart names them), a missing value breaks the line, and an
optional target is drawn as a dashed line. Sized for a phone: a narrow viewBox with large type."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString

from drillops.reports.charts.svg import BAD, GRID, MUTED, PALETTE, Svg, nice_ticks, time_ticks

WIDTH, HEIGHT = 480, 280
LEFT, RIGHT, TOP, BOTTOM = 104, 14, 16, 40
FONT_SIZE = 17  # about 13 px on a 390 px phone


@dataclass(frozen=True)
class Point:
    label: str  # shown on hover and read by screen readers
    value: float | None


def _segments(points: Sequence[Point]) -> list[list[tuple[int, float]]]:
    segments: list[list[tuple[int, float]]] = [[]]
    for index, point in enumerate(points):
        if point.value is None:
            if segments[-1]:
                segments.append([])
        else:
            segments[-1].append((index, point.value))
    return [s for s in segments if s]


@dataclass(frozen=True)
class _Plot:
    """Where a value and a point's position land inside the plot area."""

    count: int
    low: float
    high: float

    def x(self, index: int) -> float:
        return round(LEFT + ((WIDTH - LEFT - RIGHT) * (index + 0.5) / self.count), 1)

    def y(self, value: float) -> float:
        span = (self.high - self.low) or 1
        return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - self.low) / span), 1)


def _axes(svg: Svg, plot: _Plot, ticks: list[float], format_value: Callable[[float], str]) -> None:
    for tick in ticks:
        svg.add('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>', LEFT, WIDTH - RIGHT,
                plot.y(tick), plot.y(tick), GRID)  # fmt: skip
        svg.text(LEFT - 8, plot.y(tick) + 6, format_value(tick), size=FONT_SIZE, anchor="end", fill=MUTED)
    step = max(1, plot.count // 12)  # at most a dozen numbers under the axis
    for index in range(0, plot.count, step):
        svg.text(plot.x(index), HEIGHT - BOTTOM + 26, str(index + 1), size=FONT_SIZE, anchor="middle", fill=MUTED)


def line_chart(
    points: Sequence[Point],
    *,
    label: str,
    format_value: Callable[[float], str],
    target: float | None = None,
    colour: str = PALETTE[0],
    time_axis: bool = False,
) -> SafeString:
    """The SVG of one line; empty markup when no point has a value. `time_axis`: the values are
    seconds, ticked at whole minutes and hours."""
    values = [p.value for p in points if p.value is not None]
    if not values:
        return SafeString("")
    top = max([*values, target or 0])
    ticks = time_ticks(top) if time_axis and min(values) >= 0 else nice_ticks(min(0.0, *values), top)
    plot = _Plot(len(points), ticks[0], ticks[-1])
    svg = Svg(WIDTH, HEIGHT, label, "chart line-chart")
    _axes(svg, plot, ticks, format_value)
    if target is not None:
        svg.add('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2" stroke-dasharray="6 4" '
                'class="chart-target"/>', LEFT, WIDTH - RIGHT, plot.y(target), plot.y(target), BAD)  # fmt: skip
    for segment in _segments(points):
        path = " ".join(f"{plot.x(i)},{plot.y(v)}" for i, v in segment)
        svg.add('<polyline points="{}" fill="none" stroke="{}" stroke-width="3" stroke-linejoin="round"/>',
                path, colour)  # fmt: skip
    for index, point in enumerate(points):
        if point.value is not None:
            tip = f"{index + 1}. {point.label}: {format_value(point.value)}"
            svg.add('<circle cx="{}" cy="{}" r="5" fill="#fff" stroke="{}" stroke-width="3"><title>{}</title></circle>',
                    plot.x(index), plot.y(point.value), colour, tip)  # fmt: skip
    return svg.done()
