"""Setting up a drill: the New drill page with its timing preview (recomputed on the server as the
coordinator types), and the setup page of one drill: the roster with attendance, observer
invitations and the check before the start. Coordinators only; every write goes through the
services; a refusal comes back as a message where the form was."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from drillops.core.errors import DomainError, InvalidInput
from drillops.departments.models import Role
from drillops.departments.selectors import has_any_role
from drillops.scenarios.models import Scenario, ScenarioVersion, VersionStatus
from drillops.scenarios.selectors import latest_approved_version, scenarios_visible_to
from drillops.timelines import services
from drillops.timelines.forms_setup import (
    START_AT,
    START_NOW,
    TIME_SCALE_MAX,
    InvitationForm,
    NewDrillForm,
    RosterAddForm,
)
from drillops.timelines.models import Drill, ObserverInvitation, RosterEntry
from drillops.timelines.plan import TimingPreview, readiness, timing_preview
from drillops.timelines.selectors import roster_of
from drillops.timelines.views import get_drill_for
from drillops.timelines.views_actions import form_errors, run_service, setup_url


def _scenario(user: Any, pk: Any) -> Scenario:
    if not str(pk).isdigit():
        raise Http404
    return get_object_or_404(scenarios_visible_to(user).select_related("organisation"), pk=int(pk))


def _coordinated(user: Any, pk: int) -> Drill:
    drill, role = get_drill_for(user, pk)
    if role != Role.COORDINATOR:
        raise Http404
    return drill


# --- the New drill page --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def drill_new(request: HttpRequest) -> HttpResponse:
    if not has_any_role(request.user, Role.COORDINATOR):
        raise Http404
    chosen = request.POST.get("scenario") if request.method == "POST" else request.GET.get("scenario")
    if not chosen:
        approved = scenarios_visible_to(request.user).filter(versions__status=VersionStatus.APPROVED)
        choices = list(approved.distinct().order_by("title"))
        status = 400 if request.method == "POST" else 200
        return render(request, "timelines/drill_new.html", {"choices": choices}, status=status)
    scenario = _scenario(request.user, chosen)
    # A datetime-local value has no zone: it is read as the organisation's local time.
    timezone.activate(scenario.organisation.tz)
    form = NewDrillForm(request.POST or None, scenario=scenario, initial=_initial(request, scenario))
    if request.method == "POST" and form.is_valid():
        created = _create(request, scenario, form)
        if created is not None:
            return created
    context = {
        "scenario": scenario,
        "form": form,
        "preview": _page_preview(form),
        "time_zone": scenario.organisation.time_zone,
    }
    return render(request, "timelines/drill_new.html", context, status=400 if form.is_bound else 200)


def _initial(request: HttpRequest, scenario: Scenario) -> dict[str, Any]:
    approved = scenario.versions.filter(status=VersionStatus.APPROVED)
    wanted = request.GET.get("version", "")
    version = approved.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    return {
        "name": scenario.title[:120],
        "version": version or latest_approved_version(scenario),
        "time_scale": 1,
    }


def _page_preview(form: NewDrillForm) -> TimingPreview | None:
    """The preview as the page first shows it: from what was sent, where it was valid."""
    cleaned: dict[str, Any] = getattr(form, "cleaned_data", {})
    version = cleaned.get("version") or form.initial.get("version")
    if version is None:
        return None
    starts_at = timezone.now() if cleaned.get("start") == START_NOW else cleaned.get("scheduled_start")
    return timing_preview(version, cleaned.get("time_scale") or float(form.initial["time_scale"]), starts_at)


def _create(request: HttpRequest, scenario: Scenario, form: NewDrillForm) -> HttpResponse | None:
    data = form.cleaned_data
    try:
        drill = services.drill_create(
            scenario=scenario,
            version=data["version"],
            name=data["name"],
            time_scale=data["time_scale"],
            scheduled_start=data["scheduled_start"],
            by=request.user,
        )
    except InvalidInput as exc:
        for name, problems in exc.errors.items():
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)
        return None
    if data["start"] != START_NOW:
        messages.success(request, _("Drill created. Seat the roster and invite observers before the start."))
        return redirect(setup_url(drill))
    missing = readiness(drill).missing
    if missing:
        names = ", ".join(d.display_name for d in missing)
        messages.warning(request, _("Drill created but not started: nobody receives the injects of %s.") % names)
        return redirect(setup_url(drill, "start"))
    if run_service(request, lambda: services.drill_start(drill=drill, by=request.user), _("Drill started.")):
        return redirect("drill_console", pk=drill.pk)
    return redirect(setup_url(drill, "start"))


class _PreviewInput(forms.Form):
    version = forms.IntegerField(min_value=1)
    time_scale = forms.FloatField(min_value=0.01, max_value=TIME_SCALE_MAX)
    start = forms.CharField(required=False)
    scheduled_start = forms.DateTimeField(required=False)


@login_required
@require_GET
def drill_preview(request: HttpRequest) -> HttpResponse:
    """The timing preview fragment for the New drill page, from the version's events (htmx, on
    every change of the form). A time scale out of range is said in the fragment itself."""
    version_id = request.GET.get("version", "")
    if not version_id.isdigit():
        return HttpResponse(_("Choose a version."), status=400, content_type="text/plain; charset=utf-8")
    scenarios = scenarios_visible_to(request.user)
    version = get_object_or_404(
        ScenarioVersion.objects.select_related("scenario__organisation").filter(scenario__in=scenarios),
        pk=int(version_id),
    )
    timezone.activate(version.scenario.organisation.tz)
    given = _PreviewInput(request.GET)
    if not given.is_valid():
        problem = _("Give a time scale more than 0 and at most 3600.") if "time_scale" in given.errors else ""
        return render(request, "timelines/_timing_preview.html", {"problem": problem or form_errors(given)})
    data = given.cleaned_data
    starts_at: datetime | None = None
    if data["start"] == START_NOW:
        starts_at = timezone.now()
    elif data["start"] == START_AT:
        starts_at = data["scheduled_start"]
    preview = timing_preview(version, data["time_scale"], starts_at)
    return render(request, "timelines/_timing_preview.html", {"preview": preview})


# --- the setup page ------------------------------------------------------------------------------


@login_required
@require_GET
def drill_setup(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _coordinated(request.user, pk)
    timezone.activate(drill.organisation.tz)
    invitations = list(drill.invitations.select_related("created_by").prefetch_related("joins__user"))
    now = timezone.now()
    for invitation in invitations:
        invitation.url = request.build_absolute_uri(reverse("invite", args=[invitation.token]))  # type: ignore[attr-defined]
        invitation.closed = invitation.refusal(now)  # type: ignore[attr-defined]
    context = {
        "drill": drill,
        "roster": roster_of(drill).select_related("invitation"),
        "roster_form": RosterAddForm(drill=drill),
        "invitations": invitations,
        "invitation_form": InvitationForm(),
        "readiness": readiness(drill),
        "preview": timing_preview(drill.scenario_version, drill.time_scale, _clock_start(drill)),
        "time_zone": drill.organisation.time_zone,
    }
    return render(request, "timelines/drill_setup.html", context)


def _clock_start(drill: Drill) -> datetime | None:
    """Where the scenario clock starts, for the timing: a started drill's start moved by its pauses."""
    if drill.started_at is None:
        return drill.scheduled_start
    return drill.started_at + drill.paused_total


