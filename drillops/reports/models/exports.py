"""Report exports built in the background (a drill whose timeline is too long to export within one
request): the job, its progress and, when done, the file.

Kept in Postgres rather than in Redis or the cache: a finished file (several MB for a long
timeline) must outlive the worker that built it and reach whichever web process answers the next
poll, and Redis may restart empty (DESIGN.md's fault targets) or evict, which would turn a
finished export into an endless 202. Old jobs are deleted when new ones are made."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from drillops.timelines.models import Drill


class ExportState(models.TextChoices):
    RUNNING = "running", _("Being built")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ExportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "XLSX"
    CSV = "csv", "CSV"
    JSON = "json", "JSON"


class ReportExport(models.Model):
    """One export of a drill's report as one audience reads it: the coordinators' live draft
    (`version` null) or a published version as observers or staff read it, in one language."""

    drill = models.ForeignKey(Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="report_exports")
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    audience = models.CharField(_("audience"), max_length=16)  # the reader's role in the drill
    version = models.PositiveIntegerField(_("report version"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=16)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=8, choices=ExportState.choices, default=ExportState.RUNNING)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)  # per cent
    content = models.BinaryField(_("content"), null=True, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")
        indexes = [models.Index(fields=["drill", "format", "audience", "language"], name="report_export_key")]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="report_export_progress_le_100"),
        ]

    def __str__(self) -> str:
        return f"{self.drill_id} · {self.format} · {self.state}"
