"""Ending drills (by hand or by themselves), cancelling what can no longer happen, and the
scenario a drill leaves for the next one."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from drillops.core.errors import DomainError
from drillops.scenarios import services as scenario_services
from drillops.scenarios.models import TITLE_MAX_LENGTH, Scenario
from drillops.timelines.engine.clock import db_now, lock_drill
from drillops.timelines.engine.trail import audit, state_changed
from drillops.timelines.models import (
    LIVE_STATUSES,
    UNDELIVERED_STATUSES,
    Drill,
    DrillState,
    EscalationStep,
    Inject,
    InjectStatus,
    scenario_cause_sql,
    sql_value,
)
from drillops.timelines.services.common import clean_text, refuse

_CANCELLED = sql_value(InjectStatus.CANCELLED)
_CANCEL_UNREACHABLE = f"""
UPDATE timelines_inject w SET status = {_CANCELLED}, cancelled_at = %(at)s, updated_at = %(at)s
FROM scenarios_scenarioevent e
WHERE w.drill_id = %(drill)s AND w.status = {sql_value(InjectStatus.WAITING)} AND w.event_id = e.id
  AND e.condition_event_id IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM timelines_inject c
    WHERE c.drill_id = w.drill_id AND c.event_id = e.condition_event_id
      AND {scenario_cause_sql("c")} AND c.status <> {_CANCELLED})
"""  # noqa: S608 - enum values, no input


def cancel_unreachable(*, drill_id: int) -> int:
    """Waiting injects whose condition event was cancelled can never be met: cancel them, and
    then whatever waited on those, until nothing changes."""
    total = 0
    at = db_now()
    with connection.cursor() as cursor:
        while True:
            cursor.execute(_CANCEL_UNREACHABLE, {"drill": drill_id, "at": at})
            if cursor.rowcount == 0:
                return total
            total += cursor.rowcount


def drill_end(*, drill: Drill, by: Any, state: str, reason: str = "", automatic: bool = False) -> Drill:
    """finished or stopped, from any state that has not ended."""
    with transaction.atomic():
        drill = lock_drill(drill)
        if drill.is_over:
            action = _("finish") if state == DrillState.FINISHED else _("stop")
            raise refuse(drill, str(action))
        now = db_now()
        previous = drill.state
        cancelled = Inject.objects.filter(drill=drill, status__in=UNDELIVERED_STATUSES).update(
            status=InjectStatus.CANCELLED, cancelled_at=now, updated_at=now
        )
        EscalationStep.objects.filter(inject__drill=drill, fired_at__isnull=True, cancelled_at__isnull=True).update(
            cancelled_at=now, updated_at=now
        )
        if drill.paused_at is not None:
            drill.paused_total += now - drill.paused_at
        drill.state, drill.ended_at, drill.paused_at, drill.stop_reason = state, now, None, reason
        drill.save(update_fields=["state", "ended_at", "paused_at", "paused_total", "stop_reason", "updated_at"])
        text = reason or (str(_("Finished by itself: nothing left pending or open.")) if automatic else "")
        state_changed(drill, by=by, at=now, previous=previous, text=text)
    drill.cancelled_count = cancelled  # type: ignore[attr-defined]
    return drill


def finish_if_done(*, drill_id: int) -> bool:
    """A drill finishes by itself once nothing is pending, waiting or open."""
    drill = Drill.objects.filter(pk=drill_id).only("state").first()
    if drill is None or not drill.is_active:
        return False
    if Inject.objects.filter(drill_id=drill_id, status__in=LIVE_STATUSES).exists():
        return False
    if not Inject.objects.filter(drill_id=drill_id).exists():
        return False
    # Two last resolutions in parallel: the second waits here and then sees the first committed.
    drill = lock_drill(drill_id)
    if not drill.is_active or Inject.objects.filter(drill_id=drill_id, status__in=LIVE_STATUSES).exists():
        return False
    drill_end(drill=drill, by=None, state=DrillState.FINISHED, automatic=True)
    return True


def drill_to_scenario(*, drill: Drill, by: Any, title: str = "") -> Scenario:
    """After a drill: a new scenario whose draft version 1 copies the version this drill ran (its
    objectives, events, ladders and conditions), made by the scenario services' clone, to be
    changed for the next drill."""
    if not drill.is_over:
        raise DomainError(str(_("Start a scenario from a drill once it has ended.")))
    version = drill.scenario_version
    default = _("%(title)s (after %(drill)s)") % {"title": version.scenario.title, "drill": drill.name}
    name = clean_text(title, "title", required=False, max_length=TITLE_MAX_LENGTH) or str(default)
    with transaction.atomic():
        scenario = scenario_services.scenario_clone(
            scenario=version.scenario, version=version, by=by, title=name[:TITLE_MAX_LENGTH]
        )
        audit("drill.to_scenario", drill, by, drill, {"scenario": scenario.pk, "version": version.pk})
    return scenario
