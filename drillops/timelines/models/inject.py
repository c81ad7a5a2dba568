"""Injects (one event for one department), their escalation steps, the timeline, and the status sets
and the overdue rule that every door shares."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drillops.core import glossary
from drillops.core.models import TimeStampedModel
from drillops.departments.models import Department
from drillops.scenarios.models import Channel, ScenarioEvent
from drillops.timelines.models.drill import Drill, DrillState, sql_list, sql_value, values_of


class InjectCause(models.TextChoices):
    SCHEDULED = "scheduled", glossary.CAUSE_SCHEDULED
    TRIGGERED = "triggered", glossary.CAUSE_TRIGGERED
    ADHOC = "adhoc", glossary.CAUSE_ADHOC
    FORWARD = "forward", glossary.CAUSE_FORWARD
    ESCALATION = "escalation", glossary.CAUSE_ESCALATION


class InjectStatus(models.TextChoices):
    WAITING = "waiting", glossary.INJECT_WAITING
    PENDING = "pending", glossary.INJECT_PENDING
    DELIVERED = "delivered", glossary.INJECT_DELIVERED
    ACKNOWLEDGED = "acknowledged", glossary.INJECT_ACKNOWLEDGED
    IN_PROGRESS = "in_progress", glossary.INJECT_IN_PROGRESS
    RESOLVED = "resolved", glossary.INJECT_RESOLVED
    CANCELLED = "cancelled", glossary.INJECT_CANCELLED


# The status sets, once. Every filter, SQL fragment and template asks these.
UNDELIVERED_STATUSES = (InjectStatus.WAITING, InjectStatus.PENDING)  # still to come
OPEN_STATUSES = (InjectStatus.DELIVERED, InjectStatus.ACKNOWLEDGED, InjectStatus.IN_PROGRESS)  # an answer is owed
LIVE_STATUSES = (*UNDELIVERED_STATUSES, *OPEN_STATUSES)  # a drill is not done while any inject is in one
SCENARIO_CAUSES = (InjectCause.SCHEDULED, InjectCause.TRIGGERED)  # the rows that stand for a scenario event


def overdue_sql(alias: str = "i", now: str = "now()") -> str:
    """SQL twin of Inject.is_overdue (parity-tested): its deadline passed before anyone acknowledged it."""
    return (
        f"({alias}.deadline_at IS NOT NULL AND {alias}.status <> {sql_value(InjectStatus.CANCELLED)}"
        f" AND {alias}.deadline_at < COALESCE({alias}.acknowledged_at, {now}))"
    )


def awaiting_delivery_sql(alias: str = "i") -> str:
    """A row that the dispatcher delivers once due: pending and not yet delivered (the partial
    index inject_due_undelivered has the same condition)."""
    return f"({alias}.status = {sql_value(InjectStatus.PENDING)} AND {alias}.delivered_at IS NULL)"


def scenario_cause_sql(alias: str = "i") -> str:
    """A row that stands for a scenario event (SCENARIO_CAUSES)."""
    return f"{alias}.cause IN {sql_list(SCENARIO_CAUSES)}"


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
    # Few index entries per row: resume rewrites every pending row, and each index costs a write per
    # row (bench/pause.py). No index of their own on event and department (nor on (drill, due_at)):
    # lookups go through the drill's (drill, department, status) or the (event, department) constraint.
    event = models.ForeignKey(
        ScenarioEvent,
        verbose_name=_("scenario event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="injects",
        db_index=False,
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="injects", db_index=False
    )
    cause = models.CharField(_("cause"), max_length=16, choices=InjectCause.choices)
    source = models.ForeignKey(
        "self",
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derived",
        db_index=False,  # indexed where set only (inject_source): scenario rows, the bulk, have none
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
                condition=models.Q(cause__in=SCENARIO_CAUSES),
                name="inject_one_scenario_inject_per_event_and_department",
            ),
            models.CheckConstraint(condition=models.Q(status__in=values_of(InjectStatus)), name="inject_status_valid"),
            models.CheckConstraint(condition=models.Q(cause__in=values_of(InjectCause)), name="inject_cause_valid"),
            models.CheckConstraint(
                condition=~models.Q(cause__in=[InjectCause.FORWARD, InjectCause.ESCALATION])
                | models.Q(source__isnull=False),
                name="inject_forward_and_escalation_have_source",
            ),
            models.CheckConstraint(
                condition=models.Q(status=InjectStatus.WAITING)
                | models.Q(status=InjectStatus.CANCELLED)
                | models.Q(due_at__isnull=False),
                name="inject_due_unless_waiting",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="inject_due_undelivered",
                condition=models.Q(delivered_at__isnull=True, status=InjectStatus.PENDING),
            ),
            models.Index(fields=["drill", "department", "status"]),
            models.Index(fields=["source"], name="inject_source", condition=models.Q(source__isnull=False)),
            # One escalation per event, step (= level) and target: the dispatcher looks it up to join it.
            models.Index(
                fields=["drill", "event", "escalation_level", "department"],
                name="inject_escalation_key",
                condition=models.Q(cause=InjectCause.ESCALATION),
            ),
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
    def overdue_at(self) -> datetime | None:
        """When it turns overdue unless someone acknowledges it first (None: it cannot any more, or
        it has no deadline). Pages tick towards it; is_overdue stays the rule once it is reached."""
        if self.deadline_at is None or self.status == InjectStatus.CANCELLED or self.acknowledged_at is not None:
            return None
        return self.deadline_at

    @property
    def is_escalated(self) -> bool:
        return self.escalation_level > 0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EscalationUnless(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", glossary.UNLESS_ACKNOWLEDGED
    RESOLVED = "resolved", glossary.UNLESS_RESOLVED


class EscalationStep(TimeStampedModel):
    """One rung of an inject's ladder, written when the inject is delivered and its deadline known."""

    inject = models.ForeignKey(
        Inject, verbose_name=_("inject"), on_delete=models.CASCADE, related_name="escalation_steps"
    )
    position = models.PositiveSmallIntegerField(_("position"), help_text=_("1 for the first step of the ladder."))
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
    response_deadline_seconds = models.PositiveIntegerField(
        _("escalation's response deadline (seconds)"), null=True, blank=True
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
            models.CheckConstraint(condition=models.Q(position__gte=1), name="escalation_step_position_from_one"),
            models.CheckConstraint(
                condition=models.Q(target_department__isnull=False) | ~models.Q(target_role=""),
                name="escalation_step_has_target",
            ),
            models.CheckConstraint(
                condition=models.Q(unless__in=values_of(EscalationUnless)), name="escalation_unless_valid"
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


class InjectSource(models.Model):
    """A department copy that an escalation inject speaks for, and when it joined: the first copy
    is also the inject's `source`; a later miss of the same event at the same step joins here."""

    inject = models.ForeignKey(
        Inject, verbose_name=_("escalation inject"), on_delete=models.CASCADE, related_name="source_links"
    )
    source = models.ForeignKey(
        Inject, verbose_name=_("source"), on_delete=models.PROTECT, related_name="escalation_links"
    )
    joined_at = models.DateTimeField(_("joined at"))

    class Meta:
        verbose_name = _("escalation source")
        verbose_name_plural = _("escalation sources")
        ordering = ["inject", "joined_at", "id"]
        constraints = [models.UniqueConstraint(fields=["inject", "source"], name="inject_source_unique")]

    def __str__(self) -> str:
        return f"{self.inject_id} <- {self.source_id}"


class EntryKind(models.TextChoices):
    STATE = "state", glossary.ENTRY_STATE
    DELIVERED = "delivered", glossary.ENTRY_DELIVERED
    ACKNOWLEDGED = "acknowledged", glossary.INJECT_ACKNOWLEDGED
    ACTION = "action", glossary.ENTRY_ACTION
    DECISION = "decision", glossary.ENTRY_DECISION
    FORWARD = "forward", glossary.ENTRY_FORWARDED
    ESCALATION = "escalation", glossary.ENTRY_ESCALATED
    RESOLVED = "resolved", glossary.INJECT_RESOLVED
    CANCELLED = "cancelled", glossary.INJECT_CANCELLED
    MESSAGE = "message", glossary.ENTRY_MESSAGE
    NOTE = "note", glossary.ENTRY_NOTE


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
            models.CheckConstraint(condition=models.Q(kind__in=values_of(EntryKind)), name="timeline_entry_kind_valid"),
        ]
        indexes = [models.Index(fields=["drill", "at"]), models.Index(fields=["drill", "kind", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.get_kind_display()}"

    @property
    def state_change(self) -> str:
        """A drill state change in the reader's words, "Running → Paused": the entry stores the
        states' values and they are translated here, where they are shown."""
        if self.kind != EntryKind.STATE:
            return ""
        return " → ".join(
            str(DrillState(value).label) if value in DrillState.values else str(value or "—")
            for value in (self.data.get("from"), self.data.get("to"))
        )
