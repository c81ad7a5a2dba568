"""The report as tables: a workbook with one sheet per table of the report and the whole timeline
(XLSX), and the whole timeline alone (CSV). Cells hold the JSON export's values (times as ISO UTC
strings, durations in real seconds), so that a file read back compares with the JSON. Text that a
spreadsheet would run as a formula is written as text (XLSX) or with a leading apostrophe (CSV)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from drillops.reports.selectors.report_view import ReportView
from drillops.scenarios.msel.columns import MARK_SHEET

Rows = list[list[Any]]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TIMELINE_KEYS = ("id", "at", "kind", "department", "inject", "title", "actor", "text", "flags")


def timeline_headers() -> list[str]:
    return [_("Entry"), _("At (UTC)"), _("Kind"), _("Department"), _("Inject"), _("Inject title"), _("By"),
            _("Text"), _("Flags")]  # fmt: skip


def timeline_cells(row: dict[str, Any]) -> list[Any]:
    return [*(row[k] for k in TIMELINE_KEYS[:-1]), ",".join(row["flags"])]


def _real(figure: dict[str, Any] | None) -> float | None:
    return None if figure is None else figure["real"]


def _code(department: dict[str, Any] | None) -> str | None:
    return department["code"] if department else None


def _stats_headers(stage: str) -> list[str]:
    return [f"{stage} p50 (s)", f"{stage} p90 (s)", f"{stage} max (s)", f"{stage} {_('missing')}"]


def _stats(figures: dict[str, Any]) -> list[Any]:
    return [_real(figures["p50"]), _real(figures["p90"]), _real(figures["max"]), figures["missing"]]


def response_rows(groups: list[dict[str, Any]], key: str) -> Rows:
    """Response figures per department (key "department") or per event (key "event")."""
    header = [_("Department") if key == "department" else _("Event"), _("Injects")]
    for stage in (_("Acknowledge"), _("First action"), _("Resolve")):
        header += _stats_headers(stage)
    header += [_("With deadline"), _("Deadline met"), _("Deadline missed"), _("Compliance")]
    rows: Rows = [header]
    for group in groups:
        name = _code(group["department"]) if key == "department" else (group["event"] or {}).get("title")
        line = [name, group["injects"]]
        for stage in ("acknowledge", "first_action", "resolve"):
            line += _stats(group[stage])
        deadline = group["deadline"]
        rows.append([*line, deadline["with_deadline"], deadline["met"], deadline["missed"], deadline["share"]])
    return rows


def _summary(view: ReportView) -> Rows:
    drill, metrics = view.snapshot["drill"], view.snapshot["metrics"]
    overall = metrics["response"]["drill"]
    return [
        [_("Field"), _("Value")],
        [_("Drill"), drill["name"]],
        [_("Scenario"), f"{drill['scenario']} v{drill['scenario_version']}"],
        [_("Report version"), view.version.number if view.version else _("live draft")],
        [_("State"), drill["state"]],
        [_("Stopped, reason"), drill["stop_reason"] or None],
        [_("Time scale"), drill["time_scale"]],
        [_("Started (UTC)"), drill["started_at"]],
        [_("Ended (UTC)"), drill["ended_at"]],
        [_("Paused (s)"), drill["paused_seconds"]],
        [_("Injects"), overall["injects"]],
        [_("Deadline compliance"), overall["deadline"]["share"]],
        [_("Escalations"), metrics["escalations"]["count"]],
        [_("Observer agreement (Krippendorff's alpha)"), view.snapshot["agreement"].get("alpha")],
    ]


def _metric_sheets(metrics: dict[str, Any]) -> list[tuple[str, Rows]]:
    handoffs: Rows = [[_("From"), _("To"), _("Events"), "p50 (s)", "max (s)"]]
    handoffs += [[_code(p["from"]), _code(p["to"]), p["count"], _real(p["p50"]), _real(p["max"])]
                 for p in metrics["handoffs"]["pairs"]]  # fmt: skip
    escalations: Rows = [[_("Inject"), _("Event"), _("Level"), _("Department"), _("Delivered (UTC)"), _("Copies")]]
    escalations += [[e["inject"], e["event"], e["level"], e["department"], e["delivered_at"], len(e["sources"])]
                    for e in metrics["escalations"]["items"]]  # fmt: skip
    decisions: Rows = [[_("Department"), *_stats_headers(_("Decision")), _("Decisions")]]
    decisions += [[_code(d["department"]), *_stats(d), d["count"]] for d in metrics["decisions"]["departments"]]
    keys = ["id", "event", "department", "cause", "source", "channel", "title", "escalation_level", "delivered_at",
            "deadline_at", "deadline_met", "acknowledge", "first_action", "resolve", "decision"]  # fmt: skip
    injects: Rows = [keys]
    for row in metrics["injects"]:
        injects.append([_real(row[k]) if isinstance(row[k], dict) else row[k] for k in keys])
    return [
        (_("Departments"), response_rows(metrics["response"]["departments"], "department")),
        (_("Events"), response_rows(metrics["response"]["events"], "event")),
        (_("Hand-offs"), handoffs),
        (_("Escalations"), escalations),
        (_("Decisions"), decisions),
        (_("Injects"), injects),
    ]


def _report_sheets(snapshot: dict[str, Any]) -> list[tuple[str, Rows]]:
    ratings: Rows = [[_("Objective"), _("Critical task"), _("Title"), "P", "S", "M", "U", _("Agreed")]]
    for unit in snapshot["ratings"].get("units", []):
        d = unit["distribution"]
        agreed = (unit.get("agreed") or {}).get("rating")
        ratings.append(
            [unit["objective"], unit["critical_task"], unit["title"], d["P"], d["S"], d["M"], d["U"], agreed]
        )
    findings: Rows = [[_("Finding"), _("Kind"), _("Title"), _("Analysis"), _("Objective"), _("Evidence")]]
    findings += [[f["id"], f["kind"], f["title"], f["analysis"], f["objective_title"],
                  ",".join(str(e["id"]) for e in f["timeline_entries"])] for f in snapshot["findings"]]  # fmt: skip
    plan: Rows = [[_("Item"), _("Title"), _("Status"), _("Owner"), _("Due"), _("Progress"), _("Carried over")]]
    for carried, items in ((False, snapshot["plan"]["items"]), (True, snapshot["plan"]["carried"])):
        plan += [[i["id"], i["title"], i["status"], i["owner_department_name"], i["due_date"], i["progress_note"],
                  carried] for i in items]  # fmt: skip
    answers: Rows = [[_("Questionnaire"), _("Question"), _("Kind"), _("Answers"), _("Mean"), _("Withheld")]]
    for survey in snapshot["questionnaires"]["surveys"]:
        for q in survey["questions"]:
            answers.append([survey["title"], q["text"], q["kind"], q["answers"], q.get("mean"), q["suppressed"]])
    return [(_("Ratings"), ratings), (_("Findings"), findings), (_("Plan"), plan), (_("Questionnaires"), answers)]


def report_xlsx(view: ReportView, timeline: list[dict[str, Any]]) -> bytes:
    mark = settings.EXERCISE_MARK
    sheets: list[tuple[str, Rows]] = [
        (MARK_SHEET, [[mark], [_("Simulated events only. Nothing here is real.")], [view.drill.name]]),
        (_("Summary"), _summary(view)),
        *_metric_sheets(view.snapshot["metrics"]),
        *_report_sheets(view.snapshot),
        (_("Timeline"), [timeline_headers(), *(timeline_cells(r) for r in timeline)]),
    ]
    return _workbook(sheets, title=f"{mark} · {view.drill.name}")


def _workbook(sheets: list[tuple[str, Rows]], title: str) -> bytes:
    """Written in openpyxl's write-only mode (a fifth faster for a long timeline); a text that starts
    with "=" goes in as a text cell, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    for name, rows in sheets:
        sheet = workbook.create_sheet(name[:31])
        for row in rows:
            if any(isinstance(v, str) and v.startswith("=") for v in row):
                row = [_text_cell(WriteOnlyCell(sheet, v)) if isinstance(v, str) else v for v in row]
            sheet.append(row)
    mark = settings.EXERCISE_MARK
    for key, value in {"title": title, "subject": mark, "keywords": mark, "category": mark}.items():
        setattr(workbook.properties, key, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(cell: Any) -> Any:
    cell.data_type = "s"
    return cell


def _safe(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def timeline_csv(timeline: list[dict[str, Any]]) -> bytes:
    """The whole timeline, a column `mark` (EXERCISE / 演练) on every row, so that no row read on
    its own can be taken for a real event."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([*TIMELINE_KEYS, "mark"])
    mark = settings.EXERCISE_MARK
    for row in timeline:
        writer.writerow([*(_safe(v) for v in timeline_cells(row)), mark])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
