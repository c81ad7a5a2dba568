"""API of scenarios, their versions, events and objectives. Writes go through scenarios.services."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from drillops.core.errors import InvalidInput
from drillops.departments.api.access import COORDINATOR, OrganisationScopedMixin
from drillops.scenarios import services
from drillops.scenarios.api.msel import (
    EXPORT_PARAMETERS,
    EXPORT_RESPONSES,
    ImportErrorsSerializer,
    ImportRequestSerializer,
    export_response,
    import_response,
)
from drillops.scenarios.api.serializers import (
    CloneSerializer,
    DiffQuerySerializer,
    ObjectiveSerializer,
    ScenarioEventSerializer,
    ScenarioSerializer,
    ScenarioVersionSerializer,
)
from drillops.scenarios.diff import version_diff
from drillops.scenarios.models import Objective, Scenario, ScenarioEvent, ScenarioVersion
from drillops.scenarios.selectors import events_of, latest_version, objectives_of, scenarios_visible_to

SCENARIO_ID = OpenApiParameter("scenario_pk", int, OpenApiParameter.PATH, description="Scenario id")
DIFF_PARAMETERS = [
    OpenApiParameter("from", int, OpenApiParameter.QUERY, required=True, description="Version number to compare from"),
    OpenApiParameter("to", int, OpenApiParameter.QUERY, required=True, description="Version number to compare to"),
]


def version_numbered(scenario: Scenario, number: int, field: str) -> ScenarioVersion:
    """A version of this scenario by its number; another number is bad input naming `field`."""
    version = scenario.versions.filter(number=number).first()
    if version is None:
        raise InvalidInput({field: [str(_("This scenario has no version %(n)d.") % {"n": number})]})
    return version


class ScenarioViewSet(OrganisationScopedMixin, viewsets.ModelViewSet):
    serializer_class = ScenarioSerializer
    action_roles = {"*": COORDINATOR}

    def get_queryset(self) -> Any:
        return scenarios_visible_to(self.request.user)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        organisation = self.acting_organisation(self.request, data.pop("organisation", None))
        scenario = services.scenario_create(organisation=organisation, by=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=scenario.pk)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("organisation", None)
        scenario = services.scenario_update(scenario=serializer.instance, by=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=scenario.pk)

    def perform_destroy(self, instance: Scenario) -> None:
        services.scenario_delete(scenario=instance, by=self.request.user)

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        responses={201: ScenarioSerializer, 200: OpenApiTypes.OBJECT, 400: ImportErrorsSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
        serializer_class=ImportRequestSerializer,
    )
    def import_msel(self, request: Request) -> Response:
        """Import an MSEL spreadsheet (XLSX or CSV) as a new scenario with a draft version 1;
        `dry_run=true` answers the preview and creates nothing."""
        organisation = self.acting_organisation(request)
        return import_response(
            request, organisation, lambda s: ScenarioSerializer(self.get_queryset().get(pk=s.pk)).data
        )

    @extend_schema(parameters=EXPORT_PARAMETERS, responses=EXPORT_RESPONSES)
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The version's MSEL as XLSX or CSV (`?format=xlsx|csv`), marked EXERCISE / 演练."""
        return export_response(self.get_object(), request.query_params)

    @extend_schema(request=None, responses={200: ScenarioVersionSerializer(many=True), 201: ScenarioVersionSerializer})
    @action(detail=True, methods=["get", "post"], serializer_class=ScenarioVersionSerializer)
    def versions(self, request: Request, pk: str | None = None) -> Response:
        """GET lists the versions, newest first; POST makes a new draft, a copy of the latest."""
        scenario = self.get_object()
        if request.method == "POST":
            version = services.version_new_draft(scenario=scenario, by=request.user)
            return Response(ScenarioVersionSerializer(version).data, status=status.HTTP_201_CREATED)
        versions = scenario.versions.order_by("-number")
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(ScenarioVersionSerializer(page, many=True).data)

    def _move(self, move: Any) -> Response:
        version = move(scenario=self.get_object(), by=self.request.user)
        return Response(ScenarioVersionSerializer(version).data)

    @extend_schema(request=None, responses={200: ScenarioVersionSerializer})
    @action(detail=True, methods=["post"], serializer_class=ScenarioVersionSerializer)
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Draft -> in review."""
        return self._move(services.version_submit)

    @extend_schema(request=None, responses={200: ScenarioVersionSerializer})
    @action(detail=True, methods=["post"], serializer_class=ScenarioVersionSerializer)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """In review -> approved; an approved version is immutable and can be run."""
        return self._move(services.version_approve)

    @extend_schema(request=None, responses={200: ScenarioVersionSerializer})
    @action(detail=True, methods=["post"], serializer_class=ScenarioVersionSerializer)
    def archive(self, request: Request, pk: str | None = None) -> Response:
        """Approved -> archived."""
        return self._move(services.version_archive)

    @extend_schema(request=CloneSerializer, responses={201: ScenarioSerializer})
    @action(detail=True, methods=["post"], serializer_class=CloneSerializer)
    def clone(self, request: Request, pk: str | None = None) -> Response:
        """A new scenario whose draft version 1 copies a version of this one (`version`: its number;
        default the current one). `title` names the copy (default: the title with "(copy)")."""
        scenario = self.get_object()
        body = CloneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        number = body.validated_data.get("version")
        version = version_numbered(scenario, number, "version") if number is not None else None
        clone = services.scenario_clone(
            scenario=scenario, by=request.user, version=version, title=body.validated_data.get("title")
        )
        data = ScenarioSerializer(self.get_queryset().get(pk=clone.pk), context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=DIFF_PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], serializer_class=DiffQuerySerializer)
    def diff(self, request: Request, pk: str | None = None) -> Response:
        """What changed from version `from` to version `to`: events and objectives matched by
        sequence, each `added`, `removed`, or `changed` with its fields' `from` and `to` values."""
        scenario = self.get_object()
        query = DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        source = version_numbered(scenario, query.validated_data["from"], "from")
        target = version_numbered(scenario, query.validated_data["to"], "to")
        return Response(version_diff(source, target).as_json())


