"""Small display helpers shared by every page: scenario time, clock time, durations."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template

from drillops.core.glossary import duration_text

register = template.Library()

DEMO_START = datetime(2000, 1, 1, 9, 0, 0)


def _hms(total: int) -> str:
    hours, rest = divmod(int(total), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"


@register.filter
def tplus(seconds: int | float | None) -> str:
    """Scenario offset as T+hh:mm:ss."""
    if seconds is None or seconds == "":
        return ""
    return f"T+{_hms(int(seconds))}"


@register.filter
def clock_at_nine(seconds: int | float | None) -> str:
    """The wall-clock time of an offset when the drill starts at 09:00, as in the seed."""
    if seconds is None or seconds == "":
        return ""
    return (DEMO_START + timedelta(seconds=int(seconds))).strftime("%H:%M:%S")


@register.filter
def seconds_human(seconds: int | float | None) -> str:
    """A deadline or delay in the reader's units: 90 -> "1 min 30 s" / "1 分钟 30 秒"."""
    if seconds is None or seconds == "":
        return "—"
    return duration_text(int(seconds))


@register.filter
def epoch_ms(value: datetime | None) -> str:
    """An instant as whole milliseconds since the epoch (live pages sort pushed rows by it)."""
    if not isinstance(value, datetime):
        return ""
    return str(int(value.timestamp() * 1000))
