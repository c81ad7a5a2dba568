"""The report as a PDF (WeasyPrint): the page's sections and the same SVG charts, and at most 300 key
or flagged timeline entries. Chinese is set in the system's WenQuanYi Micro Hei (fonts-wqy-microhei,
which `make test` and the Docker image install), named first in the font stack, and the mark
EXERCISE / 演练 heads every page."""

from __future__ import annotations

import logging
from typing import Any

from django.template.loader import render_to_string

from drillops.reports.presentation import report_context
from drillops.reports.selectors.report_view import ReportView
from drillops.timelines.models import EntryKind

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # a line per layout step otherwise


def pdf_html(view: ReportView, rows: list[dict[str, Any]], total: int) -> str:
    context = report_context(view)
    by_code = {d.code: d.display_name for d in context["departments"].values()}
    kinds = dict(EntryKind.choices)
    shown = [{**r, "kind_label": kinds.get(r["kind"], r["kind"]), "department_name": by_code.get(r["department"])}
             for r in rows]  # fmt: skip
    return render_to_string("reports/report_pdf.html", {**context, "rows": shown, "total": total})


def write_pdf(view: ReportView, rows: list[dict[str, Any]], total: int) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=pdf_html(view, rows, total)).write_pdf())
