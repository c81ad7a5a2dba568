"""Pause stops the scenario clock: what is made while paused starts its countdown at resume.

Every expected time is worked out by hand from instants read off the database clock around
each call (the pause, each delivery, the resume), so a shift the code computed wrongly cannot
agree with itself; equality is to the microsecond."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest

from drillops.timelines import services
from drillops.timelines.engine import dispatcher
from drillops.timelines.engine.clock import db_now
from drillops.timelines.models import Drill, EntryKind, EscalationStep, Inject, InjectCause, InjectStatus, TimelineEntry

pytestmark = pytest.mark.django_db
S = timedelta(seconds=1)


def ladder(after: int, department: Any) -> list[dict[str, Any]]:
    return [{"after_seconds": after, "department": department.pk, "message": "No answer"}]


def pause(drill: Drill, by: Any) -> tuple[Drill, datetime]:
    """Pause, and prove the recorded pause instant is the database clock's at the call."""
    before = db_now()
    drill = services.drill_pause(drill=drill, by=by)
    after = db_now()
    assert drill.paused_at is not None and before <= drill.paused_at <= after
    return drill, drill.paused_at


def resume(drill: Drill, by: Any) -> tuple[Drill, datetime]:
    before = db_now()
    drill = services.drill_resume(drill=drill, by=by)
    after = db_now()
    at = TimelineEntry.objects.filter(drill=drill, kind=EntryKind.STATE, data__to="running").latest("id").at
    assert before <= at <= after
    return drill, at


def wall_clock_call(fn: Any, **kwargs: Any) -> tuple[Any, datetime, datetime]:
    before = db_now()
    result = fn(**kwargs)
    return result, before, db_now()


def fresh(row: Any) -> Any:
    """The row as stored now, leaving `row` as it was read before."""
    return type(row).objects.get(pk=row.pk)


def test_adhoc_sent_while_paused_gets_its_whole_deadline_from_resume(
    build_scenario, cs, risk, coordinator, start_drill
):
    drill = start_drill(build_scenario([{"offset": 3600, "departments": [cs]}]), time_scale=2)
    scheduled = Inject.objects.get(drill=drill)
    drill, paused_at = pause(drill, coordinator)
    sent, before, after = wall_clock_call(
        services.drill_send_adhoc, drill=drill, by=coordinator, title="Reporter calls", body="Is it true?",
        departments=[cs, risk], response_deadline_seconds=120,
    )  # fmt: skip
    delivered_at = sent[0].delivered_at
    assert before <= delivered_at <= after
    assert {s.deadline_at for s in sent} == {delivered_at + 60 * S}  # 120 scenario s at scale 2
    drill, resumed_at = resume(drill, coordinator)
    assert {fresh(s).deadline_at for s in sent} == {resumed_at + 60 * S}
    assert {s.delivered_at for s in sent} == {delivered_at}  # what happened stays when it happened
    assert fresh(scheduled).due_at == scheduled.due_at + (resumed_at - paused_at)
    assert drill.paused_total == resumed_at - paused_at


def test_event_triggered_while_paused_moves_deadline_step_and_dependent_from_its_delivery(
    build_scenario, cs, risk, coordinator, start_drill
):
    scenario = build_scenario(
        [
            {"offset": 3600, "departments": [cs], "deadline": 600, "escalations": ladder(60, risk)},
            {"departments": [risk], "condition": ("if_not_acknowledged", 0, 30)},
            {"offset": 7200, "departments": [cs]},
        ]
    )
    drill = start_drill(scenario)
    later = Inject.objects.get(drill=drill, event__sequence=3)
    drill, paused_at = pause(drill, coordinator)
    event = drill.scenario_version.events.get(sequence=1)
    _, before, after = wall_clock_call(services.drill_trigger_event, drill=drill, event=event, by=coordinator)
    triggered = Inject.objects.get(drill=drill, event=event)
    assert triggered.cause == InjectCause.TRIGGERED and before <= triggered.delivered_at <= after
    drill, resumed_at = resume(drill, coordinator)
    triggered = fresh(triggered)
    assert triggered.deadline_at == resumed_at + 600 * S
    assert EscalationStep.objects.get(inject=triggered).fire_at == resumed_at + 660 * S
    dependent = Inject.objects.get(drill=drill, event__sequence=2)
    assert dependent.status == InjectStatus.PENDING and dependent.due_at == resumed_at + 630 * S
    assert fresh(later).due_at == later.due_at + (resumed_at - paused_at)


def test_condition_met_while_paused_is_due_its_delay_after_resume(build_scenario, cs, risk, cs_staff, coordinator,
                                                                  start_drill):  # fmt: skip
    scenario = build_scenario(
        [{"offset": 0, "departments": [cs]}, {"departments": [risk], "condition": ("after_resolved", 0, 120)}]
    )
    drill = start_drill(scenario, time_scale=4)
    dispatcher.run_once()
    first = Inject.objects.get(drill=drill, department=cs)
    drill, _paused_at = pause(drill, coordinator)
    resolved, before, after = wall_clock_call(services.inject_resolve, inject=first, by=cs_staff)
    assert before <= resolved.resolved_at <= after
    follow = Inject.objects.get(drill=drill, department=risk)
    assert follow.status == InjectStatus.PENDING and follow.due_at == resolved.resolved_at + 30 * S
    drill, resumed_at = resume(drill, coordinator)
    assert fresh(follow).due_at == resumed_at + 30 * S  # 120 scenario s at scale 4, counted from resume
    assert fresh(first).resolved_at == resolved.resolved_at


