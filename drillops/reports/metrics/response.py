"""Response figures per inject, and their distribution per department, per event and for the
drill: time to acknowledge, to first action, to resolve; deadline compliance; decision latency;
what was never acknowledged."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drillops.core.api.fields import format_utc
from drillops.reports.metrics.clock import share
from drillops.reports.metrics.facts import Facts, Row
from drillops.timelines.models import EscalationUnless

STAGES = ("acknowledge", "first_action", "resolve")


@dataclass
class Figures:
    """One inject's durations in microseconds (None: it never happened) and its deadline."""

    row: Row
    acknowledge: int | None
    first_action: int | None
    resolve: int | None
    decision: int | None  # only for injects of an event that expects a decision
    deadline_met: bool | None  # None: the inject had no deadline

    @property
    def expects_decision(self) -> bool:
        return bool(self.row.event_is_decision)


def figures_of(facts: Facts) -> list[Figures]:
    def since_delivery(row: Row, at: Any) -> int | None:
        return facts.clock.between(row.delivered_at, at) if at is not None else None

    made = []
    for row in facts.rows:
        answered = row.resolved_at if row.unless == EscalationUnless.RESOLVED else row.answered_at
        made.append(
            Figures(
                row=row,
                acknowledge=since_delivery(row, row.answered_at),
                first_action=since_delivery(row, row.first_action_at),
                resolve=since_delivery(row, row.resolved_at),
                decision=since_delivery(row, row.decided_at) if row.event_is_decision else None,
                deadline_met=None if row.deadline_at is None else answered is not None and answered <= row.deadline_at,
            )
        )
    return made


def group_figures(facts: Facts, figures: list[Figures]) -> dict[str, Any]:
    """Response times and deadline compliance for the drill, per department and per event."""
    return _grouped(facts, figures, _response)


def decisions(facts: Facts, figures: list[Figures]) -> dict[str, Any]:
    """Decision latency: the first action marked as a decision, minus delivery, on injects whose
    event expects a decision; those without one count as missing."""
    deciding = [f for f in figures if f.expects_decision]

    def latency(facts: Facts, group: list[Figures]) -> dict[str, Any]:
        values = [f.decision for f in group if f.decision is not None]
        return facts.clock.stats(values, missing=len(group) - len(values))

    return _grouped(facts, deciding, latency)


def _response(facts: Facts, group: list[Figures]) -> dict[str, Any]:
    answer: dict[str, Any] = {"injects": len(group)}
    for stage in STAGES:
        values = [v for v in (getattr(f, stage) for f in group) if v is not None]
        answer[stage] = facts.clock.stats(values, missing=len(group) - len(values))
    acknowledged = answer["acknowledge"]["count"]
    answer["acknowledged_share"] = share(acknowledged, len(group))
    timed = [f for f in group if f.deadline_met is not None]
    met = sum(1 for f in timed if f.deadline_met)
    answer["deadline"] = {
        "with_deadline": len(timed),
        "met": met,
        "missed": len(timed) - met,
        "share": share(met, len(timed)),
    }
    return answer


def _grouped(
    facts: Facts, figures: list[Figures], measure: Callable[[Facts, list[Figures]], dict[str, Any]]
) -> dict[str, Any]:
    by_department: dict[int, list[Figures]] = defaultdict(list)
    by_event: dict[int, list[Figures]] = defaultdict(list)
    for f in figures:
        by_department[f.row.department_id].append(f)
        if f.row.event_id is not None:
            by_event[f.row.event_id].append(f)
    departments = sorted(by_department, key=lambda pk: (facts.department(pk) or {}).get("code", ""))
    events = sorted(by_event, key=lambda pk: (by_event[pk][0].row.event_sequence or 0, pk))
    return {
        "drill": measure(facts, figures),
        "departments": [
            {"department": facts.department(pk), **measure(facts, by_department[pk])} for pk in departments
        ],
        "events": [{"event": _event(by_event[pk][0].row), **measure(facts, by_event[pk])} for pk in events],
    }


def _event(row: Row) -> dict[str, Any]:
    return {"id": row.event_id, "sequence": row.event_sequence, "title": row.event_title}


def inject_rows(facts: Facts, figures: list[Figures]) -> list[dict[str, Any]]:
    """Every delivered inject with its figures: the drill-down behind every distribution."""
    duration = facts.clock.duration
    return [
        {
            "id": f.row.id, "event": f.row.event_id, "department": f.row.department_id, "cause": f.row.cause,
            "source": f.row.source_id, "channel": f.row.channel, "title": f.row.title,
            "escalation_level": f.row.escalation_level, "delivered_at": format_utc(f.row.delivered_at),
            "deadline_at": format_utc(f.row.deadline_at), "deadline_met": f.deadline_met,
            "acknowledge": duration(f.acknowledge), "first_action": duration(f.first_action),
            "resolve": duration(f.resolve), "decision": duration(f.decision),
        }
        for f in figures
    ]  # fmt: skip


def never_acknowledged(facts: Facts, figures: list[Figures]) -> list[dict[str, Any]]:
    return [
        {
            "inject": f.row.id, "event": f.row.event_id, "department": facts.department(f.row.department_id),
            "title": f.row.title, "cause": f.row.cause, "delivered_at": format_utc(f.row.delivered_at),
        }
        for f in figures
        if f.acknowledge is None
    ]  # fmt: skip
