"""Admin for running drills. State changes go through the timelines services (admin actions);
the timeline, escalation steps, outbox and heartbeats are records, so they are read-only here
(the outbox's failed rows are retried or dismissed through the services)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from drillops.core.admin import ReadOnlyAdmin
from drillops.core.errors import DomainError, InvalidInput
from drillops.departments.selectors import organisation_ids_of
from drillops.timelines.models import (
    DispatcherHeartbeat,
    Drill,
    EscalationStep,
    Inject,
    Notification,
    Outbox,
    RosterEntry,
    TimelineEntry,
)


class RosterInline(admin.TabularInline):
    model = RosterEntry
    fields = ("user", "department", "role", "seat", "attended")
    autocomplete_fields = ("user",)
    extra = 0


def _run(request: HttpRequest, drills: QuerySet[Drill], label: str, call: Callable[[Drill], Any]) -> None:
    done = 0
    for drill in drills:
        try:
            call(drill)
            done += 1
        except (DomainError, InvalidInput) as exc:
            messages.error(request, f"{drill}: {getattr(exc, 'message', exc)}")
    if done:
        messages.success(request, _("%(action)s: %(count)d drill(s).") % {"action": label, "count": done})


class StopForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=True
    )


@admin.register(Drill)
class DrillAdmin(admin.ModelAdmin):
    list_display = ("name", "state", "organisation", "scenario_version", "time_scale", "scheduled_start", "started_at")
    list_filter = ("state", "organisation")
    search_fields = ("name", "scenario_version__scenario__title")
    list_select_related = ("organisation", "scenario_version__scenario")
    readonly_fields = ("state", "started_at", "paused_at", "paused_total", "ended_at", "stop_reason", "created_by")
    inlines = [RosterInline]
    actions = ["start", "pause", "resume", "finish", "stop"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A drill pins an approved version through drill_create: the scenario page or the API.
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        pinned = ("organisation", "scenario_version") if obj is not None else ()
        return (*pinned, *self.readonly_fields)

    @admin.action(description=_("Start the selected drills now"))
    def start(self, request: HttpRequest, queryset: QuerySet[Drill]) -> None:
        from drillops.timelines import services

        _run(request, queryset, str(_("Started")), lambda d: services.drill_start(drill=d, by=request.user))

    @admin.action(description=_("Pause the selected drills"))
    def pause(self, request: HttpRequest, queryset: QuerySet[Drill]) -> None:
        from drillops.timelines import services

        _run(request, queryset, str(_("Paused")), lambda d: services.drill_pause(drill=d, by=request.user))

    @admin.action(description=_("Resume the selected drills"))
    def resume(self, request: HttpRequest, queryset: QuerySet[Drill]) -> None:
        from drillops.timelines import services

        _run(request, queryset, str(_("Resumed")), lambda d: services.drill_resume(drill=d, by=request.user))

    @admin.action(description=_("Finish the selected drills"))
    def finish(self, request: HttpRequest, queryset: QuerySet[Drill]) -> None:
        from drillops.timelines import services

        _run(request, queryset, str(_("Finished")), lambda d: services.drill_finish(drill=d, by=request.user))

    @admin.action(description=_("Stop the selected drills (with a reason)"))
    def stop(self, request: HttpRequest, queryset: QuerySet[Drill]) -> HttpResponse | None:
        from drillops.timelines import services

        form = StopForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            _run(
                request,
                queryset,
                str(_("Stopped")),
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
class RosterEntryAdmin(admin.ModelAdmin):
    list_display = ("drill", "user", "department", "role", "seat", "attended")
    list_filter = ("role", "attended", "drill")
    search_fields = ("user__username", "seat", "drill__name")
    list_select_related = ("drill", "user", "department")


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    fk_name = "inject"
    fields = ("position", "after_seconds", "target_department", "target_role", "unless", "fire_at", "fired_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


INJECT_TIMES = ("due_at", "delivered_at", "deadline_at", "acknowledged_at", "first_action_at", "resolved_at")


@admin.register(Inject)
class InjectAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Injects are written by the engine; ad-hoc ones come from the console or the API.
        return False


@admin.register(EscalationStep)
class EscalationStepAdmin(ReadOnlyAdmin):
    list_display = ("inject", "position", "target_department", "target_role", "unless", "fire_at", "fired_at")
    list_filter = ("unless",)
    list_select_related = ("inject", "target_department")


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "drill", "department", "actor", "text")
    list_filter = ("kind", "drill")
    search_fields = ("text", "actor__username")
    list_select_related = ("drill", "department", "actor")
    date_hierarchy = "at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("title", "user", "drill", "read_at", "created_at")
    list_filter = ("drill",)
    search_fields = ("title", "user__username")
    list_select_related = ("user", "drill")


@admin.register(Outbox)
class OutboxAdmin(ReadOnlyAdmin):
    """Side effects, one inject (or notice) per channel. Rows that gave up stay here until a
    person retries or dismisses them (through the services, audited)."""

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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Outbox]:
        rows = super().get_queryset(request)
        if getattr(request.user, "is_superuser", False):
            return rows
        return rows.filter(drill__organisation_id__in=organisation_ids_of(request.user))

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("timelines.change_outbox"))

    @admin.action(description=_("Retry the selected side effects now"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Outbox]) -> None:
        from drillops.timelines import services

        done = services.outbox_retry(outbox_ids=queryset.values_list("pk", flat=True), by=request.user)
        messages.success(request, _("Retried: %(count)d (only failed or dismissed rows).") % {"count": done})

    @admin.action(description=_("Dismiss the selected failed side effects"), permissions=["retry"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Outbox]) -> None:
        from drillops.timelines import services

        done = services.outbox_dismiss(outbox_ids=queryset.values_list("pk", flat=True), by=request.user)
        messages.success(request, _("Dismissed: %(count)d (only failed rows).") % {"count": done})


@admin.register(DispatcherHeartbeat)
class DispatcherHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("name", "host", "pid", "beat_at", "lag_ms", "delivered_total")
