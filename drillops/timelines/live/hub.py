"""One web process's live hub: one Redis subscription for every drill, the open pages of this
process, and the fan-out between them.

A message (engine.notify) names what changed and who may see it. The hub gathers the messages of
one drill for a moment (a claim of 500 injects is one push, not 500), renders the changed pieces
once per (role, language) that has listeners (render.py, in one thread), and puts on each page's
queue only the pieces its own scope sees. Pages with the same role, language and departments
share one encoded frame."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from django.conf import settings

from drillops.timelines.engine.notify import DELIVERED_IDS_CAP, inject_ids_of, live_namespace, live_rev_key
from drillops.timelines.live.render import Piece, render_changes
from drillops.timelines.visibility import COORDINATOR, OBSERVER, InjectScope

log = logging.getLogger(__name__)

QUEUE_FRAMES = 200  # a page this far behind is told to refetch instead
HEARTBEAT = b": hb\n\n"


def frame(event: str, data: Any, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


def refresh_frame(spread_ms: int = 0) -> bytes:
    return frame("refresh", {"jitter": random.randint(0, spread_ms) if spread_ms else 0})  # noqa: S311


class Connection:
    """One open page: its scope (computed once, when it connected) and its queue of frames."""

    __slots__ = ("drill_id", "language", "max_age", "opened", "page", "queue", "scope", "user_id", "view_key")

    def __init__(self, grant: dict[str, Any], max_age: float) -> None:
        self.drill_id = int(grant["drill"])
        self.user_id = int(grant["user"])
        self.scope = InjectScope(grant["role"], frozenset(int(d) for d in grant.get("departments", [])))
        self.language = str(grant.get("language") or "en")
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=QUEUE_FRAMES)
        self.opened = time.monotonic()
        self.max_age = max_age * random.uniform(0.9, 1.1)  # noqa: S311 - spread the reconnects
        self.page = int(grant.get("inject") or 0)  # the inject whose page this is (0: a console)
        self.view_key = (self.scope.role, self.language, self.scope.departments, self.page)

    def push(self, data: bytes) -> None:
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:  # a slow page: forget what it missed, it refetches the fragment
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(refresh_frame())

    def close(self, last: bytes = b"") -> None:
        with contextlib.suppress(asyncio.QueueFull):
            if last:
                self.queue.put_nowait(last)
            self.queue.put_nowait(None)

    def sees(self, piece: Piece) -> bool:
        if self.scope.role not in piece.roles or self.language != piece.language:
            return False
        if piece.page and piece.page != self.page:
            return False
        return piece.subject is None or self.scope.sees(piece.subject)


@dataclass
class Batch:
    """The messages of one drill gathered for one push."""

    rev: int = 0
    inject_ids: set[int] = field(default_factory=set)
    expand_claims: bool = False
    refresh: bool = False
    coordinators: bool = False
    observers: bool = False
    departments: set[int] = field(default_factory=set)
    all_departments: bool = False
    users: set[int] = field(default_factory=set)
    first_at: float = field(default_factory=time.time)

    def add(self, message: dict[str, Any]) -> None:
        self.rev = max(self.rev, int(message.get("rev") or 0))
        kind = message.get("kind")
        ids = inject_ids_of(message)
        self.inject_ids.update(ids)
        self.expand_claims |= kind == "delivered" and len(ids) >= DELIVERED_IDS_CAP
        # A drill's state reaches every part of the page (controls, cancelled rows), and a side
        # effect that gave up changes the coordinators' count: pages refetch (both are rare).
        self.refresh |= kind in ("state", "outbox")
        audience = message.get("audience") or {}
        self.coordinators |= bool(audience.get("coordinators"))
        self.observers |= bool(audience.get("observers"))
        departments = audience.get("departments")
        self.all_departments |= departments == "*"
        self.departments.update(d for d in departments or [] if isinstance(d, int))
        self.users.update(u for u in audience.get("users") or [] if isinstance(u, int))

    def reaches(self, conn: Connection) -> bool:
        """The publisher's audience: who may see anything of this batch at all."""
        role = conn.scope.role
        if role == COORDINATOR:
            return self.coordinators
        if role == OBSERVER:
            return self.observers
        return self.all_departments or bool(self.departments & conn.scope.departments)


@dataclass
class DrillState:
    entries_after: int
    sent: dict[tuple[str, str, frozenset[str]], str] = field(default_factory=dict)

    def is_new(self, piece: Piece) -> bool:
        """False for a piece exactly as last pushed (the outbox worker repeats deliveries)."""
        key = (piece.key, piece.language, piece.roles)
        digest = piece.digest
        if self.sent.get(key) == digest:
            return False
        if len(self.sent) > 20_000:
            self.sent.clear()
        self.sent[key] = digest
        return True


