"""Findings proposed from a drill's metrics (coordinators of the drill's organisation):
GET /api/v1/drills/{id}/proposals/, POST .../proposals/refresh/ (propose again from the metrics as
they stand), POST .../proposals/{pid}/accept/ (optionally edited: title, analysis, kind, objective,
and the improvement item: with_item, item {title, description, owner_department, due_date,
target | target_value}), POST .../proposals/{pid}/drop/."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from drillops.core.api.fields import FreeTextField, UTCDateTimeField
from drillops.departments.models import Department
from drillops.reports import services
from drillops.reports.api.common import COORDINATORS, DRILL_PARAMETER, DrillChildMixin
from drillops.reports.api.serializers import ObjectiveOfDrillField
from drillops.reports.models import FindingKind, FindingProposal
from drillops.reports.selectors import proposals_of, proposals_queryset
from drillops.reports.selectors.proposals import word
from drillops.reports.services.common import TITLE_MAX


class ProposalSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="display_title", read_only=True)
    analysis = serializers.CharField(source="display_analysis", read_only=True)
    item_title = serializers.CharField(source="display_item_title", read_only=True)
    figure_text = serializers.CharField(read_only=True)
    target_text = serializers.CharField(read_only=True)
    timeline_entries: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    decided_by = serializers.SerializerMethodField()
    decided_at = UTCDateTimeField(read_only=True, allow_null=True)
    created_at = UTCDateTimeField(read_only=True)
    updated_at = UTCDateTimeField(read_only=True)

    class Meta:
        model = FindingProposal
        fields = [
            "id", "drill", "key", "rule", "kind", "state", "title", "analysis", "objective", "metric", "figure",
            "figure_text", "target", "target_text", "params", "timeline_entries", "item_title", "item_target",
            "item_owner_department", "finding", "item", "decided_by", "decided_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_decided_by(self, proposal: FindingProposal) -> str | None:
        return proposal.decided_by.get_username() if proposal.decided_by else None

    def to_representation(self, instance: FindingProposal) -> Any:
        if not hasattr(instance, "display_title"):
            word(instance, self.context.get("departments") or _departments(instance.drill.organisation_id))
        return super().to_representation(instance)


def _departments(organisation_id: int) -> dict[int, Department]:
    return {d.pk: d for d in Department.objects.filter(organisation_id=organisation_id)}


@extend_schema_field(OpenApiTypes.INT)
class DepartmentOfDrillField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return Department.objects.filter(organisation_id=self.context["drill"].organisation_id)


class ItemEditSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=TITLE_MAX)
    description = FreeTextField(default=serializers.empty)
    owner_department = DepartmentOfDrillField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    target = serializers.JSONField(required=False, allow_null=True, help_text="A whole target, as on items.")
    target_value = serializers.FloatField(
        required=False, min_value=0, help_text="The value only: the proposal's metric and departments are kept."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "target" in attrs and "target_value" in attrs:
            raise serializers.ValidationError({"target_value": [_("Give target or target_value, not both.")]})
        return attrs


class AcceptSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=TITLE_MAX)
    analysis = FreeTextField(default=serializers.empty)
    kind = serializers.ChoiceField(choices=FindingKind.choices, required=False)
    objective = ObjectiveOfDrillField(required=False, allow_null=True)
    with_item = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Default: yes for an area for improvement."
    )
    item = ItemEditSerializer(required=False)


@DRILL_PARAMETER
class ProposalViewSet(DrillChildMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ProposalSerializer
    action_roles = {"*": COORDINATORS}

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return FindingProposal.objects.none()
        return proposals_queryset(self.get_drill())

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if "drill" in context:
            context["departments"] = _departments(context["drill"].organisation_id)
        return context

    def _proposal(self) -> FindingProposal:
        return get_object_or_404(FindingProposal.objects.filter(drill=self.get_drill()), pk=self.kwargs.get("pk"))

    def _answer(self, proposal: FindingProposal) -> Response:
        fresh = self.get_queryset().get(pk=proposal.pk)
        return Response(ProposalSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: ProposalSerializer(many=True)})
    @action(detail=False, methods=["post"], pagination_class=None)
    def refresh(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Propose findings again from the drill's metrics; decided proposals stay as they are."""
        drill = self.get_drill()
        services.proposals_refresh(drill=drill, by=request.user)
        data = ProposalSerializer(proposals_of(drill), many=True, context=self.get_serializer_context()).data
        return Response(data)

    @extend_schema(request=AcceptSerializer, responses={200: ProposalSerializer})
    @action(detail=True, methods=["post"], serializer_class=AcceptSerializer)
    def accept(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Make it a finding (and an improvement item); accepting twice changes nothing."""
        proposal = self._proposal()
        given = AcceptSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        if "item" in data:
            data["item"] = dict(data["item"])
        proposal = services.proposal_accept(proposal=proposal, by=request.user, **data)
        return self._answer(proposal)

    @extend_schema(request=None, responses={200: ProposalSerializer})
    @action(detail=True, methods=["post"])
    def drop(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Not a finding; dropping twice changes nothing. An accepted proposal answers 409."""
        proposal = services.proposal_drop(proposal=self._proposal(), by=request.user)
        return self._answer(proposal)
