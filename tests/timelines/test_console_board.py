"""The console at a glance, server side: one card per event; what a waiting condition still waits
for (which department of which event); observers see delivered copies and delivered counts only,
never an event still to come, a total, the next event or a condition; an escalation card names
every department that missed; the scenario clock stands still while paused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from drillops.timelines import services
from drillops.timelines.board import board, console_counts, head_context
from drillops.timelines.engine import dispatcher
from drillops.timelines.engine.clock import db_now
from drillops.timelines.models import EscalationStep, Inject, InjectCause, RosterEntry, SeatRole
from drillops.timelines.visibility import COORDINATOR, OBSERVER, InjectScope

pytestmark = pytest.mark.django_db

COORD, OBS = InjectScope(COORDINATOR), InjectScope(OBSERVER)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def drill(build_scenario, start_drill, cs, risk, exec_dept):
    steps = [{"after_seconds": 30, "department": exec_dept.pk, "message": "Nobody answered"}]
    scenario = build_scenario(
        [
            {"title": "Complaints", "departments": [cs, risk], "deadline": 60, "escalations": steps},
            {"title": "Meeting", "departments": [exec_dept], "condition": ("after_resolved", 0, 60)},
            {"title": "Press conference", "offset": 3600, "departments": [cs]},
        ]
    )
    drill = start_drill(scenario)
    dispatcher.run_once()
    return drill


def _card(cards, title):
    [card] = [c for c in cards if c.title == title]
    return card


def test_a_waiting_event_says_which_departments_it_still_waits_for(drill, cs, risk, cs_staff, coordinator):
    complaints = Inject.objects.get(drill=drill, department=cs, event__title="Complaints")
    services.inject_resolve(inject=complaints, by=cs_staff)
    meeting = _card(board(drill, COORD), "Meeting")
    assert meeting.waits is not None and meeting.waits.event.title == "Complaints"
    assert [i.department for i in meeting.waits.missing] == [risk]  # customer service resolved it
    page = client_for(coordinator).get(reverse("drill_console", args=[drill.pk])).content.decode()
    assert "Waits for" in page and f'{risk.display_name} <span class="muted">(Delivered)' in page


def test_one_card_per_event_with_every_department_as_a_chip(drill, cs, risk):
    cards = board(drill, COORD)
    assert [c.title for c in cards if c.delivered] == ["Complaints"]
    assert {i.department for i in _card(cards, "Complaints").copies} == {cs, risk}
    assert {c.title for c in cards if not c.delivered} == {"Meeting", "Press conference"}


def test_an_observer_sees_no_event_still_to_come_no_total_and_no_condition(drill, observer, coordinator):
    RosterEntry.objects.create(drill=drill, user=observer, role=SeatRole.OBSERVER)
    cards = board(drill, OBS)
    assert [c.title for c in cards] == ["Complaints"] and all(c.waits is None for c in cards)
    counts = console_counts(drill, OBS)
    assert "total" not in counts and counts["delivered"] == 2
    head = head_context(drill, OBS, outbox_failed=3)
    assert head["next_inject"] is None and head["outbox_failed"] is None
    assert console_counts(drill, COORD)["total"] == 4
    page = client_for(observer).get(reverse("drill_console", args=[drill.pk])).content.decode()
    for secret in ('id="upcoming"', "Press conference", "Meeting", 'data-total="', 'id="next-event"', "Waits for"):
        assert secret not in page, secret
    assert 'id="jump-observe"' in page
    whole = client_for(coordinator).get(reverse("drill_console", args=[drill.pk])).content.decode()
    assert 'id="upcoming"' in whole and "Press conference" in whole and 'data-total="4"' in whole


def test_an_escalation_card_names_every_department_that_missed(drill, cs, risk, exec_dept, coordinator):
    EscalationStep.objects.filter(inject__drill=drill).update(fire_at=db_now() - timedelta(milliseconds=1))
    dispatcher.run_once()
    card = _card(board(drill, COORD), "Complaints")
    [escalation] = card.escalations
    assert escalation.department == exec_dept and escalation.cause == InjectCause.ESCALATION
    assert {link.source.department for link in escalation.source_links.all()} == {cs, risk}
    assert card.open_escalations == [escalation]
    page = client_for(coordinator).get(reverse("drill_console", args=[drill.pk])).content.decode()
    missed = page.split('class="small missed"')[1].split("</p>")[0]
    assert cs.display_name in missed and risk.display_name in missed


def test_the_scenario_clock_stands_still_while_paused(drill, coordinator):
    drill = services.drill_pause(drill=drill, by=coordinator)
    later = drill.paused_at + timedelta(minutes=5)
    assert drill.scenario_elapsed(later) == drill.scenario_elapsed(drill.paused_at)
    clock = head_context(drill, COORD, outbox_failed=0, now=later)["clock"]
    assert clock["ticking"] is False and clock["paused_ms"]


def test_overdue_counts_copies_past_their_deadline_that_nobody_acknowledged(drill, cs, risk, cs_staff):
    copies = Inject.objects.filter(drill=drill, event__title="Complaints")
    copies.update(deadline_at=db_now() - timedelta(seconds=1))
    assert console_counts(drill, COORD)["overdue"] == console_counts(drill, OBS)["overdue"] == 2
    services.inject_acknowledge(inject=copies.get(department=cs), by=cs_staff)
    assert console_counts(drill, COORD)["overdue"] == 1  # acknowledged late: no longer waiting
    card = _card(board(drill, OBS), "Complaints")
    assert card.is_overdue and [i.department for i in card.copies if i.is_overdue and not i.acknowledged_at] == [risk]
