"""Account pages: People (coordinators list, open and deactivate staff and observer accounts),
the one-time set-password link, and changing one's own password. Writes go through
departments.accounts, which also says who may change whom."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordChangeView, PasswordResetConfirmView
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from drillops.core.errors import DomainError, InvalidInput
from drillops.departments import account_rules, accounts
from drillops.departments.forms import PersonForm
from drillops.departments.models import Organisation, Role
from drillops.departments.selectors import organisations_visible_to, users_managed_by, users_of_organisation

SHOWN_ONCE = "drillops_people_link"
OPS = ("deactivate", "reactivate", "link")


def _organisation(request: HttpRequest) -> Organisation:
    """The organisation the page is about: one the user coordinates (?organisation= picks among several)."""
    coordinated = organisations_visible_to(request.user, Role.COORDINATOR).order_by("name")
    wanted = request.GET.get("organisation", "")
    organisation = coordinated.filter(pk=int(wanted)).first() if wanted.isdigit() else coordinated.first()
    if organisation is None:
        raise Http404
    return organisation


def _people_url(organisation: Organisation) -> str:
    return f"{reverse('people')}?organisation={organisation.pk}"


def _rows(organisation: Organisation, by: Any) -> list[dict[str, Any]]:
    rows = []
    for user in users_of_organisation(organisation):
        mine = [m for m in user.memberships.all() if m.organisation_id == organisation.pk]
        roles = {m.role for m in mine}
        role = next((r for r in (Role.COORDINATOR, Role.STAFF, Role.OBSERVER) if r in roles), None)
        rows.append(
            {
                "user": user,
                "role": Role(role).label if role else "",
                "departments": sorted(m.department.display_name for m in mine if m.department),
                "may_change": account_rules.refusal(by, user) is None,
            }
        )
    return rows


def _create(request: HttpRequest, organisation: Organisation, form: PersonForm) -> bool:
    data = dict(form.cleaned_data)
    try:
        account = accounts.user_create(
            organisation=organisation,
            by=request.user,
            base_url=request.build_absolute_uri("/"),
            departments=list(data.pop("departments")),
            **data,
        )
    except InvalidInput as exc:
        for name, problems in exc.errors.items():
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)
        return False
    except DomainError as exc:
        form.add_error(None, exc.message)
        return False
    _show_once(request, account.user, account.link)
    return True


def _show_once(request: HttpRequest, user: Any, link: accounts.Link) -> None:
    """Kept in the session for the next page only: the link is nowhere else to be read again."""
    request.session[SHOWN_ONCE] = {
        "username": user.get_username(),
        "url": link.url,
        "expires_at": link.expires_at.isoformat(),
        "mailed_to": user.email,
    }


@login_required
def people(request: HttpRequest) -> HttpResponse:
    organisation = _organisation(request)
    form = PersonForm(request.POST or None, organisation=organisation)
    if request.method == "POST":
        if form.is_valid() and _create(request, organisation, form):
            return redirect(_people_url(organisation))
    elif request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    context = {
        "organisation": organisation,
        "organisations": organisations_visible_to(request.user, Role.COORDINATOR).order_by("name"),
        "rows": _rows(organisation, request.user),
        "form": form,
        "shown_once": request.session.pop(SHOWN_ONCE, None),
    }
    return render(request, "departments/people.html", context)


@login_required
@require_POST
def person_action(request: HttpRequest, pk: int, op: str) -> HttpResponse:
    if op not in OPS:
        raise Http404
    organisation = _organisation(request)
    user = get_object_or_404(users_managed_by(request.user).filter(memberships__organisation=organisation), pk=pk)
    try:
        if op == "link":
            link = accounts.link_issue(
                user=user, organisation=organisation, by=request.user, base_url=request.build_absolute_uri("/")
            )
            _show_once(request, user, link)
        else:
            active = op == "reactivate"
            accounts.user_update(user=user, organisation=organisation, by=request.user, is_active=active)
            done = _("%(user)s can log in again.") if active else _("%(user)s can no longer log in.")
            messages.success(request, done % {"user": user.get_username()})
    except DomainError as exc:
        messages.error(request, exc.message)
    except InvalidInput as exc:
        messages.error(request, " ".join(p for problems in exc.errors.values() for p in problems))
    return redirect(_people_url(organisation))


class SetPasswordView(PasswordResetConfirmView):
    """The page a set-password link opens: works once, for 72 hours, for an active account."""

    token_generator = accounts.account_links
    template_name = "registration/set_password.html"
    success_url = reverse_lazy("set_password_done")
    reset_url_token = "choose"  # noqa: S105 - the placeholder that stands for the token in the URL, no secret

    def get_user(self, uidb64: str) -> Any:
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form: Any) -> HttpResponse:
        accounts.password_set_by_link(user=form.user, password=form.cleaned_data["new_password1"])
        self.request.session.pop(INTERNAL_RESET_SESSION_TOKEN, None)
        return HttpResponseRedirect(self.get_success_url())


class OwnPasswordChangeView(PasswordChangeView):
    """Everyone changes their own password here (and nobody else's anywhere)."""

    template_name = "registration/own_password_change.html"  # the admin keeps its own password_change_form
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            accounts.password_changed(user=form.user)
        return response