def test_forward_while_paused_answers_in_time_on_the_stopped_clock(
    build_scenario, cs, risk, cs_staff, coordinator, start_drill
):
    """The deadline passes on the wall clock during the pause, not on the scenario clock: the
    forward (which acknowledges) counts as in time, so the ladder and the "if not acknowledged"
    follow-up are cancelled, and after resume the source is not overdue."""
    scenario = build_scenario(
        [
            {"offset": 0, "departments": [cs], "deadline": 60, "escalations": ladder(0, risk)},
            {"departments": [risk], "condition": ("if_not_acknowledged", 0, 0)},
        ]
    )
    drill = start_drill(scenario, time_scale=60)  # the deadline is 1 real second after delivery
    dispatcher.run_once()
    source = Inject.objects.get(drill=drill, department=cs, event__sequence=1)
    drill, paused_at = pause(drill, coordinator)
    assert paused_at < source.deadline_at
    while db_now() <= source.deadline_at:
        time.sleep(0.05)
    forward, before, after = wall_clock_call(services.inject_forward, inject=source, by=cs_staff, department=risk)
    assert forward.cause == InjectCause.FORWARD and forward.deadline_at is None
    assert before <= forward.due_at <= forward.delivered_at <= after
    source = fresh(source)  # as it was when answered, before resume
    assert source.acknowledged_at > source.deadline_at  # late on the wall clock, in time on the scenario's
    assert EscalationStep.objects.get(inject=source).cancelled_at == source.acknowledged_at
    assert Inject.objects.get(drill=drill, event__sequence=2).status == InjectStatus.CANCELLED
    drill, resumed_at = resume(drill, coordinator)
    moved = fresh(source)
    assert moved.deadline_at == source.deadline_at + (resumed_at - paused_at)
    assert not moved.is_overdue and fresh(forward).delivered_at == forward.delivered_at
    assert dispatcher.run_once().escalated == 0


def test_answer_while_paused_after_a_deadline_missed_before_the_pause_stays_late(
    build_scenario, cs, risk, cs_staff, coordinator, start_drill
):
    scenario = build_scenario(
        [
            {"offset": 0, "departments": [cs], "deadline": 6},
            {"departments": [risk], "condition": ("if_not_acknowledged", 0, 3600)},
        ]
    )
    drill = start_drill(scenario, time_scale=60)  # deadline 0.1 s after delivery
    dispatcher.run_once()
    source = Inject.objects.get(drill=drill, department=cs)
    follow = Inject.objects.get(drill=drill, department=risk)
    while db_now() <= source.deadline_at:
        time.sleep(0.02)
    drill, paused_at = pause(drill, coordinator)
    services.inject_acknowledge(inject=source, by=cs_staff)
    assert fresh(follow).status == InjectStatus.PENDING
    drill, resumed_at = resume(drill, coordinator)
    assert fresh(follow).due_at == follow.due_at + (resumed_at - paused_at)
    assert fresh(source).deadline_at == source.deadline_at  # already past at the pause: not moved


def test_two_pause_cycles_move_each_time_by_the_part_of_each_pause_after_it_was_made(
    build_scenario, cs, risk, coordinator, start_drill
):
    scenario = build_scenario(
        [
            {"offset": 3600, "departments": [cs]},
            {"offset": 5400, "departments": [risk], "deadline": 600, "escalations": ladder(60, cs)},
        ]
    )
    drill = start_drill(scenario)
    scheduled = Inject.objects.get(drill=drill, event__sequence=1)
    drill, paused_1 = pause(drill, coordinator)
    sent = services.drill_send_adhoc(
        drill=drill, by=coordinator, title="Regulator asks", body="", departments=[cs], response_deadline_seconds=300
    )[0]
    time.sleep(0.01)
    drill, resumed_1 = resume(drill, coordinator)
    assert fresh(sent).deadline_at == resumed_1 + 300 * S
    time.sleep(0.01)
    drill, paused_2 = pause(drill, coordinator)
    event = drill.scenario_version.events.get(sequence=2)
    services.drill_trigger_event(drill=drill, event=event, by=coordinator)
    time.sleep(0.01)
    drill, resumed_2 = resume(drill, coordinator)
    first, second = resumed_1 - paused_1, resumed_2 - paused_2
    assert fresh(sent).deadline_at == resumed_1 + 300 * S + second
    assert fresh(scheduled).due_at == scheduled.due_at + first + second
    triggered = Inject.objects.get(drill=drill, event=event)
    assert triggered.deadline_at == resumed_2 + 600 * S
    assert EscalationStep.objects.get(inject=triggered).fire_at == resumed_2 + 660 * S
    assert drill.paused_total == first + second
