"""Scenario pages: the MSEL of a version with its objectives. Coordinators only: players must not
read the injects before they arrive."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from drillops.core.templatetags.drillops_tags import seconds_human
from drillops.departments.models import Department, Role
from drillops.departments.selectors import role_of
from drillops.scenarios.models import Objective, Scenario, ScenarioEvent, ScenarioVersion
from drillops.scenarios.targets import SECONDS, Target, TargetError


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


def _target_text(data: Any, departments: dict[int, Department]) -> str:
    """A critical task's structured target in words: "Hand-off latency, median: A → B ≤ 10m"."""
    try:
        target = Target.from_json(data)
    except TargetError:
        return ""

    def name(pk: int | None) -> str:
        department = departments.get(pk) if pk is not None else None
        return department.display_name if department else "?"

    scope = f"{name(target.source)} → {name(target.destination)}" if target.spec.pair else ""
    scope = scope or (name(target.department) if target.department is not None else "")
    value = seconds_human(target.value) if target.spec.unit == SECONDS else f"{target.value:.0%}"
    op = "≤" if target.op == "<=" else "≥"
    return f"{target.spec.label}{': ' + scope if scope else ''} {op} {value}"


def _objectives(version: ScenarioVersion, departments: dict[int, Department]) -> list[Objective]:
    objectives = list(version.objectives.prefetch_related("critical_tasks"))
    for objective in objectives:
        for task in objective.critical_tasks.all():
            task.target_text = _target_text(task.target, departments) if task.target else ""  # type: ignore[attr-defined]
    return objectives


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
        "objectives": _objectives(version, departments),
        "events": events,
        # Drills hang off the version by the reverse relation; this app never imports timelines.
        "drills": version.drills.order_by("-created_at"),
    }
    return render(request, "scenarios/scenario_detail.html", context)
