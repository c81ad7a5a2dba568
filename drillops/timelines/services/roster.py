"""Who sits where in a drill: players and deputies per department, controllers, observers."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from drillops.core.errors import DomainError, InvalidInput
from drillops.departments.models import Department
from drillops.timelines.engine.clock import lock_drill
from drillops.timelines.engine.notify import publish_on_commit
from drillops.timelines.engine.trail import audit
from drillops.timelines.models import Drill, RosterEntry, SeatRole
from drillops.timelines.services.common import clean_text


def roster_add(
    *,
    drill: Drill,
    user: Any,
    by: Any,
    department: Department | None = None,
    role: str = SeatRole.PLAYER,
    seat: str = "",
) -> RosterEntry:
    """Seat someone for a drill (observers are invited this way, role="observer"). Adding the
    same person for the same department again updates the seat."""
    if role not in SeatRole.values:
        raise InvalidInput({"role": [str(_("Unknown role."))]})
    if department is not None and department.organisation_id != drill.organisation_id:
        raise InvalidInput({"department": [str(_("The department belongs to another organisation."))]})
    clean_seat = clean_text(seat, "seat", required=False, max_length=200)
    with transaction.atomic():
        drill = lock_drill(drill)
        if drill.is_over:
            raise DomainError(str(_("The drill has ended; its roster can no longer change.")))
        roster, _created = RosterEntry.objects.update_or_create(
            drill=drill, user=user, department=department, defaults={"role": role, "seat": clean_seat}
        )
        audit("drill.roster_add", roster, by, drill, {"user": user.pk, "role": role})
        publish_on_commit(drill.pk, "roster", {"user": user.pk})
    return roster
