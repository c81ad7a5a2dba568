"""The web tier's ASGI application: every page and API call runs as WSGI in a pool of long-lived
threads (as under gunicorn's gthread: each thread keeps its database connection), and the
live stream's door hands its requests over to the hub, which holds them open on the event loop.

Why not Django's own ASGI handler for everything: it runs each synchronous view in a thread of
its own request context, so CONN_MAX_AGE connections are opened per request and never reused
(measured in bench/README.md). Here only the stream is asynchronous, and it needs no database
after the view has decided who listens."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from drillops.timelines.live.hub import Connection, Hub, refresh_frame
from drillops.timelines.views import STREAM_GRANT_KEY, STREAM_SERVER_KEY

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# A response smaller than this is handed back whole from the thread (one hop); a larger one
# (an export) is sent on in pieces of about this size as the thread produces them.
FLUSH_BYTES = 256 * 1024
BUSY = b"retry: 30000\nevent: busy\ndata: {}\n\n"


@dataclass
class Outcome:
    """What a WSGI call left for the event loop to send: a whole response, a stream's grant (and
    its response start), or nothing (a large body already sent from the thread)."""

    start: dict[str, Any] = field(default_factory=dict)
    body: bytes = b""
    grant: dict[str, Any] | None = None


def wsgi_environ(scope: Scope, body: Any, length: int) -> dict[str, Any]:
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] if server[1] is not None else 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": client[0] if client else "",
        "CONTENT_LENGTH": str(length),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").upper()
        if "_" in name:  # as gunicorn: X_Forwarded_For must not pass for X-Forwarded-For
            continue
        value = raw_value.decode("latin-1")
        if name == "CONTENT-TYPE":
            environ["CONTENT_TYPE"] = value
            continue
        if name == "CONTENT-LENGTH":
            continue
        key = "HTTP_" + name.replace("-", "_")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


async def read_body(receive: Receive) -> tuple[Any, int] | None:
    """The request body in a spooled file (kept in memory up to Django's upload limit)."""
    body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
    length = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            body.close()
            return None
        chunk = message.get("body", b"")
        body.write(chunk)
        length += len(chunk)
        if not message.get("more_body", False):
            break
    body.seek(0)
    return body, length


class LiveApplication:
    def __init__(self, wsgi: WSGIApp) -> None:
        self.wsgi = wsgi
        self.pool = ThreadPoolExecutor(max_workers=settings.WEB_THREADS, thread_name_prefix="web")
        self.hub: Hub | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
        elif scope["type"] == "http":
            await self.http(scope, receive, send)
        # Other protocols (websocket) are not served: returning closes them.

    # --- life -----------------------------------------------------------------------------------

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def startup(self) -> None:
        if self.hub is not None:
            return
        self.hub = Hub()
        await self.hub.start()
        self._chain_signals()

    async def shutdown(self) -> None:
        if self.hub is not None:
            await self.hub.stop()
        self.pool.shutdown(wait=True)

    def _chain_signals(self) -> None:
        """The server waits for open responses before it stops: on SIGTERM (or Ctrl-C) end the
        streams first, then let the server's own handler run."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)
            if not callable(previous):
                continue

            def handler(signum: int, frame: Any, previous: Callable[..., Any] = previous) -> None:
                if self.hub is not None:
                    self.hub.begin_close_threadsafe()
                previous(signum, frame)

            with contextlib.suppress(ValueError):  # not the main thread (an embedded test server)
                signal.signal(sig, handler)

    # --- requests -------------------------------------------------------------------------------

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.hub is None:  # a server without lifespan events
            await self.startup()
        read = await read_body(receive)
        if read is None:
            return
        body, length = read
        environ = wsgi_environ(scope, body, length)
        if self.hub is not None and not self.hub.closing:
            environ[STREAM_SERVER_KEY] = True
        loop = asyncio.get_running_loop()
        try:
            outcome = await loop.run_in_executor(self.pool, self._run, environ, send, loop)
        finally:
            body.close()
        if outcome.grant is not None:
            await self.stream(outcome.grant, outcome.start, receive, send)
        elif outcome.start:
            await send(outcome.start)
            await send({"type": "http.response.body", "body": outcome.body, "more_body": False})

    def _run(self, environ: dict[str, Any], send: Send, loop: asyncio.AbstractEventLoop) -> Outcome:
        """In a pool thread: the WSGI call, start to finish (so that Django's request_finished
        closes this thread's own connections). A stream's grant comes back instead of a body;
        a small body comes back whole, a large one is sent from here as it is produced."""
        started: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]

        async def sending(message: dict[str, Any]) -> None:
            await send(message)

        def hand_over(message: dict[str, Any]) -> None:
            asyncio.run_coroutine_threadsafe(sending(message), loop).result()

        result = self.wsgi(environ, start_response)
        try:
            chunks: list[bytes] = []
            streaming = False
            for chunk in result:
                chunks.append(chunk)
                if sum(map(len, chunks)) >= FLUSH_BYTES:
                    if not streaming:
                        hand_over(self._start(started))
                        streaming = True
                    hand_over({"type": "http.response.body", "body": b"".join(chunks), "more_body": True})
                    chunks = []
            if streaming:
                hand_over({"type": "http.response.body", "body": b"".join(chunks), "more_body": False})
                return Outcome()
            grant = environ.get(STREAM_GRANT_KEY)
            if grant is not None and started.get("status") == 200:
                start = self._start(started)
                start["headers"] = [h for h in start["headers"] if h[0] != b"content-length"]
                return Outcome(start=start, grant=grant)
            return Outcome(start=self._start(started), body=b"".join(chunks))
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    @staticmethod
    def _start(started: dict[str, Any]) -> dict[str, Any]:
        return {"type": "http.response.start", "status": started["status"], "headers": started["headers"]}

    async def stream(self, grant: dict[str, Any], start: dict[str, Any], receive: Receive, send: Send) -> None:
        hub = self.hub
        conn = hub.register(grant) if hub is not None else None
        if hub is None or conn is None:  # full or stopping: the page polls, and tries again later
            headers = [h for h in start["headers"] if h[0] != b"content-length"] + [(b"retry-after", b"30")]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": BUSY})
            return
        watcher = asyncio.create_task(self._watch_disconnect(receive, conn))
        try:
            await send(start)
            opening = b"retry: 3000\n\n"
            if await hub.current_rev(conn.drill_id) != str(grant.get("rev") or ""):
                opening += refresh_frame()  # something changed since the page was drawn
            await send({"type": "http.response.body", "body": opening, "more_body": True})
            await self._pump(conn, send)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass
        finally:
            watcher.cancel()
            hub.unregister(conn)

    @staticmethod
    async def _pump(conn: Connection, send: Send) -> None:
        while True:
            item = await conn.queue.get()
            out = []
            while item is not None:
                out.append(item)
                if conn.queue.empty():
                    break
                item = conn.queue.get_nowait()
            if out:
                await send({"type": "http.response.body", "body": b"".join(out), "more_body": True})
            if item is None:
                return

    @staticmethod
    async def _watch_disconnect(receive: Receive, conn: Connection) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                conn.close()
                return
