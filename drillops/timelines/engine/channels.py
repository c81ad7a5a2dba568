"""What one outbox row does on its channel: an in-app notification to each recipient, one e-mail
to all of them (in Bcc), or one POST to the department's webhook. Each carries the row's
idempotency key: notifications in a unique column (a repeat is dropped by the database), e-mails
in a header, webhooks in `Idempotency-Key`, so that a receiver can drop a repeat."""

from __future__ import annotations

import contextlib
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
    drill_id: int | None
    payload: dict[str, Any]
    key: str
    attempts: int
    token: datetime


@dataclass
class Recipients:
    """Who hears of what and the injects it is about, looked up once per batch of rows (a task)."""

    _cache: dict[tuple[Any, ...], list[Any]] = field(default_factory=dict)
    _injects: dict[int, Inject] = field(default_factory=dict)
    _mail: Any = None

    def mail(self) -> Any:
        """One mail connection for the batch (SMTP: one login, not one per e-mail)."""
        if self._mail is None:
            self._mail = get_connection()
            self._mail.open()
        return self._mail

    def close(self) -> None:
        """After the batch, or after a failed send (the next e-mail connects afresh)."""
        if self._mail is not None:
            mail, self._mail = self._mail, None
            with contextlib.suppress(Exception):  # a broken connection is dropped either way
                mail.close()

    def prefetch(self, rows: list[Claimed]) -> None:
        wanted = {int(row.payload["inject"]) for row in rows if row.topic == OutboxTopic.INJECT}
        self._injects.update(Inject.objects.select_related("department").in_bulk(wanted - self._injects.keys()))

    def inject(self, pk: int) -> Inject:
        if pk not in self._injects:
            self._injects[pk] = Inject.objects.select_related("department").get(pk=pk)
        return self._injects[pk]

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


def _notices(
    users: list[Any], *, row: Claimed, inject: Inject | None, title: str, body: str, link: str = ""
) -> list[Notification]:
    return [
        Notification(
            user=user, drill_id=row.drill_id, inject=inject, title=f"[{settings.EXERCISE_MARK}] {title}"[:300],
            body=body, link=link[:300], idempotency_key=f"{row.key}:user:{user.pk}"[:120],
        )
        for user in users
    ]  # fmt: skip


def _email(users: list[Any], *, row: Claimed, title: str, body: str, recipients: Recipients) -> None:
    addresses = sorted({u.email for u in users if u.email})
    if not addresses:  # nobody has an address any more: nothing is owed
        return
    message = EmailMessage(
        subject=f"{SUBJECT_PREFIX} {title}"[:250],
        body=f"{settings.EXERCISE_MARK}\n\n{body}\n\n{settings.EXERCISE_MARK}",
        to=[settings.DEFAULT_FROM_EMAIL],
        bcc=addresses,
        headers={"X-DrillOps-Idempotency-Key": row.key},
    )
    try:
        sent = recipients.mail().send_messages([message])
    except Exception:
        recipients.close()
        raise
    if not sent:
        raise RuntimeError("the mail backend sent nothing")


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


def _inject_notices(row: Claimed, recipients: Recipients) -> list[Notification]:
    inject = recipients.inject(int(row.payload["inject"]))
    users = recipients.of_department(inject.drill_id, inject.department_id)
    return _notices(users, row=row, inject=inject, title=inject.title, body=inject.body)


def _role_notices(row: Claimed, recipients: Recipients) -> list[Notification]:
    """An escalation to a role nobody holds in a department (e.g. coordinators): tell them directly."""
    payload = row.payload
    users = recipients.of_role(int(payload["organisation"]), str(payload["role"]))
    inject = Inject.objects.filter(pk=int(payload.get("inject") or 0)).first()
    return _notices(
        users, row=row, inject=inject, title=str(payload.get("title", "")), body=str(payload.get("message", ""))
    )


def _named(row: Claimed) -> list[Any]:
    return list(get_user_model().objects.filter(pk__in=row.payload.get("users", []), is_active=True).order_by("pk"))


def _named_notices(row: Claimed, recipients: Recipients) -> list[Notification]:
    """A notice to named people (a questionnaire to answer, an improvement item due soon)."""
    payload = row.payload
    title, body, link = str(payload.get("title", "")), str(payload.get("body", "")), str(payload.get("link", ""))
    return _notices(_named(row), row=row, inject=None, title=title, body=body, link=link)


_NOTICES: dict[str, Callable[[Claimed, Recipients], list[Notification]]] = {
    OutboxTopic.INJECT: _inject_notices,
    OutboxTopic.ESCALATION_ROLE: _role_notices,
    OutboxTopic.NOTICE: _named_notices,
}


def notify_together(rows: list[Claimed], recipients: Recipients) -> None:
    """The in-app rows of a batch, in one insert (a repeat is dropped by the unique key)."""
    notices = [notice for row in rows for notice in _NOTICES[row.topic](row, recipients)]
    Notification.objects.bulk_create(notices, ignore_conflicts=True, batch_size=1000)


def _send(row: Claimed, recipients: Recipients) -> None:
    if row.topic == OutboxTopic.INJECT:
        inject = recipients.inject(int(row.payload["inject"]))
        if row.channel == OutboxChannel.WEBHOOK:
            payload = {
                "marking": settings.EXERCISE_MARK, "drill": inject.drill_id, "inject": inject.pk,
                "title": inject.title, "body": inject.body, "department": inject.department.code,
                "cause": inject.cause, "deadline_at": inject.deadline_at,
            }  # fmt: skip
            _webhook(inject.department_id, payload, row.key)
            return
        users = recipients.of_department(inject.drill_id, inject.department_id)
        _email(users, row=row, title=inject.title, body=inject.body, recipients=recipients)
        return
    if row.channel == OutboxChannel.WEBHOOK:
        raise LookupError(f"a {row.topic!r} row has no webhook")
    if row.topic == OutboxTopic.NOTICE:
        link = str(row.payload.get("link", ""))
        body = str(row.payload.get("body", "")) + (f"\n\n{settings.SITE_URL}{link}" if link else "")
        _email(_named(row), row=row, title=str(row.payload.get("title", "")), body=body, recipients=recipients)
        return
    users = recipients.of_role(int(row.payload["organisation"]), str(row.payload["role"]))
    title, body = str(row.payload.get("title", "")), str(row.payload.get("message", ""))
    _email(users, row=row, title=title, body=body, recipients=recipients)


def carry_out(row: Claimed, recipients: Recipients) -> None:
    """Do what one row owes; raises on failure (the caller records it against this row only)."""
    if row.topic not in _NOTICES:
        raise LookupError(f"no handler for outbox topic {row.topic!r}")
    if row.channel == OutboxChannel.INAPP:
        notify_together([row], recipients)
    else:
        _send(row, recipients)
