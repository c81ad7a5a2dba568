"""Admin for after-action records: observations, findings, the improvement plan."""

from __future__ import annotations

from django.contrib import admin

from drillops.reports.models import Finding, ImprovementItem, Observation


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ("drill", "observer", "rating", "flag", "objective", "critical_task", "created_at")
    list_filter = ("rating", "flag", "drill")
    search_fields = ("note", "observer__username", "drill__name")
    list_select_related = ("drill", "observer", "objective", "critical_task")
    raw_id_fields = ("timeline_entry",)


class ImprovementInline(admin.TabularInline):
    model = ImprovementItem
    fields = ("title", "owner_department", "owner", "due_date", "status")
    extra = 0


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "drill", "objective")
    list_filter = ("kind", "drill")
    search_fields = ("title", "analysis")
    list_select_related = ("drill", "objective")
    inlines = [ImprovementInline]


@admin.register(ImprovementItem)
class ImprovementItemAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "owner_department", "owner", "due_date", "followed_up_in")
    list_filter = ("status", "organisation", "owner_department")
    search_fields = ("title", "description")
    list_select_related = ("owner_department", "owner", "followed_up_in")
    date_hierarchy = "due_date"
