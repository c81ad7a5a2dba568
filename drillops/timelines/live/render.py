"""The pieces a push carries, rendered once per (role, language) with the same partial templates
the console renders, so that a pushed row is exactly the row a reload would show.

Runs in the stream process's render thread (the ORM and templates are synchronous). Each piece
keeps the inject it shows (or None for a drill-wide piece), so that the fan-out can ask each
page's own scope, `InjectScope.sees()`, whether it may have it."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import close_old_connections
from django.template.loader import render_to_string
from django.utils import timezone, translation

from drillops.timelines.live.board_pieces import TABLE_ROLES, board_pieces, console_boards
from drillops.timelines.live.piece import Piece
from drillops.timelines.models import OPEN_STATUSES, Drill, EscalationStep, Inject, TimelineEntry
from drillops.timelines.selectors import attach_missed
from drillops.timelines.views import FEED_LIMIT, TIMELINE_LIMIT
from drillops.timelines.visibility import COORDINATOR, STAFF

# Forms in pushed pieces carry this instead of a token; the page puts in its own (one rendering
# serves every user, and a CSRF token belongs to one browser).
CSRF_PLACEHOLDER = "live-csrf-placeholder"


@dataclass
class Rendered:
    pieces: list[Piece] = field(default_factory=list)
    last_entry_id: int = 0
    cpu_ms: float = 0.0


def _claimed_together(drill_id: int, ids: set[int]) -> set[int]:
    """Every row of the claims these rows came from: one claim shares one delivered_at, and the
    delivery message names only its first rows."""
    named = Inject.objects.filter(drill_id=drill_id, pk__in=ids, delivered_at__isnull=False)
    together = Inject.objects.filter(drill_id=drill_id, delivered_at__in=named.values("delivered_at"))
    return ids | set(together.values_list("pk", flat=True))


def render_changes(
    *,
    drill_id: int,
    inject_ids: set[int],
    expand_claims: bool,
    entries_after: int,
    wanted: set[tuple[str, str]],
    pages: frozenset[int] = frozenset(),
) -> Rendered:
    """The pieces of one batch of changes, for the (role, language) pairs that have listeners
    (and for the inject pages open among them: `pages`, their injects)."""
    close_old_connections()  # this thread lives long: drop a connection the database closed
    started = time.thread_time()
    try:
        out = _render(drill_id, inject_ids, expand_claims, entries_after, wanted, pages)
        out.cpu_ms = (time.thread_time() - started) * 1000
        return out
    finally:
        close_old_connections()


def _render(
    drill_id: int,
    inject_ids: set[int],
    expand_claims: bool,
    entries_after: int,
    wanted: set[tuple[str, str]],
    pages: frozenset[int] = frozenset(),
) -> Rendered:
    drill = Drill.objects.select_related("organisation").filter(pk=drill_id).first()
    out = Rendered(last_entry_id=entries_after)
    if drill is None or not wanted:
        return out
    if expand_claims:
        inject_ids = _claimed_together(drill_id, inject_ids)
    injects = list(
        Inject.objects.filter(drill=drill, pk__in=inject_ids).select_related(
            "department", "event", "source__department", "acknowledged_by"
        )
    )
    attach_missed(injects)  # an escalation's card names every department that missed
    entries = list(
        TimelineEntry.objects.filter(drill=drill, pk__gt=entries_after)
        .select_related("actor", "department", "inject")
        .order_by("id")[: max(TIMELINE_LIMIT, FEED_LIMIT)]
    )
    if entries:
        out.last_entry_id = entries[-1].pk
    roles = {role for role, _language in wanted}
    timezone.activate(drill.organisation.tz)
    try:
        # The console's head and cards, read once per role (every language shows the same rows).
        boards = console_boards(drill, roles & TABLE_ROLES, injects) if injects or entries else {}
        for language in sorted({language for _role, language in wanted}):
            with translation.override(language):
                present = {role for role, lang in wanted if lang == language}
                out.pieces += board_pieces(drill, boards, present, language, CSRF_PLACEHOLDER)
                out.pieces += _pieces(drill, present, language, injects, entries)
                out.pieces += _detail_pieces(drill, present, language, injects, entries, pages)
    finally:
        timezone.deactivate()
    return out


def _pieces(
    drill: Drill,
    roles: set[str],
    language: str,
    injects: Iterable[Inject],
    entries: Iterable[TimelineEntry],
) -> list[Piece]:
    base: dict[str, Any] = {"drill": drill, "open_statuses": OPEN_STATUSES, "csrf_token": CSRF_PLACEHOLDER}
    pieces = []
    for inject in injects:
        key = f"inject-{inject.pk}"
        if STAFF in roles and inject.delivered_at is not None:
            html = render_to_string("timelines/_inject_card.html", {**base, "i": inject})
            pieces.append(Piece(key, html, frozenset({STAFF}), language, "injects", inject))
    for entry in entries:
        for role in sorted(roles & TABLE_ROLES):
            html = render_to_string("timelines/_timeline_entry.html", {**base, "role": role, "e": entry})
            pieces.append(Piece(f"entry-{entry.pk}", html, frozenset({role}), language, "timeline", entry.inject))
        if entry.kind == "message":
            html = render_to_string("timelines/_comms_message.html", {"m": entry})
            pieces.append(Piece(f"message-{entry.pk}", html, frozenset(roles), language, "messages"))
    return pieces


def _detail_pieces(
    drill: Drill,
    roles: set[str],
    language: str,
    injects: Iterable[Inject],
    entries: Iterable[TimelineEntry],
    pages: frozenset[int],
) -> list[Piece]:
    """The read-only part of the inject pages open now (and only those: other pages never get
    them): the head (state, deadline, escalation; the ladder for coordinators and observers)
    and the entries under it."""
    shown = [i for i in injects if i.pk in pages]
    notes = [e for e in entries if e.inject_id in pages]
    if not shown and not notes:
        return []
    base: dict[str, Any] = {"drill": drill, "open_statuses": OPEN_STATUSES}
    steps: dict[int, list[EscalationStep]] = {}
    if shown and roles & TABLE_ROLES:
        ladder = EscalationStep.objects.filter(inject__in=shown).select_related("target_department")
        for step in ladder.order_by("inject_id", "position"):
            steps.setdefault(step.inject_id, []).append(step)
    pieces: list[Piece] = []
    for inject in shown:
        # Coordinators and observers read the same page (with the ladder); staff without it.
        for group in (roles & TABLE_ROLES, roles & {STAFF}):
            if not group:
                continue
            role = STAFF if STAFF in group else COORDINATOR
            context = {**base, "role": role, "i": inject, "steps": steps.get(inject.pk, []) if role != STAFF else []}
            html = render_to_string("timelines/_inject_detail_head.html", context)
            pieces.append(Piece(f"detail-{inject.pk}", html, frozenset(group), language, "", inject, inject.pk))
    for entry in notes:
        html = render_to_string("timelines/_inject_history_entry.html", {"e": entry})
        into = f"detail-entries-{entry.inject_id}"
        pieces.append(
            Piece(
                f"detail-entry-{entry.pk}", html, frozenset(roles), language, into, entry.inject, entry.inject_id or 0
            )
        )
    return pieces
