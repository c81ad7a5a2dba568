"""Report exports of long timelines, built in the background: finding or starting the job for one
reader's export, and building it (the Celery task reports.tasks.build_report_export calls
export_job_run). A job is reused while it runs; once done, its file is served again for a
published version (frozen) and, for the coordinators' live draft, while it is newer than
REPORT_EXPORT_FRESH_SECONDS, so that a client that simply repeats its GET gets the file and not
an endless 202. Jobs older than a day are deleted when a new one starts."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from drillops.reports.exports import ExportFile, render_export
from drillops.reports.models import ExportState, ReportExport
from drillops.reports.selectors.report_view import ReportUnavailable, ReportView, report_view

log = logging.getLogger(__name__)
KEPT = timedelta(days=1)
LOST_AFTER = timedelta(minutes=15)  # a job still "running" this long was lost with its worker


def _reusable(view: ReportView, fmt: str, language: str) -> ReportExport | None:
    now = timezone.now()
    jobs = ReportExport.objects.filter(
        drill=view.drill, format=fmt, audience=view.audience, language=language,
        version=view.version.number if view.version else None,
    ).defer("content").order_by("-created_at")  # fmt: skip
    running = jobs.filter(state=ExportState.RUNNING, created_at__gte=now - LOST_AFTER).first()
    if running is not None:
        return running
    done = jobs.filter(state=ExportState.DONE)
    if view.version is None:
        done = done.filter(finished_at__gte=now - timedelta(seconds=settings.REPORT_EXPORT_FRESH_SECONDS))
    return done.first()


def export_job_for(*, view: ReportView, fmt: str, language: str, by: Any) -> ReportExport:
    """The running or reusable job of this export, else a new one queued for the worker."""
    found = _reusable(view, fmt, language)
    if found is not None:
        return found
    ReportExport.objects.filter(created_at__lt=timezone.now() - KEPT).delete()
    job = ReportExport.objects.create(
        drill=view.drill, format=fmt, audience=view.audience, language=language,
        version=view.version.number if view.version else None,
        requested_by=by if getattr(by, "is_authenticated", False) else None,
    )  # fmt: skip
    from drillops.reports.tasks import build_report_export

    transaction.on_commit(lambda: build_report_export.delay(job.pk))
    return job


def job_state(job: ReportExport) -> str:
    """running, done or failed; a job still running after LOST_AFTER was lost with its worker and
    counts as failed (the next request starts another)."""
    if job.state == ExportState.RUNNING and job.created_at < timezone.now() - LOST_AFTER:
        return ExportState.FAILED
    return job.state


def job_file(job: ReportExport) -> ExportFile | None:
    if job.state != ExportState.DONE or job.content is None:
        return None
    return ExportFile(bytes(job.content), job.filename, job.content_type)


def _progress(job_id: int) -> Any:
    def tell(per_cent: int) -> None:
        ReportExport.objects.filter(pk=job_id, state=ExportState.RUNNING).update(progress=min(per_cent, 99))

    return tell


def export_job_run(job_id: int) -> str:
    """Build the job's file as its requester reads the report; a job whose requester may no longer
    read it fails with the reason, as does one whose build raised."""
    job = ReportExport.objects.select_related("drill__organisation", "requested_by").filter(pk=job_id).first()
    if job is None or job.state != ExportState.RUNNING:
        return "gone"
    tell = _progress(job.pk)
    try:
        with translation.override(job.language), timezone.override(job.drill.organisation.tz):
            view = report_view(job.requested_by, job.drill, job.version)
            if view is None or view.audience != job.audience:
                raise ReportUnavailable(403)
            tell(5)
            view.snapshot  # noqa: B018 - the live draft's figures, computed here
            tell(20)
            made = render_export(view, job.format, tell)
    except Exception as exc:
        log.exception("report export %s failed", job.pk)
        ReportExport.objects.filter(pk=job.pk).update(
            state=ExportState.FAILED, error=repr(exc)[:2000], finished_at=timezone.now()
        )
        return "failed"
    ReportExport.objects.filter(pk=job.pk).update(
        state=ExportState.DONE, progress=100, content=made.content, filename=made.filename,
        content_type=made.content_type, finished_at=timezone.now(),
    )  # fmt: skip
    return "done"
