"""The console's pieces for coordinators and observers: its head (clock anchors, counts, the
attention strip, the next event) and one card per event touched by a change, rendered with the
partials the page renders (so a push and a reload show the same markup). Each role's cards are
read through that role's scope (timelines.visibility): an observer's card holds only delivered
copies and never a condition; a card the scope does not see at all is not rendered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from drillops.timelines.board import Card, board, card_key, counts_by_scope, dependent_keys, head_context, seen_by
from drillops.timelines.live.piece import Piece
from drillops.timelines.models import OPEN_STATUSES, Drill, Inject
from drillops.timelines.selectors import failed_side_effects
from drillops.timelines.visibility import COORDINATOR, OBSERVER, InjectScope

TABLE_ROLES = frozenset({COORDINATOR, OBSERVER})
UPCOMING, IN_PLAY = "upcoming", "events"  # the console's two data-live-lists of cards


@dataclass
class RoleBoard:
    head: dict[str, Any]
    cards: list[Card]


def console_boards(drill: Drill, roles: Iterable[str], injects: Iterable[Inject]) -> dict[str, RoleBoard]:
    """Per role: the head and the cards of the events these injects belong to (for coordinators
    also the events waiting on them: what they wait for changed). The cards are read once, as
    a coordinator sees them, and narrowed to each role's scope."""
    injects, roles = list(injects), sorted(roles)
    if not roles:
        return {}
    keys = {card_key(i) for i in injects}
    whole = InjectScope(COORDINATOR)
    if COORDINATOR in roles:
        keys |= dependent_keys(drill, {i.event_id for i in injects if i.event_id})
    cards = board(drill, whole, keys=keys) if keys else []
    scopes = [InjectScope(role) for role in roles]
    now = timezone.now()
    counts = counts_by_scope(drill, scopes, now)
    out: dict[str, RoleBoard] = {}
    for scope in scopes:
        role = str(scope.role)
        failed = failed_side_effects(drill=drill, user=None, role=role)
        head = head_context(drill, scope, outbox_failed=failed, now=now, counts=counts[role])
        out[role] = RoleBoard(head, seen_by(cards, scope))
    return out


def _same(card: Card) -> tuple[Any, ...]:
    return (card.key, tuple(i.pk for i in card.members), card.waits is None)


def board_pieces(
    drill: Drill, boards: dict[str, RoleBoard], roles: Iterable[str], language: str, csrf: str
) -> list[Piece]:
    """The head of each role, and each card once for every role that sees it alike (a card all
    delivered, without a condition, is the same for coordinators and observers)."""
    base: dict[str, Any] = {"drill": drill, "open_statuses": OPEN_STATUSES, "csrf_token": csrf}
    present = sorted(set(roles) & boards.keys())
    pieces = []
    alike: dict[tuple[Any, ...], tuple[Card, set[str]]] = {}
    for role in present:
        html = render_to_string("timelines/_live_head.html", {**base, "role": role, **boards[role].head})
        pieces.append(Piece("head", html, frozenset({role}), language))
        for card in boards[role].cards:
            alike.setdefault(_same(card), (card, set()))[1].add(role)
    for card, seen in alike.values():
        html = render_to_string("timelines/_event_card.html", {**base, "card": card})
        pieces.append(Piece(card.key, html, frozenset(seen), language, IN_PLAY if card.delivered else UPCOMING))
    return pieces