class Hub:
    def __init__(self) -> None:
        self.by_drill: dict[int, set[Connection]] = defaultdict(set)
        self.drills: dict[int, DrillState] = {}
        self.pending: dict[int, Batch] = {}
        self.count = 0
        self.closing = False
        self.redis: aioredis.Redis | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._render = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-render")
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- life -----------------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.redis = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._beat())]

    def begin_close(self) -> None:
        """SIGTERM: end every stream now, each page reconnecting after a spread-out delay (to
        another replica, or to this one restarted), so the server can stop at once."""
        self.closing = True
        for conns in self.by_drill.values():
            for conn in list(conns):
                conn.close(f"retry: {random.randint(1000, 5000)}\n\n".encode())  # noqa: S311

    def begin_close_threadsafe(self) -> None:
        """begin_close() from a signal handler or another thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.begin_close)

    async def stop(self) -> None:
        self.begin_close()
        tasks = [*self._tasks, *self._workers.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.redis is not None:
            await self.redis.aclose()  # type: ignore[attr-defined]  # redis 5+; the stubs are older
        self._render.shutdown(wait=False, cancel_futures=True)

    # --- pages ----------------------------------------------------------------------------------

    def register(self, grant: dict[str, Any]) -> Connection | None:
        """A new page, or None when this process is full or stopping (the page polls instead)."""
        if self.closing or self.count >= settings.LIVE_MAX_CONNECTIONS:
            return None
        conn = Connection(grant, settings.LIVE_MAX_AGE_SECONDS)
        self.by_drill[conn.drill_id].add(conn)
        self.drills.setdefault(conn.drill_id, DrillState(int(grant.get("entries_after") or 0)))
        self.count += 1
        return conn

    def unregister(self, conn: Connection) -> None:
        conns = self.by_drill.get(conn.drill_id)
        if conns is None or conn not in conns:
            return
        conns.discard(conn)
        self.count -= 1
        if not conns:
            del self.by_drill[conn.drill_id]
            self.drills.pop(conn.drill_id, None)
            self.pending.pop(conn.drill_id, None)

    async def current_rev(self, drill_id: int) -> str:
        if self.redis is None:
            return ""
        try:
            value = await self.redis.get(live_rev_key(drill_id))
        except Exception:  # unknown: the page refetches, which is always safe
            return ""
        return value.decode() if value is not None else "0"

    # --- messages -------------------------------------------------------------------------------

    async def _listen(self) -> None:
        backoff = 0.2
        while True:
            try:
                assert self.redis is not None
                async with self.redis.pubsub() as pubsub:
                    await pubsub.psubscribe(f"{live_namespace()}:drill:*")
                    if backoff > 0.2:  # back after an outage: what was said meanwhile is lost
                        self._refresh_everyone()
                    backoff = 0.2
                    async for message in pubsub.listen():
                        if message.get("type") == "pmessage":
                            self.receive(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("live subscription lost (%s); resubscribing in %.1f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def _refresh_everyone(self) -> None:
        for conns in self.by_drill.values():
            for conn in conns:
                conn.push(refresh_frame(spread_ms=min(10_000, len(conns) * 10)))

    def receive(self, raw: bytes | str) -> None:
        try:
            message = json.loads(raw)
            drill_id = int(message["drill"])
        except (ValueError, KeyError, TypeError):
            log.warning("live: unreadable message %r", raw[:200])
            return
        if drill_id not in self.by_drill:
            return
        self.pending.setdefault(drill_id, Batch()).add(message)
        if drill_id not in self._workers:
            task = asyncio.create_task(self._drill_worker(drill_id))
            self._workers[drill_id] = task

    async def _drill_worker(self, drill_id: int) -> None:
        """Pushes one drill's changes, one batch at a time: what arrives while a batch renders
        joins the next one, so a busy process pushes fewer, larger patches instead of queueing."""
        try:
            while drill_id in self.pending:
                await asyncio.sleep(settings.LIVE_COALESCE_SECONDS)
                await self.flush(drill_id)
        finally:
            self._workers.pop(drill_id, None)

    async def flush(self, drill_id: int) -> None:
        batch = self.pending.pop(drill_id, None)
        conns = self.by_drill.get(drill_id)
        if batch is None or not conns:
            return
        for conn in [c for c in conns if c.user_id in batch.users]:
            conn.close()  # their seat changed: the page reconnects and gets its new scope
        if batch.refresh:
            spread = min(10_000, len(conns) * 10)  # 1,000 pages refetch over about 10 s
            for conn in conns:
                conn.push(refresh_frame(spread))
            return
        listeners = [c for c in conns if batch.reaches(c)]
        if not listeners:
            return
        try:
            await self._push(drill_id, batch, listeners)
        except Exception:
            log.exception("live push for drill %s failed; its pages refetch", drill_id)
            for conn in listeners:
                conn.push(refresh_frame(min(10_000, len(listeners) * 10)))

    async def _push(self, drill_id: int, batch: Batch, listeners: list[Connection]) -> None:
        state = self.drills.get(drill_id)
        if state is None:
            return
        wanted = {(str(c.scope.role), c.language) for c in listeners}
        rendered = await asyncio.get_running_loop().run_in_executor(
            self._render,
            lambda: render_changes(
                drill_id=drill_id,
                inject_ids=batch.inject_ids,
                expand_claims=batch.expand_claims,
                entries_after=state.entries_after,
                wanted=wanted,
                pages=frozenset(c.page for c in listeners if c.page),
            ),
        )
        state.entries_after = max(state.entries_after, rendered.last_entry_id)
        pieces = [p for p in rendered.pieces if state.is_new(p)]
        if not pieces:
            return
        groups: dict[tuple[Any, ...], list[Connection]] = defaultdict(list)
        for conn in listeners:
            groups[conn.view_key].append(conn)
        for members in groups.values():
            mine = [p.as_json() for p in pieces if members[0].sees(p)]
            if not mine:
                continue
            data = frame("patch", {"parts": mine}, batch.rev or None)
            for conn in members:
                conn.push(data)
        log.debug(
            "live push of drill %s: %d pieces to %d pages, %.0f ms after its first message (render %.1f ms CPU)",
            drill_id, len(pieces), len(listeners), (time.time() - batch.first_at) * 1000, rendered.cpu_ms,
        )  # fmt: skip

    async def _beat(self) -> None:
        """Comment lines keep proxies from closing quiet streams; old streams reconnect so that
        their scope is computed again."""
        while True:
            await asyncio.sleep(settings.LIVE_HEARTBEAT_SECONDS)
            now = time.monotonic()
            for conns in list(self.by_drill.values()):
                for conn in list(conns):
                    if now - conn.opened > conn.max_age:
                        conn.close()
                    else:
                        conn.push(HEARTBEAT)
