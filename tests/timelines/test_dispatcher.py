"""The dispatcher's one-shot pass: deliveries, deadlines, escalation ladders, conditions, scheduled starts."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from drillops.departments.models import Role
from drillops.timelines import services
from drillops.timelines.engine import dispatcher
from drillops.timelines.models import (
    Drill,
    DrillState,
    EntryKind,
    EscalationStep,
    Inject,
    InjectCause,
    InjectStatus,
    Outbox,
    OutboxChannel,
    OutboxTopic,
    TimelineEntry,
)

from ..factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def ladder(*steps):
    return [{"after_seconds": after, **target, "message": f"step {n}"} for n, (after, target) in enumerate(steps)]


def test_due_inject_is_delivered_once_with_deadline_ladder_timeline_and_outbox(
    build_scenario, cs, cs_staff, risk, start_drill
):
    scenario = build_scenario(
        [{"offset": 0, "departments": [cs], "deadline": 600, "escalations": ladder((60, {"department": risk.pk}))}]
    )
    drill = start_drill(scenario, time_scale=2)
    tick = dispatcher.run_once()
    assert tick.delivered == 1
    inject = Inject.objects.get(drill=drill)
    assert inject.status == InjectStatus.DELIVERED and inject.delivered_at >= inject.due_at
    assert inject.deadline_at - inject.delivered_at == timedelta(seconds=300)
    step = EscalationStep.objects.get(inject=inject)
    assert step.fire_at - inject.deadline_at == timedelta(seconds=30) and step.target_department == risk
    assert TimelineEntry.objects.filter(inject=inject, kind=EntryKind.DELIVERED).count() == 1
    keys = set(Outbox.objects.filter(payload__inject=inject.pk).values_list("idempotency_key", flat=True))
    assert keys == {f"inject:{inject.pk}:inapp", f"inject:{inject.pk}:email"}
    assert dispatcher.run_once().delivered == 0


def test_injects_of_a_paused_drill_wait_for_resume(build_scenario, cs, coordinator, start_drill):
    drill = start_drill(build_scenario([{"offset": 0, "departments": [cs]}]))
    services.drill_pause(drill=drill, by=coordinator)
    assert dispatcher.run_once().delivered == 0
    services.drill_resume(drill=drill, by=coordinator)
    assert dispatcher.run_once().delivered == 1


def test_unacknowledged_inject_escalates_to_the_target_department(build_scenario, cs, risk, start_drill):
    scenario = build_scenario(
        [{"offset": 0, "departments": [cs], "deadline": 50, "escalations": ladder((1, {"department": risk.pk}))}]
    )
    drill = start_drill(scenario, time_scale=1000)
    assert dispatcher.run_once().escalated == 0
    time.sleep(0.08)
    tick = dispatcher.run_once()
    assert tick.escalated == 1
    original = Inject.objects.get(drill=drill, cause=InjectCause.SCHEDULED)
    escalated = Inject.objects.get(drill=drill, cause=InjectCause.ESCALATION)
    assert escalated.source == original and escalated.department == risk and escalated.escalation_level == 1
    assert escalated.status == InjectStatus.DELIVERED
    step = EscalationStep.objects.get(inject=original)
    assert step.fired_at >= step.fire_at and step.result == escalated
    assert TimelineEntry.objects.filter(drill=drill, kind=EntryKind.ESCALATION, inject=original).count() == 1


def test_ack_before_deadline_never_escalates(build_scenario, cs, risk, cs_staff, start_drill):
    scenario = build_scenario(
        [{"offset": 0, "departments": [cs], "deadline": 30, "escalations": ladder((0, {"department": risk.pk}))}]
    )
    # 30 scenario seconds at x60 leave half a real second to acknowledge in, even on a busy machine.
    drill = start_drill(scenario, time_scale=60)
    dispatcher.run_once()
    services.inject_acknowledge(inject=Inject.objects.get(drill=drill), by=cs_staff)
    step, inject = EscalationStep.objects.get(), Inject.objects.get(drill=drill)
    assert inject.acknowledged_at < inject.deadline_at <= step.fire_at
    time.sleep((step.fire_at - inject.acknowledged_at).total_seconds() + 0.05)
    assert dispatcher.run_once().escalated == 0
    assert not Inject.objects.filter(drill=drill, cause=InjectCause.ESCALATION).exists()
    assert EscalationStep.objects.get().cancelled_at is not None


def test_unless_resolved_step_fires_after_an_acknowledgement(build_scenario, cs, risk, cs_staff, start_drill):
    steps = [{"after_seconds": 1, "department": risk.pk, "message": "still open", "unless": "resolved"}]
    drill = start_drill(build_scenario([{"departments": [cs], "deadline": 50, "escalations": steps}]), time_scale=1000)
    dispatcher.run_once()
    services.inject_acknowledge(inject=Inject.objects.get(drill=drill), by=cs_staff)
    time.sleep(0.08)
    assert dispatcher.run_once().escalated == 1


def test_escalation_to_a_role_goes_to_the_department_with_that_code_or_role(
    build_scenario, cs, exec_dept, org, start_drill
):
    steps = ladder((0, {"role": "exec"}), (0, {"role": "coordinator"}))
    drill = start_drill(build_scenario([{"departments": [cs], "deadline": 50, "escalations": steps}]), time_scale=1000)
    MembershipFactory(organisation=org, role=Role.COORDINATOR, user=UserFactory(username="boss"))
    dispatcher.run_once()
    time.sleep(0.08)
    assert dispatcher.run_once().escalated == 2
    assert Inject.objects.get(drill=drill, cause=InjectCause.ESCALATION).department == exec_dept
    notices = Outbox.objects.filter(topic=OutboxTopic.ESCALATION_ROLE, payload__role="coordinator")
    assert sorted(notices.values_list("channel", flat=True)) == [OutboxChannel.EMAIL, OutboxChannel.INAPP]


def test_resume_moves_deadlines_and_escalation_steps_by_the_paused_length(
    build_scenario, cs, risk, coordinator, start_drill
):
    scenario = build_scenario(
        [{"offset": 0, "departments": [cs], "deadline": 600, "escalations": ladder((60, {"department": risk.pk}))}]
    )
    drill = start_drill(scenario)
    dispatcher.run_once()
    inject = Inject.objects.get(drill=drill)
    step = EscalationStep.objects.get(inject=inject)
    drill = services.drill_pause(drill=drill, by=coordinator)
    time.sleep(0.02)
    drill = services.drill_resume(drill=drill, by=coordinator)
    moved_inject, moved_step = Inject.objects.get(pk=inject.pk), EscalationStep.objects.get(pk=step.pk)
    assert moved_inject.deadline_at - inject.deadline_at == drill.paused_total
    assert moved_step.fire_at - step.fire_at == drill.paused_total
    assert moved_inject.delivered_at == inject.delivered_at


def test_after_resolved_condition_schedules_the_event_after_its_delay(build_scenario, cs, risk, cs_staff, start_drill):
    scenario = build_scenario(
        [{"offset": 0, "departments": [cs]}, {"departments": [risk], "condition": ("after_resolved", 0, 120)}]
    )
    drill = start_drill(scenario, time_scale=60)
    dispatcher.run_once()
    first = Inject.objects.get(drill=drill, department=cs)
    assert Inject.objects.get(drill=drill, department=risk).status == InjectStatus.WAITING
    resolved = services.inject_resolve(inject=first, by=cs_staff)
    follow = Inject.objects.get(drill=drill, department=risk)
    assert follow.status == InjectStatus.PENDING and follow.source == first
    assert follow.due_at - resolved.resolved_at == timedelta(seconds=2)
    drill.refresh_from_db()
    assert drill.state == DrillState.RUNNING


def test_if_not_acknowledged_condition_fires_after_a_missed_deadline(build_scenario, cs, risk, start_drill):
    scenario = build_scenario(
        [
            {"offset": 0, "departments": [cs], "deadline": 10},
            {"departments": [risk], "condition": ("if_not_acknowledged", 0, 5)},
        ]
    )
    drill = start_drill(scenario, time_scale=1000)
    dispatcher.run_once()
    first = Inject.objects.get(drill=drill, department=cs)
    follow = Inject.objects.get(drill=drill, department=risk)
    assert follow.status == InjectStatus.PENDING
    assert follow.due_at - first.deadline_at == timedelta(milliseconds=5)
    time.sleep(0.03)
    dispatcher.run_once()
    follow.refresh_from_db()
    assert follow.status == InjectStatus.DELIVERED


def test_if_not_acknowledged_condition_is_cancelled_by_an_ack_in_time(build_scenario, cs, risk, cs_staff, start_drill):
    scenario = build_scenario(
        [
            {"offset": 0, "departments": [cs], "deadline": 600},
            {"departments": [risk], "condition": ("if_not_acknowledged", 0, 0)},
            {"departments": [risk], "condition": ("after_resolved", 1, 0)},
        ]
    )
    drill = start_drill(scenario)
    dispatcher.run_once()
    services.inject_acknowledge(inject=Inject.objects.get(drill=drill, department=cs), by=cs_staff)
    assert set(Inject.objects.filter(drill=drill, department=risk).values_list("status", flat=True)) == {
        InjectStatus.CANCELLED
    }


def test_scheduled_drill_starts_at_its_scheduled_time(build_scenario, cs, coordinator):
    start = timezone.now() + timedelta(milliseconds=200)
    drill = services.drill_create(
        scenario=build_scenario([{"offset": 60, "departments": [cs]}]), name="09:00 drill", by=coordinator,
        scheduled_start=start,
    )  # fmt: skip
    assert dispatcher.run_once().started == 0
    time.sleep(0.25)
    assert dispatcher.run_once().started == 1
    drill = Drill.objects.get(pk=drill.pk)
    assert drill.state == DrillState.RUNNING and drill.started_at == start
    assert Inject.objects.get(drill=drill).due_at == start + timedelta(seconds=60)


def test_seconds_to_next_due_ignores_paused_drills(build_scenario, cs, coordinator, start_drill):
    drill = start_drill(build_scenario([{"offset": 0, "departments": [cs]}]))
    services.drill_pause(drill=drill, by=coordinator)
    assert dispatcher.seconds_to_next_due() is None


def test_health_needs_a_fresh_heartbeat_and_reports_lag():
    from drillops.timelines.models import DispatcherHeartbeat

    assert dispatcher.check_dispatcher()["ok"] is False
    dispatcher.beat(name="replica-a", lag_ms=12.5, delivered=3)
    health = dispatcher.check_dispatcher()
    assert health == {"ok": True, "replicas": 1, "lag_ms": 12.5}
    DispatcherHeartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=5))
    assert dispatcher.check_dispatcher()["ok"] is False
