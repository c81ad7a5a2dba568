"""API of drills and injects. Every write goes through timelines.services; visibility comes from
timelines.selectors (404 for what the caller may not see, 403 for what its role may not do)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from drillops.core.api import fastpath
from drillops.core.api.fastpath import page_and_size, page_links, page_response, token_key, wants_plain_json
from drillops.core.errors import InvalidInput
from drillops.core.pagination import Pagination
from drillops.departments.api.access import COORDINATOR, MEMBERS, OrganisationScopedMixin
from drillops.departments.models import Department, Membership, Role
from drillops.scenarios.models import ScenarioEvent
from drillops.timelines import selectors, services
from drillops.timelines.api.serializers import (
    ActionSerializer,
    AdhocInjectSerializer,
    AttendedSerializer,
    DrillDetailSerializer,
    DrillSerializer,
    ForwardSerializer,
    InjectFilterSerializer,
    InjectSerializer,
    ResolveSerializer,
    RosterEntrySerializer,
    StopSerializer,
    TextSerializer,
    TimelineEntrySerializer,
)
from drillops.timelines.models import Drill, Inject, InjectStatus, RosterEntry

PLAYERS = frozenset({Role.COORDINATOR.value, Role.STAFF.value})


def _same_organisation(field: str, departments: list[Department], organisation_id: int) -> None:
    if any(d.organisation_id != organisation_id for d in departments):
        raise InvalidInput({field: [str(_("A department belongs to another organisation."))]})


class DrillRolesMixin(OrganisationScopedMixin):
    """Roles in a drill: an observer counts only where invited, so the role is the drill's."""

    def more_roles_anywhere(self, request: Request) -> set[str]:
        return {Role.OBSERVER.value} if selectors.observed_drill_ids(request.user).exists() else set()

    def drill_of(self, obj: Any) -> Drill:
        return obj

    def roles_on(self, request: Request, obj: Any) -> set[str]:
        drill = self.drill_of(obj)
        known = self._known_roles
        if drill.pk not in known:
            role = selectors.drill_role(request.user, drill)
            known[drill.pk] = {role} if role else set()
        return known[drill.pk]

    @property
    def _known_roles(self) -> dict[int, set[str]]:
        # The role in a drill, found once per request (a view instance serves one request).
        return self.__dict__.setdefault("_roles_by_drill", {})


