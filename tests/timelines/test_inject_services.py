"""Responding to injects: acknowledge, act, forward, resolve, the comms channel, and finishing by itself."""

from __future__ import annotations

import pytest

from drillops.core.errors import DomainError, InvalidInput
from drillops.timelines import services
from drillops.timelines.models import DrillState, EntryKind, Inject, InjectCause, InjectStatus, TimelineEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(build_scenario, cs, coordinator, start_drill):
    """One inject for customer service, delivered by triggering its event."""
    scenario = build_scenario([{"offset": 600, "departments": [cs], "deadline": 300}])
    drill = start_drill(scenario)
    event = scenario.versions.get().events.get()
    (inject,) = services.drill_trigger_event(drill=drill, event=event, by=coordinator)
    return inject


def test_acknowledge_twice_is_a_no_op(delivered, cs_staff):
    first = services.inject_acknowledge(inject=delivered, by=cs_staff)
    second = services.inject_acknowledge(inject=delivered, by=cs_staff)
    assert first.status == InjectStatus.ACKNOWLEDGED and second.acknowledged_at == first.acknowledged_at
    assert TimelineEntry.objects.filter(inject=delivered, kind=EntryKind.ACKNOWLEDGED).count() == 1


def test_acknowledging_an_undelivered_inject_is_refused(build_scenario, cs, cs_staff, start_drill):
    drill = start_drill(build_scenario([{"offset": 600, "departments": [cs]}]))
    with pytest.raises(DomainError):
        services.inject_acknowledge(inject=Inject.objects.get(drill=drill), by=cs_staff)


def test_acting_on_an_inject_of_an_ended_drill_is_refused(delivered, coordinator, cs_staff, risk):
    services.drill_finish(drill=delivered.drill, by=coordinator)
    for call in (
        lambda: services.inject_acknowledge(inject=delivered, by=cs_staff),
        lambda: services.inject_log_action(inject=delivered, by=cs_staff, text="x"),
        lambda: services.inject_forward(inject=delivered, by=cs_staff, department=risk),
        lambda: services.inject_resolve(inject=delivered, by=cs_staff),
        lambda: services.message_post(drill=delivered.drill, by=cs_staff, text="x"),
    ):
        with pytest.raises(DomainError):
            call()


def test_logging_an_action_acknowledges_and_marks_in_progress(delivered, cs_staff):
    made = services.inject_log_action(inject=delivered, by=cs_staff, text="Called the customer back", is_decision=True)
    delivered.refresh_from_db()
    assert made.kind == EntryKind.DECISION and made.actor == cs_staff
    assert delivered.status == InjectStatus.IN_PROGRESS
    assert delivered.acknowledged_at is not None and delivered.first_action_at is not None
    with pytest.raises(InvalidInput):
        services.inject_log_action(inject=delivered, by=cs_staff, text=" ")


def test_forward_makes_a_delivered_inject_for_the_other_department(delivered, cs_staff, risk, cs):
    forward = services.inject_forward(inject=delivered, by=cs_staff, department=risk, text="Please assess")
    assert forward.cause == InjectCause.FORWARD and forward.source_id == delivered.pk
    assert forward.department == risk and forward.status == InjectStatus.DELIVERED
    assert "Please assess" in forward.body
    assert TimelineEntry.objects.filter(inject=delivered, kind=EntryKind.FORWARD).exists()
    with pytest.raises(InvalidInput):
        services.inject_forward(inject=delivered, by=cs_staff, department=cs)


def test_resolve_implies_acknowledge_and_the_drill_finishes_by_itself(delivered, cs_staff):
    resolved = services.inject_resolve(inject=delivered, by=cs_staff, text="Refund approved")
    assert resolved.status == InjectStatus.RESOLVED and resolved.acknowledged_at is not None
    assert resolved.acknowledged_at <= resolved.resolved_at
    resolved.drill.refresh_from_db()
    assert resolved.drill.state == DrillState.FINISHED


def test_drill_with_something_open_does_not_finish_by_itself(delivered, cs_staff, risk):
    services.inject_forward(inject=delivered, by=cs_staff, department=risk)
    services.inject_resolve(inject=delivered, by=cs_staff)
    delivered.drill.refresh_from_db()
    assert delivered.drill.state == DrillState.RUNNING


def test_message_is_posted_to_the_drill_channel(delivered, risk_staff):
    made = services.message_post(drill=delivered.drill, by=risk_staff, text="Emergency meeting at 09:20")
    assert made.kind == EntryKind.MESSAGE and made.actor == risk_staff
    with pytest.raises(InvalidInput):
        services.message_post(drill=delivered.drill, by=risk_staff, text="")
