"""Shared pieces of the reports API: views under /drills/{drill_pk}/ and fields that only take ids
of the caller's organisations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request

from drillops.departments.models import Role
from drillops.departments.selectors import organisation_ids_of
from drillops.timelines import selectors as drill_selectors
from drillops.timelines.api.views import DrillRolesMixin
from drillops.timelines.models import Drill

COORDINATORS = frozenset({Role.COORDINATOR.value})
DRILL_MEMBERS = frozenset(Role.values)
DRILL_PARAMETER = extend_schema(
    parameters=[OpenApiParameter("drill_pk", int, OpenApiParameter.PATH, description="Drill id")]
)


class DrillChildMixin(DrillRolesMixin):
    """A view of something of one drill (/drills/{drill_pk}/...): the drill is looked up first
    (404 when the caller may not see it), and the caller's role in it decides (403)."""

    _drill: Drill | None = None
    request: Any
    kwargs: Any

    def get_drill(self) -> Drill:
        if self._drill is None:
            visible = drill_selectors.drills_visible_to(self.request.user).select_related("organisation")
            self._drill = get_object_or_404(visible, pk=self.kwargs.get("drill_pk"))
        return self._drill

    def drill_of(self, obj: Any) -> Drill:
        return self.get_drill()

    def drill_role(self) -> str | None:
        roles = self.roles_on(self.request, self.get_drill())
        return next(iter(roles), None)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if not getattr(self, "swagger_fake_view", False):
            self.check_object_permissions(request, self.get_drill())  # type: ignore[attr-defined]

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())  # type: ignore[misc]
        if not getattr(self, "swagger_fake_view", False) and "drill_pk" in self.kwargs:
            context["drill"] = self.get_drill()
        return context


def coordinated(context: Mapping[str, Any]) -> set[int]:
    """Organisations the caller of this request coordinates."""
    return organisation_ids_of(context["request"].user, Role.COORDINATOR)


def is_superuser(context: Mapping[str, Any]) -> bool:
    return bool(getattr(context["request"].user, "is_superuser", False))


@extend_schema_field(OpenApiTypes.INT)
class CoordinatedField(serializers.PrimaryKeyRelatedField):
    """An id of something in an organisation the caller coordinates; anything else is unknown (400)."""

    model: Any = None
    organisation_path = "organisation_id"

    def objects(self) -> Any:
        return self.model.objects.all()

    def get_queryset(self) -> Any:
        objects = self.objects()
        if is_superuser(self.context):
            return objects
        return objects.filter(**{f"{self.organisation_path}__in": coordinated(self.context)})
