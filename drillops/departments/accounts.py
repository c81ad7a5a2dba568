"""Writes on accounts: create, change and remove members, one-time set-password links, lifting a
login lock. Each is one transaction, checks account_rules first and leaves an audit record.

Nobody sets another person's password: a new account has no usable password until its owner
follows the set-password link (PASSWORD_RESET_TIMEOUT, 72 h, single use) that is e-mailed to
them and shown once to whoever created the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from drillops.core.audit import record
from drillops.core.errors import InvalidInput
from drillops.departments import account_rules as rules
from drillops.departments.models import Department, Membership, Organisation, Role
from drillops.departments.selectors import forget_memberships

PROFILE_FIELDS = ("email", "first_name", "last_name", "is_active")


class AccountLinkTokens(PasswordResetTokenGenerator):
    """Tokens of set-password links: dead once a password is set (the hash changes), when the
    account is deactivated, or PASSWORD_RESET_TIMEOUT after they were made."""

    key_salt = "drillops.departments.accounts.AccountLinkTokens"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{super()._make_hash_value(user, timestamp)}{int(user.is_active)}"


account_links = AccountLinkTokens()


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime


def _lock(*organisations: Organisation | int) -> None:
    """Serialises account changes per organisation, so the last-coordinator rule holds under concurrency."""
    ids = sorted({o if isinstance(o, int) else o.pk for o in organisations})
    list(Organisation.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def _make_link(user: Any, base_url: str) -> Link:
    path = reverse(
        "set_password",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": account_links.make_token(user)},
    )
    return Link(
        url=base_url.rstrip("/") + path,
        expires_at=timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
    )


def _mail_link(user: Any, link: Link, organisation: Organisation) -> bool:
    """E-mails the link once the transaction commits; accounts are real, so no EXERCISE marking."""
    if not user.email:
        return False
    subject = _("Your DrillOps account")
    body = _(
        "A DrillOps account has been opened for you in %(organisation)s. Your username is %(username)s.\n\n"
        "Choose your password here (the link works once, until %(expires)s UTC):\n%(url)s\n"
    ) % {
        "organisation": organisation.name,
        "username": user.get_username(),
        "expires": link.expires_at.strftime("%Y-%m-%d %H:%M"),
        "url": link.url,
    }
    recipient = user.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [recipient]))
    return True


def _check_membership_input(organisation: Organisation, role: str, departments: list[Department]) -> None:
    if role not in Role.values:
        raise InvalidInput({"role": [_("Unknown role.")]})
    if any(d.organisation_id != organisation.pk for d in departments):
        raise InvalidInput({"departments": [_("A department belongs to another organisation.")]})
    if role == Role.STAFF and not departments:
        raise InvalidInput({"departments": [_("Department staff need at least one department.")]})


def _set_memberships(*, user: Any, organisation: Organisation, role: str, departments: list[Department]) -> None:
    Membership.objects.filter(user=user, organisation=organisation).delete()
    if role == Role.STAFF:
        rows = [Membership(user=user, organisation=organisation, role=role, department=d) for d in departments]
    else:
        rows = [Membership(user=user, organisation=organisation, role=role, department=None)]
    Membership.objects.bulk_create(rows)
    forget_memberships(user)


@dataclass(frozen=True)
class NewAccount:
    user: Any
    link: Link


def _create_member(
    organisation: Organisation, username: str, role: str, departments: list[Department], **profile: Any
) -> Any:
    """The account and its memberships, without a usable password; the caller checks who may
    grant the role and audits."""
    _lock(organisation)
    _check_membership_input(organisation, role, departments)
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise InvalidInput({"username": [_("A user with this username exists already.")]})
    user = user_model(username=username, **profile)
    user.set_unusable_password()
    user.save()
    _set_memberships(user=user, organisation=organisation, role=role, departments=departments)
    return user


@transaction.atomic
def user_create(
    *,
    organisation: Organisation,
    by: Any,
    base_url: str,
    username: str,
    role: str,
    email: str = "",
    departments: list[Department] | None = None,
    first_name: str = "",
    last_name: str = "",
    is_active: bool = True,
) -> NewAccount:
    """A new member without a usable password; the returned link is theirs to choose one."""
    departments = list(departments or [])
    profile = {"email": email, "first_name": first_name, "last_name": last_name, "is_active": is_active}
    rules.check_may_grant(by, organisation, role)
    user = _create_member(organisation, username, role, departments, **profile)
    link = _make_link(user, base_url)
    mailed = _mail_link(user, link, organisation)
    record(
        action="user.create",
        obj=user,
        actor=by,
        organisation_id=organisation.pk,
        data={
            "username": username,
            "role": role,
            "departments": [d.pk for d in departments],
            "is_active": is_active,
            "link_mailed": mailed,
        },
    )
    return NewAccount(user=user, link=link)


@transaction.atomic
def setup_account_create(
    *, organisation: Organisation, username: str, role: str, email: str = "", departments: list[Department]
) -> Any:
    """An account made by the operator's own setup (seed_demo), not by a person: no link is mailed,
    whoever runs the setup gives the password (the demo's documented one), and the operator, who
    runs manage.py, may grant any role."""
    user = _create_member(organisation, username, role, list(departments), email=email)
    record(
        action="user.create",
        obj=user,
        organisation_id=organisation.pk,
        data={"username": username, "role": role, "departments": [d.pk for d in departments], "by": "setup"},
    )
    return user


def check_deactivation(user: Any) -> None:
    """Refuses (409) to deactivate or delete the last active coordinator of any organisation;
    locks those organisations for the caller's transaction."""
    coordinated = list(
        Membership.objects.filter(user=user, role=Role.COORDINATOR).values_list("organisation", flat=True)
    )
    _lock(*coordinated)
    for org in Organisation.objects.filter(pk__in=coordinated):
        rules.check_coordinator_remains(org, user)


def _current_role(user: Any, organisation: Organisation) -> str | None:
    roles = set(Membership.objects.filter(user=user, organisation=organisation).values_list("role", flat=True))
    for role in (Role.COORDINATOR, Role.STAFF, Role.OBSERVER):
        if role in roles:
            return role
    return None


def _change_membership(
    user: Any, organisation: Organisation, by: Any, role: str | None, departments: list[Department] | None
) -> None:
    current = _current_role(user, organisation)
    new_role = role or current or Role.STAFF
    if new_role != current:
        rules.check_may_grant(by, organisation, new_role)
        if current == Role.COORDINATOR:
            rules.check_coordinator_remains(organisation, user)
    if departments is None:
        kept = Membership.objects.filter(user=user, organisation=organisation, department__isnull=False)
        departments = [m.department for m in kept.select_related("department") if m.department]
    _check_membership_input(organisation, new_role, departments)
    _set_memberships(user=user, organisation=organisation, role=new_role, departments=departments)


@transaction.atomic
def user_update(
    *,
    user: Any,
    organisation: Organisation,
    by: Any,
    role: str | None = None,
    departments: list[Department] | None = None,
    **profile: Any,
) -> Any:
    coordinated = list(
        Membership.objects.filter(user=user, role=Role.COORDINATOR).values_list("organisation", flat=True)
    )
    _lock(organisation, *coordinated)
    rules.check_may_change(by, user)
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    if role is not None or departments is not None:
        _change_membership(user, organisation, by, role, departments)
    if profile.get("is_active") is False and user.is_active:
        check_deactivation(user)
    for name, value in profile.items():
        setattr(user, name, value)
    user.save()
    changed = sorted([*profile, *(["role"] if role else []), *(["departments"] if departments is not None else [])])
    record(action="user.update", obj=user, actor=by, organisation_id=organisation.pk, data={"changed": changed})
    return user


@transaction.atomic
def user_remove(*, user: Any, organisation: Organisation, by: Any) -> None:
    """Takes the user out of the organisation; the account stays, since the timeline names it."""
    _lock(organisation)
    rules.check_may_change(by, user, leaving=True)
    rules.check_coordinator_remains(organisation, user)
    Membership.objects.filter(user=user, organisation=organisation).delete()
    forget_memberships(user)
    record(action="user.remove", obj=user, actor=by, organisation_id=organisation.pk)


@transaction.atomic
def link_issue(*, user: Any, organisation: Organisation, by: Any, base_url: str) -> Link:
    """A new set-password link, e.g. when the first one expired. The current password keeps
    working until the link is used; a never-set one is renewed, so older links die."""
    _lock(organisation)
    rules.check_may_change(by, user)
    if not user.is_active:
        raise InvalidInput(_("This account is deactivated: reactivate it first."))
    if not user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    link = _make_link(user, base_url)
    mailed = _mail_link(user, link, organisation)
    record(action="user.link", obj=user, actor=by, organisation_id=organisation.pk, data={"link_mailed": mailed})
    return link


def _organisation_ids(user: Any) -> list[int | None]:
    """Where an owner's own change is audited: each organisation of theirs, or none."""
    ids = sorted(set(Membership.objects.filter(user=user).values_list("organisation_id", flat=True)))
    return [*ids] if ids else [None]


@transaction.atomic
def password_set_by_link(*, user: Any, password: str) -> None:
    """The owner chose a password through their link (the form validated it)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    for org_id in _organisation_ids(user):
        record(action="user.password_set", obj=user, actor=user, organisation_id=org_id)


@transaction.atomic
def lockouts_lift(*, attempts: Any, by: Any) -> int:
    """Lifts login locks (axes' rows of failed attempts) before their cool-off ends."""
    attempts = list(attempts)
    usernames = {a.username for a in attempts}
    members = dict(
        Membership.objects.filter(user__username__in=usernames).values_list("user__username", "organisation_id")
    )
    lifted = 0
    for attempt in attempts:
        record(
            action="login.lock_lift",
            actor=by,
            organisation_id=members.get(attempt.username),
            data={
                "username": attempt.username,
                "address": attempt.ip_address,
                "failures": attempt.failures_since_start,
            },
        )
        attempt.delete()
        lifted += 1
    return lifted


@transaction.atomic
def password_changed(*, user: Any) -> None:
    """Records that the owner changed their own password (Django's password change page set it)."""
    for org_id in _organisation_ids(user):
        record(action="user.password_change", obj=user, actor=user, organisation_id=org_id)
