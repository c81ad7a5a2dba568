"""A scenario version as an MSEL spreadsheet (XLSX or CSV) that the import reads back to the same cells.

Departments are written as codes (never "all"), times as HH:MM:SS offsets, objectives by their
sequence with an Objectives sheet (XLSX) that defines them. Every file is marked EXERCISE / 演练:
the workbook in a sheet of its own and in its properties, a CSV in its file name.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from drillops.departments.models import Department
from drillops.scenarios.models import Objective, ScenarioEvent, ScenarioVersion
from drillops.scenarios.msel import cells
from drillops.scenarios.msel.columns import (
    EVENT_COLUMNS,
    EVENTS_SHEET,
    MARK_SHEET,
    OBJECTIVE_COLUMNS,
    is_chinese,
    objectives_sheet_name,
)
from drillops.scenarios.msel.services import EXPORT_PREFIX
from drillops.scenarios.selectors import objectives_of

Rows = list[list[Any]]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\s]+')


def _cell(value: Any) -> Any:
    """Text as the import will read it back; empty text as an empty cell."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    result = cells.text(value)
    return result or None


def objective_numbers(objectives: Sequence[Objective]) -> dict[int, int]:
    """Objective id -> the number the sheet calls it: its sequence when those are distinct and
    1 or more, else its position (so that every reference stays unambiguous)."""
    sequences = [o.sequence for o in objectives]
    usable = len(set(sequences)) == len(sequences) and all(s >= 1 for s in sequences)
    return {o.pk: (o.sequence if usable else n) for n, o in enumerate(objectives, start=1)}


def _ladder(event: ScenarioEvent, codes: dict[int, str]) -> str:
    lines = []
    for step in event.escalations or []:
        department = step.get("department")
        target = codes.get(department, str(department)) if department is not None else str(step.get("role", ""))
        deadline = step.get("response_deadline_seconds")
        lines.append(
            cells.format_step(
                cells.StepCell(
                    step.get("after_seconds", 0),
                    target,
                    step.get("unless", "acknowledged"),
                    str(step.get("message", "")),
                    deadline,
                )
            )
        )
    return "\n".join(lines)


def _title(event: ScenarioEvent) -> str:
    # An empty title reads back as the body's first line: write that, so that a second export matches.
    return cells.text(event.title) or cells.text(event.body).split("\n", 1)[0].strip()[:200]


def _event_row(event: ScenarioEvent, codes: dict[int, str], numbers: dict[int, int], chinese: bool) -> list[Any]:
    condition = ""
    if event.condition_kind and event.condition_event is not None:
        condition = cells.format_condition(
            event.condition_kind, event.condition_event.sequence, event.condition_delay_seconds
        )
    values = [
        event.sequence,
        cells.format_duration(event.offset_seconds),
        _title(event),
        event.body,
        event.channel,
        event.sender,
        "\n".join(sorted(d.code for d in event.departments.all())),
        event.expected_action,
        cells.format_bool(event.is_decision, chinese),
        cells.format_duration(event.response_deadline_seconds),
        _ladder(event, codes),
        numbers.get(event.objective_id) if event.objective_id else None,
        condition,
    ]
    return [_cell(v) for v in values]


def msel_rows(version: ScenarioVersion, language: str) -> tuple[Rows, Rows]:
    """The events sheet and the objectives sheet, header rows first."""
    chinese = is_chinese(language)
    organisation_id = version.scenario.organisation_id
    codes = dict(Department.objects.filter(organisation_id=organisation_id).values_list("pk", "code"))
    objectives = list(objectives_of(version).order_by("sequence", "id"))
    numbers = objective_numbers(objectives)
    events = (
        ScenarioEvent.objects.filter(version=version)
        .select_related("condition_event")
        .prefetch_related("departments")
        .order_by("offset_seconds", "sequence", "id")
    )
    event_rows: Rows = [[c.header(language) for c in EVENT_COLUMNS]]
    event_rows += [_event_row(event, codes, numbers, chinese) for event in events]
    objective_rows: Rows = [[c.header(language) for c in OBJECTIVE_COLUMNS]]
    for objective in objectives:
        tasks = "\n".join(t.title for t in objective.critical_tasks.all())
        values = [numbers[objective.pk], objective.capability, objective.title, objective.target, tasks]
        objective_rows.append([_cell(v) for v in values])
    return event_rows, objective_rows


def mark_rows(language: str) -> Rows:
    with translation.override(language):
        return [
            [settings.EXERCISE_MARK],
            [_("Simulated events only. Nothing here is real.")],
            [_("This spreadsheet is a drill scenario (MSEL) exported from DrillOps.")],
        ]


EVENT_WIDTHS = [8, 12, 36, 60, 10, 20, 14, 40, 10, 12, 50, 10, 24]
OBJECTIVE_WIDTHS = [10, 30, 50, 40, 50]
WIDE_FIRST = [40, 90]


def write_xlsx(sheets: list[tuple[str, Rows, list[int]]], properties: dict[str, str]) -> bytes:
    """A workbook of (name, rows, column widths) sheets. Not openpyxl's write-only mode: that one
    leaves out the sheet's <dimension>, and readers (openpyxl's included) then parse the whole
    sheet once more just to size it."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows, widths in sheets:
        sheet = workbook.create_sheet(name)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[_letter(index)].width = width
        for row in rows:
            sheet.append(row)
    for key, value in properties.items():
        setattr(workbook.properties, key, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def write_csv(rows: Rows) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    # The BOM lets Excel open the file as UTF-8 (it guesses the local code page otherwise).
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def file_name(title: str, number: int, extension: str) -> str:
    safe = UNSAFE_IN_NAMES.sub("_", title).strip("_.")[:80] or "scenario"
    return f"{EXPORT_PREFIX}{safe}_v{number}.{extension}"


def workbook_properties(title: str, language: str) -> dict[str, str]:
    mark = settings.EXERCISE_MARK
    return {
        "title": f"{mark} · {title}",
        "subject": f"{mark} · MSEL",
        "keywords": mark,
        "category": mark,
        "description": " ".join(str(row[0]) for row in mark_rows(language)),
        "creator": "DrillOps",
    }


def export_version(version: ScenarioVersion, fmt: str, language: str) -> tuple[bytes, str, str]:
    """(content, file name, content type) of a version's MSEL as `fmt` ("xlsx" or "csv")."""
    events, objectives = msel_rows(version, language)
    title = version.scenario.title
    if fmt == "csv":
        return write_csv(events), file_name(title, version.number, "csv"), CSV_TYPE
    sheets = [
        (EVENTS_SHEET, events, EVENT_WIDTHS),
        (objectives_sheet_name(language), objectives, OBJECTIVE_WIDTHS),
        (MARK_SHEET, mark_rows(language), WIDE_FIRST),
    ]
    return write_xlsx(sheets, workbook_properties(title, language)), file_name(title, version.number, "xlsx"), XLSX_TYPE
