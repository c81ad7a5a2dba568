"""Observers rate objectives and critical tasks and write notes on a drill."""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.test import APIClient

from drillops.reports.models import Observation

from ..api.world import World

Clients = Callable[[str], APIClient]


def test_invited_observer_rates_a_critical_task_pointing_at_a_timeline_entry(world: World, client_as: Clients) -> None:
    task = world.objective.critical_tasks.get()
    body = {
        "critical_task": task.pk,
        "rating": "M",
        "note": "Report came late",
        "timeline_entry": world.entry.pk,
        "flag": "delay",
    }
    answer = client_as("observer_invited").post(f"/api/v1/drills/{world.drill.pk}/observations/", body, format="json")
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["observer"] == world.users["observer_invited"].pk
    assert data["objective"] == world.objective.pk  # implied by the task
    assert data["flag"] == "delay"


def test_observer_needs_rating_or_note(world: World, client_as: Clients) -> None:
    before = Observation.objects.count()
    answer = client_as("observer_invited").post(
        f"/api/v1/drills/{world.drill.pk}/observations/", {"objective": world.objective.pk}, format="json"
    )
    assert answer.status_code == 400
    assert Observation.objects.count() == before


def test_who_reads_and_writes_observations(world: World, client_as: Clients) -> None:
    url = f"/api/v1/drills/{world.drill.pk}/observations/"
    assert client_as("coordinator").get(url).json()["count"] == 1
    assert client_as("observer_invited").get(url).json()["count"] == 1
    assert client_as("staff_target").get(url).status_code == 403
    assert client_as("coordinator").post(url, {"note": "x"}, format="json").status_code == 403
    assert client_as("observer_uninvited").get(url).status_code == 404
    assert client_as("other_coordinator").get(url).status_code == 404


def test_objective_of_another_version_is_400(world: World, client_as: Clients) -> None:
    answer = client_as("observer_invited").post(
        f"/api/v1/drills/{world.drill.pk}/observations/",
        {"objective": world.draft_objective.pk, "rating": "P"},
        format="json",
    )
    assert answer.status_code == 400 and "objective" in answer.json()
