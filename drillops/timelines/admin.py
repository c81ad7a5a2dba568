"""Admin for running drills. Every write goes through the timelines services: state changes are
actions, a drill's name, time scale and scheduled start its form (drill_update, the latter two
before it starts), the roster roster_add; injects, the timeline, escalation steps, notifications,
the outbox and heartbeats are records, so they are read-only here (the outbox's failed rows are
retried or dismissed by actions, through the services), and so are observer invitations (made and
revoked on a drill's setup page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from drillops.core.admin import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline, act_on_each
from drillops.timelines import services
from drillops.timelines.models import (
    DispatcherHeartbeat,
    Drill,
    DrillState,
    EscalationStep,
    Inject,
    Notification,
    ObserverInvitation,
    Outbox,
    RosterEntry,
    TimelineEntry,
)


class RosterInline(ReadOnlyInline):
    model = RosterEntry
    fields = ("user", "department", "role", "seat", "attended", "invitation")


class StopForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=True
    )


DRILL_FIELDS = ("name", "time_scale", "scheduled_start")


@admin.register(Drill)
class DrillAdmin(AuditedAdmin):
    org_path = "organisation"
    through_services = True
    list_display = ("name", "state", "organisation", "scenario_version", "time_scale", "scheduled_start", "started_at")
    list_filter = ("state", "organisation")
    search_fields = ("name", "scenario_version__scenario__title")
    list_select_related = ("organisation", "scenario_version__scenario")
    readonly_fields = (
        "organisation",
        "scenario_version",
        "state",
        "started_at",
        "paused_at",
        "paused_total",
        "ended_at",
        "stop_reason",
        "created_by",
    )
    inlines = [RosterInline]
    actions = ["start", "pause", "resume", "finish", "stop"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A drill pins an approved version through drill_create: the scenario page or the API.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a drill is stopped, never deleted: its timeline is the record

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or not obj.is_over)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Due times and deadlines of a started drill were computed from its time scale and start.
        timing = ("time_scale", "scheduled_start") if obj is not None and obj.state != DrillState.SCHEDULED else ()
        return (*timing, *self.readonly_fields)

    def save_through_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Drill:
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in DRILL_FIELDS}
        return services.drill_update(drill=obj, by=request.user, **changes)

    def _each(self, request: HttpRequest, queryset: QuerySet[Drill], label: Any, call: Callable[[Drill], Any]) -> None:
        act_on_each(self, request, queryset, str(label), call)

    @admin.action(description=_("Start the selected drills now"))
    def start(self, request: HttpRequest, queryset: QuerySet[Drill]) -> None:
        self._each(request, queryset, _("Started"), lambda d: services.drill_start(drill=d, by=request.user))

    @admin.action(description=_("Pause the selected drills"))
    def pause(self, request: HttpRequest, queryset: QuerySet[Drill]) -> None:
        self._each(request, queryset, _("Paused"), lambda d: services.drill_pause(drill=d, by=request.user))

    @admin.action(description=_("Resume the selected drills"))
    def resume(self, request: HttpRequest, queryset: QuerySet[Drill]) -> None:
        self._each(request, queryset, _("Resumed"), lambda d: services.drill_resume(drill=d, by=request.user))

    @admin.action(description=_("Finish the selected drills"))
    def finish(self, request: HttpRequest, queryset: QuerySet[Drill]) -> None:
        self._each(request, queryset, _("Finished"), lambda d: services.drill_finish(drill=d, by=request.user))

    @admin.action(description=_("Stop the selected drills (with a reason)"))
    def stop(self, request: HttpRequest, queryset: QuerySet[Drill]) -> HttpResponse | None:
        form = StopForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(
                request,
                queryset,
                _("Stopped"),
                lambda d: services.drill_stop(drill=d, by=request.user, reason=reason),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Stop drills"),
            "drills": queryset,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/timelines/drill/stop_reason.html", context)


@admin.register(RosterEntry)
class RosterEntryAdmin(AuditedAdmin):
    """Seats are given (and changed) by roster_add; attendance is the console's."""

    org_path = "drill__organisation"
    through_services = True
    list_display = ("drill", "user", "department", "role", "seat", "attended")
    list_filter = ("role", "attended", "drill")
    search_fields = ("user__username", "seat", "drill__name")
    list_select_related = ("drill", "user", "department")
    autocomplete_fields = ("user",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("drill", "user", "department", "role", "seat", *(("attended",) if obj else ()))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("drill", "user", "department", "attended") if obj is not None else ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or not obj.drill.is_over)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_through_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> RosterEntry:
        return services.roster_add(
            drill=obj.drill,
            user=obj.user,
            department=obj.department,
            role=form.cleaned_data["role"],
            seat=form.cleaned_data["seat"],
            by=request.user,
        )


