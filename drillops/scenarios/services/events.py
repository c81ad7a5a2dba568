"""Writes of events (MSEL rows) on the scenario's editable version: create, change, duplicate,
reorder and delete. Each save is checked against the MSEL rules (scenarios.validation) for the
event saved; the whole version is checked again when it is submitted for review."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Case, F, Max, Value, When
from django.utils.translation import gettext_lazy as _

from drillops.core.errors import InvalidInput
from drillops.departments.models import Department
from drillops.scenarios.models import Channel, Scenario, ScenarioEvent, ScenarioVersion
from drillops.scenarios.selectors import department_names, version_rows
from drillops.scenarios.services.common import audit, editable_version, of_current_version
from drillops.scenarios.validation import (
    check_departments,
    check_objective,
    condition_as_json,
    msel_problems,
    normalize_condition,
    normalize_escalations,
    row_of,
    waiting_problems,
)

EVENT_FIELDS = {
    "title",
    "body",
    "offset_seconds",
    "departments",
    "sequence",
    "channel",
    "sender",
    "expected_action",
    "is_decision",
    "objective",
    "response_deadline_seconds",
    "escalations",
    "condition",
}
EARLIER = _("This event belongs to an earlier version, which can no longer change.")


def _next_sequence(version: ScenarioVersion) -> int:
    return (version.events.aggregate(m=Max("sequence"))["m"] or 0) + 1


def _apply_event_fields(
    event: ScenarioEvent, version: ScenarioVersion, fields: dict[str, Any]
) -> list[Department] | None:
    unknown = set(fields) - EVENT_FIELDS
    if unknown:
        raise InvalidInput({name: [str(_("Unknown field."))] for name in sorted(unknown)})
    departments = fields.pop("departments", None)
    if departments is not None:
        check_departments(version, departments)
    if "objective" in fields:
        check_objective(version, fields["objective"])
    if "escalations" in fields:
        fields["escalations"] = normalize_escalations(version, fields["escalations"])
    if "condition" in fields:
        kind, target, delay = normalize_condition(version, fields.pop("condition"), event if event.pk else None)
        event.condition_kind, event.condition_event, event.condition_delay_seconds = kind, target, delay
    if fields.get("channel", Channel.OTHER) not in Channel.values:
        raise InvalidInput({"channel": [str(_("Unknown channel."))]})
    for name, value in fields.items():
        setattr(event, name, value)
    if fields.get("sequence") is not None:
        clash = ScenarioEvent.objects.filter(version=version, sequence=event.sequence).exclude(pk=event.pk)
        if clash.exists():
            raise InvalidInput({"sequence": [str(_("Another event of this version has this sequence number."))]})
    return departments


def _check_rules(event: ScenarioEvent, version: ScenarioVersion, departments: list[Department] | None) -> None:
    """The MSEL rules for this event as it is about to be saved: its condition, ladder and deadline,
    and the events that wait for it (which must stay after it)."""
    if departments is None:
        departments = list(event.departments.all()) if event.pk else []
    mine = row_of(event, departments)
    rows = [row for row in version_rows(version) if row.key != mine.key] + [mine]
    problems = [p for p in msel_problems(rows, department_names(version)) if p.key == mine.key]
    problems += waiting_problems(rows, mine.key)
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.field, []).append(problem.message)
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def event_create(*, scenario: Scenario, by: Any, **fields: Any) -> ScenarioEvent:
    version = editable_version(scenario)
    event = ScenarioEvent(version=version)
    departments = _apply_event_fields(event, version, dict(fields))
    if not departments:
        raise InvalidInput({"departments": [str(_("Name at least one target department."))]})
    if not event.sequence:
        event.sequence = _next_sequence(version)
    _check_rules(event, version, departments)
    event.save()
    event.departments.set(departments)
    audit("event.create", event, by, scenario, version=version.pk, sequence=event.sequence)
    return event


@transaction.atomic
def event_update(*, event: ScenarioEvent, by: Any, **fields: Any) -> ScenarioEvent:
    scenario = event.version.scenario
    version = editable_version(scenario)
    of_current_version(event, version, EARLIER)
    departments = _apply_event_fields(event, version, dict(fields))
    if departments is not None and not departments:
        raise InvalidInput({"departments": [str(_("Name at least one target department."))]})
    _check_rules(event, version, departments)
    event.save()
    if departments is not None:
        event.departments.set(departments)
    audit("event.update", event, by, scenario, changed=sorted(fields))
    return event


@transaction.atomic
def event_duplicate(*, event: ScenarioEvent, by: Any) -> ScenarioEvent:
    """A copy of the event (targets, ladder, condition, objective) as the last row of the list."""
    fields = {name: getattr(event, name) for name in EVENT_FIELDS - {"departments", "sequence", "condition"}}
    fields["condition"] = condition_as_json(event)
    return event_create(scenario=event.version.scenario, by=by, departments=list(event.departments.all()), **fields)


@transaction.atomic
def event_delete(*, event: ScenarioEvent, by: Any) -> None:
    scenario = event.version.scenario
    version = editable_version(scenario)
    of_current_version(event, version, EARLIER)
    pk = event.pk
    # Events waiting for this one would wait forever: they lose their condition with it.
    ScenarioEvent.objects.filter(condition_event=event).update(condition_kind="", condition_event=None)
    event.delete()
    audit("event.delete", None, by, scenario, id=pk, version=version.pk)


def _renumber(version: ScenarioVersion, order: list[int]) -> dict[int, int]:
    """The version's sequence numbers, as they are, handed out again in `order`; only the rows whose
    number changes are written, so that a diff matched by sequence shows only what moved."""
    events = {e.pk: e.sequence for e in version.events.only("pk", "sequence")}
    if len(order) != len(events) or set(order) != set(events):
        raise InvalidInput({"order": [str(_("Name every event of this version once."))]})
    changed = {pk: n for pk, n in zip(order, sorted(events.values()), strict=True) if events[pk] != n}
    if changed:
        # The unique index is checked row by row: lift the moving rows past every number first.
        lift = max(events.values()) + 1
        moving = ScenarioEvent.objects.filter(pk__in=changed)
        moving.update(sequence=F("sequence") + lift)
        moving.update(sequence=Case(*(When(pk=pk, then=Value(n)) for pk, n in changed.items())))
    return changed


def _check_order(version: ScenarioVersion) -> None:
    problems = [p for p in msel_problems(version_rows(version), {}) if p.field == "condition"]
    if problems:
        raise InvalidInput({"order": [f"#{p.sequence}: {p.message}" for p in problems]})


@transaction.atomic
def event_reorder(*, scenario: Scenario, by: Any, order: list[int]) -> dict[int, int]:
    """Puts the events in `order` (ids, first to last) and renumbers their sequence. Refused when an
    event would come before the event it waits for. Answers {event id: new sequence} of those moved."""
    version = editable_version(scenario)
    changed = _renumber(version, order)
    _check_order(version)
    if changed:
        audit("event.reorder", None, by, scenario, version=version.pk, moved={str(k): v for k, v in changed.items()})
    return changed


@transaction.atomic
def event_move(*, event: ScenarioEvent, by: Any, direction: str) -> dict[int, int]:
    """One place up or down the list (keyboard and button friendly); at either end, nothing moves."""
    if direction not in ("up", "down"):
        raise InvalidInput({"direction": [str(_("Move up or down."))]})
    version = editable_version(event.version.scenario)
    of_current_version(event, version, EARLIER)
    order = list(version.events.order_by("sequence").values_list("pk", flat=True))
    here = order.index(event.pk)
    there = here - 1 if direction == "up" else here + 1
    if not 0 <= there < len(order):
        return {}
    order[here], order[there] = order[there], order[here]
    return event_reorder(scenario=version.scenario, by=by, order=order)
