"""GET /api/v1/drills/{id}/report/: the drill's metrics as JSON (DESIGN.md, "Metrics, precisely"), and
GET .../report/export/?format=pdf|xlsx|csv|json: the report as a file. Who reads it is
reports.selectors.can_read_report, the report's one rule; what an export holds for the reader is
reports.selectors.report_view (coordinators the live draft, the roster a published version).

DRF reserves `format` for its renderers; settings turn that URL override off (URL_FORMAT_OVERRIDE
None), so `?format=` reaches the export, which answers with the file itself (200), or 202
{"status", "progress", "job"} while a long one is being built (repeat the same GET to get it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from drillops.core.errors import InvalidInput
from drillops.departments.api.access import MEMBERS
from drillops.reports.exports import FORMATS
from drillops.reports.exports.files import TYPES
from drillops.reports.exports.outcome import export_or_job, file_response
from drillops.reports.models import ReportExport
from drillops.reports.selectors import drill_metrics
from drillops.reports.selectors.report_view import ReportUnavailable, ReportView, report_view
from drillops.timelines import selectors as drill_selectors
from drillops.timelines.api.views import DrillRolesMixin

EXPORT_PARAMETERS = [
    OpenApiParameter("format", str, enum=list(FORMATS), required=True, description="pdf, xlsx, csv or json"),
    OpenApiParameter(
        "version",
        int,
        description="A published version (default: the live draft for coordinators, "
        "the latest published version for everyone else)",
    ),
]
EXPORT_RESPONSES: dict[int | tuple[int, str], Any] = {
    # The file itself, as the format asks (the JSON export is a JSON object).
    **{(200, media.split(";")[0]): OpenApiTypes.BINARY for media in TYPES.values() if "json" not in media},
    (200, "application/json"): OpenApiTypes.OBJECT,
    202: OpenApiResponse(OpenApiTypes.OBJECT, description='{"status", "progress", "job"}: being built'),
}


@extend_schema(parameters=[OpenApiParameter("drill_pk", int, OpenApiParameter.PATH, description="Drill id")])
class ReportViewSet(DrillRolesMixin, viewsets.GenericViewSet):
    """A drill's after-action metrics: response times per inject, department, event and drill, deadline
    compliance, escalations, the hand-off matrix, decision latency, press questions, flagged errors and
    critical tasks against their targets. Durations in real and scenario seconds."""

    # Whoever may see the drill gets past here; can_read_report then answers 403 or lets them read.
    action_roles = {"list": MEMBERS, "export": MEMBERS}

    def _view(self, request: Request, drill_pk: Any) -> ReportView:
        """The report as this reader may read it (reports.selectors.report_view, the same for the
        page, the exports and this API): 404 for a drill they may not see or a version that does
        not exist, 403 before it is published to them, 400 for a version that is not a number."""
        drill, _role = drill_selectors.visible_drill(request.user, drill_pk)
        if drill is None:
            raise NotFound()
        number = request.query_params.get("version") or None
        if number is not None and not (number.isdigit() and int(number) >= 1):
            raise InvalidInput({"version": [_("A version number, e.g. 1.")]})
        try:
            view = report_view(request.user, drill, int(number) if number else None)
        except ReportUnavailable as exc:
            raise (NotFound() if exc.status == 404 else PermissionDenied()) from exc
        if view is None:
            raise NotFound()
        return view

    @extend_schema(parameters=EXPORT_PARAMETERS[1:], responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Coordinators: the metrics as they stand now (or of a published `version`); everyone else on
        the roster: those of the latest published version, as it was published."""
        view = self._view(request, kwargs.get("drill_pk"))
        return Response(drill_metrics(view.drill) if view.live else view.snapshot.get("metrics", {}))

    @extend_schema(parameters=EXPORT_PARAMETERS, responses=EXPORT_RESPONSES)
    @action(detail=False, methods=["get"])
    def export(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        """The report as a file marked EXERCISE / 演练: PDF (summary, charts, findings, plan, at most
        300 key or flagged timeline entries), XLSX (one sheet per table, the whole timeline), CSV
        (the whole timeline), JSON (this report's metrics JSON, the rest of the report, the whole
        timeline). A timeline of more than 2,000 entries is built in the background: 202 until done."""
        fmt = request.query_params.get("format", "")
        if fmt not in FORMATS:
            drill, _role = drill_selectors.visible_drill(request.user, kwargs.get("drill_pk"))
            if drill is None:
                raise NotFound()
            raise InvalidInput({"format": [_("Choose pdf, xlsx, csv or json.")]})
        view = self._view(request, kwargs.get("drill_pk"))
        outcome = export_or_job(view, fmt, request.user)
        if isinstance(outcome, ReportExport):
            body = {"status": outcome.state, "progress": outcome.progress, "job": outcome.pk}
            return Response(body, status=status.HTTP_202_ACCEPTED)
        return file_response(outcome)
