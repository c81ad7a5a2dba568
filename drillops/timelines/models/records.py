"""Records of the engine: in-app notifications, the outbox of side effects, dispatcher heartbeats."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drillops.core.models import TimeStampedModel
from drillops.timelines.models.drill import Drill, values_of
from drillops.timelines.models.inject import Inject


class Notification(TimeStampedModel):
    """An in-app notice to one person; the idempotency key drops a repeated side effect."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    # Empty for notices that belong to no drill (e.g. an improvement item due soon).
    drill = models.ForeignKey(
        Drill,
        verbose_name=_("drill"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    inject = models.ForeignKey(
        Inject, verbose_name=_("inject"), null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    marking = models.CharField(_("marking"), max_length=40, default=settings.EXERCISE_MARK, editable=False)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    # Where the notice leads, a path of this site (e.g. the questionnaire page to answer).
    link = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"[{self.marking}] {self.title}"


class OutboxChannel(models.TextChoices):
    """How a recipient hears of something: each is a row of its own, so each is retried alone."""

    INAPP = "inapp", _("In-app notification")
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class OutboxTopic(models.TextChoices):
    INJECT = "inject", _("Inject delivered")
    ESCALATION_ROLE = "escalation_role", _("Escalation to a role")
    NOTICE = "notice", _("Notice to named people")


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed (given up)")
    DISMISSED = "dismissed", _("Dismissed")


class Outbox(models.Model):
    """One side effect owed after a commit: one inject (or notice) for one channel.

    A worker claims a row by compare-and-swap (`claimed_until`, a lease that is also the claim's
    token) before working on it; a failure sets `next_attempt_at` (backoff) for this row only; a
    row out of attempts is `failed` and waits for a person to retry or dismiss it."""

    topic = models.CharField(_("topic"), max_length=64, choices=OutboxTopic.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=OutboxChannel.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=OutboxState.choices, db_default=OutboxState.PENDING.value
    )
    # Rows are written thousands at a time inside the dispatcher's claim, so nothing is checked
    # or indexed that need not be: no index of its own (the failed count per drill has a partial
    # one below) and no database constraint (checked per row at commit); deleting a drill through
    # the ORM still deletes its rows. Empty for a notice that belongs to no drill.
    drill = models.ForeignKey(
        Drill,
        verbose_name=_("drill"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    payload = models.JSONField(_("payload"), default=dict)
    # Unique through a constraint, not unique=True, which would add a second (LIKE) index.
    idempotency_key = models.CharField(_("idempotency key"), max_length=120)
    created_at = models.DateTimeField(_("created at"), db_default=Now())
    # When the row was last handed to Celery: NULL after a failed attempt (no task holds it).
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True, db_default=Now())
    next_attempt_at = models.DateTimeField(_("next attempt at"), db_default=Now())
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox row")
        verbose_name_plural = _("outbox")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="outbox_pending", condition=models.Q(state=OutboxState.PENDING)
            ),
            models.Index(fields=["drill"], name="outbox_failed", condition=models.Q(state=OutboxState.FAILED)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="outbox_idempotency_key_unique"),
            models.CheckConstraint(condition=models.Q(state__in=values_of(OutboxState)), name="outbox_state_valid"),
            models.CheckConstraint(
                condition=models.Q(channel__in=values_of(OutboxChannel)), name="outbox_channel_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class DispatcherHeartbeat(models.Model):
    """One row per dispatcher replica: alive while beat_at is recent; lag is how late its last claim was."""

    name = models.CharField(_("name"), max_length=100, primary_key=True)
    host = models.CharField(_("host"), max_length=200, blank=True)
    pid = models.PositiveIntegerField(_("process id"), default=0)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    beat_at = models.DateTimeField(_("last beat"), default=timezone.now)
    lag_ms = models.FloatField(_("lag (ms)"), default=0)
    delivered_total = models.BigIntegerField(_("delivered"), default=0)

    class Meta:
        verbose_name = _("dispatcher heartbeat")
        verbose_name_plural = _("dispatcher heartbeats")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
