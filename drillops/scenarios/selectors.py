"""Reads of scenarios: who sees which, and a version's events and objectives in one go."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from drillops.departments.models import Role
from drillops.departments.selectors import organisation_ids_of
from drillops.scenarios.models import CriticalTask, Objective, Scenario, ScenarioEvent, ScenarioVersion


def scenarios_visible_to(user: Any) -> QuerySet[Scenario]:
    """Scenarios are the controllers' secret (players must not read the MSEL ahead): coordinators only."""
    scenarios = Scenario.objects.all()
    if not getattr(user, "is_superuser", False):
        scenarios = scenarios.filter(organisation_id__in=organisation_ids_of(user, Role.COORDINATOR))
    return scenarios.prefetch_related(Prefetch("versions", queryset=ScenarioVersion.objects.order_by("-number")))


def latest_version(scenario: Scenario) -> ScenarioVersion | None:
    return scenario.versions.order_by("-number").first()


def latest_approved_version(scenario: Scenario) -> ScenarioVersion | None:
    return scenario.versions.filter(status="approved").order_by("-number").first()


def events_of(version: ScenarioVersion | int) -> QuerySet[ScenarioEvent]:
    version_id = version if isinstance(version, int) else version.pk
    return (
        ScenarioEvent.objects.filter(version_id=version_id)
        .select_related("condition_event")
        .prefetch_related("departments")
        .order_by("offset_seconds", "sequence", "id")
    )


def objectives_of(version: ScenarioVersion | int) -> QuerySet[Objective]:
    version_id = version if isinstance(version, int) else version.pk
    return Objective.objects.filter(version_id=version_id).prefetch_related(
        Prefetch("critical_tasks", queryset=CriticalTask.objects.order_by("sequence", "id"))
    )
