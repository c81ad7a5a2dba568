"""The console's forms post here. Each view checks the caller's role, validates with a form, calls
one service, and redirects back (post/redirect/get) with a message saying what happened or why not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from drillops.core.errors import DomainError, InvalidInput
from drillops.departments.models import Role
from drillops.departments.selectors import department_ids_of, role_of
from drillops.scenarios.models import Scenario
from drillops.timelines import services
from drillops.timelines.forms import (
    AdhocInjectForm,
    CommentForm,
    DrillCreateForm,
    ForwardForm,
    MessageForm,
    ResolveForm,
    StopForm,
    TriggerForm,
)
from drillops.timelines.models import Drill, Inject
from drillops.timelines.views import get_drill_for


def _form_errors(form: forms.Form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {' '.join(str(m) for m in e)}".lstrip(": ")
        for f, e in form.errors.items()
    )


def _call(request: HttpRequest, call: Callable[[], Any], done: str) -> bool:
    """Runs one service call; domain refusals and bad input become messages, never error pages."""
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    except InvalidInput as exc:
        messages.error(request, "; ".join(" ".join(str(m) for m in msgs) for msgs in exc.errors.values()))
        return False
    messages.success(request, done)
    return True


def _console(drill: Drill | int) -> HttpResponse:
    return redirect("drill_console", pk=drill if isinstance(drill, int) else drill.pk)


@login_required
@require_POST
def drill_new(request: HttpRequest, scenario_pk: int) -> HttpResponse:
    scenario = get_object_or_404(Scenario.objects.select_related("organisation"), pk=scenario_pk)
    if role_of(request.user, scenario.organisation_id) != Role.COORDINATOR:
        raise Http404
    # A datetime-local value has no zone: read it as the organisation's local time.
    timezone.activate(scenario.organisation.tz)
    form = DrillCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("scenario_detail", pk=scenario.pk)
    created: list[Drill] = []
    ok = _call(
        request,
        lambda: created.append(services.drill_create(scenario=scenario, by=request.user, **form.cleaned_data)),
        str(_("Drill created.")),
    )
    return _console(created[0]) if ok else redirect("scenario_detail", pk=scenario.pk)


CONTROLS: dict[str, tuple[Callable[..., Any], Any]] = {
    "start": (services.drill_start, _("Drill started.")),
    "pause": (services.drill_pause, _("Drill paused.")),
    "resume": (services.drill_resume, _("Drill resumed.")),
    "finish": (services.drill_finish, _("Drill finished.")),
}


@login_required
@require_POST
def drill_control(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    drill, role = get_drill_for(request.user, pk)
    if role != Role.COORDINATOR:
        messages.error(request, _("Only the coordinator controls the drill."))
        return _console(drill)
    if action == "stop":
        form = StopForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the reason for stopping the drill."))
            return _console(drill)
        reason = form.cleaned_data["reason"]
        _call(
            request, lambda: services.drill_stop(drill=drill, by=request.user, reason=reason), str(_("Drill stopped."))
        )
        return _console(drill)
    if action not in CONTROLS:
        raise Http404
    service, done = CONTROLS[action]
    _call(request, lambda: service(drill=drill, by=request.user), str(done))
    return _console(drill)


@login_required
@require_POST
def drill_adhoc(request: HttpRequest, pk: int) -> HttpResponse:
    drill, role = get_drill_for(request.user, pk)
    if role != Role.COORDINATOR:
        raise Http404
    form = AdhocInjectForm(request.POST, organisation_id=drill.organisation_id)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _console(drill)
    data = {**form.cleaned_data, "departments": list(form.cleaned_data["departments"])}
    _call(request, lambda: services.drill_send_adhoc(drill=drill, by=request.user, **data), str(_("Inject sent.")))
    return _console(drill)


@login_required
@require_POST
def drill_trigger(request: HttpRequest, pk: int) -> HttpResponse:
    drill, role = get_drill_for(request.user, pk)
    if role != Role.COORDINATOR:
        raise Http404
    form = TriggerForm(request.POST, version_id=drill.scenario_version_id)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _console(drill)
    event = form.cleaned_data["event"]
    _call(
        request,
        lambda: services.drill_trigger_event(drill=drill, event=event, by=request.user),
        str(_("Event triggered.")),
    )
    return _console(drill)


@login_required
@require_POST
def drill_message(request: HttpRequest, pk: int) -> HttpResponse:
    drill, role = get_drill_for(request.user, pk)
    if role == Role.OBSERVER:
        messages.error(request, _("Observers read the comms channel; they do not post to it."))
        return _console(drill)
    form = MessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _console(drill)
    text = form.cleaned_data["text"]
    _call(request, lambda: services.message_post(drill=drill, by=request.user, text=text), str(_("Message posted.")))
    return _console(drill)


def _actionable(request: HttpRequest, pk: int) -> Inject:
    """An inject the caller may answer: staff of its department, or the coordinator."""
    inject = get_object_or_404(Inject.objects.select_related("drill"), pk=pk)
    drill, role = get_drill_for(request.user, inject.drill_id)
    if role == Role.COORDINATOR:
        return inject
    mine = department_ids_of(request.user, drill.organisation_id)
    if role == Role.STAFF and inject.department_id in mine and inject.delivered_at is not None:
        return inject
    raise Http404


def _back(request: HttpRequest, inject: Inject) -> HttpResponse:
    target = request.POST.get("next", "")
    inject_url = reverse("inject_detail", args=[inject.pk])
    return redirect(inject_url if target == "inject" else reverse("drill_console", args=[inject.drill_id]))


@login_required
@require_POST
def inject_respond(request: HttpRequest, pk: int, op: str) -> HttpResponse:
    inject = _actionable(request, pk)
    by = request.user
    if op == "acknowledge":
        _call(request, lambda: services.inject_acknowledge(inject=inject, by=by), str(_("Acknowledged.")))
    elif op == "action":
        form = CommentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            _call(request, lambda: services.inject_log_action(inject=inject, by=by, **data), str(_("Action logged.")))
        else:
            messages.error(request, _form_errors(form))
    elif op == "forward":
        fwd = ForwardForm(request.POST, organisation_id=inject.drill.organisation_id, exclude_id=inject.department_id)
        if fwd.is_valid():
            data = fwd.cleaned_data
            _call(request, lambda: services.inject_forward(inject=inject, by=by, **data), str(_("Forwarded.")))
        else:
            messages.error(request, _form_errors(fwd))
    elif op == "resolve":
        res = ResolveForm(request.POST)
        if res.is_valid():
            text = res.cleaned_data["text"]
            _call(request, lambda: services.inject_resolve(inject=inject, by=by, text=text), str(_("Resolved.")))
        else:
            messages.error(request, _form_errors(res))
    else:
        raise Http404
    return _back(request, inject)