class DrillViewSet(
    DrillRolesMixin, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    action_roles = {
        "list": MEMBERS,
        "retrieve": MEMBERS,
        "injects:GET": MEMBERS,
        "timeline": MEMBERS,
        "messages:GET": MEMBERS,
        "messages:POST": PLAYERS,
        "roster:GET": MEMBERS,
        "*": COORDINATOR,
    }
    filterset_fields = ["state"]

    def get_queryset(self) -> Any:
        return selectors.drills_visible_to(self.request.user)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method == "GET" and self.action_map.get("get") == "injects":
            answer = self._fast_inject_page(request, str(kwargs.get("pk", "")))
            if answer is not None:
                return answer
        return super().dispatch(request, *args, **kwargs)

    def _fast_inject_page(self, request: HttpRequest, pk: str) -> HttpResponse | None:
        """The inject list for a token client in one query, before DRF's authentication,
        permissions and rendering; None for anything but a plain page that the caller may see
        (the regular path then answers, errors included). Same rules, same bytes."""
        key = token_key(request)
        query = request.GET
        paging = page_and_size(query, Pagination.page_size, Pagination.max_page_size)
        if key is None or paging is None or not fastpath.ID.fullmatch(pk) or not wants_plain_json(request):
            return None
        department, status = query.get("department"), query.get("status")
        if (department is not None and not fastpath.ID.fullmatch(department)) or (
            status is not None and status not in InjectStatus.values
        ):
            return None
        page, size = paging
        found = selectors.inject_page_json_for_token(
            key=key,
            drill_id=int(pk),
            limit=size,
            offset=(page - 1) * size,
            department=int(department) if department is not None else None,
            status=status,
        )
        if found is None:
            return None
        total, objects = found
        links = page_links(request, page, has_next=page * size < total)
        return page_response(count=total, links=links, objects_json=objects, headers=self.default_response_headers)

    def get_object(self) -> Drill:
        drill, role = selectors.visible_drill(self.request.user, self.kwargs.get("pk"))
        if drill is None:
            raise NotFound()
        self._known_roles[drill.pk] = {role} if role else set()
        self.check_object_permissions(self.request, drill)
        return drill

    def filter_queryset(self, queryset: Any) -> Any:
        # Query filters (?state=) narrow the list; they must not build a filter set for every
        # detail lookup, nor let ?state= hide the drill of /drills/{id}/injects/ (404).
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self) -> Any:
        return DrillDetailSerializer if self.action == "retrieve" else DrillSerializer

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.drill_create(by=self.request.user, **data)

    def _transition(self, request: Request, move: Any, **kwargs: Any) -> Response:
        drill = move(drill=self.get_object(), by=request.user, **kwargs)
        return Response(DrillSerializer(drill, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: DrillSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, services.drill_start)

    @extend_schema(request=None, responses={200: DrillSerializer})
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, services.drill_pause)

    @extend_schema(request=None, responses={200: DrillSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, services.drill_resume)

    @extend_schema(request=None, responses={200: DrillSerializer})
    @action(detail=True, methods=["post"])
    def finish(self, request: Request, pk: str | None = None) -> Response:
        return self._transition(request, services.drill_finish)

    @extend_schema(request=StopSerializer, responses={200: DrillSerializer})
    @action(detail=True, methods=["post"])
    def stop(self, request: Request, pk: str | None = None) -> Response:
        drill = self.get_object()
        given = StopSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        drill = services.drill_stop(drill=drill, by=request.user, reason=given.validated_data["reason"])
        return Response(DrillSerializer(drill, context=self.get_serializer_context()).data)

    @extend_schema(
        methods=["GET"],
        parameters=[InjectFilterSerializer],
        responses={200: InjectSerializer(many=True)},
    )
    @extend_schema(methods=["POST"], request=AdhocInjectSerializer, responses={201: InjectSerializer(many=True)})
    @action(detail=True, methods=["get", "post"], serializer_class=InjectSerializer)
    def injects(self, request: Request, pk: str | None = None) -> Response:
        """GET lists the injects the caller may see (filter by department, status); POST sends an ad-hoc one now."""
        drill = self.get_object()
        if request.method == "POST":
            return self._send_adhoc(request, drill)
        given = InjectFilterSerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        return self._inject_page(request, drill, given.validated_data)

    def _inject_page(self, request: Request, drill: Drill, filters: dict[str, Any]) -> Response:
        """The same page as the other lists ({"count", "next", "previous", "results"}, ?page,
        ?page_size), from one query that also counts."""
        size = self.paginator.get_page_size(request) or self.paginator.page_size  # type: ignore[union-attr]
        number = request.query_params.get("page", "1")
        # ASCII digits only ("²" is a digit to str.isdigit, not to int); past 10**9 the offset
        # would overflow PostgreSQL's bigint, and no drill has that many pages.
        if not (number.isascii() and number.isdigit()) or not 0 < int(number) < 10**9:
            raise NotFound(_("Invalid page."))
        page = int(number)
        offset = (page - 1) * size
        total, rows = selectors.inject_page(drill=drill, user=request.user, limit=size, offset=offset, **filters)
        if page > 1 and not rows:
            raise NotFound(_("Invalid page."))
        url = request.build_absolute_uri()
        previous = None if page == 1 else replace_query_param(url, "page", page - 1)
        if page == 2:
            previous = remove_query_param(url, "page")
        following = replace_query_param(url, "page", page + 1) if offset + size < total else None
        return Response({"count": total, "next": following, "previous": previous, "results": rows})

    def _send_adhoc(self, request: Request, drill: Drill) -> Response:
        given = AdhocInjectSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        _same_organisation("departments", given.validated_data["departments"], drill.organisation_id)
        injects = services.drill_send_adhoc(drill=drill, by=request.user, **given.validated_data)
        return Response(InjectSerializer(injects, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: InjectSerializer(many=True)},
        parameters=[OpenApiParameter("event_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"], url_path=r"events/(?P<event_id>\d+)/trigger")
    def trigger(self, request: Request, pk: str | None = None, event_id: str | None = None) -> Response:
        """Fire one scenario event of the drill's version now."""
        drill = self.get_object()
        event = get_object_or_404(ScenarioEvent, pk=event_id, version_id=drill.scenario_version_id)
        injects = services.drill_trigger_event(drill=drill, event=event, by=request.user)
        return Response(InjectSerializer(injects, many=True).data)

    @extend_schema(responses={200: TimelineEntrySerializer(many=True)})
    @action(detail=True, methods=["get"], serializer_class=TimelineEntrySerializer)
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        entries = selectors.timeline_of(drill=self.get_object(), user=request.user).select_related("actor")
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)

    @extend_schema(methods=["GET"], responses={200: TimelineEntrySerializer(many=True)})
    @extend_schema(methods=["POST"], request=TextSerializer, responses={201: TimelineEntrySerializer})
    @action(detail=True, methods=["get", "post"], serializer_class=TimelineEntrySerializer)
    def messages(self, request: Request, pk: str | None = None) -> Response:
        """The drill's comms channel: everyone in it reads, players and controllers post."""
        drill = self.get_object()
        if request.method == "POST":
            given = TextSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            entry = services.message_post(drill=drill, by=request.user, text=given.validated_data["text"])
            return Response(TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(selectors.messages_of(drill))
        return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)

    @extend_schema(methods=["GET"], responses={200: RosterEntrySerializer(many=True)})
    @extend_schema(methods=["POST"], request=RosterEntrySerializer, responses={201: RosterEntrySerializer})
    @action(detail=True, methods=["get", "post"], serializer_class=RosterEntrySerializer)
    def roster(self, request: Request, pk: str | None = None) -> Response:
        """Who plays which seat for which department; the coordinator adds players and observers."""
        drill = self.get_object()
        if request.method == "POST":
            return self._roster_add(request, drill)
        page = self.paginate_queryset(selectors.roster_of(drill))
        return self.get_paginated_response(RosterEntrySerializer(page, many=True).data)

    @extend_schema(
        methods=["PATCH"],
        request=AttendedSerializer,
        responses={200: RosterEntrySerializer},
        parameters=[OpenApiParameter("entry_id", int, OpenApiParameter.PATH)],
    )
    @extend_schema(
        methods=["DELETE"], responses={204: None}, parameters=[OpenApiParameter("entry_id", int, OpenApiParameter.PATH)]
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"roster/(?P<entry_id>\d+)",
        url_name="roster-entry",
        serializer_class=RosterEntrySerializer,
    )
    def roster_entry(self, request: Request, pk: str | None = None, entry_id: str | None = None) -> Response:
        """PATCH {"attended"} ticks attendance; DELETE takes the person off the roster."""
        drill = self.get_object()
        entry = get_object_or_404(RosterEntry.objects.select_related("user"), pk=entry_id, drill=drill)
        if request.method == "DELETE":
            services.roster_remove(entry=entry, by=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        given = AttendedSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        entry = services.roster_set_attended(entry=entry, attended=given.validated_data["attended"], by=request.user)
        return Response(RosterEntrySerializer(entry).data)

    def _roster_add(self, request: Request, drill: Drill) -> Response:
        given = RosterEntrySerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        if not Membership.objects.filter(user=data["user"], organisation_id=drill.organisation_id).exists():
            raise InvalidInput({"user": [str(_("This user is not a member of the drill's organisation."))]})
        if data.get("department") is not None:
            _same_organisation("department", [data["department"]], drill.organisation_id)
        entry = services.roster_add(drill=drill, by=request.user, **data)
        return Response(RosterEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class InjectViewSet(DrillRolesMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One inject; staff act on those of their departments (others are not visible: 404)."""

    serializer_class = InjectSerializer
    action_roles = {"retrieve": MEMBERS, "*": PLAYERS}

    def get_queryset(self) -> Any:
        return selectors.injects_visible_to(self.request.user)

    def drill_of(self, obj: Any) -> Drill:
        return obj.drill

    def _answer(self, inject: Inject) -> Response:
        inject.refresh_from_db()
        return Response(InjectSerializer(inject).data)

    @extend_schema(request=None, responses={200: InjectSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        inject = services.inject_acknowledge(inject=self.get_object(), by=request.user)
        return self._answer(inject)

    @extend_schema(request=ActionSerializer, responses={201: TimelineEntrySerializer})
    @action(detail=True, methods=["post"], serializer_class=ActionSerializer)
    def actions(self, request: Request, pk: str | None = None) -> Response:
        """Log an action (or, with is_decision, a decision) taken on this inject."""
        inject = self.get_object()
        given = ActionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        entry = services.inject_log_action(inject=inject, by=request.user, **given.validated_data)
        return Response(TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ForwardSerializer, responses={201: InjectSerializer})
    @action(detail=True, methods=["post"], serializer_class=ForwardSerializer)
    def forward(self, request: Request, pk: str | None = None) -> Response:
        """Report on to another department: a new inject there, with this one as its source."""
        inject = self.get_object()
        given = ForwardSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        _same_organisation("department", [given.validated_data["department"]], inject.drill.organisation_id)
        forwarded = services.inject_forward(inject=inject, by=request.user, **given.validated_data)
        return Response(InjectSerializer(forwarded).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ResolveSerializer, responses={200: InjectSerializer})
    @action(detail=True, methods=["post"], serializer_class=ResolveSerializer)
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        inject = self.get_object()
        given = ResolveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        return self._answer(services.inject_resolve(inject=inject, by=request.user, **given.validated_data))
