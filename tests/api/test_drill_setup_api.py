"""Setting up a drill through the API: the version a drill runs, and roster entries' attendance and
removal."""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.test import APIClient

from drillops.core.models import AuditEntry
from drillops.scenarios.models import VersionStatus
from drillops.timelines.models import Drill, RosterEntry

from ..factories import ScenarioVersionFactory
from .world import World

Clients = Callable[[str], APIClient]


def _create(client: APIClient, world: World, **body: object) -> object:
    return client.post("/api/v1/drills/", {"scenario": world.scenario.pk, "name": "Rerun", **body}, format="json")


def test_drill_runs_the_chosen_approved_version_or_the_latest(world: World, client_as: Clients) -> None:
    first = world.scenario.versions.get()
    second = ScenarioVersionFactory(scenario=world.scenario, number=2, status=VersionStatus.APPROVED)
    ScenarioVersionFactory(scenario=world.scenario, number=3, status=VersionStatus.DRAFT)
    client = client_as("coordinator")
    chosen = _create(client, world, version=first.pk)
    assert chosen.status_code == 201, chosen.json()
    assert chosen.json()["scenario_version"] == first.pk and "version" not in chosen.json()
    assert _create(client, world).json()["scenario_version"] == second.pk
    assert _create(client, world, version=None).json()["scenario_version"] == second.pk


def test_a_version_that_is_not_approved_is_refused(world: World, client_as: Clients) -> None:
    draft = ScenarioVersionFactory(scenario=world.scenario, number=2, status=VersionStatus.DRAFT)
    before = Drill.objects.count()
    client = client_as("coordinator")
    for version in (draft.pk, world.draft.versions.get().pk, world.other_scenario.versions.get().pk, 999_999):
        answer = _create(client, world, version=version)
        assert answer.status_code == 400 and list(answer.json()) == ["version"], (version, answer.json())
    assert Drill.objects.count() == before


def test_coordinator_ticks_attendance_and_removes_an_entry(world: World, client_as: Clients) -> None:
    entry = world.drill.roster.get(user=world.users["observer_invited"])
    url = f"/api/v1/drills/{world.drill.pk}/roster/{entry.pk}/"
    client = client_as("coordinator")
    ticked = client.patch(url, {"attended": True}, format="json")
    assert ticked.status_code == 200 and ticked.json()["attended"] is True
    assert RosterEntry.objects.get(pk=entry.pk).attended
    assert client_as("staff_target").patch(url, {"attended": False}, format="json").status_code == 403
    assert client_as("observer_invited").delete(url).status_code == 403
    assert client.delete(url).status_code == 204
    assert not RosterEntry.objects.filter(pk=entry.pk).exists()
    assert client.delete(url).status_code == 404
    actions = AuditEntry.objects.filter(drill_id=world.drill.pk).values_list("action", flat=True)
    assert {"drill.roster_attended", "drill.roster_remove"} <= set(actions)


def test_an_entry_of_another_drill_is_not_found_through_this_one(world: World, client_as: Clients) -> None:
    entry = world.paused.roster.get(user=world.users["observer_invited"])
    answer = client_as("coordinator").delete(f"/api/v1/drills/{world.drill.pk}/roster/{entry.pk}/")
    assert answer.status_code == 404 and RosterEntry.objects.filter(pk=entry.pk).exists()
