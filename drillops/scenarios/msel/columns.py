"""The MSEL sheet's columns (DESIGN.md, API: scenarios/import): their keys, English and Chinese
headers, and the names a mapping may use for them. Export writes these headers; import
recognises them in either language."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import get_language


@dataclass(frozen=True)
class Column:
    key: str
    en: str
    zh: str
    aliases: tuple[str, ...] = ()  # other names of the field, e.g. the API's `offset_seconds`

    def header(self, language: str) -> str:
        return self.zh if is_chinese(language) else self.en


EVENT_COLUMNS: tuple[Column, ...] = (
    Column("sequence", "sequence", "序号"),
    Column("offset", "offset", "时间", ("offset_seconds",)),
    Column("title", "title", "标题"),
    Column("body", "body", "内容"),
    Column("channel", "channel", "渠道"),
    Column("sender", "sender", "发送方"),
    Column("departments", "departments", "目标部门"),
    Column("expected_action", "expected_action", "预期行动"),
    Column("is_decision", "is_decision", "需决策"),
    Column("response_deadline", "response_deadline", "响应时限", ("response_deadline_seconds",)),
    Column("escalations", "escalations", "升级"),
    Column("objective", "objective", "目标"),
    Column("condition", "condition", "条件"),
)

OBJECTIVE_COLUMNS: tuple[Column, ...] = (
    Column("sequence", "sequence", "序号"),
    Column("capability", "capability", "能力"),
    Column("title", "title", "标题"),
    Column("target", "target", "指标"),
    Column("critical_tasks", "critical_tasks", "关键任务"),
)

EVENTS_SHEET = "MSEL"
OBJECTIVES_SHEETS = ("Objectives", "目标")
MARK_SHEET = "EXERCISE 演练"  # a sheet name may not hold "/"
INSTRUCTIONS_SHEETS = ("Instructions", "说明")


def is_chinese(language: str | None) -> bool:
    return (language or get_language() or "").lower().startswith("zh")


def normalise_header(text: object) -> str:
    """ "Expected action", "expected_action " and "EXPECTED-ACTION" are one header."""
    return re.sub(r"[\s\-_]+", "_", str(text or "").strip()).casefold()


def column_names(column: Column) -> set[str]:
    return {normalise_header(name) for name in (column.key, column.en, column.zh, *column.aliases)}


def column_for_name(name: str, columns: tuple[Column, ...] = EVENT_COLUMNS) -> Column | None:
    """The column a mapping key or a header names, in English, Chinese or the API's field name."""
    wanted = normalise_header(name)
    return next((column for column in columns if wanted in column_names(column)), None)


def objectives_sheet_name(language: str | None = None) -> str:
    return OBJECTIVES_SHEETS[1] if is_chinese(language) else OBJECTIVES_SHEETS[0]


def sheet_role(name: str) -> str:
    """What a workbook's sheet holds, by its name: objectives, the mark, instructions, or events."""
    folded = name.strip().casefold()
    if folded in {n.casefold() for n in OBJECTIVES_SHEETS}:
        return "objectives"
    if folded in {MARK_SHEET.casefold(), "exercise", "演练"} or folded in {n.casefold() for n in INSTRUCTIONS_SHEETS}:
        return "ignored"
    return "events"
