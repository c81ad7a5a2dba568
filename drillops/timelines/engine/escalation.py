"""Firing escalation steps (dispatcher). A due step fires only if, in the same statement that
marks it, its inject was still not acknowledged (or not resolved, as `unless` says) at the
step's time; otherwise the same statement cancels it.

Where an escalation goes: a step names a department (by id) or a `role`. A role is matched
first against the department codes of the drill's organisation (e.g. "risk", "exec"), then
against membership roles: every department with staff of that role gets the escalation, and
a role held by no department's members (e.g. "coordinator") is told through notifications."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import connection

from drillops.departments.models import Department, Membership
from drillops.timelines.engine.delivery import deliver_ids
from drillops.timelines.engine.notify import publish_on_commit
from drillops.timelines.engine.outbox_rows import write_notices
from drillops.timelines.models import EntryKind, EscalationStep, Inject, InjectCause, Outbox, OutboxTopic, TimelineEntry

_STILL_UNANSWERED = """(i.status <> 'cancelled' AND CASE WHEN s.unless = 'resolved'
    THEN (i.resolved_at IS NULL OR i.resolved_at > s.fire_at)
    ELSE (i.acknowledged_at IS NULL OR i.acknowledged_at > s.fire_at) END)"""
_FIRE_DUE = """
WITH due AS (
    SELECT s.id FROM timelines_escalationstep s
    JOIN timelines_inject i ON i.id = s.inject_id JOIN timelines_drill d ON d.id = i.drill_id
    WHERE s.fired_at IS NULL AND s.cancelled_at IS NULL AND s.fire_at <= statement_timestamp()
      AND d.state = 'running'
    ORDER BY s.fire_at LIMIT %(limit)s
    FOR NO KEY UPDATE OF s, i SKIP LOCKED
)
UPDATE timelines_escalationstep s SET
    fired_at = CASE WHEN STILL_UNANSWERED THEN statement_timestamp() END,
    cancelled_at = CASE WHEN STILL_UNANSWERED THEN NULL ELSE statement_timestamp() END,
    updated_at = statement_timestamp()
FROM due, timelines_inject i
WHERE s.id = due.id AND i.id = s.inject_id
RETURNING s.id, s.fired_at
""".replace("STILL_UNANSWERED", _STILL_UNANSWERED)


def fire_due_steps(*, limit: int) -> tuple[int, int]:
    """Decide up to `limit` due steps; returns (decided, fired)."""
    with connection.cursor() as cursor:
        cursor.execute(_FIRE_DUE, {"limit": limit})
        decided = cursor.fetchall()
    fired = {step_id: fired_at for step_id, fired_at in decided if fired_at is not None}
    if fired:
        steps = list(EscalationStep.objects.filter(pk__in=fired).select_related("inject", "inject__drill"))
        _escalate(steps, fired)
    return len(decided), len(fired)


def _role_departments(organisation_id: int, role: str, cache: dict[tuple[int, str], list[int]]) -> list[int]:
    key = (organisation_id, role)
    if key not in cache:
        by_code = list(
            Department.objects.filter(organisation_id=organisation_id, code=role).values_list("pk", flat=True)
        )
        cache[key] = by_code or sorted(
            set(
                Membership.objects.filter(
                    organisation_id=organisation_id, role=role, department__isnull=False
                ).values_list("department_id", flat=True)
            )
        )
    return cache[key]


def _escalation_inject(step: EscalationStep, department_id: int, at: datetime) -> Inject:
    source = step.inject
    body = f"{step.message}\n\n---\n{source.body}" if step.message else source.body
    return Inject(
        drill_id=source.drill_id, event_id=source.event_id, department_id=department_id,
        cause=InjectCause.ESCALATION, source=source, title=source.title, body=body, channel=source.channel,
        sender=source.sender, expected_action=source.expected_action, is_decision=source.is_decision,
        escalation_level=source.escalation_level + 1, due_at=at,
    )  # fmt: skip


def _escalate(steps: list[EscalationStep], fired: dict[int, Any]) -> None:
    """Write the escalation injects (delivered now), the timeline and the notices, in bulk."""
    cache: dict[tuple[int, str], list[int]] = {}
    new: list[Inject] = []
    owner: dict[int, list[Inject]] = defaultdict(list)
    role_notices: list[Outbox] = []
    for step in steps:
        drill = step.inject.drill
        targets = (
            [step.target_department_id]
            if step.target_department_id
            else _role_departments(drill.organisation_id, step.target_role, cache)
        )
        for department_id in targets:
            row = _escalation_inject(step, department_id, fired[step.pk])
            new.append(row)
            owner[step.pk].append(row)
        if not targets:
            role_notices.append(_role_notice(step))
    Inject.objects.bulk_create(new, batch_size=1000)
    deliver_ids(ids=[row.pk for row in new])
    _record(steps, fired, owner)
    write_notices(role_notices)


def _role_notice(step: EscalationStep) -> Outbox:
    source = step.inject
    payload = {
        "drill": source.drill_id, "organisation": source.drill.organisation_id, "inject": source.pk,
        "role": step.target_role, "title": source.title, "message": step.message,
    }  # fmt: skip
    return Outbox(
        topic=OutboxTopic.ESCALATION_ROLE, drill_id=source.drill_id, payload=payload,
        idempotency_key=f"escalation:{step.pk}",
    )  # fmt: skip


def _record(steps: list[EscalationStep], fired: dict[int, Any], owner: dict[int, list[Inject]]) -> None:
    entries = []
    for step in steps:
        made = owner.get(step.pk, [])
        if made:
            step.result = made[0]
        entries.append(
            TimelineEntry(
                drill_id=step.inject.drill_id, at=fired[step.pk], kind=EntryKind.ESCALATION, inject=step.inject,
                department_id=step.target_department_id or (made[0].department_id if made else None),
                text=step.message,
                data={
                    "step": step.position, "level": step.inject.escalation_level + 1, "role": step.target_role,
                    "fire_at": step.fire_at.isoformat(), "injects": [row.pk for row in made],
                },
            )
        )  # fmt: skip
    for drill_id in {step.inject.drill_id for step in steps}:
        publish_on_commit(drill_id, "escalation")
    EscalationStep.objects.bulk_update([s for s in steps if s.result_id], ["result"], batch_size=1000)
    TimelineEntry.objects.bulk_create(entries, batch_size=1000)
