"""Display helpers of the after-action pages: figures in words, relative changes, and the form
that accepts a proposed finding with edits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from drillops.reports.charts.report import department_label
from drillops.reports.formatting import duration_text, figure_text
from drillops.reports.forms_proposals import ProposalAcceptForm
from drillops.reports.models import ImprovementStatus, ObservationFlag
from drillops.reports.selectors import can_read_report, open_items_for_drill
from drillops.timelines.models import DrillState

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


@register.filter
def instant(value: str | None) -> str:
    """An ISO time of the report's JSON in the active (the organisation's) time zone."""
    if not value:
        return "—"
    return localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M:%S")


@register.filter
def real(value: dict[str, Any] | None) -> str:
    """A duration of the report's JSON ({"real", "scenario"}) in real time, in words."""
    return duration_text(None if value is None else value.get("real"))


@register.filter
def scenario_time(value: dict[str, Any] | None) -> str:
    return duration_text(None if value is None else value.get("scenario"))


@register.filter
def department(value: dict[str, Any] | None) -> str:
    return department_label(value)


@register.filter
def share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


@register.filter
def zh_or(value: dict[str, Any], key: str) -> Any:
    """value[key + "_zh"] in Chinese when it has one, else value[key]."""
    if (get_language() or "").lower().startswith("zh") and value.get(f"{key}_zh"):
        return value[f"{key}_zh"]
    return value.get(key)


@register.simple_tag(takes_context=True)
def report_link(context: Any, drill: Any, css: str = "") -> str:
    """A link to the drill's report for a reader who may read it (coordinators once the drill has
    started; its roster once a version is published); nothing for anyone else."""
    request = context.get("request")
    if request is None or drill.started_at is None or not can_read_report(request.user, drill):
        return ""
    url = reverse("drill_report", args=[drill.pk])
    return format_html('<a href="{}" class="{}" data-report-link>{}</a>', url, css, _("After-action report"))


@register.filter
def get_flags(flags: dict[int, list[str]], entry_id: int) -> list[str]:
    return flags.get(entry_id, [])


CHOICES: dict[str, Any] = {"flag": ObservationFlag, "state": DrillState, "status": ImprovementStatus}


@register.filter
def label(value: str | None, kind: str) -> str:
    """A stored choice of the report's JSON (a flag, a drill state, an item's status) in words."""
    try:
        return str(CHOICES[kind](value).label)
    except (KeyError, ValueError):
        return str(value or "—")


@register.simple_tag
def open_items_of(drill: Any) -> list[Any]:
    """The improvement items this drill re-tests (the organisation's open items from earlier
    drills), for its console: the selector the next comparable drill verifies them with."""
    return list(open_items_for_drill(drill)[:20])
