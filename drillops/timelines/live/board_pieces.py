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

from drillops.timelines.board import Card, board, card_key, dependent_keys, head_context
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
    also the events waiting on them: what they wait for changed)."""
    injects = list(injects)
    keys = {card_key(i) for i in injects}
    out: dict[str, RoleBoard] = {}
    for role in sorted(roles):
        scope = InjectScope(role)
        wanted = set(keys)
        if scope.sees_everything:
            wanted |= dependent_keys(drill, {i.event_id for i in injects if i.event_id})
        failed = failed_side_effects(drill=drill, user=None, role=role)
        cards = board(drill, scope, keys=wanted) if wanted else []
        out[role] = RoleBoard(head_context(drill, scope, outbox_failed=failed), cards)
    return out


def board_pieces(
    drill: Drill, boards: dict[str, RoleBoard], roles: Iterable[str], language: str, csrf: str
) -> list[Piece]:
    base: dict[str, Any] = {"drill": drill, "open_statuses": OPEN_STATUSES, "csrf_token": csrf}
    pieces = []
    for role in sorted(set(roles) & boards.keys()):
        found, only = boards[role], frozenset({role})
        html = render_to_string("timelines/_live_head.html", {**base, "role": role, **found.head})
        pieces.append(Piece("head", html, only, language))
        for card in found.cards:
            html = render_to_string("timelines/_event_card.html", {**base, "card": card})
            pieces.append(Piece(card.key, html, only, language, IN_PLAY if card.delivered else UPCOMING))
    return pieces
