"""Who may change whose account (DESIGN.md, "Who uses it"), in one place for the API, the People
page and the admin.

Coordinators manage the staff and observer accounts of their organisations. Only an administrator
(a Django staff user, scoped to the organisations they belong to unless a superuser) changes a
coordinator's or an administrator's account, makes someone a coordinator, or changes an account
that also belongs to an organisation the caller does not run. Only a superuser changes a superuser.
Anyone may leave an organisation, and no organisation loses its last active coordinator.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from drillops.core.errors import DomainError
from drillops.departments.models import Membership, Organisation, Role
from drillops.departments.selectors import organisation_ids_of


class Refused(DomainError):
    """The caller may not make this change to this account; the API answers 403 with the reason."""

    status_code = 403


def administered_organisation_ids(by: Any) -> set[int] | None:
    """Organisations whose accounts `by` administers: None for a superuser (all of them)."""
    if getattr(by, "is_superuser", False):
        return None
    if getattr(by, "is_staff", False) and getattr(by, "is_active", False):
        return organisation_ids_of(by)
    return set()


def administers(by: Any, organisation: Organisation | int) -> bool:
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    scope = administered_organisation_ids(by)
    return scope is None or org_id in scope


def is_privileged(user: Any) -> bool:
    """An administrator, or a coordinator of any organisation."""
    if user.is_superuser or user.is_staff:
        return True
    # memberships.all() uses a prefetch when the list was read with one (the People page).
    return any(m.role == Role.COORDINATOR for m in user.memberships.all())


def refusal(by: Any, user: Any, *, leaving: bool = False) -> str | None:
    """Why `by` may not change (or, with `leaving`, take out of an organisation) `user`; None if they may."""
    if getattr(by, "is_superuser", False):
        return None
    if leaving and by.pk == user.pk:
        return None
    if user.is_superuser:
        return _("Only a superuser changes a superuser's account.")
    their_orgs = {m.organisation_id for m in user.memberships.all()}
    administered = administered_organisation_ids(by) or set()
    if is_privileged(user):
        if not administered or not their_orgs <= administered:
            return _("Only an administrator changes the account of a coordinator or an administrator.")
        return None
    if not their_orgs <= administered | organisation_ids_of(by, Role.COORDINATOR):
        return _("This account also belongs to another organisation: only an administrator of both changes it.")
    return None


def check_may_change(by: Any, user: Any, *, leaving: bool = False) -> None:
    reason = refusal(by, user, leaving=leaving)
    if reason:
        raise Refused(reason)


def check_may_grant(by: Any, organisation: Organisation, role: str) -> None:
    if role == Role.COORDINATOR and not administers(by, organisation):
        raise Refused(_("Only an administrator makes someone a coordinator."))


def check_coordinator_remains(organisation: Organisation, losing: Any) -> None:
    """Raises 409 when `losing` is the organisation's last active coordinator. The caller holds the
    organisation's row lock, so two changes cannot each leave the other as the last one."""
    coordinators = Membership.objects.filter(organisation=organisation, role=Role.COORDINATOR, user__is_active=True)
    if not coordinators.filter(user_id=losing.pk).exists():
        return
    if not coordinators.exclude(user_id=losing.pk).exists():
        raise DomainError(
            _("%(user)s is the last coordinator of %(organisation)s: make someone else coordinator first.")
            % {"user": losing.get_username(), "organisation": organisation.name}
        )
