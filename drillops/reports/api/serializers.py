"""Observations as the API shows and takes them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from drillops.core.api.fields import FreeTextField
from drillops.core.api.serializers import BaseModelSerializer
from drillops.reports.models import Observation, ObservationFlag, Rating
from drillops.scenarios.models import CriticalTask, Objective
from drillops.timelines.models import TimelineEntry


@extend_schema_field(OpenApiTypes.INT)
class _OfDrill(serializers.PrimaryKeyRelatedField):
    """An id of something in the drill of the URL; anything else is unknown (400)."""

    def drill(self) -> Any:
        return self.context["drill"]


class ObjectiveOfDrillField(_OfDrill):
    def get_queryset(self) -> Any:
        return Objective.objects.filter(version_id=self.drill().scenario_version_id)


class CriticalTaskOfDrillField(_OfDrill):
    def get_queryset(self) -> Any:
        return CriticalTask.objects.filter(objective__version_id=self.drill().scenario_version_id).select_related(
            "objective"
        )


class TimelineEntryOfDrillField(_OfDrill):
    def get_queryset(self) -> Any:
        return TimelineEntry.objects.filter(drill=self.drill())


class ObservationSerializer(BaseModelSerializer):
    objective = ObjectiveOfDrillField(required=False, allow_null=True, default=None)
    critical_task = CriticalTaskOfDrillField(required=False, allow_null=True, default=None)
    timeline_entry = TimelineEntryOfDrillField(required=False, allow_null=True, default=None)
    rating = serializers.ChoiceField(choices=[("", "-"), *Rating.choices], required=False, default="")
    flag = serializers.ChoiceField(choices=ObservationFlag.choices, required=False, default="")
    note = FreeTextField()

    class Meta:
        model = Observation
        fields = [
            "id",
            "drill",
            "observer",
            "objective",
            "critical_task",
            "rating",
            "note",
            "timeline_entry",
            "flag",
            "created_at",
        ]
        read_only_fields = ["drill", "observer", "created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("rating") and not (attrs.get("note") or "").strip():
            raise serializers.ValidationError({"non_field_errors": [_("Give a rating or a note.")]})
        return attrs
