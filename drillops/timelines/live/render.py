"""The pieces a push carries, rendered once per (role, language) with the same partial templates
the console renders, so that a pushed row is exactly the row a reload would show.

Runs in the stream process's render thread (the ORM and templates are synchronous). Each piece
keeps the inject it shows (or None for a drill-wide piece), so that the fan-out can ask each
page's own scope, `InjectScope.sees()`, whether it may have it."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import close_old_connections
from django.template.loader import render_to_string
from django.utils import timezone, translation

from drillops.timelines.models import OPEN_STATUSES, Drill, Inject, TimelineEntry
from drillops.timelines.views import FEED_LIMIT, TIMELINE_LIMIT, counts_of
from drillops.timelines.visibility import COORDINATOR, OBSERVER, STAFF, InjectScope

# Forms in pushed pieces carry this instead of a token; the page puts in its own (one rendering
# serves every user, and a CSRF token belongs to one browser).
CSRF_PLACEHOLDER = "live-csrf-placeholder"
TABLE_ROLES = frozenset({COORDINATOR, OBSERVER})


@dataclass(frozen=True)
class Piece:
    """One element of a page, as pages of `roles` in `language` show it."""

    key: str  # data-live-key of the element it replaces or inserts
    html: str
    roles: frozenset[str]
    language: str
    list: str = ""  # data-live-list it goes into when the page does not have it yet
    subject: Inject | None = None  # the inject it shows; None for drill-wide pieces

    @property
    def digest(self) -> str:
        return hashlib.blake2b(self.html.encode(), digest_size=12).hexdigest()

    def as_json(self) -> dict[str, str]:
        return (
            {"key": self.key, "list": self.list, "html": self.html}
            if self.list
            else {"key": self.key, "html": self.html}
        )


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
    *, drill_id: int, inject_ids: set[int], expand_claims: bool, entries_after: int, wanted: set[tuple[str, str]]
) -> Rendered:
    """The pieces of one batch of changes, for the (role, language) pairs that have listeners."""
    close_old_connections()  # this thread lives long: drop a connection the database closed
    started = time.thread_time()
    try:
        out = _render(drill_id, inject_ids, expand_claims, entries_after, wanted)
        out.cpu_ms = (time.thread_time() - started) * 1000
        return out
    finally:
        close_old_connections()


def _render(
    drill_id: int, inject_ids: set[int], expand_claims: bool, entries_after: int, wanted: set[tuple[str, str]]
) -> Rendered:
    drill = Drill.objects.select_related("organisation").filter(pk=drill_id).first()
    out = Rendered(last_entry_id=entries_after)
    if drill is None or not wanted:
        return out
    if expand_claims:
        inject_ids = _claimed_together(drill_id, inject_ids)
    injects = list(
        Inject.objects.filter(drill=drill, pk__in=inject_ids).select_related(
            "department", "event", "source", "acknowledged_by"
        )
    )
    entries = list(
        TimelineEntry.objects.filter(drill=drill, pk__gt=entries_after)
        .select_related("actor", "department", "inject")
        .order_by("id")[: max(TIMELINE_LIMIT, FEED_LIMIT)]
    )
    if entries:
        out.last_entry_id = entries[-1].pk
    roles = {role for role, _language in wanted}
    # Counted per role through its scope: an observer's counts are of delivered injects only.
    changed = bool(injects or entries)
    counts = {role: counts_of(drill, InjectScope(role)) for role in roles & TABLE_ROLES if changed}
    timezone.activate(drill.organisation.tz)
    try:
        for language in sorted({language for _role, language in wanted}):
            with translation.override(language):
                present = {role for role, lang in wanted if lang == language}
                out.pieces += _pieces(drill, present, language, injects, entries, counts)
    finally:
        timezone.deactivate()
    return out


def _pieces(
    drill: Drill,
    roles: set[str],
    language: str,
    injects: Iterable[Inject],
    entries: Iterable[TimelineEntry],
    counts: dict[str, dict[str, int]],
) -> list[Piece]:
    base: dict[str, Any] = {"drill": drill, "open_statuses": OPEN_STATUSES, "csrf_token": CSRF_PLACEHOLDER}
    pieces = []
    for role in sorted(roles & counts.keys()):
        html = render_to_string("timelines/_live_head.html", {**base, "role": role, "counts": counts[role]})
        pieces.append(Piece("head", html, frozenset({role}), language))
    for inject in injects:
        key = f"inject-{inject.pk}"
        if roles & TABLE_ROLES:
            html = render_to_string("timelines/_inject_row.html", {**base, "i": inject})
            pieces.append(Piece(key, html, TABLE_ROLES, language, "injects", inject))
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
