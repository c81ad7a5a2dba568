"""The dispatcher: PostgreSQL is the clock. Run two or more replicas (`manage.py run_dispatcher`).

Each loop starts drills whose scheduled start has come, claims due injects and due escalation
steps with FOR NO KEY UPDATE SKIP LOCKED (replicas never take the same row), writes its heartbeat, then
sleeps until the next due time or a NOTIFY on `drillops_dispatch`, whichever is first, capped by
DISPATCHER_MAX_SLEEP_SECONDS. Every comparison uses the database's clock.

A replica that dies mid-claim loses nothing: its transaction rolls back and the rows become
claimable again. `idle_in_transaction_session_timeout` is the lease that frees rows held by a
replica that hangs with an open transaction."""

from __future__ import annotations

import logging
import os
import select
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg2
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, reset_queries, transaction
from django.db.backends.signals import connection_created

from drillops.timelines.engine.delivery import deliver_due
from drillops.timelines.engine.escalation import fire_due_steps
from drillops.timelines.engine.lifecycle import start_scheduled_due
from drillops.timelines.engine.notify import DISPATCH_CHANNEL, set_offload
from drillops.timelines.models import DrillState, awaiting_delivery_sql, sql_value

log = logging.getLogger(__name__)
_MIN_IDLE_SLEEP = 0.005

_RUNNING = f"d.state = {sql_value(DrillState.RUNNING)}"
_NEXT_DUE = f"""
SELECT EXTRACT(EPOCH FROM (LEAST(
    (SELECT i.due_at FROM timelines_inject i JOIN timelines_drill d ON d.id = i.drill_id
     WHERE {awaiting_delivery_sql("i")} AND {_RUNNING}
     ORDER BY i.due_at LIMIT 1),
    (SELECT s.fire_at FROM timelines_escalationstep s
     JOIN timelines_inject i ON i.id = s.inject_id JOIN timelines_drill d ON d.id = i.drill_id
     WHERE s.fired_at IS NULL AND s.cancelled_at IS NULL AND {_RUNNING}
     ORDER BY s.fire_at LIMIT 1),
    (SELECT MIN(scheduled_start) FROM timelines_drill WHERE state = {sql_value(DrillState.SCHEDULED)})
) - clock_timestamp()))
"""  # noqa: S608 - enum values, no input
_BEAT = """
INSERT INTO timelines_dispatcherheartbeat (name, host, pid, started_at, beat_at, lag_ms, delivered_total)
VALUES (%(name)s, %(host)s, %(pid)s, clock_timestamp(), clock_timestamp(), %(lag)s, %(delivered)s)
ON CONFLICT (name) DO UPDATE SET
    host = EXCLUDED.host, pid = EXCLUDED.pid, beat_at = EXCLUDED.beat_at, lag_ms = EXCLUDED.lag_ms,
    started_at = CASE WHEN timelines_dispatcherheartbeat.pid = EXCLUDED.pid
                      THEN timelines_dispatcherheartbeat.started_at ELSE EXCLUDED.started_at END,
    delivered_total = timelines_dispatcherheartbeat.delivered_total + EXCLUDED.delivered_total
"""


@dataclass
class Tick:
    started: int = 0
    delivered: int = 0
    steps_decided: int = 0
    escalated: int = 0
    lag_ms: float = 0.0

    @property
    def worked(self) -> bool:
        return bool(self.started or self.delivered or self.steps_decided)


def run_once(*, batch: int | None = None) -> Tick:
    """One pass: everything due now is delivered or fired, in transactions of up to `batch` rows."""
    limit = batch or settings.DISPATCHER_BATCH_SIZE
    tick = Tick()
    while True:
        with transaction.atomic():
            rows = deliver_due(limit=limit)
        tick.delivered += len(rows)
        for row in rows:
            tick.lag_ms = max(tick.lag_ms, (row.delivered_at - row.due_at).total_seconds() * 1000)
        if len(rows) < limit:
            break
    while True:
        with transaction.atomic():
            decided, fired = fire_due_steps(limit=limit)
        tick.steps_decided += decided
        tick.escalated += fired
        if decided < limit:
            break
    # Last, so that a wake-up for a due inject goes straight to its claim.
    if _scheduled_start_due():
        tick.started = len(start_scheduled_due())
    return tick


_SCHEDULED_START_DUE = f"""SELECT 1 FROM timelines_drill
WHERE state = {sql_value(DrillState.SCHEDULED)} AND scheduled_start <= clock_timestamp() LIMIT 1"""  # noqa: S608


def _scheduled_start_due() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_SCHEDULED_START_DUE)
        return cursor.fetchone() is not None


def seconds_to_next_due() -> float | None:
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_DUE)
        value = cursor.fetchone()[0]
    return None if value is None else float(value)


