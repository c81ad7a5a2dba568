"""Admin for organisations, departments, memberships and webhooks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import admin
from django.db import models

from drillops.departments.models import Department, DepartmentWebhook, Membership, Organisation


class DepartmentInline(admin.TabularInline):
    model = Department
    fields = ("code", "name", "name_zh", "parent")
    extra = 0
    show_change_link = True


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "role", "department", "title")
    autocomplete_fields = ("user",)
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "time_zone", "require_independent_review", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [DepartmentInline, MembershipInline]


# Webhook endpoints are HTTPS; a bare host typed without a scheme means https://.
HTTPS_URLS: Mapping[type[models.Field[Any, Any]], Mapping[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class WebhookInline(admin.StackedInline):
    model = DepartmentWebhook
    extra = 0
    formfield_overrides = HTTPS_URLS


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_zh", "organisation", "parent")
    list_filter = ("organisation",)
    search_fields = ("code", "name", "name_zh")
    list_select_related = ("organisation", "parent")
    autocomplete_fields = ("parent",)
    inlines = [WebhookInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "organisation", "department", "title")
    list_filter = ("role", "organisation", "department")
    search_fields = ("user__username", "user__email", "title", "department__name", "department__code")
    list_select_related = ("user", "organisation", "department")
    autocomplete_fields = ("user", "department")


@admin.register(DepartmentWebhook)
class DepartmentWebhookAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ("department", "kind", "url", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("department__name", "department__code", "url")
    list_select_related = ("department",)
