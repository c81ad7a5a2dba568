"""Signals that leave a transaction: waking the dispatcher, live fan-out, enqueueing outbox work.

Each is tied to the commit of the current transaction, so nothing is announced that could
still roll back."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.db import connection, transaction
from django.dispatch import Signal

log = logging.getLogger(__name__)

DISPATCH_CHANNEL = "drillops_dispatch"
_redis: redis.Redis | None = None
# The dispatcher hands broker and Redis calls to a thread so that an outage never stalls its clock.
_offload: Callable[[Callable[[], None]], Any] | None = None


def set_offload(offload: Callable[[Callable[[], None]], Any] | None) -> None:
    global _offload
    _offload = offload


def _after_commit(fn: Callable[[], None]) -> None:
    offload = _offload
    transaction.on_commit((lambda: offload(fn)) if offload is not None else fn)


def redis_client() -> redis.Redis:
    global _redis  # one pooled client per process
    if _redis is None:
        _redis = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    return _redis


def live_channel(drill_id: int) -> str:
    return f"drillops:drill:{drill_id}"


def live_rev_key(drill_id: int) -> str:
    return f"drillops:drill:{drill_id}:rev"


def wake_dispatcher(reason: str = "") -> None:
    """NOTIFY is transactional in PostgreSQL: listeners hear it when (and only if) we commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [DISPATCH_CHANNEL, reason[:100]])


def publish_now(drill_id: int, kind: str, data: dict[str, Any] | None = None) -> None:
    """Bump the drill's revision (browsers poll it) and publish the change. Best effort: a
    Redis outage must not undo or fail a committed drill action."""
    message = json.dumps({"drill": drill_id, "kind": kind, **(data or {})}, default=str)
    try:
        client = redis_client()
        pipe = client.pipeline(transaction=False)
        pipe.incr(live_rev_key(drill_id))
        pipe.publish(live_channel(drill_id), message)
        pipe.execute()
    except redis.RedisError as exc:
        log.warning("live fan-out for drill %s failed: %s", drill_id, exc)


def publish_on_commit(drill_id: int, kind: str, data: dict[str, Any] | None = None) -> None:
    _after_commit(lambda: publish_now(drill_id, kind, data))


def send_on_commit(signal: Signal, sender: Any, **kwargs: Any) -> None:
    """Send a signal once the current transaction commits; a receiver that fails is logged."""

    def _send() -> None:
        for receiver, answer in signal.send_robust(sender=sender, **kwargs):
            if isinstance(answer, Exception):
                log.error("receiver %r of a drill signal failed: %r", receiver, answer)

    _after_commit(_send)


def enqueue_outbox_on_commit(outbox_ids: list[int]) -> None:
    if not outbox_ids:
        return

    def _send() -> None:
        from drillops.timelines.engine.outbox import enqueue_outbox  # outbox imports this module

        enqueue_outbox(outbox_ids)

    _after_commit(_send)
