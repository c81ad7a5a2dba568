"""Reads of observers' ratings and notes: each observer sees their own, coordinators every one."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from drillops.reports.models import Observation
from drillops.timelines.models import Drill


def observations_of(drill: Drill) -> QuerySet[Observation]:
    return Observation.objects.filter(drill=drill).order_by("created_at", "id")


def observations_visible(drill: Drill, user: Any, role: str | None) -> QuerySet[Observation]:
    """Coordinators read every observation of the drill; an observer only their own (others'
    ratings stay hidden until the report is published)."""
    observations = observations_of(drill)
    return observations if role == "coordinator" else observations.filter(observer_id=user.pk)
