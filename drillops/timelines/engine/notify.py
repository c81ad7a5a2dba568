"""Signals that leave a transaction: waking the dispatcher, live fan-out, enqueueing outbox work.

A live message is JSON on `drillops:<redis db>:drill:<id>`: `{"rev", "drill", "kind", ...what the caller
named (inject ids, entry ids, state), "audience": {"coordinators", "observers", "departments":
[ids] | "*", "users": [ids]}}`; the web's streams (timelines.live) render the change once per
audience and push it to the pages whose scope may see it.

Each is tied to the commit of the current transaction, so nothing is announced that could
still roll back."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.db import connection, transaction
from django.dispatch import Signal

from drillops.timelines.models import Inject
from drillops.timelines.selectors import escalations_speaking_for

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


def live_namespace() -> str:
    """Pub/sub channels are global to a Redis server, whatever database a URL names: apps that
    share one server on different databases must not hear each other's drills."""
    database = urlsplit(settings.REDIS_URL).path.strip("/") or "0"
    return f"drillops:{database}" if database.isdigit() else "drillops"


def live_channel(drill_id: int) -> str:
    return f"{live_namespace()}:drill:{drill_id}"


def live_rev_key(drill_id: int) -> str:
    return f"drillops:drill:{drill_id}:rev"


def wake_dispatcher(reason: str = "") -> None:
    """NOTIFY is transactional in PostgreSQL: listeners hear it when (and only if) we commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [DISPATCH_CHANNEL, reason[:100]])


# INCR and PUBLISH in one step, so that every message carries the revision it made and the
# streams can tell a page that reconnects whether it missed something (its last id is a revision).
_PUBLISH_SCRIPT = """
local rev = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', KEYS[2], '{"rev":' .. rev .. ',' .. string.sub(ARGV[1], 2))
return rev
"""
EVERYONE: dict[str, Any] = {"coordinators": True, "observers": True, "departments": "*"}
# Changes that are the drill's as a whole: every page of it may see them.
_DRILL_WIDE = {"state", "message"}
# The delivery path names at most this many injects of one claim in its message.
DELIVERED_IDS_CAP = 100
# An answer to a department copy changes the escalations that list it ("acknowledged since").
_ANSWERS = {"acknowledged", "action", "decision", "forward", "resolved"}


def inject_ids_of(data: dict[str, Any]) -> list[int]:
    """The injects a change names (the services' and the engine's publish calls name them so)."""
    ids = [data[key] for key in ("inject", "forward") if isinstance(data.get(key), int)]
    listed = data.get("injects")
    if isinstance(listed, list):
        ids += [value for value in listed if isinstance(value, int)]
    return ids


def audience_of(drill_id: int, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Who may see this change, by the visibility rule: coordinators see every change; observers
    and the departments' staff only changes of delivered injects (and drill-wide ones). The
    streams filter each page by its own scope on top of this, so "too wide" is never a leak."""
    if kind in _DRILL_WIDE:
        return EVERYONE
    if kind == "outbox":  # the count of side effects that gave up is the coordinators'
        return {"coordinators": True}
    if kind == "roster":  # the seated user's scope changed: their pages reconnect with the new one
        return {"coordinators": True, "users": [data["user"]] if isinstance(data.get("user"), int) else []}
    ids = inject_ids_of(data)
    if not ids:
        # Named nothing (an escalation round, a trigger): the injects it delivered announce
        # themselves; what is left (timeline entries) is filtered per page by its scope.
        return EVERYONE
    rows = Inject.objects.filter(drill_id=drill_id, pk__in=ids)
    if kind == "delivered" and len(ids) >= DELIVERED_IDS_CAP:
        # The claim names its first rows only; every row of one claim shares its delivered_at.
        rows = Inject.objects.filter(drill_id=drill_id, delivered_at__in=rows.values("delivered_at"))
    departments = sorted(set(rows.filter(delivered_at__isnull=False).values_list("department_id", flat=True)))
    return {"coordinators": True, "observers": bool(departments), "departments": departments}


def _with_escalations(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """An answer's message also names the escalations that list the answered copy, so that the
    escalation's audience (the target department) hears of it and its card is drawn again."""
    if kind not in _ANSWERS or not isinstance(data.get("inject"), int):
        return data
    escalations = escalations_speaking_for([data["inject"]])
    if not escalations:
        return data
    listed = data.get("injects")
    return {**data, "injects": [*(listed if isinstance(listed, list) else []), *escalations]}


def publish_now(drill_id: int, kind: str, data: dict[str, Any] | None = None) -> None:
    """Bump the drill's revision (pages that fall back to polling compare it) and publish the
    change with its audience. Best effort: a Redis or database hiccup here must not undo or fail
    a committed drill action; a page that missed a message catches up by its revision."""
    data = data or {}
    try:
        data = _with_escalations(kind, data)
        audience = audience_of(drill_id, kind, data)
    except Exception as exc:  # the audience is a pre-filter: when unknown, ask every page's scope
        log.warning("live audience of drill %s unknown: %s", drill_id, exc)
        audience = EVERYONE
    message = json.dumps({"drill": drill_id, "kind": kind, **data, "audience": audience}, default=str)
    try:
        redis_client().eval(_PUBLISH_SCRIPT, 2, live_rev_key(drill_id), live_channel(drill_id), message)
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
