"""Who reads a drill's report: the one rule of every door that shows it (the metrics, the
published versions)."""

from __future__ import annotations

from typing import Any

from drillops.reports.models import ReportVersion
from drillops.timelines.models import Drill
from drillops.timelines.selectors import drill_role
from drillops.timelines.visibility import COORDINATOR


def is_published(drill: Drill) -> bool:
    return ReportVersion.objects.filter(drill=drill).exists()


def can_read_report(user: Any, drill: Drill) -> bool:
    """The coordinators of the drill's organisation (and superusers) at any time; everyone else who
    sees the drill (its roster: staff, invited observers) once a coordinator has published it
    (DESIGN.md, "Who sees what"). A caller who may see the drill but not its report gets 403;
    one who may not see the drill, 404."""
    role = drill_role(user, drill)
    if role == COORDINATOR:
        return True
    return role is not None and is_published(drill)
