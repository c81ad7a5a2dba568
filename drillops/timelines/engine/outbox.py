"""Carrying out outbox rows (Celery workers) and re-sending what was lost (the beat sweep).

A row is one inject (or notice) for one channel. A worker claims the rows of its task by
compare-and-swap before working on them: one UPDATE that takes each row only while it is
pending, due (`next_attempt_at`) and not held (`claimed_until`, the lease, in the past or NULL),
so two workers or a worker and a copy sent by the sweep never run the same row at once. The
lease is renewed while the worker goes through its rows; a worker that dies lets it run out, and
the sweep hands the row over again. The lease's end is the claim's token: a worker records an
outcome only if its token still stands, so one whose row went to another cannot overwrite it.
A failure counts against that row alone: it waits with exponential backoff and jitter, and after
the last attempt it is `failed` until a person retries or dismisses it (services.outbox_retry /
outbox_dismiss). Side effects are at least once; the idempotency key lets a receiver drop a
repeat."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.db import connection

from drillops.timelines.engine.channels import Claimed, Recipients, carry_out, notify_together
from drillops.timelines.engine.notify import publish_now
from drillops.timelines.models import OutboxChannel, OutboxState

log = logging.getLogger(__name__)

PENDING, DONE, FAILED = OutboxState.PENDING.value, OutboxState.DONE.value, OutboxState.FAILED.value
# Rows that no one holds: never claimed, or the lease ran out (its worker died or hung).
_FREE = "(claimed_until IS NULL OR claimed_until < statement_timestamp())"
# Rows are locked in id order, so that two claims of overlapping batches wait for each other
# instead of deadlocking; the one that waited sees the other's lease and leaves the row.
_CLAIM = f"""
UPDATE timelines_outbox o SET claimed_until = statement_timestamp() + make_interval(secs => %(lease)s),
    attempts = o.attempts + 1
FROM (SELECT id FROM timelines_outbox
      WHERE id = ANY(%(ids)s) AND state = '{PENDING}' AND next_attempt_at <= statement_timestamp() AND {_FREE}
      ORDER BY id FOR UPDATE) c
WHERE o.id = c.id
RETURNING o.id, o.topic, o.channel, o.drill_id, o.payload, o.idempotency_key, o.attempts, o.claimed_until
"""  # noqa: S608 - enum values only, no input
_RENEW = f"""
UPDATE timelines_outbox SET claimed_until = statement_timestamp() + make_interval(secs => %(lease)s)
WHERE id = ANY(%(ids)s) AND claimed_until = %(token)s AND state = '{PENDING}'
RETURNING id, claimed_until
"""  # noqa: S608 - enum values only, no input
_DONE = f"""
UPDATE timelines_outbox SET state = '{DONE}', done_at = statement_timestamp(), claimed_until = NULL
WHERE id = ANY(%(ids)s) AND claimed_until = %(token)s AND state = '{PENDING}'
"""  # noqa: S608 - enum values only, no input
# enqueued_at NULL: no task holds the row now, so the sweep hands it over once it is due again.
_FAILED_ATTEMPT = f"""
UPDATE timelines_outbox SET claimed_until = NULL, enqueued_at = NULL, last_error = %(error)s,
    state = CASE WHEN attempts >= %(max)s THEN '{FAILED}' ELSE '{PENDING}' END,
    next_attempt_at = statement_timestamp() + make_interval(secs => %(delay)s)
WHERE id = %(id)s AND claimed_until = %(token)s AND state = '{PENDING}'
RETURNING state
"""  # noqa: S608 - enum values only, no input


def _decode(payload: Any) -> dict[str, Any]:
    # Django reads jsonb as text through a raw cursor.
    value = json.loads(payload) if isinstance(payload, str | bytes) else payload
    return value if isinstance(value, dict) else {}


def outbox_claim(*, outbox_ids: Iterable[int]) -> list[Claimed]:
    """Take these rows for this worker, in one statement. Rows done, failed, waiting out their
    backoff or held by another worker's live lease are left out."""
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, {"ids": list(outbox_ids), "lease": settings.OUTBOX_LEASE_SECONDS})
        rows = cursor.fetchall()
    claims = [Claimed(i, topic, ch, drill, _decode(payload), key, n, token)
              for i, topic, ch, drill, payload, key, n, token in rows]  # fmt: skip
    return sorted(claims, key=lambda claim: claim.id)


