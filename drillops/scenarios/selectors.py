"""Reads of scenarios: who sees which, and a version's events and objectives in one go."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from drillops.departments.models import Department, Role
from drillops.departments.selectors import organisation_ids_of
from drillops.scenarios.models import CriticalTask, Objective, Scenario, ScenarioEvent, ScenarioVersion
from drillops.scenarios.validation import Problem, Row, msel_problems, row_of


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


def department_names(version: ScenarioVersion) -> dict[int, str]:
    departments = Department.objects.filter(organisation_id=version.scenario.organisation_id)
    return {d.pk: d.display_name for d in departments}


def version_rows(version: ScenarioVersion) -> list[Row]:
    """The version's events as the MSEL rules see them (scenarios.validation.Row)."""
    events = ScenarioEvent.objects.filter(version=version).prefetch_related("departments")
    return [row_of(event) for event in events]


def version_problems(version: ScenarioVersion) -> list[Problem]:
    """Every problem that keeps the version from review, in list order."""
    return msel_problems(version_rows(version), department_names(version))


def drills_by_version(scenario: Scenario) -> list[tuple[ScenarioVersion, list[Any]]]:
    """Which drills run which version, newest version first. Drills hang off a version by the
    reverse relation: authoring never imports the running drill."""
    versions = (
        scenario.versions.order_by("-number")
        .select_related("created_by", "submitted_by", "approved_by")
        .prefetch_related("drills")
    )
    return [(v, sorted(v.drills.all(), key=lambda d: d.created_at, reverse=True)) for v in versions]
