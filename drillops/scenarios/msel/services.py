"""The MSEL import: a spreadsheet becomes a scenario with a draft version 1, its objectives and events.

Every row is read and checked, and every error collected, before the import commits anything; one
transaction does it all, so a refused import (or a dry run) leaves nothing behind, not even the
departments it would have created. Events are written in bulk (5,000 rows within seconds), after
the same checks the event services make: ladders through `validation.normalize_escalations`,
conditions and sequences across the sheet in `plan`.

Objectives: an event's objective cell holds the objective's sequence. A workbook with an
"Objectives" sheet (export writes one) defines them, and an unknown number is refused; a file
without one (every CSV) gets a placeholder objective "Objective N" per number used, to be
completed in the editor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from drillops.core.audit import record
from drillops.core.errors import InvalidInput
from drillops.departments import services as department_services
from drillops.departments.models import Department, Organisation, Role
from drillops.scenarios.models import TITLE_MAX_LENGTH, CriticalTask, Objective, Scenario, ScenarioEvent
from drillops.scenarios.msel.cells import CellError, StepCell
from drillops.scenarios.msel.departments import DepartmentIndex, names_for
from drillops.scenarios.msel.parse import Options
from drillops.scenarios.msel.plan import Plan, plan_import
from drillops.scenarios.msel.preview import preview_of
from drillops.scenarios.msel.reader import ImportRefused, read_upload
from drillops.scenarios.services import scenario_create
from drillops.scenarios.validation import normalize_escalations

EXPORT_PREFIX = "EXERCISE-演练_"
INSERT_TARGETS = (
    f"INSERT INTO {ScenarioEvent.departments.through._meta.db_table} (scenarioevent_id, department_id) "  # noqa: S608
    "SELECT * FROM unnest(%s::bigint[], %s::bigint[])"
)


@dataclass
class ImportResult:
    scenario: Scenario | None  # None after a dry run
    preview: dict[str, Any]


def title_from(filename: str) -> str:
    """The scenario's title from the file's name; an export's name gives back the exported title."""
    stem = PurePath(filename or "").stem.strip()
    if stem.startswith(EXPORT_PREFIX):
        stem = re.sub(r"_v\d+$", "", stem.removeprefix(EXPORT_PREFIX)).replace("_", " ").strip()
    return (stem or _("Imported MSEL"))[:TITLE_MAX_LENGTH]


