"""Small pieces the timeline services share: locks, the database clock, the trail of what happened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.utils.translation import gettext_lazy as _

from drillops.core.audit import record
from drillops.core.errors import DomainError, InvalidInput
from drillops.timelines.models import Drill, DrillState, EntryKind, Inject, TimelineEntry
from drillops.timelines.notify import publish_on_commit

TEXT_MAX = 10_000
OPEN_OR_PENDING = ("waiting", "pending", "delivered", "acknowledged", "in_progress")


def db_now() -> datetime:
    """The database's clock at this instant (not the transaction's start, not this process's)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        value: datetime = cursor.fetchone()[0]
    return value


def lock_drill(drill: Drill | int) -> Drill:
    pk = drill if isinstance(drill, int) else drill.pk
    return Drill.objects.select_for_update(of=("self",), no_key=True).get(pk=pk)


def lock_inject(inject: Inject | int) -> Inject:
    pk = inject if isinstance(inject, int) else inject.pk
    locked = Inject.objects.select_for_update(of=("self",), no_key=True).select_related("drill").get(pk=pk)
    if locked.drill.is_over:
        raise DomainError(str(_("The drill has ended; its injects can no longer change.")))
    return locked


def clean_text(value: Any, field: str, *, required: bool = True, max_length: int = TEXT_MAX) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise InvalidInput({field: [str(_("Expected text."))]})
    if required and not text:
        raise InvalidInput({field: [str(_("This field may not be blank."))]})
    if len(text) > max_length:
        raise InvalidInput({field: [str(_("At most %(n)d characters.") % {"n": max_length})]})
    return text


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


def refuse(drill: Drill, action: str) -> DomainError:
    from drillops.core.errors import TransitionNotAllowed

    reasons: dict[str, Any] = {
        DrillState.SCHEDULED: _("The drill has not started yet."),
        DrillState.RUNNING: _("The drill is already running."),
        DrillState.PAUSED: _("The drill is paused; resume it first."),
        DrillState.FINISHED: _("The drill has finished."),
        DrillState.STOPPED: _("The drill was stopped."),
    }
    reason = reasons.get(drill.state, _("The drill is in an unknown state."))
    return TransitionNotAllowed(
        str(_("Cannot %(action)s the drill: %(reason)s") % {"action": action, "reason": reason})
    )