def outbox_done(claims: list[Claimed]) -> int:
    """Mark rows done, each only if this worker's claim on it still stands; returns how many."""
    marked = 0
    with connection.cursor() as cursor:
        for token in {claim.token for claim in claims}:
            cursor.execute(_DONE, {"ids": [c.id for c in claims if c.token == token], "token": token})
            marked += cursor.rowcount
    return marked


class Held:
    """The rows one worker claimed together: their lease is renewed while the worker goes through
    them, so that a long batch (slow webhooks) never lets the sweep hand a waiting row over."""

    def __init__(self, claims: list[Claimed]) -> None:
        self.claims = {claim.id: claim for claim in claims}
        self._renew_at = time.monotonic() + settings.OUTBOX_LEASE_SECONDS / 2

    def current(self, claim: Claimed) -> Claimed | None:
        """The claim as it stands now (None if it was lost), renewing the lease when half is gone."""
        if time.monotonic() >= self._renew_at:
            self._renew()
        return self.claims.get(claim.id)

    def _renew(self) -> None:
        renewed: dict[int, Claimed] = {}
        with connection.cursor() as cursor:
            for token in {claim.token for claim in self.claims.values()}:
                ids = [c.id for c in self.claims.values() if c.token == token]
                cursor.execute(_RENEW, {"ids": ids, "token": token, "lease": settings.OUTBOX_LEASE_SECONDS})
                renewed.update({i: replace(self.claims[i], token=new) for i, new in cursor.fetchall()})
        self.claims = renewed
        self._renew_at = time.monotonic() + settings.OUTBOX_LEASE_SECONDS / 2

    def release(self, claim: Claimed) -> None:
        self.claims.pop(claim.id, None)


def retry_delay(attempts: int) -> float:
    """Exponential backoff with jitter (0.5x to 1x), so that rows failing together spread out."""
    base, cap = settings.OUTBOX_RETRY_BASE_SECONDS, settings.OUTBOX_RETRY_MAX_SECONDS
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret


def outbox_failed_attempt(claim: Claimed, error: BaseException) -> str | None:
    """Record a failed attempt; returns the row's state after it (None if the claim was lost)."""
    params: dict[str, Any] = {
        "id": claim.id, "token": claim.token, "error": f"{type(error).__name__}: {error}"[:2000],
        "max": settings.OUTBOX_MAX_ATTEMPTS, "delay": retry_delay(claim.attempts),
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_FAILED_ATTEMPT, params)
        row = cursor.fetchone()
    state = row[0] if row else None
    if state == FAILED:
        log.warning("outbox %s (%s) gave up after %d attempts: %s", claim.key, claim.id, claim.attempts, error)
        if claim.drill_id is not None:
            publish_now(claim.drill_id, "outbox", {"failed": claim.id})  # the coordinators' count
    return state


def _one(claim: Claimed, recipients: Recipients) -> int:
    try:
        carry_out(claim, recipients)
    except Exception as exc:  # any failure of a side effect is this row's, recorded and retried
        outbox_failed_attempt(claim, exc)
        return 0
    return outbox_done([claim])


def outbox_process(*, outbox_ids: Iterable[int]) -> int:
    """Claim these rows and carry them out; returns how many this call finished. In-app rows go
    in one insert (a repeat is harmless: their notifications have unique keys); e-mails and
    webhooks leave the house, so each is marked done as soon as it is sent. A failure is recorded
    against its own row and the others go on."""
    held = Held(outbox_claim(outbox_ids=outbox_ids))
    recipients = Recipients()
    try:
        recipients.prefetch(list(held.claims.values()))
        return _carry_out_held(held, recipients)
    finally:
        recipients.close()


def _carry_out_held(held: Held, recipients: Recipients) -> int:
    inapp = [c for c in held.claims.values() if c.channel == OutboxChannel.INAPP]
    done = 0
    if inapp:
        try:
            notify_together(inapp, recipients)
            done += outbox_done(inapp)
        except Exception:  # one bad row must not fail the others: take them one by one
            done += sum(_one(claim, recipients) for claim in inapp)
        for claim in inapp:
            held.release(claim)
    for waiting in [c for c in held.claims.values() if c.channel != OutboxChannel.INAPP]:
        current = held.current(waiting)
        if current is not None:
            done += _one(current, recipients)
            held.release(current)
    return done


