"""Checks across the rows of a sheet (sequences, conditions, objectives), before the database is asked
anything: the plan of an import and every error found in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from drillops.scenarios.msel.parse import (
    REQUIRED,
    Layout,
    ObjectiveDraft,
    Options,
    RowDraft,
    RowReader,
    is_blank,
    layout_for,
    missing_columns,
    read_objectives,
)
from drillops.scenarios.msel.reader import ImportRefused, Upload, error


@dataclass
class Plan:
    sheet: str
    layout: Layout
    rows: list[RowDraft]
    objectives: list[ObjectiveDraft] | None  # None: the file has no Objectives sheet
    errors: list[dict[str, Any]] = field(default_factory=list)

    def column(self, key: str) -> str | None:
        return self.layout.header_of(key) if key in self.layout.positions else None

    def error(self, message: str, row: int, key: str) -> dict[str, Any]:
        return error(message, row, self.column(key), self.sheet)


def headers_of(upload: Upload, options: Options) -> Layout:
    """The sheet's headers and which field each feeds; a sheet that cannot be read is refused."""
    layout, errors = layout_for(upload.events, options.mapping)
    errors += missing_columns(layout, REQUIRED, upload.events.name)
    if errors:
        raise ImportRefused(errors)
    return layout


def _number(plan: Plan) -> None:
    """Sequences must be unique; rows without one are numbered after the highest given."""
    seen: dict[int, int] = {}
    for draft in plan.rows:
        if draft.sequence is None:
            continue
        if draft.sequence in seen:
            message = _("Sequence %(n)d is also on row %(row)d.") % {"n": draft.sequence, "row": seen[draft.sequence]}
            plan.errors.append(plan.error(message, draft.row, "sequence"))
        seen.setdefault(draft.sequence, draft.row)
    following = max(seen, default=0) + 1
    for draft in plan.rows:
        if draft.sequence is None:
            draft.sequence, following = following, following + 1


def _conditions(plan: Plan) -> None:
    by_sequence: dict[int | None, RowDraft] = {}
    for draft in plan.rows:
        by_sequence.setdefault(draft.sequence, draft)  # a repeated sequence is an error of its own
    for draft in plan.rows:
        if draft.condition is None:
            continue
        target = draft.condition[1]
        if target not in by_sequence:
            message = _("No event of this sheet has sequence %(n)d.") % {"n": target}
            plan.errors.append(plan.error(message, draft.row, "condition"))
        elif _waits_for_itself(draft, by_sequence):
            message = _("This event would wait for itself, directly or through others.")
            plan.errors.append(plan.error(message, draft.row, "condition"))


def _waits_for_itself(draft: RowDraft, by_sequence: dict[int | None, RowDraft]) -> bool:
    seen: set[int | None] = set()
    node: RowDraft | None = draft
    while node is not None and node.condition is not None and node.sequence not in seen:
        seen.add(node.sequence)
        node = by_sequence.get(node.condition[1])
        if node is draft:
            return True
    return False


def _objectives(plan: Plan) -> None:
    if plan.objectives is None:
        return  # each number used becomes a placeholder objective (see services)
    known = {objective.sequence for objective in plan.objectives}
    for draft in plan.rows:
        if draft.objective is not None and draft.objective not in known:
            message = _("The Objectives sheet has no objective %(n)d.") % {"n": draft.objective}
            plan.errors.append(plan.error(message, draft.row, "objective"))


def plan_import(upload: Upload, options: Options) -> Plan:
    layout = headers_of(upload, options)
    sheet = upload.events.name
    reader = RowReader(layout, options, sheet)
    rows = [reader.read(row, number) for number, row in enumerate(upload.events.rows[1:], start=2) if not is_blank(row)]
    plan = Plan(sheet, layout, rows, None, reader.errors)
    if upload.objectives is not None:
        plan.objectives, objective_errors = read_objectives(upload.objectives)
        plan.errors += objective_errors
    if not rows:
        plan.errors.append(error(_("The sheet has no events below its header row."), None, None, sheet))
    _number(plan)
    _conditions(plan)
    _objectives(plan)
    return plan
