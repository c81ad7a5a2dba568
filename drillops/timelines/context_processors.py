"""What every page shows about drills: a drill that was stopped for a real-world reason, to everyone
on it, on every page (DESIGN.md, "Exercise safety": the stop and its reason are shown to everyone)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from drillops.timelines.models import Drill, DrillState
from drillops.timelines.selectors import drills_visible_to

STOP_NOTICE_HOURS = 12  # how long after a stop every page still says so


def _recently_stopped(user: Any) -> list[Drill]:
    since = timezone.now() - timedelta(hours=STOP_NOTICE_HOURS)
    stopped = drills_visible_to(user).filter(state=DrillState.STOPPED, ended_at__gte=since)
    return list(stopped.order_by("-ended_at")[:3])


def stopped_drills(request: HttpRequest) -> dict[str, Any]:
    """The drills the user is on that were stopped in the last hours; asked only by a page that
    renders the banner (the query runs when the template reads it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"stopped_drills": SimpleLazyObject(lambda: _recently_stopped(user))}
