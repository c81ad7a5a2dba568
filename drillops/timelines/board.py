"""The console at a glance (coordinators and observers): one card per scenario event with its
department copies, the escalations it caused (one per step and target, naming every department
that missed) and, for coordinators, what a waiting event still waits for; the drill's counts and
its next event. What a user may see is asked of the scope (timelines.visibility), never derived
here: an observer's cards hold only delivered copies, and only a scope that sees everything gets
totals, the next event and conditions."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import BooleanField, Count, Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils import timezone

from drillops.scenarios.models import ConditionKind, ScenarioEvent
from drillops.timelines.models import (
    OPEN_STATUSES,
    SCENARIO_CAUSES,
    Drill,
    DrillState,
    Inject,
    InjectCause,
    InjectSource,
    InjectStatus,
    overdue_sql,
)
from drillops.timelines.visibility import InjectScope

BOARD_LIMIT = 500  # injects read for one page; a drill's MSEL is far smaller


def card_key(inject: Inject) -> str:
    """The card an inject shows on: its scenario event's, else its own (ad hoc)."""
    return f"event-{inject.event_id}" if inject.event_id else f"inject-{inject.pk}"


@dataclass
class Waits:
    """What a waiting event's condition still needs: `kind`, the event it depends on, the delay
    after it, and the copies of that event not there yet (unresolved, or undelivered)."""

    kind: str
    event: ScenarioEvent
    delay_seconds: int
    missing: list[Inject] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(ConditionKind(self.kind).label) if self.kind in ConditionKind.values else self.kind


@dataclass
class Card:
    key: str
    title: str
    event: ScenarioEvent | None
    copies: list[Inject] = field(default_factory=list)  # one per department (scenario, ad hoc)
    escalations: list[Inject] = field(default_factory=list)  # one per step and target
    forwards: list[Inject] = field(default_factory=list)
    waits: Waits | None = None

    @property
    def members(self) -> list[Inject]:
        return [*self.copies, *self.escalations, *self.forwards]

    @property
    def delivered(self) -> bool:
        return any(i.delivered_at is not None for i in self.members)

    @property
    def due_at(self) -> datetime | None:
        dues = [i.due_at for i in self.copies if i.due_at is not None]
        return min(dues) if dues else None

    @property
    def first_delivered_at(self) -> datetime | None:
        times = [i.delivered_at for i in self.members if i.delivered_at is not None]
        return min(times) if times else None

    @property
    def is_overdue(self) -> bool:
        return any(i.is_overdue and i.acknowledged_at is None for i in self.members)

    @property
    def open_escalations(self) -> list[Inject]:
        return [i for i in self.escalations if i.status in OPEN_STATUSES]

    @property
    def department_ids(self) -> str:
        return " ".join(sorted({str(i.department_id) for i in self.members}))

    @property
    def order(self) -> int:
        """A tie-breaker for the page's sorting: the card's first row."""
        return min(i.pk for i in self.members)

    @property
    def is_decision(self) -> bool:
        return any(i.is_decision for i in self.copies)

    @property
    def is_waiting(self) -> bool:
        return any(i.status == InjectStatus.WAITING for i in self.copies)


def _injects(drill: Drill, scope: InjectScope) -> QuerySet[Inject]:
    return (
        Inject.objects.filter(drill=drill)
        .filter(scope.q())
        .select_related("department", "event__condition_event")
        .order_by("due_at", "id")
    )


def _with_sources(escalations: list[Inject]) -> None:
    """Every department copy each escalation speaks for, with the time it joined (one query, and
    none when there is no escalation)."""
    if escalations:
        sources = InjectSource.objects.select_related("source__department").order_by("joined_at", "id")
        prefetch_related_objects(escalations, Prefetch("source_links", queryset=sources))


