"""The live stream at its own level: real streams from the ASGI server (uvicorn in a thread, on the
test database and Redis), real changes through the services, and what each page received.

A change reaches a page only when the page's scope may see it: a delivery to customer service
reaches coordinators, the drill's observers and customer service, never risk management; an
undelivered inject's change reaches coordinators only."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from drillops.departments.models import Role
from drillops.timelines import services
from drillops.timelines.engine.notify import audience_of, live_rev_key, publish_now, redis_client
from drillops.timelines.models import Inject, RosterEntry, SeatRole
from tests.asgi_server import asgi_server  # noqa: F401 - a fixture

from ..factories import MembershipFactory, UserFactory

SETTLE_S = 1.5  # after what must arrive has arrived: time for anything that must not to show up


def wait_for(check: Any, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the push did not arrive"
        time.sleep(0.05)


class Stream:
    """One page's stream, read in a thread: the events it received, in order."""

    def __init__(self, base: str, user: Any, drill_id: int, query: str = "") -> None:
        """`query`: what the page adds to its stream's URL (an inject page: "inject=<id>")."""
        client = Client()
        client.force_login(user)
        rev = (redis_client().get(live_rev_key(drill_id)) or b"0").decode()
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        path = reverse("drill_stream", args=[drill_id]) + f"?{query + '&' if query else ''}rev={rev}"
        self.conn.request("GET", path, headers={"Cookie": f"sessionid={client.cookies['sessionid'].value}"})
        self.response = self.conn.getresponse()
        self.events: list[tuple[str, Any]] = []
        self.opened = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event, data = "", ""
        try:
            while True:
                line = self.response.readline().decode()
                if not line:
                    return
                line = line.rstrip("\n")
                if line.startswith("retry:"):
                    self.opened.set()
                elif line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data = line[6:]
                elif not line and event:
                    self.events.append((event, json.loads(data)))
                    event, data = "", ""
        except (OSError, ValueError, AttributeError):  # closed by the test
            return

    def piece_keys(self) -> set[str]:
        return {part["key"] for event, data in self.events if event == "patch" for part in data["parts"]}

    def html_of(self, key: str) -> str:
        found = [p["html"] for e, d in self.events if e == "patch" for p in d["parts"] if p["key"] == key]
        return found[-1] if found else ""

    def close(self) -> None:
        if self.conn.sock is not None:  # wakes the reading thread, which holds the response's lock
            with contextlib.suppress(OSError):
                self.conn.sock.shutdown(socket.SHUT_RDWR)
        self.conn.close()


@pytest.fixture
def world(asgi_server, org, cs, risk, coordinator, cs_staff, observer, build_scenario, start_drill):  # noqa: F811
    risk_staff = MembershipFactory(organisation=org, role=Role.STAFF, department=risk, user=UserFactory()).user
    scenario = build_scenario([{"offset": 0, "departments": [cs]}, {"offset": 3600, "departments": [risk]}])
    drill = start_drill(scenario)
    RosterEntry.objects.create(drill=drill, user=observer, role=SeatRole.OBSERVER)
    return {"base": asgi_server, "drill": drill, "risk_staff": risk_staff}


def open_streams(world: dict[str, Any], **users: Any) -> dict[str, Stream]:
    streams = {name: Stream(world["base"], user, world["drill"].pk) for name, user in users.items()}
    for name, stream in streams.items():
        assert stream.response.status == 200, name
        assert stream.opened.wait(10), f"{name}'s stream did not open"
    return streams


