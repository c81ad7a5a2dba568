"""Escalation steps with their own deadline, and critical tasks with structured targets, through
the API, the admin and the scenario page."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from drillops.scenarios import services
from drillops.scenarios.models import CriticalTask, ScenarioEvent
from drillops.scenarios.targets import Target, TargetError

from ..api.world import World
from ..web.conftest import client_for

Clients = Callable[[str], APIClient]


def _handoff(world: World, seconds: float = 600) -> dict[str, Any]:
    return {"metric": "handoff_p50", "from": world.cs.pk, "to": world.risk.pk, "op": "<=", "value": seconds}


def test_a_step_may_give_the_escalation_its_own_deadline(world: World, client_as: Clients) -> None:
    url = f"/api/v1/scenarios/{world.draft.pk}/events/"
    steps = [
        {"after_seconds": 0, "department": world.risk.pk, "response_deadline_seconds": 120},
        {"after_seconds": 60, "department": world.risk.pk, "response_deadline_seconds": None},
        {"after_seconds": 90, "department": world.risk.pk, "response_deadline_seconds": 0},
    ]
    body = {"title": "Call", "body": "B", "offset_seconds": 0, "departments": [world.cs.pk], "escalations": steps}
    answer = client_as("coordinator").post(url, body, format="json")
    assert answer.status_code == 201, answer.json()
    stored = [step.get("response_deadline_seconds", "absent") for step in answer.json()["escalations"]]
    assert stored == [120, "absent", 0]


def test_critical_tasks_take_titles_and_objects_with_targets(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    url = f"/api/v1/scenarios/{world.draft.pk}/objectives/"
    share = {"metric": "deadline_compliance", "department": world.cs.pk, "op": ">=", "value": 0.9}
    body = {
        "capability": "Coordination",
        "title": "Report quickly",
        "critical_tasks": [
            "Log the complaint",
            {"title": "Report to risk", "target": _handoff(world)},
            {"title": "Meet"},
        ],
    }
    answer = client.post(url, body, format="json")
    assert answer.status_code == 201, answer.json()
    tasks = answer.json()["critical_tasks"]
    assert [(t["title"], t["target"]) for t in tasks] == [
        ("Log the complaint", None),
        ("Report to risk", {**_handoff(world), "value": 600.0}),
        ("Meet", None),
    ]
    changed = client.patch(
        f"{url}{answer.json()['id']}/", {"critical_tasks": [{"title": "S", "target": share}]}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["critical_tasks"][0]["target"] == share


def test_a_new_draft_version_keeps_the_targets(world: World) -> None:
    coordinator = world.users["coordinator"]
    objective = world.objective
    # The approved version's rows cannot change (a trigger refuses): the task with a target is a new row.
    added = CriticalTask.objects.create(objective=objective, sequence=9, title="Hand off", target=_handoff(world, 300))
    services.version_archive(scenario=world.scenario, by=coordinator)
    draft = services.version_new_draft(scenario=world.scenario, by=coordinator)
    copied = CriticalTask.objects.get(objective__version=draft, title="Hand off")
    assert copied.target == _handoff(world, 300) and copied.pk != added.pk


def test_a_target_reads_back_what_it_was_given_and_knows_when_it_is_met() -> None:
    target = Target.from_json({"metric": "handoff_max", "from": 3, "to": 4, "op": "<=", "value": 60})
    assert target.scope == "pair" and target.department_ids == {3, 4}
    assert Target.from_json(target.as_json()) == target
    assert target.met_by(60) and not target.met_by(60.001)
    at_least = Target.from_json({"metric": "acknowledged_share", "op": ">=", "value": 0.5})
    assert at_least.scope == "drill" and at_least.met_by(0.5) and not at_least.met_by(0.49)
    with pytest.raises(TargetError) as refused:
        Target.from_json({"metric": "handoff_max", "op": "=", "value": -1, "colour": "red"})
    assert len(refused.value.messages) == 4  # unknown key, op, value, and the missing pair


@pytest.fixture
def admin_client(world: World) -> Any:
    return client_for(world.users["superuser"])


def _event_form(event: ScenarioEvent, escalations: str) -> dict[str, Any]:
    return {
        "version": event.version_id, "sequence": event.sequence, "offset_seconds": event.offset_seconds,
        "title": event.title, "body": event.body, "channel": event.channel, "sender": "",
        "departments": [d.pk for d in event.departments.all()], "expected_action": "",
        "escalations": escalations, "condition_kind": "", "condition_delay_seconds": 0,
        "attachments-TOTAL_FORMS": 0, "attachments-INITIAL_FORMS": 0,
    }  # fmt: skip


def test_the_admin_checks_the_ladder_as_the_api_does(world: World, admin_client: Any) -> None:
    event = world.draft_event
    url = reverse("admin:scenarios_scenarioevent_change", args=[event.pk])
    bad = f'[{{"after_seconds": 5, "department": {world.risk.pk}, "response_deadline_seconds": -1}}]'
    page = admin_client.post(url, _event_form(event, bad))
    assert page.status_code == 200 and "response_deadline_seconds must be a whole number" in page.content.decode()
    good = f'[{{"after_seconds": 5, "department": {world.risk.pk}, "response_deadline_seconds": 30}}]'
    assert admin_client.post(url, _event_form(event, good)).status_code == 302
    event.refresh_from_db()
    assert event.escalations[0]["response_deadline_seconds"] == 30 and event.escalations[0]["unless"] == "acknowledged"


def test_the_admin_refuses_a_target_of_another_organisation(world: World, admin_client: Any) -> None:
    # Critical tasks are edited in their objective's form, through objective_update.
    objective = world.draft_objective
    url = reverse("admin:scenarios_objective_change", args=[objective.pk])
    target = {"metric": "acknowledge_p90", "department": world.other_dept.pk, "op": "<=", "value": 60}
    tasks = json.dumps([{"title": "Report", "target": target}])
    form = {"sequence": objective.sequence, "capability": objective.capability, "title": objective.title}
    page = admin_client.post(url, {**form, "target": objective.target, "critical_tasks": tasks})
    assert page.status_code == 200 and "not one of the organisation" in page.content.decode()
    assert not objective.critical_tasks.filter(title="Report").exists()


def test_the_scenario_page_shows_a_steps_own_deadline_and_the_critical_tasks_targets(world: World) -> None:
    coordinator = world.users["coordinator"]
    steps = [{"after_seconds": 60, "department": world.risk.pk, "response_deadline_seconds": 90}]
    services.event_update(event=world.draft_event, by=coordinator, escalations=steps)
    tasks = [{"title": "Report", "target": _handoff(world)}, {"title": "Meet deadlines", "target": _share(world)}]
    services.objective_update(objective=world.draft_objective, by=coordinator, critical_tasks=tasks)
    page = client_for(coordinator).get(reverse("scenario_detail", args=[world.draft.pk])).content.decode()
    assert "escalation deadline 1 min 30 s" in page
    assert "Hand-off latency, median: Customer Service → Risk Management ≤ 10 min" in page
    assert "Share of deadlines met: Customer Service ≥ 90%" in page


def _share(world: World) -> dict[str, Any]:
    return {"metric": "deadline_compliance", "department": world.cs.pk, "op": ">=", "value": 0.9}
