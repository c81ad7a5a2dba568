"""Organisations, their department tree, who belongs where in which role, and outbound webhooks."""

from __future__ import annotations

import zoneinfo

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from drillops.core import glossary
from drillops.core.models import TimeStampedModel


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Organisation(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    require_independent_review = models.BooleanField(
        _("require an independent reviewer"),
        default=False,
        # A database default too: rows written by code that predates the column (older migrations' models) get off.
        db_default=False,
        help_text=_("When on, a scenario version cannot be approved by its author (who submitted it for review)."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Department(TimeStampedModel):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="departments"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["organisation", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="department_code_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_zh and (get_language() or "").lower().startswith("zh"):
            return self.name_zh
        return self.name

    def clean(self) -> None:
        if self.parent_id is not None and self.parent is not None:
            if self.parent.organisation_id != self.organisation_id:
                raise ValidationError({"parent": _("The parent belongs to another organisation.")})
            node: Department | None = self.parent
            while node is not None:
                if node.pk == self.pk:
                    raise ValidationError({"parent": _("A department cannot be its own ancestor.")})
                node = node.parent


class Role(models.TextChoices):
    COORDINATOR = "coordinator", glossary.ROLE_COORDINATOR
    STAFF = "staff", glossary.ROLE_STAFF
    OBSERVER = "observer", glossary.ROLE_OBSERVER


class Membership(TimeStampedModel):
    """A user's role in an organisation; staff belong to a department (one row per department)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    title = models.CharField(_("job title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation", "role", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "department"],
                name="membership_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=models.Q(role__in=[r.value for r in Role]), name="membership_role_valid"),
            models.CheckConstraint(
                condition=~models.Q(role="staff") | models.Q(department__isnull=False),
                name="membership_staff_has_department",
            ),
        ]

    def __str__(self) -> str:
        where = self.department.code if self.department_id and self.department else self.organisation.slug
        return f"{self.user} · {self.get_role_display()} · {where}"


class WebhookKind(models.TextChoices):
    GENERIC = "generic", _("Generic JSON")
    WECOM = "wecom", _("WeCom")
    DINGTALK = "dingtalk", _("DingTalk")
    SLACK = "slack", _("Slack")


class DepartmentWebhook(TimeStampedModel):
    """Where a department's deliveries are also posted, e.g. its chat group."""

    department = models.OneToOneField(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="webhook"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=WebhookKind.choices, default=WebhookKind.GENERIC)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department webhook")
        verbose_name_plural = _("department webhooks")

    def __str__(self) -> str:
        return f"{self.department} → {self.get_kind_display()}"


class LoginLock(AccessAttempt):
    """The failed logins of one (username, address) pair, as axes records them; locked once they
    reach AXES_FAILURE_LIMIT. A proxy, so that administrators find it among accounts, in their language."""

    class Meta:
        proxy = True
        verbose_name = _("login lock")
        verbose_name_plural = _("login locks")
