"""Races with real connections: replicas, services and acknowledgements against the dispatcher."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from drillops.timelines import services
from drillops.timelines.engine import dispatcher
from drillops.timelines.models import (
    EntryKind,
    EscalationStep,
    Inject,
    InjectCause,
    InjectSource,
    Outbox,
    TimelineEntry,
)

from ..factories import DepartmentFactory
from .conftest import bulk_scenario

pytestmark = pytest.mark.django_db(transaction=True)


def _in_threads(*targets: Callable[[], Any]) -> None:
    errors: list[BaseException] = []

    def wrap(target: Callable[[], Any]) -> None:
        try:
            target()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_two_dispatchers_and_a_trigger_never_deliver_twice(org, coordinator):
    departments = [DepartmentFactory(organisation=org) for _ in range(3)]
    scenario = bulk_scenario(org, departments, events=300)
    drill = services.drill_create(scenario=scenario, name="race", by=coordinator)
    drill = services.drill_start(drill=drill, by=coordinator)
    events = list(scenario.versions.get().events.order_by("-sequence")[:40])
    delivered: Counter[str] = Counter()

    def replica(name: str) -> Callable[[], None]:
        def loop() -> None:
            for _ in range(200):
                delivered[name] += dispatcher.run_once(batch=25).delivered
                if not Inject.objects.filter(drill=drill, delivered_at__isnull=True).exists():
                    return

        return loop

    def trigger() -> None:
        for event in events:
            services.drill_trigger_event(drill=drill, event=event, by=coordinator)

    _in_threads(replica("a"), replica("b"), trigger)
    ids = list(Inject.objects.filter(drill=drill).values_list("pk", flat=True))
    assert len(ids) == 900 and not Inject.objects.filter(drill=drill, delivered_at__isnull=True).exists()
    entries = Counter(
        TimelineEntry.objects.filter(drill=drill, kind=EntryKind.DELIVERED).values_list("inject_id", flat=True)
    )
    assert set(entries) == set(ids) and set(entries.values()) == {1}
    in_outbox = [pk for row in Outbox.objects.filter(topic="deliveries") for pk in row.payload["injects"]]
    assert sorted(in_outbox) == sorted(ids)


def test_ack_racing_the_deadline_never_escalates_an_inject_answered_in_time(org, coordinator, cs_staff):
    cs = cs_staff.memberships.get().department
    risk = DepartmentFactory(organisation=org)
    ladder = [{"after_seconds": 0, "department": risk.pk, "message": "no answer"}]
    # 150 injects whose deadlines all fall 2 s after delivery (time scale 10: 20 s of scenario time).
    scenario = bulk_scenario(org, [cs], events=150, response_deadline_seconds=20, escalations=ladder)
    drill = services.drill_create(scenario=scenario, name="race", by=coordinator, time_scale=10)
    drill = services.drill_start(drill=drill, by=coordinator)
    dispatcher.run_once()
    deadline = Inject.objects.filter(drill=drill).order_by("deadline_at").first().deadline_at
    stop = threading.Event()

    def replica() -> None:
        while not stop.is_set():
            dispatcher.run_once(batch=20)
            time.sleep(0.002)  # as the real loop sleeps; a spinning thread would starve the GIL

    def acknowledge() -> None:
        # Acknowledge one after another from 300 ms before the deadline to well after it.
        from django.utils import timezone

        time.sleep(max(0.0, (deadline - timezone.now()).total_seconds() - 0.3))
        for inject in Inject.objects.filter(drill=drill, cause=InjectCause.SCHEDULED).order_by("?"):
            services.inject_acknowledge(inject=inject, by=cs_staff)
        time.sleep(0.2)
        stop.set()

    _in_threads(replica, replica, acknowledge)
    dispatcher.run_once()
    steps = list(EscalationStep.objects.filter(inject__drill=drill).select_related("inject"))
    assert len(steps) == 150
    for step in steps:
        acked = step.inject.acknowledged_at
        answered_in_time = acked is not None and acked <= step.fire_at
        assert (step.cancelled_at is not None) == answered_in_time, step
        assert (step.fired_at is not None) == (not answered_in_time), step
    escalations = Inject.objects.filter(drill=drill, cause=InjectCause.ESCALATION)
    assert escalations.count() == sum(1 for s in steps if s.fired_at)
    assert len(set(escalations.values_list("source_id", flat=True))) == escalations.count()


def test_two_dispatchers_and_acknowledgements_give_one_escalation_per_event_listing_exactly_the_misses(
    org, coordinator, cs_staff
):
    """Six copies of each event miss (or just make) their deadline while two replicas fire their
    steps in small batches: each event still gets one escalation for the target, and it lists
    exactly the copies whose step fired, not one acknowledged before the step's statement."""
    departments = [cs_staff.memberships.get().department, *(DepartmentFactory(organisation=org) for _ in range(5))]
    target = DepartmentFactory(organisation=org, code="exec")
    ladder = [{"after_seconds": 0, "department": target.pk, "message": "no answer"}]
    scenario = bulk_scenario(org, departments, events=30, response_deadline_seconds=20, escalations=ladder)
    drill = services.drill_create(scenario=scenario, name="race", by=coordinator, time_scale=10)
    drill = services.drill_start(drill=drill, by=coordinator)
    dispatcher.run_once()
    deadline = Inject.objects.filter(drill=drill).order_by("deadline_at").first().deadline_at
    stop = threading.Event()

    def replica() -> None:
        while not stop.is_set():
            dispatcher.run_once(batch=2)
            time.sleep(0.002)

    def acknowledge() -> None:
        from django.utils import timezone

        time.sleep(max(0.0, (deadline - timezone.now()).total_seconds() - 0.1))
        copies = Inject.objects.filter(drill=drill, cause=InjectCause.SCHEDULED).order_by("?")
        for inject in copies[: copies.count() // 2]:
            services.inject_acknowledge(inject=inject, by=cs_staff)
        time.sleep(0.3)
        stop.set()

    _in_threads(replica, replica, acknowledge)
    dispatcher.run_once()
    steps = list(EscalationStep.objects.filter(inject__drill=drill).select_related("inject"))
    assert len(steps) == 180 and all(s.fired_at or s.cancelled_at for s in steps)
    fired_by_event: dict[int | None, set[int]] = {}
    for step in steps:
        acked = step.inject.acknowledged_at
        assert (step.fired_at is not None) == (acked is None or acked > step.fire_at), step
        if step.fired_at:
            fired_by_event.setdefault(step.inject.event_id, set()).add(step.inject_id)
    escalations = list(Inject.objects.filter(drill=drill, cause=InjectCause.ESCALATION))
    assert sorted(e.event_id or 0 for e in escalations) == sorted(e or 0 for e in fired_by_event)  # one per miss
    for escalation in escalations:
        assert escalation.department_id == target.pk and escalation.escalation_level == 1
        sources = set(InjectSource.objects.filter(inject=escalation).values_list("source_id", flat=True))
        assert sources == fired_by_event[escalation.event_id]
    assert 0 < sum(len(v) for v in fired_by_event.values()) < 180  # the race really happened
