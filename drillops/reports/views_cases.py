"""The case library in the browser (coordinators; anyone else 404): the list with its search (a
substring in any script: 投诉 and 舆情 find every case that holds them), a new case (also from a
finished drill: "Add to case library", ?drill=<id>), and one case's page, which edits it and its
timestamped steps. Every write goes through reports.services.cases."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from drillops.core.errors import InvalidInput
from drillops.departments.models import Department, Role
from drillops.departments.selectors import has_any_role, organisations_visible_to
from drillops.reports import services
from drillops.reports.forms_cases import CaseForm, StepFormSet, steps_of
from drillops.reports.models import Case, CaseKind
from drillops.reports.selectors import cases_visible_to, drills_for_library, first_event_resolution, search_cases

LIST_LIMIT = 200


def _coordinator(request: HttpRequest) -> None:
    if not has_any_role(request.user, Role.COORDINATOR):
        raise Http404


@login_required
@require_http_methods(["GET"])
def case_list(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    query = request.GET.get("q", "")[:200]
    cases = search_cases(cases_visible_to(request.user), query)
    context = {"cases": cases[:LIST_LIMIT], "q": query, "count": cases.count(), "drills": _drills(request)[:20]}
    return render(request, "reports/case_list.html", context)


def _drills(request: HttpRequest) -> Any:
    """Finished drills not yet in the library, to add."""
    return drills_for_library(request.user).filter(cases__isnull=True)


def _forms(request: HttpRequest, case: Case | None, initial: dict[str, Any]) -> tuple[CaseForm, Any]:
    organisations = organisations_visible_to(request.user, Role.COORDINATOR).order_by("name")
    drills = drills_for_library(request.user)
    data = request.POST if request.method == "POST" else None
    form = CaseForm(data, organisations=organisations, drills=drills, initial=initial)
    organisation_ids = [case.organisation_id] if case else list(organisations.values_list("pk", flat=True))
    departments = Department.objects.filter(organisation_id__in=organisation_ids).order_by("code")
    steps_initial = [
        {"at": timezone.localtime(s.at), "department": s.department_id, "description": s.description}
        for s in (case.steps.all() if case else [])
    ]
    steps = StepFormSet(data, prefix="steps", initial=steps_initial, form_kwargs={"departments": departments})
    return form, steps


def _initial_from_drill(request: HttpRequest) -> dict[str, Any]:
    """ "Add to case library": what a finished drill brings to its case."""
    value = request.GET.get("drill", "")
    drill = drills_for_library(request.user).filter(pk=int(value)).first() if value.isdigit() else None
    if drill is None:
        return {"kind": CaseKind.INCIDENT}
    resolution = first_event_resolution(drill)
    return {
        "organisation": drill.organisation_id, "kind": CaseKind.DRILL, "drill": drill.pk, "title": drill.name,
        "summary": drill.scenario_version.scenario.description,
        "occurred_on": timezone.localtime(drill.ended_at, drill.organisation.tz).date() if drill.ended_at else None,
        "resolution_seconds": round(resolution) if resolution is not None else None, "first_event": resolution,
    }  # fmt: skip


def _save(request: HttpRequest, form: CaseForm, steps: Any, case: Case | None) -> Case | None:
    """The case created or changed, or None with the refusal put on the form."""
    if not (form.is_valid() and steps.is_valid()):
        return None
    organisation = form.cleaned_data["organisation"]
    try:
        if case is None:
            return services.case_create(
                organisation=organisation, by=request.user, steps=steps_of(steps, organisation.tz),
                **form.case_fields(),
            )  # fmt: skip
        return services.case_update(
            case=case, by=request.user, steps=steps_of(steps, organisation.tz), **form.case_fields()
        )
    except InvalidInput as exc:
        for field, problems in exc.errors.items():
            text = problems if isinstance(problems, list) else [str(problems)]
            form.add_error(field if field in form.fields else None, [str(p) for p in text])
        return None


def _page(request: HttpRequest, form: CaseForm, steps: Any, case: Case | None, **extra: Any) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    return render(
        request, "reports/case_form.html", {"form": form, "steps": steps, "case": case, **extra}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    initial = _initial_from_drill(request)
    organisation = organisations_visible_to(request.user, Role.COORDINATOR).order_by("name").first()
    if organisation is not None:
        timezone.activate(organisation.tz)
    form, steps = _forms(request, None, initial)
    if request.method == "POST":
        made = _save(request, form, steps, None)
        if made is not None:
            messages.success(request, _("Case added to the library."))
            return redirect("case_detail", pk=made.pk)
    return _page(request, form, steps, None, first_event=initial.get("first_event"))


def _case(request: HttpRequest, pk: int) -> Case:
    _coordinator(request)
    case = get_object_or_404(cases_visible_to(request.user).select_related("organisation"), pk=pk)
    timezone.activate(case.organisation.tz)
    return case


@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    initial = {
        "organisation": case.organisation_id, "kind": case.kind, "drill": case.drill_id, "title": case.title,
        "summary": case.summary, "occurred_on": case.occurred_on, "resolution_seconds": case.resolution_seconds,
        "resolution_change": _percent(case.resolution_change), "satisfaction": case.satisfaction,
        "satisfaction_kind": case.satisfaction_kind, "satisfaction_change": _percent(case.satisfaction_change),
        "tags": ", ".join(case.tags),
    }  # fmt: skip
    form, steps = _forms(request, case, initial)
    if request.method == "POST" and _save(request, form, steps, case) is not None:
        messages.success(request, _("Case saved."))
        return redirect("case_detail", pk=case.pk)
    return _page(request, form, steps, case)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 4)


@login_required
@require_POST
def case_delete(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    services.case_delete(case=case, by=request.user)
    messages.success(request, _("Case deleted."))
    return redirect("case_list")


@login_required
@require_POST
def case_scenario(request: HttpRequest, pk: int) -> HttpResponse:
    """A new scenario from the case's steps (reports.services.case_to_scenario), opened in the editor."""
    case = _case(request, pk)
    value = request.POST.get("default_department", "")
    department = Department.objects.filter(organisation_id=case.organisation_id, pk=int(value)).first() if (
        value.isdigit()) else None  # fmt: skip
    try:
        scenario = services.case_to_scenario(case=case, by=request.user, default_department=department)
    except InvalidInput as exc:
        form, steps = _forms(request, case, {})
        problem = " ".join(str(m) for messages in exc.errors.values() for m in messages)
        return render(request, "reports/case_form.html", {"form": form, "steps": steps, "case": case,
                                                          "scenario_problem": problem}, status=400)  # fmt: skip
    messages.success(request, _("A draft scenario was made from the case's steps."))
    return redirect("scenario_detail", pk=scenario.pk)
