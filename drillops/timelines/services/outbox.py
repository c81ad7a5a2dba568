"""What a person does with side effects that gave up: retry them (from the first attempt again)
or dismiss them (seen, not to be sent). Each row changed is audited; coordinators' consoles
hear of it so that their count of failed side effects follows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models.functions import Now

from drillops.core.audit import record
from drillops.timelines.engine.notify import enqueue_outbox_on_commit, publish_on_commit
from drillops.timelines.engine.trail import audit
from drillops.timelines.models import Outbox, OutboxState

RETRYABLE = (OutboxState.FAILED, OutboxState.DISMISSED)


def _locked(outbox_ids: Iterable[int], states: Iterable[str]) -> list[Outbox]:
    rows = Outbox.objects.select_for_update(of=("self",)).select_related("drill").filter(state__in=list(states))
    return list(rows.filter(pk__in=list(outbox_ids)).order_by("pk"))


def _changed(rows: list[Outbox], action: str, by: Any) -> None:
    for row in rows:
        data = {"key": row.idempotency_key, "from": row.state, "attempts": row.attempts, "error": row.last_error[:500]}
        if row.drill is not None:
            audit(action, row, by, row.drill, data)
        else:  # a notice of no drill (an improvement item due soon)
            record(action=action, obj=row, actor=by, organisation_id=row.payload.get("organisation"), data=data)
    for drill_id in sorted({row.drill_id for row in rows if row.drill_id is not None}):
        publish_on_commit(drill_id, "outbox")


def outbox_retry(*, outbox_ids: Iterable[int], by: Any) -> int:
    """Send failed (or dismissed) rows again now, with a fresh set of attempts. Rows in other
    states are left alone; returns how many were retried."""
    with transaction.atomic():
        rows = _locked(outbox_ids, RETRYABLE)
        ids = [row.pk for row in rows]
        Outbox.objects.filter(pk__in=ids).update(
            state=OutboxState.PENDING, attempts=0, next_attempt_at=Now(), enqueued_at=Now(), claimed_until=None
        )
        _changed(rows, "outbox.retry", by)
        enqueue_outbox_on_commit(ids)
    return len(rows)


def outbox_dismiss(*, outbox_ids: Iterable[int], by: Any) -> int:
    """Leave failed rows unsent on purpose: they drop out of the failed counts. Returns how many."""
    with transaction.atomic():
        rows = _locked(outbox_ids, [OutboxState.FAILED])
        Outbox.objects.filter(pk__in=[row.pk for row in rows]).update(state=OutboxState.DISMISSED)
        _changed(rows, "outbox.dismiss", by)
    return len(rows)
