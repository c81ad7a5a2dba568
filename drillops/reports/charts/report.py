"""The four charts of a drill's report, drawn from its snapshot (reports.selectors.build_snapshot,
or a published version's), so that the page and the PDF show the same pictures: response times
per department, the hand-off matrix as a heat map, escalations over time, and the P/S/M/U
distribution per objective and critical task."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from drillops.reports.charts.bars import Group, columns, grouped_bars, stacked_bars
from drillops.reports.charts.heatmap import Cell, heat_map
from drillops.reports.formatting import duration_text
from drillops.reports.models import Rating

RATING_COLOURS = ("#2b8a3e", "#0b7285", "#e67700", "#c92a2a")  # P, S, M, U
BUCKETS = 10


def department_label(department: dict[str, Any] | None) -> str:
    """A department of the metrics JSON ({"id", "code", "name", "name_zh"}) in the request's language."""
    if not department:
        return "?"
    if department.get("name_zh") and (get_language() or "").lower().startswith("zh"):
        return str(department["name_zh"])
    return str(department.get("name") or department.get("code") or "?")


def _real(figure: dict[str, Any] | None) -> float | None:
    return None if figure is None else figure.get("real")


def response_chart(metrics: dict[str, Any]) -> SafeString:
    groups = [
        Group(department_label(d["department"]), tuple(_real(d[stage]["p50"]) for stage in
                                                       ("acknowledge", "first_action", "resolve")))
        for d in metrics["response"]["departments"]
    ]  # fmt: skip
    series = [_("Acknowledge"), _("First action"), _("Resolve")]
    return grouped_bars(
        groups, series=series, label=_("Response times per department (median, real time)"), format_value=duration_text
    )


def handoff_chart(metrics: dict[str, Any]) -> SafeString:
    pairs = metrics["handoffs"]["pairs"]
    departments: dict[int, str] = {}
    for pair in pairs:
        for end in (pair["from"], pair["to"]):
            if end:
                departments[end["id"]] = end.get("code") or str(end["id"])
    cells = [Cell(p["from"]["id"], p["to"]["id"], _real(p["p50"]), p["count"]) for p in pairs if p["from"] and p["to"]]
    ordered = sorted(departments.items(), key=lambda kv: kv[1])
    return heat_map(
        ordered, cells, label=_("Hand-off matrix: median latency, sender by row"), format_value=duration_text
    )


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def escalation_chart(metrics: dict[str, Any]) -> SafeString:
    """Escalations per tenth of the drill (real time from its start)."""
    start = _instant(metrics["drill"]["started_at"])
    times = [t for t in (_instant(i["delivered_at"]) for i in metrics["escalations"]["items"]) if t is not None]
    if start is None or not times:
        return SafeString("")
    end = max([*times, _instant(metrics["drill"]["ended_at"]) or max(times)])
    span = max((end - start).total_seconds(), 1.0)
    counts = [0] * BUCKETS
    for at in times:
        counts[min(BUCKETS - 1, max(0, int((at - start).total_seconds() / span * BUCKETS)))] += 1
    labels = ["+" + duration_text(round(span * n / BUCKETS)) for n in range(BUCKETS)]
    return columns(counts, labels=labels, label=_("Escalations over time (from the drill's start)"))


def ratings_chart(ratings: dict[str, Any]) -> SafeString:
    groups = [
        Group(unit["title"], tuple(float(unit["distribution"].get(r, 0)) for r in "PSMU"))
        for unit in ratings.get("units", [])
    ]
    series = [f"{r}: {Rating(r).label}" for r in "PSMU"]
    return stacked_bars(groups, series=series, colours=RATING_COLOURS, label=_("Observer ratings (P/S/M/U)"))


def report_charts(snapshot: dict[str, Any]) -> dict[str, SafeString]:
    metrics = snapshot["metrics"]
    return {
        "response": response_chart(metrics),
        "handoffs": handoff_chart(metrics),
        "escalations": escalation_chart(metrics),
        "ratings": ratings_chart(snapshot.get("ratings", {})),
    }
