"""Published report versions: POST /api/v1/drills/{id}/report/publish/ (coordinators) freezes the
report as the next numbered version; GET .../report/versions/ and .../versions/{n}/ let everyone
who sees the drill read them (staff without the observers' names)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from drillops.core.api.fields import UTCDateTimeField
from drillops.reports import services
from drillops.reports.api.common import COORDINATORS, DRILL_MEMBERS, DRILL_PARAMETER, DrillChildMixin
from drillops.reports.models import ReportVersion
from drillops.reports.selectors import snapshot_for, versions_of


class ReportVersionSerializer(serializers.ModelSerializer):
    published_at = UTCDateTimeField()
    published_at_local = serializers.SerializerMethodField(help_text="The time in the organisation's time zone.")
    published_by = serializers.SerializerMethodField()

    class Meta:
        model = ReportVersion
        fields = ["drill", "number", "published_by", "published_at", "published_at_local", "time_zone"]

    def get_published_by(self, version: ReportVersion) -> str | None:
        return version.published_by.get_username() if version.published_by else None

    def get_published_at_local(self, version: ReportVersion) -> str:
        local = version.published_at.astimezone(zoneinfo.ZoneInfo(version.time_zone))
        return local.isoformat(timespec="milliseconds")


@extend_schema_field(OpenApiTypes.OBJECT)
class SnapshotField(serializers.Field):
    """What the report showed when published, as the caller's role may read it."""

    def to_representation(self, value: Any) -> Any:
        return snapshot_for(value, self.context.get("role"))


class ReportVersionDetailSerializer(ReportVersionSerializer):
    snapshot = SnapshotField()

    class Meta(ReportVersionSerializer.Meta):
        fields = [*ReportVersionSerializer.Meta.fields, "snapshot"]


@DRILL_PARAMETER
class ReportVersionViewSet(DrillChildMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ReportVersionSerializer
    lookup_field = "number"
    lookup_value_regex = r"\d+"
    action_roles = {"list": DRILL_MEMBERS, "retrieve": DRILL_MEMBERS, "publish": COORDINATORS}

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ReportVersion.objects.none()
        return versions_of(self.get_drill())

    def get_serializer_class(self) -> Any:
        return ReportVersionSerializer if self.action == "list" else ReportVersionDetailSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if "drill" in context:
            context["role"] = self.drill_role()
        return context

    @extend_schema(request=None, responses={201: ReportVersionDetailSerializer})
    def publish(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Publish the report as it stands: the next numbered version, frozen."""
        version = services.report_publish(drill=self.get_drill(), by=request.user)
        data = ReportVersionDetailSerializer(version, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)
