"""Drill control through the services: creation, the state machine, the clock at start, pause and resume."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from drillops.core.errors import DomainError, InvalidInput, TransitionNotAllowed
from drillops.scenarios.models import VersionStatus
from drillops.timelines import services
from drillops.timelines.models import DrillState, EntryKind, Inject, InjectCause, InjectStatus, TimelineEntry

from ..factories import ScenarioVersionFactory

pytestmark = pytest.mark.django_db


def test_create_pins_latest_approved_version(build_scenario, cs, coordinator):
    scenario = build_scenario([{"departments": [cs]}])
    newer = ScenarioVersionFactory(scenario=scenario, number=2, status=VersionStatus.APPROVED)
    ScenarioVersionFactory(scenario=scenario, number=3, status=VersionStatus.DRAFT)
    drill = services.drill_create(scenario=scenario, name="Q4 drill", by=coordinator)
    assert drill.scenario_version == newer
    assert drill.state == DrillState.SCHEDULED


def test_create_without_approved_version_is_bad_input(cs, coordinator):
    from ..factories import ScenarioFactory

    scenario = ScenarioFactory(organisation=cs.organisation)
    ScenarioVersionFactory(scenario=scenario, status=VersionStatus.DRAFT)
    with pytest.raises(InvalidInput) as caught:
        services.drill_create(scenario=scenario, name="x", by=coordinator)
    assert "scenario" in caught.value.errors


@pytest.mark.parametrize("scale", [0, -1, 3601, float("nan"), "fast", None])
def test_create_refuses_bad_time_scale(build_scenario, cs, coordinator, scale):
    with pytest.raises(InvalidInput) as caught:
        services.drill_create(scenario=build_scenario([{"departments": [cs]}]), name="x", by=coordinator,
                              time_scale=scale)  # fmt: skip
    assert "time_scale" in caught.value.errors


def test_create_refuses_scheduled_start_in_the_past(build_scenario, cs, coordinator):
    with pytest.raises(InvalidInput) as caught:
        services.drill_create(
            scenario=build_scenario([{"departments": [cs]}]), name="x", by=coordinator,
            scheduled_start=timezone.now() - timedelta(minutes=1),
        )  # fmt: skip
    assert "scheduled_start" in caught.value.errors


def test_start_writes_every_unconditional_inject_with_absolute_due_time(build_scenario, cs, risk, coordinator):
    scenario = build_scenario(
        [
            {"offset": 0, "departments": [cs]},
            {"offset": 90, "departments": [cs, risk]},
            {"offset": 30, "departments": [risk], "condition": ("after_resolved", 0, 10)},
        ]
    )
    drill = services.drill_create(scenario=scenario, name="x", by=coordinator, time_scale=60)
    drill = services.drill_start(drill=drill, by=coordinator)
    injects = Inject.objects.filter(drill=drill)
    assert injects.count() == 4
    t0 = drill.started_at
    due = sorted((i.due_at - t0) for i in injects if i.status == InjectStatus.PENDING)
    assert due == [timedelta(0), timedelta(seconds=1.5), timedelta(seconds=1.5)]
    waiting = injects.get(status=InjectStatus.WAITING)
    assert waiting.due_at is None and waiting.cause == InjectCause.SCHEDULED
    assert TimelineEntry.objects.filter(drill=drill, kind=EntryKind.STATE, data__to="running").exists()


@pytest.mark.parametrize(
    ("setup", "call", "reason"),
    [
        ([], "drill_pause", "has not started"),
        ([], "drill_resume", "has not started"),
        (["drill_start"], "drill_start", "already running"),
        (["drill_start"], "drill_resume", "already running"),
        (["drill_start", "drill_pause"], "drill_pause", "paused"),
        (["drill_start", "drill_finish"], "drill_finish", "has finished"),
        (["drill_start", "drill_finish"], "drill_start", "has finished"),
        (["drill_finish"], "drill_resume", "has finished"),
    ],
)
def test_transitions_not_allowed_answer_with_a_reason(build_scenario, cs, coordinator, setup, call, reason):
    drill = services.drill_create(scenario=build_scenario([{"departments": [cs]}]), name="x", by=coordinator)
    for step in setup:
        drill = getattr(services, step)(drill=drill, by=coordinator)
    with pytest.raises(TransitionNotAllowed) as caught:
        getattr(services, call)(drill=drill, by=coordinator)
    assert reason in caught.value.message


def test_stop_needs_a_reason_and_ends_from_any_state(build_scenario, cs, coordinator):
    drill = services.drill_create(scenario=build_scenario([{"departments": [cs]}]), name="x", by=coordinator)
    with pytest.raises(InvalidInput):
        services.drill_stop(drill=drill, by=coordinator, reason="   ")
    drill = services.drill_stop(drill=drill, by=coordinator, reason="Real typhoon warning")
    assert drill.state == DrillState.STOPPED and drill.stop_reason == "Real typhoon warning"
    with pytest.raises(TransitionNotAllowed):
        services.drill_stop(drill=drill, by=coordinator, reason="again")


def test_stop_cancels_everything_pending_and_waiting(build_scenario, cs, risk, coordinator, start_drill):
    scenario = build_scenario(
        [
            {"offset": 600, "departments": [cs, risk]},
            {"offset": 0, "departments": [risk], "condition": ("after_resolved", 0, 0)},
        ]
    )
    drill = start_drill(scenario)
    drill = services.drill_stop(drill=drill, by=coordinator, reason="Real fire alarm")
    assert set(Inject.objects.filter(drill=drill).values_list("status", flat=True)) == {InjectStatus.CANCELLED}


def test_pause_resume_shifts_due_times_by_exactly_the_paused_length(build_scenario, cs, risk, coordinator):
    scenario = build_scenario([{"offset": 300 + n, "departments": [cs, risk]} for n in range(20)])
    drill = services.drill_create(scenario=scenario, name="x", by=coordinator)
    drill = services.drill_start(drill=drill, by=coordinator)
    before = dict(Inject.objects.filter(drill=drill).values_list("id", "due_at"))
    drill = services.drill_pause(drill=drill, by=coordinator)
    paused_at = drill.paused_at
    drill = services.drill_resume(drill=drill, by=coordinator)
    resumed = TimelineEntry.objects.filter(drill=drill, kind=EntryKind.STATE, data__to="running").latest("id").at
    length = resumed - paused_at
    assert length > timedelta(0)
    after = dict(Inject.objects.filter(drill=drill).values_list("id", "due_at"))
    assert all(after[pk] - before[pk] == length for pk in before)
    assert drill.paused_total == length and drill.paused_at is None


def test_adhoc_inject_is_delivered_now_with_its_deadline(build_scenario, cs, risk, coordinator, start_drill):
    drill = start_drill(build_scenario([{"offset": 600, "departments": [cs]}]), time_scale=2)
    sent = services.drill_send_adhoc(
        drill=drill, by=coordinator, title="Journalist calls", body="Is it true?", departments=[cs, risk],
        channel="press", sender="Reporter", response_deadline_seconds=120,
    )  # fmt: skip
    assert len(sent) == 2
    for inject in sent:
        assert inject.cause == InjectCause.ADHOC and inject.status == InjectStatus.DELIVERED
        assert inject.deadline_at - inject.delivered_at == timedelta(seconds=60)
        assert inject.marking == "EXERCISE / 演练"


def test_adhoc_refuses_bad_input_and_changes_nothing(build_scenario, cs, coordinator, start_drill):
    drill = start_drill(build_scenario([{"offset": 600, "departments": [cs]}]))
    from ..factories import DepartmentFactory

    stranger = DepartmentFactory()
    cases = [
        ({"title": "", "departments": [cs]}, "title"),
        ({"title": "x", "departments": []}, "departments"),
        ({"title": "x", "departments": [stranger]}, "departments"),
        ({"title": "x", "departments": [cs], "channel": "pigeon"}, "channel"),
        ({"title": "x", "departments": [cs], "response_deadline_seconds": -5}, "response_deadline_seconds"),
    ]
    for kwargs, field in cases:
        with pytest.raises(InvalidInput) as caught:
            services.drill_send_adhoc(drill=drill, by=coordinator, body="", **kwargs)
        assert field in caught.value.errors
    assert Inject.objects.filter(drill=drill).count() == 1


def test_adhoc_on_a_scheduled_drill_is_refused(build_scenario, cs, coordinator):
    drill = services.drill_create(scenario=build_scenario([{"departments": [cs]}]), name="x", by=coordinator)
    with pytest.raises(DomainError):
        services.drill_send_adhoc(drill=drill, by=coordinator, title="x", body="", departments=[cs])


def test_trigger_of_an_already_scheduled_event_delivers_that_row(build_scenario, cs, risk, coordinator, start_drill):
    scenario = build_scenario([{"offset": 3600, "departments": [cs, risk]}])
    drill = start_drill(scenario)
    event = scenario.versions.get().events.get()
    scheduled = set(Inject.objects.filter(drill=drill).values_list("id", flat=True))
    delivered = services.drill_trigger_event(drill=drill, event=event, by=coordinator)
    assert {i.pk for i in delivered} == scheduled
    assert all(i.status == InjectStatus.DELIVERED and i.cause == InjectCause.TRIGGERED for i in delivered)
    again = services.drill_trigger_event(drill=drill, event=event, by=coordinator)
    assert [i.delivered_at for i in again] == [i.delivered_at for i in delivered]
    assert Inject.objects.filter(drill=drill).count() == 2


def test_trigger_of_another_versions_event_is_bad_input(build_scenario, cs, coordinator, start_drill):
    drill = start_drill(build_scenario([{"departments": [cs]}]))
    other = build_scenario([{"departments": [cs]}]).versions.get().events.get()
    with pytest.raises(InvalidInput):
        services.drill_trigger_event(drill=drill, event=other, by=coordinator)


def test_roster_add_invites_an_observer_and_updates_a_repeat(build_scenario, cs, coordinator, observer):
    drill = services.drill_create(scenario=build_scenario([{"departments": [cs]}]), name="x", by=coordinator)
    services.roster_add(drill=drill, user=observer, by=coordinator, role="observer")
    entry = services.roster_add(drill=drill, user=observer, by=coordinator, role="observer", seat="Evaluator A")
    assert drill.roster.count() == 1 and entry.seat == "Evaluator A"
    with pytest.raises(InvalidInput):
        services.roster_add(drill=drill, user=observer, by=coordinator, role="king")