def beat(*, name: str, lag_ms: float, delivered: int) -> None:
    params: dict[str, Any] = {"name": name, "host": socket.gethostname()[:200], "pid": os.getpid(), "lag": lag_ms}
    with connection.cursor() as cursor:
        cursor.execute(_BEAT, {**params, "delivered": delivered})


def _session_setup(sender: Any, connection: Any, **kwargs: Any) -> None:
    lease_ms = int(settings.DISPATCHER_LEASE_SECONDS * 1000)
    with connection.cursor() as cursor:
        cursor.execute(f"SET idle_in_transaction_session_timeout = {lease_ms}")


class Dispatcher:
    """The loop around run_once(): sleeping, waking, heartbeat, reconnecting, stopping on SIGTERM."""

    def __init__(self, *, name: str, max_sleep: float | None = None, batch: int | None = None) -> None:
        self.name = name
        self.max_sleep = max_sleep if max_sleep is not None else settings.DISPATCHER_MAX_SLEEP_SECONDS
        self.batch = batch or settings.DISPATCHER_BATCH_SIZE
        self.stopping = False
        self._listener: Any = None
        self._wake_r, self._wake_w = os.pipe()
        self._unbeaten = 0
        self._lag_ms = 0.0
        self._last_beat = 0.0

    def stop(self, *_: Any) -> None:
        self.stopping = True
        os.write(self._wake_w, b"x")

    def run(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.stop)
        connection_created.connect(_session_setup, dispatch_uid="dispatcher-session")
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatcher-send")
        set_offload(executor.submit)
        log.info("dispatcher %s running (max sleep %.3fs, batch %d)", self.name, self.max_sleep, self.batch)
        backoff = 0.2
        try:
            while not self.stopping:
                try:
                    self._step()
                    backoff = 0.2
                except (OperationalError, InterfaceError, DatabaseError, psycopg2.Error) as exc:
                    log.warning("dispatcher %s: database unavailable (%s); retrying", self.name, exc)
                    self._reset()
                    self._pause(backoff)
                    backoff = min(backoff * 2, 2.0)
        finally:
            set_offload(None)
            executor.shutdown(wait=True)
            self._reset()
            log.info("dispatcher %s stopped", self.name)

    def _step(self) -> None:
        reset_queries()  # with DEBUG on, Django would keep the last 9,000 statements in memory
        self._ensure_listener()
        tick = run_once(batch=self.batch)
        self._unbeaten += tick.delivered
        self._lag_ms = max(self._lag_ms, tick.lag_ms)
        if time.monotonic() - self._last_beat >= 0.5:
            # The lag reported is the worst since the last beat, so a late claim is never hidden.
            beat(name=self.name, lag_ms=self._lag_ms, delivered=self._unbeaten)
            self._unbeaten, self._lag_ms, self._last_beat = 0, 0.0, time.monotonic()
        delay = seconds_to_next_due()
        if delay is None or delay > self.max_sleep:
            delay = self.max_sleep
        elif delay <= 0:
            # Due rows we could not claim are held by another replica or a service: look again soon.
            delay = 0 if tick.worked else _MIN_IDLE_SLEEP
        else:
            delay += 0.0005  # wake just after the due time, not just before it
        self._pause(delay)

    def _pause(self, seconds: float) -> None:
        waiting = [self._wake_r] + ([self._listener] if self._listener is not None else [])
        ready, _w, _x = select.select(waiting, [], [], seconds)
        if self._wake_r in ready:
            os.read(self._wake_r, 64)
        if self._listener is not None and self._listener in ready:
            self._listener.poll()
            self._listener.notifies.clear()

    def _ensure_listener(self) -> None:
        if self._listener is not None and not self._listener.closed:
            return
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        listener = psycopg2.connect(**params)
        listener.set_session(autocommit=True)
        with listener.cursor() as cursor:
            cursor.execute(f"LISTEN {DISPATCH_CHANNEL}")
        self._listener = listener

    def _reset(self) -> None:
        """Drop both connections; the next step reconnects."""
        for close in (
            lambda: self._listener.close() if self._listener is not None else None,
            connection.close,
        ):
            try:
                close()
            except Exception as exc:  # closing a dead connection may fail; it is gone either way
                log.debug("closing a connection failed: %s", exc)
        self._listener = None


_HEALTH = """
SELECT COUNT(*), COALESCE(MAX(lag_ms), 0) FROM timelines_dispatcherheartbeat
WHERE beat_at > clock_timestamp() - make_interval(secs => %s)
"""


def check_dispatcher() -> dict[str, Any]:
    """Healthy while at least one replica beat within three of its longest sleeps."""
    fresh_within = max(3 * settings.DISPATCHER_MAX_SLEEP_SECONDS, 3.0)
    with connection.cursor() as cursor:
        cursor.execute(_HEALTH, [fresh_within])
        replicas, lag_ms = cursor.fetchone()
    return {"ok": replicas > 0, "replicas": replicas, "lag_ms": round(float(lag_ms), 1)}
