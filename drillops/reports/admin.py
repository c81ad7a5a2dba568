"""Admin for after-action records. Every write goes through the reports services (the API and the
questionnaire page), so the admin reads: observations, ratings, findings, the plan, questionnaires,
published versions and the case library."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from drillops.core.admin import ReadOnlyAdmin
from drillops.reports.models import (
    AgreedRating,
    AnswerSet,
    Case,
    CaseStep,
    Finding,
    ImprovementItem,
    Invitation,
    Observation,
    Question,
    QuestionnaireTemplate,
    ReportVersion,
    Survey,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Observation)
class ObservationAdmin(ReadOnlyAdmin):
    list_display = ("drill", "observer", "rating", "flag", "objective", "critical_task", "created_at")
    list_filter = ("rating", "flag", "drill")
    search_fields = ("note", "observer__username", "drill__name")
    list_select_related = ("drill", "observer", "objective", "critical_task")


@admin.register(AgreedRating)
class AgreedRatingAdmin(ReadOnlyAdmin):
    list_display = ("drill", "objective", "critical_task", "rating", "set_by", "updated_at")
    list_filter = ("rating",)
    list_select_related = ("drill", "objective", "critical_task", "set_by")


class ImprovementInline(ReadOnlyInline):
    model = ImprovementItem
    fields = ("title", "owner_department", "due_date", "status")


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "drill", "objective")
    list_filter = ("kind", "drill")
    search_fields = ("title", "analysis")
    list_select_related = ("drill", "objective")
    inlines = [ImprovementInline]


@admin.register(ImprovementItem)
class ImprovementItemAdmin(ReadOnlyAdmin):
    list_display = ("title", "status", "owner_department", "due_date", "reminded_at", "drill", "followed_up_in")
    list_filter = ("status", "organisation", "owner_department")
    search_fields = ("title", "description", "progress_note")
    list_select_related = ("owner_department", "drill", "followed_up_in")
    date_hierarchy = "due_date"


class QuestionInline(ReadOnlyInline):
    model = Question
    fields = ("sequence", "kind", "text", "text_zh")


@admin.register(QuestionnaireTemplate)
class QuestionnaireTemplateAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "organisation", "is_anonymous", "is_default")
    list_filter = ("kind", "is_anonymous", "is_default", "organisation")
    inlines = [QuestionInline]


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ("drill", "template", "phase", "is_anonymous", "created_at")
    list_filter = ("phase", "is_anonymous")
    list_select_related = ("drill", "template")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("survey", "user", "invited_at", "answered_on")
    list_select_related = ("survey__drill", "survey__template", "user")


@admin.register(AnswerSet)
class AnswerSetAdmin(ReadOnlyAdmin):
    # No respondent column in the list: an anonymous set has none, and the list must not tempt.
    list_display = ("survey", "created_on", "anonymous")
    list_select_related = ("survey__drill", "survey__template")


@admin.register(ReportVersion)
class ReportVersionAdmin(ReadOnlyAdmin):
    list_display = ("drill", "number", "published_by", "published_at", "time_zone")
    list_select_related = ("drill", "published_by")


class CaseStepInline(ReadOnlyInline):
    model = CaseStep
    fields = ("sequence", "at", "department", "description")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "organisation", "occurred_on", "resolution_seconds", "satisfaction")
    list_filter = ("kind", "organisation")
    search_fields = ("search_text",)
    inlines = [CaseStepInline]