# A row that ran out of attempts while its lease ran out (its worker died on each try) gives up
# here, since no worker is left to record it.
_GIVE_UP_LOST = f"""
UPDATE timelines_outbox SET state = '{FAILED}', claimed_until = NULL,
    last_error = CASE WHEN last_error = '' THEN 'worker lost' ELSE last_error || ' (then: worker lost)' END
WHERE state = '{PENDING}' AND attempts >= %(max)s AND claimed_until < statement_timestamp()
RETURNING id, drill_id
"""  # noqa: S608 - enum values only, no input
# Due rows that no one holds and no task is known to carry: never handed over, handed over long
# ago (the broker or the worker lost it), or failed and waiting for its next attempt.
_SWEEP = f"""
UPDATE timelines_outbox SET enqueued_at = statement_timestamp()
WHERE id IN (
    SELECT id FROM timelines_outbox
    WHERE state = '{PENDING}' AND next_attempt_at <= statement_timestamp() AND {_FREE}
      AND (enqueued_at IS NULL OR enqueued_at < statement_timestamp() - make_interval(secs => %(after)s))
    ORDER BY next_attempt_at LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
RETURNING id
"""  # noqa: S608 - enum values only, no input


def outbox_sweep(*, send: Callable[[list[int]], int], limit: int = 2000) -> int:
    """Hand over again what is due and held by no one; quiet unless it re-sends something."""
    with connection.cursor() as cursor:
        cursor.execute(_GIVE_UP_LOST, {"max": settings.OUTBOX_MAX_ATTEMPTS})
        given_up = cursor.fetchall()
    for row_id, drill_id in given_up:
        log.warning("outbox %s gave up: its worker was lost on every attempt", row_id)
        if drill_id is not None:
            publish_now(drill_id, "outbox", {"failed": row_id})
    if limit <= 0:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_SWEEP, {"after": settings.OUTBOX_SWEEP_AFTER_SECONDS, "limit": limit})
        ids = sorted(row[0] for row in cursor.fetchall())
    if ids:
        log.info("sweep re-enqueues %d outbox rows", len(ids))
        send(ids)
    return len(ids)


# The task that carries out outbox rows, named rather than imported (tasks import the engine).
PROCESS_OUTBOX_TASK = "drillops.timelines.tasks.process_outbox"
# Rows per task: few enough that a claim's rows spread over the workers, enough that the
# dispatcher's hand-over and the worker's claims stay a few statements per hundred rows.
TASK_CHUNK = 100


def enqueue_outbox(outbox_ids: list[int]) -> int:
    """Hand rows to Celery, a chunk per task. A broker outage must not block or fail the caller:
    what could not be sent is left to the sweep (the rows' enqueued_at is already set)."""
    from celery import current_app

    sent = 0
    for start in range(0, len(outbox_ids), TASK_CHUNK):
        chunk = outbox_ids[start : start + TASK_CHUNK]
        try:
            current_app.send_task(PROCESS_OUTBOX_TASK, (chunk,), retry=False)
        except Exception as exc:  # the broker is down: the sweep re-sends later
            log.warning("could not enqueue %d outbox rows: %s", len(outbox_ids) - start, exc)
            break
        sent += len(chunk)
    return sent


_HEALTH = f"""
SELECT COUNT(*) FILTER (WHERE state = '{FAILED}'), COUNT(*) FILTER (WHERE state = '{PENDING}')
FROM timelines_outbox WHERE state IN ('{FAILED}', '{PENDING}')
"""  # noqa: S608 - enum values only, no input


def check_outbox() -> dict[str, Any]:
    """Rows that gave up are reported, not a failure of the service: the engine runs on, and a
    person decides (admin: retry or dismiss)."""
    with connection.cursor() as cursor:
        cursor.execute(_HEALTH)
        failed, pending = cursor.fetchone()
    return {"ok": True, "failed": failed, "pending": pending}
