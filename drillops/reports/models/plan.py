"""Findings of a drill (strengths, areas for improvement) and the improvement plan they lead to."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from drillops.core import glossary
from drillops.core.models import TimeStampedModel
from drillops.departments.models import Department, Organisation
from drillops.scenarios.models import Objective
from drillops.timelines.models import Drill, TimelineEntry


class FindingKind(models.TextChoices):
    STRENGTH = "strength", _("Strength")
    IMPROVEMENT = "improvement", _("Area for improvement")


class Finding(TimeStampedModel):
    drill = models.ForeignKey(Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="findings")
    objective = models.ForeignKey(
        Objective,
        verbose_name=_("objective"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=FindingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    analysis = models.TextField(_("analysis"), blank=True)
    # The evidence: the timeline entries that show it.
    timeline_entries = models.ManyToManyField(
        TimelineEntry, verbose_name=_("timeline entries"), blank=True, related_name="findings"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["drill", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in FindingKind]), name="finding_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ImprovementStatus(models.TextChoices):
    OPEN = "open", glossary.IMPROVEMENT_OPEN
    IN_PROGRESS = "in_progress", glossary.INJECT_IN_PROGRESS
    DONE = "done", glossary.IMPROVEMENT_DONE
    VERIFIED = "verified", glossary.IMPROVEMENT_VERIFIED
    DROPPED = "dropped", glossary.IMPROVEMENT_DROPPED


# What an owner department may set; `verified` needs a later drill's figures or a coordinator.
PROGRESS_STATUSES = (ImprovementStatus.OPEN, ImprovementStatus.IN_PROGRESS, ImprovementStatus.DONE)
# Items still to be re-tested: carried into the organisation's next drill, reminded before due.
OPEN_ITEM_STATUSES = PROGRESS_STATUSES
REMINDED_STATUSES = (ImprovementStatus.OPEN, ImprovementStatus.IN_PROGRESS)


class ImprovementItem(TimeStampedModel):
    """An improvement plan item; open items are carried into the organisation's next drill."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="improvement_items"
    )
    drill = models.ForeignKey(
        Drill,
        verbose_name=_("drill"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvement_items",
        help_text=_("The drill whose report this item came from."),
    )
    finding = models.ForeignKey(
        Finding,
        verbose_name=_("finding"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvement_items",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner_department = models.ForeignKey(
        Department,
        verbose_name=_("owner department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ImprovementStatus.choices, default=ImprovementStatus.OPEN
    )
    # {"metric", "department" | "pair", "op", "value"}: see reports.plan_targets.
    target = models.JSONField(_("target"), null=True, blank=True, encoder=DjangoJSONEncoder)
    progress_note = models.TextField(_("progress note"), blank=True)
    # Set by the one reminder before the due date; cleared when the due date moves.
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    followed_up_in = models.ForeignKey(
        Drill,
        verbose_name=_("followed up in drill"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followed_up_items",
    )
    # Verification by a later comparable drill (reports.services.verification): the drill whose
    # figure met the target, and the figure of the drill the item came from, to show both.
    verified_in = models.ForeignKey(
        Drill,
        verbose_name=_("verified in drill"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="verified_items",
    )
    baseline_figure = models.FloatField(_("figure before"), null=True, blank=True)

    class Meta:
        verbose_name = _("improvement item")
        verbose_name_plural = _("improvement plan")
        ordering = ["organisation", "status", "due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in ImprovementStatus]), name="improvement_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="improvement_due")]

    def __str__(self) -> str:
        return self.title
