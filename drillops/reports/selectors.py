"""Reads of after-action material: observations (more as the report work lands)."""

from __future__ import annotations

from django.db.models import QuerySet

from drillops.reports.models import Observation
from drillops.timelines.models import Drill


def observations_of(drill: Drill) -> QuerySet[Observation]:
    return Observation.objects.filter(drill=drill).order_by("created_at", "id")
