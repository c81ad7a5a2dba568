"""What the metrics are computed from, read in a handful of queries: the drill's delivered injects
with their clocks, escalation sources, first decisions, first-step conditions, pauses, departments,
critical tasks and the observations that point at timeline entries. Metrics see everything (they
are for the coordinator and the published report); who may read them is decided at the doors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Min

from drillops.departments.models import Department
from drillops.reports.metrics.clock import Clock, paused_intervals
from drillops.reports.models import Observation
from drillops.scenarios.models import CriticalTask
from drillops.timelines.models import (
    EntryKind,
    EscalationStep,
    EscalationUnless,
    Inject,
    InjectSource,
    TimelineEntry,
)

INJECT_FIELDS = (
    "id", "event_id", "department_id", "cause", "source_id", "channel", "title", "escalation_level", "delivered_at",
    "acknowledged_at", "first_action_at", "resolved_at", "deadline_at", "event__sequence", "event__title",
    "event__is_decision",
)  # fmt: skip


@dataclass
class Row:
    """One delivered inject and what happened to it."""

    id: int
    event_id: int | None
    department_id: int
    cause: str
    source_id: int | None
    channel: str
    title: str
    escalation_level: int
    delivered_at: datetime
    acknowledged_at: datetime | None
    first_action_at: datetime | None
    resolved_at: datetime | None
    deadline_at: datetime | None
    event_sequence: int | None
    event_title: str | None
    event_is_decision: bool | None
    decided_at: datetime | None = None  # the first action marked as a decision
    unless: str = EscalationUnless.ACKNOWLEDGED  # the first step's condition: what meets the deadline
    sources: list[tuple[int, datetime]] = field(default_factory=list)  # escalations: (copy, joined at)

    @property
    def answered_at(self) -> datetime | None:
        """Resolving implies the acknowledgement."""
        return self.acknowledged_at or self.resolved_at


@dataclass
class Facts:
    drill: Any
    clock: Clock
    rows: list[Row]
    departments: dict[int, Department]
    tasks: list[CriticalTask]
    observations: list[dict[str, Any]]

    def department(self, pk: int | None) -> dict[str, Any] | None:
        found = self.departments.get(pk) if pk is not None else None
        if found is None:
            return None
        return {"id": found.pk, "code": found.code, "name": found.name, "name_zh": found.name_zh}


def load(drill: Any) -> Facts:
    states = TimelineEntry.objects.filter(drill=drill, kind=EntryKind.STATE).order_by("at", "id")
    pauses = paused_intervals(states.values_list("at", "data"))
    rows = [
        Row(*values)
        for values in Inject.objects.filter(drill=drill, delivered_at__isnull=False)
        .order_by("delivered_at", "id")
        .values_list(*INJECT_FIELDS)
    ]
    _annotate(drill, {row.id: row for row in rows})
    return Facts(
        drill=drill,
        clock=Clock(pauses=tuple(pauses), time_scale=drill.time_scale),
        rows=rows,
        departments={d.pk: d for d in Department.objects.filter(organisation_id=drill.organisation_id)},
        tasks=list(
            CriticalTask.objects.filter(objective__version_id=drill.scenario_version_id)
            .select_related("objective")
            .order_by("objective__sequence", "objective_id", "sequence", "id")
        ),
        observations=_observations(drill),
    )  # fmt: skip


def _observations(drill: Any) -> list[dict[str, Any]]:
    """Observations that point at a timeline entry, with the entry."""
    rows = Observation.objects.filter(drill=drill, timeline_entry__isnull=False).order_by("created_at", "id")
    return [
        dict(row)
        for row in rows.values(
            "id", "flag", "rating", "note", "timeline_entry_id", "timeline_entry__at", "timeline_entry__kind",
            "timeline_entry__inject_id", "timeline_entry__department_id", "timeline_entry__text",
        )
    ]  # fmt: skip


def _annotate(drill: Any, by_id: dict[int, Row]) -> None:
    """First decisions, first-step conditions and escalation sources, onto the rows."""
    decisions = (
        TimelineEntry.objects.filter(drill=drill, kind=EntryKind.DECISION, inject__isnull=False)
        .values("inject_id")
        .annotate(first=Min("at"))
    )
    for decision in decisions:
        if decision["inject_id"] in by_id:
            by_id[decision["inject_id"]].decided_at = decision["first"]
    first_steps = EscalationStep.objects.filter(inject__drill=drill, position=1).values_list("inject_id", "unless")
    for inject_id, unless in first_steps:
        if inject_id in by_id:
            by_id[inject_id].unless = unless
    links = InjectSource.objects.filter(inject__drill=drill).order_by("joined_at", "id")
    for inject_id, source_id, joined_at in links.values_list("inject_id", "source_id", "joined_at"):
        if inject_id in by_id:
            by_id[inject_id].sources.append((source_id, joined_at))
