"""Findings the report proposes from a drill's metrics, for the coordinator to accept (with or
without edits) or drop. A proposal is not a finding until accepted; its evidence is the metric it
read, the figure, the target it was compared with and the timeline entries that show it."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from drillops.core.models import TimeStampedModel
from drillops.departments.models import Department
from drillops.reports.models.plan import Finding, FindingKind, ImprovementItem
from drillops.scenarios.models import Objective
from drillops.timelines.models import Drill, TimelineEntry


class ProposalState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DROPPED = "dropped", _("Dropped")


class ProposalRule(models.TextChoices):
    """What in the metrics made the proposal: its wording follows from the rule and its params."""

    TASK_MISSED = "task_missed", _("Critical task over its target")
    TASK_MET = "task_met", _("Critical task met comfortably")
    HANDOFF_SLOWEST = "handoff_slowest", _("Slowest hand-off")
    DECISIONS = "decisions", _("Slowest decisions")
    DEADLINES = "deadlines", _("Deadlines missed and escalations")
    PRESS = "press", _("Press question answered slowly or flagged")


class FindingProposal(TimeStampedModel):
    drill = models.ForeignKey(Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="proposals")
    # Stable per drill (e.g. "task:12", "handoff", "press:345"): regenerating finds the same row.
    key = models.CharField(_("key"), max_length=64)
    rule = models.CharField(_("rule"), max_length=32, choices=ProposalRule.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=FindingKind.choices)
    state = models.CharField(_("state"), max_length=16, choices=ProposalState.choices, default=ProposalState.PROPOSED)
    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    metric = models.CharField(_("metric"), max_length=32, blank=True)
    figure = models.FloatField(_("figure"), null=True, blank=True)  # real seconds, a share or a count
    target = models.JSONField(_("target"), null=True, blank=True, encoder=DjangoJSONEncoder)
    # What the wording needs (departments, events, counts), captured when proposed.
    params = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    timeline_entries = models.ManyToManyField(
        TimelineEntry, verbose_name=_("timeline entries"), blank=True, related_name="+"
    )
    # The improvement item it suggests: the target that failed, so that the next drill verifies it.
    item_target = models.JSONField(_("item target"), null=True, blank=True, encoder=DjangoJSONEncoder)
    item_owner_department = models.ForeignKey(
        Department,
        verbose_name=_("item owner department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item = models.ForeignKey(
        ImprovementItem,
        verbose_name=_("improvement item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposed finding")
        verbose_name_plural = _("proposed findings")
        ordering = ["drill", "id"]
        constraints = [
            models.UniqueConstraint(fields=["drill", "key"], name="proposal_key_unique"),
            models.CheckConstraint(
                condition=models.Q(state__in=[s.value for s in ProposalState]), name="proposal_state_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in FindingKind]), name="proposal_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drill} · {self.key} · {self.state}"

    @property
    def suggests_item(self) -> bool:
        return self.kind == FindingKind.IMPROVEMENT
