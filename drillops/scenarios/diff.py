"""A read: what changed between two versions of a scenario. Events are matched by sequence, and so
are objectives; a row on one side only is added or removed, a row on both is compared field by field.
Values are compared as plain data (departments as codes, ladder steps with department codes, the
objective and a condition's event by their sequence), so that two versions' ids never differ a row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from drillops.departments.models import Department
from drillops.scenarios.models import CriticalTask, Objective, ScenarioEvent, ScenarioVersion

EVENT_FIELDS = (
    "offset_seconds",
    "title",
    "body",
    "channel",
    "sender",
    "departments",
    "expected_action",
    "is_decision",
    "response_deadline_seconds",
    "escalations",
    "objective",
    "condition",
)
OBJECTIVE_FIELDS = ("capability", "title", "target", "critical_tasks")


@dataclass
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass
class RowChange:
    sequence: int
    title: str
    changes: list[FieldChange]


@dataclass
class PartDiff:
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def as_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "removed": self.removed,
            "changed": [
                {
                    "sequence": row.sequence,
                    "title": row.title,
                    "fields": [{"field": c.field, "from": c.before, "to": c.after} for c in row.changes],
                }
                for row in self.changed
            ],
        }


@dataclass
class VersionDiff:
    source: ScenarioVersion
    target: ScenarioVersion
    events: PartDiff
    objectives: PartDiff

    def as_json(self) -> dict[str, Any]:
        def version(v: ScenarioVersion) -> dict[str, Any]:
            return {"id": v.pk, "number": v.number, "status": v.status}

        return {
            "from": version(self.source),
            "to": version(self.target),
            "events": self.events.as_json(),
            "objectives": self.objectives.as_json(),
        }


def _step(step: dict[str, Any], codes: dict[int, str]) -> dict[str, Any]:
    data = dict(step)
    if "department" in data:
        data["department"] = codes.get(data["department"], data["department"])
    return data


def _event_values(version: ScenarioVersion) -> dict[int, dict[str, Any]]:
    events = list(
        ScenarioEvent.objects.filter(version=version).select_related("objective").prefetch_related("departments")
    )
    sequence_of = {e.pk: e.sequence for e in events}
    codes = dict(Department.objects.filter(organisation_id=version.scenario.organisation_id).values_list("pk", "code"))
    rows: dict[int, dict[str, Any]] = {}
    for e in events:
        rows[e.sequence] = {
            "sequence": e.sequence,
            "offset_seconds": e.offset_seconds,
            "title": e.title,
            "body": e.body,
            "channel": e.channel,
            "sender": e.sender,
            "departments": sorted(d.code for d in e.departments.all()),
            "expected_action": e.expected_action,
            "is_decision": e.is_decision,
            "response_deadline_seconds": e.response_deadline_seconds,
            "escalations": [_step(s, codes) for s in e.escalations or [] if isinstance(s, dict)],
            "objective": e.objective.sequence if e.objective else None,
            "condition": {
                "kind": e.condition_kind,
                "event": sequence_of.get(e.condition_event_id or 0),
                "delay_seconds": e.condition_delay_seconds,
            }
            if e.condition_kind
            else None,
        }
    return rows


def _objective_values(version: ScenarioVersion) -> dict[int, dict[str, Any]]:
    objectives = Objective.objects.filter(version=version).prefetch_related(
        Prefetch("critical_tasks", queryset=CriticalTask.objects.order_by("sequence", "id"))
    )
    return {
        o.sequence: {
            "sequence": o.sequence,
            "capability": o.capability,
            "title": o.title,
            "target": o.target,
            "critical_tasks": [{"title": t.title, "target": t.target} for t in o.critical_tasks.all()],
        }
        for o in objectives
    }


def _compare(before: dict[int, dict[str, Any]], after: dict[int, dict[str, Any]], fields: tuple[str, ...]) -> PartDiff:
    diff = PartDiff()
    for sequence in sorted(set(before) | set(after)):
        old, new = before.get(sequence), after.get(sequence)
        if old is None and new is not None:
            diff.added.append(new)
        elif new is None and old is not None:
            diff.removed.append(old)
        elif old is not None and new is not None:
            changes = [FieldChange(name, old[name], new[name]) for name in fields if old[name] != new[name]]
            if changes:
                diff.changed.append(RowChange(sequence, new["title"], changes))
    return diff


def version_diff(source: ScenarioVersion, target: ScenarioVersion) -> VersionDiff:
    """What `target` changes of `source` (both versions of one scenario, in either order)."""
    return VersionDiff(
        source=source,
        target=target,
        events=_compare(_event_values(source), _event_values(target), EVENT_FIELDS),
        objectives=_compare(_objective_values(source), _objective_values(target), OBJECTIVE_FIELDS),
    )
