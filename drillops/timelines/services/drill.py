"""Drill control: create, start, pause, resume, finish, stop, ad-hoc injects, triggering an event.
Keyword-only, one transaction each, audited. Permission checks (who may call) are the caller's job."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drillops.core.errors import InvalidInput, TransitionNotAllowed
from drillops.departments.models import Department
from drillops.scenarios.models import Channel, ConditionKind, Scenario, ScenarioEvent, ScenarioVersion, VersionStatus
from drillops.scenarios.selectors import latest_approved_version
from drillops.timelines.engine.clock import db_now, lock_drill
from drillops.timelines.engine.delivery import deliver_ids
from drillops.timelines.engine.lifecycle import inject_from_event, write_start
from drillops.timelines.engine.notify import publish_on_commit, wake_dispatcher
from drillops.timelines.engine.trail import audit, state_changed
from drillops.timelines.models import SCENARIO_CAUSES, Drill, DrillState, Inject, InjectCause, InjectStatus
from drillops.timelines.services.common import clean_text, refuse
from drillops.timelines.services.state import drill_end

TIME_SCALE_MAX = 3600.0
TITLE_MAX = 200
UNCHANGED: Any = object()  # drill_update: a field not given is kept (None clears a scheduled start)


def _check_time_scale(time_scale: Any) -> float:
    try:
        value = float(time_scale)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(time_scale, bool) or not math.isfinite(value) or value <= 0 or value > TIME_SCALE_MAX:
        raise InvalidInput({"time_scale": [str(_("Must be more than 0 and at most 3600."))]})
    return value


def _pick_version(scenario: Scenario, version: ScenarioVersion | None) -> ScenarioVersion:
    if version is None:
        latest = latest_approved_version(scenario)
        if latest is None:
            raise InvalidInput({"scenario": [str(_("The scenario has no approved version."))]})
        return latest
    if not isinstance(version, ScenarioVersion) or version.scenario_id != scenario.pk:
        raise InvalidInput({"version": [str(_("The version is not one of this scenario's."))]})
    if version.status != VersionStatus.APPROVED:
        raise InvalidInput({"version": [str(_("Only an approved version can be drilled."))]})
    return version


def _check_start(scheduled_start: datetime | None) -> datetime | None:
    if scheduled_start is not None and (timezone.is_naive(scheduled_start) or scheduled_start < timezone.now()):
        raise InvalidInput({"scheduled_start": [str(_("Give a time in the future, with its time zone."))]})
    return scheduled_start


def drill_create(
    *,
    scenario: Scenario,
    name: str,
    by: Any,
    time_scale: float = 1.0,
    scheduled_start: datetime | None = None,
    version: ScenarioVersion | None = None,
) -> Drill:
    """A drill pins one approved version of the scenario (by default its latest): what runs is
    what was approved, and later versions do not change it."""
    version = _pick_version(scenario, version)
    clean_name = clean_text(name, "name", max_length=TITLE_MAX)
    scale = _check_time_scale(time_scale)
    _check_start(scheduled_start)
    with transaction.atomic():
        drill = Drill.objects.create(
            organisation_id=scenario.organisation_id,
            scenario_version=version,
            name=clean_name,
            time_scale=scale,
            scheduled_start=scheduled_start,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        audit("drill.create", drill, by, drill, {"version": version.pk, "time_scale": scale})
        if scheduled_start is not None:
            wake_dispatcher("scheduled")
    return drill


def drill_update(
    *,
    drill: Drill,
    by: Any,
    name: str | None = None,
    time_scale: float | None = None,
    scheduled_start: datetime | None = UNCHANGED,
) -> Drill:
    """Rename a drill until it ends; change its time scale or scheduled start only before it starts,
    since every due time and deadline of a started drill was computed from them."""
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = clean_text(name, "name", max_length=TITLE_MAX)
    if time_scale is not None:
        changes["time_scale"] = _check_time_scale(time_scale)
    if scheduled_start is not UNCHANGED:
        changes["scheduled_start"] = _check_start(scheduled_start)
    with transaction.atomic():
        drill = lock_drill(drill)
        changed = sorted(k for k, v in changes.items() if getattr(drill, k) != v)
        if drill.is_over and changed:
            raise refuse(drill, str(_("change")))
        if drill.state != DrillState.SCHEDULED and set(changed) - {"name"}:
            raise TransitionNotAllowed(
                str(_("The time scale and scheduled start are fixed once the drill has started."))
            )
        if not changed:
            return drill
        for key in changed:
            setattr(drill, key, changes[key])
        drill.save(update_fields=[*changed, "updated_at"])
        audit("drill.update", drill, by, drill, {"changed": changed})
        if "scheduled_start" in changed:
            wake_dispatcher("scheduled")  # it may be sleeping until the old start
        publish_on_commit(drill.pk, "drill", {"changed": changed})
    return drill


def drill_start(*, drill: Drill, by: Any, at: datetime | None = None) -> Drill:
    """scheduled -> running: every unconditional inject is written now with its absolute due time.
    `at` is t0 (benchmarks lay out starts ahead), else the database's now; a drill's own
    scheduled start is the dispatcher's (engine.lifecycle)."""
    with transaction.atomic():
        drill = lock_drill(drill)
        if drill.state != DrillState.SCHEDULED:
            raise refuse(drill, str(_("start")))
        write_start(drill, by=by, t0=at or db_now())
    return drill


