"""Observer invitations: a signed link that lets an outside expert join one drill as an observer.

The link carries the drill's id and the invitation's random token id, signed with a salt of its
own (django.core.signing): a token cannot be edited to name another drill, and the row it names
says whether it still admits anyone (not expired, not revoked, not used up)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import models
from django.utils.translation import gettext_lazy as _

from drillops.core.models import TimeStampedModel
from drillops.timelines.models.drill import Drill

TOKEN_SALT = "drillops.timelines.invitation"  # noqa: S105 - a salt that names the purpose, no secret


def new_token_id() -> str:
    return secrets.token_urlsafe(12)


def read_token(token: str) -> tuple[int, str] | None:
    """(drill id, token id) from a link's token, or None when it was not signed by us."""
    try:
        data = signing.Signer(salt=TOKEN_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    drill_id, token_id = data.get("d"), data.get("t")
    if not isinstance(drill_id, int) or isinstance(drill_id, bool) or not isinstance(token_id, str):
        return None
    return drill_id, token_id


def sign_token(drill_id: int, token_id: str) -> str:
    return signing.Signer(salt=TOKEN_SALT).sign_object({"d": drill_id, "t": token_id})


def email_domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().lower() if "@" in address else ""


class InvitationRefusal(models.TextChoices):
    """Why an invitation admits nobody new."""

    EXPIRED = "expired", _("This invitation has expired.")
    REVOKED = "revoked", _("This invitation was revoked.")
    USED_UP = "used_up", _("This invitation has been used as many times as it allows.")


class ObserverInvitation(TimeStampedModel):
    """A link for one drill that seats whoever follows it as an observer, and only that."""

    drill = models.ForeignKey(Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="invitations")
    token_id = models.CharField(_("token id"), max_length=32, unique=True, default=new_token_id, editable=False)
    label = models.CharField(
        _("label"), max_length=200, blank=True, help_text=_("Who the link is for, e.g. the regulator's expert.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    max_uses = models.PositiveIntegerField(
        _("maximum uses"), null=True, blank=True, help_text=_("Empty: as many people as follow it.")
    )
    uses = models.PositiveIntegerField(_("uses"), default=0)
    email_domain = models.CharField(
        _("e-mail domain"),
        max_length=253,
        blank=True,
        help_text=_("Only people with a confirmed address of this domain may join, e.g. example.org."),
    )

    class Meta:
        verbose_name = _("observer invitation")
        verbose_name_plural = _("observer invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_uses__isnull=True) | models.Q(uses__lte=models.F("max_uses")),
                name="invitation_uses_within_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drill} · {self.label or self.token_id}"

    @property
    def token(self) -> str:
        return sign_token(self.drill_id, self.token_id)

    def refusal(self, now: datetime) -> InvitationRefusal | None:
        """Why the link admits nobody new at `now`, or None while it does."""
        if self.revoked_at is not None:
            return InvitationRefusal.REVOKED
        if self.expires_at <= now:
            return InvitationRefusal.EXPIRED
        if self.max_uses is not None and self.uses >= self.max_uses:
            return InvitationRefusal.USED_UP
        return None

    def admits_address(self, address: Any) -> bool:
        """The e-mail domain limit (none: every address)."""
        if not self.email_domain:
            return True
        return isinstance(address, str) and email_domain_of(address) == self.email_domain.lower()
