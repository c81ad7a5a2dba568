"""What one reader sees of a drill's report, for the page and every export (one read, one rule):

- coordinators (and superusers) read the live draft: the report as it stands now, with the whole
  timeline (visibility.py's scope for them is everything), or any published version on request;
- everyone else who sees the drill (its roster, the organisation's staff) reads only a published
  version, the latest unless another is asked for, as reports.selectors.snapshot_for shapes it for
  their role (staff without the observers' names), and, as DESIGN.md's "Who sees what" says of a
  published report, the whole timeline as it stood when that version was published.

Timeline rows are read with .values() so that an export of 10,000 entries stays fast."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from drillops.core.api.fields import format_utc
from drillops.reports.models import Finding, Observation, ReportVersion
from drillops.reports.selectors.report import can_read_report
from drillops.reports.selectors.snapshot import build_snapshot, snapshot_for, versions_of
from drillops.timelines.models import Drill, EntryKind, TimelineEntry
from drillops.timelines.selectors import drill_role, timeline_of
from drillops.timelines.visibility import COORDINATOR

# Entries that tell the story of a drill on paper (the PDF): state changes, decisions, hand-offs.
KEY_KINDS = (EntryKind.STATE, EntryKind.DECISION, EntryKind.FORWARD, EntryKind.ESCALATION)
PDF_ENTRIES = 300


class ReportUnavailable(Exception):
    """The reader may see the drill but not this report: not published yet (403), or no such
    version (404)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class ReportView:
    drill: Drill
    role: str
    user: Any
    version: ReportVersion | None  # None: the coordinators' live draft
    versions: list[ReportVersion] = field(default_factory=list)
    _snapshot: dict[str, Any] | None = None

    @property
    def snapshot(self) -> dict[str, Any]:
        """The report as this reader reads it; the live draft is computed on first use only (a
        poll for a background export needs none of it)."""
        if self._snapshot is None:
            if self.version is None:
                self._snapshot = build_snapshot(self.drill)
            else:
                self._snapshot = snapshot_for(self.version.snapshot, self.role)
        return self._snapshot

    @property
    def live(self) -> bool:
        return self.version is None

    @property
    def cut(self) -> datetime | None:
        """A published version shows the timeline as it stood when it was published."""
        return self.version.published_at if self.version is not None else None

    @property
    def audience(self) -> str:
        return self.role


def report_view(user: Any, drill: Drill, version: int | None = None) -> ReportView | None:
    """None for someone who may not see the drill (404); ReportUnavailable(403) for someone who may
    see it but not its report yet; ReportUnavailable(404) for a version that does not exist."""
    role = drill_role(user, drill)
    if role is None:
        return None
    if not can_read_report(user, drill):
        raise ReportUnavailable(403)
    versions = list(versions_of(drill))
    if version is None and role == COORDINATOR:
        return ReportView(drill, role, user, None, versions)
    chosen = next((v for v in versions if version is None or v.number == version), None)
    if chosen is None:
        raise ReportUnavailable(404)
    return ReportView(drill, role, user, chosen, versions)


def timeline_entries(view: ReportView) -> QuerySet[TimelineEntry]:
    if view.live:
        return timeline_of(drill=view.drill, user=view.user)
    assert view.cut is not None
    return TimelineEntry.objects.filter(drill=view.drill, at__lte=view.cut).order_by("at", "id")


def flags_by_entry(view: ReportView) -> dict[int, list[str]]:
    """Timeline entry -> the flags observers set on it (error, delay, strength, safety)."""
    notes = Observation.objects.filter(drill=view.drill, timeline_entry__isnull=False).exclude(flag="")
    if view.cut is not None:
        notes = notes.filter(created_at__lte=view.cut)
    flags: dict[int, list[str]] = {}
    for entry_id, flag in notes.order_by("created_at", "id").values_list("timeline_entry_id", "flag"):
        if flag not in flags.setdefault(entry_id, []):
            flags[entry_id].append(flag)
    return flags


def filtered_entries(
    view: ReportView, *, department: int | None = None, kind: str = "", flagged: bool = False
) -> QuerySet[TimelineEntry]:
    """The timeline with the page's filters: one department, one kind, only flagged entries."""
    entries = timeline_entries(view)
    if department is not None:
        entries = entries.filter(department_id=department)
    if kind:
        entries = entries.filter(kind=kind)
    if flagged:
        entries = entries.filter(pk__in=list(flags_by_entry(view)))
    return entries.select_related("department", "actor", "inject")


ROW_FIELDS = ("id", "at", "kind", "department__code", "inject_id", "inject__title", "actor__username", "text")


def _rows(entries: QuerySet[TimelineEntry], flags: dict[int, list[str]]) -> list[dict[str, Any]]:
    return [
        {
            "id": r["id"], "at": format_utc(r["at"]), "kind": r["kind"], "department": r["department__code"],
            "inject": r["inject_id"], "title": r["inject__title"], "actor": r["actor__username"], "text": r["text"],
            "flags": flags.get(r["id"], []),
        }
        for r in entries.values(*ROW_FIELDS)
    ]  # fmt: skip


def timeline_rows(view: ReportView) -> list[dict[str, Any]]:
    """The whole timeline as the reader may see it, for XLSX, CSV and JSON."""
    return _rows(timeline_entries(view), flags_by_entry(view))


def key_rows(view: ReportView, limit: int = PDF_ENTRIES) -> tuple[list[dict[str, Any]], int]:
    """At most `limit` key or flagged entries (flagged and findings' evidence first, then key kinds
    in time order) in time order, and how many there are in all."""
    flags = flags_by_entry(view)
    cited = set(Finding.objects.filter(drill=view.drill).values_list("timeline_entries", flat=True)) - {None}
    marked = set(flags) | cited
    chosen = timeline_entries(view).filter(Q(kind__in=KEY_KINDS) | Q(pk__in=marked))
    total = chosen.count()
    first = list(chosen.filter(pk__in=marked).values_list("pk", flat=True)[:limit])
    rest = list(chosen.exclude(pk__in=marked).values_list("pk", flat=True)[: max(0, limit - len(first))])
    return _rows(timeline_entries(view).filter(pk__in=first + rest), flags), total


def timeline_size(view: ReportView) -> int:
    return timeline_entries(view).count()