def drill_pause(*, drill: Drill, by: Any) -> Drill:
    with transaction.atomic():
        drill = lock_drill(drill)
        if drill.state != DrillState.RUNNING:
            raise refuse(drill, str(_("pause")))
        drill.state, drill.paused_at = DrillState.PAUSED, db_now()
        drill.save(update_fields=["state", "paused_at", "updated_at"])
        state_changed(drill, by=by, at=drill.paused_at, previous=DrillState.RUNNING)
    return drill


# The scenario clock stood still from the pause, so each due time moves by the part of the pause
# after it was made: the whole pause for what existed before it, and from its making for a
# deadline or step born of a delivery while paused (ad hoc, forward, trigger) or a condition armed
# while paused. Its countdown starts at resume. GREATEST skips the NULL of rows with no such time.
_PENDING = f"(i.status = '{InjectStatus.PENDING.value}' AND i.delivered_at IS NULL)"
# When a pending row's due time was made: a conditional row is armed by its source, when the
# source was resolved ("after resolved") or delivered ("if not acknowledged": its source's
# deadline plus a delay). Other pending rows were written at start, before any pause.
_ARMED_AT = f"""CASE WHEN i.source_id IS NOT NULL THEN (
    SELECT CASE WHEN e.condition_kind = '{ConditionKind.AFTER_RESOLVED.value}'
                THEN c.resolved_at ELSE c.delivered_at END
    FROM timelines_inject c, scenarios_scenarioevent e WHERE c.id = i.source_id AND e.id = i.event_id) END"""  # noqa: S608 - enum values, no input
_SHIFT_INJECTS = f"""
UPDATE timelines_inject i SET
    due_at = CASE WHEN {_PENDING}
        THEN i.due_at + (%(now)s - GREATEST(%(paused_at)s, {_ARMED_AT})) ELSE i.due_at END,
    deadline_at = CASE WHEN i.deadline_at > %(paused_at)s
        THEN i.deadline_at + (%(now)s - GREATEST(%(paused_at)s, i.delivered_at)) ELSE i.deadline_at END
WHERE i.drill_id = %(drill)s AND ({_PENDING} OR i.deadline_at > %(paused_at)s)
"""  # noqa: S608 - enum values, no input
# A step is written when its inject is delivered.
_SHIFT_STEPS = """
UPDATE timelines_escalationstep s SET fire_at = s.fire_at + (%(now)s - GREATEST(%(paused_at)s, i.delivered_at))
FROM timelines_inject i
WHERE s.inject_id = i.id AND i.drill_id = %(drill)s AND s.fired_at IS NULL AND s.cancelled_at IS NULL
"""


def drill_resume(*, drill: Drill, by: Any) -> Drill:
    """paused -> running. Every pending due time, future deadline and pending escalation step
    moves by the paused length (or its part after the time was made), one UPDATE per table."""
    with transaction.atomic():
        drill = lock_drill(drill)
        if drill.state != DrillState.PAUSED or drill.paused_at is None:
            raise refuse(drill, str(_("resume")))
        now = db_now()
        params: dict[str, Any] = {"now": now, "paused_at": drill.paused_at, "drill": drill.pk}
        with connection.cursor() as cursor:
            cursor.execute(_SHIFT_INJECTS, params)
            shifted = cursor.rowcount
            cursor.execute(_SHIFT_STEPS, params)
        drill.paused_total += now - drill.paused_at
        drill.state, drill.paused_at = DrillState.RUNNING, None
        drill.save(update_fields=["state", "paused_at", "paused_total", "updated_at"])
        state_changed(drill, by=by, at=now, previous=DrillState.PAUSED)
        wake_dispatcher("resume")
    drill.shifted_count = shifted  # type: ignore[attr-defined]
    return drill


