"""The case library: coordinators record past drills and real incidents, with their resolution
time, customer satisfaction, tags and timestamped steps; a case's steps can start a scenario."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from drillops.core.audit import record
from drillops.core.errors import InvalidInput
from drillops.departments.models import Department, Organisation
from drillops.reports.models import SATISFACTION_RANGE, TAG_MAX_LENGTH, Case, CaseKind, CaseStep
from drillops.reports.services.common import clean_text, clean_title, same_organisation
from drillops.scenarios import services as scenario_services
from drillops.scenarios.models import TITLE_MAX_LENGTH, Scenario
from drillops.timelines.models import Drill

MAX_TAGS = 20
MAX_STEPS = 200
CASE_FIELDS = frozenset(
    {"kind", "drill", "title", "summary", "occurred_on", "resolution_seconds", "resolution_change"}
    | {"satisfaction", "satisfaction_kind", "satisfaction_change", "tags", "steps"}
)


def _clean_tags(tags: Any) -> list[str]:
    if not isinstance(tags, list | tuple) or len(tags) > MAX_TAGS:
        raise InvalidInput({"tags": [str(_("Give at most %(n)d tags.") % {"n": MAX_TAGS})]})
    cleaned: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip() or len(tag.strip()) > TAG_MAX_LENGTH:
            raise InvalidInput({"tags": [str(_("A tag is 1 to %(n)d characters.") % {"n": TAG_MAX_LENGTH})]})
        if tag.strip() not in cleaned:
            cleaned.append(tag.strip())
    return cleaned


def _clean_change(value: Any, field: str) -> float | None:
    """A relative change, e.g. -0.3 for 30 % less; more than tenfold either way is a typing error."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput({field: [str(_("A number, e.g. -0.3 for thirty per cent less."))]})
    if not -1 <= value <= 10:
        raise InvalidInput({field: [str(_("Between -1 (all gone) and 10 (eleven times as much)."))]})
    return float(value)


def _check_satisfaction(case: Case) -> None:
    if case.satisfaction is None:
        case.satisfaction_kind = case.satisfaction_kind or ""
        return
    bounds = SATISFACTION_RANGE.get(case.satisfaction_kind)
    if bounds is None:
        raise InvalidInput({"satisfaction_kind": [str(_("Say whether it is a share (0 to 1) or a score (1 to 5)."))]})
    if not math.isfinite(case.satisfaction) or not bounds[0] <= case.satisfaction <= bounds[1]:
        raise InvalidInput(
            {"satisfaction": [str(_("Between %(low)s and %(high)s.") % {"low": bounds[0], "high": bounds[1]})]}
        )


def _check_case(case: Case) -> None:
    if case.kind not in CaseKind.values:
        raise InvalidInput({"kind": [str(_("Use drill or incident."))]})
    case.title = clean_title(case.title)
    case.summary = clean_text(case.summary, "summary", required=False)
    same_organisation(case.organisation_id, drill=case.drill)
    if (case.kind == CaseKind.DRILL) != (case.drill is not None):
        raise InvalidInput({"drill": [str(_("A past drill's case names its drill; a real incident's does not."))]})
    case.tags = _clean_tags(case.tags)
    case.resolution_change = _clean_change(case.resolution_change, "resolution_change")
    case.satisfaction_change = _clean_change(case.satisfaction_change, "satisfaction_change")
    _check_satisfaction(case)


def _clean_steps(case: Case, steps: Any) -> list[CaseStep]:
    if not isinstance(steps, list | tuple) or len(steps) > MAX_STEPS:
        raise InvalidInput({"steps": [str(_("Give at most %(n)d steps.") % {"n": MAX_STEPS})]})
    cleaned = []
    for number, step in enumerate(steps, start=1):
        at, department = step.get("at") if isinstance(step, dict) else None, None
        if isinstance(step, dict):
            department = step.get("department")
        if not isinstance(at, datetime) or (department is not None and not isinstance(department, Department)):
            raise InvalidInput(
                {"steps": {str(number - 1): [str(_("A step has a time, a text and maybe a department."))]}}
            )
        same_organisation(case.organisation_id, steps=department)
        description = clean_text(step.get("description"), "steps")
        cleaned.append(CaseStep(case=case, sequence=number, at=at, department=department, description=description))
    return cleaned


