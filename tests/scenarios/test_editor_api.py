"""The MSEL rules, independent review, clone and diff through the API: 400 naming the field, 409
naming the rule, and nothing changed by a refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.test import APIClient

from drillops.departments.models import Role
from drillops.scenarios.models import Scenario, ScenarioEvent, ScenarioVersion
from tests.factories import MembershipFactory, UserFactory

from ..api.world import World

Clients = Callable[[str], APIClient]


def _events(world: World) -> str:
    return f"/api/v1/scenarios/{world.draft.pk}/events/"


def _event(world: World, **extra: Any) -> dict[str, Any]:
    return {"title": "Call", "body": "Refund!", "offset_seconds": 0, "departments": [world.cs.pk], **extra}


def test_condition_on_a_later_event_answers_400_naming_it(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    later = client.post(_events(world), _event(world, title="Late", sequence=9), format="json").json()
    answer = client.post(
        _events(world),
        _event(world, sequence=5, condition={"kind": "after_resolved", "event": later["id"]}),
        format="json",
    )
    assert answer.status_code == 400
    assert "#9" in answer.json()["condition"][0]
    assert not ScenarioEvent.objects.filter(sequence=5, version__scenario=world.draft).exists()


def test_ladder_to_its_own_department_answers_400(world: World, client_as: Clients) -> None:
    steps = [{"after_seconds": 60, "department": world.cs.pk}]
    answer = client_as("coordinator").post(_events(world), _event(world, escalations=steps), format="json")
    assert answer.status_code == 400
    assert "Customer Service" in answer.json()["escalations"][0]


def test_deadline_longer_than_the_drill_answers_400(world: World, client_as: Clients) -> None:
    answer = client_as("coordinator").post(
        _events(world), _event(world, response_deadline_seconds=5 * 3600), format="json"
    )
    assert answer.status_code == 400
    assert "longer than the drill" in answer.json()["response_deadline_seconds"][0]


def test_independent_review_refuses_the_author_with_409(world: World, client_as: Clients) -> None:
    world.org.require_independent_review = True
    world.org.save()
    author = client_as("coordinator")
    base = f"/api/v1/scenarios/{world.draft.pk}"
    submitted = author.post(f"{base}/submit/")
    assert submitted.json()["submitted_by"] == world.users["coordinator"].pk
    refused = author.post(f"{base}/approve/")
    assert refused.status_code == 409 and "other than the author" in refused.json()["detail"]
    second = MembershipFactory(organisation=world.org, role=Role.COORDINATOR, user=UserFactory(username="co2")).user
    reviewer = APIClient()
    reviewer.force_authenticate(second)
    approved = reviewer.post(f"{base}/approve/")
    assert approved.status_code == 200 and approved.json()["approved_by"] == second.pk


def test_clone_copies_the_chosen_version_into_a_new_scenario(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    answer = client.post(f"/api/v1/scenarios/{world.scenario.pk}/clone/", {"version": 1, "title": "Rerun"})
    assert answer.status_code == 201, answer.json()
    assert answer.json()["title"] == "Rerun" and answer.json()["current_version"]["status"] == "draft"
    clone = Scenario.objects.get(pk=answer.json()["id"])
    assert clone.versions.get().events.count() == 2
    bad = client.post(f"/api/v1/scenarios/{world.scenario.pk}/clone/", {"version": 7})
    assert bad.status_code == 400 and "version" in bad.json()


def test_diff_answers_what_changed_between_two_versions(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    base = f"/api/v1/scenarios/{world.scenario.pk}"
    draft = ScenarioVersion.objects.get(pk=client.post(f"{base}/versions/").json()["id"])
    event = draft.events.get(sequence=1)
    client.patch(f"{base}/events/{event.pk}/", {"title": "First call, louder"}, format="json")
    answer = client.get(f"{base}/diff/?from=1&to=2")
    assert answer.status_code == 200, answer.json()
    [changed] = answer.json()["events"]["changed"]
    assert changed["sequence"] == 1
    assert changed["fields"] == [{"field": "title", "from": "Complaint call 1", "to": "First call, louder"}]
    assert answer.json()["events"]["added"] == [] and answer.json()["objectives"]["changed"] == []
    for query in ("", "?from=1", "?from=a&to=2", "?from=1&to=9"):
        assert client.get(f"{base}/diff/{query}").status_code == 400, query
