"""Publishing a report: a frozen, numbered version that later edits do not change, read by everyone
who sees the drill (staff without the observers' names)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from drillops.core.errors import DomainError
from drillops.reports import services
from drillops.reports.models import ReportVersion
from drillops.reports.selectors import snapshot
from drillops.timelines import services as drill_services

from ..api.world import World

Clients = Callable[[str], APIClient]


def _rate(world: World) -> None:
    services.observation_create(
        drill=world.ended, by=world.users["observer_invited"], objective=world.objective, rating="M", note="Hesitant"
    )


def test_a_published_version_stays_as_it_was(world: World, client_as: Clients) -> None:
    url = f"/api/v1/drills/{world.ended.pk}/report/"
    services.finding_update(finding=world.finding, by=None, title="First report took 14 minutes")
    first = client_as("coordinator").post(url + "publish/", format="json")
    assert first.status_code == 201 and first.json()["number"] == 2  # the world published version 1
    assert first.json()["published_by"] == "coord" and first.json()["time_zone"] == "Asia/Shanghai"
    assert first.json()["published_at_local"].endswith("+08:00")
    services.finding_update(finding=world.finding, by=None, title="Edited after publishing")
    second = client_as("coordinator").post(url + "publish/", format="json").json()
    read = client_as("coordinator").get(url + "versions/2/").json()
    assert [f["title"] for f in read["snapshot"]["findings"]] == ["First report took 14 minutes"]
    assert [f["title"] for f in second["snapshot"]["findings"]] == ["Edited after publishing"]
    listed = client_as("staff_target").get(url + "versions/").json()
    assert [v["number"] for v in listed["results"]] == [3, 2, 1]
    with pytest.raises(PermissionError):
        ReportVersion.objects.get(drill=world.ended, number=2).save()


def test_the_snapshot_holds_every_section_of_the_report(world: World) -> None:
    data = world.version.snapshot
    sections = {"schema", "drill", "metrics", "ratings", "agreement", "findings", "plan", "questionnaires"}
    assert set(data) == sections
    assert data["drill"]["state"] == "finished" and not data["drill"]["stopped"]
    assert data["metrics"]["drill"]["id"] == world.ended.pk and "handoffs" in data["metrics"]
    assert [i["title"] for i in data["plan"]["items"]] == ["Streamline reporting"]
    assert {s["kind"] for s in data["questionnaires"]["surveys"]} == {"participant", "observer"}


def test_adding_a_section_is_one_line(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(snapshot, "SECTIONS", [*snapshot.SECTIONS, ("metrics", lambda drill: {"drill": drill.pk})])
    version = services.report_publish(drill=world.ended, by=world.users["coordinator"])
    assert version.snapshot["metrics"] == {"drill": world.ended.pk}


def test_staff_read_the_ratings_without_the_observers_names(world: World, client_as: Clients) -> None:
    _rate(world)
    services.report_publish(drill=world.ended, by=world.users["coordinator"])
    url = f"/api/v1/drills/{world.ended.pk}/report/versions/2/"
    staff = client_as("staff_target").get(url).json()["snapshot"]["ratings"]
    unit = next(u for u in staff["units"] if u["critical_task"] is None)
    assert unit["ratings"] == [{"rating": "M", "at": unit["ratings"][0]["at"]}]
    assert staff["notes"][0]["note"] == "Hesitant" and "observer_name" not in staff["notes"][0]
    observer = client_as("observer_invited").get(url).json()["snapshot"]["ratings"]
    assert next(u for u in observer["units"] if u["critical_task"] is None)["ratings"][0]["observer_name"] == "obs1"


def test_a_stopped_drills_report_is_marked_with_the_reason(world: World) -> None:
    coord = world.users["coordinator"]
    drill = drill_services.drill_create(scenario=world.scenario, name="Halted", by=coord)
    drill_services.drill_start(drill=drill, by=coord)
    drill_services.drill_stop(drill=drill, by=coord, reason="Real typhoon warning")
    version = services.report_publish(drill=drill, by=coord)
    assert version.snapshot["drill"]["stopped"] and version.snapshot["drill"]["stop_reason"] == "Real typhoon warning"


def test_a_running_drills_report_is_not_published(world: World, client_as: Clients) -> None:
    with pytest.raises(DomainError):
        services.report_publish(drill=world.drill, by=world.users["coordinator"])
    answer = client_as("coordinator").post(f"/api/v1/drills/{world.drill.pk}/report/publish/")
    assert answer.status_code == 409 and not ReportVersion.objects.filter(drill=world.drill).exists()


def test_the_roster_reads_the_reports_figures_once_it_is_published(world: World, client_as: Clients) -> None:
    coord = world.users["coordinator"]
    drill = drill_services.drill_create(scenario=world.scenario, name="Unpublished", by=coord)
    drill_services.roster_add(drill=drill, user=world.users["observer_invited"], by=coord, role="observer")
    drill_services.drill_start(drill=drill, by=coord)
    drill = drill_services.drill_finish(drill=drill, by=coord)
    url = f"/api/v1/drills/{drill.pk}/report/"
    assert client_as("staff_target").get(url).status_code == 403
    assert client_as("observer_invited").get(url).status_code == 403
    services.report_publish(drill=drill, by=coord)
    assert client_as("staff_target").get(url).status_code == 200
    assert client_as("observer_invited").get(url).json()["drill"]["id"] == drill.pk
    assert client_as("observer_uninvited").get(url).status_code == 404
    # What the roster reads is the published version, frozen: its metrics as they were published.
    published = ReportVersion.objects.get(drill=drill)
    published.snapshot["metrics"]["drill"]["id"] = -1  # a mark only the stored version carries
    ReportVersion.objects.filter(pk=published.pk).update(snapshot=published.snapshot)
    assert client_as("staff_target").get(url).json()["drill"]["id"] == -1
    assert client_as("coordinator").get(url).json()["drill"]["id"] == drill.pk  # the live figures
    assert client_as("coordinator").get(url + "?version=1").json()["drill"]["id"] == -1
    assert client_as("staff_target").get(url + "?version=2").status_code == 404
    assert client_as("staff_target").get(url + "?version=x").status_code == 400
