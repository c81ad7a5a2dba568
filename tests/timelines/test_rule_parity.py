"""Where a rule has a Python and an SQL form, both give the same answers on the same rows
(issue 7, "One home per rule"): who may see an inject (InjectScope.q / .sql / .sees,
injects_visible_q and the token fast path's SQL twin), overdue (Inject.is_overdue and
overdue_sql), scenario-to-real time (real_delta and real_interval_sql) and the status sets (the
Python sets and the SQL lists built from them). Edge cases: exactly at the deadline, a paused
drill, time scale 60."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from drillops.departments.models import Role
from drillops.timelines import services
from drillops.timelines.engine.delivery import deliver_due
from drillops.timelines.models import (
    LIVE_STATUSES,
    OPEN_STATUSES,
    UNDELIVERED_STATUSES,
    Drill,
    Inject,
    InjectStatus,
    SeatRole,
    awaiting_delivery_sql,
    overdue_sql,
    real_delta,
    real_interval_sql,
    real_seconds,
    sql_list,
)
from drillops.timelines.selectors import drills_visible_to, inject_page_json_for_token
from drillops.timelines.visibility import (
    MEMBERSHIP_TABLE,
    ROSTER_TABLE,
    drill_role,
    injects_visible_q,
    scope_for,
    token_departments_sql,
    token_role_sql,
    token_visible_sql,
)

from ..api.world import build_world
from ..api.world_secrets import add_secrets
from ..factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

_TOKEN_TWIN = """
WITH access AS (
    SELECT {role} AS role, {departments} AS departments
    FROM {user} u, timelines_drill d WHERE u.id = %(user)s AND d.id = %(drill)s
)
SELECT a.role, ARRAY(SELECT i.id FROM timelines_inject i
    WHERE i.drill_id = %(drill)s AND a.role IS NOT NULL AND {visible} ORDER BY i.id)
FROM access a
"""


def _token_twin(user_id: int, drill_id: int) -> tuple[str | None, set[int]]:
    sql = _TOKEN_TWIN.format(
        role=token_role_sql(membership=MEMBERSHIP_TABLE, roster=ROSTER_TABLE),
        departments=token_departments_sql(membership=MEMBERSHIP_TABLE, roster=ROSTER_TABLE),
        user=get_user_model()._meta.db_table,
        visible=token_visible_sql("a", "i"),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"user": user_id, "drill": drill_id})
        role, ids = cursor.fetchone()
    return role, set(ids)


def _scope_sql(scope: Any, drill: Drill) -> set[int]:
    condition, params = scope.sql("i")
    with connection.cursor() as cursor:
        sql = f"SELECT i.id FROM timelines_inject i WHERE i.drill_id = %s AND {condition}"  # noqa: S608
        cursor.execute(sql, [drill.pk, *params])
        return {row[0] for row in cursor.fetchall()}


def _fast_path(user: Any, drill: Drill) -> set[int]:
    """The inject list as a token client gets it (nothing when the fast path declines: no drill)."""
    key = Token.objects.get_or_create(user=user)[0].key
    page = inject_page_json_for_token(key=key, drill_id=drill.pk, limit=1000, offset=0)
    return set() if page is None else {row["id"] for row in json.loads(f"[{page[1]}]")}


def test_every_form_of_the_visibility_rule_gives_the_same_injects(settings: Any) -> None:
    """Every user of a world with delivered, pending, waiting and cancelled injects (plus one who
    sits for a department in the roster without being its staff, and one in a controller's seat
    without being a coordinator), every drill: which drills are listed, the ORM filter,
    the SQL condition, the check of one inject in hand, the rule across drills, the token twin and
    the fast path itself agree, and so do the role in Python and in SQL."""
    world = build_world()
    add_secrets(world)
    seated = world.users["observer_uninvited"]
    services.roster_add(drill=world.secret, user=seated, department=world.risk, by=world.users["coordinator"])
    controller = MembershipFactory(organisation=world.org, role=Role.OBSERVER, user=UserFactory(username="ctl")).user
    services.roster_add(drill=world.secret, user=controller, role=SeatRole.CONTROLLER, by=world.users["coordinator"])
    users = [user for user in world.users.values() if user is not None] + [controller]
    drills = list(Drill.objects.all())
    assert {i.status for i in Inject.objects.filter(drill=world.secret)} >= {*UNDELIVERED_STATUSES, "cancelled"}
    failures = []
    for user in users:
        listed = set(drills_visible_to(user).values_list("pk", flat=True))
        if listed != {d.pk for d in drills if drill_role(user, d)}:
            failures.append(f"{user}: drills_visible_to {sorted(listed)} disagrees with drill_role")
        everywhere = set(Inject.objects.filter(injects_visible_q(user)).values_list("pk", flat=True))
        for drill in drills:
            scope = scope_for(user, drill)
            injects = list(Inject.objects.filter(drill=drill))
            orm = {i.pk for i in Inject.objects.filter(drill=drill).filter(scope.q())}
            forms = {
                "sql": _scope_sql(scope, drill),
                "sees": {i.pk for i in injects if scope.sees(i)},
                "across drills": everywhere & {i.pk for i in injects},
            }
            role, twin = _token_twin(user.pk, drill.pk)
            forms["token twin"] = twin
            forms["fast path"] = _fast_path(user, drill)
            failures += [
                f"{user} in {drill}: {name} {sorted(ids)} != q() {sorted(orm)}"
                for name, ids in forms.items()
                if ids != orm
            ]
            if role != drill_role(user, drill):
                failures.append(f"{user} in {drill}: SQL role {role} != drill_role {drill_role(user, drill)}")
    assert not failures, "\n".join(failures)


# --- overdue ---------------------------------------------------------------------------------------


def _overdue_in_sql(ids: list[int], now: Any) -> dict[int, bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT i.id, {overdue_sql('i', '%(now)s')} FROM timelines_inject i WHERE i.id = ANY(%(ids)s)",  # noqa: S608
            {"ids": ids, "now": now},
        )
        return dict(cursor.fetchall())


def test_overdue_in_python_and_in_sql_agree_to_the_microsecond(
    build_scenario: Any, cs: Any, coordinator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows of a running and a paused drill at time scale 60, with deadlines before, exactly at and
    after "now", acknowledged before, at and after them, cancelled or not, without a deadline."""
    scenario = build_scenario([{"offset": 0, "departments": [cs], "deadline": 600}])
    running = services.drill_start(
        drill=services.drill_create(scenario=scenario, name="Fast", by=coordinator, time_scale=60), by=coordinator
    )
    paused = services.drill_start(
        drill=services.drill_create(scenario=scenario, name="Paused", by=coordinator, time_scale=60), by=coordinator
    )
    deliver_due(limit=10)
    services.drill_pause(drill=paused, by=coordinator)
    now = timezone.now().replace(microsecond=500000)
    monkeypatch.setattr(timezone, "now", lambda: now)
    second = timedelta(seconds=1)
    template = Inject.objects.get(drill=running)
    cases = []
    for drill in (running, paused):
        for deadline in (None, now - second, now, now + second):
            for acknowledged in (None, now - 2 * second, deadline, now + second):
                for status in (InjectStatus.DELIVERED, InjectStatus.ACKNOWLEDGED, InjectStatus.CANCELLED):
                    delivered = now - timedelta(hours=1)
                    cases.append(
                        Inject(drill=drill, department=cs, cause="adhoc", title="T", status=status, due_at=now,
                               delivered_at=delivered, deadline_at=deadline, acknowledged_at=acknowledged)
                    )  # fmt: skip
    made = Inject.objects.bulk_create(cases)
    assert template.pk not in {i.pk for i in made}
    in_sql = _overdue_in_sql([i.pk for i in made], now)
    differ = [(i.deadline_at, i.acknowledged_at, i.status) for i in made if i.is_overdue != in_sql[i.pk]]
    assert not differ
    at_deadline = [i for i in made if i.deadline_at == now and i.acknowledged_at is None and i.status != "cancelled"]
    assert at_deadline and not any(i.is_overdue for i in at_deadline)  # exactly at the deadline: not yet


