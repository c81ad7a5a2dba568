"""Who sees what of a drill: the one rule, used by every door (API lists and details, the token fast
path, pages, live fragments, the inject page, the timeline, notifications, search, exports and the
report). DESIGN.md, "Who sees what":

- coordinators (and superusers) see everything of their organisation's drills;
- department staff see an inject once it is delivered to a department they belong to or sit for
  in the drill's roster (as player or deputy), and the timeline entries of those injects;
- observers on the drill's roster see the delivered injects of every department;
- nobody else sees the drill at all.

Undelivered injects (waiting, pending, cancelled before delivery) are the controllers' secret: a
player who could read them could read the script. The rule has several forms that must agree
(tests/timelines/test_rule_parity.py compares them on the same rows): `InjectScope.q()` for the
ORM, `InjectScope.sql()` for hand-written SQL with the scope known, `InjectScope.sees()` for one
inject in hand, `injects_visible_q()` / `drills_visible_q()` across every drill, and
`token_role_sql()` / `token_visible_sql()` for the token fast path, which finds the role inside its
one statement. tests/test_visibility.py asks every door of the URL resolver as every role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from drillops.departments.models import Membership, Role
from drillops.departments.selectors import department_ids_of, organisation_ids_of, role_of
from drillops.timelines.models import Drill, Inject, RosterEntry, SeatRole

COORDINATOR, STAFF, OBSERVER = Role.COORDINATOR.value, Role.STAFF.value, Role.OBSERVER.value
# Roster seats that make someone a player of a department in one drill.
PLAYING_SEATS = (SeatRole.PLAYER.value, SeatRole.DEPUTY.value)


def is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False))


def seated_department_ids(user: Any, drill: Drill | int) -> set[int]:
    """Departments the user sits for in this drill's roster (player or deputy)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    drill_id = drill if isinstance(drill, int) else drill.pk
    seats = RosterEntry.objects.filter(
        drill_id=drill_id, user_id=user.pk, role__in=PLAYING_SEATS, department__isnull=False
    )
    return set(seats.values_list("department_id", flat=True))


def drills_visible_q(user: Any) -> Q:
    """drill_role() across every drill at once, as a filter on Drill: the drills of organisations
    the user coordinates or plays in, and those they sit in as player, deputy or observer (a
    controller's seat alone gives no role, so no drill)."""
    if is_superuser(user):
        return Q()
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    players = organisation_ids_of(user, COORDINATOR, STAFF)
    seats = RosterEntry.objects.filter(user_id=user.pk, role__in=(*PLAYING_SEATS, SeatRole.OBSERVER.value))
    return Q(organisation_id__in=players) | Q(pk__in=seats.values_list("drill_id", flat=True))


def observed_drill_ids(user: Any) -> QuerySet[RosterEntry, int]:
    return RosterEntry.objects.filter(user_id=user.pk, role=SeatRole.OBSERVER).values_list("drill_id", flat=True)


@dataclass(frozen=True)
class InjectScope:
    """What one user may see of one drill. `role` is None for someone who may not see the drill."""

    role: str | None
    departments: frozenset[int] = frozenset()  # staff: the departments whose injects they see

    @property
    def sees_drill(self) -> bool:
        return self.role is not None

    @property
    def sees_everything(self) -> bool:
        """Coordinators: every inject, delivered or not, the version's events, every rating."""
        return self.role == COORDINATOR

    @property
    def watches_drill(self) -> bool:
        """Coordinators and observers watch the whole drill (the console's cards and counts);
        staff work their inbox. Within it, what only `sees_everything` may see: the totals, what
        is still to come, the next event, conditions and failed deliveries."""
        return self.role in (COORDINATOR, OBSERVER)

    def q(self, prefix: str = "") -> Q:
        """A filter on Inject (or, with prefix "inject__", on rows that point at an inject)."""
        if self.role is None:
            return Q(pk__in=[])
        if self.sees_everything:
            return Q()
        delivered = Q(**{f"{prefix}delivered_at__isnull": False})
        if self.role == OBSERVER:
            return delivered
        return delivered & Q(**{f"{prefix}department_id__in": sorted(self.departments)})

    def sql(self, alias: str = "i") -> tuple[str, list[Any]]:
        """The same rule as an SQL condition on the inject table aliased `alias`, with its params."""
        if self.role is None:
            return "FALSE", []
        if self.sees_everything:
            return "TRUE", []
        if self.role == OBSERVER:
            return f"{alias}.delivered_at IS NOT NULL", []
        return f"({alias}.delivered_at IS NOT NULL AND {alias}.department_id = ANY(%s))", [sorted(self.departments)]

    def sees(self, inject: Inject) -> bool:
        """The same rule for one inject in hand."""
        if self.role is None or inject.drill_id is None:
            return False
        if self.sees_everything:
            return True
        if inject.delivered_at is None:
            return False
        return self.role == OBSERVER or inject.department_id in self.departments


