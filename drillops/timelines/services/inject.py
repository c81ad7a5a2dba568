"""Responding to injects (acknowledge, act, forward, resolve) and the drill's comms channel.

The time of a response is read from the database clock after the inject, its pending
escalation steps and its conditional dependents are locked. A dispatcher that fired a step or
delivered a dependent first holds those locks, so the response is then later than that firing,
and an escalation is never fired for an inject that was answered before the step was due."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from drillops.core.errors import DomainError, InvalidInput
from drillops.core.quoting import join_quoted
from drillops.departments.models import Department
from drillops.scenarios.models import ConditionKind
from drillops.timelines.engine.clock import db_now, lock_drill
from drillops.timelines.engine.delivery import deliver_ids
from drillops.timelines.engine.notify import publish_on_commit, wake_dispatcher
from drillops.timelines.engine.trail import audit, entry
from drillops.timelines.models import (
    SCENARIO_CAUSES,
    UNDELIVERED_STATUSES,
    DrillState,
    EntryKind,
    EscalationStep,
    EscalationUnless,
    Inject,
    InjectCause,
    InjectStatus,
    TimelineEntry,
    real_interval_sql,
    scenario_cause_sql,
    sql_list,
    sql_value,
)
from drillops.timelines.services.common import clean_text, lock_inject
from drillops.timelines.services.state import cancel_unreachable, finish_if_done

RESPONDED = (InjectStatus.DELIVERED, InjectStatus.ACKNOWLEDGED, InjectStatus.IN_PROGRESS, InjectStatus.RESOLVED)


def _require_delivered(inject: Inject) -> None:
    if inject.delivered_at is None or inject.status not in RESPONDED:
        raise DomainError(str(_("The inject has not been delivered.")))


def _lock_pending(inject: Inject) -> tuple[datetime, list[int]]:
    """Lock what a response may cancel, then read the clock: the response's time."""
    steps = EscalationStep.objects.select_for_update(no_key=True)
    list(steps.filter(inject=inject, fired_at__isnull=True, cancelled_at=None).values_list("pk", flat=True))
    dependents = list(
        Inject.objects.select_for_update(of=("self",), no_key=True)
        .filter(
            source=inject,
            cause__in=SCENARIO_CAUSES,
            status__in=UNDELIVERED_STATUSES,
        )
        .values_list("pk", flat=True)
    )
    return db_now(), dependents


def _on_scenario_clock(inject: Inject, at: datetime) -> datetime:
    """The instant an answer counts for, against deadlines and steps. A paused drill's scenario
    clock stands at the pause (resume moves those times on), so an answer given while paused
    counts as given at the pause; the answer's own time stays the real one."""
    drill = inject.drill
    if drill.state == DrillState.PAUSED and drill.paused_at is not None:
        return min(at, drill.paused_at)
    return at


def _cancel_steps(inject: Inject, at: datetime, unless: list[str]) -> None:
    """Steps not yet due are satisfied; a step already due stays for the dispatcher, which fires
    it because the answer came after its time."""
    EscalationStep.objects.filter(
        inject=inject, fired_at__isnull=True, cancelled_at=None, unless__in=unless,
        fire_at__gt=_on_scenario_clock(inject, at),
    ).update(cancelled_at=at, updated_at=at)  # fmt: skip


def _acknowledge(inject: Inject, by: Any) -> datetime:
    at, dependents = _lock_pending(inject)
    inject.acknowledged_at, inject.acknowledged_by = at, _user(by)
    if inject.status == InjectStatus.DELIVERED:
        inject.status = InjectStatus.ACKNOWLEDGED
    inject.save(update_fields=["acknowledged_at", "acknowledged_by", "status", "updated_at"])
    _cancel_steps(inject, at, [EscalationUnless.ACKNOWLEDGED])
    if dependents and inject.deadline_at is not None and _on_scenario_clock(inject, at) <= inject.deadline_at:
        # "Only if not acknowledged by its deadline": answered in time, so those never come.
        Inject.objects.filter(pk__in=dependents).update(status=InjectStatus.CANCELLED, cancelled_at=at, updated_at=at)
        cancel_unreachable(drill_id=inject.drill_id)
    entry(drill=inject.drill_id, kind=EntryKind.ACKNOWLEDGED, at=at, by=by, inject=inject)
    return at


def _user(by: Any) -> Any:
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def inject_acknowledge(*, inject: Inject, by: Any) -> Inject:
    """Acknowledging twice is a no-op."""
    with transaction.atomic():
        inject = lock_inject(inject)
        if inject.acknowledged_at is not None:
            return inject
        _require_delivered(inject)
        _acknowledge(inject, by)
        audit("inject.acknowledge", inject, by, inject.drill)
        publish_on_commit(inject.drill_id, "acknowledged", {"inject": inject.pk})
    return inject


def _act(inject: Inject, by: Any) -> datetime:
    """Any action implies the inject was received: acknowledge it first if nobody did."""
    at = _acknowledge(inject, by) if inject.acknowledged_at is None else db_now()
    if inject.first_action_at is None:
        inject.first_action_at = at
    if inject.status in (InjectStatus.DELIVERED, InjectStatus.ACKNOWLEDGED):
        inject.status = InjectStatus.IN_PROGRESS
    inject.save(update_fields=["first_action_at", "status", "updated_at"])
    return at


