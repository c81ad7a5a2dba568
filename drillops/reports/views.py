"""Observers write their ratings and observations from the drill console."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from drillops.core.errors import DomainError, InvalidInput
from drillops.departments.models import Role
from drillops.reports import services
from drillops.reports.forms import ObservationForm
from drillops.timelines.views import get_drill_for


@login_required
@require_POST
def observation_create(request: HttpRequest, pk: int) -> HttpResponse:
    drill, role = get_drill_for(request.user, pk)
    if role != Role.OBSERVER:
        messages.error(request, _("Only the drill's observers record observations here."))
        return redirect("drill_console", pk=drill.pk)
    form = ObservationForm(request.POST, drill=drill)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(str(m) for m in e) for e in form.errors.values()))
        return redirect("drill_console", pk=drill.pk)
    try:
        services.observation_create(drill=drill, by=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    except InvalidInput as exc:
        messages.error(request, "; ".join(" ".join(str(m) for m in v) for v in exc.errors.values()))
    else:
        messages.success(request, _("Observation saved."))
    return redirect("drill_console", pk=drill.pk)
