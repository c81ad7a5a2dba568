"""Delivering injects: the one code path used by the dispatcher (due rows) and by the services
(ad-hoc, forward, trigger, escalation: delivered now).

Delivery is a single UPDATE that only takes rows whose delivered_at is still NULL, so no cause
can deliver a row twice. The same statement writes the timeline entries; the rest (escalation
steps, conditional events, outbox rows: one per inject and channel) follows in the same
transaction. Times come from the database clock (statement_timestamp())."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from drillops.scenarios.models import ConditionKind, ScenarioEvent
from drillops.timelines.engine.notify import publish_on_commit
from drillops.timelines.engine.outbox_rows import write_delivery_rows
from drillops.timelines.models import (
    SCENARIO_CAUSES,
    UNDELIVERED_STATUSES,
    DrillState,
    EntryKind,
    EscalationStep,
    EscalationUnless,
    InjectStatus,
    awaiting_delivery_sql,
    real_delta,
    real_interval_sql,
    scenario_cause_sql,
    sql_list,
    sql_value,
)

log = logging.getLogger(__name__)

_DUE_CLAIM = f"""
    SELECT i.id FROM timelines_inject i JOIN timelines_drill d ON d.id = i.drill_id
    WHERE {awaiting_delivery_sql("i")} AND i.due_at <= statement_timestamp()
      AND d.state = {sql_value(DrillState.RUNNING)}
    ORDER BY i.due_at LIMIT %(limit)s
    FOR NO KEY UPDATE OF i SKIP LOCKED
"""  # noqa: S608 - enum values, no input
# Services deliver named rows now; they wait for a dispatcher holding the row, then see it delivered.
_IDS_CLAIM = f"""
    SELECT i.id FROM timelines_inject i
    WHERE i.id = ANY(%(ids)s) AND i.delivered_at IS NULL
      AND i.status IN {sql_list([*UNDELIVERED_STATUSES, InjectStatus.CANCELLED])}
    FOR NO KEY UPDATE OF i
"""  # noqa: S608 - enum values, no input
_DELIVER = f"""
WITH due AS ({{claim}}),
claimed AS (
    UPDATE timelines_inject i SET
        status = {sql_value(InjectStatus.DELIVERED)}, delivered_at = statement_timestamp(),
        updated_at = statement_timestamp(), cancelled_at = NULL, due_at = COALESCE(i.due_at, statement_timestamp()),
        deadline_at = statement_timestamp() + {real_interval_sql("i.response_deadline_seconds", "d.time_scale")}
    FROM due, timelines_drill d
    WHERE i.id = due.id AND d.id = i.drill_id
    RETURNING i.id, i.drill_id, i.department_id, i.event_id, i.cause, i.title, i.due_at, i.delivered_at,
              i.deadline_at, i.escalation_level, d.time_scale
),
entries AS (
    INSERT INTO timelines_timelineentry (drill_id, at, kind, inject_id, department_id, text, data)
    SELECT drill_id, delivered_at, {sql_value(EntryKind.DELIVERED)}, id, department_id, title,
           jsonb_build_object('cause', cause, 'due_at', due_at, 'escalation_level', escalation_level)
    FROM claimed
)
SELECT id, drill_id, department_id, event_id, cause, due_at, delivered_at, deadline_at, time_scale FROM claimed
"""  # noqa: S608 - enum values, no input
# A conditional "if not acknowledged" event gets its due time once its source's deadline is known.
_ARM_IF_NOT_ACKNOWLEDGED = f"""
UPDATE timelines_inject w SET
    status = {sql_value(InjectStatus.PENDING)}, source_id = c.id, updated_at = statement_timestamp(),
    due_at = COALESCE(c.deadline_at, c.delivered_at) + {real_interval_sql("e.condition_delay_seconds", "d.time_scale")}
FROM timelines_inject c, scenarios_scenarioevent e, timelines_drill d
WHERE c.id = ANY(%(ids)s) AND {scenario_cause_sql("c")} AND d.id = c.drill_id
  AND w.drill_id = c.drill_id AND w.status = {sql_value(InjectStatus.WAITING)} AND w.event_id = e.id
  AND e.condition_kind = {sql_value(ConditionKind.IF_NOT_ACKNOWLEDGED)} AND e.condition_event_id = c.event_id