def _back(request: HttpRequest, drill: Drill, anchor: str) -> HttpResponse:
    if request.POST.get("next") == "console":
        return redirect("drill_console", pk=drill.pk)
    return redirect(setup_url(drill, anchor))


@login_required
@require_POST
def drill_roster_add(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _coordinated(request.user, pk)
    form = RosterAddForm(request.POST, drill=drill)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(request, drill, "roster")
    data = form.cleaned_data
    run_service(request, lambda: services.roster_add(drill=drill, by=request.user, **data), _("Seated on the roster."))
    return _back(request, drill, "roster")


@login_required
@require_POST
def drill_roster_entry(request: HttpRequest, pk: int, entry_pk: int, op: str) -> HttpResponse:
    """remove: off the roster; attended: the attendance box (an htmx request gets the box back)."""
    drill = _coordinated(request.user, pk)
    entry = get_object_or_404(RosterEntry.objects.select_related("user"), pk=entry_pk, drill=drill)
    if op == "remove":
        run_service(request, lambda: services.roster_remove(entry=entry, by=request.user), _("Taken off the roster."))
        return _back(request, drill, "roster")
    if op != "attended":
        raise Http404
    attended = request.POST.get("attended") in {"on", "true", "1"}
    try:
        entry = services.roster_set_attended(entry=entry, attended=attended, by=request.user)
    except (DomainError, InvalidInput):  # no rule refuses it today; a future one shows as a message
        messages.error(request, _("Attendance could not be changed."))
    if request.headers.get("HX-Request"):
        return render(request, "timelines/_attended.html", {"drill": drill, "r": entry})
    return _back(request, drill, "roster")


@login_required
@require_POST
def drill_invitation_new(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _coordinated(request.user, pk)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(request, drill, "invitations")
    data = dict(form.cleaned_data)
    expires_at = timezone.now() + timedelta(days=data.pop("valid_days"))
    run_service(
        request,
        lambda: services.invitation_create(drill=drill, by=request.user, expires_at=expires_at, **data),
        _("Invitation link made: copy it from the list below and send it to the observer."),
    )
    return _back(request, drill, "invitations")


@login_required
@require_POST
def drill_invitation_revoke(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    drill = _coordinated(request.user, pk)
    invitation = get_object_or_404(ObserverInvitation, pk=invitation_pk, drill=drill)
    run_service(
        request,
        lambda: services.invitation_revoke(invitation=invitation, by=request.user),
        _("Invitation revoked: nobody new can join through it."),
    )
    return _back(request, drill, "invitations")
