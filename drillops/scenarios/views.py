"""Scenario pages: the MSEL of a version with its objectives. Coordinators only: players must not
read the injects before they arrive."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from drillops.departments.models import Department, Role
from drillops.departments.selectors import role_of
from drillops.scenarios.models import Scenario, ScenarioEvent, ScenarioVersion


def _ladder(event: ScenarioEvent, departments: dict[int, Department]) -> list[dict[str, Any]]:
    steps = []
    for step in event.escalations or []:
        if not isinstance(step, dict):
            continue
        department_id = step.get("department")
        department = departments.get(department_id) if isinstance(department_id, int) else None
        target = department.display_name if department else step.get("role", "")
        steps.append({**step, "target": target})
    return steps


def _pick_version(scenario: Scenario, number: str | None) -> ScenarioVersion:
    versions = scenario.versions.all()
    if number and number.isdigit():
        version = versions.filter(number=int(number)).first()
        if version is None:
            raise Http404
        return version
    version = versions.order_by("-number").first()
    if version is None:
        raise Http404
    return version


@login_required
@require_GET
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = get_object_or_404(Scenario.objects.select_related("organisation"), pk=pk)
    if role_of(request.user, scenario.organisation) != Role.COORDINATOR:
        raise Http404
    timezone.activate(scenario.organisation.tz)
    version = _pick_version(scenario, request.GET.get("version"))
    departments = {d.pk: d for d in Department.objects.filter(organisation=scenario.organisation)}
    events = list(
        version.events.select_related("objective", "condition_event").prefetch_related("departments", "attachments")
    )
    for event in events:
        event.ladder = _ladder(event, departments)  # type: ignore[attr-defined]
    context = {
        "scenario": scenario,
        "version": version,
        "versions": scenario.versions.order_by("-number"),
        "objectives": version.objectives.prefetch_related("critical_tasks"),
        "events": events,
        # Drills hang off the version by the reverse relation; this app never imports timelines.
        "drills": version.drills.order_by("-created_at"),
    }
    return render(request, "scenarios/scenario_detail.html", context)
