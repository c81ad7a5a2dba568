"""Scenarios, their versions, MSEL events and objectives through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.test import APIClient

from drillops.core.models import AuditEntry
from drillops.scenarios.models import ScenarioEvent, ScenarioVersion

from ..api.world import World
from ..factories import ScenarioEventFactory

Clients = Callable[[str], APIClient]


def _event(world: World, **extra: Any) -> dict[str, Any]:
    return {"title": "Complaint", "body": "Refund!", "offset_seconds": 0, "departments": [world.cs.pk], **extra}


def test_create_scenario_makes_draft_version_one(world: World, client_as: Clients) -> None:
    answer = client_as("coordinator").post("/api/v1/scenarios/", {"title": "Press storm", "description": "Media"})
    assert answer.status_code == 201, answer.json()
    assert answer.json()["current_version"]["number"] == 1
    assert answer.json()["current_version"]["status"] == "draft"
    assert AuditEntry.objects.filter(action="scenario.create", object_id=answer.json()["id"]).exists()


def test_event_with_all_fields_round_trips(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    url = f"/api/v1/scenarios/{world.draft.pk}/events/"
    body = _event(
        world,
        sequence=7,
        channel="news",
        sender="Daily Paper",
        expected_action="Brief PR",
        is_decision=True,
        objective=world.draft_objective.pk,
        response_deadline_seconds=300,
        escalations=[
            {"after_seconds": 0, "department": world.risk.pk, "message": "CS silent", "unless": "acknowledged"},
            {"after_seconds": 120, "role": "coordinator", "unless": "resolved"},
        ],
        condition={"kind": "after_resolved", "event": world.draft_event.pk, "delay_seconds": 60},
    )
    answer = client.post(url, body, format="json")
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    for key in ("sequence", "channel", "sender", "is_decision", "objective", "response_deadline_seconds", "condition"):
        assert data[key] == body[key], key
    assert data["escalations"][1] == {"after_seconds": 120, "role": "coordinator", "message": "", "unless": "resolved"}
    listed = client.get(url).json()
    assert [e["title"] for e in listed["results"]] == ["Complaint", "Draft event"]  # by offset


def test_only_title_body_offset_departments_are_required(world: World, client_as: Clients) -> None:
    answer = client_as("coordinator").post(f"/api/v1/scenarios/{world.draft.pk}/events/", _event(world), format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["sequence"] == 2 and answer.json()["channel"] == "other"
    assert answer.json()["condition"] is None and answer.json()["escalations"] == []


def test_event_update_and_delete(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    url = f"/api/v1/scenarios/{world.draft.pk}/events/{world.draft_event.pk}/"
    changed = client.patch(url, {"offset_seconds": 90, "departments": [world.risk.pk]}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["offset_seconds"] == 90 and changed.json()["departments"] == [world.risk.pk]
    assert client.delete(url).status_code == 204
    assert not ScenarioEvent.objects.filter(pk=world.draft_event.pk).exists()


def test_changing_an_approved_version_is_409(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    url = f"/api/v1/scenarios/{world.scenario.pk}/events/"
    assert client.post(url, _event(world), format="json").status_code == 409
    assert client.patch(f"{url}{world.event.pk}/", {"title": "New"}, format="json").status_code == 409
    assert client.delete(f"{url}{world.event.pk}/").status_code == 409
    world.event.refresh_from_db()
    assert world.event.title == "Complaint call 1"


def test_version_workflow(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    base = f"/api/v1/scenarios/{world.draft.pk}"
    assert client.post(f"{base}/approve/").status_code == 409  # draft must be reviewed first
    assert client.post(f"{base}/submit/").json()["status"] == "in_review"
    assert client.post(f"{base}/approve/").json()["status"] == "approved"
    assert client.post(f"{base}/submit/").status_code == 409
    assert client.post(f"{base}/archive/").json()["status"] == "archived"
    listed = client.get(f"{base}/versions/").json()
    assert [v["status"] for v in listed["results"]] == ["archived"]


def test_new_draft_copies_events_and_remaps_conditions_and_objectives(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    base = f"/api/v1/scenarios/{world.scenario.pk}"
    first = world.event
    # The approved version cannot change (a trigger refuses): its conditional event is added as new.
    ScenarioEventFactory(
        version=first.version,
        sequence=99,
        title="Follow-up call",
        condition_kind="after_resolved",
        condition_event=first,
        departments=[world.cs],
    )
    answer = client.post(f"{base}/versions/")
    assert answer.status_code == 201
    assert answer.json()["number"] == 2 and answer.json()["status"] == "draft"
    assert client.post(f"{base}/versions/").status_code == 409  # one draft at a time
    draft = ScenarioVersion.objects.get(pk=answer.json()["id"])
    copies = {e.title: e for e in draft.events.all()}
    assert copies["Follow-up call"].condition_event == copies["Complaint call 1"]
    assert copies["Complaint call 1"].objective.version == draft
    assert list(copies["Complaint call 1"].departments.all()) == list(first.departments.all())
    edited = client.patch(f"{base}/events/{copies['Complaint call 1'].pk}/", {"title": "Edited"}, format="json")
    assert edited.status_code == 200
    world.event.refresh_from_db()
    assert world.event.title == "Complaint call 1"


def test_objectives_with_critical_tasks(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    url = f"/api/v1/scenarios/{world.draft.pk}/objectives/"
    body = {
        "capability": "Decisions",
        "title": "Decide under pressure",
        "target": "Within 30 min",
        "critical_tasks": ["Call the meeting", "Decide on refunds"],
    }
    answer = client.post(url, body, format="json")
    assert answer.status_code == 201, answer.json()
    assert [t["title"] for t in answer.json()["critical_tasks"]] == body["critical_tasks"]
    pk = answer.json()["id"]
    changed = client.patch(f"{url}{pk}/", {"critical_tasks": ["Only one"]}, format="json")
    assert [t["title"] for t in changed.json()["critical_tasks"]] == ["Only one"]
    assert client.delete(f"{url}{pk}/").status_code == 204
    assert client.post(f"/api/v1/scenarios/{world.scenario.pk}/objectives/", body, format="json").status_code == 409


def test_scenarios_are_the_coordinators_only(world: World, client_as: Clients) -> None:
    assert client_as("staff_target").get("/api/v1/scenarios/").status_code == 403
    assert client_as("observer_invited").get(f"/api/v1/scenarios/{world.scenario.pk}/events/").status_code == 403
    assert client_as("other_coordinator").get(f"/api/v1/scenarios/{world.scenario.pk}/").status_code == 404
    assert client_as("other_coordinator").get(f"/api/v1/scenarios/{world.scenario.pk}/events/").status_code == 404


def test_scenario_with_drills_cannot_be_deleted(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    assert client.delete(f"/api/v1/scenarios/{world.scenario.pk}/").status_code == 409
    assert client.delete(f"/api/v1/scenarios/{world.draft.pk}/").status_code == 204
