"""Cell syntax both ways: what export writes, import reads back to the same value."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from drillops.scenarios.msel import cells
from drillops.scenarios.msel.cells import StepCell


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(90, 90), ("90", 90), (90.0, 90), ("00:01:30", 90), ("1:30", 5400), ("100:00:00", 360_000),
     (time(0, 5), 300), (timedelta(minutes=2), 120)],
)  # fmt: skip
def test_durations_read_seconds_and_hh_mm_ss(value: object, seconds: int) -> None:
    assert cells.parse_duration(value, "x") == seconds


@pytest.mark.parametrize("value", ["soon", "-5", 1.5, "00:61:00", True])
def test_bad_durations_are_refused(value: object) -> None:
    with pytest.raises(cells.CellError):
        cells.parse_duration(value, "x")


def test_clock_times_count_from_the_start_and_wrap_past_midnight() -> None:
    start = time(9, 0)
    assert cells.parse_offset("09:00", start) == 0
    assert cells.parse_offset("09:02:30", start) == 150
    assert cells.parse_offset(time(10, 0), start) == 3600
    assert cells.parse_offset("08:59", start) == 24 * 3600 - 60
    assert cells.parse_offset(45, start) == 45  # numbers stay seconds
    with pytest.raises(cells.CellError):
        cells.parse_offset("25:00", start)


@pytest.mark.parametrize(
    "step",
    [
        StepCell(300, "risk", "acknowledged", "No answer"),
        StepCell(0, "coordinator", "resolved", ""),
        StepCell(60, "exec", "acknowledged", "Call them; now", 120),
        StepCell(5, "cs", "resolved", "Ends like a field;deadline=9"),
        StepCell(5, "cs", "resolved", "Ends like a field;deadline=9", 30),
        StepCell(5, "cs", "acknowledged", "a;b;c;deadline=x"),
    ],
)
def test_a_written_step_reads_back_the_same(step: StepCell) -> None:
    line = cells.format_step(step)
    assert cells.parse_ladder(line) == [step]
    assert cells.format_step(cells.parse_ladder(line)[0]) == line


def test_ladder_lines_accept_chinese_words_and_separators() -> None:
    [first, second] = cells.parse_ladder("300；risk；已确认；未确认\n600;exec;已解决;仍未解决;deadline=00:02:00")
    assert (first.after_seconds, first.target, first.unless, first.message) == (300, "risk", "acknowledged", "未确认")
    assert (second.unless, second.response_deadline_seconds) == ("resolved", 120)
    with pytest.raises(cells.CellError, match="Step 1"):
        cells.parse_ladder("soon;risk")


def test_conditions_and_lists() -> None:
    assert cells.parse_condition("after_resolved:3:60") == ("after_resolved", 3, 60)
    assert cells.parse_condition("if_not_acknowledged：2") == ("if_not_acknowledged", 2, 0)
    assert cells.format_condition("after_resolved", 3, 60) == "after_resolved:3:60"
    assert cells.parse_condition("") is None
    with pytest.raises(cells.CellError):
        cells.parse_condition("when_ready:3:0")
    assert cells.parse_list("cs\nrisk; legal；pr\n\n") == ["cs", "risk", "legal", "pr"]


def test_text_is_normalised_the_same_way_both_ways() -> None:
    assert cells.text("  a\r\nb\rc\x07 ") == "a\nb\nc"
    assert cells.text(3.0) == "3" and cells.text(None) == ""
    assert cells.parse_bool("是") and not cells.parse_bool("否") and cells.parse_bool(True)
    assert cells.format_duration(3725) == "01:02:05" and cells.format_duration(None) == ""
