"""The audit trail in the admin: readable, searchable, never editable."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from drillops.core.models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """For append-only records: list and read, never add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "object_type", "object_id", "actor", "organisation_id", "drill_id")
    list_filter = ("action", "object_type")
    search_fields = ("action", "object_type", "actor__username")
    date_hierarchy = "at"
    list_select_related = ("actor",)
