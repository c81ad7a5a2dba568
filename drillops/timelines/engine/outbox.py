"""Side effects owed by committed deliveries, carried out by Celery from outbox rows.

At least once, with idempotency keys: a Notification's key is unique (a repeat is dropped by the
database), e-mails carry the key in a header and webhooks in `Idempotency-Key`."""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db.models import F, Q
from django.utils import timezone

from drillops.departments.models import DepartmentWebhook, Membership
from drillops.timelines.engine.notify import enqueue_outbox_on_commit, publish_now
from drillops.timelines.models import Inject, Notification, Outbox, RosterEntry

log = logging.getLogger(__name__)
SUBJECT_PREFIX = "[EXERCISE / 演练]"
WEBHOOK_TIMEOUT_SECONDS = 3
# A row not done this long after it was handed to Celery is taken for lost and handed over again.
MAX_ATTEMPTS = 25


def _members(drill_id: int, department_id: int) -> list[Any]:
    """Staff of the department plus whoever sits for it in this drill's roster."""
    seated = RosterEntry.objects.filter(drill_id=drill_id, department_id=department_id).values("user_id")
    staff = Membership.objects.filter(department_id=department_id).values("user_id")
    return list(get_user_model().objects.filter(Q(pk__in=staff) | Q(pk__in=seated), is_active=True))


def _notify_users(
    users: list[Any], *, drill_id: int | None, inject: Inject | None, title: str, body: str, key: str, link: str = ""
) -> None:
    Notification.objects.bulk_create(
        [
            Notification(
                user=user, drill_id=drill_id, inject=inject, title=title[:300], body=body, link=link[:300],
                idempotency_key=f"{key}:user:{user.pk}"[:120],
            )
            for user in users
        ],
        ignore_conflicts=True,
    )  # fmt: skip


def _email(users: list[Any], *, title: str, body: str, key: str) -> None:
    recipients = sorted({u.email for u in users if u.email})
    if not recipients:
        return
    message = EmailMessage(
        subject=f"{SUBJECT_PREFIX} {title}"[:250],
        body=f"{settings.EXERCISE_MARK}\n\n{body}\n\n{settings.EXERCISE_MARK}",
        to=[settings.DEFAULT_FROM_EMAIL],
        bcc=recipients,
        headers={"X-DrillOps-Idempotency-Key": key},
    )
    get_connection().send_messages([message])


