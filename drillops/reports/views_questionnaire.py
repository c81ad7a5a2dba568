"""The questionnaire page of a drill (/drills/<id>/questionnaire/): a plain form that works on a
phone, reached from the in-app notice and the e-mail sent when the drill ends."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from drillops.core.api.fastpath import ID
from drillops.core.errors import DomainError, InvalidInput
from drillops.reports import services
from drillops.reports.models import Survey
from drillops.reports.questionnaire_forms import QuestionnaireForm
from drillops.reports.selectors import answered_surveys, open_invitations
from drillops.timelines.views import get_drill_for


def _page(request: HttpRequest, drill: Any, bound: QuestionnaireForm | None = None, status: int = 200) -> HttpResponse:
    timezone.activate(drill.organisation.tz)
    forms = [
        bound if bound and bound.survey.pk == s.pk else QuestionnaireForm(survey=s)
        for s in open_invitations(request.user, drill)
    ]
    context = {"drill": drill, "forms": forms, "answered": answered_surveys(request.user, drill)}
    return render(request, "reports/questionnaire.html", context, status=status)


def _messages(errors: Any) -> list[str]:
    """The messages of a service's field errors, however nested."""
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in _messages(value)]
    if isinstance(errors, list):
        return [m for value in errors for m in _messages(value)]
    return [str(errors)]


def _submit(request: HttpRequest, drill: Any) -> HttpResponse:
    survey_id = request.POST.get("survey", "")
    survey = Survey.objects.filter(drill=drill, pk=int(survey_id)).first() if ID.fullmatch(survey_id) else None
    if survey is None:
        messages.error(request, _("There is no such questionnaire in this drill."))
        return redirect("questionnaire_answer", pk=drill.pk)
    form = QuestionnaireForm(request.POST, survey=survey)
    if not form.is_valid():
        return _page(request, drill, bound=form, status=400)
    try:
        services.questionnaire_answer(survey=survey, user=request.user, answers=form.answers())
    except DomainError as exc:
        messages.error(request, exc.message)
    except InvalidInput as exc:
        messages.error(request, "; ".join(_messages(exc.errors)))
    else:
        messages.success(request, _("Thank you: your answers are saved."))
    return redirect("questionnaire_answer", pk=drill.pk)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def questionnaire_answer(request: HttpRequest, pk: int) -> HttpResponse:
    drill, _role = get_drill_for(request.user, pk)
    if request.method == "POST":
        return _submit(request, drill)
    return _page(request, drill)
