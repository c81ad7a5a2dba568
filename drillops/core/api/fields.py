"""Serializer fields shared by every app's API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# Free text has a cap even where the column has none: nobody writes 10,000 characters in a drill.
FREE_TEXT_MAX = 10_000


def format_utc(value: datetime | None) -> str | None:
    """ISO-8601 UTC with milliseconds and a Z: 2026-11-25T09:00:00.000Z."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@extend_schema_field(OpenApiTypes.DATETIME)
class UTCDateTimeField(serializers.DateTimeField):
    def to_representation(self, value: Any) -> Any:
        if isinstance(value, str):
            value = self.to_internal_value(value)
        return format_utc(value)


class FreeTextField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", FREE_TEXT_MAX)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", "")
        super().__init__(**kwargs)