def inject_log_action(*, inject: Inject, by: Any, text: str, is_decision: bool = False) -> TimelineEntry:
    clean = clean_text(text, "text")
    if not isinstance(is_decision, bool):
        raise InvalidInput({"is_decision": [str(_("Must be true or false."))]})
    with transaction.atomic():
        inject = lock_inject(inject)
        _require_delivered(inject)
        at = _act(inject, by)
        kind = EntryKind.DECISION if is_decision else EntryKind.ACTION
        made = entry(drill=inject.drill_id, kind=kind, at=at, by=by, inject=inject, text=clean)
        audit("inject.action", inject, by, inject.drill, {"entry": made.pk, "is_decision": is_decision})
        publish_on_commit(inject.drill_id, kind, {"inject": inject.pk, "entry": made.pk})
    return made


def inject_forward(*, inject: Inject, by: Any, department: Department, text: str = "") -> Inject:
    """Report on to another department: a new inject (cause forward) delivered now."""
    clean = clean_text(text, "text", required=False)
    if not isinstance(department, Department):
        raise InvalidInput({"department": [str(_("Choose a department."))]})
    with transaction.atomic():
        inject = lock_inject(inject)
        _require_delivered(inject)
        if department.organisation_id != inject.drill.organisation_id:
            raise InvalidInput({"department": [str(_("The department belongs to another organisation."))]})
        if department.pk == inject.department_id:
            raise InvalidInput({"department": [str(_("The inject is already with this department."))]})
        at = _act(inject, by)
        body = join_quoted(clean, inject.body)
        forward = Inject.objects.create(
            drill_id=inject.drill_id, event_id=inject.event_id, department=department, cause=InjectCause.FORWARD,
            source=inject, title=inject.title, body=body, channel=inject.channel, sender=inject.sender,
            expected_action=inject.expected_action, is_decision=inject.is_decision,
            escalation_level=inject.escalation_level, due_at=at,
        )  # fmt: skip
        deliver_ids(ids=[forward.pk])
        entry(drill=inject.drill_id, kind=EntryKind.FORWARD, at=at, by=by, inject=inject, text=clean,
              data={"to_department": department.pk, "forward": forward.pk})  # fmt: skip
        audit("inject.forward", inject, by, inject.drill, {"forward": forward.pk, "to": department.pk})
        publish_on_commit(inject.drill_id, "forward", {"inject": inject.pk, "forward": forward.pk})
    forward.refresh_from_db()
    return forward


_ARM_AFTER_RESOLVED = f"""
UPDATE timelines_inject w SET
    status = {sql_value(InjectStatus.PENDING)}, source_id = %(source)s, updated_at = %(at)s,
    due_at = %(at)s + {real_interval_sql("e.condition_delay_seconds", "d.time_scale")}
FROM scenarios_scenarioevent e, timelines_drill d
WHERE w.drill_id = %(drill)s AND d.id = w.drill_id AND w.status = {sql_value(InjectStatus.WAITING)}
  AND w.event_id = e.id
  AND e.condition_kind = {sql_value(ConditionKind.AFTER_RESOLVED)} AND e.condition_event_id = %(event)s
  AND NOT EXISTS (
    SELECT 1 FROM timelines_inject c
    WHERE c.drill_id = %(drill)s AND c.event_id = %(event)s AND {scenario_cause_sql("c")}
      AND c.status NOT IN {sql_list([InjectStatus.RESOLVED, InjectStatus.CANCELLED])})
"""  # noqa: S608 - enum values, no input


def _arm_after_resolved(inject: Inject, at: datetime) -> None:
    """Armed "N s after event M is resolved": M is resolved when every department it went to resolved it."""
    if inject.event_id is None or inject.cause not in SCENARIO_CAUSES:
        return
    params: dict[str, Any] = {"source": inject.pk, "at": at, "drill": inject.drill_id, "event": inject.event_id}
    with connection.cursor() as cursor:
        cursor.execute(_ARM_AFTER_RESOLVED, params)
        if cursor.rowcount:
            wake_dispatcher("condition")


def inject_resolve(*, inject: Inject, by: Any, text: str = "") -> Inject:
    """Resolving implies acknowledging; resolving twice is a no-op."""
    clean = clean_text(text, "text", required=False)
    with transaction.atomic():
        inject = lock_inject(inject)
        if inject.status == InjectStatus.RESOLVED:
            return inject
        _require_delivered(inject)
        if inject.acknowledged_at is None:
            _acknowledge(inject, by)
        at = db_now()
        inject.status, inject.resolved_at, inject.resolved_by = InjectStatus.RESOLVED, at, _user(by)
        inject.save(update_fields=["status", "resolved_at", "resolved_by", "updated_at"])
        _cancel_steps(inject, at, list(EscalationUnless.values))
        entry(drill=inject.drill_id, kind=EntryKind.RESOLVED, at=at, by=by, inject=inject, text=clean)
        _arm_after_resolved(inject, at)
        audit("inject.resolve", inject, by, inject.drill, {"text": clean})
        publish_on_commit(inject.drill_id, "resolved", {"inject": inject.pk})
        finish_if_done(drill_id=inject.drill_id)
    return inject


def message_post(*, drill: Any, by: Any, text: str) -> TimelineEntry:
    """A message on the drill's temporary communication channel."""
    clean = clean_text(text, "text")
    with transaction.atomic():
        drill = lock_drill(drill)
        if drill.is_over:
            raise DomainError(str(_("The drill has ended; its channel is closed.")))
        made = entry(drill=drill, kind=EntryKind.MESSAGE, at=db_now(), by=by, text=clean)
        audit("drill.message", made, by, drill)
        publish_on_commit(drill.pk, "message", {"entry": made.pk})
    return made