def board(drill: Drill, scope: InjectScope, *, keys: Iterable[str] | None = None) -> list[Card]:
    """The cards of the drill as `scope` sees them (only those named by `keys` when given), in
    scenario order. A card with no copy the scope sees is left out."""
    injects = _injects(drill, scope)
    if keys is not None:
        wanted = set(keys)
        events = [int(k[6:]) for k in wanted if k.startswith("event-")]
        loose = [int(k[7:]) for k in wanted if k.startswith("inject-")]
        injects = injects.filter(Q(event_id__in=events) | Q(pk__in=loose, event__isnull=True))
    cards: dict[str, Card] = {}
    for inject in injects[:BOARD_LIMIT]:
        key = card_key(inject)
        card = cards.get(key)
        if card is None:
            title = inject.event.title if inject.event is not None else inject.title
            card = cards[key] = Card(key=key, title=title, event=inject.event)
        if inject.cause == InjectCause.ESCALATION:
            card.escalations.append(inject)
        elif inject.cause == InjectCause.FORWARD:
            card.forwards.append(inject)
        else:
            card.copies.append(inject)
    shown = [c for c in cards.values() if c.members]
    _with_sources([e for c in shown for e in c.escalations])
    if scope.sees_everything:
        _add_conditions(drill, [c for c in shown if c.is_waiting])
    far = datetime.max.replace(tzinfo=timezone.get_current_timezone())
    return sorted(shown, key=lambda c: (c.due_at or c.first_delivered_at or far, c.key))


def _add_conditions(drill: Drill, cards: list[Card]) -> None:
    """For coordinators: which copies of the event a waiting card depends on are not there yet."""
    on = {c.event.condition_event_id for c in cards if c.event is not None and c.event.condition_event_id}
    if not on:
        return
    copies: dict[int, list[Inject]] = defaultdict(list)
    rows = Inject.objects.filter(drill=drill, event_id__in=on, cause__in=SCENARIO_CAUSES).select_related("department")
    for row in rows.order_by("department__code", "id"):
        copies[row.event_id or 0].append(row)
    for card in cards:
        event = card.event
        if event is None or event.condition_event is None:
            continue
        needed = copies[event.condition_event.pk]
        if event.condition_kind == ConditionKind.AFTER_RESOLVED:
            missing = [i for i in needed if i.status not in (InjectStatus.RESOLVED, InjectStatus.CANCELLED)]
        else:  # "if not acknowledged": armed when the copy is delivered (its deadline is then known)
            missing = [i for i in needed if i.delivered_at is None]
        card.waits = Waits(event.condition_kind, event.condition_event, event.condition_delay_seconds, missing)


def dependent_keys(drill: Drill, event_ids: Iterable[int]) -> set[str]:
    """The cards of events that wait on these events (their "waits for" changes with them)."""
    ids = {e for e in event_ids if e}
    if not ids:
        return set()
    waiting = _waiting_on(drill.scenario_version_id)
    return {f"event-{pk}" for event in ids for pk in waiting.get(event, ())}


@functools.lru_cache(maxsize=256)
def _waiting_on(version_id: int) -> dict[int, tuple[int, ...]]:
    """Per event of a version, the events whose condition names it. A drill runs an approved
    version, which never changes (scenarios.services), so a process keeps this once."""
    found: dict[int, list[int]] = defaultdict(list)
    rows = ScenarioEvent.objects.filter(version_id=version_id, condition_event__isnull=False)
    for pk, on in rows.values_list("pk", "condition_event_id"):
        found[on].append(pk)
    return {on: tuple(pks) for on, pks in found.items()}


def console_counts(drill: Drill, scope: InjectScope, now: datetime | None = None) -> dict[str, Any]:
    """The console's counts over what `scope` sees. Only a scope that sees everything gets the
    total (observers: delivered counts only)."""
    return counts_by_scope(drill, [scope], now)[scope.role or ""]


