"""Admin for after-action records: observations (an observer's own, read here), findings and the
improvement plan (edited directly, audited by the mixin)."""

from __future__ import annotations

from django.contrib import admin

from drillops.core.admin import AuditedAdmin, EditableInline, ReadOnlyAdmin
from drillops.reports.models import Finding, ImprovementItem, Observation


@admin.register(Observation)
class ObservationAdmin(ReadOnlyAdmin):
    org_path = "drill__organisation"
    list_display = ("drill", "observer", "rating", "flag", "objective", "critical_task", "created_at")
    list_filter = ("rating", "flag", "drill")
    search_fields = ("note", "observer__username", "drill__name")
    list_select_related = ("drill", "observer", "objective", "critical_task")


class ImprovementInline(EditableInline, admin.TabularInline):
    model = ImprovementItem
    fields = ("title", "owner_department", "owner", "due_date", "status")
    extra = 0


@admin.register(Finding)
class FindingAdmin(AuditedAdmin):
    org_path = "drill__organisation"
    list_display = ("title", "kind", "drill", "objective")
    list_filter = ("kind", "drill")
    search_fields = ("title", "analysis")
    list_select_related = ("drill", "objective")
    inlines = [ImprovementInline]


@admin.register(ImprovementItem)
class ImprovementItemAdmin(AuditedAdmin):
    org_path = "organisation"
    list_display = ("title", "status", "owner_department", "owner", "due_date", "followed_up_in")
    list_filter = ("status", "organisation", "owner_department")
    search_fields = ("title", "description")
    list_select_related = ("owner_department", "owner", "followed_up_in")
    date_hierarchy = "due_date"
