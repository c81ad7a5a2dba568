"""Observer invitations (DESIGN.md, "Who uses it"): a coordinator makes a signed, expiring,
revocable link for one drill; whoever follows it joins that drill's roster as an observer, and
nothing else (no organisation membership). Someone without an account sets one up on the spot:
the account stays inactive, and counts for nothing, until its address is confirmed by a signed,
expiring e-mail link; the e-mail domain limit applies to that confirmed address.

Locks: the drill, then the invitation, in that order everywhere, so that a use never passes the
limit and a revocation is never overtaken by a join."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from drillops.core.errors import DomainError, InvalidInput
from drillops.timelines.engine.clock import lock_drill
from drillops.timelines.engine.notify import publish_on_commit
from drillops.timelines.engine.trail import audit
from drillops.timelines.models import Drill, InvitationRefusal, ObserverInvitation, RosterEntry, SeatRole
from drillops.timelines.services.common import clean_text
from drillops.timelines.visibility import drill_role

CONFIRM_SALT = "drillops.timelines.invitation.confirm"
CONFIRM_MAX_AGE = timedelta(hours=48)
VALID_FOR_MAX = timedelta(days=90)
MAX_USES_LIMIT = 1000
# A host name: labels of letters, digits and hyphens, at least one dot (IDNs in their xn-- form).
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}[a-z0-9]$")


class InvitationClosed(DomainError):
    """The link admits nobody new: expired, revoked or used up (410 Gone)."""

    status_code = 410

    def __init__(self, reason: InvitationRefusal) -> None:
        super().__init__(str(reason.label))
        self.reason = reason


class InvitationNotForYou(DomainError):
    """The link's e-mail domain limit leaves this address out (403)."""

    status_code = 403


def _clean_domain(value: Any) -> str:
    domain = clean_text(value, "email_domain", required=False, max_length=253).lower().removeprefix("@")
    if domain and not _DOMAIN.match(domain):
        raise InvalidInput({"email_domain": [_("Give a domain such as example.org, without the @.")]})
    return domain


def _check_expiry(expires_at: Any) -> datetime:
    now = timezone.now()
    if not isinstance(expires_at, datetime) or timezone.is_naive(expires_at) or expires_at <= now:
        raise InvalidInput({"expires_at": [_("Give a time in the future, with its time zone.")]})
    if expires_at > now + VALID_FOR_MAX:
        raise InvalidInput({"expires_at": [_("An invitation lasts at most 90 days.")]})
    return expires_at


def _check_max_uses(max_uses: Any) -> int | None:
    if max_uses is None:
        return None
    if isinstance(max_uses, bool) or not isinstance(max_uses, int) or not 1 <= max_uses <= MAX_USES_LIMIT:
        raise InvalidInput({"max_uses": [_("A whole number from 1 to %(n)d, or empty.") % {"n": MAX_USES_LIMIT}]})
    return max_uses


def invitation_create(
    *,
    drill: Drill,
    by: Any,
    expires_at: datetime,
    max_uses: int | None = None,
    email_domain: str = "",
    label: str = "",
) -> ObserverInvitation:
    expiry = _check_expiry(expires_at)
    values: dict[str, Any] = {
        "expires_at": expiry,
        "max_uses": _check_max_uses(max_uses),
        "email_domain": _clean_domain(email_domain),
        "label": clean_text(label, "label", required=False, max_length=200),
    }
    with transaction.atomic():
        drill = lock_drill(drill)
        if drill.is_over:
            raise DomainError(_("The drill has ended; nobody can join it any more."))
        invitation = ObserverInvitation.objects.create(drill=drill, created_by=_person(by), **values)
        data = {**values, "expires_at": expiry.isoformat()}
        audit("drill.invitation_create", invitation, by, drill, data)
    return invitation


def invitation_revoke(*, invitation: ObserverInvitation, by: Any) -> ObserverInvitation:
    """Stops new joins; those who joined stay on the roster until the coordinator removes them."""
    with transaction.atomic():
        drill = lock_drill(invitation.drill_id)
        locked = ObserverInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at", "updated_at"])
            audit("drill.invitation_revoke", locked, by, drill, {"uses": locked.uses})
    return locked


