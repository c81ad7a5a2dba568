"""Versions from the scenario page: submit for review, approve, archive, a new draft, a clone; and
the diff page between two versions. Refusals (a version with problems, approval by its author
where the organisation requires an independent reviewer) come back as a message on the page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from drillops.core.errors import DomainError, InvalidInput
from drillops.departments.models import Department, Role
from drillops.scenarios import services
from drillops.scenarios.diff import VersionDiff, version_diff
from drillops.scenarios.forms import as_clock
from drillops.scenarios.models import (
    TITLE_MAX_LENGTH,
    Channel,
    Objective,
    Scenario,
    ScenarioEvent,
    condition_text,
)
from drillops.scenarios.views import coordinator_scenario, page_context, target_text

MOVES: dict[str, tuple[Any, Any]] = {
    "submit": (services.version_submit, _("Version submitted for review.")),
    "approve": (services.version_approve, _("Version approved: it can be drilled.")),
    "archive": (services.version_archive, _("Version archived.")),
    "new": (services.version_new_draft, _("New draft version made: a copy of the latest one, ready to edit.")),
}


@login_required
@require_POST
def version_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    scenario = coordinator_scenario(request, pk)
    if move not in MOVES:
        raise Http404
    service, done = MOVES[move]
    try:
        service(scenario=scenario, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(done))
    return redirect("scenario_detail", pk=scenario.pk)


class CloneForm(forms.Form):
    version = forms.IntegerField(label=_("Version"), min_value=1, max_value=2_147_483_647)
    title = forms.CharField(label=_("Title of the copy"), max_length=TITLE_MAX_LENGTH, required=False)


@login_required
@require_POST
def scenario_clone(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = coordinator_scenario(request, pk)
    form = CloneForm(request.POST)
    version = None
    if form.is_valid():
        version = scenario.versions.filter(number=form.cleaned_data["version"]).first()
    if version is None:
        messages.error(request, str(_("Choose a version of this scenario to copy.")))
        current = scenario.versions.order_by("-number")[0]
        return render(request, "scenarios/scenario_detail.html", page_context(scenario, current), status=400)
    clone = services.scenario_clone(
        scenario=scenario, by=request.user, version=version, title=form.cleaned_data.get("title") or None
    )
    messages.success(
        request, str(_("Scenario copied from version %(n)d: edit the copy's draft.") % {"n": version.number})
    )
    return redirect("scenario_detail", pk=clone.pk)


# --- the diff page ------------------------------------------------------------------------------


def _names(scenario: Scenario) -> dict[str, str]:
    return {d.code: d.display_name for d in Department.objects.filter(organisation_id=scenario.organisation_id)}


def _step_text(step: dict[str, Any], names: dict[str, str]) -> str:
    target = names.get(step.get("department", ""), step.get("department")) if "department" in step else step.get("role")
    if target == Role.COORDINATOR:
        target = str(_("Coordinator"))
    unless = _("unless resolved") if step.get("unless") == "resolved" else _("unless acknowledged")
    text = f"+{as_clock(step.get('after_seconds', 0))} → {target} ({unless})"
    if step.get("response_deadline_seconds") is not None:
        text += " · " + str(_("escalation deadline")) + " " + as_clock(step["response_deadline_seconds"])
    return text + (f": {step['message']}" if step.get("message") else "")


def _value_text(name: str, value: Any, names: dict[str, str], departments: dict[int, Department]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name == "offset_seconds":
        return f"T+{as_clock(value)}"
    if name == "response_deadline_seconds":
        return as_clock(value)
    if name == "departments":
        return ", ".join(names.get(code, code) for code in value)
    if name == "escalations":
        return "\n".join(f"{i}. {_step_text(step, names)}" for i, step in enumerate(value, start=1))
    if name == "channel":
        return str(Channel(value).label) if value in Channel.values else str(value)
    if name == "is_decision":
        return str(_("yes") if value else _("no"))
    if name == "objective":
        return str(_("Objective %(n)d") % {"n": value})
    if name == "condition":
        return condition_text(value["kind"], value["event"], "", value["delay_seconds"])
    if name == "critical_tasks":
        return "\n".join(
            t["title"] + (f" · {target_text(t['target'], departments)}" if t.get("target") else "") for t in value
        )
    return str(value)


FIELD_LABELS = {
    "condition": _("condition"),
    "critical_tasks": _("critical tasks"),
    "offset_seconds": _("offset"),
    "response_deadline_seconds": _("response deadline"),
}


def _label(name: str) -> str:
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    for model in (ScenarioEvent, Objective):
        found = {f.name: f for f in [*model._meta.fields, *model._meta.many_to_many]}.get(name)
        if found is not None:
            return str(found.verbose_name)
    return name.replace("_", " ")


def _display(diff: VersionDiff, scenario: Scenario) -> dict[str, Any]:
    names = _names(scenario)
    departments = {d.pk: d for d in Department.objects.filter(organisation_id=scenario.organisation_id)}

    def summary(row: dict[str, Any]) -> dict[str, Any]:
        """An added or removed row in one line: when and to whom (an event), or its capability."""
        if "offset_seconds" in row:
            text = f"T+{as_clock(row['offset_seconds'])} · {_value_text('departments', row['departments'], names, {})}"
        else:
            text = row.get("capability", "")
        return {**row, "summary": text}

    def part(data: Any) -> dict[str, Any]:
        return {
            "added": [summary(row) for row in data.added],
            "removed": [summary(row) for row in data.removed],
            "changed": [
                {
                    "sequence": row.sequence,
                    "title": row.title,
                    "fields": [
                        {
                            "label": _label(c.field),
                            "before": _value_text(c.field, c.before, names, departments),
                            "after": _value_text(c.field, c.after, names, departments),
                        }
                        for c in row.changes
                    ],
                }
                for row in data.changed
            ],
            "empty": data.is_empty,
        }

    return {"events": part(diff.events), "objectives": part(diff.objectives)}


def _number(request: HttpRequest, name: str, default: int | None) -> int | None:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput({name: [str(_("A version number."))]})
    return int(raw)


@login_required
@require_GET
def scenario_diff(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = coordinator_scenario(request, pk)
    versions = list(scenario.versions.order_by("-number"))
    latest = versions[0].number
    context: dict[str, Any] = {"scenario": scenario, "versions": versions}
    try:
        source_n = _number(request, "from", max(latest - 1, 1))
        target_n = _number(request, "to", latest)
        by_number = {v.number: v for v in versions}
        if source_n not in by_number or target_n not in by_number:
            raise InvalidInput({"from": [str(_("This scenario has no such version."))]})
    except InvalidInput as exc:
        context["error"] = " ".join(str(m) for msgs in exc.errors.values() for m in msgs)
        return render(request, "scenarios/diff.html", context, status=400)
    source, target = by_number[source_n], by_number[target_n]
    context.update(source=source, target=target, diff=_display(version_diff(source, target), scenario))
    return render(request, "scenarios/diff.html", context)
