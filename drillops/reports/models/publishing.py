"""Published reports: frozen, numbered versions of what a drill's report shows."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from drillops.timelines.models import Drill


class ReportVersion(models.Model):
    """Version `number` of a drill's report as it stood when published. Never changed afterwards:
    later edits of ratings, findings or the plan go into the next version."""

    drill = models.ForeignKey(Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="report_versions")
    number = models.PositiveIntegerField(_("number"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"))
    # The organisation's time zone when published, so the version reads the same later.
    time_zone = models.CharField(_("time zone"), max_length=64)
    snapshot = models.JSONField(_("snapshot"), encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")
        ordering = ["drill", "-number"]
        constraints = [models.UniqueConstraint(fields=["drill", "number"], name="report_version_unique")]

    def __str__(self) -> str:
        return f"{self.drill} · v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("a published report version never changes")
        super().save(*args, **kwargs)
