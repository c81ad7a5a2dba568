"""What a published report version holds: one section per part of the report, each built by one
function of the drill. Adding a section is one line in SECTIONS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet

from drillops.core.api.fields import format_utc
from drillops.reports.metrics import drill_metrics
from drillops.reports.models import ImprovementItem, Observation, ReportVersion
from drillops.reports.selectors.plan import findings_of, open_items_for_drill
from drillops.reports.selectors.questionnaires import drill_questionnaire_results
from drillops.reports.selectors.scores import latest_ratings, rating_agreement, score_summary
from drillops.timelines.models import Drill, DrillState

SCHEMA_VERSION = 1
# Who wrote a rating or a note: shown to coordinators and observers, never to staff.
OBSERVER_KEYS = frozenset({"observer", "observer_name"})


def drill_section(drill: Drill) -> dict[str, Any]:
    version = drill.scenario_version
    return {
        "id": drill.pk,
        "name": drill.name,
        "state": drill.state,
        # A stopped drill's report is marked with the reason (DESIGN.md, "Metrics, precisely").
        "stopped": drill.state == DrillState.STOPPED,
        "stop_reason": drill.stop_reason,
        "time_scale": drill.time_scale,
        "started_at": drill.started_at,
        "ended_at": drill.ended_at,
        "paused_seconds": drill.paused_total.total_seconds(),
        "scenario": version.scenario.title,
        "scenario_version": version.number,
        "organisation_time_zone": drill.organisation.time_zone,
    }


def ratings_section(drill: Drill) -> dict[str, Any]:
    notes = (
        Observation.objects.filter(drill=drill).exclude(note="").select_related("observer").order_by("created_at", "id")
    )
    return {
        "units": score_summary(drill)["units"],
        "notes": [
            {
                "observer": o.observer_id, "observer_name": o.observer.get_username(), "objective": o.objective_id,
                "critical_task": o.critical_task_id, "rating": o.rating, "note": o.note, "flag": o.flag,
                "timeline_entry": o.timeline_entry_id, "at": o.created_at,
            }
            for o in notes
        ],
    }  # fmt: skip


def agreement_section(drill: Drill) -> dict[str, Any]:
    return rating_agreement(latest_ratings(drill))


def findings_section(drill: Drill) -> list[dict[str, Any]]:
    return [
        {
            "id": f.pk, "kind": f.kind, "title": f.title, "analysis": f.analysis, "objective": f.objective_id,
            "objective_title": f.objective.title if f.objective else None,
            "timeline_entries": [
                {"id": e.pk, "at": e.at, "kind": e.kind, "text": e.text, "department": e.department_id}
                for e in sorted(f.timeline_entries.all(), key=lambda e: (e.at, e.pk))
            ],
        }
        for f in findings_of(drill)
    ]  # fmt: skip


def _items(items: QuerySet[ImprovementItem]) -> list[dict[str, Any]]:
    return [
        {
            "id": i.pk, "title": i.title, "description": i.description, "status": i.status,
            "owner_department": i.owner_department_id,
            "owner_department_name": i.owner_department.name if i.owner_department else None,
            "due_date": i.due_date, "target": i.target, "finding": i.finding_id, "drill": i.drill_id,
            "progress_note": i.progress_note,
        }
        for i in items
    ]  # fmt: skip


def plan_section(drill: Drill) -> dict[str, Any]:
    made_here = (
        ImprovementItem.objects.filter(drill=drill).select_related("owner_department").order_by("due_date", "id")
    )
    return {"items": _items(made_here), "carried": _items(open_items_for_drill(drill))}


def questionnaires_section(drill: Drill) -> dict[str, Any]:
    return drill_questionnaire_results(drill)


SECTIONS: list[tuple[str, Callable[[Drill], Any]]] = [
    ("drill", drill_section),
    ("metrics", drill_metrics),
    ("ratings", ratings_section),
    ("agreement", agreement_section),
    ("findings", findings_section),
    ("plan", plan_section),
    ("questionnaires", questionnaires_section),
]


def _jsonable(value: Any) -> Any:
    """Times as the API writes them (UTC, milliseconds, Z), dates as ISO days."""
    if isinstance(value, datetime):
        return format_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def build_snapshot(drill: Drill) -> dict[str, Any]:
    drill = Drill.objects.select_related("organisation", "scenario_version__scenario").get(pk=drill.pk)
    return {"schema": SCHEMA_VERSION, **{name: _jsonable(section(drill)) for name, section in SECTIONS}}


def _without_observers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_observers(v) for k, v in value.items() if k not in OBSERVER_KEYS}
    if isinstance(value, list):
        return [_without_observers(v) for v in value]
    return value


def snapshot_for(snapshot: dict[str, Any], role: str | None) -> dict[str, Any]:
    """A published snapshot as one role reads it: staff see the ratings and notes without the
    observers who wrote them."""
    if role in ("coordinator", "observer"):
        return snapshot
    return {**snapshot, "ratings": _without_observers(snapshot.get("ratings", {}))}


def versions_of(drill: Drill) -> QuerySet[ReportVersion]:
    return ReportVersion.objects.filter(drill=drill).select_related("published_by").order_by("-number")