"""  # noqa: S608 - enum values, no input


@dataclass(frozen=True)
class Delivered:
    id: int
    drill_id: int
    department_id: int
    event_id: int | None
    cause: str
    due_at: datetime
    delivered_at: datetime
    deadline_at: datetime | None
    time_scale: float


def deliver_due(*, limit: int) -> list[Delivered]:
    """Claim and deliver up to `limit` due injects of running drills (dispatcher)."""
    return _deliver(_DUE_CLAIM, {"limit": limit})


def deliver_ids(*, ids: list[int]) -> list[Delivered]:
    """Deliver these rows now unless something already delivered them (services)."""
    if not ids:
        return []
    return _deliver(_IDS_CLAIM, {"ids": list(ids)})


def _deliver(claim: str, params: dict[str, Any]) -> list[Delivered]:
    with connection.cursor() as cursor:
        cursor.execute(_DELIVER.format(claim=claim), params)
        rows = [Delivered(*row) for row in cursor.fetchall()]
    if rows:
        _write_ladders(rows)
        with connection.cursor() as cursor:
            cursor.execute(_ARM_IF_NOT_ACKNOWLEDGED, {"ids": [r.id for r in rows]})
        _write_delivery_outbox(rows)
    return rows


_ladder_cache: dict[int, list[dict[str, Any]]] = {}


def _ladders(event_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
    """Ladders of pinned (approved, immutable) versions, so a process may keep them."""
    missing = event_ids - _ladder_cache.keys()
    if missing:
        for event_id, steps in ScenarioEvent.objects.filter(id__in=missing).values_list("id", "escalations"):
            _ladder_cache[event_id] = steps if isinstance(steps, list) else []
        if len(_ladder_cache) > 50_000:
            _ladder_cache.clear()
    return {event_id: _ladder_cache.get(event_id, []) for event_id in event_ids}


def _step_row(row: Delivered, position: int, step: dict[str, Any]) -> EscalationStep | None:
    """A malformed step is skipped and logged: one bad scenario row must never stop the clock."""
    try:
        after = int(step.get("after_seconds", 0))
        department = step.get("department")
        role = str(step.get("role") or "")
        if after < 0 or (department is None and not role) or row.deadline_at is None:
            raise ValueError("step needs after_seconds >= 0 and a department or role")
        unless = step.get("unless") or EscalationUnless.ACKNOWLEDGED
        if unless not in EscalationUnless.values:
            raise ValueError(f"unknown unless {unless!r}")
        deadline = step.get("response_deadline_seconds")
        if deadline is not None and (isinstance(deadline, bool) or int(deadline) < 0):
            raise ValueError("response_deadline_seconds must be whole seconds >= 0")
    except (TypeError, ValueError) as exc:
        log.warning("skipping escalation step %s of inject %s: %s", position, row.id, exc)
        return None
    return EscalationStep(
        inject_id=row.id,
        position=position,
        after_seconds=after,
        target_department_id=int(department) if department is not None else None,
        target_role="" if department is not None else role,
        message=str(step.get("message") or ""),
        unless=unless,
        response_deadline_seconds=int(deadline) if deadline is not None else None,
        fire_at=row.deadline_at + real_delta(after, row.time_scale),
    )


def _write_ladders(rows: list[Delivered]) -> None:
    laddered = [r for r in rows if r.event_id and r.deadline_at and r.cause in SCENARIO_CAUSES]
    if not laddered:
        return
    ladders = _ladders({r.event_id for r in laddered if r.event_id})
    steps = []
    for row in laddered:
        # Positions count from 1: step k makes escalations of level k.
        for position, step in enumerate(ladders.get(row.event_id or 0, []), start=1):
            made = _step_row(row, position, step) if isinstance(step, dict) else None
            if made is not None:
                steps.append(made)
    EscalationStep.objects.bulk_create(steps, batch_size=1000)


def _write_delivery_outbox(rows: list[Delivered]) -> None:
    write_delivery_rows(rows)
    # Browsers hear of it at once: the live fan-out is a publish after commit, not an outbox channel.
    by_drill: dict[int, list[int]] = {}
    for row in rows:
        by_drill.setdefault(row.drill_id, []).append(row.id)
    for drill_id, ids in by_drill.items():
        publish_on_commit(drill_id, "delivered", {"injects": ids[:100]})
