"""POST /api/v1/cases/{id}/scenario/: coordinators start a scenario from a case's steps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from drillops.reports import services as report_services
from drillops.scenarios.models import Scenario

from .world import World

Clients = Callable[[str], APIClient]


def test_coordinator_starts_a_scenario_from_a_case(world: World, client_as: Clients) -> None:
    start = timezone.now() - timedelta(days=30)
    steps = [
        {"at": start, "department": world.cs, "description": "Complaint"},
        {"at": start + timedelta(minutes=5), "department": world.risk, "description": "Report to risk"},
    ]
    report_services.case_update(case=world.case, by=world.users["coordinator"], steps=steps)
    url = f"/api/v1/cases/{world.case.pk}/scenario/"
    assert client_as("staff_target").post(url, {}, format="json").status_code == 403
    assert client_as("other_coordinator").post(url, {}, format="json").status_code == 404
    answer = client_as("coordinator").post(url, {"title": "Drill of the refund wave"}, format="json")
    assert answer.status_code == 201, answer.json()
    made = Scenario.objects.get(pk=answer.json()["id"])
    assert made.title == "Drill of the refund wave" and answer.json()["current_version"]["status"] == "draft"
    assert list(made.versions.get().events.values_list("offset_seconds", flat=True).order_by("sequence")) == [0, 300]


def test_a_case_without_steps_is_bad_input(world: World, client_as: Clients) -> None:
    before = Scenario.objects.count()
    answer = client_as("coordinator").post(f"/api/v1/cases/{world.case.pk}/scenario/", {}, format="json")
    assert answer.status_code == 400 and "steps" in answer.json()
    assert Scenario.objects.count() == before
