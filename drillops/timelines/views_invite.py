"""The observer invitation link, opened by someone from outside (no login required), and the
e-mail confirmation of an account set up through it. Sign-ups count against the caller's address
like failed logins (departments.login_guard): past the limit the answer is 429 with Retry-After."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from drillops.core.errors import DomainError, InvalidInput
from drillops.departments.login_guard import address_retry_after, client_address, note_address_failure
from drillops.timelines import services
from drillops.timelines.forms_setup import SignupForm
from drillops.timelines.models import ObserverInvitation, read_token
from drillops.timelines.services.invitation import (
    InvitationClosed,
    InvitationNotForYou,
    existing_seat,
    read_confirmation,
)
from drillops.timelines.visibility import drill_role

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _invitation(token: str) -> ObserverInvitation | None:
    """The invitation a token names; the signed drill id must be the invitation's own."""
    found = read_token(token)
    if found is None:
        return None
    drill_id, token_id = found
    invitations = ObserverInvitation.objects.select_related("drill__organisation", "drill__scenario_version")
    return invitations.filter(token_id=token_id, drill_id=drill_id).first()


def _closed(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "timelines/invite_closed.html", {"message": message}, status=410)


def _page(
    request: HttpRequest, invitation: ObserverInvitation, *, form: SignupForm, status: int = 200, error: str = ""
) -> HttpResponse:
    user = request.user
    signed_in = bool(getattr(user, "is_authenticated", False))
    context = {
        "invitation": invitation,
        "drill": invitation.drill,
        "form": form,
        "error": error,
        "seat": existing_seat(invitation.drill, user) if signed_in else None,
        "role": drill_role(user, invitation.drill) if signed_in else None,
        "login_url": f"{reverse('login')}?{urlencode({'next': request.path})}",
    }
    response = render(request, "timelines/invite.html", context, status=status)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, token: str) -> HttpResponse:
    invitation = _invitation(token)
    if invitation is None:
        return render(request, "timelines/invite_invalid.html", status=404)
    timezone.activate(invitation.drill.organisation.tz)
    refusal = invitation.refusal(timezone.now())
    if refusal is not None:
        return _closed(request, str(refusal.label))
    if invitation.drill.is_over:
        return _closed(request, _("This drill has ended."))
    if request.method == "POST":
        if request.user.is_authenticated:
            return _join(request, invitation)
        return _signup(request, invitation)
    return _page(request, invitation, form=SignupForm())


def _join(request: HttpRequest, invitation: ObserverInvitation) -> HttpResponse:
    drill = invitation.drill
    try:
        services.invitation_join(invitation=invitation, user=request.user)
    except InvitationClosed as exc:
        return _closed(request, exc.message)
    except InvitationNotForYou as exc:
        return _page(request, invitation, form=SignupForm(), status=403, error=exc.message)
    except DomainError as exc:  # already takes part: the console is where they want to be
        messages.info(request, exc.message)
        return redirect("drill_console", pk=drill.pk)
    messages.success(request, _("You joined %(drill)s as an observer.") % {"drill": drill.name})
    return redirect("drill_console", pk=drill.pk)


def _throttled(request: HttpRequest, invitation: ObserverInvitation, wait: int) -> HttpResponse:
    minutes = max(1, -(-wait // 60))
    message = _("Too many attempts from your address. Try again in %(minutes)d minutes.") % {"minutes": minutes}
    response = _page(request, invitation, form=SignupForm(), status=429, error=message)
    response["Retry-After"] = str(wait)
    return response


def _signup(request: HttpRequest, invitation: ObserverInvitation) -> HttpResponse:
    address = client_address(request)
    wait = address_retry_after(address)
    if wait:
        return _throttled(request, invitation, wait)
    # Every sign-up counts against the address, as a failed login does: a link passed around
    # cannot be used to open accounts by the thousand.
    note_address_failure(address)
    form = SignupForm(request.POST)
    if not form.is_valid():
        return _page(request, invitation, form=form, status=400)
    data = form.cleaned_data
    try:
        user = services.invitation_signup(
            invitation=invitation,
            username=data["username"],
            email=data["email"],
            password=data["password"],
            base_url=request.build_absolute_uri("/"),
            client_address=address,
        )
    except InvitationClosed as exc:
        return _closed(request, exc.message)
    except InvalidInput as exc:
        _add_errors(form, exc.errors)
        return _page(request, invitation, form=form, status=400)
    return render(request, "timelines/invite_sent.html", {"drill": invitation.drill, "email": user.email})


def _add_errors(form: SignupForm, errors: dict[str, Any]) -> None:
    for name, problems in errors.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


@never_cache
@require_http_methods(["GET", "POST"])
def invite_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners follow links; they must not open accounts), POST confirms."""
    found = read_confirmation(token)
    invitation = ObserverInvitation.objects.select_related("drill").filter(pk=found[1]).first() if found else None
    if invitation is None:
        return render(request, "timelines/invite_confirm.html", {"invalid": True}, status=400)
    if request.method == "GET":
        return render(request, "timelines/invite_confirm.html", {"drill": invitation.drill})
    try:
        confirmed = services.invitation_confirm(token=token)
    except InvalidInput:
        return render(request, "timelines/invite_confirm.html", {"invalid": True}, status=400)
    except InvitationClosed as exc:
        return _closed(request, exc.message)
    except InvitationNotForYou as exc:
        return render(request, "timelines/invite_confirm.html", {"refused": exc.message}, status=403)
    drill = invitation.drill
    if confirmed.activated:
        login(request, confirmed.user, backend=MODEL_BACKEND)
        messages.success(request, _("Your address is confirmed: you observe %(drill)s.") % {"drill": drill.name})
        return redirect("drill_console", pk=drill.pk)
    if request.user.is_authenticated and request.user.pk == confirmed.user.pk:
        return redirect("drill_console", pk=drill.pk)
    messages.info(request, _("Your address was confirmed already: log in to open the drill."))
    return redirect(f"{reverse('login')}?{urlencode({'next': reverse('drill_console', args=[drill.pk])})}")
