"""What one outbox row does on its channel: an in-app notification to each recipient, one e-mail
to all of them (in Bcc), or one POST to the department's webhook. Each carries the row's
idempotency key: notifications in a unique column (a repeat is dropped by the database), e-mails
in a header, webhooks in `Idempotency-Key`, so that a receiver can drop a repeat."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q

from drillops.departments.models import DepartmentWebhook, Membership
from drillops.timelines.models import Inject, Notification, OutboxChannel, OutboxTopic, RosterEntry

SUBJECT_PREFIX = "[EXERCISE / 演练]"
WEBHOOK_TIMEOUT_SECONDS = 3


@dataclass(frozen=True)
class Claimed:
    """An outbox row as its worker claimed it; `token` (the lease's end) proves the claim is ours."""

    id: int
    topic: str
    channel: str
    drill_id: int
    payload: dict[str, Any]
    key: str
    attempts: int
    token: datetime


@dataclass
class Recipients:
    """Who hears of what, looked up once per batch of rows (one task)."""

    _cache: dict[tuple[Any, ...], list[Any]] = field(default_factory=dict)

    def of_department(self, drill_id: int, department_id: int) -> list[Any]:
        """Staff of the department plus whoever sits for it in this drill's roster."""
        key = ("department", drill_id, department_id)
        if key not in self._cache:
            seated = RosterEntry.objects.filter(drill_id=drill_id, department_id=department_id).values("user_id")
            staff = Membership.objects.filter(department_id=department_id).values("user_id")
            users = get_user_model().objects.filter(Q(pk__in=staff) | Q(pk__in=seated), is_active=True)
            self._cache[key] = list(users.order_by("pk"))
        return self._cache[key]

    def of_role(self, organisation_id: int, role: str) -> list[Any]:
        key = ("role", organisation_id, role)
        if key not in self._cache:
            self._cache[key] = role_recipients(organisation_id, role)
        return self._cache[key]


def role_recipients(organisation_id: int, role: str) -> list[Any]:
    users = get_user_model().objects.filter(
        memberships__organisation_id=organisation_id, memberships__role=role, is_active=True
    )
    return list(users.distinct().order_by("pk"))


def _notify(users: list[Any], *, row: Claimed, inject: Inject | None, title: str, body: str) -> None:
    Notification.objects.bulk_create(
        [
            Notification(
                user=user, drill_id=row.drill_id, inject=inject, title=f"[{settings.EXERCISE_MARK}] {title}"[:300],
                body=body, idempotency_key=f"{row.key}:user:{user.pk}"[:120],
            )
            for user in users
        ],
        ignore_conflicts=True,
    )  # fmt: skip


def _email(users: list[Any], *, row: Claimed, title: str, body: str) -> None:
    recipients = sorted({u.email for u in users if u.email})
    if not recipients:  # nobody has an address any more: nothing is owed
        return
    message = EmailMessage(
        subject=f"{SUBJECT_PREFIX} {title}"[:250],
        body=f"{settings.EXERCISE_MARK}\n\n{body}\n\n{settings.EXERCISE_MARK}",
        to=[settings.DEFAULT_FROM_EMAIL],
        bcc=recipients,
        headers={"X-DrillOps-Idempotency-Key": row.key},
    )
    get_connection().send_messages([message])


def _webhook(department_id: int, payload: dict[str, Any], key: str) -> None:
    hook = DepartmentWebhook.objects.filter(department_id=department_id, is_active=True).first()
    if hook is None:  # switched off since the delivery: nothing is owed
        return
    request = urllib.request.Request(  # noqa: S310 - the URL is a validated http(s) URLField
        hook.url,
        data=json.dumps(payload, default=str).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": key},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS):  # noqa: S310 - an error status raises
        pass


def _inject_delivered(row: Claimed, recipients: Recipients) -> None:
    inject = Inject.objects.select_related("department").get(pk=int(row.payload["inject"]))
    if row.channel == OutboxChannel.WEBHOOK:
        payload = {
            "marking": settings.EXERCISE_MARK, "drill": inject.drill_id, "inject": inject.pk, "title": inject.title,
            "body": inject.body, "department": inject.department.code, "cause": inject.cause,
            "deadline_at": inject.deadline_at,
        }  # fmt: skip
        _webhook(inject.department_id, payload, row.key)
        return
    users = recipients.of_department(inject.drill_id, inject.department_id)
    if row.channel == OutboxChannel.INAPP:
        _notify(users, row=row, inject=inject, title=inject.title, body=inject.body)
    else:
        _email(users, row=row, title=inject.title, body=inject.body)


def _escalation_role(row: Claimed, recipients: Recipients) -> None:
    """An escalation to a role nobody holds in a department (e.g. coordinators): tell them directly."""
    payload = row.payload
    users = recipients.of_role(int(payload["organisation"]), str(payload["role"]))
    title, message = str(payload.get("title", "")), str(payload.get("message", ""))
    if row.channel == OutboxChannel.INAPP:
        inject = Inject.objects.filter(pk=int(payload.get("inject") or 0)).first()
        _notify(users, row=row, inject=inject, title=title, body=message)
    elif row.channel == OutboxChannel.EMAIL:
        _email(users, row=row, title=title, body=message)
    else:
        raise LookupError(f"a role notice has no {row.channel!r} channel")


HANDLERS: dict[str, Callable[[Claimed, Recipients], None]] = {
    OutboxTopic.INJECT: _inject_delivered,
    OutboxTopic.ESCALATION_ROLE: _escalation_role,
}


def carry_out(row: Claimed, recipients: Recipients) -> None:
    """Do what the row owes; raises on failure (the caller records it against this row only)."""
    handler = HANDLERS.get(row.topic)
    if handler is None:
        raise LookupError(f"no handler for outbox topic {row.topic!r}")
    handler(row, recipients)
