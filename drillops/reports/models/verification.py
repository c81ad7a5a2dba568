"""Each time a finished drill re-tests an improvement item: the figure it measured against the item's
target, and whether it could compare at all (DESIGN.md: real seconds compare only between drills
run at the same time scale)."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from drillops.core.models import TimeStampedModel
from drillops.reports.models.plan import ImprovementItem
from drillops.timelines.models import Drill


class VerificationReason(models.TextChoices):
    MET = "met", _("The figure meets the target")
    NOT_MET = "not_met", _("The figure misses the target")
    TIME_SCALE = "time_scale", _("Run at another time scale: not comparable")
    NO_FIGURE = "no_figure", _("Nothing to measure in this drill")


class ItemVerification(TimeStampedModel):
    item = models.ForeignKey(
        ImprovementItem, verbose_name=_("improvement item"), on_delete=models.CASCADE, related_name="verifications"
    )
    drill = models.ForeignKey(
        Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="item_verifications"
    )
    figure = models.FloatField(_("figure"), null=True, blank=True)
    # The figure of the drill the item came from, when known: both figures are shown side by side.
    baseline = models.FloatField(_("figure before"), null=True, blank=True)
    target = models.JSONField(_("target"), encoder=DjangoJSONEncoder)
    met = models.BooleanField(_("met"), null=True, blank=True)
    comparable = models.BooleanField(_("comparable"))
    reason = models.CharField(_("reason"), max_length=16, choices=VerificationReason.choices)

    class Meta:
        verbose_name = _("verification attempt")
        verbose_name_plural = _("verification attempts")
        ordering = ["item", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "drill"], name="verification_once_per_drill"),
            models.CheckConstraint(
                condition=models.Q(reason__in=[r.value for r in VerificationReason]), name="verification_reason_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.drill} · {self.reason}"
