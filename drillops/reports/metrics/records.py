"""Escalations by level and target, press questions with their answer time and rating, and the
timeline entries that observers flagged as errors."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from drillops.core.api.fields import format_utc
from drillops.reports.metrics.facts import Facts
from drillops.reports.metrics.response import Figures
from drillops.reports.models import ObservationFlag, Rating
from drillops.scenarios.models import Channel
from drillops.timelines.models import InjectCause


def _copies(row: Any) -> list[tuple[int, Any]]:
    """The department copies an escalation speaks for (an escalation made before sources were
    recorded speaks for its source)."""
    return row.sources or ([(row.source_id, row.delivered_at)] if row.source_id else [])


def escalations(facts: Facts) -> dict[str, Any]:
    """Each escalation inject with the copies it speaks for; counts (escalations, and the copies
    they speak for) by level, by target department, and by both."""
    made = [row for row in facts.rows if row.cause == InjectCause.ESCALATION]
    departments = {row.id: row.department_id for row in facts.rows}
    tables: dict[str, dict[Any, list[int]]] = {
        name: defaultdict(lambda: [0, 0]) for name in ("level", "target", "both")
    }
    for row in made:
        keys = {
            "level": row.escalation_level,
            "target": row.department_id,
            "both": (row.escalation_level, row.department_id),
        }
        for name, key in keys.items():
            tables[name][key][0] += 1
            tables[name][key][1] += len(_copies(row))
    targets = sorted(tables["target"].items())
    return {
        "count": len(made),
        "by_level": [{"level": k, "count": c, "sources": n} for k, (c, n) in sorted(tables["level"].items())],
        "by_target": [{"department": facts.department(k), "count": c, "sources": n} for k, (c, n) in targets],
        "by_level_and_target": [
            {"level": level, "department": facts.department(target), "count": c, "sources": n}
            for (level, target), (c, n) in sorted(tables["both"].items())
        ],
        "items": [
            {
                "inject": row.id, "event": row.event_id, "level": row.escalation_level,
                "department": row.department_id, "delivered_at": format_utc(row.delivered_at),
                "sources": [
                    {"inject": source, "department": departments.get(source), "joined_at": format_utc(joined)}
                    for source, joined in _copies(row)
                ],
            }
            for row in made
        ],
    }  # fmt: skip


def _observations_by_inject(facts: Facts) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for observation in facts.observations:
        inject_id = observation["timeline_entry__inject_id"]
        if inject_id is not None:
            found[inject_id].append(observation)
    return found


def press(facts: Facts, figures: list[Figures]) -> dict[str, Any]:
    """Press questions: their time to resolve (the answer) and the observations pointing at them."""
    questions = [f for f in figures if f.row.channel == Channel.PRESS]
    observed = _observations_by_inject(facts)

    def answer_time(group: list[Figures]) -> dict[str, Any]:
        values = [f.resolve for f in group if f.resolve is not None]
        return facts.clock.stats(values, missing=len(group) - len(values))

    by_department: dict[int, list[Figures]] = defaultdict(list)
    for f in questions:
        by_department[f.row.department_id].append(f)
    items = []
    for f in questions:
        notes = observed.get(f.row.id, [])
        ratings = Counter(o["rating"] for o in notes if o["rating"])
        items.append(
            {
                "inject": f.row.id, "event": f.row.event_id, "department": f.row.department_id, "title": f.row.title,
                "answer": facts.clock.duration(f.resolve), "ratings": {r: ratings.get(r, 0) for r in Rating.values},
                "observations": [
                    {"id": o["id"], "rating": o["rating"], "note": o["note"], "flag": o["flag"]} for o in notes
                ],
            }
        )  # fmt: skip
    return {
        "drill": answer_time(questions),
        "departments": [
            {"department": facts.department(pk), **answer_time(group)} for pk, group in sorted(by_department.items())
        ],
        "items": items,
    }


def flagged_errors(facts: Facts) -> list[dict[str, Any]]:
    """Timeline entries an observer flagged as an error, with the observation that says why."""
    return [
        {
            "observation": o["id"], "entry": o["timeline_entry_id"], "at": format_utc(o["timeline_entry__at"]),
            "kind": o["timeline_entry__kind"], "inject": o["timeline_entry__inject_id"],
            "department": facts.department(o["timeline_entry__department_id"]), "text": o["timeline_entry__text"],
            "note": o["note"], "rating": o["rating"],
        }
        for o in facts.observations
        if o["flag"] == ObservationFlag.ERROR
    ]  # fmt: skip
