"""Findings of a drill (/api/v1/drills/{id}/findings/): strengths and areas for improvement, each
tied to an objective and to the timeline entries that show it. Coordinators only, until the report
is published (then the roster reads them in the published version)."""

from __future__ import annotations

from typing import Any

from rest_framework import viewsets

from drillops.core.api.fields import FreeTextField
from drillops.core.api.serializers import BaseModelSerializer
from drillops.reports import services
from drillops.reports.api.common import COORDINATORS, DRILL_PARAMETER, DrillChildMixin
from drillops.reports.api.serializers import ObjectiveOfDrillField, TimelineEntryOfDrillField
from drillops.reports.models import Finding
from drillops.reports.selectors import findings_of


class FindingSerializer(BaseModelSerializer):
    objective = ObjectiveOfDrillField(required=False, allow_null=True, default=None)
    timeline_entries = TimelineEntryOfDrillField(many=True, required=False)
    analysis = FreeTextField()

    class Meta:
        model = Finding
        fields = [
            "id",
            "drill",
            "kind",
            "title",
            "analysis",
            "objective",
            "timeline_entries",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["drill", "created_by", "created_at", "updated_at"]


@DRILL_PARAMETER
class FindingViewSet(DrillChildMixin, viewsets.ModelViewSet):
    serializer_class = FindingSerializer
    action_roles = {"*": COORDINATORS}

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Finding.objects.none()
        return findings_of(self.get_drill())

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.finding_create(drill=self.get_drill(), by=self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.finding_update(
            finding=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance: Finding) -> None:
        services.finding_delete(finding=instance, by=self.request.user)
