"""One export of a report view as a file: the format's builder, its name and content type."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from drillops.core.api.fields import format_utc
from drillops.reports.selectors.report_view import ReportView, key_rows, timeline_rows
from drillops.scenarios.msel.export import CSV_TYPE, UNSAFE_IN_NAMES, XLSX_TYPE
from drillops.scenarios.msel.services import EXPORT_PREFIX

FORMATS = ("pdf", "xlsx", "csv", "json")
TYPES = {"pdf": "application/pdf", "xlsx": XLSX_TYPE, "csv": CSV_TYPE, "json": "application/json"}
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str
    content_type: str


def file_name(view: ReportView, fmt: str) -> str:
    """EXERCISE-演练_report_<drill>_<v n | draft>.<fmt>: the mark in the name, as for every export."""
    safe = UNSAFE_IN_NAMES.sub("_", view.drill.name).strip("_.")[:60] or "drill"
    version = f"v{view.version.number}" if view.version else "draft"
    return f"{EXPORT_PREFIX}{safe}_{version}.{fmt}"


def report_document(view: ReportView, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON export: the mark, which version (null: the live draft), the report as the reader
    reads it (its "metrics" being the JSON of GET /api/v1/drills/{id}/report/) and the timeline."""
    return {
        "mark": settings.EXERCISE_MARK,
        "drill": view.drill.pk,
        "version": view.version.number if view.version else None,
        "published_at": format_utc(view.version.published_at) if view.version else None,
        "report": view.snapshot,
        "timeline": rows,
    }


def render_export(view: ReportView, fmt: str, progress: Progress | None = None) -> ExportFile:
    """The file; `progress(per cent)` is told as the parts are done (the background job's bar)."""
    tell = progress or (lambda _p: None)
    if fmt == "pdf":
        from drillops.reports.exports.pdf import write_pdf

        rows, total = key_rows(view)
        tell(40)
        content = write_pdf(view, rows, total)
    else:
        from drillops.reports.exports import tabular

        rows = timeline_rows(view)
        tell(40)
        if fmt == "json":
            content = json.dumps(report_document(view, rows), cls=DjangoJSONEncoder, ensure_ascii=False).encode()
        elif fmt == "csv":
            content = tabular.timeline_csv(rows)
        else:
            content = tabular.report_xlsx(view, rows)
    tell(95)
    return ExportFile(content, file_name(view, fmt), TYPES[fmt])
