"""The sheet's headers and a mapping -> which column feeds which field; rows -> drafts of events and
objectives, every bad cell collected (nothing here reads or writes the database)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from functools import cache
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from drillops.core.api.fields import FREE_TEXT_MAX
from drillops.scenarios.models import TITLE_MAX_LENGTH, Channel
from drillops.scenarios.msel import cells
from drillops.scenarios.msel.columns import EVENT_COLUMNS, OBJECTIVE_COLUMNS, Column, column_for_name, normalise_header
from drillops.scenarios.msel.reader import ImportRefused, Sheet, error

REQUIRED = ("offset", "departments")
ALL_WORDS = ("all", "全部")
MAX_TASKS = 100
THE_SEQUENCE = gettext_lazy("The sequence")
THE_OBJECTIVE = gettext_lazy("The objective")
THE_DEADLINE = gettext_lazy("The deadline")


@dataclass
class Options:
    mapping: dict[str, str] | None = None  # column key -> the sheet's header ("" = not read)
    start_time: time | None = None
    all_word: str = ""
    create_missing_departments: bool = False
    dry_run: bool = False
    title: str = ""

    def all_words(self) -> set[str]:
        return {self.all_word.strip().casefold()} if self.all_word.strip() else set(ALL_WORDS)


def _truthy(value: Any) -> bool:
    return str(value).strip().casefold() in {"1", "true", "yes", "on"}


def _parse_mapping(raw: Any, errors: list[dict[str, Any]]) -> dict[str, str] | None:
    if raw in (None, "", {}):
        return None
    try:
        mapping = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict) or not all(isinstance(v, str | None) for v in mapping.values()):
        errors.append(error(_("mapping must be a JSON object from event field to the sheet's header.")))
        return None
    clean: dict[str, str] = {}
    for name, header in mapping.items():
        column = column_for_name(str(name))
        if column is None:
            errors.append(error(_("mapping names an unknown event field “%(name)s”.") % {"name": name}))
        else:
            clean[column.key] = (header or "").strip()
    return clean


def parse_options(data: Mapping[str, Any]) -> Options:
    """The import's parameters (multipart fields); every bad one refused with a message."""
    errors: list[dict[str, Any]] = []
    options = Options(
        mapping=_parse_mapping(data.get("mapping"), errors),
        all_word=str(data.get("all_departments_value") or "")[:200],
        create_missing_departments=_truthy(data.get("create_missing_departments", "")),
        dry_run=_truthy(data.get("dry_run", "")),
        title=cells.text(data.get("title"))[:TITLE_MAX_LENGTH],
    )
    start = cells.text(data.get("start_time"))
    if start:
        try:
            clock = cells.parse_offset(start, time(0))
            options.start_time = time(clock // 3600, clock % 3600 // 60, clock % 60)
        except cells.CellError:
            errors.append(error(_("start_time must be a clock time HH:MM[:SS], not “%(v)s”.") % {"v": start}))
    if errors:
        raise ImportRefused(errors)
    return options


@dataclass
class Layout:
    """Which column of the sheet feeds which field (one header may feed several)."""

    headers: list[str]
    positions: dict[str, int] = field(default_factory=dict)

    def header_of(self, key: str) -> str:
        index = self.positions[key]
        return self.headers[index] or _column_letter(index)

    def cell(self, row: tuple[Any, ...], key: str) -> Any:
        index = self.positions.get(key)
        return row[index] if index is not None and index < len(row) else None


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _recognised(headers: list[str], columns: tuple[Column, ...]) -> tuple[dict[str, int], dict[str, int]]:
    """Column key -> index of the first header that names it, and of a second one, if any."""
    found: dict[str, int] = {}
    twice: dict[str, int] = {}
    for index, header in enumerate(headers):
        column = column_for_name(header, columns) if header else None
        if column is None:
            continue
        if column.key in found:
            twice[column.key] = index
        else:
            found[column.key] = index
    return found, twice


def layout_for(
    sheet: Sheet, mapping: dict[str, str] | None, columns: tuple[Column, ...] = EVENT_COLUMNS
) -> tuple[Layout, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    layout = Layout(sheet.headers)
    found, twice = _recognised(layout.headers, columns)
    mapping = mapping or {}
    by_header = {normalise_header(h): i for i, h in reversed(list(enumerate(layout.headers))) if h}
    for key, header in mapping.items():
        if header == "":
            found.pop(key, None)
            continue
        index = layout.headers.index(header) if header in layout.headers else by_header.get(normalise_header(header))
        if index is None:
            message = _("The mapping names the header “%(h)s”, which the sheet does not have.") % {"h": header}
            errors.append(error(message, 1, header, sheet.name))
        else:
            found[key] = index
    for key, index in twice.items():
        if key not in mapping:
            message = _("Two columns are read as %(field)s; map one of them.") % {"field": key}
            errors.append(error(message, 1, layout.headers[index], sheet.name))
    layout.positions = found
    return layout, errors


def missing_columns(layout: Layout, required: tuple[str, ...], sheet: str) -> list[dict[str, Any]]:
    message = _("No column gives %(field)s: add one or map a header to it.")
    missing = [key for key in required if key not in layout.positions]
    if required == REQUIRED and "title" not in layout.positions and "body" not in layout.positions:
        missing.append("body")
    return [error(message % {"field": key}, 1, None, sheet) for key in missing]


@cache
def _channel_words() -> dict[str, str]:
    words = {c.value: c.value for c in Channel}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            words.update({str(c.label).casefold(): c.value for c in Channel})
    return words


def parse_channel(value: Any) -> str:
    raw = cells.text(value)
    if raw == "":
        return Channel.OTHER.value
    channel = _channel_words().get(raw.casefold())
    if channel is None:
        choices = ", ".join(Channel.values)
        raise cells.CellError(_("Unknown channel “%(v)s”; use one of: %(c)s.") % {"v": raw, "c": choices})
    return channel


def limited(value: Any, limit: int, *, required: bool = False) -> str:
    raw = cells.text(value)
    if required and raw == "":
        raise cells.CellError(_("This cell is empty."))
    if len(raw) > limit:
        raise cells.CellError(_("At most %(n)d characters (this has %(m)d).") % {"n": limit, "m": len(raw)})
    return raw


@dataclass
class RowDraft:
    """One sheet row as read: departments and ladder targets still as written."""

    row: int
    sequence: int | None = None
    offset_seconds: int = 0
    title: str = ""
    body: str = ""
    channel: str = Channel.OTHER.value
    sender: str = ""
    departments: list[str] = field(default_factory=list)
    every_department: bool = False
    expected_action: str = ""
    is_decision: bool = False
    response_deadline_seconds: int | None = None
    steps: list[cells.StepCell] = field(default_factory=list)
    objective: int | None = None
    condition: tuple[str, int, int] | None = None


class RowReader:
    """Reads one row's cells into a RowDraft, each bad cell an error naming its row and column."""

    def __init__(self, layout: Layout, options: Options, sheet: str) -> None:
        self.layout, self.options, self.sheet = layout, options, sheet
        self.errors: list[dict[str, Any]] = []
        derived = layout.positions.get("title") == layout.positions.get("body")
        self.title_from_body = derived or "title" not in layout.positions
        self.parsers = self._parsers()
        if self.title_from_body:
            self.parsers.pop("title")

    def read_cell(self, row: tuple[Any, ...], number: int, key: str, parse: Callable[[Any], Any], default: Any) -> Any:
        if key not in self.layout.positions:
            return default
        try:
            return parse(self.layout.cell(row, key))
        except cells.CellError as exc:
            self.errors.append(error(str(exc), number, self.layout.header_of(key), self.sheet))
            return default

    def _departments(self, value: Any) -> tuple[list[str], bool]:
        names = cells.parse_list(value)
        if not names:
            raise cells.CellError(_("Name at least one target department."))
        every = any(name.casefold() in self.options.all_words() for name in names)
        return ([] if every else names), every

    def _parsers(self) -> dict[str, tuple[Callable[[Any], Any], Any]]:
        """Column key -> (how its cell is read, the value of an absent column)."""
        return {
            "sequence": (lambda v: cells.parse_sequence(v, THE_SEQUENCE), None),
            "offset": (lambda v: cells.parse_offset(v, self.options.start_time), 0),
            "body": (lambda v: limited(v, FREE_TEXT_MAX), ""),
            "title": (lambda v: limited(v, TITLE_MAX_LENGTH), ""),
            "channel": (parse_channel, Channel.OTHER.value),
            "sender": (lambda v: limited(v, TITLE_MAX_LENGTH), ""),
            "departments": (self._departments, ([], False)),
            "expected_action": (lambda v: limited(v, FREE_TEXT_MAX), ""),
            "is_decision": (cells.parse_bool, False),
            "response_deadline": (_deadline, None),
            "escalations": (cells.parse_ladder, []),
            "objective": (lambda v: cells.parse_sequence(v, THE_OBJECTIVE), None),
            "condition": (cells.parse_condition, None),
        }

    def read(self, row: tuple[Any, ...], number: int) -> RowDraft:
        values = {
            key: self.read_cell(row, number, key, parse, default) for key, (parse, default) in self.parsers.items()
        }
        first_line = values["body"].split("\n", 1)[0].strip()[:TITLE_MAX_LENGTH]
        title = first_line if self.title_from_body else (values["title"] or first_line)
        if not title:
            key = "body" if "body" in self.layout.positions else "title"
            self.errors.append(
                error(_("Give the event a title or a body."), number, self.layout.header_of(key), self.sheet)
            )
        return RowDraft(
            row=number,
            sequence=values["sequence"],
            offset_seconds=values["offset"],
            title=title,
            body=values["body"],
            channel=values["channel"],
            sender=values["sender"],
            departments=values["departments"][0],
            every_department=values["departments"][1],
            expected_action=values["expected_action"],
            is_decision=values["is_decision"],
            response_deadline_seconds=values["response_deadline"],
            steps=values["escalations"],
            objective=values["objective"],
            condition=values["condition"],
        )


def _deadline(value: Any) -> int | None:
    if not isinstance(value, int | float) and cells.text(value) == "":
        return None
    return cells.parse_duration(value, THE_DEADLINE)


def is_blank(row: tuple[Any, ...]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in row)


@dataclass
class ObjectiveDraft:
    row: int
    sequence: int
    capability: str
    title: str
    target: str
    tasks: list[str]


def _tasks(value: Any) -> list[str]:
    tasks = [t.strip() for t in cells.text(value).split("\n") if t.strip()]
    if len(tasks) > MAX_TASKS or any(len(t) > TITLE_MAX_LENGTH for t in tasks):
        raise cells.CellError(
            _("At most %(n)d critical tasks of %(m)d characters each.") % {"n": MAX_TASKS, "m": TITLE_MAX_LENGTH}
        )
    return tasks


def read_objectives(sheet: Sheet) -> tuple[list[ObjectiveDraft], list[dict[str, Any]]]:
    layout, errors = layout_for(sheet, None, OBJECTIVE_COLUMNS)
    errors += missing_columns(layout, ("title",), sheet.name)
    if errors:
        return [], errors
    options = Options()
    reader = RowReader(layout, options, sheet.name)
    drafts: list[ObjectiveDraft] = []
    seen: dict[int, int] = {}
    for number, row in enumerate(sheet.rows[1:], start=2):
        if is_blank(row):
            continue
        fallback = len(drafts) + 1
        sequence = reader.read_cell(row, number, "sequence", lambda v: cells.parse_sequence(v, THE_SEQUENCE), None)
        title = reader.read_cell(row, number, "title", lambda v: limited(v, TITLE_MAX_LENGTH, required=True), "")
        capability = reader.read_cell(row, number, "capability", lambda v: limited(v, TITLE_MAX_LENGTH), "")
        target = reader.read_cell(row, number, "target", lambda v: limited(v, FREE_TEXT_MAX), "")
        tasks = reader.read_cell(row, number, "critical_tasks", _tasks, [])
        sequence = sequence or fallback
        if sequence in seen:
            message = _("Objective %(n)d is also on row %(row)d.") % {"n": sequence, "row": seen[sequence]}
            column = layout.header_of("sequence") if "sequence" in layout.positions else None
            reader.errors.append(error(message, number, column, sheet.name))
        seen[sequence] = number
        drafts.append(ObjectiveDraft(number, sequence, capability, title, target, tasks))
    return drafts, errors + reader.errors
