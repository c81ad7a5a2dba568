"""Proposed findings in the browser (coordinators of the drill's organisation; anyone else 404):
the list as a fragment (templates/reports/_proposals.html, which the report page includes with
`drill` and `proposals = selectors.proposals_of(drill)`), and accept / edit and accept / drop /
propose again. With htmx each answers the fresh fragment; without, a redirect back."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from drillops.core.errors import DomainError, InvalidInput
from drillops.departments.models import Role
from drillops.reports import services
from drillops.reports.forms_proposals import ProposalAcceptForm
from drillops.reports.models import FindingProposal
from drillops.reports.selectors import proposals_of
from drillops.timelines.models import Drill
from drillops.timelines.views import get_drill_for


def _coordinated_drill(request: HttpRequest, pk: int) -> Drill:
    drill, role = get_drill_for(request.user, pk)
    if role != Role.COORDINATOR:
        raise Http404
    timezone.activate(drill.organisation.tz)
    return drill


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _fragment(request: HttpRequest, drill: Drill, status: int = 200, **extra: Any) -> HttpResponse:
    context = {"drill": drill, "proposals": proposals_of(drill), **extra}
    return render(request, "reports/_proposals.html", context, status=status)


def _back(request: HttpRequest, drill: Drill) -> HttpResponse:
    """Where a plain form post returns: the page it came from (the report), else the proposals page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(reverse("drill_proposals", args=[drill.pk]))


def _done(request: HttpRequest, drill: Drill, message: Any) -> HttpResponse:
    if _is_htmx(request):
        return _fragment(request, drill)
    messages.success(request, message)
    return _back(request, drill)


def _refused(request: HttpRequest, drill: Drill, problem: str, **extra: Any) -> HttpResponse:
    """400 for bad input, 409 for a rule; the fragment (or its page) again, the problem named."""
    status = 400 if extra else 409
    if _is_htmx(request):
        return _fragment(request, drill, status=status, problem=problem, **extra)
    context = {"drill": drill, "proposals": proposals_of(drill), "problem": problem, **extra}
    return render(request, "reports/proposals.html", context, status=status)


@login_required
@require_GET
def drill_proposals(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _coordinated_drill(request, pk)
    if _is_htmx(request):
        return _fragment(request, drill)
    return render(request, "reports/proposals.html", {"drill": drill, "proposals": proposals_of(drill)})


@login_required
@require_POST
def proposals_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _coordinated_drill(request, pk)
    services.proposals_refresh(drill=drill, by=request.user)
    return _done(request, drill, _("Findings proposed again from the metrics."))


def _proposal(drill: Drill, proposal_pk: int) -> FindingProposal:
    return get_object_or_404(FindingProposal.objects.select_related("drill"), drill=drill, pk=proposal_pk)


@login_required
@require_POST
def proposal_accept(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    """As proposed (a bare post), or with the edit form's fields (`edit` in the post)."""
    drill = _coordinated_drill(request, pk)
    proposal = _proposal(drill, proposal_pk)
    edits: dict[str, Any] = {}
    if "edit" in request.POST:
        form = ProposalAcceptForm(request.POST, proposal=proposal)
        if not form.is_valid():
            return _refused(request, drill, str(_("Check the fields below.")), failed_forms={proposal.pk: form})
        edits = form.service_kwargs()
    try:
        services.proposal_accept(proposal=proposal, by=request.user, **edits)
    except InvalidInput as exc:
        return _refused(request, drill, _flatten(exc.errors), failed_forms={})
    except DomainError as exc:
        return _refused(request, drill, exc.message)
    return _done(request, drill, _("Accepted: the finding is in the report."))


@login_required
@require_POST
def proposal_drop(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    drill = _coordinated_drill(request, pk)
    try:
        services.proposal_drop(proposal=_proposal(drill, proposal_pk), by=request.user)
    except DomainError as exc:
        return _refused(request, drill, exc.message)
    return _done(request, drill, _("Dropped."))


def _flatten(errors: Any) -> str:
    if isinstance(errors, dict):
        return "; ".join(f"{key}: {_flatten(value)}" for key, value in errors.items())
    if isinstance(errors, list | tuple):
        return " ".join(_flatten(e) for e in errors)
    return str(errors)
