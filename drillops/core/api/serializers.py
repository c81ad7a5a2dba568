"""The base serializer of the API: times as UTC with milliseconds and a Z, capped free text."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import serializers

from drillops.core.api.fields import FREE_TEXT_MAX, UTCDateTimeField


class BaseModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UTCDateTimeField,
    }

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[Any, dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.TextField):
            kwargs["max_length"] = FREE_TEXT_MAX
        return field_class, kwargs


class DetailSerializer(serializers.Serializer):
    """The body of a 403/404/409 answer."""

    detail = serializers.CharField()
