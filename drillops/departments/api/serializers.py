"""Departments and users of an organisation, as the API shows and takes them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from drillops.core.api.serializers import BaseModelSerializer
from drillops.departments.models import Department, Organisation, Role
from drillops.departments.selectors import departments_visible_to, memberships_of, organisations_visible_to


def _caller(serializer: serializers.Serializer) -> Any:
    return serializer.context["request"].user


@extend_schema_field(OpenApiTypes.INT)
class OrganisationField(serializers.PrimaryKeyRelatedField):
    """An organisation the caller coordinates; optional, the caller's own by default."""

    def get_queryset(self) -> Any:
        return organisations_visible_to(self.context["request"].user, Role.COORDINATOR)


@extend_schema_field(OpenApiTypes.INT)
class DepartmentField(serializers.PrimaryKeyRelatedField):
    """A department the caller can see; the service checks it is of the right organisation."""

    def get_queryset(self) -> Any:
        return departments_visible_to(self.context["request"].user)


class DepartmentSerializer(BaseModelSerializer):
    organisation = OrganisationField(required=False)
    parent = DepartmentField(required=False, allow_null=True)  # type: ignore[assignment]  # a field named like Field.parent

    class Meta:
        model = Department
        fields = ["id", "organisation", "parent", "code", "name", "name_zh", "description", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list[Any] = []  # code unique per organisation: the service checks, once it knows the organisation

    def validate_organisation(self, value: Organisation) -> Organisation:
        if self.instance is not None and value.pk != self.instance.organisation_id:
            raise serializers.ValidationError(_("A department cannot move to another organisation."))
        return value


class UserSerializer(BaseModelSerializer):
    organisation = OrganisationField(required=False, write_only=True)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    role = serializers.ChoiceField(choices=Role.choices)
    departments = DepartmentField(many=True, required=False)

    class Meta:
        model = get_user_model()
        fields = [
            "id",
            "organisation",
            "username",
            "password",
            "email",
            "first_name",
            "last_name",
            "is_active",
            "role",
            "departments",
        ]
        extra_kwargs: dict[str, Any] = {"username": {"validators": []}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["password"].required = False
            self.fields["role"].required = False
            self.fields["username"].read_only = True

    def _memberships(self, user: Any) -> list[Any]:
        caller = _caller(self)
        orgs = None if caller.is_superuser else {m.organisation_id for m in memberships_of(caller)}
        return [m for m in user.memberships.all() if orgs is None or m.organisation_id in orgs]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = {
            "id": instance.pk,
            "username": instance.username,
            "email": instance.email,
            "first_name": instance.first_name,
            "last_name": instance.last_name,
            "is_active": instance.is_active,
        }
        memberships = self._memberships(instance)
        data["role"] = memberships[0].role if memberships else None
        data["departments"] = sorted({m.department_id for m in memberships if m.department_id})
        return data


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