def _webhook(department_id: int, payload: dict[str, Any], key: str) -> None:
    hook = DepartmentWebhook.objects.filter(department_id=department_id, is_active=True).first()
    if hook is None:
        return
    request = urllib.request.Request(  # noqa: S310 - the URL is a validated http(s) URLField
        hook.url,
        data=json.dumps(payload, default=str).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": key},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS):  # noqa: S310
        pass


def _deliver_one(inject: Inject) -> None:
    key = f"inject:{inject.pk}"
    title = f"[{settings.EXERCISE_MARK}] {inject.title}"
    users = _members(inject.drill_id, inject.department_id)
    _notify_users(users, drill_id=inject.drill_id, inject=inject, title=title, body=inject.body, key=key)
    _email(users, title=inject.title, body=inject.body, key=key)
    payload = {
        "marking": settings.EXERCISE_MARK, "drill": inject.drill_id, "inject": inject.pk, "title": inject.title,
        "body": inject.body, "department": inject.department.code, "cause": inject.cause,
        "deadline_at": inject.deadline_at,
    }  # fmt: skip
    _webhook(inject.department_id, payload, key)


def _on_deliveries(payload: dict[str, Any], key: str) -> None:
    injects = Inject.objects.filter(pk__in=payload.get("injects", [])).select_related("department")
    for inject in injects:
        _deliver_one(inject)
    publish_now(int(payload["drill"]), "delivered", {"injects": payload.get("injects", [])})


def _on_escalation_role(payload: dict[str, Any], key: str) -> None:
    """An escalation to a role nobody holds in a department (e.g. coordinators): tell them directly."""
    users = list(
        get_user_model()
        .objects.filter(
            memberships__organisation_id=payload["organisation"], memberships__role=payload["role"], is_active=True
        )
        .distinct()
    )
    title = f"[{settings.EXERCISE_MARK}] {payload.get('title', '')}"
    inject = Inject.objects.filter(pk=int(payload.get("inject") or 0)).first()
    _notify_users(
        users, drill_id=payload["drill"], inject=inject, title=title, body=payload.get("message", ""), key=key
    )
    _email(users, title=payload.get("title", ""), body=payload.get("message", ""), key=key)
    publish_now(int(payload["drill"]), "escalation", {"inject": payload.get("inject")})


NOTICE_APP, NOTICE_EMAIL = "app", "email"


def _on_notice(payload: dict[str, Any], key: str) -> None:
    """A notice that is not an inject (a questionnaire to answer, an improvement item due soon) to
    named people on one channel: in the app with its link, or by e-mail with the link spelt out."""
    users = list(get_user_model().objects.filter(pk__in=payload.get("users", []), is_active=True))
    title, body, link = payload.get("title", ""), payload.get("body", ""), payload.get("link", "")
    if payload.get("channel") == NOTICE_EMAIL:
        _email(users, title=title, body=f"{body}\n\n{settings.SITE_URL}{link}" if link else body, key=key)
        return
    marked = f"[{settings.EXERCISE_MARK}] {title}"
    _notify_users(users, drill_id=payload.get("drill"), inject=None, title=marked, body=body, key=key, link=link)


HANDLERS: dict[str, Callable[[dict[str, Any], str], None]] = {
    "deliveries": _on_deliveries,
    "escalation_role": _on_escalation_role,
    "notice": _on_notice,
}


def notice_write(
    *, key: str, user_ids: list[int], title: str, body: str = "", link: str = "", drill_id: int | None = None
) -> list[int]:
    """Owe a notice to these people: one outbox row per channel (in the app, e-mail), carried out
    after the commit. The key makes it once: writing the same notice again adds nothing."""
    if not user_ids:
        return []
    payload = {"users": sorted(set(user_ids)), "title": title, "body": body, "link": link, "drill": drill_id}
    rows = [
        Outbox(topic="notice", idempotency_key=f"{key}:{channel}"[:120], payload={**payload, "channel": channel})
        for channel in (NOTICE_APP, NOTICE_EMAIL)
    ]
    Outbox.objects.bulk_create(rows, ignore_conflicts=True)
    keys = [row.idempotency_key for row in rows]
    ids = list(Outbox.objects.filter(idempotency_key__in=keys, done_at__isnull=True).values_list("pk", flat=True))
    enqueue_outbox_on_commit(ids)
    return ids


def outbox_process(*, outbox_id: int) -> bool:
    """Carry out one outbox row. A row already done is skipped; a failure is recorded and raised
    so that Celery retries with backoff."""
    row = Outbox.objects.filter(pk=outbox_id, done_at__isnull=True).first()
    if row is None:
        return False
    handler = HANDLERS.get(row.topic)
    try:
        if handler is None:
            raise LookupError(f"no handler for outbox topic {row.topic!r}")
        handler(row.payload, row.idempotency_key)
    except Exception as exc:
        Outbox.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}")
        raise
    Outbox.objects.filter(pk=row.pk, done_at__isnull=True).update(done_at=timezone.now(), attempts=F("attempts") + 1)
    return True


def outbox_mark_enqueued(*, outbox_ids: list[int]) -> None:
    Outbox.objects.filter(pk__in=outbox_ids).update(enqueued_at=timezone.now())


def outbox_sweep(*, send: Callable[[list[int]], int], limit: int = 2000) -> int:
    """Rows not done a while after they were last handed to Celery are handed over again."""
    if limit <= 0:
        return 0
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    ids = list(
        Outbox.objects.filter(done_at__isnull=True, created_at__lt=cutoff, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=cutoff))
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        log.info("sweep re-enqueues %d outbox rows", len(ids))
        send(ids)
    return len(ids)


# The task that carries out one outbox row, named rather than imported (tasks import the engine).
PROCESS_OUTBOX_TASK = "drillops.timelines.tasks.process_outbox"


def enqueue_outbox(outbox_ids: list[int]) -> int:
    """Hand outbox rows to Celery. A broker outage must not block or fail the caller: what could
    not be sent is left to the sweep."""
    from celery import current_app

    sent = 0
    outbox_mark_enqueued(outbox_ids=outbox_ids)
    for outbox_id in outbox_ids:
        try:
            current_app.send_task(PROCESS_OUTBOX_TASK, (outbox_id,), retry=False)
            sent += 1
        except Exception as exc:  # the broker is down: the sweep re-sends later
            log.warning("could not enqueue outbox %s: %s", outbox_id, exc)
            break
    return sent