def _save(case: Case, steps: list[CaseStep] | None) -> None:
    current = steps if steps is not None else list(case.steps.all()) if case.pk else []
    case.search_text = "\n".join([case.title, case.summary, *case.tags, *(s.description for s in current)])
    case.save()
    if steps is not None:
        case.steps.all().delete()
        CaseStep.objects.bulk_create(steps)


@transaction.atomic
def case_create(
    *,
    organisation: Organisation,
    by: Any,
    kind: str,
    title: str,
    summary: str = "",
    drill: Drill | None = None,
    occurred_on: date | None = None,
    resolution_seconds: int | None = None,
    resolution_change: float | None = None,
    satisfaction: float | None = None,
    satisfaction_kind: str = "",
    satisfaction_change: float | None = None,
    tags: list[str] | None = None,
    steps: list[dict[str, Any]] | None = None,
) -> Case:
    case = Case(
        organisation=organisation, kind=kind, drill=drill, title=title, summary=summary, occurred_on=occurred_on,
        resolution_seconds=resolution_seconds, resolution_change=resolution_change, satisfaction=satisfaction,
        satisfaction_kind=satisfaction_kind, satisfaction_change=satisfaction_change, tags=list(tags or []),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )  # fmt: skip
    _check_case(case)
    _save(case, _clean_steps(case, steps or []))
    record(action="case.create", obj=case, actor=by, organisation_id=organisation.pk, data={"title": case.title})
    return case


@transaction.atomic
def case_update(*, case: Case, by: Any, **changes: Any) -> Case:
    """Change any field; `steps`, when given, replace the case's steps."""
    unknown = set(changes) - CASE_FIELDS
    if unknown:
        raise InvalidInput({name: [str(_("This field cannot be changed."))] for name in sorted(unknown)})
    steps = changes.pop("steps", None)
    for name, value in changes.items():
        setattr(case, name, value)
    _check_case(case)
    _save(case, _clean_steps(case, steps) if steps is not None else None)
    fields = sorted([*changes, *(["steps"] if steps is not None else [])])
    record(action="case.update", obj=case, actor=by, organisation_id=case.organisation_id, data={"fields": fields})
    return case


@transaction.atomic
def case_delete(*, case: Case, by: Any) -> None:
    record(action="case.delete", obj=case, actor=by, organisation_id=case.organisation_id, data={"title": case.title})
    case.delete()


def _step_title(description: str) -> str:
    """A step's first line as an event title, cut to a title's length (as the MSEL import does)."""
    first = next((line.strip() for line in description.splitlines() if line.strip()), "")
    return first[:TITLE_MAX_LENGTH]


def _step_targets(steps: list[CaseStep], default_department: Department | None) -> list[Department]:
    targets: list[Department] = []
    missing: dict[str, list[str]] = {}
    for step in steps:
        department = step.department or default_department
        if department is None:
            # Keyed like the case's `steps` list (in sequence order), as the case API shows it.
            message = str(_("This step names no department: give a department for such steps."))
            missing[str(step.sequence - 1)] = [message]
        else:
            targets.append(department)
    if missing:
        raise InvalidInput({"steps": missing})
    return targets


@transaction.atomic
def case_to_scenario(*, case: Case, by: Any, title: str = "", default_department: Department | None = None) -> Scenario:
    """A new scenario whose draft version 1 has one event per timestamped step of the case, in
    order: its offset is the step's time after the first step's, its target the step's department
    (or `default_department` for a step without one), its title the step's first line and its body
    the whole step. The case stays as it was; the scenario is written through the scenario services."""
    steps = list(case.steps.select_related("department").order_by("at", "sequence"))
    if not steps:
        raise InvalidInput({"steps": [str(_("The case has no steps to turn into events."))]})
    same_organisation(case.organisation_id, default_department=default_department)
    targets = _step_targets(steps, default_department)
    scenario = scenario_services.scenario_create(
        organisation=case.organisation,
        by=by,
        title=clean_title(title or case.title),
        description=case.summary,
    )
    start = steps[0].at
    for step, department in zip(steps, targets, strict=True):
        scenario_services.event_create(
            scenario=scenario,
            by=by,
            title=_step_title(step.description) or case.title[:TITLE_MAX_LENGTH],
            body=step.description,
            offset_seconds=int((step.at - start).total_seconds()),
            departments=[department],
        )
    data = {"scenario": scenario.pk, "events": len(steps)}
    record(action="case.to_scenario", obj=case, actor=by, organisation_id=case.organisation_id, data=data)
    return scenario
