"""The web tier as production runs it (drillops.asgi's application under uvicorn), in a thread of
the test process on the test database, for tests of the live stream. pytest-django's live_server
is WSGI only: there the stream's door answers "poll instead", which is the fallback under test.

Import the fixture into a test module: `from tests.asgi_server import asgi_server`."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def asgi_server(transactional_db: Any) -> Iterator[str]:
    """The URL of uvicorn serving drillops.asgi; stopped (streams ended) after the test."""
    import uvicorn
    from django.core.wsgi import get_wsgi_application

    from drillops.timelines.live.asgi import LiveApplication

    port = _free_port()
    app = LiveApplication(get_wsgi_application())
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning", loop="asyncio")
    )
    thread = threading.Thread(target=server.run, name="asgi-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the ASGI test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    if app.hub is not None:
        app.hub.begin_close_threadsafe()
    server.should_exit = True
    thread.join(timeout=15)
