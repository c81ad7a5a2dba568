"""Pieces every server-drawn chart shares (one rendering path for the page and the PDF, no chart
script): an SVG builder that escapes every value, "nice" axis ticks, and the palette. Styling is
in presentation attributes, so that a chart looks the same inside a page, alone, or in WeasyPrint;
class names are hooks only."""

from __future__ import annotations

import math
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#1f4e79", "#0b7285", "#5f3dc4", "#2b8a3e", "#a34a00", "#c2255c", "#495057")
INK, MUTED, GRID, BAD = "#1c2430", "#5b6676", "#dde2e8", "#c92a2a"
FONT = (
    'font-family="system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, PingFang SC, Microsoft YaHei, '
    'Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"'
)


class Svg:
    """An SVG document built from format strings whose arguments are escaped."""

    def __init__(self, width: float, height: float, label: str, css_class: str = "chart") -> None:
        self.parts: list[str] = []
        self.add(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" class="{}" role="img" aria-label="{}" '
            + FONT
            + ">",
            width,
            height,
            css_class,
            label,
        )
        self.add("<title>{}</title>", label)

    def add(self, markup: str, *args: Any) -> None:
        self.parts.append(markup.format(*(escape(a) if isinstance(a, str) else a for a in args)))

    def text(self, x: float, y: float, value: str, *, size: int = 13, anchor: str = "start", fill: str = INK) -> None:
        self.add(
            '<text x="{}" y="{}" font-size="{}" text-anchor="{}" fill="{}">{}</text>', x, y, size, anchor, fill, value
        )

    def done(self) -> SafeString:
        return mark_safe("".join([*self.parts, "</svg>"]))  # noqa: S308 - every value is escaped by add()


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering low..high (1, 2, 2.5 or 5 times a power of ten apart)."""
    if high <= low:
        high = low + (abs(low) or 1)
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    count_needed = math.ceil(round((high - start) / step, 9))  # the last tick at or above high
    return [round(start + n * step, 10) for n in range(count_needed + 1)]


# Steps a clock reader expects on a time axis: whole seconds, minutes and hours.
TIME_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


def time_ticks(high: float, count: int = 5) -> list[float]:
    """Ticks from 0 for durations in seconds: 0, 5 min, 10 min… rather than 0, 250 s, 500 s."""
    raw = high / max(count - 1, 1)
    if raw < 1:
        return nice_ticks(0.0, high, count)
    step = next((t for t in TIME_STEPS if t >= raw), TIME_STEPS[-1] * math.ceil(raw / TIME_STEPS[-1]))
    return [float(step * n) for n in range(math.ceil(high / step) + 1)] if high > 0 else [0.0, float(step)]
