"""The report's charts are SVG drawn on the server from the report's JSON: nothing to draw gives no
markup, every name is escaped, and each figure lands where it should."""

from __future__ import annotations

from drillops.reports.charts import Cell, Group, columns, grouped_bars, heat_map, stacked_bars
from drillops.reports.charts.heatmap import compact


def test_nothing_measured_draws_nothing() -> None:
    assert grouped_bars([Group("cs", (None, None))], series=["a", "b"], label="x", format_value=str) == ""
    assert stacked_bars([Group("task", (0, 0, 0, 0))], series=list("PSMU"), colours=["#000"] * 4, label="x") == ""
    assert columns([0, 0, 0], labels=["a", "b", "c"], label="x") == ""
    assert heat_map([(1, "cs")], [], label="x", format_value=str) == ""


def test_names_are_escaped_and_values_written() -> None:
    svg = grouped_bars([Group("<b>客服</b>", (120.0, None))], series=["Ack", "Resolve"], label="R&D",
                       format_value=lambda v: f"{v:.0f} s")  # fmt: skip
    assert "<b>" not in svg and "&lt;b&gt;客服&lt;/b&gt;" in svg and "R&amp;D" in svg
    assert "120 s" in svg and "—" in svg  # the missing figure says so rather than drawing nothing


def test_the_heat_map_shades_the_slowest_pair_darkest_and_fits_many_departments() -> None:
    cells = [Cell(1, 2, 30.0, 3), Cell(2, 3, 600.0, 1)]
    svg = heat_map([(1, "cs"), (2, "risk"), (3, "exec")], cells, label="Hand-offs", format_value=str)
    assert "#1f4e79" in svg and "30s" in svg and "10min" in svg and "n=3" in svg
    chain = [Cell(n, n + 1, 90.0, 2) for n in range(11)]
    many = heat_map([(n, f"d{n}") for n in range(12)], chain, label="x", format_value=str)
    assert 'viewBox="0 0 770 ' in many  # cells stay readable: the map grows instead of the cells shrinking
    assert compact(45) == "45s" and compact(90) == "1.5min" and compact(9000) == "2.5h"


def test_stacked_bars_number_each_rating() -> None:
    svg = stacked_bars([Group("Report to risk", (1, 0, 2, 1))], series=list("PSMU"), colours=["#111"] * 4,
                       label="P/S/M/U")  # fmt: skip
    assert svg.count("<rect") == 3 + 4  # three parts, four legend keys
    assert ">2</text>" in svg
