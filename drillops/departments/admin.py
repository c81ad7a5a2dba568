"""Admin for organisations, departments, memberships, webhooks and user accounts.

Departments are written by the departments services; memberships are read here (coordinators
manage them through the API, administrators the accounts below); organisations, webhooks and
accounts are edited directly and audited by the mixin."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from drillops.core.admin import AuditedAdmin, EditableInline, ReadOnlyAdmin, ReadOnlyInline, scope_of
from drillops.departments import accounts, services
from drillops.departments.models import Department, DepartmentWebhook, Membership, Organisation


class DepartmentInline(ReadOnlyInline):
    model = Department
    fields = ("code", "name", "name_zh", "parent")


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ("user", "role", "department", "title")
    show_change_link = False


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    org_path = "pk"
    list_display = ("name", "slug", "time_zone", "require_independent_review", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [DepartmentInline, MembershipInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return scope_of(request) is None and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # An organisation holds drills, approved scenarios and the audit trail: it is kept.
        return False


# Webhook endpoints are HTTPS; a bare host typed without a scheme means https://.
HTTPS_URLS: Mapping[type[models.Field[Any, Any]], Mapping[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class WebhookInline(EditableInline, admin.StackedInline):
    model = DepartmentWebhook
    extra = 0
    formfield_overrides = HTTPS_URLS


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    org_path = "organisation"
    through_services = True
    list_display = ("code", "name", "name_zh", "organisation", "parent")
    list_filter = ("organisation",)
    search_fields = ("code", "name", "name_zh")
    list_select_related = ("organisation", "parent")
    autocomplete_fields = ("parent",)
    inlines = [WebhookInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("organisation",) if obj is not None else ()

    def save_through_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Department:
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in services.DEPARTMENT_FIELDS}
            return services.department_update(department=obj, by=request.user, **changes)
        fields = {name: data[name] for name in services.DEPARTMENT_FIELDS if name in data}
        return services.department_create(organisation=data["organisation"], by=request.user, **fields)

    def delete_through_service(self, request: HttpRequest, obj: Any) -> None:
        services.department_delete(department=obj, by=request.user)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    org_path = "organisation"
    list_display = ("user", "role", "organisation", "department", "title")
    list_filter = ("role", "organisation", "department")
    search_fields = ("user__username", "user__email", "title", "department__name", "department__code")
    list_select_related = ("user", "organisation", "department")


@admin.register(DepartmentWebhook)
class DepartmentWebhookAdmin(AuditedAdmin):
    org_path = "department__organisation"
    formfield_overrides = HTTPS_URLS
    list_display = ("department", "kind", "url", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("department__name", "department__code", "url")
    list_select_related = ("department",)


User = get_user_model()
# What only a superuser may grant: an administrator of one organisation cannot widen their reach.
SUPERUSER_FIELDS = ("is_superuser", "groups", "user_permissions", "last_login", "date_joined")

admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(AuditedAdmin, UserAdmin):
    """Accounts of the administrator's organisations. A scoped administrator changes an account
    only when every membership of it is in their organisations and it is not a superuser's."""

    org_path = "memberships__organisation"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).distinct()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if scope_of(request) is None else (*fields, *SUPERUSER_FIELDS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New accounts come from coordinators (with a set-password link) or a superuser.
        return scope_of(request) is None and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The timeline names people: an account is deactivated, not deleted, unless by a superuser.
        return scope_of(request) is None and super().has_delete_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        scope = scope_of(request)
        if scope is None or obj is None:
            return True
        held = set(Membership.objects.filter(user=obj).values_list("organisation_id", flat=True))
        return not obj.is_superuser and bool(held) and held <= scope

    def organisation_id_of(self, obj: Any) -> int | None:
        held = Membership.objects.filter(user=obj).values_list("organisation_id", flat=True)
        return min(held, default=None)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The account rules hold at this door too: deactivating the last coordinator is refused.
        if change and "is_active" in form.changed_data and not obj.is_active:
            accounts.check_deactivation(obj)
        super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        accounts.check_deactivation(obj)
        super().delete_model(request, obj)


# Login locks (axes' rows) shown and lifted here too; a module of their own.
from drillops.departments import admin_lockouts  # noqa: E402, F401
