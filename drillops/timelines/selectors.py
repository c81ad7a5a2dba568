"""Who sees which drill, inject, timeline entry and message. Used by the API and the web pages.

Coordinators see everything of their organisation; department staff see the organisation's drills
but only the injects (and their timeline entries) addressed to their departments; observers see
the drills they are invited to (a roster entry with role observer), read-only.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from drillops.core.prepared import execute_prepared
from drillops.departments.models import Membership, Role
from drillops.departments.selectors import department_ids_of, organisation_ids_of, role_of
from drillops.timelines.models import Drill, Inject, InjectStatus, RosterEntry, SeatRole, TimelineEntry

OBSERVER = Role.OBSERVER.value


def _is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False))


def observed_drill_ids(user: Any) -> QuerySet[RosterEntry, int]:
    return RosterEntry.objects.filter(user_id=user.pk, role=SeatRole.OBSERVER).values_list("drill_id", flat=True)


def drills_visible_to(user: Any) -> QuerySet[Drill]:
    drills = Drill.objects.select_related("scenario_version")
    if _is_superuser(user):
        return drills
    players = organisation_ids_of(user, Role.COORDINATOR, Role.STAFF)
    return drills.filter(Q(organisation_id__in=players) | Q(pk__in=observed_drill_ids(user)))


def drill_role(user: Any, drill: Drill) -> str | None:
    """coordinator, staff or observer in this drill, or None. An observer must be invited."""
    role = role_of(user, drill.organisation_id)
    if role in (Role.COORDINATOR, Role.STAFF):
        return role
    if not user.is_authenticated:
        return None
    invited = RosterEntry.objects.filter(drill=drill, user_id=user.pk, role=SeatRole.OBSERVER)
    return OBSERVER if invited.exists() else None


def visible_drill(user: Any, pk: Any) -> tuple[Drill, str] | tuple[None, None]:
    """The drill with this id and the user's role in it, if the user may see it: one plain lookup,
    then the role (cheaper than the visibility query, for every request of a console)."""
    if not str(pk).isdigit():
        return None, None
    drill = Drill.objects.select_related("scenario_version").filter(pk=int(pk)).first()
    role = drill_role(user, drill) if drill is not None else None
    if drill is None or not (role or _is_superuser(user)):
        return None, None
    return drill, role or Role.COORDINATOR.value


def injects_visible_to(user: Any) -> QuerySet[Inject]:
    """Every inject the user may see, in any drill."""
    injects = Inject.objects.select_related("drill")
    if _is_superuser(user):
        return injects
    coordinated = organisation_ids_of(user, Role.COORDINATOR)
    staff_departments = {
        department for org_id in organisation_ids_of(user, Role.STAFF) for department in department_ids_of(user, org_id)
    }
    return injects.filter(
        Q(drill__organisation_id__in=coordinated)
        | Q(department_id__in=staff_departments)
        | Q(drill_id__in=observed_drill_ids(user))
    )


def _staff_departments(user: Any, drill: Drill) -> set[int] | None:
    """The departments a staff user is limited to in this drill; None when not limited."""
    if drill_role(user, drill) == Role.STAFF and not _is_superuser(user):
        return department_ids_of(user, drill.organisation_id)
    return None


def inject_list(
    *, drill: Drill, user: Any, department: int | None = None, status: str | None = None
) -> QuerySet[Inject]:
    """A drill's injects the user may see, soonest first. The serializer reads only columns of
    the row (ids, not related objects), so a page costs one query."""
    injects = Inject.objects.filter(drill=drill).order_by("due_at", "id")
    limited = _staff_departments(user, drill)
    if limited is not None:
        injects = injects.filter(department_id__in=limited)
    if department is not None:
        injects = injects.filter(department_id=department)
    if status is not None:
        injects = injects.filter(status=status)
    return injects


_TIME_COLUMNS = ("due_at", "delivered_at", "acknowledged_at", "first_action_at", "resolved_at", "deadline_at")
# The API's inject fields in its order, in SQL on the inject table aliased `i`: ids under their API
# names, times as the API writes them (2026-11-25T09:00:00.000Z, formatted by PostgreSQL), and
# Inject.is_overdue on the database's clock.
_INJECT_COLUMNS = ", ".join(
    [
        "i.id",
        "i.event_id AS event",
        "i.department_id AS department",
        "i.title",
        "i.body",
        "i.channel",
        "i.cause",
        "i.source_id AS source",
        "i.status",
        "(i.deadline_at IS NOT NULL AND i.status <> 'cancelled' AND i.deadline_at < COALESCE(i.acknowledged_at, now()))"
        " AS is_overdue",
        *[f"""to_char(i.{c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS {c}""" for c in _TIME_COLUMNS],
        "i.escalation_level",
    ]
)
# One statement gives the page and, by a window function, the total.
_PAGE_COLUMNS = f"{_INJECT_COLUMNS}, count(*) OVER () AS total"


def inject_page(
    *,
    drill: Drill,
    user: Any,
    limit: int,
    offset: int,
    department: int | None = None,
    status: str | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """One page of inject_list() as the API's JSON objects, and the total: one query, no models.
    The inject list is the hottest read of a running drill (every console polls it)."""
    where: list[str] = ["i.drill_id = %s"]
    params: list[Any] = [drill.pk]
    limited = _staff_departments(user, drill)
    if limited is not None:
        where.append("i.department_id = ANY(%s)")
        params.append(sorted(limited))
    if department is not None:
        where.append("i.department_id = %s")
        params.append(department)
    if status is not None:
        where.append("i.status = %s")
        params.append(status)
    sql = (
        f"SELECT {_PAGE_COLUMNS} FROM {Inject._meta.db_table} i WHERE {' AND '.join(where)} "  # noqa: S608 - no input in it
        # i.due_at: the time itself, not the text of the same name in the select list.
        "ORDER BY i.due_at, i.id LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    if rows:
        total = rows[0]["total"]
    else:  # past the last page the window has no row to carry the total
        total = 0 if offset == 0 else inject_list(drill=drill, user=user, department=department, status=status).count()
    for row in rows:
        del row["total"]
    return total, rows


def timeline_of(*, drill: Drill, user: Any) -> QuerySet[TimelineEntry]:
    entries = TimelineEntry.objects.filter(drill=drill).order_by("at", "id")
    limited = _staff_departments(user, drill)
    if limited is not None:
        # Staff see the drill-wide entries (state changes, messages) and those of their departments.
        entries = entries.filter(Q(department_id__isnull=True) | Q(department_id__in=limited)).filter(
            Q(inject__isnull=True) | Q(inject__department_id__in=limited)
        )
    return entries


def messages_of(drill: Drill) -> QuerySet[TimelineEntry]:
    return TimelineEntry.objects.filter(drill=drill, kind="message").select_related("actor").order_by("at", "id")


def roster_of(drill: Drill) -> QuerySet[RosterEntry]:
    return RosterEntry.objects.filter(drill=drill).select_related("user", "department").order_by("role", "id")


def open_injects_for(user: Any, drill: Drill) -> QuerySet[Inject]:
    """What is waiting for this user's answer: delivered, not yet resolved."""
    open_statuses = [InjectStatus.DELIVERED, InjectStatus.ACKNOWLEDGED, InjectStatus.IN_PROGRESS]
    return inject_list(drill=drill, user=user).filter(status__in=open_statuses)


# The inject list as token clients poll it, in one statement: the token's active user, its role in
# the drill (the rules of drill_role() and _staff_departments()), the page as the API's JSON text
# and the total. Every console polls this list, so it skips the ORM and the serializer; answers
# that are not a plain page (unknown token, drill not visible, past the last page) are left to the
# regular view, which words the error.
_KEYED_PAGE_SQL = """
WITH access AS (
    SELECT d.id AS drill_id,
        CASE
            WHEN u.is_superuser THEN '{coordinator}'
            WHEN EXISTS (SELECT 1 FROM {membership} m WHERE m.user_id = u.id
                AND m.organisation_id = d.organisation_id AND m.role = '{coordinator}') THEN '{coordinator}'
            WHEN EXISTS (SELECT 1 FROM {membership} m WHERE m.user_id = u.id
                AND m.organisation_id = d.organisation_id AND m.role = '{staff}') THEN '{staff}'
            WHEN EXISTS (SELECT 1 FROM {roster} r WHERE r.drill_id = d.id
                AND r.user_id = u.id AND r.role = '{seat_observer}') THEN '{observer}'
        END AS role,
        ARRAY(SELECT m.department_id FROM {membership} m WHERE m.user_id = u.id
            AND m.organisation_id = d.organisation_id AND m.role = '{staff}'
            AND m.department_id IS NOT NULL) AS departments
    FROM {token} t JOIN {user} u ON u.id = t.user_id AND u.is_active
    JOIN {drill} d ON d.id = %(drill)s
    WHERE t.key = %(key)s
),
page AS (
    SELECT (SELECT row_to_json(r) FROM (SELECT {columns}) r) AS doc, i.due_at, i.id
    FROM {inject} i, access a
    WHERE i.drill_id = %(drill)s AND a.role IS NOT NULL {visible} {filters}
    ORDER BY i.due_at, i.id LIMIT %(limit)s OFFSET %(offset)s
)
SELECT a.role,
    (SELECT count(*) FROM {inject} i WHERE i.drill_id = %(drill)s {visible} {filters}),
    (SELECT string_agg(doc::text, ',' ORDER BY due_at, id) FROM page)
FROM access a
"""


def _token_page_sql(*, department: bool, status: bool) -> str:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    filters = ("AND i.department_id = %(department)s " if department else "") + (
        "AND i.status = %(status)s" if status else ""
    )
    return _KEYED_PAGE_SQL.format(
        membership=Membership._meta.db_table,
        roster=RosterEntry._meta.db_table,
        token=Token._meta.db_table,
        user=get_user_model()._meta.db_table,
        drill=Drill._meta.db_table,
        inject=Inject._meta.db_table,
        columns=_INJECT_COLUMNS,
        filters=filters,
        visible=f"AND (a.role <> '{Role.STAFF.value}' OR i.department_id = ANY(a.departments))",
        coordinator=Role.COORDINATOR.value,
        staff=Role.STAFF.value,
        observer=OBSERVER,
        seat_observer=SeatRole.OBSERVER.value,
    )


@functools.cache
def _token_page_statement(department: bool, status: bool) -> tuple[str, str]:
    """The statement's name (one per filter combination) and text."""
    name = f"drillops_token_inject_page_{int(department)}{int(status)}"
    return name, _token_page_sql(department=department, status=status)


def inject_page_json_for_token(
    *, key: str, drill_id: int, limit: int, offset: int, department: int | None = None, status: str | None = None
) -> tuple[int, str] | None:
    """The total and the page's objects as JSON text (comma-separated, without the brackets) when
    the token is an active user's who may see the drill and the page is not past the end;
    None otherwise (the caller then takes the regular path, which answers 401, 403 or 404)."""
    name, sql = _token_page_statement(department is not None, status is not None)
    params = {"key": key, "drill": drill_id, "limit": limit, "offset": offset}
    params.update(department=department, status=status)
    with connection.cursor() as cursor:
        execute_prepared(cursor, name, sql, params)  # planned once per database session
        found = cursor.fetchone()
    if found is None or found[0] is None:
        return None
    _role, total, objects = found
    if objects is None and offset > 0:
        return None
    return int(total or 0), objects or ""
