"""After a drill: a new scenario started from the version it ran, a draft copy made by the
scenario services' clone, from a button on the ended drill's console."""

from __future__ import annotations

import pytest
from django.urls import reverse

from drillops.core.models import AuditEntry
from drillops.scenarios.models import Scenario, VersionStatus
from drillops.timelines import services
from tests.factories import ScenarioEventFactory, ScenarioVersionFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _end(drill, coordinator):
    services.drill_start(drill=drill, by=coordinator)
    return services.drill_finish(drill=drill, by=coordinator)


def test_an_ended_drill_starts_a_scenario_from_the_version_it_ran(drill, coordinator, cs):
    ran = drill.scenario_version
    later = ScenarioVersionFactory(scenario=ran.scenario, number=2, status=VersionStatus.APPROVED)
    ScenarioEventFactory(version=later, sequence=1, title="Only in v2", departments=[cs])
    _end(drill, coordinator)
    client = client_for(coordinator)
    assert "btn-to-scenario" in client.get(reverse("drill_console", args=[drill.pk])).content.decode()

    answer = client.post(reverse("drill_to_scenario", args=[drill.pk]))
    made = Scenario.objects.exclude(pk=ran.scenario_id).get()
    assert answer.status_code == 302 and answer["Location"] == reverse("scenario_detail", args=[made.pk])
    assert made.title == "Mass complaints (after Web drill)"
    version = made.versions.get()
    assert version.status == VersionStatus.DRAFT and version.number == 1
    titles = list(version.events.order_by("sequence").values_list("title", flat=True))
    assert titles == ["First complaint call", "Press question"]  # v1's events, not v2's
    audit = AuditEntry.objects.get(action="drill.to_scenario", object_id=drill.pk)
    assert audit.data == {"scenario": made.pk, "version": ran.pk}


def test_a_drill_that_has_not_ended_starts_no_scenario(drill, coordinator):
    before = Scenario.objects.count()
    assert (
        "btn-to-scenario" not in client_for(coordinator).get(reverse("drill_console", args=[drill.pk])).content.decode()
    )
    answer = client_for(coordinator).post(reverse("drill_to_scenario", args=[drill.pk]), follow=True)
    assert "once it has ended" in answer.content.decode()
    assert Scenario.objects.count() == before


def test_only_its_coordinators_start_a_scenario_from_a_drill(drill, coordinator, cs_staff, observer):
    _end(drill, coordinator)
    before = Scenario.objects.count()
    for someone in (cs_staff, observer):
        assert client_for(someone).post(reverse("drill_to_scenario", args=[drill.pk])).status_code == 404
        assert (
            "btn-to-scenario" not in client_for(someone).get(reverse("drill_console", args=[drill.pk])).content.decode()
        )
    assert Scenario.objects.count() == before
