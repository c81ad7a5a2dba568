"""Firing escalation steps (dispatcher). A due step fires only if, in the same statement that
marks it, its inject was still not acknowledged (or not resolved, as `unless` says) at the
step's time; otherwise the same statement cancels it.

Where an escalation goes: a step names a department (by id) or a `role`. A role is matched
first against the department codes of the drill's organisation (e.g. "risk", "exec"), then
against membership roles: every department with staff of that role gets the escalation, and
a role held by no department's members (e.g. "coordinator") is told through notifications.

One escalation per event, step and target (DESIGN.md): when step k fires for several department
copies of one event, each target department gets one escalation inject of level k that lists the
copies it speaks for (InjectSource; `source` is the first); a copy that misses later, at the same
step, joins it. Each copy keeps its own steps, timed from its own deadline, so an acknowledgement
that commits before a step's statement keeps that department off the list."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import connection

from drillops.core.quoting import join_quoted
from drillops.departments.models import Department, Membership
from drillops.timelines.engine.delivery import deliver_ids
from drillops.timelines.engine.notify import publish_on_commit
from drillops.timelines.engine.outbox_rows import write_notices
from drillops.timelines.models import (
    DrillState,
    EntryKind,
    EscalationStep,
    EscalationUnless,
    Inject,
    InjectCause,
    InjectSource,
    InjectStatus,
    Outbox,
    OutboxTopic,
    TimelineEntry,
    sql_value,
)

_NAME_COPIES_MAX = 20  # a round this small also names the copies whose steps fired

_STILL_UNANSWERED = f"""(i.status <> {sql_value(InjectStatus.CANCELLED)}
    AND CASE WHEN s.unless = {sql_value(EscalationUnless.RESOLVED)}
    THEN (i.resolved_at IS NULL OR i.resolved_at > s.fire_at)
    ELSE (i.acknowledged_at IS NULL OR i.acknowledged_at > s.fire_at) END)"""
_FIRE_DUE = f"""
WITH due AS (
    SELECT s.id FROM timelines_escalationstep s
    JOIN timelines_inject i ON i.id = s.inject_id JOIN timelines_drill d ON d.id = i.drill_id
    WHERE s.fired_at IS NULL AND s.cancelled_at IS NULL AND s.fire_at <= statement_timestamp()
      AND d.state = {sql_value(DrillState.RUNNING)}
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
""".replace("STILL_UNANSWERED", _STILL_UNANSWERED)  # noqa: S608 - enum values, no input


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


# One escalation per event, step and target department.
Key = tuple[int, int, int, int]  # drill, event, step position (= escalation level), target department
# Serialises the writers of one event's escalations (two dispatchers firing step k for two copies
# at once), in id order so that replicas never deadlock. FOR NO KEY UPDATE does not block the
# FOR KEY SHARE that inserting injects of the event takes.
_LOCK_EVENTS = "SELECT id FROM scenarios_scenarioevent WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE"


def _escalation_inject(step: EscalationStep, department_id: int, at: datetime) -> Inject:
    """Level k for step k, whatever the source's level; a deadline only if the step gives one."""
    source = step.inject
    body = join_quoted(step.message, source.body)
    return Inject(
        drill_id=source.drill_id, event_id=source.event_id, department_id=department_id,
        cause=InjectCause.ESCALATION, source=source, title=source.title, body=body, channel=source.channel,
        sender=source.sender, expected_action=source.expected_action, is_decision=source.is_decision,
        escalation_level=step.position, response_deadline_seconds=step.response_deadline_seconds, due_at=at,
    )  # fmt: skip


def _escalate(steps: list[EscalationStep], fired: dict[int, Any]) -> None:
    """Write (or join) the escalation injects, delivered now, the timeline and the notices, in bulk."""
    cache: dict[tuple[int, str], list[int]] = {}
    groups: dict[Key, list[EscalationStep]] = defaultdict(list)
    role_notices: list[Outbox] = []
    for step in steps:
        drill = step.inject.drill
        targets = (
            [step.target_department_id]
            if step.target_department_id
            else _role_departments(drill.organisation_id, step.target_role, cache)
        )
        for department_id in targets:
            key = (step.inject.drill_id, step.inject.event_id or 0, step.position, department_id)
            groups[key].append(step)
        if not targets:
            role_notices.append(_role_notice(step))
    escalations = _find_or_create(groups, fired)
    _record(steps, fired, groups, escalations)
    write_notices(role_notices)


def _first(group: list[EscalationStep]) -> EscalationStep:
    """The copy an escalation names as its `source`: the one that missed first."""
    return min(group, key=lambda step: (step.fire_at, step.inject_id))


def _existing(keys: list[Key]) -> dict[Key, int]:
    """Escalations already made for these keys (the oldest, should history hold two)."""
    rows = Inject.objects.filter(
        cause=InjectCause.ESCALATION,
        drill_id__in={key[0] for key in keys},
        event_id__in={key[1] for key in keys},
        escalation_level__in={key[2] for key in keys},
        department_id__in={key[3] for key in keys},
    ).order_by("pk")
    found: dict[Key, int] = {}
    for drill_id, event_id, level, department_id, pk in rows.values_list(
        "drill_id", "event_id", "escalation_level", "department_id", "pk"
    ):
        found.setdefault((drill_id, event_id, level, department_id), pk)
    return found


def _find_or_create(groups: dict[Key, list[EscalationStep]], fired: dict[int, Any]) -> dict[Key, tuple[int, bool]]:
    """key -> (escalation inject, made now). Under the events' locks, a key that another
    transaction already escalated (committed before the lock was granted) is joined instead."""
    if not groups:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_EVENTS, [sorted({key[1] for key in groups})])
    found = _existing(list(groups))
    new = {}
    for key, group in groups.items():
        if key not in found:
            first = _first(group)
            new[key] = _escalation_inject(first, key[3], fired[first.pk])
    Inject.objects.bulk_create(new.values(), batch_size=1000)
    delivered = {row.id: row.delivered_at for row in deliver_ids(ids=[row.pk for row in new.values()])}
    made = {key: (new[key].pk, True) if key in new else (found[key], False) for key in groups}
    links = []
    for key, group in groups.items():
        inject_id, created = made[key]
        for step in group:
            # Copies that make the escalation arrive with its delivery; later ones when they join.
            joined = delivered.get(inject_id, fired[step.pk]) if created else fired[step.pk]
            links.append(InjectSource(inject_id=inject_id, source_id=step.inject_id, joined_at=joined))
    InjectSource.objects.bulk_create(links, batch_size=1000, ignore_conflicts=True)
    return made


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