def drill_finish(*, drill: Drill, by: Any) -> Drill:
    """End normally: what is still pending or waiting is cancelled; the report opens."""
    return drill_end(drill=drill, by=by, state=DrillState.FINISHED)


def drill_stop(*, drill: Drill, by: Any, reason: str) -> Drill:
    """Abort, e.g. for a real-world emergency; the reason is shown to everyone."""
    return drill_end(drill=drill, by=by, state=DrillState.STOPPED, reason=clean_text(reason, "reason"))


def _require_active(drill: Drill, action: str) -> None:
    if not drill.is_active:
        raise refuse(drill, action)


def _check_departments(drill: Drill, departments: Any) -> list[Department]:
    if not isinstance(departments, list | tuple) or not departments:
        raise InvalidInput({"departments": [str(_("Choose at least one department."))]})
    if any(not isinstance(d, Department) or d.organisation_id != drill.organisation_id for d in departments):
        raise InvalidInput({"departments": [str(_("A department belongs to another organisation."))]})
    return list({d.pk: d for d in departments}.values())


def _check_deadline(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput({"response_deadline_seconds": [str(_("A whole number of seconds, 0 or more."))]})
    return value


def drill_send_adhoc(
    *,
    drill: Drill,
    by: Any,
    title: str,
    body: str,
    departments: list[Department],
    channel: str = "other",
    sender: str = "",
    response_deadline_seconds: int | None = None,
) -> list[Inject]:
    """The coordinator plays the outside world: a message to departments, delivered now."""
    clean_title = clean_text(title, "title", max_length=TITLE_MAX)
    clean_body = clean_text(body, "body", required=False)
    clean_sender = clean_text(sender, "sender", required=False, max_length=200)
    if channel not in Channel.values:
        raise InvalidInput({"channel": [str(_("Unknown channel."))]})
    deadline = _check_deadline(response_deadline_seconds)
    targets = _check_departments(drill, departments)
    with transaction.atomic():
        drill = lock_drill(drill)
        _require_active(drill, str(_("send an inject to")))
        now = db_now()
        rows = Inject.objects.bulk_create(
            Inject(
                drill=drill,
                department=d,
                cause=InjectCause.ADHOC,
                title=clean_title,
                body=clean_body,
                channel=channel,
                sender=clean_sender,
                response_deadline_seconds=deadline,
                due_at=now,
            )
            for d in targets
        )
        deliver_ids(ids=[r.pk for r in rows])
        audit("drill.adhoc", drill, by, drill, {"injects": [r.pk for r in rows], "title": clean_title})
        publish_on_commit(drill.pk, "adhoc", {"injects": [r.pk for r in rows]})
    return list(Inject.objects.filter(pk__in=[r.pk for r in rows]).order_by("id"))


def drill_trigger_event(*, drill: Drill, event: ScenarioEvent, by: Any) -> list[Inject]:
    """Fire a scenario event now. A row already written for it (pending or waiting) is the one
    delivered, so the event never reaches a department twice."""
    if not isinstance(event, ScenarioEvent) or event.version_id != drill.scenario_version_id:
        raise InvalidInput({"event": [str(_("The event is not part of this drill's scenario version."))]})
    with transaction.atomic():
        drill = lock_drill(drill)
        _require_active(drill, str(_("trigger an event in")))
        existing = Inject.objects.filter(drill=drill, event=event, cause__in=SCENARIO_CAUSES)
        have = set(existing.values_list("department_id", flat=True))
        now = db_now()
        Inject.objects.bulk_create(
            _triggered(drill, event, department, now)
            for department in event.departments.all()
            if department.pk not in have
        )
        ids = list(existing.filter(delivered_at__isnull=True).values_list("pk", flat=True))
        # The update waits for a dispatcher that holds the row, then skips it if it was delivered.
        Inject.objects.filter(pk__in=ids, delivered_at__isnull=True).update(cause=InjectCause.TRIGGERED)
        delivered = deliver_ids(ids=ids)
        audit("drill.trigger", drill, by, drill, {"event": event.pk, "injects": [d.id for d in delivered]})
        publish_on_commit(drill.pk, "trigger", {"event": event.pk})
    return list(existing.order_by("id"))


def _triggered(drill: Drill, event: ScenarioEvent, department: Department, now: datetime) -> Inject:
    return inject_from_event(drill, event, department, now, cause=InjectCause.TRIGGERED)
