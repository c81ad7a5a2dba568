"""The hand-off matrix (DESIGN.md): for department A's copy of event E, the moment department B got
it passed on is the delivery of the first forward or escalation to B whose source / sources chain
leads back to A's copy (for a copy that joined an escalation B already had, the time it joined);
the hand-off latency is that moment minus the delivery of A's copy, less paused time. Per ordered
pair: the count of events, p50 and max.

A chain A -> B -> C also counts as a hand-off from A to C, reached when its last link was made.
Where A holds several copies of E (its own, and others passed to it), the first one delivered
that reaches B is A's copy for that pair."""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drillops.reports.metrics.facts import Facts, Row
from drillops.timelines.models import InjectCause

Edges = dict[int, list[tuple[int, datetime]]]  # inject -> [(inject it was passed on as, when)]


@dataclass(frozen=True)
class Handoff:
    pair: tuple[int, int]  # (A, B)
    event_id: int
    copy: Row  # A's copy
    at: datetime  # when B got it passed on
    received: int  # the inject through which B got it


def _edges(rows: list[Row]) -> Edges:
    """Only forwards and escalations pass a copy on (a conditional event's `source` does not)."""
    edges: Edges = defaultdict(list)
    for row in rows:
        if row.cause == InjectCause.FORWARD and row.source_id is not None:
            edges[row.source_id].append((row.id, row.delivered_at))
        elif row.cause == InjectCause.ESCALATION:
            links = row.sources or ([(row.source_id, row.delivered_at)] if row.source_id is not None else [])
            for source_id, joined_at in links:
                edges[source_id].append((row.id, max(row.delivered_at, joined_at)))
    return edges


def _arrivals(start: Row, edges: Edges, by_id: dict[int, Row]) -> dict[int, tuple[datetime, int]]:
    """Earliest moment each department holds `start` passed on: along a chain, the time of its
    last link (the latest hop), over all chains the earliest."""
    reached = {start.id: start.delivered_at}
    queue = [(start.delivered_at, start.id)]
    by_department: dict[int, tuple[datetime, int]] = {}
    while queue:
        at, inject_id = heapq.heappop(queue)
        if at > reached[inject_id]:
            continue
        department = by_id[inject_id].department_id
        if inject_id != start.id and department != start.department_id and department not in by_department:
            by_department[department] = (at, inject_id)
        for child, hop in edges.get(inject_id, []):
            arrival = max(at, hop)
            if child in by_id and arrival < reached.get(child, datetime.max.replace(tzinfo=arrival.tzinfo)):
                reached[child] = arrival
                heapq.heappush(queue, (arrival, child))
    return by_department


def handoffs(facts: Facts) -> dict[str, Any]:
    by_id = {row.id: row for row in facts.rows}
    edges = _edges(facts.rows)
    per_event: dict[int, list[Row]] = defaultdict(list)
    for row in facts.rows:
        if row.event_id is not None:
            per_event[row.event_id].append(row)
    items: list[Handoff] = []
    for event_id, rows in per_event.items():
        seen: set[tuple[int, int]] = set()
        for copy in rows:  # in delivery order: A's first copy that reaches B is A's copy
            for department, reached in sorted(_arrivals(copy, edges, by_id).items(), key=lambda kv: kv[1]):
                pair = (copy.department_id, department)
                if pair not in seen:
                    seen.add(pair)
                    items.append(Handoff(pair, event_id, copy, *reached))
    return {"pairs": _pairs(facts, items), "items": _items(facts, items)}


def _pairs(facts: Facts, items: list[Handoff]) -> list[dict[str, Any]]:
    values: dict[tuple[int, int], list[int]] = defaultdict(list)
    for item in items:
        values[item.pair].append(facts.clock.between(item.copy.delivered_at, item.at))
    answer = []
    for (source, destination), micros in values.items():
        stats = facts.clock.stats(micros)
        answer.append(
            {
                "from": facts.department(source), "to": facts.department(destination), "count": stats["count"],
                "p50": stats["p50"], "max": stats["max"],
            }
        )  # fmt: skip
    return sorted(answer, key=lambda p: ((p["from"] or {}).get("code", ""), (p["to"] or {}).get("code", "")))


def _items(facts: Facts, items: list[Handoff]) -> list[dict[str, Any]]:
    clock = facts.clock
    return [
        {
            "event": item.event_id, "from": item.pair[0], "to": item.pair[1], "from_inject": item.copy.id,
            "to_inject": item.received, "latency": clock.duration(clock.between(item.copy.delivered_at, item.at)),
        }
        for item in items
    ]  # fmt: skip
