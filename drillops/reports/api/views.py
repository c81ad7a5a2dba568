"""API of after-action material: observations of a drill (GET|POST /api/v1/drills/{id}/observations/)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request

from drillops.reports import services
from drillops.reports.api.serializers import ObservationSerializer
from drillops.reports.models import Observation
from drillops.reports.selectors import observations_visible
from drillops.timelines import selectors as drill_selectors
from drillops.timelines.api.views import DrillRolesMixin
from drillops.timelines.models import Drill

EVALUATORS = frozenset({"coordinator", "observer"})


@extend_schema(parameters=[OpenApiParameter("drill_pk", int, OpenApiParameter.PATH, description="Drill id")])
class ObservationViewSet(DrillRolesMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Observers rate objectives and critical tasks (P/S/M/U) and write notes; controllers read them
    all, each observer their own. Players do not see the evaluators' notes while they play."""

    serializer_class = ObservationSerializer
    action_roles = {"list": EVALUATORS, "create": frozenset({"observer"})}
    _drill: Drill | None = None

    def get_drill(self) -> Drill:
        if self._drill is None:
            self._drill = get_object_or_404(
                drill_selectors.drills_visible_to(self.request.user), pk=self.kwargs.get("drill_pk")
            )
        return self._drill

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not getattr(self, "swagger_fake_view", False):
            self.check_object_permissions(request, self.get_drill())

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if not getattr(self, "swagger_fake_view", False) and "drill_pk" in self.kwargs:
            context["drill"] = self.get_drill()
        return context

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Observation.objects.none()
        drill = self.get_drill()
        role = next(iter(self.roles_on(self.request, drill)), None)
        return observations_visible(drill, self.request.user, role)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.observation_create(
            drill=self.get_drill(), by=self.request.user, **serializer.validated_data
        )
