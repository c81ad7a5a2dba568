"""Reads of after-action material: observations, a drill's metrics, and who may read its report."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from drillops.reports.metrics import comparable_with, drill_metrics, is_verifying
from drillops.reports.models import Observation
from drillops.timelines.models import Drill
from drillops.timelines.selectors import drill_role
from drillops.timelines.visibility import COORDINATOR

__all__ = ["can_read_report", "comparable_with", "drill_metrics", "is_verifying", "observations_of"]


def observations_of(drill: Drill) -> QuerySet[Observation]:
    return Observation.objects.filter(drill=drill).order_by("created_at", "id")


def can_read_report(user: Any, drill: Drill) -> bool:
    """The one rule of who reads a drill's report (its metrics, and every door that shows them):
    the coordinators of its organisation (and superusers), at any time. Everyone on the roster
    reads it once a coordinator publishes it (DESIGN.md, "Who sees what"): that case is added
    here when publishing exists. A caller who may see the drill but not its report gets 403;
    one who may not see the drill, 404."""
    return drill_role(user, drill) == COORDINATOR
