"""Durations as the report counts them (DESIGN.md, "Metrics, precisely"): real time between two
instants of the timeline minus the paused intervals between them, in whole microseconds, shown
in real seconds and in scenario seconds (real x time scale) to the millisecond; percentiles by
nearest rank."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from drillops.timelines.models import scenario_seconds

Interval = tuple[datetime, datetime | None]  # a pause; None: still paused


def paused_intervals(states: Iterable[tuple[datetime, dict[str, Any]]]) -> list[Interval]:
    """The drill's pauses from its state entries ({"from", "to"}, in time order): a pause runs
    from the entry that goes to `paused` to the next that leaves it (resume, finish or stop)."""
    intervals: list[Interval] = []
    started: datetime | None = None
    for at, data in states:
        if data.get("to") == "paused" and started is None:
            started = at
        elif data.get("from") == "paused" and started is not None:
            intervals.append((started, at))
            started = None
    if started is not None:
        intervals.append((started, None))
    return intervals


@dataclass(frozen=True)
class Clock:
    """Counts active (unpaused) time between instants of one drill."""

    pauses: tuple[Interval, ...]
    time_scale: float

    def between(self, start: datetime, end: datetime) -> int:
        """Microseconds from start to end, less the paused time between them (negative if end < start)."""
        if end < start:
            return -self.between(end, start)
        total = _micros(end - start)
        for paused_from, paused_to in self.pauses:
            overlap_start = max(start, paused_from)
            overlap_end = end if paused_to is None else min(end, paused_to)
            if overlap_end > overlap_start:
                total -= _micros(overlap_end - overlap_start)
        return total

    def duration(self, micros: int | None) -> dict[str, float] | None:
        """{"real", "scenario"} seconds, to the millisecond; None for what never happened."""
        if micros is None:
            return None
        real = micros / 1e6
        return {"real": round(real, 3), "scenario": round(scenario_seconds(real, self.time_scale), 3)}

    def stats(self, values: list[int], missing: int = 0) -> dict[str, Any]:
        """count, missing (never reached: counted as such, never as a large number), p50, p90, max."""
        ordered = sorted(values)
        return {
            "count": len(ordered),
            "missing": missing,
            "p50": self.duration(nearest_rank(ordered, 50)),
            "p90": self.duration(nearest_rank(ordered, 90)),
            "max": self.duration(ordered[-1] if ordered else None),
        }

    def paused_total(self, until: datetime) -> int:
        return sum(_micros((end or until) - start) for start, end in self.pauses if (end or until) > start)


def nearest_rank(ordered: list[int], percent: int) -> int | None:
    """The nearest-rank percentile of sorted values: the value at rank ceil(p/100 x n), in integers
    (0.9 x 10 in floating point is not always 9)."""
    if not ordered:
        return None
    rank = max(1, (percent * len(ordered) + 99) // 100)
    return ordered[rank - 1]


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
