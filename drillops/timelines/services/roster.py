"""Who sits where in a drill: players and deputies per department, controllers, observers, and
who attended."""

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

# A player or deputy sits for a department: that is what they receive.
SEATS_WITH_DEPARTMENT = (SeatRole.PLAYER, SeatRole.DEPUTY)


def _locked_open(drill: Drill | int) -> Drill:
    drill = lock_drill(drill)
    if drill.is_over:
        raise DomainError(str(_("The drill has ended; its roster can no longer change.")))
    return drill


def roster_add(
    *,
    drill: Drill,
    user: Any,
    by: Any,
    department: Department | None = None,
    role: str = SeatRole.PLAYER,
    seat: str = "",
) -> RosterEntry:
    """Seat someone for a drill. Adding the same person for the same department again updates the
    seat. Outside observers join through an invitation instead (services.invitation)."""
    if role not in SeatRole.values:
        raise InvalidInput({"role": [str(_("Unknown role."))]})
    if department is not None and department.organisation_id != drill.organisation_id:
        raise InvalidInput({"department": [str(_("The department belongs to another organisation."))]})
    if role in SEATS_WITH_DEPARTMENT and department is None:
        raise InvalidInput({"department": [str(_("A player or deputy sits for a department: choose one."))]})
    clean_seat = clean_text(seat, "seat", required=False, max_length=200)
    with transaction.atomic():
        drill = _locked_open(drill)
        roster, _created = RosterEntry.objects.update_or_create(
            drill=drill, user=user, department=department, defaults={"role": role, "seat": clean_seat}
        )
        audit("drill.roster_add", roster, by, drill, {"user": user.pk, "role": role})
        publish_on_commit(drill.pk, "roster", {"user": user.pk})
    return roster


def roster_remove(*, entry: RosterEntry, by: Any) -> None:
    """Takes someone off the roster (an observer who joined by link included: the link's use stays
    counted, so a used-up link does not admit another person in their place)."""
    with transaction.atomic():
        drill = _locked_open(entry.drill_id)
        locked = RosterEntry.objects.select_for_update(of=("self",)).order_by().filter(pk=entry.pk).first()
        if locked is None:  # removed already: nothing to do, nothing to record
            return
        data = {"user": locked.user_id, "role": locked.role, "department": locked.department_id}
        audit("drill.roster_remove", locked, by, drill, data)
        locked.delete()
        publish_on_commit(drill.pk, "roster", {"user": locked.user_id})


def roster_set_attended(*, entry: RosterEntry, attended: bool, by: Any) -> RosterEntry:
    """Ticks (or unticks) that someone attended. Allowed after the drill too: attendance is a record
    of what happened, and the coordinator may only get to it afterwards."""
    if not isinstance(attended, bool):
        raise InvalidInput({"attended": [str(_("Must be true or false."))]})
    with transaction.atomic():
        drill = lock_drill(entry.drill_id)
        locked = RosterEntry.objects.select_for_update(of=("self",)).order_by().get(pk=entry.pk)
        if locked.attended != attended:
            locked.attended = attended
            locked.save(update_fields=["attended", "updated_at"])
            audit("drill.roster_attended", locked, by, drill, {"user": locked.user_id, "attended": attended})
            publish_on_commit(drill.pk, "roster", {"user": locked.user_id})
    return locked
