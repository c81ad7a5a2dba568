"""Reads of the case library: the cases of the organisations a user coordinates, and search."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from drillops.departments.models import Role
from drillops.departments.selectors import organisation_ids_of
from drillops.reports.models import Case


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
