"""An export as a door answers it: the file at once for a short timeline, else the background job
(reports.services.exports) and, once it is done, its file."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language

from drillops.reports import services
from drillops.reports.exports.files import ExportFile, render_export
from drillops.reports.models import ReportExport
from drillops.reports.selectors.report_view import ReportView, timeline_size


def export_or_job(view: ReportView, fmt: str, by: Any) -> ExportFile | ReportExport:
    if timeline_size(view) <= settings.REPORT_EXPORT_ASYNC_ENTRIES:
        return render_export(view, fmt)
    job = services.export_job_for(view=view, fmt=fmt, language=get_language() or "en", by=by)
    return services.job_file(job) or job


def file_response(made: ExportFile) -> HttpResponse:
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=made.filename)
    return response