def _missed(inject_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Every department copy each escalation speaks for: who missed, since when, when it joined."""
    links = InjectSource.objects.filter(inject_id__in=inject_ids).order_by("joined_at", "source_id")
    missed: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for inject_id, source_id, department_id, deadline_at, joined_at in links.values_list(
        "inject_id", "source_id", "source__department_id", "source__deadline_at", "joined_at"
    ):
        missed[inject_id].append(
            {
                "inject": source_id,
                "department": department_id,
                "since": deadline_at.isoformat() if deadline_at else None,
                "joined_at": joined_at.isoformat(),
            }
        )
    return missed


def _record(
    steps: list[EscalationStep],
    fired: dict[int, Any],
    groups: dict[Key, list[EscalationStep]],
    escalations: dict[Key, tuple[int, bool]],
) -> None:
    of_step: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    target_of: dict[int, int] = {}
    for key, group in groups.items():
        for step in group:
            of_step[step.pk].append(escalations[key])
            target_of.setdefault(step.pk, key[3])
    missed = _missed([inject_id for inject_id, _created in escalations.values()])
    entries = []
    for step in steps:
        made = of_step.get(step.pk, [])
        if made:
            step.result_id = made[0][0]
        entries.append(
            TimelineEntry(
                drill_id=step.inject.drill_id, at=fired[step.pk], kind=EntryKind.ESCALATION, inject=step.inject,
                department_id=step.target_department_id or target_of.get(step.pk),
                text=step.message,
                data={
                    "step": step.position, "level": step.position, "role": step.target_role,
                    "fire_at": step.fire_at.isoformat(), "injects": [pk for pk, _created in made],
                    "joined": [pk for pk, created in made if not created],
                    "missed": {str(pk): missed.get(pk, []) for pk, _created in made},
                },
            )
        )  # fmt: skip
    # Name the escalations (made or joined: a join changes who is listed) and, in a small round,
    # the copies whose ladders moved, so that their cards and pages are drawn again.
    named: dict[int, set[int]] = defaultdict(set)
    for step in steps:
        named[step.inject.drill_id].update(pk for pk, _created in of_step.get(step.pk, []))
        if len(steps) <= _NAME_COPIES_MAX:
            named[step.inject.drill_id].add(step.inject_id)
    for drill_id, ids in named.items():
        publish_on_commit(drill_id, "escalation", {"injects": sorted(ids)})
    EscalationStep.objects.bulk_update([s for s in steps if s.result_id], ["result"], batch_size=1000)
    TimelineEntry.objects.bulk_create(entries, batch_size=1000)
