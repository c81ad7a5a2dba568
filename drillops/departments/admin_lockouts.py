"""Login locks in the admin: administrators see which (username, address) pairs are locked and
lift them (audited). A non-superuser administrator sees the usernames of their organisations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from drillops.core.admin import AuditedAdmin
from drillops.departments import accounts
from drillops.departments.models import LoginLock, Membership

# Shown as LoginLock below; successful logins and a per-failure log are not written (settings).
for model in (AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


def locked_until(attempt: AccessAttempt) -> datetime | None:
    if attempt.failures_since_start < settings.AXES_FAILURE_LIMIT:
        return None
    ends: datetime = attempt.attempt_time + settings.AXES_COOLOFF_TIME
    return ends if ends > timezone.now() else None


@admin.register(LoginLock)
class LoginLockAdmin(AuditedAdmin):
    list_display = ("username_", "address", "failures", "last_failure", "lock")
    search_fields = ("username", "ip_address")
    ordering = ("-attempt_time",)
    actions = ["lift"]
    fields = ("username", "ip_address", "failures_since_start", "attempt_time", "path_info", "user_agent")
    readonly_fields = fields

    @admin.display(description=_("username"), ordering="username")
    def username_(self, attempt: AccessAttempt) -> str:
        return attempt.username or ""

    @admin.display(description=_("address"), ordering="ip_address")
    def address(self, attempt: AccessAttempt) -> str:
        return attempt.ip_address or ""

    @admin.display(description=_("failed logins"), ordering="failures_since_start")
    def failures(self, attempt: AccessAttempt) -> int:
        return attempt.failures_since_start

    @admin.display(description=_("last failure"), ordering="attempt_time")
    def last_failure(self, attempt: AccessAttempt) -> str:
        return timezone.localtime(attempt.attempt_time).strftime("%Y-%m-%d %H:%M:%S")

    # A lock names a username, not an organisation: administrators see their members' locks.
    scoped = True

    def scope_queryset(self, queryset: QuerySet[Any], scope: set[int]) -> QuerySet[Any]:
        members = Membership.objects.filter(organisation_id__in=scope)
        return queryset.filter(username__in=members.values("user__username"))

    @admin.display(description=_("lock"))
    def lock(self, attempt: AccessAttempt) -> str:
        until = locked_until(attempt)
        if until is None:
            return "—"
        return gettext("locked until %(time)s") % {"time": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")}

    @admin.action(description=_("Lift the lock of the selected pairs"), permissions=["delete"])
    def lift(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        lifted = accounts.lockouts_lift(attempts=queryset, by=request.user)
        self.message_user(request, gettext("%(count)d lock(s) lifted.") % {"count": lifted}, messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> Any:
        # The one way to remove rows is lifting, which is audited.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request: HttpRequest, obj: AccessAttempt) -> None:
        accounts.lockouts_lift(attempts=[obj], by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        accounts.lockouts_lift(attempts=queryset, by=request.user)