def _person(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _lock_open(invitation: ObserverInvitation | int) -> tuple[Drill, ObserverInvitation]:
    pk = invitation if isinstance(invitation, int) else invitation.pk
    drill_id = ObserverInvitation.objects.values_list("drill_id", flat=True).get(pk=pk)
    drill = lock_drill(drill_id)
    locked = ObserverInvitation.objects.select_for_update().get(pk=pk)
    refusal = locked.refusal(timezone.now())
    if refusal is None and drill.is_over:
        refusal = InvitationRefusal.EXPIRED
    if refusal is not None:
        raise InvitationClosed(refusal)
    return drill, locked


def _seat(drill: Drill, invitation: ObserverInvitation, user: Any) -> RosterEntry:
    """The observer's seat, one use of the link, a roster push."""
    entry = RosterEntry.objects.create(drill=drill, user=user, role=SeatRole.OBSERVER, invitation=invitation)
    invitation.uses += 1
    invitation.save(update_fields=["uses", "updated_at"])
    publish_on_commit(drill.pk, "roster", {"user": user.pk})
    return entry


def existing_seat(drill: Drill | int, user: Any) -> RosterEntry | None:
    drill_id = drill if isinstance(drill, int) else drill.pk
    return RosterEntry.objects.filter(drill_id=drill_id, user_id=user.pk, role=SeatRole.OBSERVER).first()


def invitation_join(*, invitation: ObserverInvitation, user: Any) -> RosterEntry:
    """A signed-in person follows the link: one click seats them as an observer of its drill.
    Joining twice is a no-op (no second use); someone who already plays or coordinates the drill
    is refused, since an observer seat would not change what they see."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise InvalidInput(_("Log in first."))
    with transaction.atomic():
        drill, locked = _lock_open(invitation)
        seated = existing_seat(drill, user)
        if seated is not None:
            return seated
        role = drill_role(user, drill)
        # A seat without a department (a controller's) would take the observer's place in the roster.
        unseatable = drill.roster.filter(user_id=user.pk, department__isnull=True).exists()
        if role is not None or unseatable:
            raise DomainError(_("You already take part in this drill; you need no invitation."))
        if not locked.admits_address(user.email):
            raise InvitationNotForYou(
                _("This invitation is for addresses of %(domain)s; your account's address is not.")
                % {"domain": locked.email_domain}
            )
        entry = _seat(drill, locked, user)
        audit("drill.invitation_join", locked, user, drill, {"user": user.pk, "entry": entry.pk})
    return entry


# --- setting up an account on the spot -----------------------------------------------------------


def _username_taken() -> str:
    return _("This username is taken; choose another, or log in if it is yours.")


def _check_signup(invitation: ObserverInvitation, username: Any, email: Any, password: Any) -> tuple[str, str]:
    user_model = get_user_model()
    errors: dict[str, list[str]] = {}
    name = clean_text(username, "username", max_length=150)
    address = clean_text(email, "email", max_length=254).lower()
    try:
        user_model.username_validator(name)
    except ValidationError as exc:
        errors["username"] = list(exc.messages)
    if "username" not in errors and user_model.objects.filter(username__iexact=name).exists():
        errors["username"] = [_username_taken()]
    try:
        validate_email(address)
    except ValidationError:
        errors["email"] = [_("Enter a valid e-mail address.")]
    if "email" not in errors and not invitation.admits_address(address):
        errors["email"] = [_("This invitation is for addresses of %(domain)s.") % {"domain": invitation.email_domain}]
    if not isinstance(password, str) or not password:
        errors["password"] = [_("Choose a password.")]
    else:
        try:
            password_validation.validate_password(password, user_model(username=name, email=address))
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise InvalidInput(errors)
    return name, address


def confirmation_token(user: Any, invitation: ObserverInvitation) -> str:
    return signing.dumps({"u": user.pk, "i": invitation.pk, "e": user.email}, salt=CONFIRM_SALT)


def _mail_confirmation(user: Any, invitation: ObserverInvitation, drill: Drill, base_url: str) -> None:
    url = base_url.rstrip("/") + reverse("invite_confirm", args=[confirmation_token(user, invitation)])
    expires = timezone.now() + CONFIRM_MAX_AGE
    subject = _("[%(mark)s] Confirm your address to observe %(drill)s") % {
        "mark": settings.EXERCISE_MARK,
        "drill": drill.name,
    }
    body = _(
        "%(mark)s\n\nYou asked to observe the drill %(drill)s of %(organisation)s, with the username "
        "%(username)s. Confirm your address to open the account and join (the link works until "
        "%(expires)s UTC):\n%(url)s\n\nIf you did not ask for this, ignore this message: without the "
        "confirmation no account is opened.\n"
    ) % {
        "mark": settings.EXERCISE_MARK,
        "drill": drill.name,
        "organisation": drill.organisation.name,
        "username": user.get_username(),
        "expires": expires.strftime("%Y-%m-%d %H:%M"),
        "url": url,
    }
    recipient = user.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [recipient]))


def invitation_signup(
    *,
    invitation: ObserverInvitation,
    username: str,
    email: str,
    password: str,
    base_url: str,
    client_address: str | None = None,
) -> Any:
    """A new, inactive account and the e-mail that confirms its address. The account has no
    organisation; confirming it (invitation_confirm) activates it and seats it as an observer."""
    name, clean_address = _check_signup(invitation, username, email, password)
    user = get_user_model()(username=name, email=clean_address, is_active=False)
    user.set_password(password)  # hashing is slow by design: done before the drill is locked
    with transaction.atomic():
        drill, locked = _lock_open(invitation)
        if get_user_model().objects.filter(username__iexact=name).exists():  # taken in the meantime
            raise InvalidInput({"username": [_username_taken()]})
        user.save()
        _mail_confirmation(user, locked, Drill.objects.select_related("organisation").get(pk=drill.pk), base_url)
        data = {"user": user.pk, "username": name, "client_address": client_address}
        audit("drill.invitation_signup", locked, None, drill, data)
    return user


@dataclass(frozen=True)
class Confirmed:
    user: Any
    entry: RosterEntry
    activated: bool  # the first confirmation: the door signs the person in only then


def read_confirmation(token: str) -> tuple[int, int, str] | None:
    """(user id, invitation id, address) from a confirmation link, or None if forged or too old."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    user_id, invitation_id, address = data.get("u"), data.get("i"), data.get("e")
    if not (isinstance(user_id, int) and isinstance(invitation_id, int) and isinstance(address, str)):
        return None
    return user_id, invitation_id, address


def invitation_confirm(*, token: str) -> Confirmed:
    """The address is confirmed: the account becomes active and joins the drill as an observer, if
    the link still admits it. A second click finds the seat and activates nothing."""
    found = read_confirmation(token)
    bad = InvalidInput({"token": [_("This confirmation link is not valid or has expired; sign up again.")]})
    if found is None:
        raise bad
    user_id, invitation_id, address = found
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().filter(pk=user_id, email=address).first()
        invitation = ObserverInvitation.objects.filter(pk=invitation_id).first()
        if user is None or invitation is None:
            raise bad
        seated = existing_seat(invitation.drill_id, user)
        if user.is_active:
            if seated is None:
                raise bad
            return Confirmed(user=user, entry=seated, activated=False)
        if seated is not None or user.last_login is not None:
            raise bad  # confirmed once and deactivated since: a link never reactivates an account
        drill, locked = _lock_open(invitation)
        if not locked.admits_address(address):  # the limit counts the confirmed address
            message = _("This invitation is for addresses of %(domain)s.") % {"domain": locked.email_domain}
            raise InvitationNotForYou(message)
        user.is_active = True
        user.save(update_fields=["is_active"])
        entry = _seat(drill, locked, user)
        audit("drill.invitation_confirm", locked, user, drill, {"user": user.pk, "entry": entry.pk})
    return Confirmed(user=user, entry=entry, activated=True)