class EscalationStepInline(ReadOnlyInline):
    model = EscalationStep
    fk_name = "inject"
    fields = ("position", "after_seconds", "target_department", "target_role", "unless", "fire_at", "fired_at")


INJECT_TIMES = ("due_at", "delivered_at", "deadline_at", "acknowledged_at", "first_action_at", "resolved_at")


@admin.register(Inject)
class InjectAdmin(ReadOnlyAdmin):
    """Injects are written by the engine and answered on the console: here they are read."""

    org_path = "drill__organisation"
    list_display = ("title", "drill", "department", "cause", "status", "due_at", "delivered_at", "escalation_level")
    list_filter = ("status", "cause", "channel", "drill", "department")
    search_fields = ("title", "body", "sender")
    list_select_related = ("drill", "department")
    readonly_fields = (
        "drill",
        "event",
        "department",
        "cause",
        "source",
        "marking",
        "status",
        "escalation_level",
        *INJECT_TIMES,
        "acknowledged_by",
        "resolved_by",
        "cancelled_at",
    )
    inlines = [EscalationStepInline]


@admin.register(EscalationStep)
class EscalationStepAdmin(ReadOnlyAdmin):
    org_path = "inject__drill__organisation"
    list_display = ("inject", "position", "target_department", "target_role", "unless", "fire_at", "fired_at")
    list_filter = ("unless",)
    list_select_related = ("inject", "target_department")


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdmin):
    org_path = "drill__organisation"
    list_display = ("at", "kind", "drill", "department", "actor", "text")
    list_filter = ("kind", "drill")
    search_fields = ("text", "actor__username")
    list_select_related = ("drill", "department", "actor")
    date_hierarchy = "at"


@admin.register(ObserverInvitation)
class ObserverInvitationAdmin(ReadOnlyAdmin):
    """Made and revoked by coordinators on a drill's setup page; the token itself is never shown."""

    org_path = "drill__organisation"
    list_display = ("drill", "label", "expires_at", "revoked_at", "uses", "max_uses", "email_domain", "created_by")
    list_filter = ("drill",)
    search_fields = ("label", "drill__name", "email_domain")
    list_select_related = ("drill", "created_by")
    exclude = ("token_id",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    org_path = "drill__organisation"
    list_display = ("title", "user", "drill", "read_at", "created_at")
    list_filter = ("drill",)
    search_fields = ("title", "user__username")
    list_select_related = ("user", "drill")


@admin.register(Outbox)
class OutboxAdmin(ReadOnlyAdmin):
    """Side effects, one inject (or notice) per channel, of the administrator's organisations.
    Rows that gave up stay here until a person retries or dismisses them (through the services,
    audited)."""

    org_path = "drill__organisation"
    list_display = (
        "idempotency_key", "channel", "state", "drill", "attempts", "next_attempt_at", "done_at", "short_error",
    )  # fmt: skip
    list_filter = ("state", "channel", "topic")
    search_fields = ("idempotency_key", "last_error")
    list_select_related = ("drill",)
    actions = ["retry", "dismiss"]

    @admin.display(description=_("last error"))
    def short_error(self, obj: Outbox) -> str:
        return obj.last_error[:120]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        # As for every write here: administrators by their membership, superusers by permission.
        return self._may(request, lambda: bool(request.user.has_perm("timelines.change_outbox")))

    @admin.action(description=_("Retry the selected side effects now"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Outbox]) -> None:
        done = services.outbox_retry(outbox_ids=queryset.values_list("pk", flat=True), by=request.user)
        self.message_user(request, _("Retried: %(count)d (only failed or dismissed rows).") % {"count": done})

    @admin.action(description=_("Dismiss the selected failed side effects"), permissions=["retry"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Outbox]) -> None:
        done = services.outbox_dismiss(outbox_ids=queryset.values_list("pk", flat=True), by=request.user)
        self.message_user(request, _("Dismissed: %(count)d (only failed rows).") % {"count": done})


@admin.register(DispatcherHeartbeat)
class DispatcherHeartbeatAdmin(ReadOnlyAdmin):
    """The installation's dispatchers, not an organisation's: for superusers."""

    list_display = ("name", "host", "pid", "beat_at", "lag_ms", "delivered_total")
