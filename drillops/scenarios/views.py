"""Scenario pages for coordinators: the list, a new scenario, and one scenario's page, which is the
editor while its current version is a draft or in review and a read view of approved and archived
versions. Players must not read the injects before they arrive: everyone else gets a 404.
Row forms (events, objectives) live in views_rows.py, version moves in views_versions.py."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from drillops.core.errors import DomainError, InvalidInput
from drillops.core.templatetags.drillops_tags import seconds_human
from drillops.departments.models import Department, Organisation, Role
from drillops.departments.selectors import organisations_visible_to, role_of
from drillops.scenarios import services
from drillops.scenarios.forms import ScenarioForm, put_errors
from drillops.scenarios.models import Scenario, ScenarioEvent, ScenarioVersion
from drillops.scenarios.selectors import (
    drills_by_version,
    latest_approved_version,
    scenarios_visible_to,
    version_problems,
)
from drillops.scenarios.targets import SECONDS, Target, TargetError
from drillops.scenarios.timeline import timeline_svg

MSEL_CHANGED = "msel-changed"  # the htmx event after which the timeline and the problems refresh


def coordinator_scenario(request: HttpRequest, pk: int) -> Scenario:
    scenario = get_object_or_404(Scenario.objects.select_related("organisation"), pk=pk)
    if role_of(request.user, scenario.organisation) != Role.COORDINATOR:
        raise Http404
    timezone.activate(scenario.organisation.tz)
    return scenario


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _ladder(event: ScenarioEvent, departments: dict[int, Department]) -> list[dict[str, Any]]:
    steps = []
    for step in event.escalations or []:
        if not isinstance(step, dict):
            continue
        department_id = step.get("department")
        department = departments.get(department_id) if isinstance(department_id, int) else None
        target = department.display_name if department else step.get("role", "")
        if step.get("role") == Role.COORDINATOR:
            target = str(_("Coordinator"))
        steps.append({**step, "target": target})
    return steps


def target_text(data: Any, departments: dict[int, Department]) -> str:
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


def version_events(version: ScenarioVersion, departments: dict[int, Department]) -> list[ScenarioEvent]:
    """The rows of the editor and of the read view, in list order, with their ladders in words."""
    events = list(
        version.events.select_related("objective", "condition_event")
        .prefetch_related("departments", "attachments")
        .order_by("sequence")
    )
    for event in events:
        event.ladder = _ladder(event, departments)  # type: ignore[attr-defined]
    return events


def version_objectives(version: ScenarioVersion, departments: dict[int, Department]) -> list[Any]:
    objectives = list(version.objectives.prefetch_related("critical_tasks"))
    for objective in objectives:
        for task in objective.critical_tasks.all():
            task.target_text = target_text(task.target, departments) if task.target else ""  # type: ignore[attr-defined]
    return objectives


def _pick_version(scenario: Scenario, number: str | None) -> ScenarioVersion:
    versions = scenario.versions.all()
    if number and number.isdigit():
        version = versions.filter(number=int(number)).first()
    else:
        version = versions.order_by("-number").first()
    if version is None:
        raise Http404
    return version


def page_context(scenario: Scenario, version: ScenarioVersion, **extra: Any) -> dict[str, Any]:
    departments = {d.pk: d for d in Department.objects.filter(organisation=scenario.organisation)}
    events = version_events(version, departments)
    current = scenario.versions.order_by("-number").first()
    editable = version.is_editable and current is not None and current.pk == version.pk
    by_version = drills_by_version(scenario)
    return {
        "scenario": scenario,
        "version": version,
        "current": current,
        "editable": editable,
        "versions": [v for v, _drills in by_version],
        "drills_by_version": [(v, drills) for v, drills in by_version if drills],
        "latest_approved": latest_approved_version(scenario),
        "objectives": version_objectives(version, departments),
        "events": events,
        "timeline": timeline_svg(events, departments),
        "problems": version_problems(version) if editable else [],
        "details_form": ScenarioForm(initial={"title": scenario.title, "description": scenario.description}),
        **extra,
    }


@login_required
@require_GET
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = coordinator_scenario(request, pk)
    version = _pick_version(scenario, request.GET.get("version"))
    return render(request, "scenarios/scenario_detail.html", page_context(scenario, version))


@login_required
@require_GET
def scenario_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The timeline preview and the problems of the current version, refreshed after each edit."""
    scenario = coordinator_scenario(request, pk)
    version = _pick_version(scenario, request.GET.get("version"))
    departments = {d.pk: d for d in Department.objects.filter(organisation=scenario.organisation)}
    context = {
        "scenario": scenario,
        "version": version,
        "editable": version.is_editable,
        "timeline": timeline_svg(version_events(version, departments), departments),
        "problems": version_problems(version) if version.is_editable else [],
    }
    return render(request, "scenarios/_timeline.html", context)


@login_required
@require_POST
def scenario_details(request: HttpRequest, pk: int) -> HttpResponse:
    """Title and description: they describe the scenario, not a version, so they change any time."""
    scenario = coordinator_scenario(request, pk)
    form = ScenarioForm(request.POST)
    if form.is_valid():
        services.scenario_update(scenario=scenario, by=request.user, **form.cleaned_data)
        return redirect("scenario_detail", pk=scenario.pk)
    version = _pick_version(scenario, None)
    context = page_context(scenario, version, details_form=form, details_open=True)
    return render(request, "scenarios/scenario_detail.html", context, status=400)


@login_required
@require_GET
def scenario_list(request: HttpRequest) -> HttpResponse:
    scenarios = scenarios_visible_to(request.user).select_related("organisation").order_by("title")
    if not organisations_visible_to(request.user, Role.COORDINATOR).exists():
        raise Http404
    return render(request, "scenarios/scenario_list.html", {"scenarios": scenarios[:500]})


class NewScenarioForm(ScenarioForm):
    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = organisations_visible_to(user, Role.COORDINATOR).order_by("name")
        if self.organisations.count() > 1:
            self.fields["organisation"] = _organisation_field(self.organisations)


def _organisation_field(organisations: Any) -> Any:
    from django import forms

    return forms.ModelChoiceField(label=_("Organisation"), queryset=organisations)


@login_required
@require_http_methods(["GET", "POST"])
def scenario_new(request: HttpRequest) -> HttpResponse:
    form = NewScenarioForm(request.POST or None, user=request.user)
    if not form.organisations.exists():
        raise Http404
    if request.method == "POST" and form.is_valid():
        organisation: Organisation | None = form.cleaned_data.get("organisation") or form.organisations.first()
        assert organisation is not None  # the user coordinates one at least (checked above)
        scenario = services.scenario_create(
            organisation=organisation,
            by=request.user,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
        )
        return redirect("scenario_detail", pk=scenario.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "scenarios/scenario_new.html", {"form": form}, status=status)


def call_service(form: Any, call: Any, fields: dict[str, str]) -> Any:
    """Runs a service for a valid form; its refusals become the form's errors. None when refused."""
    try:
        return call()
    except InvalidInput as exc:
        put_errors(form, exc, fields)
    except DomainError as exc:
        form.add_error(None, exc.message)
    return None
