"""Running drills: injects with their clocks, escalation steps, the timeline, the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drillops.core.models import TimeStampedModel
from drillops.departments.models import Department, Organisation
from drillops.scenarios.models import Channel, ScenarioEvent, ScenarioVersion


def _values(choices: type[models.TextChoices]) -> list[str]:
    return [c.value for c in choices]


class DrillState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    FINISHED = "finished", _("Finished")
    STOPPED = "stopped", _("Stopped")


class Drill(TimeStampedModel):
    """One run of one pinned scenario version."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="drills"
    )
    scenario_version = models.ForeignKey(
        ScenarioVersion, verbose_name=_("scenario version"), on_delete=models.PROTECT, related_name="drills"
    )
    name = models.CharField(_("name"), max_length=200)
    state = models.CharField(_("state"), max_length=16, choices=DrillState.choices, default=DrillState.SCHEDULED)
    time_scale = models.FloatField(
        _("time scale"), default=1.0, help_text=_("Scenario seconds per real second; 60 plays a minute each second.")
    )
    scheduled_start = models.DateTimeField(_("scheduled start"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_total = models.DurationField(_("total time paused"), default=timedelta)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    stop_reason = models.TextField(_("stop reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=_values(DrillState)), name="drill_state_valid"),
            models.CheckConstraint(
                condition=models.Q(time_scale__gt=0) & models.Q(time_scale__lte=3600), name="drill_time_scale_range"
            ),
        ]
        indexes = [models.Index(fields=["state", "scheduled_start"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.state in {DrillState.RUNNING, DrillState.PAUSED}

    @property
    def is_over(self) -> bool:
        return self.state in {DrillState.FINISHED, DrillState.STOPPED}

    def scenario_seconds(self, real_seconds: float) -> float:
        return real_seconds * self.time_scale

    def real_seconds(self, scenario_seconds: float) -> float:
        return scenario_seconds / self.time_scale


class SeatRole(models.TextChoices):
    PLAYER = "player", _("Player")
    DEPUTY = "deputy", _("Deputy")
    CONTROLLER = "controller", _("Controller")
    OBSERVER = "observer", _("Observer")


class RosterEntry(TimeStampedModel):
    """Who plays which seat for which department in this drill, and who attended."""

    drill = models.ForeignKey(Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="roster")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roster_entries"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=16, choices=SeatRole.choices, default=SeatRole.PLAYER)
    seat = models.CharField(_("seat"), max_length=200, blank=True)
    attended = models.BooleanField(_("attended"), default=False)

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster")
        ordering = ["drill", "department", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["drill", "user", "department"], name="roster_entry_unique", nulls_distinct=False
            ),
            models.CheckConstraint(condition=models.Q(role__in=_values(SeatRole)), name="roster_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.drill} · {self.user} · {self.get_role_display()}"


class InjectCause(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    TRIGGERED = "triggered", _("Triggered")
    ADHOC = "adhoc", _("Ad hoc")
    FORWARD = "forward", _("Forward")
    ESCALATION = "escalation", _("Escalation")


class InjectStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for its condition")
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (InjectStatus.DELIVERED, InjectStatus.ACKNOWLEDGED, InjectStatus.IN_PROGRESS)


class Inject(TimeStampedModel):
    """One scenario event (or ad-hoc message, forward, escalation) for one department.

    Delivery sets delivered_at once; the dispatcher's claim only takes undelivered rows.
    Few indexes on purpose: pause/resume rewrites thousands of rows at once and every index is
    written again for each; drill lookups use the (drill, ...) composite indexes below.
    """

    # No index of its own on created_at (unlike other models): nothing lists injects by it.
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    drill = models.ForeignKey(
        Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="injects", db_index=False
    )
    event = models.ForeignKey(
        ScenarioEvent,
        verbose_name=_("scenario event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="injects",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="injects"
    )
    cause = models.CharField(_("cause"), max_length=16, choices=InjectCause.choices)
    source = models.ForeignKey(
        "self", verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT, related_name="derived"
    )
    marking = models.CharField(_("marking"), max_length=40, default=settings.EXERCISE_MARK, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.OTHER)
    sender = models.CharField(_("sender"), max_length=200, blank=True)
    expected_action = models.TextField(_("expected action"), blank=True)
    is_decision = models.BooleanField(_("expects a decision"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=InjectStatus.choices, default=InjectStatus.PENDING)
    response_deadline_seconds = models.PositiveIntegerField(_("response deadline (seconds)"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("deadline at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    first_action_at = models.DateTimeField(_("first action at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inject")
        verbose_name_plural = _("injects")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["drill", "event", "department"],
                condition=models.Q(cause__in=["scheduled", "triggered"]),
                name="inject_one_scenario_inject_per_event_and_department",
            ),
            models.CheckConstraint(condition=models.Q(status__in=_values(InjectStatus)), name="inject_status_valid"),
            models.CheckConstraint(condition=models.Q(cause__in=_values(InjectCause)), name="inject_cause_valid"),
            models.CheckConstraint(
                condition=~models.Q(cause__in=["forward", "escalation"]) | models.Q(source__isnull=False),
                name="inject_forward_and_escalation_have_source",
            ),
            models.CheckConstraint(
                condition=models.Q(status="waiting") | models.Q(status="cancelled") | models.Q(due_at__isnull=False),
                name="inject_due_unless_waiting",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="inject_due_undelivered",
                condition=models.Q(delivered_at__isnull=True, status="pending"),
            ),
            models.Index(fields=["drill", "department", "status"]),
            models.Index(fields=["drill", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"[{self.marking}] {self.title} → {self.department.code}"

    @property
    def is_overdue(self) -> bool:
        """Its deadline passed before anyone acknowledged it (now, or back then)."""
        if self.deadline_at is None or self.status == InjectStatus.CANCELLED:
            return False
        answered: datetime = self.acknowledged_at or timezone.now()
        return answered > self.deadline_at

    @property
    def is_escalated(self) -> bool:
        return self.escalation_level > 0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EscalationUnless(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", _("Unless acknowledged")
    RESOLVED = "resolved", _("Unless resolved")


class EscalationStep(TimeStampedModel):
    """One rung of an inject's ladder, written when the inject is delivered and its deadline known."""

    inject = models.ForeignKey(
        Inject, verbose_name=_("inject"), on_delete=models.CASCADE, related_name="escalation_steps"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    after_seconds = models.PositiveIntegerField(_("after (seconds)"))
    target_department = models.ForeignKey(
        Department,
        verbose_name=_("target department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_role = models.CharField(_("target role"), max_length=32, blank=True)
    message = models.TextField(_("message"), blank=True)
    unless = models.CharField(
        _("unless"), max_length=16, choices=EscalationUnless.choices, default=EscalationUnless.ACKNOWLEDGED
    )
    fire_at = models.DateTimeField(_("fires at"))
    fired_at = models.DateTimeField(_("fired at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    result = models.ForeignKey(
        Inject, verbose_name=_("escalation inject"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ["inject", "position"]
        constraints = [
            models.UniqueConstraint(fields=["inject", "position"], name="escalation_step_position_unique"),
            models.CheckConstraint(
                condition=models.Q(target_department__isnull=False) | ~models.Q(target_role=""),
                name="escalation_step_has_target",
            ),
            models.CheckConstraint(
                condition=models.Q(unless__in=_values(EscalationUnless)), name="escalation_unless_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["fire_at"],
                name="escalation_step_due",
                condition=models.Q(fired_at__isnull=True, cancelled_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inject_id} step {self.position}"


class EntryKind(models.TextChoices):
    STATE = "state", _("Drill state change")
    DELIVERED = "delivered", _("Inject delivered")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACTION = "action", _("Action")
    DECISION = "decision", _("Decision")
    FORWARD = "forward", _("Forwarded")
    ESCALATION = "escalation", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    CANCELLED = "cancelled", _("Cancelled")
    MESSAGE = "message", _("Comms message")
    NOTE = "note", _("Controller note")


class TimelineEntry(models.Model):
    """What happened in a drill and when: the source of every metric. Append-only."""

    drill = models.ForeignKey(Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(_("at"), db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    inject = models.ForeignKey(
        Inject, verbose_name=_("inject"), null=True, blank=True, on_delete=models.CASCADE, related_name="entries"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=_values(EntryKind)), name="timeline_entry_kind_valid"),
        ]
        indexes = [models.Index(fields=["drill", "at"]), models.Index(fields=["drill", "kind", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.get_kind_display()}"


class Notification(TimeStampedModel):
    """An in-app notice to one person; the idempotency key drops a repeated side effect."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    drill = models.ForeignKey(Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="notifications")
    inject = models.ForeignKey(
        Inject, verbose_name=_("inject"), null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    marking = models.CharField(_("marking"), max_length=40, default=settings.EXERCISE_MARK, editable=False)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
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