class _ScenarioChildViewSet(OrganisationScopedMixin, viewsets.ModelViewSet):
    """Rows of one scenario (events, objectives), listed from its current version."""

    action_roles = {"*": COORDINATOR}
    _scenario: Scenario | None = None

    def get_scenario(self) -> Scenario:
        if self._scenario is None:
            self._scenario = get_object_or_404(
                scenarios_visible_to(self.request.user), pk=self.kwargs.get("scenario_pk")
            )
        return self._scenario

    def organisation_id_of(self, obj: Any) -> int:
        return self.get_scenario().organisation_id

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if getattr(self, "swagger_fake_view", False):
            return
        scenario = self.get_scenario()  # 404 before anything else for a scenario the caller cannot see
        self.check_object_permissions(request, scenario)

    def version_id(self) -> int | None:
        version = latest_version(self.get_scenario())
        return version.pk if version else None


@extend_schema(parameters=[SCENARIO_ID])
class ScenarioEventViewSet(_ScenarioChildViewSet):
    serializer_class = ScenarioEventSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ScenarioEvent.objects.none()
        if self.action == "list":
            return events_of(self.version_id() or 0)
        # Any version's event may be read; changing one of an approved version answers 409.
        return ScenarioEvent.objects.filter(version__scenario=self.get_scenario()).prefetch_related("departments")

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.event_create(
            scenario=self.get_scenario(), by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.event_update(
            event=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance: ScenarioEvent) -> None:
        services.event_delete(event=instance, by=self.request.user)


@extend_schema(parameters=[SCENARIO_ID])
class ObjectiveViewSet(_ScenarioChildViewSet):
    serializer_class = ObjectiveSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Objective.objects.none()
        if self.action == "list":
            return objectives_of(self.version_id() or 0)
        return Objective.objects.filter(version__scenario=self.get_scenario()).prefetch_related("critical_tasks")

    def perform_create(self, serializer: Any) -> None:
        objective = services.objective_create(
            scenario=self.get_scenario(), by=self.request.user, **serializer.validated_data
        )
        serializer.instance = objectives_of(objective.version_id).get(pk=objective.pk)

    def perform_update(self, serializer: Any) -> None:
        objective = services.objective_update(
            objective=serializer.instance, by=self.request.user, **serializer.validated_data
        )
        serializer.instance = objectives_of(objective.version_id).get(pk=objective.pk)

    def perform_destroy(self, instance: Objective) -> None:
        services.objective_delete(objective=instance, by=self.request.user)