def drill_role(user: Any, drill: Drill) -> str | None:
    """coordinator, staff or observer in this drill, or None. An observer must be on the roster;
    someone seated for a department plays it (staff) whatever their organisation role."""
    if is_superuser(user):
        return COORDINATOR
    if not getattr(user, "is_authenticated", False):
        return None
    role = role_of(user, drill.organisation_id)
    if role in (COORDINATOR, STAFF):
        return role
    seats = set(RosterEntry.objects.filter(drill_id=drill.pk, user_id=user.pk).values_list("role", flat=True))
    if seats & set(PLAYING_SEATS):
        return STAFF
    return OBSERVER if SeatRole.OBSERVER.value in seats else None


def scope_for(user: Any, drill: Drill, role: str | None = None) -> InjectScope:
    """The user's scope in this drill (pass `role` when it is already known for this request)."""
    role = role if role is not None else drill_role(user, drill)
    if role != STAFF:
        return InjectScope(role)
    departments = department_ids_of(user, drill.organisation_id) | seated_department_ids(user, drill)
    return InjectScope(role, frozenset(departments))


def injects_visible_q(user: Any) -> Q:
    """The rule across every drill at once (an inject looked up by id, search): coordinated
    organisations wholly; elsewhere only delivered injects of the user's departments and seats,
    and of the drills the user observes."""
    if is_superuser(user):
        return Q()
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    coordinated = organisation_ids_of(user, COORDINATOR)
    staff_departments = {
        department for org_id in organisation_ids_of(user, STAFF) for department in department_ids_of(user, org_id)
    }
    seated = Exists(
        RosterEntry.objects.filter(
            drill_id=OuterRef("drill_id"),
            department_id=OuterRef("department_id"),
            user_id=user.pk,
            role__in=PLAYING_SEATS,
        )
    )
    delivered = Q(delivered_at__isnull=False)
    theirs = Q(department_id__in=staff_departments) | Q(drill_id__in=observed_drill_ids(user)) | Q(seated)
    return Q(drill__organisation_id__in=coordinated) | (delivered & theirs)


# --- the token fast path: the same rule inside one SQL statement ---------------------------------
# `TOKEN_ROLE_SQL` is drill_role() for user `u` and drill `d`; `token_departments_sql()` the staff
# departments of scope_for(); `token_visible_sql(a)` InjectScope.sql() with `a` the row holding them.


def token_role_sql(*, membership: str, roster: str) -> str:
    playing = ", ".join(f"'{seat}'" for seat in PLAYING_SEATS)
    return f"""CASE
        WHEN u.is_superuser THEN '{COORDINATOR}'
        WHEN EXISTS (SELECT 1 FROM {membership} m WHERE m.user_id = u.id
            AND m.organisation_id = d.organisation_id AND m.role = '{COORDINATOR}') THEN '{COORDINATOR}'
        WHEN EXISTS (SELECT 1 FROM {membership} m WHERE m.user_id = u.id
            AND m.organisation_id = d.organisation_id AND m.role = '{STAFF}') THEN '{STAFF}'
        WHEN EXISTS (SELECT 1 FROM {roster} r WHERE r.drill_id = d.id
            AND r.user_id = u.id AND r.role IN ({playing})) THEN '{STAFF}'
        WHEN EXISTS (SELECT 1 FROM {roster} r WHERE r.drill_id = d.id
            AND r.user_id = u.id AND r.role = '{SeatRole.OBSERVER.value}') THEN '{OBSERVER}'
    END"""  # noqa: S608 - enum values and table names, no input


def token_departments_sql(*, membership: str, roster: str) -> str:
    playing = ", ".join(f"'{seat}'" for seat in PLAYING_SEATS)
    return f"""ARRAY(
        SELECT m.department_id FROM {membership} m WHERE m.user_id = u.id
            AND m.organisation_id = d.organisation_id AND m.role = '{STAFF}' AND m.department_id IS NOT NULL
        UNION
        SELECT r.department_id FROM {roster} r WHERE r.drill_id = d.id AND r.user_id = u.id
            AND r.role IN ({playing}) AND r.department_id IS NOT NULL)"""  # noqa: S608 - no input


def token_visible_sql(access: str, alias: str = "i") -> str:
    return (
        f"({access}.role = '{COORDINATOR}' OR ({alias}.delivered_at IS NOT NULL AND "
        f"({access}.role = '{OBSERVER}' OR {alias}.department_id = ANY({access}.departments))))"
    )


MEMBERSHIP_TABLE = Membership._meta.db_table
ROSTER_TABLE = RosterEntry._meta.db_table
