"""Admin for scenarios: every write goes through the scenarios services, so an approved or archived
version cannot change here either (its pages are read-only, and the services and the database
refuse). New rows go into the scenario's current draft; versions move by the actions."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from drillops.core.admin import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline, act_on_each
from drillops.core.errors import InvalidInput
from drillops.scenarios import services
from drillops.scenarios.models import (
    CriticalTask,
    EventAttachment,
    Objective,
    Scenario,
    ScenarioEvent,
    ScenarioVersion,
    VersionStatus,
)
from drillops.scenarios.selectors import latest_version

EDITABLE = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)


def _changed(form: forms.ModelForm, names: Any) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in names}


def _current_draft(version: ScenarioVersion) -> Scenario:
    """Services add rows to the scenario's current editable version; the form must have named it."""
    current = latest_version(version.scenario)
    if current is None or current.pk != version.pk or not version.is_editable:
        raise InvalidInput({"version": [str(_("New rows go into the scenario's current draft version."))]})
    return version.scenario


class VersionContentAdmin(AuditedAdmin):
    """Rows of a version: editable (through the services) only while the version is."""

    through_services = True
    version_path = "version"

    def _version(self, obj: Any) -> ScenarioVersion:
        for name in self.version_path.split("__"):
            obj = getattr(obj, name)
        return obj

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._version(obj).is_editable)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self._version(obj).is_editable)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        parent = self.version_path.split("__")[0]
        return (parent,) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        parent = self.version_path.split("__")[0]
        if db_field.name == parent and field is not None and field.queryset is not None:
            prefix = "" if parent == "version" else "version__"
            field.queryset = field.queryset.filter(**{f"{prefix}status__in": EDITABLE})
        return field


class VersionInline(ReadOnlyInline):
    model = ScenarioVersion
    fields = ("number", "status", "approved_by", "approved_at")


