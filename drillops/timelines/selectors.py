"""Reads of running drills: which drills a user sees, a drill's injects, timeline, messages and
roster. What a user may see of a drill is decided by timelines.visibility, the one rule."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from drillops.core.prepared import execute_prepared
from drillops.departments.models import Department, Role
from drillops.timelines.models import (
    OPEN_STATUSES,
    Drill,
    EntryKind,
    Inject,
    InjectCause,
    InjectSource,
    Outbox,
    OutboxState,
    RosterEntry,
    TimelineEntry,
    overdue_sql,
)
from drillops.timelines.visibility import (
    MEMBERSHIP_TABLE,
    ROSTER_TABLE,
    InjectScope,
    drill_role,
    drills_visible_q,
    injects_visible_q,
    observed_drill_ids,
    scope_for,
    token_departments_sql,
    token_role_sql,
    token_visible_sql,
)

__all__ = ["InjectScope", "drill_role", "observed_drill_ids", "scope_for"]


def drills_visible_to(user: Any) -> QuerySet[Drill]:
    """The drills in which the user has a role (drill_role, the one rule)."""
    return Drill.objects.select_related("scenario_version").filter(drills_visible_q(user))


def visible_drill(user: Any, pk: Any) -> tuple[Drill, str] | tuple[None, None]:
    """The drill with this id and the user's role in it, if the user may see it: one plain lookup,
    then the role (cheaper than the visibility query, for every request of a console)."""
    if not str(pk).isdigit():
        return None, None
    drill = Drill.objects.select_related("scenario_version").filter(pk=int(pk)).first()
    role = drill_role(user, drill) if drill is not None else None
    if drill is None or not role:
        return None, None
    return drill, role


def injects_visible_to(user: Any) -> QuerySet[Inject]:
    """Every inject the user may see, in any drill."""
    return Inject.objects.select_related("drill").filter(injects_visible_q(user))


def inject_list(
    *,
    drill: Drill,
    user: Any,
    department: int | None = None,
    status: str | None = None,
    scope: InjectScope | None = None,
) -> QuerySet[Inject]:
    """A drill's injects the user may see, soonest first. The serializer reads only columns of
    the row (ids, not related objects), so a page costs one query."""
    scope = scope or scope_for(user, drill)
    injects = Inject.objects.filter(drill=drill).filter(scope.q()).order_by("due_at", "id")
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
        f"{overdue_sql('i')} AS is_overdue",
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
    visible, visible_params = scope_for(user, drill).sql("i")
    where: list[str] = ["i.drill_id = %s", visible]
    params: list[Any] = [drill.pk, *visible_params]
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


def timeline_of(*, drill: Drill, user: Any, scope: InjectScope | None = None) -> QuerySet[TimelineEntry]:
    """The drill's timeline as the user may see it: drill-wide entries (state changes, messages)
    and the entries of the injects the user sees. An entry about another department's inject (an
    escalation or forward *to* the user's department) shows through the inject it made instead."""
    scope = scope or scope_for(user, drill)
    entries = TimelineEntry.objects.filter(drill=drill).order_by("at", "id")
    if scope.sees_everything:
        return entries
    return entries.filter(Q(inject__isnull=True) | scope.q("inject__"))


def messages_of(drill: Drill) -> QuerySet[TimelineEntry]:
    messages = TimelineEntry.objects.filter(drill=drill, kind=EntryKind.MESSAGE)
    return messages.select_related("actor").order_by("at", "id")


def roster_of(drill: Drill) -> QuerySet[RosterEntry]:
    return RosterEntry.objects.filter(drill=drill).select_related("user", "department").order_by("role", "id")


def failed_side_effects(*, drill: Drill, user: Any, role: str | None = None) -> int | None:
    """How many of the drill's side effects (notifications, e-mails, webhooks) gave up, for its
    coordinators; None for anyone else (pass `role` when it is already known for this request)."""
    if (role if role is not None else drill_role(user, drill)) != Role.COORDINATOR:
        return None
    return Outbox.objects.filter(drill=drill, state=OutboxState.FAILED).count()


