"""The server-drawn line chart: values escaped, a missing value breaks the line, ticks that a
reader expects (whole minutes on a time axis), nothing drawn without a value."""

from __future__ import annotations

from drillops.reports.charts import Point, line_chart, nice_ticks
from drillops.reports.charts.svg import time_ticks


def test_a_missing_value_breaks_the_line_and_labels_are_escaped():
    svg = line_chart(
        [Point("<b>March</b>", 300.0), Point("April", None), Point("May", 120.0), Point("June", 60.0)],
        label="Hand-off <median>",
        format_value=lambda v: f"{v:g} s",
    )
    assert svg.startswith("<svg") and svg.count("<polyline") == 2  # [March] and [May, June]
    assert svg.count("<circle") == 3
    assert "<b>" not in svg and "&lt;b&gt;March&lt;/b&gt;" in svg and 'aria-label="Hand-off &lt;median&gt;"' in svg


def test_nothing_is_drawn_without_a_value():
    assert line_chart([Point("March", None)], label="x", format_value=str) == ""


def test_ticks_are_round_numbers_and_whole_minutes_on_a_time_axis():
    assert nice_ticks(0, 0.6667) == [0.0, 0.2, 0.4, 0.6, 0.8]
    assert time_ticks(1000) == [0.0, 300.0, 600.0, 900.0, 1200.0]
    assert time_ticks(0.784) == [0.0, 0.2, 0.4, 0.6, 0.8]
    drawn = line_chart([Point("a", 1000.0)], label="t", format_value=lambda v: f"{v:g}", time_axis=True)
    assert ">1200</text>" in drawn and ">250</text>" not in drawn
