"""Reads that help set up a drill: what a time scale does to a version's timing (when it ends,
what each deadline and escalation delay becomes in real time, which become too short to answer),
and whether every department the version targets has someone who will receive its injects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from drillops.core.glossary import duration_text
from drillops.departments.models import Department, Membership
from drillops.scenarios.models import ScenarioEvent, ScenarioVersion
from drillops.scenarios.selectors import events_of
from drillops.timelines.models import Drill, RosterEntry, SeatRole, real_delta, real_seconds

# A deadline shorter than this in real time leaves people no time to read, let alone answer.
SHORT_REAL_SECONDS = 30
RECEIVING_SEATS = (SeatRole.PLAYER, SeatRole.DEPUTY)


@dataclass(frozen=True)
class TimedItem:
    """One deadline or escalation delay of one event, in scenario and real time."""

    event: ScenarioEvent
    what: str
    scenario_seconds: int
    real_seconds: float

    @property
    def is_short(self) -> bool:
        return 0 < self.real_seconds < SHORT_REAL_SECONDS

    @property
    def scenario_text(self) -> str:
        return duration_text(self.scenario_seconds)

    @property
    def real_text(self) -> str:
        return duration_text(self.real_seconds)


@dataclass(frozen=True)
class TimingPreview:
    time_scale: float
    last_offset: int  # the last unconditional event: the scripted part of the drill ends there
    last_response: int  # the last deadline or escalation of those events
    conditional: int  # events that wait for a condition, so have no fixed time
    items: list[TimedItem] = field(default_factory=list)
    starts_at: datetime | None = None

    def real(self, scenario_seconds: float) -> float:
        return real_seconds(scenario_seconds, self.time_scale)

    @property
    def span_text(self) -> str:
        return duration_text(self.last_offset)

    @property
    def real_span_text(self) -> str:
        return duration_text(self.real(self.last_offset))

    @property
    def real_response_text(self) -> str:
        return duration_text(self.real(self.last_response))

    @property
    def ends_at(self) -> datetime | None:
        return self.starts_at + real_delta(self.last_offset, self.time_scale) if self.starts_at else None

    @property
    def responses_end_at(self) -> datetime | None:
        return self.starts_at + real_delta(self.last_response, self.time_scale) if self.starts_at else None

    @property
    def scenario_ends_at(self) -> datetime | None:
        """The scenario's own clock at its last event, when it starts at the drill's start."""
        return self.starts_at + real_delta(self.last_offset, 1) if self.starts_at else None

    @property
    def short(self) -> list[TimedItem]:
        return [item for item in self.items if item.is_short]


def _ladder(event: ScenarioEvent) -> list[dict[str, Any]]:
    return [step for step in event.escalations or [] if isinstance(step, dict)]


def _items(event: ScenarioEvent, scale: float) -> list[TimedItem]:
    def item(what: str, seconds: int) -> TimedItem:
        return TimedItem(event=event, what=what, scenario_seconds=seconds, real_seconds=real_seconds(seconds, scale))

    items = []
    if event.response_deadline_seconds is not None:
        items.append(item(_("response deadline"), event.response_deadline_seconds))
    for number, step in enumerate(_ladder(event), start=1):
        after = step.get("after_seconds")
        if isinstance(after, int):
            items.append(item(_("escalation %(n)d after the deadline") % {"n": number}, after))
        deadline = step.get("response_deadline_seconds")
        if isinstance(deadline, int):
            items.append(item(_("escalation %(n)d's own deadline") % {"n": number}, deadline))
    return items


def _response_end(event: ScenarioEvent) -> int:
    """Scenario seconds from the start to the event's last deadline or escalation step."""
    deadline = event.response_deadline_seconds
    if deadline is None:
        return event.offset_seconds
    steps = [
        int(step.get("after_seconds") or 0) + int(step.get("response_deadline_seconds") or 0) for step in _ladder(event)
    ]
    return event.offset_seconds + deadline + max(steps, default=0)


def timing_preview(version: ScenarioVersion, time_scale: float, starts_at: datetime | None = None) -> TimingPreview:
    events = list(events_of(version))
    timed = [e for e in events if not e.is_conditional]
    items = [item for event in events for item in _items(event, time_scale)]
    return TimingPreview(
        time_scale=time_scale,
        last_offset=max((e.offset_seconds for e in timed), default=0),
        last_response=max((_response_end(e) for e in timed), default=0),
        conditional=len(events) - len(timed),
        items=items,
        starts_at=starts_at,
    )


# --- the check before the start ----------------------------------------------------------------


@dataclass(frozen=True)
class Cover:
    """A department the version sends injects to, and who will receive them."""

    department: Department
    receivers: list[str]
    by_escalation_only: bool


@dataclass(frozen=True)
class Readiness:
    covers: list[Cover]

    @property
    def missing(self) -> list[Department]:
        return [cover.department for cover in self.covers if not cover.receivers]

    @property
    def missing_ids(self) -> str:
        return ",".join(str(d.pk) for d in self.missing)


def targeted_departments(version: ScenarioVersion | int) -> tuple[set[int], set[int]]:
    """(departments events are addressed to, departments only an escalation step reaches)."""
    direct: set[int] = set()
    laddered: set[int] = set()
    for event in events_of(version):
        direct |= {d.pk for d in event.departments.all()}
        laddered |= {s["department"] for s in _ladder(event) if isinstance(s.get("department"), int)}
    return direct, laddered - direct


def readiness(drill: Drill) -> Readiness:
    """Who receives each targeted department's injects: its active staff, and the active players
    and deputies seated for it in this drill (the same people the outbox notifies)."""
    direct, laddered = targeted_departments(drill.scenario_version_id)
    departments = Department.objects.filter(organisation_id=drill.organisation_id, pk__in=direct | laddered)
    staff = Membership.objects.filter(department__in=departments).values_list("department_id", "user_id")
    seats = RosterEntry.objects.filter(drill=drill, role__in=RECEIVING_SEATS, department__in=departments)
    pairs = set(staff) | set(seats.values_list("department_id", "user_id"))
    users = get_user_model().objects.filter(Q(pk__in={user for _d, user in pairs}), is_active=True)
    names = dict(users.values_list("pk", "username"))
    covers = [
        Cover(
            department=department,
            receivers=sorted(names[user] for dept, user in pairs if dept == department.pk and user in names),
            by_escalation_only=department.pk in laddered,
        )
        for department in sorted(departments, key=lambda d: d.code)
    ]
    return Readiness(covers=covers)