def counts_by_scope(drill: Drill, scopes: Iterable[InjectScope], now: datetime | None = None) -> dict[str, Any]:
    """console_counts() of several scopes (by role) in one statement: a push draws them for the
    heads of coordinators and observers at once. Overdue and unanswered: Inject.is_overdue's SQL
    twin on a row nobody acknowledged."""
    sql = overdue_sql(Inject._meta.db_table, "%s")  # our table name and enum values, `now` a parameter
    overdue = RawSQL(sql, [now or timezone.now()], output_field=BooleanField())  # noqa: S611
    wanted: dict[str, Q] = {
        "delivered": Q(delivered_at__isnull=False),
        "open": Q(status__in=OPEN_STATUSES),
        "overdue": Q(overdue, acknowledged_at__isnull=True, status__in=OPEN_STATUSES),
        "escalated": Q(cause=InjectCause.ESCALATION, status__in=OPEN_STATUSES),
        "resolved": Q(status=InjectStatus.RESOLVED),
    }
    aggregates: dict[str, Any] = {}
    for scope in scopes:
        names = [*wanted, "total"] if scope.sees_everything else list(wanted)
        for name in names:
            condition = wanted.get(name, ~Q(status=InjectStatus.CANCELLED) | Q(delivered_at__isnull=False))
            aggregates[f"{scope.role}__{name}"] = Count("id", filter=scope.q() & condition)
    row = Inject.objects.filter(drill=drill).aggregate(**aggregates)
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for key, value in row.items():
        role, name = key.split("__", 1)
        out[role][name] = value
    for counts in out.values():
        if "total" in counts:
            counts["percent"] = round(100 * counts["delivered"] / counts["total"]) if counts["total"] else 0
    return out


def next_event(drill: Drill, scope: InjectScope) -> Inject | None:
    """The next inject the dispatcher will deliver, for a scope that sees what is to come."""
    if not scope.sees_everything or not drill.is_active:
        return None
    pending = Inject.objects.filter(drill=drill, status=InjectStatus.PENDING, delivered_at__isnull=True)
    return pending.select_related("event", "department").order_by("due_at", "id").first()


def head_context(
    drill: Drill,
    scope: InjectScope,
    *,
    outbox_failed: int | None,
    now: datetime | None = None,
    counts: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The clock, counts, next event and attention strip of the console's head. The clock is given
    as anchors (the scenario seconds at the server's instant, the time scale, whether it runs):
    the page ticks it by itself, no request per second."""
    now = now or timezone.now()
    watches = scope.watches_drill
    return {
        "now": now,
        "counts": (counts if counts is not None else console_counts(drill, scope, now)) if watches else None,
        "next_inject": next_event(drill, scope),
        "sees_everything": scope.sees_everything,
        "outbox_failed": outbox_failed if scope.sees_everything else None,
        "clock": {
            "scenario_s": round(drill.scenario_elapsed(now), 3),
            "server_ms": int(now.timestamp() * 1000),
            "ticking": drill.state == DrillState.RUNNING,
            # Deadlines stand still while paused (resume moves them): countdowns show them from here.
            "paused_ms": int(drill.paused_at.timestamp() * 1000) if drill.paused_at else "",
            "tz": drill.organisation.time_zone,
        },
    }


def board_departments(cards: Iterable[Card]) -> list[Any]:
    """The departments on the cards, for the console's department filter."""
    found = {i.department_id: i.department for card in cards for i in card.members}
    return sorted(found.values(), key=lambda d: (d.display_name, d.pk))


def seen_by(cards: Iterable[Card], scope: InjectScope) -> list[Card]:
    """The same cards as a narrower scope sees them, row by row (`InjectScope.sees`), without
    reading them again: an observer's cards from a coordinator's. Conditions only for a scope
    that sees everything; a card left with no row is left out."""
    out = []
    for card in cards:
        copies = [i for i in card.copies if scope.sees(i)]
        escalations = [i for i in card.escalations if scope.sees(i)]
        forwards = [i for i in card.forwards if scope.sees(i)]
        if copies or escalations or forwards:
            waits = card.waits if scope.sees_everything else None
            out.append(Card(card.key, card.title, card.event, copies, escalations, forwards, waits))
    return out
