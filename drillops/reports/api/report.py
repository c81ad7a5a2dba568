"""GET /api/v1/drills/{id}/report/: the drill's metrics as JSON (DESIGN.md, "Metrics, precisely").
Who reads it is reports.selectors.can_read_report, the report's one rule."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from drillops.departments.api.access import MEMBERS
from drillops.reports.selectors import can_read_report, drill_metrics
from drillops.timelines import selectors as drill_selectors
from drillops.timelines.api.views import DrillRolesMixin


@extend_schema(parameters=[OpenApiParameter("drill_pk", int, OpenApiParameter.PATH, description="Drill id")])
class ReportViewSet(DrillRolesMixin, viewsets.GenericViewSet):
    """A drill's after-action metrics: response times per inject, department, event and drill, deadline
    compliance, escalations, the hand-off matrix, decision latency, press questions, flagged errors and
    critical tasks against their targets. Durations in real and scenario seconds."""

    # Whoever may see the drill gets past here; can_read_report then answers 403 or lets them read.
    action_roles = {"list": MEMBERS}

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        drill, _role = drill_selectors.visible_drill(request.user, kwargs.get("drill_pk"))
        if drill is None:
            raise NotFound()
        if not can_read_report(request.user, drill):
            raise PermissionDenied()
        return Response(drill_metrics(drill))
