"""Display helpers of the after-action pages: figures in words, relative changes, and the form
that accepts a proposed finding with edits."""

from __future__ import annotations

from typing import Any

from django import template

from drillops.reports.formatting import duration_text, figure_text
from drillops.reports.forms_proposals import ProposalAcceptForm
from drillops.reports.selectors import open_items_for_drill

register = template.Library()


@register.filter
def figure(value: float | None, unit: str) -> str:
    """A figure in its unit: seconds as a duration, a share as per cent, a count as is."""
    return figure_text(value, unit)


@register.filter
def duration(seconds: float | None) -> str:
    return duration_text(seconds)


@register.filter
def change(value: float | None) -> str:
    """A relative change: -0.3 -> "−30 %", 0.15 -> "+15 %"."""
    if value is None:
        return "—"
    shown = f"{abs(value) * 100:.0f} %"
    return ("+" if value > 0 else "−" if value < 0 else "±") + shown


@register.inclusion_tag("reports/_proposal_form.html", takes_context=True)
def proposal_edit_form(context: Any, proposal: Any) -> dict[str, Any]:
    """The "edit and accept" form of a proposal: the bound form with its errors when the last post
    of this proposal was refused, else a fresh one."""
    failed = context.get("failed_forms") or {}
    form = failed.get(proposal.pk) or ProposalAcceptForm(proposal=proposal)
    return {"proposal": proposal, "form": form, "drill": proposal.drill, "csrf_token": context.get("csrf_token")}


@register.simple_tag
def open_items_of(drill: Any) -> list[Any]:
    """The improvement items this drill re-tests (the organisation's open items from earlier
    drills), for its console: the selector the next comparable drill verifies them with."""
    return list(open_items_for_drill(drill)[:20])
