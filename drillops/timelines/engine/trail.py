"""The trail of what happened: timeline entries, audit records, the drill state change. Shared by
the engine (a scheduled start, a delivery) and the services (everything people do)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drillops.core.audit import record
from drillops.timelines.engine.notify import publish_on_commit, send_on_commit
from drillops.timelines.models import Drill, EntryKind, Inject, TimelineEntry
from drillops.timelines.signals import drill_state_changed


def entry(
    *,
    drill: Drill | int,
    kind: str,
    at: datetime,
    by: Any = None,
    inject: Inject | None = None,
    department_id: int | None = None,
    text: str = "",
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    drill_id = drill if isinstance(drill, int) else drill.pk
    actor = by if by is not None and getattr(by, "is_authenticated", False) else None
    return TimelineEntry.objects.create(
        drill_id=drill_id,
        kind=kind,
        at=at,
        actor=actor,
        inject=inject,
        department_id=department_id if department_id is not None else (inject.department_id if inject else None),
        text=text,
        data=data or {},
    )


def audit(action: str, obj: Any, by: Any, drill: Drill, data: dict[str, Any] | None = None) -> None:
    record(action=action, obj=obj, actor=by, organisation_id=drill.organisation_id, drill_id=drill.pk, data=data or {})


def state_changed(drill: Drill, *, by: Any, at: datetime, previous: str, text: str = "") -> None:
    """Timeline, audit and live fan-out for a drill state change."""
    entry(
        drill=drill,
        kind=EntryKind.STATE,
        at=at,
        by=by,
        text=text or drill.state,
        data={"from": previous, "to": drill.state},
    )
    audit(f"drill.{drill.state}", drill, by, drill, {"from": previous, "to": drill.state, "text": text})
    publish_on_commit(drill.pk, "state", {"state": drill.state})
    # Apps above the timeline (reports: questionnaires when a drill ends) react after the commit.
    send_on_commit(drill_state_changed, Drill, drill_id=drill.pk, state=drill.state, previous=previous)
