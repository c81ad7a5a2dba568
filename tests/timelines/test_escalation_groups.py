"""One escalation per event, step and target: copies of one event that miss the same step speak
through one escalation inject, which lists them (InjectSource), has the step's level and, if the
step gives one, its own deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from drillops.departments.models import Role
from drillops.timelines import services
from drillops.timelines.engine import dispatcher
from drillops.timelines.engine.clock import db_now
from drillops.timelines.models import EntryKind, EscalationStep, Inject, InjectCause, InjectSource, TimelineEntry

from ..factories import DepartmentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _make_due(steps):
    """As if the steps' time had come: the clock is the database's, so move the steps instead."""
    steps.update(fire_at=db_now() - timedelta(milliseconds=1))


@pytest.fixture
def exec_staff(org, exec_dept):
    return MembershipFactory(organisation=org, role=Role.STAFF, department=exec_dept, user=UserFactory()).user


@pytest.fixture
def six(org, cs, risk):
    return [cs, risk, *(DepartmentFactory(organisation=org, code=f"d{n}") for n in range(4))]


def test_an_event_unanswered_by_six_departments_gives_the_target_one_escalation_naming_all_six(
    build_scenario, six, exec_dept, start_drill
):
    steps = [{"after_seconds": 30, "department": exec_dept.pk, "message": "Nobody answered"}]
    drill = start_drill(build_scenario([{"departments": six, "deadline": 60, "escalations": steps}]))
    dispatcher.run_once()
    copies = list(Inject.objects.filter(drill=drill, cause=InjectCause.SCHEDULED))
    _make_due(EscalationStep.objects.filter(inject__drill=drill))
    assert dispatcher.run_once().escalated == 6
    escalation = Inject.objects.get(drill=drill, cause=InjectCause.ESCALATION)
    assert escalation.department == exec_dept and escalation.escalation_level == 1
    links = list(InjectSource.objects.filter(inject=escalation))
    assert sorted(link.source_id for link in links) == sorted(c.pk for c in copies)
    assert {link.joined_at for link in links} == {escalation.delivered_at}
    assert escalation.source_id == min(c.pk for c in copies)
    assert set(EscalationStep.objects.filter(inject__drill=drill).values_list("result", flat=True)) == {escalation.pk}
    # Each copy's entry names the escalation and every department that missed, since its deadline.
    entries = TimelineEntry.objects.filter(drill=drill, kind=EntryKind.ESCALATION)
    assert entries.count() == 6
    missed = entries.first().data["missed"][str(escalation.pk)]
    assert sorted(m["department"] for m in missed) == sorted(d.pk for d in six)
    assert {m["since"] for m in missed} == {c.deadline_at.isoformat() for c in copies}


def test_a_later_miss_of_the_same_event_at_the_same_step_joins_the_escalation(
    build_scenario, cs, risk, exec_dept, start_drill, exec_staff
):
    steps = [{"after_seconds": 30, "department": exec_dept.pk, "message": "Nobody answered"}]
    drill = start_drill(build_scenario([{"departments": [cs, risk], "deadline": 60, "escalations": steps}]))
    dispatcher.run_once()
    cs_copy, risk_copy = (Inject.objects.get(drill=drill, department=d) for d in (cs, risk))
    _make_due(EscalationStep.objects.filter(inject=cs_copy))
    assert dispatcher.run_once().escalated == 1
    escalation = Inject.objects.get(drill=drill, cause=InjectCause.ESCALATION)
    services.inject_acknowledge(inject=escalation, by=exec_staff)
    _make_due(EscalationStep.objects.filter(inject=risk_copy))
    assert dispatcher.run_once().escalated == 1
    assert Inject.objects.filter(drill=drill, cause=InjectCause.ESCALATION).count() == 1
    links = {link.source_id: link.joined_at for link in InjectSource.objects.filter(inject=escalation)}
    assert set(links) == {cs_copy.pk, risk_copy.pk}
    assert links[cs_copy.pk] == escalation.delivered_at < links[risk_copy.pk]
    joined = TimelineEntry.objects.get(drill=drill, kind=EntryKind.ESCALATION, inject=risk_copy)
    assert joined.data["joined"] == [escalation.pk] and joined.data["injects"] == [escalation.pk]
    assert len(joined.data["missed"][str(escalation.pk)]) == 2


def test_an_acknowledged_copy_is_not_on_the_list(build_scenario, cs, risk, exec_dept, cs_staff, start_drill):
    steps = [{"after_seconds": 30, "department": exec_dept.pk}]
    drill = start_drill(build_scenario([{"departments": [cs, risk], "deadline": 60, "escalations": steps}]))
    dispatcher.run_once()
    services.inject_acknowledge(inject=Inject.objects.get(drill=drill, department=cs), by=cs_staff)
    _make_due(EscalationStep.objects.filter(inject__drill=drill, cancelled_at__isnull=True))
    assert dispatcher.run_once().escalated == 1
    escalation = Inject.objects.get(drill=drill, cause=InjectCause.ESCALATION)
    assert list(InjectSource.objects.filter(inject=escalation).values_list("source__department", flat=True)) == [
        risk.pk
    ]


def test_level_is_the_step_position_and_each_step_makes_its_own_escalation(
    build_scenario, cs, risk, exec_dept, start_drill
):
    steps = [
        {"after_seconds": 0, "department": exec_dept.pk, "message": "first"},
        {"after_seconds": 60, "department": exec_dept.pk, "message": "second"},
    ]
    drill = start_drill(build_scenario([{"departments": [cs, risk], "deadline": 60, "escalations": steps}]))
    dispatcher.run_once()
    assert sorted(EscalationStep.objects.filter(inject__drill=drill).values_list("position", flat=True)) == [
        1,
        1,
        2,
        2,
    ]
    _make_due(EscalationStep.objects.filter(inject__drill=drill))
    assert dispatcher.run_once().escalated == 4
    levels = Inject.objects.filter(drill=drill, cause=InjectCause.ESCALATION).values_list("escalation_level", "body")
    assert sorted((level, body.split("\n")[0]) for level, body in levels) == [(1, "first"), (2, "second")]


def test_a_step_with_its_own_deadline_gives_the_escalation_that_deadline(
    build_scenario, cs, risk, exec_dept, start_drill
):
    steps = [
        {"after_seconds": 0, "department": exec_dept.pk, "response_deadline_seconds": 120},
        {"after_seconds": 0, "department": risk.pk},
    ]
    drill = start_drill(build_scenario([{"departments": [cs], "deadline": 60, "escalations": steps}]), time_scale=4)
    dispatcher.run_once()
    assert EscalationStep.objects.get(inject__drill=drill, position=1).response_deadline_seconds == 120
    _make_due(EscalationStep.objects.filter(inject__drill=drill))
    dispatcher.run_once()
    timed = Inject.objects.get(drill=drill, cause=InjectCause.ESCALATION, department=exec_dept)
    assert timed.deadline_at - timed.delivered_at == timedelta(seconds=30)  # 120 scenario s at time scale 4
    untimed = Inject.objects.get(drill=drill, cause=InjectCause.ESCALATION, department=risk)
    assert untimed.deadline_at is None and not untimed.is_overdue
