"""What an import would create, as the dry run answers it and the upload page shows it."""

from __future__ import annotations

from typing import Any

from drillops.departments.models import Department
from drillops.scenarios.models import ScenarioEvent
from drillops.scenarios.msel.cells import format_duration
from drillops.scenarios.msel.departments import DepartmentIndex
from drillops.scenarios.msel.parse import RowDraft
from drillops.scenarios.msel.plan import Plan


def _step(step: dict[str, Any], codes: dict[int, str]) -> dict[str, Any]:
    shown = dict(step)
    if "department" in shown:
        shown["department"] = codes.get(shown["department"], shown["department"])
    shown["target"] = shown.get("department") or shown.get("role", "")
    return shown


def _event(
    draft: RowDraft, event: ScenarioEvent, departments: list[Department], codes: dict[int, str]
) -> dict[str, Any]:
    condition = draft.condition
    return {
        "row": draft.row,
        "sequence": event.sequence,
        "offset_seconds": event.offset_seconds,
        "offset": format_duration(event.offset_seconds),
        "title": event.title,
        "body": event.body,
        "channel": event.channel,
        "sender": event.sender,
        "departments": [d.code for d in departments],
        "expected_action": event.expected_action,
        "is_decision": event.is_decision,
        "response_deadline_seconds": event.response_deadline_seconds,
        "escalations": [_step(step, codes) for step in event.escalations],
        "objective": draft.objective,
        "condition": {"kind": condition[0], "sequence": condition[1], "delay_seconds": condition[2]}
        if condition
        else None,
    }


def preview_of(
    plan: Plan,
    title: str,
    events: list[tuple[ScenarioEvent, list[Department]]],
    created: list[Department],
    index: DepartmentIndex,
) -> dict[str, Any]:
    codes = {d.pk: d.code for d in index.departments}
    objectives = [
        {
            "sequence": o.sequence,
            "capability": o.capability,
            "title": o.title,
            "target": o.target,
            "critical_tasks": o.tasks,
        }
        for o in plan.objectives or []
    ]
    return {
        "title": title,
        "headers": plan.layout.headers,
        "columns": {key: plan.layout.header_of(key) for key in plan.layout.positions},
        "events": [
            _event(draft, event, departments, codes)
            for draft, (event, departments) in zip(plan.rows, events, strict=True)
        ],
        "objectives": objectives,
        "departments_created": [{"code": d.code, "name": d.name} for d in created],
    }