def test_a_delivery_reaches_coordinators_observers_and_its_department_only(world, coordinator, cs_staff, observer, cs):
    streams = open_streams(world, coord=coordinator, obs=observer, cs=cs_staff, risk=world["risk_staff"])
    made = services.drill_send_adhoc(
        drill=world["drill"], by=coordinator, title="Reporter calls", body="B", departments=[cs]
    )
    key = f"inject-{made[0].pk}"
    wait_for(lambda: all(key in streams[name].piece_keys() for name in ("coord", "obs", "cs")))
    time.sleep(SETTLE_S)
    assert 'data-status="delivered"' in streams["coord"].html_of(key)
    assert 'class="event-card' in streams["obs"].html_of(key)  # the event's card, as the console shows it
    assert "<article" in streams["cs"].html_of(key)  # the inbox card, as staff see it
    assert streams["risk"].events == [], "staff of another department received something"
    # The response comes back to the coordinator's console the same way.
    services.inject_acknowledge(inject=Inject.objects.get(pk=made[0].pk), by=cs_staff)
    wait_for(lambda: 'data-status="acknowledged"' in streams["coord"].html_of(key))
    assert streams["risk"].events == []
    for stream in streams.values():
        stream.close()


def test_an_undelivered_inject_change_reaches_coordinators_only(world, coordinator, cs_staff, observer, risk):
    pending = Inject.objects.get(drill=world["drill"], department=risk, delivered_at__isnull=True)
    assert audience_of(world["drill"].pk, "changed", {"inject": pending.pk}) == {
        "coordinators": True,
        "observers": False,
        "departments": [],
    }
    streams = open_streams(world, coord=coordinator, obs=observer, cs=cs_staff, risk=world["risk_staff"])
    publish_now(world["drill"].pk, "changed", {"inject": pending.pk})
    card = f"event-{pending.event_id}"  # the console shows it on its event's card
    wait_for(lambda: card in streams["coord"].piece_keys())
    time.sleep(SETTLE_S)
    for name in ("obs", "cs", "risk"):
        assert card not in streams[name].piece_keys(), name
        assert f"inject-{pending.pk}" not in streams[name].piece_keys(), name
        assert not any(event == "patch" for event, _data in streams[name].events), name
    for stream in streams.values():
        stream.close()


def test_a_repeated_announcement_is_not_pushed_twice(world, coordinator, cs):
    streams = open_streams(world, coord=coordinator)
    made = services.drill_send_adhoc(drill=world["drill"], by=coordinator, title="Once", body="B", departments=[cs])
    wait_for(lambda: f"inject-{made[0].pk}" in streams["coord"].piece_keys())
    publish_now(world["drill"].pk, "delivered", {"injects": [made[0].pk]})  # as the outbox worker repeats it
    time.sleep(SETTLE_S)
    key = f"inject-{made[0].pk}"
    rows = [p for e, d in streams["coord"].events if e == "patch" for p in d["parts"] if p["key"] == key]
    assert len(rows) == 1
    streams["coord"].close()


def test_a_page_that_missed_changes_is_told_to_refetch(world, coordinator):
    client = Client()
    client.force_login(coordinator)
    redis_client().incr(live_rev_key(world["drill"].pk))  # a change the page never saw
    parts = urlsplit(world["base"])
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    path = reverse("drill_stream", args=[world["drill"].pk]) + "?rev=0"
    conn.request("GET", path, headers={"Cookie": f"sessionid={client.cookies['sessionid'].value}"})
    response = conn.getresponse()
    assert response.status == 200 and response.getheader("Content-Type", "").startswith("text/event-stream")
    first = b"".join(response.readline() for _ in range(4))
    assert b"event: refresh" in first
    assert conn.sock is not None
    conn.sock.shutdown(socket.SHUT_RDWR)
    conn.close()


def test_a_full_process_refuses_more_streams_with_503(world, coordinator, settings):
    settings.LIVE_MAX_CONNECTIONS = 1
    first = open_streams(world, coord=coordinator)
    second = Stream(world["base"], coordinator, world["drill"].pk)
    assert second.response.status == 503
    assert second.response.getheader("Retry-After") == "30"
    first["coord"].close()
    second.close()


def test_the_stream_door_under_a_plain_wsgi_server_tells_the_page_to_poll(db, drill_for_pages, coordinator):
    client = Client()
    client.force_login(coordinator)
    response = client.get(reverse("drill_stream", args=[drill_for_pages.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    assert b"event: fallback" in response.content


@pytest.fixture
def drill_for_pages(org, cs, build_scenario, start_drill):
    return start_drill(build_scenario([{"offset": 0, "departments": [cs]}]))
