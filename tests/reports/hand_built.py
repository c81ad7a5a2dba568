"""A drill's timeline written row by row at exact instants, so that every metric has an answer
worked out by hand (see test_metrics.py). Times are seconds after T0."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from drillops.departments.models import Department
from drillops.scenarios.models import ScenarioEvent
from drillops.timelines.models import (
    Drill,
    EntryKind,
    EscalationStep,
    Inject,
    InjectSource,
    InjectStatus,
    TimelineEntry,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def maybe(seconds: float | None) -> datetime | None:
    return None if seconds is None else at(seconds)


@dataclass
class Timeline:
    drill: Drill
    injects: dict[str, Inject] = field(default_factory=dict)
    entries: dict[str, TimelineEntry] = field(default_factory=dict)  # entries a test points at

    def state(self, seconds: float, previous: str, now: str) -> TimelineEntry:
        return TimelineEntry.objects.create(
            drill=self.drill, at=at(seconds), kind=EntryKind.STATE, data={"from": previous, "to": now}
        )

    def inject(
        self,
        name: str,
        event: ScenarioEvent | None,
        department: Department,
        *,
        delivered: float,
        cause: str = "scheduled",
        source: str | None = None,
        level: int = 0,
        deadline: float | None = None,
        ack: float | None = None,
        action: float | None = None,
        resolved: float | None = None,
        channel: str = "call",
    ) -> Inject:
        status = InjectStatus.RESOLVED if resolved is not None else InjectStatus.DELIVERED
        made = Inject.objects.create(
            drill=self.drill, event=event, department=department, cause=cause, title=name, channel=channel,
            source=self.injects[source] if source else None, escalation_level=level, status=status,
            due_at=at(delivered), delivered_at=at(delivered), deadline_at=maybe(deadline),
            acknowledged_at=maybe(ack), first_action_at=maybe(action), resolved_at=maybe(resolved),
            is_decision=bool(event and event.is_decision),
        )  # fmt: skip
        self.injects[name] = made
        self.entry(name, EntryKind.DELIVERED, delivered)
        return made

    def entry(self, name: str, kind: str, seconds: float) -> TimelineEntry:
        inject = self.injects[name]
        return TimelineEntry.objects.create(
            drill=self.drill, at=at(seconds), kind=kind, inject=inject, department=inject.department
        )

    def step(self, name: str, unless: str, target: Department) -> EscalationStep:
        inject = self.injects[name]
        return EscalationStep.objects.create(
            inject=inject, position=1, after_seconds=0, target_department=target, unless=unless,
            fire_at=inject.deadline_at or T0,
        )  # fmt: skip

    def join(self, escalation: str, source: str, seconds: float) -> None:
        InjectSource.objects.create(inject=self.injects[escalation], source=self.injects[source], joined_at=at(seconds))