def open_injects_for(user: Any, drill: Drill) -> QuerySet[Inject]:
    """What is waiting for this user's answer: delivered, not yet resolved."""
    return inject_list(drill=drill, user=user).filter(status__in=OPEN_STATUSES)


# The inject list as token clients poll it, in one statement: the token's active user, its role in
# the drill and its departments (timelines.visibility's SQL form of the rule), the page as the API's
# JSON text and the total. Every console polls this list, so it skips the ORM and the serializer;
# answers that are not a plain page (unknown token, drill not visible, past the last page) are left
# to the regular view, which words the error.
_KEYED_PAGE_SQL = """
WITH access AS (
    SELECT d.id AS drill_id, {role} AS role, {departments} AS departments
    FROM {token} t JOIN {user} u ON u.id = t.user_id AND u.is_active
    JOIN {drill} d ON d.id = %(drill)s
    WHERE t.key = %(key)s
),
page AS (
    SELECT (SELECT row_to_json(r) FROM (SELECT {columns}) r) AS doc, i.due_at, i.id
    FROM {inject} i, access a
    WHERE i.drill_id = %(drill)s AND a.role IS NOT NULL AND {visible} {filters}
    ORDER BY i.due_at, i.id LIMIT %(limit)s OFFSET %(offset)s
)
SELECT a.role,
    (SELECT count(*) FROM {inject} i WHERE i.drill_id = %(drill)s AND {visible} {filters}),
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
        role=token_role_sql(membership=MEMBERSHIP_TABLE, roster=ROSTER_TABLE),
        departments=token_departments_sql(membership=MEMBERSHIP_TABLE, roster=ROSTER_TABLE),
        token=Token._meta.db_table,
        user=get_user_model()._meta.db_table,
        drill=Drill._meta.db_table,
        inject=Inject._meta.db_table,
        columns=_INJECT_COLUMNS,
        filters=filters,
        visible=token_visible_sql("a", "i"),
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


# --- the staff inbox ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Missed:
    """One department copy an escalation speaks for: which department missed, since when (the
    copy's deadline), when it joined the escalation and when, if at all, it answered since."""

    inject_id: int
    department: Department
    since: datetime | None
    joined_at: datetime
    acknowledged_at: datetime | None


def attach_missed(injects: Iterable[Inject]) -> None:
    """Sets `missed` (in the order the copies joined) on every escalation among `injects`, in one
    query; other injects get an empty list."""
    rows = list(injects)
    escalations = [i.pk for i in rows if i.cause == InjectCause.ESCALATION]
    links = (
        InjectSource.objects.filter(inject_id__in=escalations)
        .select_related("source__department")
        .order_by("joined_at", "source_id")
        if escalations
        else []
    )
    by_inject: dict[int, list[Missed]] = {}
    for link in links:
        copy = link.source
        by_inject.setdefault(link.inject_id, []).append(
            Missed(copy.pk, copy.department, copy.deadline_at, link.joined_at, copy.acknowledged_at)
        )
    for inject in rows:
        inject.missed = by_inject.get(inject.pk, [])  # type: ignore[attr-defined]


def escalations_speaking_for(source_ids: Iterable[int]) -> list[int]:
    """The escalation injects that list these copies: an answer to a copy changes what they show."""
    ids = list(source_ids)
    if not ids:
        return []
    return sorted(set(InjectSource.objects.filter(source_id__in=ids).values_list("inject_id", flat=True)))


def inbox_split(injects: Iterable[Inject]) -> tuple[list[Inject], list[Inject]]:
    """A department's inbox for triage: what waits for an answer, the nearest deadline first (no
    deadline last, then the oldest delivery), and apart from it what is done, newest first."""
    waiting: list[Inject] = []
    done: list[Inject] = []
    for inject in injects:
        (waiting if inject.status in OPEN_STATUSES else done).append(inject)
    waiting.sort(key=lambda i: (i.deadline_at is None, i.deadline_at or i.delivered_at, i.delivered_at, i.pk))
    done.sort(key=lambda i: (i.resolved_at or i.cancelled_at or i.delivered_at, i.pk), reverse=True)
    return waiting, done
