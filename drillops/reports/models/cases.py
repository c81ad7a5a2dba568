"""The case library: past drills and real incidents, with their resolution times and customer
satisfaction, so that a drill's figures can be read against a real incident's."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from drillops.core.models import TimeStampedModel
from drillops.departments.models import Department, Organisation
from drillops.timelines.models import Drill

TAG_MAX_LENGTH = 50


class CaseKind(models.TextChoices):
    DRILL = "drill", _("Past drill")
    INCIDENT = "incident", _("Real incident")


class SatisfactionKind(models.TextChoices):
    SHARE = "share", _("Share of satisfied customers (0 to 1)")
    SCORE = "score", _("Mean score (1 to 5)")


SATISFACTION_RANGE: dict[str, tuple[float, float]] = {
    SatisfactionKind.SHARE.value: (0.0, 1.0),
    SatisfactionKind.SCORE.value: (1.0, 5.0),
}


class Case(TimeStampedModel):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="cases"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CaseKind.choices)
    drill = models.ForeignKey(
        Drill, verbose_name=_("drill"), null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    occurred_on = models.DateField(_("occurred on"), null=True, blank=True)
    resolution_seconds = models.PositiveIntegerField(_("resolution time (seconds)"), null=True, blank=True)
    # Relative changes against the situation before, e.g. -0.3 for "resolved 30 % faster".
    resolution_change = models.FloatField(_("change in resolution time"), null=True, blank=True)
    satisfaction = models.FloatField(_("customer satisfaction"), null=True, blank=True)
    satisfaction_kind = models.CharField(
        _("satisfaction measured as"), max_length=8, choices=SatisfactionKind.choices, blank=True
    )
    satisfaction_change = models.FloatField(_("change in customer satisfaction"), null=True, blank=True)
    tags = ArrayField(models.CharField(max_length=TAG_MAX_LENGTH), verbose_name=_("tags"), default=list, blank=True)
    # Title, summary, tags and steps in one column, kept by the services, searched with one index.
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("case library")
        ordering = ["organisation", "-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=[k.value for k in CaseKind]), name="case_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True) | ~models.Q(satisfaction_kind=""),
                name="case_satisfaction_has_kind",
            ),
        ]
        indexes = [
            # icontains is UPPER(col) LIKE UPPER('%word%'): a trigram index on UPPER(col) serves it,
            # Chinese two-character words included (trigram similarity would miss them).
            GinIndex(OpClass(Upper("search_text"), name="gin_trgm_ops"), name="case_search_trgm"),
        ]

    def __str__(self) -> str:
        return self.title


class CaseStep(models.Model):
    """A timestamped step of a case: what happened when, and in which department."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="steps")
    sequence = models.PositiveIntegerField(_("sequence"))
    at = models.DateTimeField(_("at"))
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(_("description"))

    class Meta:
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        ordering = ["case", "sequence"]
        constraints = [models.UniqueConstraint(fields=["case", "sequence"], name="case_step_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.case} · {self.sequence}"
