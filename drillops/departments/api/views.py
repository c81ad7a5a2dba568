"""API of departments, users and tokens. Every write goes through departments.services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from drillops.departments import services
from drillops.departments.api.access import COORDINATOR, MEMBERS, OrganisationScopedMixin
from drillops.departments.api.serializers import (
    DepartmentSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserSerializer,
)
from drillops.departments.models import Department
from drillops.departments.selectors import departments_visible_to, role_of, users_managed_by


class TokenView(APIView):
    """Trade a username and password for an API token (`Authorization: Token <token>`)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        given = TokenRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        user = authenticate(request._request, **given.validated_data)
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": [_("Unable to log in with these credentials.")]})
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


class UserViewSet(OrganisationScopedMixin, viewsets.ModelViewSet):
    """Users of the organisations the caller coordinates; removing one takes it out of them."""

    serializer_class = UserSerializer
    action_roles = {"*": COORDINATOR}
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return users_managed_by(self.request.user)

    def roles_on(self, request: Request, obj: Any) -> set[str]:
        return {r for m in obj.memberships.all() if (r := role_of(request.user, m.organisation_id))}

    def _organisation_for(self, user: Any | None, requested: Any) -> Any:
        if requested is None and user is not None:
            # The organisation this caller shares with the user, so a coordinator of two
            # organisations edits the right membership.
            shared = [m.organisation for m in user.memberships.all() if role_of(self.request.user, m.organisation_id)]
            if shared:
                return shared[0]
        return self.acting_organisation(self.request, requested)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        organisation = self._organisation_for(None, data.pop("organisation", None))
        serializer.instance = services.user_create(organisation=organisation, by=self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        organisation = self._organisation_for(serializer.instance, data.pop("organisation", None))
        user = services.user_update(user=serializer.instance, organisation=organisation, by=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=user.pk)

    def perform_destroy(self, instance: Any) -> None:
        organisation = self._organisation_for(instance, None)
        services.user_remove(user=instance, organisation=organisation, by=self.request.user)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.perform_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
