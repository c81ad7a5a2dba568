"""Observers' ratings and notes, and the rating the coordinator agrees on per objective and task."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from drillops.core.models import TimeStampedModel
from drillops.scenarios.models import CriticalTask, Objective
from drillops.timelines.models import Drill, TimelineEntry


class Rating(models.TextChoices):
    """HSEEP: performed without challenges, with some, with major challenges, unable to perform."""

    P = "P", _("Performed without challenges")
    S = "S", _("Performed with some challenges")
    M = "M", _("Performed with major challenges")
    U = "U", _("Unable to be performed")


# The ratings are ordered (P best, U worst): the ordinal agreement measure needs the order.
RATING_ORDER: dict[str, int] = {"P": 1, "S": 2, "M": 3, "U": 4}


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


class AgreedRating(TimeStampedModel):
    """The rating of one objective (critical_task empty) or critical task that the coordinator
    settles on after reading every observer's."""

    drill = models.ForeignKey(Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="agreed_ratings")
    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.CASCADE, related_name="agreed_ratings"
    )
    critical_task = models.ForeignKey(
        CriticalTask,
        verbose_name=_("critical task"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="agreed_ratings",
    )
    rating = models.CharField(_("rating"), max_length=1, choices=Rating.choices)
    note = models.TextField(_("note"), blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("agreed rating")
        verbose_name_plural = _("agreed ratings")
        ordering = ["drill", "objective", "critical_task"]
        constraints = [
            models.UniqueConstraint(
                fields=["drill", "objective", "critical_task"], name="agreed_rating_unique", nulls_distinct=False
            ),
            models.CheckConstraint(condition=models.Q(rating__in=list(RATING_ORDER)), name="agreed_rating_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.drill} · {self.critical_task or self.objective} · {self.rating}"
