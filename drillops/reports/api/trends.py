"""GET /api/v1/trends/?metric=&from=&to=&time_scale=&from_department=&to_department=&organisation=
(coordinators): one metric drill over drill for an organisation's finished drills, one line per
time scale (only the one asked for, else the latest drill's, is comparable), with the
organisation's real incidents beside them. Metrics: acknowledge_p50, deadline_compliance,
handoff_p50 (for a pair: the one measured most often unless named), decision_p50, escalations."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from drillops.core.errors import InvalidInput
from drillops.departments.api.access import OrganisationScopedMixin
from drillops.reports.api.common import COORDINATORS
from drillops.reports.forms_trends import TrendForm
from drillops.reports.selectors import TREND_METRICS, trends

PARAMETERS = [
    OpenApiParameter("metric", str, enum=list(TREND_METRICS), description="Default acknowledge_p50"),
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (organisation's time zone)"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day"),
    OpenApiParameter("time_scale", float, description="The time scale whose drills share the line"),
    OpenApiParameter("from_department", int, description="Hand-off from (with to_department)"),
    OpenApiParameter("to_department", int, description="Hand-off to"),
    OpenApiParameter("organisation", int, description="For a coordinator of several organisations"),
]


class TrendViewSet(OrganisationScopedMixin, viewsets.GenericViewSet):
    action_roles = {"*": COORDINATORS}

    @extend_schema(parameters=PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = TrendForm(request.query_params, user=request.user)
        if not form.is_valid():
            raise InvalidInput({name: [str(m) for m in messages] for name, messages in form.errors.items()})
        if form.cleaned_data["organisation"] is None:
            raise InvalidInput({"organisation": [str(_("You coordinate no organisation."))]})
        return Response(trends(form.query()))
