"""Reads of the case library: the cases of the organisations a user coordinates, and search."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from drillops.departments.models import Role
from drillops.departments.selectors import organisation_ids_of
from drillops.reports.metrics.facts import load as load_facts
from drillops.reports.models import Case
from drillops.timelines.models import SCENARIO_CAUSES, Drill, DrillState


def cases_visible_to(user: Any) -> QuerySet[Case]:
    cases = Case.objects.select_related("drill").prefetch_related("steps").order_by("-occurred_on", "-id")
    if getattr(user, "is_superuser", False):
        return cases
    return cases.filter(organisation_id__in=organisation_ids_of(user, Role.COORDINATOR))


def search_cases(cases: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Cases whose title, summary, tags or steps contain the text (any case, any script): a
    substring match, served by the trigram index on the search column, so that two-character
    Chinese words such as 投诉 are found wherever they occur."""
    text = text.strip()
    return cases.filter(search_text__icontains=text) if text else cases


def first_event_resolution(drill: Drill) -> float | None:
    """A drill's time to resolve its first event, in real seconds, for its case in the library:
    from the first delivery of the first scenario event delivered to the moment the last of its
    department copies was resolved, less paused time. None while one of them is unresolved."""
    facts = load_facts(drill)
    copies = [row for row in facts.rows if row.event_id is not None and row.cause in SCENARIO_CAUSES]
    if not copies:
        return None
    first = min(copies, key=lambda row: (row.event_sequence or 0, row.delivered_at)).event_id
    copies = [row for row in copies if row.event_id == first]
    ends = [row.resolved_at for row in copies]
    if any(end is None for end in ends):
        return None
    start = min(row.delivered_at for row in copies)
    return round(facts.clock.between(start, max(e for e in ends if e is not None)) / 1e6, 3)


def drills_for_library(user: Any) -> QuerySet[Drill]:
    """Finished drills of the organisations the user coordinates, newest first: what "Add to case
    library" offers."""
    drills = Drill.objects.filter(state=DrillState.FINISHED).select_related("organisation")
    if not getattr(user, "is_superuser", False):
        drills = drills.filter(organisation_id__in=organisation_ids_of(user, Role.COORDINATOR))
    return drills.order_by("-ended_at", "-id")
