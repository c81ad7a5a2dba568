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
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from drillops.core.errors import DomainError, InvalidInput
from drillops.departments.models import Role
from drillops.departments.selectors import department_ids_of
from drillops.timelines import services
from drillops.timelines.forms import (
    AdhocInjectForm,
    CommentForm,
    ForwardForm,
    MessageForm,
    ResolveForm,
    StopForm,
    TriggerForm,
)
from drillops.timelines.models import Drill, DrillState, Inject
from drillops.timelines.plan import readiness
from drillops.timelines.views import get_drill_for


def form_errors(form: forms.Form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {' '.join(str(m) for m in e)}".lstrip(": ")
        for f, e in form.errors.items()
    )


def run_service(request: HttpRequest, call: Callable[[], Any], done: str) -> bool:
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
        run_service(
            request, lambda: services.drill_stop(drill=drill, by=request.user, reason=reason), str(_("Drill stopped."))
        )
        return _console(drill)
    if action not in CONTROLS:
        raise Http404
    if action == "start" and drill.state == DrillState.SCHEDULED and not _start_confirmed(request, drill):
        return _console(drill) if request.POST.get("next") != "setup" else redirect(setup_url(drill, "start"))
    service, done = CONTROLS[action]
    run_service(request, lambda: service(drill=drill, by=request.user), str(done))
    return _console(drill)


def setup_url(drill: Drill, anchor: str = "") -> str:
    return reverse("drill_setup", args=[drill.pk]) + (f"#{anchor}" if anchor else "")


def _start_confirmed(request: HttpRequest, drill: Drill) -> bool:
    """The start button names each department that nobody would receive injects for; the drill
    starts only once the coordinator has seen every one of them and chose to start anyway."""
    confirmed = set(request.POST.get("confirm_missing", "").split(","))
    unconfirmed = [d for d in readiness(drill).missing if str(d.pk) not in confirmed]
    if unconfirmed:
        names = ", ".join(d.display_name for d in unconfirmed)
        messages.warning(
            request,
            _("Not started: nobody receives the injects of %(names)s. Seat someone for them, or start anyway.")
            % {"names": names},
        )
        return False
    return True


@login_required
@require_POST
def drill_to_scenario(request: HttpRequest, pk: int) -> HttpResponse:
    """After the drill: a new scenario, a draft copy of the version the drill ran."""
    drill, role = get_drill_for(request.user, pk)
    if role != Role.COORDINATOR:
        raise Http404
    made: list[Any] = []
    title = request.POST.get("title", "")
    ok = run_service(
        request,
        lambda: made.append(services.drill_to_scenario(drill=drill, by=request.user, title=title)),
        str(_("A new scenario in draft, copied from the version this drill ran: change it for the next drill.")),
    )
    return redirect("scenario_detail", pk=made[0].pk) if ok else _console(drill)


@login_required
@require_POST
def drill_adhoc(request: HttpRequest, pk: int) -> HttpResponse:
    drill, role = get_drill_for(request.user, pk)
    if role != Role.COORDINATOR:
        raise Http404
    form = AdhocInjectForm(request.POST, organisation_id=drill.organisation_id)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _console(drill)
    data = {**form.cleaned_data, "departments": list(form.cleaned_data["departments"])}
    run_service(
        request, lambda: services.drill_send_adhoc(drill=drill, by=request.user, **data), str(_("Inject sent."))
    )
    return _console(drill)


@login_required
@require_POST
def drill_trigger(request: HttpRequest, pk: int) -> HttpResponse:
    drill, role = get_drill_for(request.user, pk)
    if role != Role.COORDINATOR:
        raise Http404
    form = TriggerForm(request.POST, version_id=drill.scenario_version_id)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _console(drill)
    event = form.cleaned_data["event"]
    run_service(
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
        messages.error(request, form_errors(form))
        return _console(drill)
    text = form.cleaned_data["text"]
    run_service(
        request, lambda: services.message_post(drill=drill, by=request.user, text=text), str(_("Message posted."))
    )
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
        run_service(request, lambda: services.inject_acknowledge(inject=inject, by=by), str(_("Acknowledged.")))
    elif op == "action":
        form = CommentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            run_service(
                request, lambda: services.inject_log_action(inject=inject, by=by, **data), str(_("Action logged."))
            )
        else:
            messages.error(request, form_errors(form))
    elif op == "forward":
        fwd = ForwardForm(request.POST, organisation_id=inject.drill.organisation_id, exclude_id=inject.department_id)
        if fwd.is_valid():
            data = fwd.cleaned_data
            run_service(request, lambda: services.inject_forward(inject=inject, by=by, **data), str(_("Forwarded.")))
        else:
            messages.error(request, form_errors(fwd))
    elif op == "resolve":
        res = ResolveForm(request.POST)
        if res.is_valid():
            text = res.cleaned_data["text"]
            run_service(request, lambda: services.inject_resolve(inject=inject, by=by, text=text), str(_("Resolved.")))
        else:
            messages.error(request, form_errors(res))
    else:
        raise Http404
    return _back(request, inject)
