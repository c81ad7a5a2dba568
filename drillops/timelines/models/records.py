"""Records of the engine: in-app notifications, the outbox of side effects, dispatcher heartbeats."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drillops.core.models import TimeStampedModel
from drillops.timelines.models.drill import Drill
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


class Outbox(models.Model):
    """Side effects owed after a commit. Celery carries them out; beat re-sends what was lost."""

    topic = models.CharField(_("topic"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox row")
        verbose_name_plural = _("outbox")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["created_at"], name="outbox_not_done", condition=models.Q(done_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.idempotency_key}"


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