# --- scenario time to real time ----------------------------------------------------------------------

SCALES = (1, 2, 7, 60, 0.5, 3600)
SECONDS = (0, 1, 59, 60, 61, 600, 3601, 86400)


def test_real_delta_and_its_sql_twin_agree_at_every_scale() -> None:
    with connection.cursor() as cursor:
        for scale in SCALES:
            for seconds in SECONDS:
                cursor.execute(f"SELECT {real_interval_sql('%s', '%s')}", [seconds, scale])
                in_sql = cursor.fetchone()[0]
                assert abs(in_sql - real_delta(seconds, scale)) <= timedelta(microseconds=1), (seconds, scale)
                assert real_delta(seconds, scale).total_seconds() == pytest.approx(
                    real_seconds(seconds, scale), abs=1e-6
                )


def test_a_drill_at_time_scale_60_keeps_due_times_and_deadlines_on_one_conversion(
    build_scenario: Any, cs: Any, coordinator: Any
) -> None:
    """Due times are written by Python at the start, deadlines by SQL at delivery: at time scale 60
    an hour of scenario is a minute of drill on both sides."""
    scenario = build_scenario(
        [{"offset": 0, "departments": [cs], "deadline": 3600}, {"offset": 3600, "departments": [cs]}]
    )
    drill = services.drill_start(
        drill=services.drill_create(scenario=scenario, name="Fast", by=coordinator, time_scale=60), by=coordinator
    )
    deliver_due(limit=10)
    first, later = Inject.objects.filter(drill=drill).order_by("due_at")
    assert later.due_at - first.due_at == real_delta(3600, 60) == timedelta(minutes=1)
    assert first.deadline_at - first.delivered_at == real_delta(3600, 60)


# --- status sets -------------------------------------------------------------------------------------


def test_status_sets_in_python_and_their_sql_lists_agree(cs: Any, build_scenario: Any, coordinator: Any) -> None:
    scenario = build_scenario([{"offset": 3600, "departments": [cs]}])
    drill = services.drill_start(
        drill=services.drill_create(scenario=scenario, name="D", by=coordinator), by=coordinator
    )
    now = timezone.now()
    made = Inject.objects.bulk_create(
        Inject(drill=drill, department=cs, cause="adhoc", title=status, status=status, due_at=now,
               delivered_at=None if status in UNDELIVERED_STATUSES else now)
        for status in InjectStatus.values
    )  # fmt: skip
    ids = [i.pk for i in made]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT i.id, i.status IN {sql_list(OPEN_STATUSES)}, i.status IN {sql_list(LIVE_STATUSES)},
                i.status IN {sql_list(UNDELIVERED_STATUSES)}, {awaiting_delivery_sql("i")}
                FROM timelines_inject i WHERE i.id = ANY(%s)""",  # noqa: S608
            [ids],
        )
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    for inject in made:
        python = (
            inject.is_open,
            inject.status in LIVE_STATUSES,
            inject.status in UNDELIVERED_STATUSES,
            inject.status == InjectStatus.PENDING and inject.delivered_at is None,
        )
        assert rows[inject.pk] == python, inject.status
    assert set(InjectStatus.values) - set(LIVE_STATUSES) == {InjectStatus.RESOLVED, InjectStatus.CANCELLED}
