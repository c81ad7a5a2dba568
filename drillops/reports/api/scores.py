"""Observer scores of a drill: GET /api/v1/drills/{id}/scores/ (coordinators: every observer's
latest rating per objective and critical task, the distribution, the agreed rating and the
agreement; observers: their own ratings) and POST .../scores/agree/ (the coordinator's rating)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from drillops.core.api.fields import FreeTextField, UTCDateTimeField
from drillops.reports import services
from drillops.reports.api.common import COORDINATORS, DRILL_PARAMETER, DrillChildMixin
from drillops.reports.api.serializers import CriticalTaskOfDrillField, ObjectiveOfDrillField
from drillops.reports.models import AgreedRating, Rating
from drillops.reports.selectors import score_summary


class RatingSerializer(serializers.Serializer):
    observer = serializers.IntegerField()
    observer_name = serializers.CharField()
    rating = serializers.CharField()
    at = UTCDateTimeField()


class AgreedSerializer(serializers.Serializer):
    rating = serializers.CharField()
    note = serializers.CharField()
    set_by = serializers.CharField(allow_null=True)
    at = UTCDateTimeField()


class ScoreUnitSerializer(serializers.Serializer):
    objective = serializers.IntegerField()
    critical_task = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    distribution = serializers.DictField(child=serializers.IntegerField())
    ratings = RatingSerializer(many=True)
    agreed = AgreedSerializer(allow_null=True)


class AgreementSerializer(serializers.Serializer):
    alpha = serializers.FloatField(allow_null=True, help_text="Krippendorff's alpha, ordinal (P < S < M < U).")
    level = serializers.CharField()
    observers = serializers.IntegerField()
    units_rated = serializers.IntegerField()
    units_pairable = serializers.IntegerField()
    ratings = serializers.IntegerField()


@extend_schema_serializer(many=False)  # one summary, though answered by the list route
class ScoreSummarySerializer(serializers.Serializer):
    units = ScoreUnitSerializer(many=True)
    agreement = AgreementSerializer(allow_null=True)


class AgreeSerializer(serializers.Serializer):
    objective = ObjectiveOfDrillField(required=False, allow_null=True, default=None)
    critical_task = CriticalTaskOfDrillField(required=False, allow_null=True, default=None)
    rating = serializers.ChoiceField(choices=Rating.choices)
    note = FreeTextField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("objective") is None and attrs.get("critical_task") is None:
            raise serializers.ValidationError({"objective": [_("Name an objective or a critical task.")]})
        return attrs


@DRILL_PARAMETER
class ScoreViewSet(DrillChildMixin, viewsets.GenericViewSet):
    serializer_class = ScoreSummarySerializer
    pagination_class = None
    action_roles = {"list": frozenset({"coordinator", "observer"}), "agree": COORDINATORS}
    queryset = AgreedRating.objects.none()  # the scores are computed, not listed; this names the model

    @extend_schema(responses={200: ScoreSummarySerializer})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        drill = self.get_drill()
        mine = None if self.drill_role() == "coordinator" else request.user.pk
        return Response(ScoreSummarySerializer(score_summary(drill, observer_id=mine)).data)

    @extend_schema(request=AgreeSerializer, responses={200: ScoreSummarySerializer})
    @action(detail=False, methods=["post"], serializer_class=AgreeSerializer)
    def agree(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Set the agreed rating of one objective or critical task (again: replace it)."""
        drill = self.get_drill()
        given = AgreeSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        services.agreed_rating_set(drill=drill, by=request.user, **given.validated_data)
        return Response(ScoreSummarySerializer(score_summary(drill)).data)
