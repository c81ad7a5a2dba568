"""API of departments, users and tokens. Every write goes through departments.services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from drillops.core.api.fields import format_utc
from drillops.core.api.serializers import DetailSerializer
from drillops.departments import account_rules, accounts, services
from drillops.departments.api.access import COORDINATOR, MEMBERS, OrganisationScopedMixin
from drillops.departments.api.serializers import (
    DepartmentSerializer,
    NewUserSerializer,
    SetPasswordLinkSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserSerializer,
)
from drillops.departments.models import Department
from drillops.departments.selectors import departments_visible_to, role_of, users_managed_by

WRITES = frozenset({"update", "partial_update", "destroy", "set_password_link"})


class TokenView(APIView):
    """Trade a username and password for an API token (`Authorization: Token <token>`).

    Guarded like every login (departments.login_guard): a (username, address) pair locked after
    10 failures answers 403, an address with 100 failures in an hour 429 with Retry-After."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, 400: OpenApiTypes.OBJECT, 403: DetailSerializer, 429: DetailSerializer},
    )
    def post(self, request: Request) -> Response:
        given = TokenRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        # The Django request, so that axes sees (and counts) this login like the login page's.
        user = authenticate(request._request, **given.validated_data)
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": [_("Unable to log in with these credentials.")]})
        # A token is a login without a session: say so, so that axes forgets the pair's failures.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class DepartmentViewSet(OrganisationScopedMixin, viewsets.ModelViewSet):
    serializer_class = DepartmentSerializer
    action_roles = {"list": MEMBERS, "retrieve": MEMBERS, "*": COORDINATOR}
    filterset_fields = ["parent", "code"]

    def get_queryset(self) -> Any:
        return departments_visible_to(self.request.user).order_by("organisation_id", "code")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        organisation = self.acting_organisation(self.request, data.pop("organisation", None))
        serializer.instance = services.department_create(organisation=organisation, by=self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("organisation", None)
        serializer.instance = services.department_update(department=serializer.instance, by=self.request.user, **data)

    def perform_destroy(self, instance: Department) -> None:
        services.department_delete(department=instance, by=self.request.user)


def _base_url(request: Request) -> str:
    return request.build_absolute_uri("/")


def _link_body(link: accounts.Link) -> dict[str, Any]:
    return {"set_password_link": link.url, "set_password_link_expires_at": format_utc(link.expires_at)}


class UserViewSet(OrganisationScopedMixin, viewsets.ModelViewSet):
    """Members of the organisations the caller coordinates; removing one takes it out of them.

    Coordinators manage staff and observers; coordinators' and administrators' accounts are
    changed by administrators only (403 with the reason); an organisation keeps at least one
    active coordinator (409). No password is ever taken: see the set-password link."""

    serializer_class = UserSerializer
    action_roles = {"*": COORDINATOR}
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return users_managed_by(self.request.user)

    def roles_on(self, request: Request, obj: Any) -> set[str]:
        return {r for m in obj.memberships.all() if (r := role_of(request.user, m.organisation_id))}

    def get_object(self) -> Any:
        user = super().get_object()
        if self.action in WRITES:
            # Before the body is read: a refused change is 403 whatever the body says.
            account_rules.check_may_change(self.request.user, user, leaving=self.action == "destroy")
        return user

    def _organisation_for(self, user: Any | None, requested: Any) -> Any:
        if requested is None and user is not None:
            # The organisation this caller shares with the user, so a coordinator of two
            # organisations edits the right membership.
            shared = [m.organisation for m in user.memberships.all() if role_of(self.request.user, m.organisation_id)]
            if shared:
                return shared[0]
        return self.acting_organisation(self.request, requested)

    @extend_schema(responses={201: NewUserSerializer, 400: OpenApiTypes.OBJECT, 403: DetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organisation = self._organisation_for(None, data.pop("organisation", None))
        account = accounts.user_create(organisation=organisation, by=request.user, base_url=_base_url(request), **data)
        shown = self.get_serializer(self.get_queryset().get(pk=account.user.pk)).data
        return Response({**shown, **_link_body(account.link)}, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: UserSerializer, 403: DetailSerializer, 409: DetailSerializer})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().update(request, *args, **kwargs)

    @extend_schema(responses={200: UserSerializer, 403: DetailSerializer, 409: DetailSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        organisation = self._organisation_for(serializer.instance, data.pop("organisation", None))
        user = accounts.user_update(user=serializer.instance, organisation=organisation, by=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=user.pk)

    @extend_schema(responses={204: None, 403: DetailSerializer, 409: DetailSerializer})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = self.get_object()
        accounts.user_remove(user=user, organisation=self._organisation_for(user, None), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={201: SetPasswordLinkSerializer, 400: OpenApiTypes.OBJECT, 403: DetailSerializer},
    )
    @action(detail=True, methods=["post"], url_path="set-password-link")
    def set_password_link(self, request: Request, pk: str | None = None) -> Response:
        """A new one-time set-password link for the account (e-mailed to it, shown here once)."""
        user = self.get_object()
        organisation = self._organisation_for(user, None)
        link = accounts.link_issue(user=user, organisation=organisation, by=request.user, base_url=_base_url(request))
        return Response(_link_body(link), status=status.HTTP_201_CREATED)
