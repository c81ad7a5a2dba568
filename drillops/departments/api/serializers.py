"""Departments and users of an organisation, as the API shows and takes them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from drillops.core.api.fields import UTCDateTimeField
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


NO_PASSWORDS = _(
    "Nobody sets another person's password: a new account gets a one-time set-password link "
    "(POST /api/v1/users/{id}/set-password-link/ for a new one), and everyone changes their own "
    "password on the password page."
)


class UserSerializer(BaseModelSerializer):
    """A member as the caller's organisations see them. No password goes in: see NO_PASSWORDS."""

    organisation = OrganisationField(required=False, write_only=True)
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    role = serializers.ChoiceField(choices=Role.choices)
    departments = DepartmentField(many=True, required=False)
    password_set = serializers.BooleanField(read_only=True, help_text="Whether the owner has chosen a password.")

    class Meta:
        model = get_user_model()
        fields = [
            "id",
            "organisation",
            "username",
            "email",
            "first_name",
            "last_name",
            "is_active",
            "role",
            "departments",
            "password_set",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["role"].required = False
            self.fields["username"].read_only = True

    def to_internal_value(self, data: Any) -> Any:
        refused = {"password": [NO_PASSWORDS]} if isinstance(data, Mapping) and "password" in data else {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
            raise serializers.ValidationError({**errors, **refused}) from exc
        if refused:
            raise serializers.ValidationError(refused)
        return value

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
        data["password_set"] = instance.has_usable_password()
        return data


class SetPasswordLinkSerializer(serializers.Serializer):
    """Shown once: the link is e-mailed to the account's address too, and nowhere stored."""

    set_password_link = serializers.URLField()
    set_password_link_expires_at = UTCDateTimeField()


class NewUserSerializer(UserSerializer):
    set_password_link = serializers.URLField(read_only=True)
    set_password_link_expires_at = UTCDateTimeField(read_only=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "set_password_link", "set_password_link_expires_at"]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
