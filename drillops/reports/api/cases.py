"""The case library (/api/v1/cases/, coordinators): past drills and real incidents with their
resolution time, customer satisfaction, tags and timestamped steps. `?search=投诉` finds every case
whose title, summary, tags or steps contain the word."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from drillops.core.api.fields import FreeTextField, UTCDateTimeField
from drillops.core.api.serializers import BaseModelSerializer
from drillops.departments.api.access import OrganisationScopedMixin
from drillops.departments.models import Department
from drillops.reports import services
from drillops.reports.api.common import COORDINATORS, CoordinatedField
from drillops.reports.models import TAG_MAX_LENGTH, Case, CaseKind, CaseStep, SatisfactionKind
from drillops.reports.selectors import cases_visible_to, search_cases
from drillops.reports.services.cases import MAX_STEPS, MAX_TAGS
from drillops.scenarios.api.serializers import ScenarioSerializer
from drillops.scenarios.models import TITLE_MAX_LENGTH
from drillops.timelines.models import Drill


class DrillOfOrganisationField(CoordinatedField):
    model = Drill


class DepartmentOfOrganisationField(CoordinatedField):
    model = Department


class CaseStepSerializer(serializers.ModelSerializer):
    at = UTCDateTimeField()
    department = DepartmentOfOrganisationField(required=False, allow_null=True, default=None)
    description = FreeTextField(required=True, allow_blank=False, default=serializers.empty)

    class Meta:
        model = CaseStep
        fields = ["sequence", "at", "department", "description"]
        read_only_fields = ["sequence"]


class CaseSerializer(BaseModelSerializer):
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    drill = DrillOfOrganisationField(required=False, allow_null=True, default=None)
    summary = FreeTextField()
    resolution_seconds = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False, allow_null=True)
    resolution_change = serializers.FloatField(
        required=False, allow_null=True, help_text="Relative change against before, e.g. -0.3 for 30 % faster."
    )
    satisfaction = serializers.FloatField(required=False, allow_null=True)
    satisfaction_kind = serializers.ChoiceField(
        choices=[("", "-"), *SatisfactionKind.choices], required=False, default=""
    )
    satisfaction_change = serializers.FloatField(
        required=False, allow_null=True, help_text="Relative change against before, e.g. 0.15 for 15 % more."
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX_LENGTH), max_length=MAX_TAGS, required=False, default=list
    )
    steps = CaseStepSerializer(many=True, required=False, max_length=MAX_STEPS)  # type: ignore[call-arg]

    class Meta:
        model = Case
        fields = [
            "id", "organisation", "kind", "drill", "title", "summary", "occurred_on", "resolution_seconds",
            "resolution_change", "satisfaction", "satisfaction_kind", "satisfaction_change", "tags", "steps",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["organisation", "created_at", "updated_at"]

    def validate_steps(self, value: list[Any]) -> list[dict[str, Any]]:
        return [dict(step) for step in value]


class CaseScenarioSerializer(serializers.Serializer):
    title = serializers.CharField(
        max_length=TITLE_MAX_LENGTH, required=False, allow_blank=True, default="", help_text="Default: the case's."
    )
    default_department = DepartmentOfOrganisationField(
        required=False, allow_null=True, default=None, help_text="The target of steps that name no department."
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("search", str, description="Words in title, summary, tags or steps")]
    )
)
class CaseViewSet(OrganisationScopedMixin, viewsets.ModelViewSet):
    serializer_class = CaseSerializer
    action_roles = {"*": COORDINATORS}
    filterset_fields = ["kind", "drill"]

    def get_queryset(self) -> Any:
        cases = cases_visible_to(self.request.user)
        if self.action == "list":
            cases = search_cases(cases, self.request.query_params.get("search", ""))
        return cases

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        drill = data.get("drill")
        organisation = self.acting_organisation(self.request, drill.organisation if drill else None)
        serializer.instance = services.case_create(organisation=organisation, by=self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.case_update(
            case=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance: Case) -> None:
        services.case_delete(case=instance, by=self.request.user)

    @extend_schema(request=CaseScenarioSerializer, responses={201: ScenarioSerializer})
    @action(detail=True, methods=["post"], serializer_class=CaseScenarioSerializer)
    def scenario(self, request: Request, pk: str | None = None) -> Response:
        """Start a scenario from the case: one draft event per timestamped step (offset from the
        first step, the step's department, its first line as the title)."""
        case = self.get_object()
        given = CaseScenarioSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        scenario = services.case_to_scenario(case=case, by=request.user, **given.validated_data)
        body = ScenarioSerializer(scenario, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)
