"""The staff inbox for triage and the inject page: open items first by deadline, the rest folded
away; an escalation names every department that missed and since when, and is drawn again when
one of them answers; forwarded bodies come as two blocks; the inject page's read-only part is
pushed as its own pieces and can be fetched alone."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from drillops.departments.models import Role
from drillops.timelines import services
from drillops.timelines.engine import dispatcher
from drillops.timelines.engine.clock import db_now
from drillops.timelines.engine.notify import _with_escalations, audience_of, live_rev_key, redis_client
from drillops.timelines.live import render
from drillops.timelines.models import EscalationStep, Inject, InjectCause, InjectStatus
from drillops.timelines.selectors import attach_missed, escalations_speaking_for, inbox_split
from tests.asgi_server import asgi_server  # noqa: F401 - a fixture

from ..factories import DepartmentFactory, MembershipFactory, UserFactory
from .test_live_stream import Stream, wait_for

pytestmark = pytest.mark.django_db


def _inject(pk: int, status: str, deadline_in: float | None, delivered_ago: float = 60) -> Inject:
    now = timezone.now()
    return Inject(
        pk=pk,
        status=status,
        delivered_at=now - timedelta(seconds=delivered_ago),
        deadline_at=None if deadline_in is None else now + timedelta(seconds=deadline_in),
        resolved_at=now if status == InjectStatus.RESOLVED else None,
    )


def test_the_inbox_puts_open_items_first_nearest_deadline_first_and_no_deadline_last():
    rows = [
        _inject(1, InjectStatus.DELIVERED, None, delivered_ago=300),
        _inject(2, InjectStatus.RESOLVED, 10),
        _inject(3, InjectStatus.ACKNOWLEDGED, 600),
        _inject(4, InjectStatus.DELIVERED, -30),  # already past its deadline
        _inject(5, InjectStatus.IN_PROGRESS, 120),
        _inject(6, InjectStatus.CANCELLED, 5),
        _inject(7, InjectStatus.DELIVERED, None, delivered_ago=10),
    ]
    waiting, done = inbox_split(rows)
    assert [i.pk for i in waiting] == [4, 5, 3, 1, 7]
    assert sorted(i.pk for i in done) == [2, 6]


@pytest.fixture
def exec_staff(org, exec_dept):
    return MembershipFactory(organisation=org, role=Role.STAFF, department=exec_dept, user=UserFactory()).user


@pytest.fixture
def six(org, cs, risk):
    return [cs, risk, *(DepartmentFactory(organisation=org, code=f"d{n}", name=f"Dept {n}") for n in range(4))]


@pytest.fixture
def escalated(build_scenario, six, exec_dept, start_drill):
    """An event for six departments that nobody answered, escalated once to senior management."""
    steps = [
        {
            "after_seconds": 30,
            "department": exec_dept.pk,
            "message": "Nobody answered",
            "response_deadline_seconds": 120,
        }
    ]
    drill = start_drill(build_scenario([{"departments": six, "deadline": 60, "escalations": steps}]))
    dispatcher.run_once()
    EscalationStep.objects.filter(inject__drill=drill).update(fire_at=db_now() - timedelta(milliseconds=1))
    dispatcher.run_once()
    return drill, Inject.objects.get(drill=drill, cause=InjectCause.ESCALATION)


def test_an_escalation_names_every_department_that_missed_and_since_when(escalated, six, cs_staff):
    drill, escalation = escalated
    copies = {i.department_id: i for i in Inject.objects.filter(drill=drill, cause=InjectCause.SCHEDULED)}
    services.inject_acknowledge(inject=copies[six[0].pk], by=cs_staff)
    attach_missed([escalation])
    missed = escalation.missed  # type: ignore[attr-defined]
    assert sorted(m.department.pk for m in missed) == sorted(d.pk for d in six)
    assert {m.department.pk: m.since for m in missed} == {pk: c.deadline_at for pk, c in copies.items()}
    answered = [m.department.pk for m in missed if m.acknowledged_at is not None]
    assert answered == [six[0].pk]
    assert escalation.deadline_at is not None  # the step gave it its own deadline


def test_an_answer_to_a_missed_copy_is_announced_to_the_escalations_target(escalated, six, exec_dept):
    drill, escalation = escalated
    copy = Inject.objects.get(drill=drill, department=six[2], cause=InjectCause.SCHEDULED)
    assert escalations_speaking_for([copy.pk]) == [escalation.pk]
    data = _with_escalations("acknowledged", {"inject": copy.pk})
    assert data["injects"] == [escalation.pk]
    assert exec_dept.pk in audience_of(drill.pk, "acknowledged", data)["departments"]
    assert _with_escalations("message", {"entry": 1}) == {"entry": 1}


def test_the_pushed_escalation_card_and_inject_page_name_the_six_departments(escalated, six):
    drill, escalation = escalated
    wanted = {("staff", "en"), ("coordinator", "en")}
    # What the stream's render thread does, inside the test's transaction (render_changes would
    # also close the thread's connection, here the test's own).
    out = render._render(drill.pk, {escalation.pk}, False, 0, wanted, frozenset({escalation.pk}))
    pieces = {(p.key, next(iter(p.roles))): p for p in out.pieces if len(p.roles) == 1}
    card = pieces[(f"inject-{escalation.pk}", "staff")].html
    head = pieces[(f"detail-{escalation.pk}", "staff")].html
    for html in (card, head):
        assert 'data-missed="6"' in html
        assert all(d.name in html for d in six)
        assert "---" not in html and "Nobody answered" in html
    assert "data-deadline=" in card  # its own deadline counts down
    # The entries under an inject come as pieces for the inject page's history list, and the
    # inject page's pieces are for that page only.
    assert any(p.list == f"detail-entries-{escalation.pk}" for p in out.pieces)
    assert {p.page for p in out.pieces if p.key.startswith("detail-")} == {escalation.pk}
    assert {p.page for p in out.pieces if not p.key.startswith("detail-")} == {0}
    consoles_only = render._render(drill.pk, {escalation.pk}, False, 0, wanted)
    assert not any(p.key.startswith("detail-") for p in consoles_only.pieces)


def test_a_forwarded_body_shows_the_note_and_the_original_apart(escalated, cs, risk, cs_staff):
    drill, _escalation = escalated
    copy = Inject.objects.get(drill=drill, department=cs, cause=InjectCause.SCHEDULED)
    Inject.objects.filter(pk=copy.pk).update(body="The original complaint")
    copy.refresh_from_db()
    forward = services.inject_forward(inject=copy, by=cs_staff, department=risk, text="Please take over")
    client = Client()
    risk_staff = MembershipFactory(organisation=copy.drill.organisation, role=Role.STAFF, department=risk).user
    client.force_login(risk_staff)
    page = client.get(reverse("inject_detail", args=[forward.pk])).content.decode()
    body = page[page.index('id="live"') : page.index('id="detail-forms"')]  # the form's select has its own dashes
    assert "Please take over" in body and "The original complaint" in body and "---" not in body
    assert body.index("body-note") < body.index("body-original")


def test_the_inject_pages_live_part_comes_alone_and_not_again_while_nothing_changed(escalated, exec_staff):
    _drill, escalation = escalated
    client = Client()
    client.force_login(exec_staff)
    url = reverse("inject_detail", args=[escalation.pk])
    page = client.get(url)
    assert page.status_code == 200 and b'id="detail-forms"' in page.content
    part = client.get(url, {"part": "live"})
    body = part.content.decode()
    assert part.status_code == 200 and body.lstrip().startswith('<div id="live"') and "detail-forms" not in body
    rev = (redis_client().get(live_rev_key(escalation.drill_id)) or b"0").decode()
    assert client.get(url, {"part": "live", "rev": rev}).status_code == 204


def test_the_staff_inbox_counts_what_waits_and_folds_what_is_done(escalated, six, cs_staff):
    drill, _escalation = escalated
    copy = Inject.objects.get(drill=drill, department=six[0], cause=InjectCause.SCHEDULED)
    client = Client()
    client.force_login(cs_staff)
    body = client.get(reverse("drill_console", args=[drill.pk])).content.decode()
    assert 'id="inbox-count" title="waiting for an answer">1<' in body
    services.inject_resolve(inject=copy, by=cs_staff)
    body = client.get(reverse("drill_console", args=[drill.pk])).content.decode()
    assert 'id="inbox-count" title="waiting for an answer">0<' in body
    assert '<span id="inbox-done-count">1</span>' in body
    done = body.index('id="inbox-done"')
    assert body.index(f'data-inject-id="{copy.pk}"') > done


def test_the_targets_page_hears_when_a_department_joins_the_escalation_or_answers(
    asgi_server,  # noqa: F811
    build_scenario,
    cs,
    risk,
    exec_dept,
    exec_staff,
    cs_staff,
    start_drill,
):
    steps = [{"after_seconds": 30, "department": exec_dept.pk, "message": "Nobody answered"}]
    drill = start_drill(build_scenario([{"departments": [cs, risk], "deadline": 60, "escalations": steps}]))
    dispatcher.run_once()
    cs_copy, risk_copy = (Inject.objects.get(drill=drill, department=d) for d in (cs, risk))
    EscalationStep.objects.filter(inject=cs_copy).update(fire_at=db_now() - timedelta(milliseconds=1))
    dispatcher.run_once()
    escalation = Inject.objects.get(drill=drill, cause=InjectCause.ESCALATION)
    stream = Stream(asgi_server, exec_staff, drill.pk)
    assert stream.opened.wait(10)
    key = f"inject-{escalation.pk}"
    try:
        # Risk management misses too: it joins the one escalation, which the target sees again.
        EscalationStep.objects.filter(inject=risk_copy).update(fire_at=db_now() - timedelta(milliseconds=1))
        dispatcher.run_once()
        wait_for(lambda: 'data-missed="2"' in stream.html_of(key))
        assert Inject.objects.filter(drill=drill, cause=InjectCause.ESCALATION).count() == 1
        # Customer service answers late: the escalation shows it, pushed to the target's page.
        services.inject_acknowledge(inject=cs_copy, by=cs_staff)
        wait_for(lambda: "badge acknowledged" in stream.html_of(key))
    finally:
        stream.close()


def test_only_the_inject_page_gets_its_own_pieces(asgi_server, escalated, exec_staff, six, cs_staff):  # noqa: F811
    drill, escalation = escalated
    detail = Stream(asgi_server, exec_staff, drill.pk, query=f"inject={escalation.pk}")  # its inject page
    assert detail.response.status == 200 and detail.opened.wait(10)
    console = Stream(asgi_server, exec_staff, drill.pk)
    assert console.opened.wait(10)
    try:
        copy = Inject.objects.get(drill=drill, department=six[0], cause=InjectCause.SCHEDULED)
        services.inject_acknowledge(inject=copy, by=cs_staff)  # the escalation is drawn again
        key = f"inject-{escalation.pk}"
        wait_for(lambda: key in detail.piece_keys() and key in console.piece_keys())
        wait_for(lambda: "badge acknowledged" in detail.html_of(f"detail-{escalation.pk}"))
        time.sleep(0.5)
        assert not any(k.startswith("detail-") for k in console.piece_keys())
    finally:
        detail.close()
        console.close()
