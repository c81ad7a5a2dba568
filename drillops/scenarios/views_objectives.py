"""Objectives of the editor: each with its capability, target in words and critical tasks (with an
optional measured target). Same pattern as the events table: a form in place, 400 with the form
again when refused, the whole section after a save."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from drillops.core.errors import DomainError
from drillops.departments.models import Department
from drillops.scenarios import services
from drillops.scenarios.forms_objectives import ObjectiveForm
from drillops.scenarios.models import Objective, Scenario, ScenarioVersion
from drillops.scenarios.views import MSEL_CHANGED, call_service, coordinator_scenario, is_htmx, page_context
from drillops.scenarios.views import version_objectives as objectives_of_version


def _version(scenario: Scenario) -> ScenarioVersion:
    version = scenario.versions.order_by("-number").first()
    assert version is not None  # a scenario is created with its version 1
    return version


def _page(scenario: Scenario) -> HttpResponse:
    return redirect(reverse("scenario_detail", args=[scenario.pk]) + "#objectives")


def _section(request: HttpRequest, scenario: Scenario, status: int = 200) -> HttpResponse:
    version = _version(scenario)
    departments = {d.pk: d for d in Department.objects.filter(organisation_id=scenario.organisation_id)}
    context = {
        "scenario": scenario,
        "version": version,
        "editable": version.is_editable,
        "objectives": objectives_of_version(version, departments),
    }
    response = render(request, "scenarios/_objectives.html", context, status=status)
    for name, value in {"HX-Retarget": "#objectives", "HX-Reswap": "outerHTML", "HX-Trigger": MSEL_CHANGED}.items():
        response[name] = value
    return response


def _form(request: HttpRequest, scenario: Scenario, form: ObjectiveForm, key: str, status: int = 200) -> HttpResponse:
    if is_htmx(request):
        return render(
            request, "scenarios/_objective_form.html", {"scenario": scenario, "form": form, "key": key}, status=status
        )
    context = page_context(scenario, _version(scenario), objective_form=form, objective_key=key)
    return render(request, "scenarios/scenario_detail.html", context, status=status)


def _not_editable(request: HttpRequest, scenario: Scenario) -> HttpResponse | None:
    version = _version(scenario)
    if version.is_editable:
        return None
    messages.error(request, str(_("Make a new draft version to change the objectives.")))
    response = _page(scenario)
    return HttpResponse(status=204, headers={"HX-Redirect": response["Location"]}) if is_htmx(request) else response


@login_required
@require_GET
def objectives_section(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = coordinator_scenario(request, pk)
    return _section(request, scenario) if is_htmx(request) else _page(scenario)


def _save(request: HttpRequest, scenario: Scenario, objective: Objective | None) -> HttpResponse:
    version = _version(scenario)
    key = str(objective.pk) if objective else "new"
    if request.method == "GET":
        return _form(request, scenario, ObjectiveForm(version=version, objective=objective), key)
    form = ObjectiveForm(request.POST, version=version, objective=objective)
    saved = None
    if form.is_valid():
        fields = form.service_fields()
        if objective is None:
            saved = call_service(
                form,
                lambda: services.objective_create(scenario=scenario, by=request.user, **fields),
                form.SERVICE_FIELDS,
            )
        else:
            saved = call_service(
                form,
                lambda: services.objective_update(objective=objective, by=request.user, **fields),
                form.SERVICE_FIELDS,
            )
    if saved is None:
        return _form(request, scenario, form, key, status=400)
    return _section(request, scenario) if is_htmx(request) else _page(scenario)


@login_required
@require_http_methods(["GET", "POST"])
def objective_new(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = coordinator_scenario(request, pk)
    return _not_editable(request, scenario) or _save(request, scenario, None)


@login_required
@require_http_methods(["GET", "POST"])
def objective_edit(request: HttpRequest, pk: int, objective_pk: int) -> HttpResponse:
    scenario = coordinator_scenario(request, pk)
    objective = get_object_or_404(Objective, pk=objective_pk, version__scenario=scenario)
    return _not_editable(request, scenario) or _save(request, scenario, objective)


@login_required
@require_POST
def objective_delete(request: HttpRequest, pk: int, objective_pk: int) -> HttpResponse:
    scenario = coordinator_scenario(request, pk)
    objective = get_object_or_404(Objective, pk=objective_pk, version__scenario=scenario)
    try:
        services.objective_delete(objective=objective, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _page(scenario)
    if is_htmx(request):
        return _section(request, scenario)
    messages.success(request, str(_("Objective deleted.")))
    return _page(scenario)
