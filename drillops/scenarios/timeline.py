"""The timeline preview of a version, drawn on the server as SVG (the one rendering path: no chart
script). One lane per department (and one for the coordinator when a ladder escalates to that
role), scenario time across: each event is a dot where it arrives in each target lane, its
response deadline a bar after it, and each escalation step a diamond in the lane it escalates to,
joined to the deadline it follows. A conditional event is drawn hollow at the earliest moment its
condition can be met."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from drillops.departments.models import Department, Role
from drillops.scenarios.models import ScenarioEvent
from drillops.scenarios.validation import earliest_starts, row_of

WIDTH, LABEL, TOP, LANE, RIGHT = 1000, 175, 30, 34, 45
TICK_STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
PALETTE = ("#1f4e79", "#0b7285", "#5f3dc4", "#2b8a3e", "#a34a00", "#c2255c", "#495057")


@dataclass
class Lane:
    key: str
    label: str
    y: float


def _short(label: str, room: int = 24) -> str:
    return label if len(label) <= room else label[: room - 1] + "…"


def _clock(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours:02d}:{rest // 60:02d}" if rest % 60 == 0 else f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _step_lane(step: dict[str, Any]) -> str:
    return f"d:{step['department']}" if step.get("department") is not None else f"r:{step.get('role')}"


def _lanes(events: list[ScenarioEvent], departments: dict[int, Department]) -> dict[str, Lane]:
    keys: list[str] = []
    for event in events:
        keys += [f"d:{d.pk}" for d in event.departments.all()]
        for step in event.escalations or []:
            if isinstance(step, dict):
                keys.append(_step_lane(step))
    order = [f"d:{pk}" for pk in departments] + sorted({k for k in keys if k.startswith("r:")})
    lanes: dict[str, Lane] = {}
    for key in order:
        if key in keys:
            kind, _sep, value = key.partition(":")
            department = departments.get(int(value)) if kind == "d" and value.isdigit() else None
            label = (
                department.display_name if department else (_("Coordinator") if value == Role.COORDINATOR else value)
            )
            lanes[key] = Lane(key, label, TOP + len(lanes) * LANE + LANE / 2)
    return lanes


class Canvas:
    def __init__(self, end: int) -> None:
        self.end = max(end, 60)
        self.parts: list[str] = []

    def x(self, seconds: float) -> float:
        return round(LABEL + (WIDTH - LABEL - RIGHT) * min(seconds, self.end) / self.end, 1)

    def add(self, markup: str, *args: Any) -> None:
        self.parts.append(markup.format(*(escape(a) if isinstance(a, str) else a for a in args)))


def _end_of(events: list[ScenarioEvent], starts: dict[int, int]) -> int:
    end = 0
    for event in events:
        deadline_end = starts[event.pk] + (event.response_deadline_seconds or 0)
        end = max(end, deadline_end)
        for step in event.escalations or []:
            if isinstance(step, dict):
                end = max(
                    end, deadline_end + step.get("after_seconds", 0) + (step.get("response_deadline_seconds") or 0)
                )
    return end


def _ticks(canvas: Canvas, height: float) -> None:
    step = next((s for s in TICK_STEPS if canvas.end / s <= 10), TICK_STEPS[-1])
    for t in range(0, canvas.end + 1, step):
        x = canvas.x(t)
        canvas.add('<line x1="{}" y1="{}" x2="{}" y2="{}" class="tl-grid"/>', x, TOP - 6, x, height)
        canvas.add('<text x="{}" y="{}" class="tl-tick" text-anchor="middle">T+{}</text>', x, TOP - 10, _clock(t))


def _draw_event(canvas: Canvas, event: ScenarioEvent, start: int, lanes: dict[str, Lane], colour: str) -> None:
    hollow = event.is_conditional
    deadline = event.response_deadline_seconds
    tip = f"#{event.sequence} {event.title} · T+{_clock(start)}"
    if deadline is not None:
        tip += " · " + _("deadline %(time)s") % {"time": _clock(deadline)}
    for department in event.departments.all():
        lane = lanes[f"d:{department.pk}"]
        x = canvas.x(start)
        canvas.add('<g class="tl-event" data-sequence="{}"><title>{}</title>', event.sequence, tip)
        if deadline:
            canvas.add(
                '<rect x="{}" y="{}" width="{}" height="8" rx="3" fill="{}" class="tl-deadline"/>',
                x,
                lane.y - 4,
                max(canvas.x(start + deadline) - x, 1),
                colour,
            )
        fill = "#fff" if hollow else colour
        canvas.add('<circle cx="{}" cy="{}" r="7" fill="{}" stroke="{}" stroke-width="2"/>', x, lane.y, fill, colour)
        canvas.add(
            '<text x="{}" y="{}" class="tl-label" text-anchor="middle">{}</text>', x, lane.y - 11, event.sequence
        )
        canvas.parts.append("</g>")
    _draw_ladder(canvas, event, start, lanes, colour)


def _draw_ladder(canvas: Canvas, event: ScenarioEvent, start: int, lanes: dict[str, Lane], colour: str) -> None:
    due = start + (event.response_deadline_seconds or 0)
    sources = [lanes[f"d:{d.pk}"] for d in event.departments.all()]
    for number, step in enumerate(event.escalations or [], start=1):
        if not isinstance(step, dict):
            continue
        lane = lanes.get(_step_lane(step))
        if lane is None:
            continue
        at = due + step.get("after_seconds", 0)
        x, y = canvas.x(at), lane.y
        tip = _("#%(n)d escalation step %(step)d to %(lane)s at T+%(time)s") % {
            "n": event.sequence,
            "step": number,
            "lane": lane.label,
            "time": _clock(at),
        }
        canvas.add('<g class="tl-step"><title>{}</title>', tip)
        for source in sources:
            canvas.add(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" class="tl-link"/>',
                canvas.x(due),
                source.y,
                x,
                y,
                colour,
            )
        own = step.get("response_deadline_seconds")
        if own:
            canvas.add(
                '<rect x="{}" y="{}" width="{}" height="6" fill="{}" class="tl-deadline"/>',
                x,
                y - 3,
                max(canvas.x(at + own) - x, 1),
                colour,
            )
        canvas.add('<path d="M{} {} l7 7 l-7 7 l-7 -7 z" fill="#fff" stroke="{}" stroke-width="2"/>', x, y - 7, colour)
        canvas.add(
            '<text x="{}" y="{}" class="tl-label" text-anchor="middle">{}↑{}</text>', x, y + 19, event.sequence, number
        )
        canvas.parts.append("</g>")


def timeline_svg(events: list[ScenarioEvent], departments: dict[int, Department]) -> SafeString:
    """The SVG markup for `events` (with their departments prefetched) of one version."""
    if not events:
        return mark_safe("")
    starts = earliest_starts([row_of(e) for e in events])
    lanes = _lanes(events, departments)
    height = TOP + len(lanes) * LANE + 8
    canvas = Canvas(_end_of(events, starts))
    title = _("Timeline preview: events per department over scenario time")
    canvas.add(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" class="timeline-svg" role="img" aria-label="{}">',
        WIDTH,
        height,
        title,
    )
    for index, lane in enumerate(lanes.values()):
        canvas.add(
            '<rect x="0" y="{}" width="{}" height="{}" class="{}"/>',
            lane.y - LANE / 2,
            WIDTH,
            LANE,
            f"tl-lane tl-lane-{index % 2}",
        )
        canvas.add('<text x="8" y="{}" class="tl-lane-label">{}</text>', lane.y + 4, _short(lane.label))
    _ticks(canvas, height)
    for event in sorted(events, key=lambda e: e.sequence):
        _draw_event(canvas, event, starts[event.pk], lanes, PALETTE[event.sequence % len(PALETTE)])
    canvas.parts.append("</svg>")
    return mark_safe("".join(canvas.parts))  # noqa: S308 - every value above is escaped by Canvas.add
