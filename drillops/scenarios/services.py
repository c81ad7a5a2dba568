"""Writes for scenarios, their versions, events (MSEL rows) and objectives.

Events and objectives are edited on the scenario's current version; an approved or archived
version is immutable (ImmutableObject -> 409), so editing it means a new draft version first.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drillops.core.audit import record
from drillops.core.errors import DomainError, ImmutableObject, InvalidInput, TransitionNotAllowed
from drillops.departments.models import Department, Organisation
from drillops.scenarios.models import (
    Channel,
    CriticalTask,
    EventAttachment,
    Objective,
    Scenario,
    ScenarioEvent,
    ScenarioVersion,
    VersionStatus,
)
from drillops.scenarios.validation import (
    check_departments,
    check_objective,
    normalize_condition,
    normalize_critical_tasks,
    normalize_escalations,
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


def _audit(action: str, obj: Any, by: Any, scenario: Scenario, **data: Any) -> None:
    record(action=action, obj=obj, actor=by, organisation_id=scenario.organisation_id, data=data)


def current_version(scenario: Scenario) -> ScenarioVersion:
    version = ScenarioVersion.objects.select_for_update().filter(scenario=scenario).order_by("-number").first()
    if version is None:  # every scenario is created with version 1; this is a broken import
        raise DomainError(str(_("This scenario has no version.")))
    return version


def editable_version(scenario: Scenario) -> ScenarioVersion:
    version = current_version(scenario)
    if not version.is_editable:
        raise ImmutableObject(
            str(_("Version %(n)d is %(status)s and cannot change; make a new draft version first."))
            % {"n": version.number, "status": version.get_status_display()}
        )
    return version


@transaction.atomic
def scenario_create(*, organisation: Organisation, by: Any, title: str, description: str = "") -> Scenario:
    scenario = Scenario.objects.create(organisation=organisation, title=title, description=description, created_by=by)
    version = ScenarioVersion.objects.create(scenario=scenario, number=1, status=VersionStatus.DRAFT)
    _audit("scenario.create", scenario, by, scenario, title=title, version=version.pk)
    return scenario


@transaction.atomic
def scenario_update(
    *, scenario: Scenario, by: Any, title: str | None = None, description: str | None = None
) -> Scenario:
    """Title and description describe the scenario, not a version, so they may change any time."""
    if title is not None:
        scenario.title = title
    if description is not None:
        scenario.description = description
    scenario.save(update_fields=["title", "description", "updated_at"])
    _audit("scenario.update", scenario, by, scenario, title=scenario.title)
    return scenario


@transaction.atomic
def scenario_delete(*, scenario: Scenario, by: Any) -> None:
    pk, title = scenario.pk, scenario.title
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # The database refuses to touch approved versions (scenarios migration 0002) unless
            # the whole scenario goes, which this names for the rest of the transaction.
            cursor.execute("SELECT set_config('drillops.deleting_scenario', %s, true)", [str(pk)])
            scenario.delete()
            cursor.execute("SELECT set_config('drillops.deleting_scenario', '', true)")
    except (ProtectedError, IntegrityError) as exc:
        raise DomainError(str(_("This scenario has drills; archive it instead."))) from exc
    record(
        action="scenario.delete", actor=by, organisation_id=scenario.organisation_id, data={"id": pk, "title": title}
    )


# Events -------------------------------------------------------------------------------------------


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


@transaction.atomic
def event_create(*, scenario: Scenario, by: Any, **fields: Any) -> ScenarioEvent:
    version = editable_version(scenario)
    event = ScenarioEvent(version=version)
    departments = _apply_event_fields(event, version, dict(fields))
    if not departments:
        raise InvalidInput({"departments": [str(_("Name at least one target department."))]})
    if not event.sequence:
        event.sequence = _next_sequence(version)
    event.save()
    event.departments.set(departments)
    _audit("event.create", event, by, scenario, version=version.pk, sequence=event.sequence)
    return event


@transaction.atomic
def event_update(*, event: ScenarioEvent, by: Any, **fields: Any) -> ScenarioEvent:
    scenario = event.version.scenario
    version = editable_version(scenario)
    if event.version_id != version.pk:
        raise ImmutableObject(str(_("This event belongs to an earlier version, which can no longer change.")))
    departments = _apply_event_fields(event, version, dict(fields))
    if departments is not None and not departments:
        raise InvalidInput({"departments": [str(_("Name at least one target department."))]})
    event.save()
    if departments is not None:
        event.departments.set(departments)
    _audit("event.update", event, by, scenario, changed=sorted(fields))
    return event


@transaction.atomic
def event_delete(*, event: ScenarioEvent, by: Any) -> None:
    scenario = event.version.scenario
    version = editable_version(scenario)
    if event.version_id != version.pk:
        raise ImmutableObject(str(_("This event belongs to an earlier version, which can no longer change.")))
    pk = event.pk
    # Events waiting for this one would wait forever: they lose their condition with it.
    ScenarioEvent.objects.filter(condition_event=event).update(condition_kind="", condition_event=None)
    event.delete()
    _audit("event.delete", None, by, scenario, id=pk, version=version.pk)


# Versions -----------------------------------------------------------------------------------------


def _copy_objectives(source: ScenarioVersion, target: ScenarioVersion) -> dict[int, Objective]:
    mapping: dict[int, Objective] = {}
    for objective in source.objectives.prefetch_related("critical_tasks"):
        copy = Objective.objects.create(
            version=target,
            sequence=objective.sequence,
            capability=objective.capability,
            title=objective.title,
            target=objective.target,
        )
        CriticalTask.objects.bulk_create(
            CriticalTask(objective=copy, sequence=t.sequence, title=t.title, target=t.target)
            for t in objective.critical_tasks.all()
        )
        mapping[objective.pk] = copy
    return mapping


def _copy_events(source: ScenarioVersion, target: ScenarioVersion, objectives: dict[int, Objective]) -> None:
    copies: dict[int, ScenarioEvent] = {}
    waits_for: dict[int, tuple[str, int | None]] = {}
    for event in source.events.prefetch_related("departments"):
        departments = list(event.departments.all())
        old_pk = event.pk
        waits_for[old_pk] = (event.condition_kind, event.condition_event_id)
        event.pk = None
        event._state.adding = True
        event.version = target
        event.objective = objectives.get(event.objective_id) if event.objective_id else None
        # The condition points into the old version; it is remapped once every copy exists.
        event.condition_kind, event.condition_event = "", None
        event.save()
        # add(), not set(): set() would read the source's prefetched departments as already linked.
        event.departments.add(*departments)
        copies[old_pk] = event
    for old_pk, (kind, old_target) in waits_for.items():
        if kind and old_target in copies:
            copy = copies[old_pk]
            copy.condition_kind, copy.condition_event = kind, copies[old_target]
            copy.save(update_fields=["condition_kind", "condition_event"])


@transaction.atomic
def version_new_draft(*, scenario: Scenario, by: Any) -> ScenarioVersion:
    """A new draft, a copy of the latest version. One editable version at a time: a second is 409."""
    latest = current_version(scenario)
    if latest.is_editable:
        raise TransitionNotAllowed(
            str(_("Version %(n)d is still %(status)s; edit it instead of making another."))
            % {"n": latest.number, "status": latest.get_status_display()}
        )
    draft = ScenarioVersion.objects.create(scenario=scenario, number=latest.number + 1, status=VersionStatus.DRAFT)
    _copy_events(latest, draft, _copy_objectives(latest, draft))
    _audit("version.new_draft", draft, by, scenario, number=draft.number, copied_from=latest.pk)
    return draft


_MOVES = {
    "submit": (VersionStatus.DRAFT, VersionStatus.IN_REVIEW),
    "approve": (VersionStatus.IN_REVIEW, VersionStatus.APPROVED),
    "archive": (VersionStatus.APPROVED, VersionStatus.ARCHIVED),
}


def _move(scenario: Scenario, by: Any, move: str) -> ScenarioVersion:
    source, target = _MOVES[move]
    version = current_version(scenario)
    if version.status != source:
        raise TransitionNotAllowed(
            str(_("Cannot %(move)s version %(n)d: it is %(status)s, not %(source)s."))
            % {"move": move, "n": version.number, "status": version.get_status_display(), "source": source.label}
        )
    if move == "submit" and not version.events.exists():
        raise TransitionNotAllowed(str(_("A version without events cannot be submitted.")))
    version.status = target
    if target == VersionStatus.APPROVED:
        version.approved_by, version.approved_at = by, timezone.now()
    version.save()
    _audit(f"version.{move}", version, by, scenario, number=version.number, status=target.value)
    return version


@transaction.atomic
def version_update(*, scenario: Scenario, by: Any, notes: str) -> ScenarioVersion:
    """The notes of the version being written; an approved version keeps the ones it was approved with."""
    version = editable_version(scenario)
    version.notes = notes
    version.save(update_fields=["notes", "updated_at"])
    _audit("version.update", version, by, scenario, number=version.number, changed=["notes"])
    return version


@transaction.atomic
def version_submit(*, scenario: Scenario, by: Any) -> ScenarioVersion:
    return _move(scenario, by, "submit")


@transaction.atomic
def version_approve(*, scenario: Scenario, by: Any) -> ScenarioVersion:
    return _move(scenario, by, "approve")


@transaction.atomic
def version_archive(*, scenario: Scenario, by: Any) -> ScenarioVersion:
    return _move(scenario, by, "archive")


# Objectives ---------------------------------------------------------------------------------------


def _set_critical_tasks(objective: Objective, tasks: list[Any]) -> None:
    """Titles, or {"title", "target"} objects with a structured target (scenarios.targets)."""
    clean = normalize_critical_tasks(objective.version, tasks)
    objective.critical_tasks.all().delete()
    CriticalTask.objects.bulk_create(
        CriticalTask(objective=objective, sequence=i, title=task["title"], target=task["target"])
        for i, task in enumerate(clean, start=1)
    )


@transaction.atomic
def objective_create(
    *,
    scenario: Scenario,
    by: Any,
    capability: str,
    title: str,
    target: str = "",
    critical_tasks: list[Any] | None = None,
    sequence: int | None = None,
) -> Objective:
    version = editable_version(scenario)
    if sequence is None:
        sequence = (version.objectives.aggregate(m=Max("sequence"))["m"] or 0) + 1
    objective = Objective.objects.create(
        version=version, capability=capability, title=title, target=target, sequence=sequence
    )
    _set_critical_tasks(objective, critical_tasks or [])
    _audit("objective.create", objective, by, scenario, version=version.pk)
    return objective


@transaction.atomic
def objective_update(
    *, objective: Objective, by: Any, critical_tasks: list[Any] | None = None, **fields: Any
) -> Objective:
    scenario = objective.version.scenario
    version = editable_version(scenario)
    if objective.version_id != version.pk:
        raise ImmutableObject(str(_("This objective belongs to an earlier version, which can no longer change.")))
    unknown = set(fields) - {"capability", "title", "target", "sequence"}
    if unknown:
        raise InvalidInput({name: [str(_("Unknown field."))] for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(objective, name, value)
    objective.save()
    if critical_tasks is not None:
        _set_critical_tasks(objective, critical_tasks)
    _audit(
        "objective.update",
        objective,
        by,
        scenario,
        changed=sorted([*fields, *(["critical_tasks"] if critical_tasks is not None else [])]),
    )
    return objective


@transaction.atomic
def objective_delete(*, objective: Objective, by: Any) -> None:
    scenario = objective.version.scenario
    version = editable_version(scenario)
    if objective.version_id != version.pk:
        raise ImmutableObject(str(_("This objective belongs to an earlier version, which can no longer change.")))
    pk = objective.pk
    objective.delete()
    _audit("objective.delete", None, by, scenario, id=pk, version=version.pk)


# Attachments --------------------------------------------------------------------------------------


def _editable_event(event: ScenarioEvent) -> Scenario:
    scenario = event.version.scenario
    if editable_version(scenario).pk != event.version_id:
        raise ImmutableObject(str(_("This event belongs to an earlier version, which can no longer change.")))
    return scenario


@transaction.atomic
def attachment_create(
    *, event: ScenarioEvent, by: Any, title: str, content: str = "", file: Any = None
) -> EventAttachment:
    scenario = _editable_event(event)
    attachment = EventAttachment.objects.create(event=event, title=title, content=content, file=file or "")
    _audit("attachment.create", attachment, by, scenario, event=event.pk)
    return attachment


@transaction.atomic
def attachment_update(*, attachment: EventAttachment, by: Any, **fields: Any) -> EventAttachment:
    scenario = _editable_event(attachment.event)
    unknown = set(fields) - {"title", "content", "file"}
    if unknown:
        raise InvalidInput({name: [str(_("Unknown field."))] for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(attachment, name, value)
    attachment.save()
    _audit("attachment.update", attachment, by, scenario, changed=sorted(fields))
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: EventAttachment, by: Any) -> None:
    scenario = _editable_event(attachment.event)
    pk = attachment.pk
    attachment.delete()
    _audit("attachment.delete", None, by, scenario, id=pk, event=attachment.event_id)
