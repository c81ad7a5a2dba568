"""The improvement plan (/api/v1/improvement-items/): coordinators manage their organisation's
items; the owner department's staff see theirs and report progress (POST .../{id}/progress/:
open, in progress or done, with a note; never verified)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from drillops.core.api.fields import FreeTextField, UTCDateTimeField
from drillops.core.api.serializers import BaseModelSerializer
from drillops.core.errors import InvalidInput
from drillops.departments.api.access import OrganisationScopedMixin
from drillops.departments.models import Department
from drillops.reports import services
from drillops.reports.api.common import COORDINATORS, CoordinatedField
from drillops.reports.models import PROGRESS_STATUSES, Finding, ImprovementItem, ImprovementStatus, ItemVerification
from drillops.reports.selectors import items_visible_to, verifications_of
from drillops.timelines.models import Drill

STAFF_OR_COORDINATORS = frozenset({"coordinator", "staff"})


class DrillOfOrganisationField(CoordinatedField):
    model = Drill


class FindingOfOrganisationField(CoordinatedField):
    model = Finding
    organisation_path = "drill__organisation_id"


class DepartmentOfOrganisationField(CoordinatedField):
    model = Department


class MemberField(CoordinatedField):
    organisation_path = "memberships__organisation_id"

    def objects(self) -> Any:
        return get_user_model().objects.all()

    def get_queryset(self) -> Any:
        return super().get_queryset().distinct()


class ImprovementItemSerializer(BaseModelSerializer):
    drill = DrillOfOrganisationField(required=False, allow_null=True, default=None)
    finding = FindingOfOrganisationField(required=False, allow_null=True, default=None)
    owner_department = DepartmentOfOrganisationField(required=False, allow_null=True, default=None)
    owner = MemberField(required=False, allow_null=True, default=None)
    description = FreeTextField()
    progress_note = FreeTextField()
    target = serializers.JSONField(
        required=False,
        allow_null=True,
        default=None,
        help_text='{"metric", "department" | "pair": [from, to], "op": "<=" | ">=", "value"}',
    )

    class Meta:
        model = ImprovementItem
        fields = [
            "id", "organisation", "drill", "finding", "title", "description", "owner_department", "owner",
            "due_date", "status", "target", "progress_note", "reminded_at", "followed_up_in", "verified_in",
            "baseline_figure", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "organisation", "reminded_at", "followed_up_in", "verified_in", "baseline_figure", "created_at",
            "updated_at",
        ]  # fmt: skip


class VerificationSerializer(serializers.ModelSerializer):
    """One re-test of the item by a later drill: its figure beside the figure before."""

    drill_name = serializers.CharField(source="drill.name", read_only=True)
    created_at = UTCDateTimeField(read_only=True)

    class Meta:
        model = ItemVerification
        fields = [
            "drill", "drill_name", "figure", "baseline", "target", "met", "comparable", "reason", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ImprovementItemDetailSerializer(ImprovementItemSerializer):
    verifications = serializers.SerializerMethodField()

    class Meta(ImprovementItemSerializer.Meta):
        fields = [*ImprovementItemSerializer.Meta.fields, "verifications"]

    @extend_schema_field(VerificationSerializer(many=True))
    def get_verifications(self, item: ImprovementItem) -> Any:
        return VerificationSerializer(verifications_of(item), many=True).data


class ProgressSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[(s.value, s.label) for s in PROGRESS_STATUSES])
    progress_note = FreeTextField()


class ImprovementItemViewSet(OrganisationScopedMixin, viewsets.ModelViewSet):
    serializer_class = ImprovementItemSerializer
    action_roles = {
        "list": STAFF_OR_COORDINATORS,
        "retrieve": STAFF_OR_COORDINATORS,
        "progress": STAFF_OR_COORDINATORS,
        "*": COORDINATORS,
    }
    filterset_fields = ["status", "owner_department", "drill"]

    def get_queryset(self) -> Any:
        return items_visible_to(self.request.user)

    def get_serializer_class(self) -> Any:
        return ImprovementItemDetailSerializer if self.action == "retrieve" else super().get_serializer_class()

    def _organisation_of(self, data: dict[str, Any]) -> Any:
        """The organisation of the drill or finding it comes from, else the one the caller runs."""
        source = data.get("drill") or (data["finding"].drill if data.get("finding") else None)
        return self.acting_organisation(self.request, source.organisation if source else None)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        organisation = self._organisation_of(data)
        serializer.instance = services.item_create(organisation=organisation, by=self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.item_update(
            item=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance: ImprovementItem) -> None:
        services.item_delete(item=instance, by=self.request.user)

    @extend_schema(request=ProgressSerializer, responses={200: ImprovementItemSerializer})
    @action(detail=True, methods=["post"], serializer_class=ProgressSerializer)
    def progress(self, request: Request, pk: str | None = None) -> Response:
        """The owner department reports progress. `verified` takes a coordinator (PATCH status)."""
        item = self.get_object()
        if isinstance(request.data, dict) and request.data.get("status") == ImprovementStatus.VERIFIED:
            raise InvalidInput({"status": [str(_("Only a coordinator, or a later drill's figures, verify an item."))]})
        given = ProgressSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        item = services.item_progress(item=item, by=request.user, **given.validated_data)
        return Response(ImprovementItemSerializer(item, context=self.get_serializer_context()).data)