@admin.register(Scenario)
class ScenarioAdmin(AuditedAdmin):
    org_path = "organisation"
    through_services = True
    list_display = ("title", "organisation", "created_by", "created_at")
    list_filter = ("organisation",)
    search_fields = ("title", "description")
    list_select_related = ("organisation", "created_by")
    inlines = [VersionInline]
    actions = ["new_draft", "submit", "approve", "archive"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("organisation", "title", "description", *(("created_by",) if obj else ()))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("organisation", "created_by") if obj is not None else ()

    def save_through_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Scenario:
        data = form.cleaned_data
        if change:
            return services.scenario_update(scenario=obj, by=request.user, **_changed(form, ("title", "description")))
        return services.scenario_create(
            organisation=data["organisation"], by=request.user, title=data["title"], description=data["description"]
        )

    def delete_through_service(self, request: HttpRequest, obj: Any) -> None:
        services.scenario_delete(scenario=obj, by=request.user)

    def _move(self, request: HttpRequest, queryset: QuerySet[Scenario], label: Any, service: Any) -> None:
        act_on_each(self, request, queryset, str(label), lambda s: service(scenario=s, by=request.user))

    @admin.action(description=_("Make a new draft version of the selected scenarios"))
    def new_draft(self, request: HttpRequest, queryset: QuerySet[Scenario]) -> None:
        self._move(request, queryset, _("New draft"), services.version_new_draft)

    @admin.action(description=_("Submit the current version for review"))
    def submit(self, request: HttpRequest, queryset: QuerySet[Scenario]) -> None:
        self._move(request, queryset, _("Submitted"), services.version_submit)

    @admin.action(description=_("Approve the current version"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Scenario]) -> None:
        self._move(request, queryset, _("Approved"), services.version_approve)

    @admin.action(description=_("Archive the current version"))
    def archive(self, request: HttpRequest, queryset: QuerySet[Scenario]) -> None:
        self._move(request, queryset, _("Archived"), services.version_archive)


class EventInline(ReadOnlyInline):
    model = ScenarioEvent
    fk_name = "version"
    fields = ("sequence", "offset_seconds", "title", "channel", "response_deadline_seconds", "condition_kind")


class ObjectiveInline(ReadOnlyInline):
    model = Objective
    fields = ("sequence", "capability", "title", "target")


@admin.register(ScenarioVersion)
class ScenarioVersionAdmin(AuditedAdmin):
    """Status moves by the scenario's actions; only a draft's (or in-review) notes are edited here."""

    org_path = "scenario__organisation"
    through_services = True
    list_display = ("scenario", "number", "status", "approved_by", "approved_at")
    list_filter = ("status", "scenario__organisation")
    search_fields = ("scenario__title", "notes")
    list_select_related = ("scenario", "approved_by")
    fields = (
        "scenario", "number", "status", "notes", "created_by", "submitted_by", "submitted_at", "approved_by",
        "approved_at",
    )  # fmt: skip
    inlines = [ObjectiveInline, EventInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Who made, submitted and approved a version is a record, not a setting.
        fixed = ("scenario", "number", "status", "created_by", "submitted_by", "submitted_at", "approved_by",
                 "approved_at")  # fmt: skip
        return fixed if obj is not None and obj.is_editable else (*fixed, "notes")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions are made by scenario_create and the "new draft" action

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.is_editable)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_through_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> ScenarioVersion:
        _current_draft(obj)
        return services.version_update(scenario=obj.scenario, by=request.user, notes=form.cleaned_data["notes"])


def _task_list(objective: Objective) -> list[Any]:
    """The objective's critical tasks as objective_update takes them: a title, or {title, target}."""
    tasks = objective.critical_tasks.order_by("sequence", "id")
    return [t.title if t.target is None else {"title": t.title, "target": t.target} for t in tasks]


class ObjectiveForm(forms.ModelForm):
    critical_tasks = forms.JSONField(
        label=_("Critical tasks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_('A list: each task a title, or {"title", "target"} with a structured target.'),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["critical_tasks"].initial = _task_list(self.instance)

    def tasks(self) -> list[Any]:
        return self.cleaned_data.get("critical_tasks") or []


@admin.register(Objective)
class ObjectiveAdmin(VersionContentAdmin):
    org_path = "version__scenario__organisation"
    form = ObjectiveForm
    fields = ("version", "sequence", "capability", "title", "target", "critical_tasks")
    list_display = ("title", "capability", "version", "sequence")
    list_filter = ("version__scenario",)
    search_fields = ("title", "capability", "target")
    list_select_related = ("version__scenario",)

    @admin.display(description=_("Critical tasks"))
    def critical_tasks(self, obj: Objective) -> str:
        """Shown when the version is read-only; the form's field of the same name edits them."""
        return json.dumps(_task_list(obj), ensure_ascii=False)

    def save_through_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Objective:
        fields = ("capability", "title", "target", "sequence")
        if change:
            tasks = form.tasks() if "critical_tasks" in form.changed_data else None
            return services.objective_update(
                objective=obj, by=request.user, critical_tasks=tasks, **_changed(form, fields)
            )
        data = form.cleaned_data
        return services.objective_create(
            scenario=_current_draft(data["version"]),
            by=request.user,
            critical_tasks=form.tasks(),
            **{name: data[name] for name in fields},
        )

    def delete_through_service(self, request: HttpRequest, obj: Any) -> None:
        services.objective_delete(objective=obj, by=request.user)


@admin.register(CriticalTask)
class CriticalTaskAdmin(ReadOnlyAdmin):
    """Critical tasks (with their targets) are edited in their objective's form (objective_update)."""

    org_path = "objective__version__scenario__organisation"
    list_display = ("title", "objective", "sequence", "target")
    search_fields = ("title", "objective__title")
    list_select_related = ("objective",)


class AttachmentInline(ReadOnlyInline):
    model = EventAttachment
    fields = ("title", "file")


# The event's form fields as the services name them; the condition is three columns in one.
EVENT_FIELDS = sorted(services.EVENT_FIELDS - {"condition"})
CONDITION_FIELDS = ("condition_kind", "condition_event", "condition_delay_seconds")


def _event_changes(form: Any, names: Any) -> dict[str, Any]:
    data = form.cleaned_data
    changes = {name: data[name] for name in names if name in EVENT_FIELDS}
    if "departments" in changes:
        changes["departments"] = list(changes["departments"])
    if any(name in names for name in CONDITION_FIELDS):
        kind, event = data.get("condition_kind"), data.get("condition_event")
        changes["condition"] = (
            {"kind": kind, "event": event.pk if event else None, "delay_seconds": data["condition_delay_seconds"]}
            if kind
            else None
        )
    return changes


@admin.register(ScenarioEvent)
class ScenarioEventAdmin(VersionContentAdmin):
    org_path = "version__scenario__organisation"
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
    fields = (
        "version",
        ("sequence", "offset_seconds", "channel"),
        "title",
        "body",
        ("sender", "objective"),
        "departments",
        ("expected_action", "is_decision"),
        ("response_deadline_seconds", "escalations"),
        CONDITION_FIELDS,
    )
    inlines = [AttachmentInline]

    def save_through_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> ScenarioEvent:
        if change:
            return services.event_update(event=obj, by=request.user, **_event_changes(form, form.changed_data))
        scenario = _current_draft(form.cleaned_data["version"])
        changes = _event_changes(form, [*EVENT_FIELDS, *CONDITION_FIELDS])
        return services.event_create(scenario=scenario, by=request.user, **changes)

    def delete_through_service(self, request: HttpRequest, obj: Any) -> None:
        services.event_delete(event=obj, by=request.user)


@admin.register(EventAttachment)
class EventAttachmentAdmin(VersionContentAdmin):
    org_path = "event__version__scenario__organisation"
    version_path = "event__version"
    fields = ("event", "title", "content", "file")
    list_display = ("title", "event", "file")
    search_fields = ("title", "content")
    list_select_related = ("event",)

    def save_through_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> EventAttachment:
        data = form.cleaned_data
        file = data["file"] or ""  # False is "clear", None is "keep"
        if change:
            changes = _changed(form, ("title", "content"))
            if "file" in form.changed_data:
                changes["file"] = file
            return services.attachment_update(attachment=obj, by=request.user, **changes)
        return services.attachment_create(
            event=data["event"], by=request.user, title=data["title"], content=data["content"], file=file
        )

    def delete_through_service(self, request: HttpRequest, obj: Any) -> None:
        services.attachment_delete(attachment=obj, by=request.user)
