"""Starting a drill: every unconditional inject is written at once with its absolute due time
(t0 + offset / time_scale); conditional ones wait. Used by the start service (a person, now) and
by the dispatcher (a scheduled start that has come)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from drillops.departments.models import Department
from drillops.scenarios.models import ScenarioEvent
from drillops.timelines.engine.clock import db_now
from drillops.timelines.engine.notify import wake_dispatcher
from drillops.timelines.engine.trail import state_changed
from drillops.timelines.models import Drill, DrillState, Inject, InjectCause, InjectStatus, real_delta


def inject_from_event(
    drill: Drill,
    event: ScenarioEvent,
    department: Department,
    due: datetime | None,
    *,
    conditional: bool = False,
    cause: str = InjectCause.SCHEDULED,
) -> Inject:
    """The row that stands for one scenario event in one department of this drill."""
    return Inject(
        drill=drill,
        event=event,
        department=department,
        cause=cause,
        title=event.title,
        body=event.body,
        channel=event.channel,
        sender=event.sender,
        expected_action=event.expected_action,
        is_decision=event.is_decision,
        response_deadline_seconds=event.response_deadline_seconds,
        status=InjectStatus.WAITING if conditional else InjectStatus.PENDING,
        due_at=due,
    )


def _scenario_injects(drill: Drill, t0: datetime) -> list[Inject]:
    events = drill.scenario_version.events.prefetch_related("departments").order_by("offset_seconds", "sequence")
    rows = []
    for event in events:
        conditional = event.is_conditional
        due = None if conditional else t0 + real_delta(event.offset_seconds, drill.time_scale)
        for department in event.departments.all():
            rows.append(inject_from_event(drill, event, department, due, conditional=conditional))
    return rows


def write_start(drill: Drill, *, by: Any, t0: datetime) -> Drill:
    """scheduled -> running at t0. The caller holds the drill's lock and checked its state."""
    Inject.objects.bulk_create(_scenario_injects(drill, t0), batch_size=2000)
    drill.state, drill.started_at = DrillState.RUNNING, t0
    drill.save(update_fields=["state", "started_at", "updated_at"])
    state_changed(drill, by=by, at=t0, previous=DrillState.SCHEDULED)
    wake_dispatcher("start")
    return drill


def start_scheduled_due(*, limit: int = 10) -> list[Drill]:
    """Start drills whose scheduled start has come, at that start. Replicas skip each other's drills."""
    started = []
    with transaction.atomic():
        due = list(
            Drill.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
            .select_related("scenario_version")
            .filter(state=DrillState.SCHEDULED, scheduled_start__isnull=False, scheduled_start__lte=db_now())
            .order_by("scheduled_start")[:limit]
        )
        for drill in due:
            assert drill.scheduled_start is not None  # filtered above
            started.append(write_start(drill, by=None, t0=drill.scheduled_start))
    return started