def _sorted(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(errors, key=lambda e: (e.get("sheet") or "", e["row"] or 0))


def _step_target(step: StepCell, index: DepartmentIndex) -> dict[str, Any] | None:
    department = index.find(step.target)
    if department is not None:
        return {"department": department.pk}
    if step.target.casefold() in Role.values:
        return {"role": step.target.casefold()}
    return None


def _missing_names(plan: Plan, index: DepartmentIndex, options: Options) -> dict[str, int]:
    """Names that match no department -> the first row naming them; an error each unless they may be created."""
    missing: dict[str, int] = {}
    for draft in plan.rows:
        for key, names in (("departments", draft.departments), ("escalations", [s.target for s in draft.steps])):
            for name in names:
                try:
                    found = index.find(name) or (key == "escalations" and name.casefold() in Role.values)
                except CellError as exc:
                    plan.errors.append(plan.error(str(exc), draft.row, key))
                    continue
                if found:
                    continue
                if not options.create_missing_departments:
                    message = _("No department has the code or name “%(name)s”.") % {"name": name}
                    plan.errors.append(plan.error(message, draft.row, key))
                missing.setdefault(name, draft.row)
    return missing


def _create_departments(
    organisation: Organisation, by: Any, plan: Plan, index: DepartmentIndex, missing: dict[str, int]
) -> list[Department]:
    created = []
    for name, row in missing.items():
        if index.find(name) is not None:  # "Crisis Team" made "crisis-team" a moment ago
            continue
        try:
            department = department_services.department_create(
                organisation=organisation,
                by=by,
                code=index.new_code(name),
                **names_for(name),  # type: ignore[arg-type]
            )
        except InvalidInput as exc:
            message = "; ".join(m for messages in exc.errors.values() for m in messages)
            plan.errors.append(plan.error(f"“{name}”: {message}", row, "departments"))
            continue
        index.add(department)
        created.append(department)
    return created


def _objectives(plan: Plan, scenario: Scenario) -> dict[int, Objective]:
    version = scenario.versions.get()
    if plan.objectives is None:
        numbers = sorted({d.objective for d in plan.rows if d.objective is not None})
        made = [
            Objective(version=version, sequence=n, capability="", title=_("Objective %(n)d") % {"n": n})
            for n in numbers
        ]
        return {o.sequence: o for o in Objective.objects.bulk_create(made)}
    made = Objective.objects.bulk_create(
        Objective(version=version, sequence=o.sequence, capability=o.capability, title=o.title, target=o.target)
        for o in plan.objectives
    )
    CriticalTask.objects.bulk_create(
        CriticalTask(objective=objective, sequence=n, title=title)
        for objective, draft in zip(made, plan.objectives, strict=True)
        for n, title in enumerate(draft.tasks, start=1)
    )
    return {o.sequence: o for o in made}


def _events(plan: Plan, scenario: Scenario, index: DepartmentIndex) -> list[tuple[ScenarioEvent, list[Department]]]:
    """Unsaved events with their departments; each ladder checked as the event services check it."""
    version, known = scenario.versions.get(), index.known()
    events = []
    for draft in plan.rows:
        names = [] if draft.every_department else draft.departments
        found = [index.find(n) for n in names] if not draft.every_department else list(index.departments)
        departments = list(dict.fromkeys(d for d in found if d is not None))
        if draft.every_department and not departments:
            plan.errors.append(plan.error(_("The organisation has no department yet."), draft.row, "departments"))
        steps = [{**(_step_target(s, index) or {}), **_step_fields(s)} for s in draft.steps]
        try:
            ladder = normalize_escalations(version, steps, known=known)
        except InvalidInput as exc:
            for message in exc.errors.get("escalations", []):
                plan.errors.append(plan.error(message, draft.row, "escalations"))
            ladder = []
        event = ScenarioEvent(
            version=version,
            sequence=draft.sequence or 0,  # numbered by plan._number
            offset_seconds=draft.offset_seconds,
            title=draft.title,
            body=draft.body,
            channel=draft.channel,
            sender=draft.sender,
            expected_action=draft.expected_action,
            is_decision=draft.is_decision,
            response_deadline_seconds=draft.response_deadline_seconds,
            escalations=ladder,
        )
        events.append((event, departments))
    return events


def _step_fields(step: StepCell) -> dict[str, Any]:
    fields: dict[str, Any] = {"after_seconds": step.after_seconds, "message": step.message, "unless": step.unless}
    if step.response_deadline_seconds is not None:
        fields["response_deadline_seconds"] = step.response_deadline_seconds
    return fields


def _write_events(
    plan: Plan, events: list[tuple[ScenarioEvent, list[Department]]], objectives: dict[int, Objective]
) -> None:
    for (event, _departments), draft in zip(events, plan.rows, strict=True):
        event.objective = objectives.get(draft.objective) if draft.objective is not None else None
    saved = ScenarioEvent.objects.bulk_create([event for event, _departments in events], batch_size=2000)
    pairs = [(event.pk, department.pk) for event, departments in events for department in departments]
    with connection.cursor() as cursor:  # 10,000 pairs in one statement, without a model instance each
        cursor.execute(INSERT_TARGETS, [[e for e, _d in pairs], [d for _e, d in pairs]])
    by_sequence = {event.sequence: event for event in saved}
    waiting = []
    for event, draft in zip(saved, plan.rows, strict=True):
        if draft.condition is not None:
            kind, target, delay = draft.condition
            event.condition_kind, event.condition_event, event.condition_delay_seconds = (
                kind,
                by_sequence[target],
                delay,
            )
            waiting.append(event)
    ScenarioEvent.objects.bulk_update(
        waiting, ["condition_kind", "condition_event", "condition_delay_seconds"], batch_size=1000
    )


def _apply(*, organisation: Organisation, by: Any, plan: Plan, options: Options, filename: str) -> ImportResult:
    index = DepartmentIndex(Department.objects.filter(organisation=organisation))
    missing = _missing_names(plan, index, options)
    created = _create_departments(organisation, by, plan, index, missing) if options.create_missing_departments else []
    title = options.title or title_from(filename)
    description = _("Imported from %(file)s") % {"file": PurePath(filename or "").name or "?"}
    scenario = scenario_create(organisation=organisation, by=by, title=title, description=description)
    events = _events(plan, scenario, index)
    if plan.errors:
        raise ImportRefused(_sorted(plan.errors))
    objectives = _objectives(plan, scenario)
    _write_events(plan, events, objectives)
    record(
        action="scenario.import",
        obj=scenario,
        actor=by,
        organisation_id=organisation.pk,
        data={"file": filename, "events": len(events), "departments_created": [d.code for d in created]},
    )
    return ImportResult(scenario, preview_of(plan, title, events, created, index))


def msel_import(*, organisation: Organisation, by: Any, data: bytes, filename: str, options: Options) -> ImportResult:
    """Import (or, with options.dry_run, preview) an MSEL file. Raises ImportRefused with every error."""
    plan = plan_import(read_upload(data), options)
    with transaction.atomic():
        result = _apply(organisation=organisation, by=by, plan=plan, options=options, filename=filename)
        if options.dry_run:
            transaction.set_rollback(True)
            result.scenario = None
    return result
