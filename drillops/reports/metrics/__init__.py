"""A drill's metrics, computed from its timeline as DESIGN.md's "Metrics, precisely" defines them:
per inject, department, event and drill. Every duration is real time between two instants less
the paused time between them, in real and scenario seconds to the millisecond; percentiles are
nearest-rank; what never happened is counted as missing, never as a large number.

`drill_metrics(drill)` answers the JSON of GET /api/v1/drills/{id}/report/. Metrics see
everything; the report's doors decide who reads them (reports.selectors.can_read_report)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from drillops.core.api.fields import format_utc
from drillops.reports.metrics import facts as _facts
from drillops.reports.metrics.handoff import handoffs
from drillops.reports.metrics.records import escalations, flagged_errors, press
from drillops.reports.metrics.response import (
    Figures,
    decisions,
    figures_of,
    group_figures,
    inject_rows,
    never_acknowledged,
)
from drillops.reports.metrics.targets import TargetResult, evaluate_target, figure_for
from drillops.scenarios.targets import Target, TargetError
from drillops.timelines.models import Drill, DrillState

__all__ = [
    "Measured",
    "TargetResult",
    "comparable_with",
    "drill_metrics",
    "evaluate_target",
    "figure_for",
    "is_verifying",
    "measure",
    "same_time_scale",
]


def is_verifying(drill: Drill) -> bool:
    """Whether the drill's figures may verify improvement items and enter trends: it finished.
    A stopped drill gets a report, marked with its reason, but never verifies."""
    return drill.state == DrillState.FINISHED


def same_time_scale(drill_a: Drill, drill_b: Drill) -> bool:
    return math.isclose(drill_a.time_scale, drill_b.time_scale, rel_tol=1e-9)


def comparable_with(drill_a: Drill, drill_b: Drill) -> bool:
    """Real seconds are compared only between drills run at the same time scale, and only
    between drills that verify (finished, not stopped)."""
    return is_verifying(drill_a) and is_verifying(drill_b) and same_time_scale(drill_a, drill_b)


def _drill(facts: _facts.Facts) -> dict[str, Any]:
    drill = facts.drill
    until = drill.ended_at or timezone.now()
    return {
        "id": drill.pk, "name": drill.name, "state": drill.state, "time_scale": drill.time_scale,
        "started_at": format_utc(drill.started_at), "ended_at": format_utc(drill.ended_at),
        "stop_reason": drill.stop_reason, "verifying": is_verifying(drill),
        "paused": [{"from": format_utc(start), "to": format_utc(end)} for start, end in facts.clock.pauses],
        "paused_seconds": round(facts.clock.paused_total(until) / 1e6, 3),
    }  # fmt: skip


def _critical_tasks(facts: _facts.Facts, metrics: dict[str, Any]) -> list[dict[str, Any]]:
    tasks = []
    for task in facts.tasks:
        result = None
        if task.target:
            try:
                result = evaluate_target(Target.from_json(task.target), metrics).as_json()
            except TargetError:  # stored before a check existed; shown without a figure
                result = None
        tasks.append(
            {
                "id": task.pk,
                "objective": task.objective_id,
                "title": task.title,
                "target": task.target,
                "result": result,
            }
        )
    return tasks


@dataclass(frozen=True)
class Measured:
    """The metrics JSON and what it was computed from, for readers that need the rows behind a
    figure (proposed findings name the injects and entries that show it)."""

    metrics: dict[str, Any]
    facts: _facts.Facts
    figures: list[Figures]


def drill_metrics(drill: Drill) -> dict[str, Any]:
    return measure(drill).metrics


def measure(drill: Drill) -> Measured:
    facts = _facts.load(drill)
    figures = figures_of(facts)
    metrics: dict[str, Any] = {
        "drill": _drill(facts),
        "response": group_figures(facts, figures),
        "decisions": decisions(facts, figures),
        "handoffs": handoffs(facts),
        "escalations": escalations(facts),
        "press": press(facts, figures),
        "never_acknowledged": never_acknowledged(facts, figures),
        "flagged_errors": flagged_errors(facts),
        "injects": inject_rows(facts, figures),
    }
    metrics["critical_tasks"] = _critical_tasks(facts, metrics)
    return Measured(metrics=metrics, facts=facts, figures=figures)
