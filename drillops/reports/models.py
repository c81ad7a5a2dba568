"""After-action: observer ratings and observations, findings, and the improvement plan."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from drillops.core.models import TimeStampedModel
from drillops.departments.models import Department, Organisation
from drillops.scenarios.models import CriticalTask, Objective
from drillops.timelines.models import Drill, TimelineEntry


class Rating(models.TextChoices):
    """HSEEP: performed without challenges, with some, with major challenges, unable to perform."""

    P = "P", _("Performed without challenges")
    S = "S", _("Performed with some challenges")
    M = "M", _("Performed with major challenges")
    U = "U", _("Unable to be performed")


class ObservationFlag(models.TextChoices):
    NONE = "", _("None")
    ERROR = "error", _("Error")
    DELAY = "delay", _("Delay")
    STRENGTH = "strength", _("Strength")
    SAFETY = "safety", _("Safety concern")


class Observation(TimeStampedModel):
    drill = models.ForeignKey(Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="observations")
    observer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("observer"), on_delete=models.CASCADE, related_name="observations"
    )
    objective = models.ForeignKey(
        Objective,
        verbose_name=_("objective"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="observations",
    )
    critical_task = models.ForeignKey(
        CriticalTask,
        verbose_name=_("critical task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="observations",
    )
    rating = models.CharField(_("rating"), max_length=1, choices=Rating.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    timeline_entry = models.ForeignKey(
        TimelineEntry,
        verbose_name=_("timeline entry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="observations",
    )
    flag = models.CharField(_("flag"), max_length=16, choices=ObservationFlag.choices, blank=True)

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["drill", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(rating="", note=""), name="observation_has_rating_or_note"),
            models.CheckConstraint(
                condition=models.Q(rating__in=["", "P", "S", "M", "U"]), name="observation_rating_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.observer} · {self.rating or '-'} · {self.note[:40]}"


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

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["drill", "kind", "id"]

    def __str__(self) -> str:
        return self.title


class ImprovementStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class ImprovementItem(TimeStampedModel):
    """An improvement plan item; open items are carried into the organisation's next drill."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="improvement_items"
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
    followed_up_in = models.ForeignKey(
        Drill,
        verbose_name=_("followed up in drill"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followed_up_items",
    )

    class Meta:
        verbose_name = _("improvement item")
        verbose_name_plural = _("improvement plan")
        ordering = ["organisation", "status", "due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in ImprovementStatus]), name="improvement_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title
