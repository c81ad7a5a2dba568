"""The events table of the editor, row by row. With htmx a form opens in place of its row and a
save answers the row (or the table); a refused form answers 400 with the form again, what was typed
kept and each message beside its field. Without htmx the same routes redirect back to the page, or
show the whole page with the form open. Every write goes through scenarios.services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from drillops.core.errors import DomainError, InvalidInput
from drillops.departments.models import Department
from drillops.scenarios import services
from drillops.scenarios.forms import EventForm
from drillops.scenarios.models import Scenario, ScenarioEvent, ScenarioVersion
from drillops.scenarios.views import (
    MSEL_CHANGED,
    call_service,
    coordinator_scenario,
    is_htmx,
    page_context,
    version_events,
)

ROW_CHANGED = {"HX-Trigger": MSEL_CHANGED}


def _version(scenario: Scenario) -> ScenarioVersion:
    version = scenario.versions.order_by("-number").first()
    assert version is not None  # a scenario is created with its version 1
    return version


def _departments(scenario: Scenario) -> dict[int, Department]:
    return {d.pk: d for d in Department.objects.filter(organisation_id=scenario.organisation_id)}


def _event(scenario: Scenario, event_pk: int) -> ScenarioEvent:
    return get_object_or_404(ScenarioEvent.objects.select_related("version"), pk=event_pk, version__scenario=scenario)


def _page(scenario: Scenario, anchor: str = "events") -> HttpResponse:
    return redirect(reverse("scenario_detail", args=[scenario.pk]) + f"#{anchor}")


def _body(request: HttpRequest, scenario: Scenario, *, error: str = "", status: int = 200) -> HttpResponse:
    """The whole table body, after a change that moves rows about (or a refusal, told on top)."""
    version = _version(scenario)
    events = version_events(version, _departments(scenario))
    context = {"scenario": scenario, "version": version, "events": events, "editable": True, "error": error}
    response = render(request, "scenarios/_events_body.html", context, status=status)
    for name, value in {**ROW_CHANGED, "HX-Retarget": "#events", "HX-Reswap": "outerHTML"}.items():
        response[name] = value
    return response


def _row(request: HttpRequest, scenario: Scenario, event: ScenarioEvent) -> HttpResponse:
    version = _version(scenario)
    [fresh] = [e for e in version_events(version, _departments(scenario)) if e.pk == event.pk] or [event]
    context = {"scenario": scenario, "e": fresh, "editable": version.is_editable and fresh.version_id == version.pk}
    return render(request, "scenarios/_event_row.html", context)


def _form(request: HttpRequest, scenario: Scenario, form: EventForm, key: str, status: int = 200) -> HttpResponse:
    if is_htmx(request):
        context = {"scenario": scenario, "form": form, "key": key}
        return render(request, "scenarios/_event_form.html", context, status=status)
    context = page_context(scenario, _version(scenario), open_form=form, open_key=key)
    return render(request, "scenarios/scenario_detail.html", context, status=status)


def _refused(request: HttpRequest, scenario: Scenario, message: str) -> HttpResponse:
    if is_htmx(request):
        return _body(request, scenario, error=message, status=400)
    messages.error(request, message)
    return _page(scenario)


def _editable_or_refused(request: HttpRequest, scenario: Scenario) -> tuple[ScenarioVersion | None, Any]:
    version = _version(scenario)
    if version.is_editable:
        return version, None
    message = str(_("Version %(n)d is %(status)s and cannot change; make a new draft version first."))
    message %= {"n": version.number, "status": version.get_status_display()}
    messages.error(request, message)
    response = _page(scenario)
    if is_htmx(request):
        response = HttpResponse(status=204, headers={"HX-Redirect": response["Location"]})
    return None, response


@login_required
@require_GET
def events_body(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = coordinator_scenario(request, pk)
    return _body(request, scenario) if is_htmx(request) else _page(scenario)


@login_required
@require_GET
def event_row(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    scenario = coordinator_scenario(request, pk)
    event = _event(scenario, event_pk)
    return _row(request, scenario, event) if is_htmx(request) else _page(scenario, f"event-{event.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = coordinator_scenario(request, pk)
    version, refused = _editable_or_refused(request, scenario)
    if version is None:
        return refused
    if request.method == "GET":
        return _form(request, scenario, EventForm(version=version), "new")
    form = EventForm(request.POST, version=version)
    event = None
    if form.is_valid():
        fields = form.service_fields()
        event = call_service(
            form, lambda: services.event_create(scenario=scenario, by=request.user, **fields), form.SERVICE_FIELDS
        )
    if event is None:
        return _form(request, scenario, form, "new", status=400)
    return _body(request, scenario) if is_htmx(request) else _page(scenario, f"event-{event.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    scenario = coordinator_scenario(request, pk)
    event = _event(scenario, event_pk)
    version, refused = _editable_or_refused(request, scenario)
    if version is None:
        return refused
    if request.method == "GET":
        return _form(request, scenario, EventForm(version=version, event=event), str(event.pk))
    form = EventForm(request.POST, version=version, event=event)
    before = event.sequence
    saved = None
    if form.is_valid():
        fields = form.service_fields()
        saved = call_service(
            form, lambda: services.event_update(event=event, by=request.user, **fields), form.SERVICE_FIELDS
        )
    if saved is None:
        return _form(request, scenario, form, str(event.pk), status=400)
    if not is_htmx(request):
        return _page(scenario, f"event-{event.pk}")
    if saved.sequence != before:
        return _body(request, scenario)
    response = _row(request, scenario, saved)
    response["HX-Trigger"] = MSEL_CHANGED
    return response


def _row_action(request: HttpRequest, pk: int, event_pk: int, act: Any, done: Any) -> HttpResponse:
    scenario = coordinator_scenario(request, pk)
    event = _event(scenario, event_pk)
    try:
        act(event)
    except DomainError as exc:
        return _refused(request, scenario, exc.message)
    except InvalidInput as exc:
        return _refused(request, scenario, " ".join(str(m) for msgs in exc.errors.values() for m in msgs))
    if is_htmx(request):
        return _body(request, scenario)
    messages.success(request, str(done))
    return _page(scenario)


@login_required
@require_POST
def event_duplicate(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    return _row_action(
        request,
        pk,
        event_pk,
        lambda e: services.event_duplicate(event=e, by=request.user),
        _("Event duplicated: the copy is the last row."),
    )


@login_required
@require_POST
def event_move(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    direction = request.POST.get("direction", "")
    return _row_action(
        request,
        pk,
        event_pk,
        lambda e: services.event_move(event=e, by=request.user, direction=direction),
        _("Event moved."),
    )


@login_required
@require_POST
def event_delete(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    return _row_action(
        request, pk, event_pk, lambda e: services.event_delete(event=e, by=request.user), _("Event deleted.")
    )


@login_required
@require_POST
def events_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    """The order after a drag: `order` is the event ids, first to last, separated by commas."""
    scenario = coordinator_scenario(request, pk)
    raw = request.POST.get("order", "")
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts or not all(part.isdigit() and len(part) < 12 for part in parts):
        return _refused(request, scenario, str(_("The new order is not a list of events.")))
    try:
        services.event_reorder(scenario=scenario, by=request.user, order=[int(part) for part in parts])
    except DomainError as exc:
        return _refused(request, scenario, exc.message)
    except InvalidInput as exc:
        return _refused(request, scenario, " ".join(str(m) for msgs in exc.errors.values() for m in msgs))
    if is_htmx(request):
        return _body(request, scenario)
    messages.success(request, str(_("Events reordered.")))
    return _page(scenario)
