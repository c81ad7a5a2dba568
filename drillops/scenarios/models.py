"""Scenarios: versioned master scenario events lists (MSEL) with objectives and critical tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from drillops.core.glossary import duration_text
from drillops.core.models import TimeStampedModel
from drillops.departments.models import Department, Organisation

TITLE_MAX_LENGTH = 200


class Scenario(TimeStampedModel):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="scenarios"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self) -> ScenarioVersion | None:
        return self.versions.order_by("-number").first()


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    ARCHIVED = "archived", _("Archived")


class ScenarioVersion(TimeStampedModel):
    """An approved version is immutable: editing it means a new draft version."""

    scenario = models.ForeignKey(
        Scenario, verbose_name=_("scenario"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("number"))
    status = models.CharField(_("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scenario version")
        verbose_name_plural = _("scenario versions")
        ordering = ["scenario", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "number"], name="scenario_version_number_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in VersionStatus]), name="scenario_version_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scenario} v{self.number} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status in {VersionStatus.DRAFT, VersionStatus.IN_REVIEW}

    @property
    def author_id(self) -> int | None:
        """Who answers for this version: who submitted it for review, else who made it."""
        return self.submitted_by_id or self.created_by_id


class Objective(TimeStampedModel):
    version = models.ForeignKey(
        ScenarioVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="objectives"
    )
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    capability = models.CharField(_("capability"), max_length=200)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    target = models.TextField(
        _("target"), blank=True, help_text=_("What good looks like, e.g. 'report to risk within 10 minutes'.")
    )

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["version", "sequence", "id"]

    def __str__(self) -> str:
        return self.title


class CriticalTask(TimeStampedModel):
    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.CASCADE, related_name="critical_tasks"
    )
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    target = models.JSONField(
        _("target"),
        null=True,
        blank=True,
        help_text=_(
            'Optional, structured: {"metric", "op": "<=" or ">=", "value", and "department" or, for a hand-off, '
            '"from" and "to"} (scenarios.targets).'
        ),
    )

    class Meta:
        verbose_name = _("critical task")
        verbose_name_plural = _("critical tasks")
        ordering = ["objective", "sequence", "id"]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    CALL = "call", _("Phone call")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    SOCIAL = "social", _("Social media post")
    NEWS = "news", _("News article")
    PRESS = "press", _("Press question")
    MEETING = "meeting", _("Meeting")
    SYSTEM = "system", _("System")
    OTHER = "other", _("Other")


class ConditionKind(models.TextChoices):
    AFTER_RESOLVED = "after_resolved", _("After another event is resolved")
    IF_NOT_ACKNOWLEDGED = "if_not_acknowledged", _("Only if another event was not acknowledged by its deadline")


def condition_text(kind: str, sequence: int | None, title: str = "", delay_seconds: int | None = 0) -> str:
    """A condition in words, its numbers filled in: "1 min after #6 Crisis meeting is resolved"."""
    event = f"#{sequence} {title}".strip() if sequence is not None else "?"
    if kind == ConditionKind.AFTER_RESOLVED:
        if delay_seconds:
            return gettext("%(delay)s after %(event)s is resolved") % {
                "delay": duration_text(delay_seconds),
                "event": event,
            }
        return gettext("When %(event)s is resolved") % {"event": event}
    if kind == ConditionKind.IF_NOT_ACKNOWLEDGED:
        return gettext("Only if %(event)s was not acknowledged by its deadline") % {"event": event}
    return str(kind)


class ScenarioEvent(TimeStampedModel):
    """One MSEL row. `escalations` is the ladder: a list of steps, see DESIGN.md."""

    version = models.ForeignKey(
        ScenarioVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="events"
    )
    sequence = models.PositiveIntegerField(_("sequence"))
    offset_seconds = models.PositiveIntegerField(_("offset (seconds)"), help_text=_("Scenario time from the start."))
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    body = models.TextField(_("body"), blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.OTHER)
    sender = models.CharField(_("sender persona"), max_length=200, blank=True)
    departments = models.ManyToManyField(
        Department, verbose_name=_("target departments"), related_name="scenario_events"
    )
    expected_action = models.TextField(_("expected action"), blank=True)
    is_decision = models.BooleanField(_("expected action is a decision"), default=False)
    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    response_deadline_seconds = models.PositiveIntegerField(_("response deadline (seconds)"), null=True, blank=True)
    escalations = models.JSONField(_("escalation ladder"), default=list, blank=True)
    condition_kind = models.CharField(_("condition"), max_length=32, choices=ConditionKind.choices, blank=True)
    condition_event = models.ForeignKey(
        "self",
        verbose_name=_("condition event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dependent_events",
    )
    condition_delay_seconds = models.PositiveIntegerField(_("condition delay (seconds)"), default=0)

    class Meta:
        verbose_name = _("scenario event")
        verbose_name_plural = _("scenario events")
        ordering = ["version", "offset_seconds", "sequence", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "sequence"], name="scenario_event_sequence_unique"),
            models.CheckConstraint(
                condition=models.Q(offset_seconds__gte=0), name="scenario_event_offset_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(condition_kind="") | models.Q(condition_event__isnull=False),
                name="scenario_event_condition_has_event",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=[c.value for c in Channel]), name="scenario_event_channel_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.title}"

    @property
    def is_conditional(self) -> bool:
        return bool(self.condition_kind)

    @property
    def condition_text(self) -> str:
        target = self.condition_event
        if not self.condition_kind or target is None:
            return ""
        return condition_text(self.condition_kind, target.sequence, target.title, self.condition_delay_seconds)


class EventAttachment(TimeStampedModel):
    """Material that goes with an event: a fake news article, a customer's letter, a screenshot."""

    event = models.ForeignKey(
        ScenarioEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    content = models.TextField(_("content"), blank=True)
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["event", "id"]

    def __str__(self) -> str:
        return self.title
