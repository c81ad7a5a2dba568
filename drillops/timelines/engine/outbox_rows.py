"""Writing outbox rows, in the transaction that owes them: one row per inject (or notice) and
channel, so that each is claimed, retried and given up on its own. A channel gets a row only if
it has someone to reach: in-app if the department has active staff or seated players, e-mail if
one of them has an address, webhook if the department has an active one.

Deliveries come by the thousand (a claim holds up to 500 injects): their rows are one
INSERT ... SELECT per claim, which looks up the departments' recipients and webhooks once per
department. The rows are handed to Celery after commit; `enqueued_at` is set as they are written,
so that the sweep sends them again if that hand-over is lost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.db import connection

from drillops.core.prepared import execute_prepared
from drillops.timelines.engine.channels import role_recipients
from drillops.timelines.engine.notify import enqueue_outbox_on_commit
from drillops.timelines.models import Outbox, OutboxChannel, OutboxTopic

INAPP, EMAIL, WEBHOOK = OutboxChannel.INAPP.value, OutboxChannel.EMAIL.value, OutboxChannel.WEBHOOK.value

_DELIVERY_ROWS = f"""
WITH delivered AS (
    SELECT * FROM unnest(%(ids)s::bigint[], %(drills)s::bigint[], %(departments)s::bigint[])
        AS d(id, drill_id, department_id)
),
reach AS MATERIALIZED (  -- once per department, not once per inject
    SELECT p.drill_id, p.department_id, r.anyone, r.mail,
           EXISTS (SELECT 1 FROM departments_departmentwebhook w
                   WHERE w.department_id = p.department_id AND w.is_active) AS hook
    FROM (SELECT DISTINCT drill_id, department_id FROM delivered) p
    CROSS JOIN LATERAL (
        SELECT COUNT(*) > 0 AS anyone, COALESCE(bool_or(u.email <> ''), false) AS mail
        FROM (SELECT m.user_id FROM departments_membership m WHERE m.department_id = p.department_id
              UNION
              SELECT s.user_id FROM timelines_rosterentry s
              WHERE s.drill_id = p.drill_id AND s.department_id = p.department_id) who
        JOIN auth_user u ON u.id = who.user_id AND u.is_active
    ) r
)
INSERT INTO timelines_outbox (topic, channel, drill_id, payload, idempotency_key, attempts, last_error)
SELECT '{OutboxTopic.INJECT.value}', c.channel, d.drill_id, jsonb_build_object('inject', d.id),
       'inject:' || d.id || ':' || c.channel, 0, ''
FROM delivered d JOIN reach r USING (drill_id, department_id)
CROSS JOIN LATERAL (VALUES ('{INAPP}', r.anyone), ('{EMAIL}', r.mail), ('{WEBHOOK}', r.hook)) AS c(channel, wanted)
WHERE c.wanted
RETURNING id
"""  # noqa: S608 - enum values only, no input


class DeliveredRow(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def drill_id(self) -> int: ...
    @property
    def department_id(self) -> int: ...


def write_delivery_rows(rows: Sequence[DeliveredRow]) -> list[int]:
    """The side effects of these deliveries (idempotency key `inject:<id>:<channel>`)."""
    if not rows:
        return []
    params = {
        "ids": [r.id for r in rows],
        "drills": [r.drill_id for r in rows],
        "departments": [r.department_id for r in rows],
    }
    with connection.cursor() as cursor:
        # Planning this statement costs about as much as running it; a claim runs it every time.
        execute_prepared(cursor, "drillops_outbox_delivery_rows", _DELIVERY_ROWS, params)
        ids = [row[0] for row in cursor.fetchall()]
    enqueue_outbox_on_commit(ids)
    return ids


def write_notices(notices: list[Outbox]) -> list[Outbox]:
    """Notices to a role (escalations to e.g. the coordinators), each given as one unsaved row
    whose key names the notice: it becomes a row per channel that reaches someone, keyed
    `<key>:<channel>`."""
    reach: dict[tuple[int, str], list[Any]] = {}
    rows: list[Outbox] = []
    for notice in notices:
        target = (int(notice.payload["organisation"]), str(notice.payload["role"]))
        if target not in reach:
            reach[target] = role_recipients(*target)
        users = reach[target]
        channels = ([INAPP] if users else []) + ([EMAIL] if any(u.email for u in users) else [])
        rows.extend(
            Outbox(
                topic=notice.topic or OutboxTopic.ESCALATION_ROLE, channel=channel, drill_id=notice.drill_id,
                payload=notice.payload, idempotency_key=f"{notice.idempotency_key}:{channel}",
            )
            for channel in channels
        )  # fmt: skip
    created = Outbox.objects.bulk_create(rows)
    enqueue_outbox_on_commit([row.pk for row in created])
    return created


def notice_write(
    *, key: str, user_ids: list[int], title: str, body: str = "", link: str = "", drill_id: int | None = None
) -> list[int]:
    """Owe a notice that is not an inject (a questionnaire to answer, an improvement item due soon)
    to named people: a row per channel that reaches someone (in the app with its link, e-mail with
    the link spelt out), keyed `<key>:<channel>`. Writing the same notice again adds nothing."""
    users = list(get_user_model().objects.filter(pk__in=set(user_ids), is_active=True).order_by("pk"))
    channels = ([INAPP] if users else []) + ([EMAIL] if any(u.email for u in users) else [])
    payload = {"users": [u.pk for u in users], "title": title, "body": body, "link": link}
    rows = [
        Outbox(
            topic=OutboxTopic.NOTICE, channel=channel, drill_id=drill_id, payload=payload,
            idempotency_key=f"{key}:{channel}"[:120],
        )
        for channel in channels
    ]  # fmt: skip
    Outbox.objects.bulk_create(rows, ignore_conflicts=True)
    keys = [row.idempotency_key for row in rows]
    ids = list(Outbox.objects.filter(idempotency_key__in=keys, done_at__isnull=True).values_list("pk", flat=True))
    enqueue_outbox_on_commit(ids)
    return ids
