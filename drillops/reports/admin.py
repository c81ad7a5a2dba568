"""Admin for after-action records. Every write goes through the reports services (the API and the
questionnaire page: they check what the admin's forms cannot, such as a target's shape or a
finding's evidence), so the admin reads, scoped to the administrator's organisations. Who answered
a questionnaire and what was answered are not shown here: the results are in the report."""

from __future__ import annotations

from django.contrib import admin

from drillops.core.admin import ReadOnlyAdmin, ReadOnlyInline
from drillops.reports.models import (
    AgreedRating,
    Case,
    CaseStep,
    Finding,
    FindingProposal,
    ImprovementItem,
    ItemVerification,
    Observation,
    Question,
    QuestionnaireTemplate,
    ReportVersion,
    Survey,
)


@admin.register(Observation)
class ObservationAdmin(ReadOnlyAdmin):
    org_path = "drill__organisation"
    list_display = ("drill", "observer", "rating", "flag", "objective", "critical_task", "created_at")
    list_filter = ("rating", "flag", "drill")
    search_fields = ("note", "observer__username", "drill__name")
    list_select_related = ("drill", "observer", "objective", "critical_task")


@admin.register(AgreedRating)
class AgreedRatingAdmin(ReadOnlyAdmin):
    org_path = "drill__organisation"
    list_display = ("drill", "objective", "critical_task", "rating", "set_by", "updated_at")
    list_filter = ("rating",)
    list_select_related = ("drill", "objective", "critical_task", "set_by")


class ImprovementInline(ReadOnlyInline):
    model = ImprovementItem
    fields = ("title", "owner_department", "due_date", "status")


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    org_path = "drill__organisation"
    list_display = ("title", "kind", "drill", "objective")
    list_filter = ("kind", "drill")
    search_fields = ("title", "analysis")
    list_select_related = ("drill", "objective")
    inlines = [ImprovementInline]


class VerificationInline(ReadOnlyInline):
    model = ItemVerification
    fields = ("drill", "figure", "baseline", "met", "comparable", "reason")
    show_change_link = False


@admin.register(ImprovementItem)
class ImprovementItemAdmin(ReadOnlyAdmin):
    org_path = "organisation"
    list_display = ("title", "status", "owner_department", "due_date", "reminded_at", "drill", "verified_in")
    list_filter = ("status", "organisation", "owner_department")
    search_fields = ("title", "description", "progress_note")
    list_select_related = ("owner_department", "drill", "verified_in")
    date_hierarchy = "due_date"
    inlines = [VerificationInline]


@admin.register(FindingProposal)
class FindingProposalAdmin(ReadOnlyAdmin):
    org_path = "drill__organisation"
    list_display = ("drill", "key", "rule", "kind", "state", "figure", "decided_by", "decided_at")
    list_filter = ("state", "rule", "kind")
    list_select_related = ("drill", "decided_by")


class QuestionInline(ReadOnlyInline):
    model = Question
    fields = ("sequence", "kind", "text", "text_zh")
    show_change_link = False


@admin.register(QuestionnaireTemplate)
class QuestionnaireTemplateAdmin(ReadOnlyAdmin):
    org_path = "organisation"
    list_display = ("title", "kind", "organisation", "is_anonymous", "is_default")
    list_filter = ("kind", "is_anonymous", "is_default", "organisation")
    inlines = [QuestionInline]


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    org_path = "drill__organisation"
    list_display = ("drill", "template", "phase", "is_anonymous", "created_at")
    list_filter = ("phase", "is_anonymous")
    list_select_related = ("drill", "template")


@admin.register(ReportVersion)
class ReportVersionAdmin(ReadOnlyAdmin):
    org_path = "drill__organisation"
    list_display = ("drill", "number", "published_by", "published_at", "time_zone")
    list_select_related = ("drill", "published_by")


class CaseStepInline(ReadOnlyInline):
    model = CaseStep
    fields = ("sequence", "at", "department", "description")
    show_change_link = False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    org_path = "organisation"
    list_display = ("title", "kind", "organisation", "occurred_on", "resolution_seconds", "satisfaction")
    list_filter = ("kind", "organisation")
    search_fields = ("search_text",)
    inlines = [CaseStepInline]
