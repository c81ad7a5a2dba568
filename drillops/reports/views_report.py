"""The after-action report in the browser (/drills/<id>/report/) and its exports.

Who reads what is reports.selectors.report_view: coordinators the live draft (or a published
version), the rest of the drill's roster only a published version; someone who may see the drill
but not (yet) its report gets 403, anyone else 404. An export of a long timeline answers 202 with
a progress page (static/drillops/report_export.js polls the job's status) that offers the file
when it is done."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from drillops.reports import services
from drillops.reports.exports import FORMATS
from drillops.reports.exports.outcome import export_or_job, file_response
from drillops.reports.forms_report import ExportQueryForm, ReportQueryForm
from drillops.reports.models import ReportExport
from drillops.reports.presentation import report_context
from drillops.reports.selectors import can_read_report, proposals_of
from drillops.reports.selectors.report_view import ReportUnavailable, ReportView, filtered_entries, flags_by_entry
from drillops.reports.selectors.report_view import report_view as read_report
from drillops.timelines.models import Drill
from drillops.timelines.selectors import drill_role

TIMELINE_PAGE = 100


def _drill(pk: int) -> Drill:
    drill = get_object_or_404(Drill.objects.select_related("organisation", "scenario_version__scenario"), pk=pk)
    timezone.activate(drill.organisation.tz)
    return drill


def _view(request: HttpRequest, drill: Drill, version: int | None) -> ReportView | HttpResponse:
    try:
        view = read_report(request.user, drill, version)
    except ReportUnavailable as exc:
        if exc.status == 404:
            raise Http404 from exc
        return render(request, "reports/report_unavailable.html", {"drill": drill}, status=403)
    if view is None:
        raise Http404
    return view


@login_required
@require_GET
def drill_report(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _drill(pk)
    form = ReportQueryForm(request.GET, drill=drill)
    valid = form.is_valid()
    view = _view(request, drill, form.cleaned_data.get("version") if valid else None)
    if isinstance(view, HttpResponse):
        return view
    context = report_context(view)
    entries = filtered_entries(view, **form.filters())
    page = Paginator(entries, TIMELINE_PAGE).get_page(form.cleaned_data.get("page") if valid else 1)
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        form=form, page=page, flags=flags_by_entry(view), query=query.urlencode(),
        proposals=proposals_of(drill) if view.live else None, formats=FORMATS,
    )  # fmt: skip
    return render(request, "reports/report.html", context, status=200 if valid else 400)


@login_required
@require_GET
def report_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    drill = _drill(pk)
    query = ExportQueryForm(request.GET)
    if fmt not in FORMATS or not query.is_valid():
        problem = _("Choose one of the formats PDF, XLSX, CSV or JSON, and a version number.")
        return render(request, "reports/export_progress.html", {"drill": drill, "problem": problem}, status=400)
    view = _view(request, drill, query.cleaned_data["version"])
    if isinstance(view, HttpResponse):
        return view
    outcome = export_or_job(view, fmt, request.user)
    if not isinstance(outcome, ReportExport):
        return file_response(outcome)
    return render(
        request, "reports/export_progress.html", {"drill": drill, "job": outcome, **_urls(outcome)}, status=202
    )


def _urls(job: ReportExport) -> dict[str, str]:
    return {
        "status_url": reverse("report_export_status", args=[job.drill_id, job.pk]),
        "file_url": reverse("report_export_file", args=[job.drill_id, job.pk]),
    }


def _job(request: HttpRequest, pk: int, job_pk: int) -> ReportExport:
    """A job of this drill made for the reader's own audience (their role in the drill)."""
    drill = _drill(pk)
    role = drill_role(request.user, drill)
    if role is None or not can_read_report(request.user, drill):
        raise Http404
    return get_object_or_404(ReportExport.objects.defer("content"), drill=drill, pk=job_pk, audience=role)


@login_required
@require_GET
def report_export_status(request: HttpRequest, pk: int, job_pk: int) -> JsonResponse:
    job = _job(request, pk, job_pk)
    state = services.job_state(job)
    body: dict[str, Any] = {"status": state, "progress": job.progress}
    if state == "done":
        body["url"] = _urls(job)["file_url"]
    if state == "failed":
        body["message"] = _("The export could not be built. Try again; if it fails again, tell an administrator.")
    return JsonResponse(body)


@login_required
@require_GET
def report_export_file(request: HttpRequest, pk: int, job_pk: int) -> HttpResponse:
    job = _job(request, pk, job_pk)
    made = services.job_file(ReportExport.objects.get(pk=job.pk))
    if made is None:
        context = {"drill": job.drill, "job": job, **_urls(job)}
        return render(request, "reports/export_progress.html", context, status=202)
    return file_response(made)
