"""Admin for scenarios: versions with their events, objectives with their critical tasks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from drillops.core.errors import InvalidInput
from drillops.scenarios.models import (
    CriticalTask,
    EventAttachment,
    Objective,
    Scenario,
    ScenarioEvent,
    ScenarioVersion,
)
from drillops.scenarios.validation import check_target, normalize_escalations


def _messages(exc: InvalidInput) -> list[str]:
    return [str(m) for messages in exc.errors.values() for m in messages]


class EventForm(forms.ModelForm):
    """The ladder is checked as the API checks it (steps, targets, the escalation's own deadline).
    No Meta: the admin builds the form for its model and fields."""

    def clean_escalations(self) -> Any:
        steps = self.cleaned_data.get("escalations")
        version = self.cleaned_data.get("version") or getattr(self.instance, "version", None)
        if version is None:
            return steps
        try:
            return normalize_escalations(version, steps)
        except InvalidInput as exc:
            raise forms.ValidationError(_messages(exc)) from exc


class CriticalTaskForm(forms.ModelForm):
    def clean_target(self) -> Any:
        target = self.cleaned_data.get("target")
        objective = self.cleaned_data.get("objective") or getattr(self.instance, "objective", None)
        if target is None or objective is None:
            return target
        try:
            return check_target(objective.version, target)
        except InvalidInput as exc:
            raise forms.ValidationError(_messages(exc)) from exc


class VersionInline(admin.TabularInline):
    model = ScenarioVersion
    fields = ("number", "status", "approved_by", "approved_at")
    readonly_fields = ("approved_by", "approved_at")
    extra = 0
    show_change_link = True


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "created_by", "created_at")
    list_filter = ("organisation",)
    search_fields = ("title", "description")
    list_select_related = ("organisation", "created_by")
    inlines = [VersionInline]


class EventInline(admin.StackedInline):
    model = ScenarioEvent
    form = EventForm
    fk_name = "version"
    extra = 0
    show_change_link = True
    filter_horizontal = ("departments",)
    fields = (
        ("sequence", "offset_seconds", "channel"),
        "title",
        "body",
        ("sender", "objective"),
        "departments",
        ("expected_action", "is_decision"),
        ("response_deadline_seconds", "escalations"),
        ("condition_kind", "condition_event", "condition_delay_seconds"),
    )


class ObjectiveInline(admin.TabularInline):
    model = Objective
    fields = ("sequence", "capability", "title", "target")
    extra = 0
    show_change_link = True


@admin.register(ScenarioVersion)
class ScenarioVersionAdmin(admin.ModelAdmin):
    list_display = ("scenario", "number", "status", "approved_by", "approved_at")
    list_filter = ("status", "scenario__organisation")
    search_fields = ("scenario__title", "notes")
    list_select_related = ("scenario", "approved_by")
    # Who made, submitted and approved a version is a record, not a setting.
    readonly_fields = ("created_by", "submitted_by", "submitted_at")
    inlines = [ObjectiveInline, EventInline]


class CriticalTaskInline(admin.TabularInline):
    model = CriticalTask
    form = CriticalTaskForm
    fields = ("sequence", "title", "target")
    extra = 0


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ("title", "capability", "version", "sequence")
    list_filter = ("version__scenario",)
    search_fields = ("title", "capability", "target")
    list_select_related = ("version__scenario",)
    inlines = [CriticalTaskInline]


@admin.register(CriticalTask)
class CriticalTaskAdmin(admin.ModelAdmin):
    form = CriticalTaskForm
    list_display = ("title", "objective", "sequence")
    search_fields = ("title", "objective__title")
    list_select_related = ("objective",)


class AttachmentInline(admin.StackedInline):
    model = EventAttachment
    extra = 0


@admin.register(ScenarioEvent)
class ScenarioEventAdmin(admin.ModelAdmin):
    form = EventForm
    list_display = (
        "sequence",
        "title",
        "version",
        "offset_seconds",
        "channel",
        "sender",
        "response_deadline_seconds",
        "is_decision",
        "condition_kind",
    )
    list_filter = ("channel", "is_decision", "condition_kind", "version__scenario")
    search_fields = ("title", "body", "sender", "expected_action")
    list_select_related = ("version__scenario",)
    filter_horizontal = ("departments",)
    inlines = [AttachmentInline]


@admin.register(EventAttachment)
class EventAttachmentAdmin(admin.ModelAdmin):
    list_display = ("title", "event", "file")
    search_fields = ("title", "content")
    list_select_related = ("event",)
