"""The scenario editor's pages: forms go through the services, a refused form comes back with what
was typed and the message beside its field (400), htmx gets fragments, and the version workflow
(submit, independent review, new draft, clone, diff) answers with messages on the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from drillops.departments.models import Role
from drillops.scenarios import services
from drillops.scenarios.models import Scenario, ScenarioEvent, VersionStatus
from tests.factories import MembershipFactory, UserFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(org: Any, coordinator: Any, cs: Any) -> Scenario:
    scenario = services.scenario_create(organisation=org, by=coordinator, title="Press storm")
    services.event_create(scenario=scenario, by=coordinator, title="Call", body="B", offset_seconds=0, departments=[cs])
    return scenario


def row_data(cs: Any, risk: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "offset": "00:05:00",
        "channel": "press",
        "sender": "Daily Paper",
        "departments": [cs.pk],
        "title": "Reporter calls",
        "body": "Asks for a statement.",
        "expected_action": "Hold the line",
        "is_decision": "on",
        "response_deadline": "00:10:00",
        "step-0-after": "00:02:00",
        "step-0-target": f"d:{risk.pk}",
        "step-0-unless": "acknowledged",
        "step-0-message": "PR silent",
        "step-1-after": "300",
        "step-1-target": "r:coordinator",
        "step-1-unless": "resolved",
        "step-1-deadline": "00:01:00",
    }
    data.update(changes)
    return data


def test_dashboard_links_new_scenario_and_no_longer_sends_to_the_admin(coordinator, org):
    body = client_for(coordinator).get(reverse("home")).content.decode()
    assert reverse("scenario_new") in body and reverse("scenario_list") in body
    assert "written in the admin" not in body


def test_new_scenario_page_creates_a_draft_and_opens_the_editor(coordinator, org):
    client = client_for(coordinator)
    assert client.post(reverse("scenario_new"), {"title": ""}).status_code == 400
    answer = client.post(reverse("scenario_new"), {"title": "Hotline outage", "description": "IT down"})
    scenario = Scenario.objects.get(title="Hotline outage")
    assert answer.status_code == 302 and answer["Location"] == reverse("scenario_detail", args=[scenario.pk])
    page = client.get(answer["Location"]).content.decode()
    assert 'id="btn-add-event"' in page and "v1 · Draft" in page
    assert "Hotline outage" in client.get(reverse("scenario_list")).content.decode()


def test_adding_an_event_with_a_two_step_ladder_through_the_row_form(draft, coordinator, cs, risk):
    answer = client_for(coordinator).post(reverse("scenario_event_new", args=[draft.pk]), row_data(cs, risk), **HX)
    assert answer.status_code == 200, answer.content.decode()[:2000]
    assert answer["HX-Retarget"] == "#events" and answer["HX-Trigger"] == "msel-changed"
    event = ScenarioEvent.objects.get(title="Reporter calls")
    assert (event.offset_seconds, event.response_deadline_seconds, event.sequence) == (300, 600, 2)
    assert event.channel == "press" and event.is_decision and list(event.departments.all()) == [cs]
    assert event.escalations == [
        {"after_seconds": 120, "department": risk.pk, "message": "PR silent", "unless": "acknowledged"},
        {
            "after_seconds": 300,
            "role": "coordinator",
            "message": "",
            "unless": "resolved",
            "response_deadline_seconds": 60,
        },
    ]
    assert "Reporter calls" in answer.content.decode()


def test_a_refused_row_keeps_what_was_typed_and_names_the_problem_beside_it(draft, coordinator, cs, risk):
    data = row_data(cs, risk, offset="half past nine", **{"step-0-target": f"d:{cs.pk}"})
    answer = client_for(coordinator).post(reverse("scenario_event_new", args=[draft.pk]), data, **HX)
    assert answer.status_code == 400
    body = answer.content.decode()
    assert 'value="half past nine"' in body and 'value="Reporter calls"' in body and "PR silent" in body
    assert "Use HH:MM:SS" in body
    assert not ScenarioEvent.objects.filter(title="Reporter calls").exists()
    # The form is right, the ladder is not: the service's message lands on the ladder.
    data["offset"] = "00:05:00"
    answer = client_for(coordinator).post(reverse("scenario_event_new", args=[draft.pk]), data, **HX)
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "Step 1 escalates to Customer Service, which already receives this event" in body
    assert 'class="ladder-fields has-error"' in body


def test_without_htmx_a_refused_row_shows_the_whole_page_with_the_form_open(draft, coordinator, cs, risk):
    data = row_data(cs, risk, response_deadline="30:00:00")
    answer = client_for(coordinator).post(reverse("scenario_event_new", args=[draft.pk]), data)
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "longer than the drill" in body and 'value="30:00:00"' in body and "<h1>" in body


def test_editing_a_row_answers_the_row(draft, coordinator, cs, risk):
    event = draft.versions.get().events.get()
    client = client_for(coordinator)
    form = client.get(reverse("scenario_event_edit", args=[draft.pk, event.pk]), **HX).content.decode()
    assert 'value="00:00:00"' in form and 'value="Call"' in form
    data = row_data(cs, risk, title="Call again", sequence=str(event.sequence))
    answer = client.post(reverse("scenario_event_edit", args=[draft.pk, event.pk]), data, **HX)
    assert answer.status_code == 200 and f'id="event-{event.pk}"' in answer.content.decode()
    event.refresh_from_db()
    assert event.title == "Call again" and event.offset_seconds == 300


def test_move_duplicate_and_delete_answer_the_table(draft, coordinator, cs):
    version = draft.versions.get()
    second = services.event_create(
        scenario=draft, by=coordinator, title="Second", body="B", offset_seconds=60, departments=[cs]
    )
    client = client_for(coordinator)
    moved = client.post(reverse("scenario_event_move", args=[draft.pk, second.pk]), {"direction": "up"}, **HX)
    assert moved.status_code == 200 and moved["HX-Retarget"] == "#events"
    assert list(version.events.order_by("sequence").values_list("title", flat=True)) == ["Second", "Call"]
    client.post(reverse("scenario_event_duplicate", args=[draft.pk, second.pk]), **HX)
    assert version.events.filter(title="Second").count() == 2
    client.post(reverse("scenario_event_delete", args=[draft.pk, second.pk]), **HX)
    assert version.events.count() == 2


def test_a_refused_reorder_says_why_above_the_table(draft, coordinator, cs):
    first = draft.versions.get().events.get()
    waiting = services.event_create(
        scenario=draft,
        by=coordinator,
        title="Follow-up",
        body="B",
        offset_seconds=60,
        departments=[cs],
        condition={"kind": "after_resolved", "event": first.pk},
    )
    url = reverse("scenario_events_reorder", args=[draft.pk])
    answer = client_for(coordinator).post(url, {"order": f"{waiting.pk},{first.pk}"}, **HX)
    assert answer.status_code == 400 and 'class="row-error"' in answer.content.decode()
    assert "which comes later" in answer.content.decode()
    assert client_for(coordinator).post(url, {"order": "1;2"}, **HX).status_code == 400


def test_objective_with_a_measured_critical_task(draft, coordinator, cs, risk):
    data = {
        "capability": "Communications",
        "title": "Report fast",
        "target": "Risk knows within 10 minutes",
        "task-0-title": "Hand the complaint on",
        "task-0-metric": "handoff_p50",
        "task-0-op": "<=",
        "task-0-value": "00:10:00",
        "task-0-from": str(cs.pk),
        "task-0-to": str(risk.pk),
        "task-1-title": "Log it",
        "task-1-metric": "",
    }
    client = client_for(coordinator)
    answer = client.post(reverse("scenario_objective_new", args=[draft.pk]), data, **HX)
    assert answer.status_code == 200 and answer["HX-Retarget"] == "#objectives"
    objective = draft.versions.get().objectives.get()
    tasks = list(objective.critical_tasks.values_list("title", "target"))
    assert tasks == [
        ("Hand the complaint on", {"metric": "handoff_p50", "op": "<=", "value": 600.0, "from": cs.pk, "to": risk.pk}),
        ("Log it", None),
    ]
    assert "Customer Service → Risk Management ≤ 10 min" in answer.content.decode()
    data["task-0-to"] = str(cs.pk)  # a hand-off to itself
    refused = client.post(reverse("scenario_objective_edit", args=[draft.pk, objective.pk]), data, **HX)
    assert refused.status_code == 400 and "from one department to another" in refused.content.decode()


def test_submit_and_independent_review_from_the_page(draft, coordinator, org):
    org.require_independent_review = True
    org.save()
    client = client_for(coordinator)
    page = client.post(reverse("scenario_version_move", args=[draft.pk, "submit"]), follow=True).content.decode()
    assert "Version submitted for review." in page and 'id="btn-approve"' in page
    page = client.post(reverse("scenario_version_move", args=[draft.pk, "approve"]), follow=True).content.decode()
    assert "requires a reviewer other than the author" in page
    assert draft.versions.get().status == VersionStatus.IN_REVIEW
    second = MembershipFactory(organisation=org, role=Role.COORDINATOR, user=UserFactory(username="coord2")).user
    approved = client_for(second).post(reverse("scenario_version_move", args=[draft.pk, "approve"]), follow=True)
    assert "Version approved" in approved.content.decode()
    assert draft.versions.get().status == VersionStatus.APPROVED


def test_read_view_of_an_approved_version_offers_a_new_draft_and_no_row_buttons(draft, coordinator):
    services.version_submit(scenario=draft, by=coordinator)
    services.version_approve(scenario=draft, by=coordinator)
    client = client_for(coordinator)
    page = client.get(reverse("scenario_detail", args=[draft.pk])).content.decode()
    assert 'id="btn-new-draft"' in page and "edit-event" not in page and "cannot change" in page
    refused = client.post(reverse("scenario_event_new", args=[draft.pk]), {}, **HX)
    assert refused.status_code == 204 and refused["HX-Redirect"].startswith(reverse("scenario_detail", args=[draft.pk]))
    client.post(reverse("scenario_version_move", args=[draft.pk, "new"]))
    assert 'id="btn-add-event"' in client.get(reverse("scenario_detail", args=[draft.pk])).content.decode()


def test_clone_and_diff_pages(draft, coordinator, cs):
    services.version_submit(scenario=draft, by=coordinator)
    services.version_approve(scenario=draft, by=coordinator)
    services.version_new_draft(scenario=draft, by=coordinator)
    event = draft.versions.get(number=2).events.get()
    services.event_update(event=event, by=coordinator, offset_seconds=90)
    client = client_for(coordinator)
    diff = client.get(reverse("scenario_diff", args=[draft.pk]) + "?from=1&to=2")
    body = diff.content.decode()
    assert diff.status_code == 200 and "Changes from v1 to v2" in body
    assert "T+00:00:00" in body and "T+00:01:30" in body
    assert client.get(reverse("scenario_diff", args=[draft.pk]) + "?from=x&to=2").status_code == 400
    assert client.get(reverse("scenario_diff", args=[draft.pk]) + "?from=1&to=7").status_code == 400
    cloned = client.post(reverse("scenario_clone", args=[draft.pk]), {"version": "1", "title": "Rerun"})
    clone = Scenario.objects.get(title="Rerun")
    assert cloned.status_code == 302 and cloned["Location"] == reverse("scenario_detail", args=[clone.pk])
    assert client.post(reverse("scenario_clone", args=[draft.pk]), {"version": "9"}).status_code == 400


def test_the_page_shows_which_drills_run_which_version(drill, coordinator):
    scenario_id = drill.scenario_version.scenario_id
    body = client_for(coordinator).get(reverse("scenario_detail", args=[scenario_id])).content.decode()
    assert "Web drill" in body and f'href="?version={drill.scenario_version.number}">v1</a>' in body
    new_drill = f"{reverse('drill_new')}?scenario={scenario_id}&amp;version={drill.scenario_version_id}"
    assert new_drill in body  # the New drill page, with this version chosen


def test_timeline_preview_draws_events_deadlines_and_ladders(drill, coordinator):
    scenario_id = drill.scenario_version.scenario_id
    body = client_for(coordinator).get(reverse("scenario_timeline", args=[scenario_id]), **HX).content.decode()
    assert "<svg" in body and body.count('class="tl-event"') == 2 and body.count('class="tl-step"') == 1
    assert "Customer Service" in body and "Risk Management" in body and "T+01:00" in body


def test_players_get_404_on_the_editor(draft, cs_staff):
    client: Client = client_for(cs_staff)
    assert client.get(reverse("scenario_list")).status_code == 404
    assert client.post(reverse("scenario_event_new", args=[draft.pk]), {}).status_code == 404


def test_the_console_header_links_the_version_the_drill_runs(drill, coordinator):
    version = drill.scenario_version
    body = client_for(coordinator).get(reverse("drill_console", args=[drill.pk])).content.decode()
    link = reverse("scenario_detail", args=[version.scenario_id]) + f"?version={version.number}"
    assert f'href="{link}"' in body and f"v{version.number}" in body
