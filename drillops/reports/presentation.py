"""What the report page and the PDF show of one report view (reports.selectors.report_view): the
same sections and the same SVG charts, drawn from the same snapshot (one rendering path)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from drillops.departments.models import Department
from drillops.reports.charts.report import report_charts
from drillops.reports.formatting import target_text
from drillops.reports.selectors.report_view import ReportView


def departments_of(view: ReportView) -> dict[int, Department]:
    return {d.pk: d for d in Department.objects.filter(organisation_id=view.drill.organisation_id).order_by("code")}


def report_context(view: ReportView, departments: dict[int, Department] | None = None) -> dict[str, Any]:
    departments = departments if departments is not None else departments_of(view)
    report = view.snapshot
    metrics = report["metrics"]
    tasks = [{**t, "target_text": target_text(t["target"], departments) if t["target"] else ""}
             for t in metrics["critical_tasks"]]  # fmt: skip
    items = [
        {**i, "target_text": target_text(i["target"], departments) if i["target"] else "", "carried": carried}
        for carried, group in ((False, report["plan"]["items"]), (True, report["plan"]["carried"]))
        for i in group
    ]
    return {
        "view": view, "drill": view.drill, "version": view.version, "report": report, "summary": report["drill"],
        "metrics": metrics, "overall": metrics["response"]["drill"], "charts": report_charts(report),
        "tasks": tasks, "units": report["ratings"].get("units", []), "notes": report["ratings"].get("notes", []),
        "agreement": report["agreement"], "findings": report["findings"], "items": items,
        "surveys": report["questionnaires"]["surveys"], "pre_post": report["questionnaires"]["pre_post"],
        "mark": settings.EXERCISE_MARK, "departments": departments,
    }  # fmt: skip
