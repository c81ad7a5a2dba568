"""Fixtures for the timing engine: an approved scenario built from a short list of event specs, and a
local webhook receiver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from drillops.departments.models import Department, Organisation
from drillops.scenarios.models import Scenario, ScenarioEvent, VersionStatus
from drillops.timelines import services
from drillops.timelines.models import Drill

from ..factories import DepartmentFactory, ScenarioEventFactory, ScenarioFactory, ScenarioVersionFactory

Build = Callable[..., Scenario]


@pytest.fixture
def exec_dept(org: Organisation) -> Department:
    return DepartmentFactory(organisation=org, code="exec", name="Senior Management")


@pytest.fixture
def build_scenario(org: Organisation) -> Build:
    """build_scenario([{"offset": 0, "departments": [cs], ...}, ...]) -> Scenario with one approved version."""

    def build(specs: list[dict[str, Any]], *, organisation: Organisation | None = None) -> Scenario:
        scenario = ScenarioFactory(organisation=organisation or org)
        version = ScenarioVersionFactory(scenario=scenario, number=1, status=VersionStatus.APPROVED)
        events: list[ScenarioEvent] = []
        for number, spec in enumerate(specs, start=1):
            condition = spec.get("condition")
            events.append(
                ScenarioEventFactory(
                    version=version,
                    sequence=number,
                    offset_seconds=spec.get("offset", 0),
                    title=spec.get("title", f"Event {number}"),
                    departments=spec["departments"],
                    response_deadline_seconds=spec.get("deadline"),
                    escalations=spec.get("escalations", []),
                    condition_kind=condition[0] if condition else "",
                    condition_event=events[condition[1]] if condition else None,
                    condition_delay_seconds=condition[2] if condition else 0,
                )
            )
        return scenario

    return build


@pytest.fixture
def start_drill(coordinator: Any) -> Callable[..., Drill]:
    def start(scenario: Scenario, *, time_scale: float = 1.0) -> Drill:
        drill = services.drill_create(scenario=scenario, name="Drill", by=coordinator, time_scale=time_scale)
        return services.drill_start(drill=drill, by=coordinator)

    return start


def bulk_scenario(organisation: Organisation, departments: list[Department], *, events: int, **fields: Any) -> Scenario:
    """Many events quickly (bulk inserts), each for every given department."""
    scenario = ScenarioFactory(organisation=organisation)
    version = ScenarioVersionFactory(scenario=scenario, number=1, status=VersionStatus.APPROVED)
    made = ScenarioEvent.objects.bulk_create(
        ScenarioEvent(version=version, sequence=n + 1, title=f"Event {n + 1}", offset_seconds=0, **fields)
        for n in range(events)
    )
    through = ScenarioEvent.departments.through
    through.objects.bulk_create(
        through(scenarioevent_id=event.pk, department_id=department.pk) for event in made for department in departments
    )
    return scenario


class WebhookReceiver:
    """A department's webhook endpoint on 127.0.0.1: per path (one per department), it answers 500
    while that path is failing and 204 otherwise (after `delay` seconds), and records both."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.failing: set[str] = set()
        self.delay = 0.0  # seconds before each answer: a slow receiver
        self.accepted: list[dict[str, Any]] = []
        self.refused: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def keys(self, path: str) -> list[str]:
        with self.lock:
            return [hit["key"] for hit in self.accepted if hit["path"] == path]


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    state: dict[str, WebhookReceiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver = state["receiver"]
            time.sleep(receiver.delay)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            path = self.path.strip("/")
            hit = {"path": path, "key": self.headers["Idempotency-Key"], "body": body}
            with receiver.lock:
                failing = path in receiver.failing
                (receiver.refused if failing else receiver.accepted).append(hit)
            self.send_response(500 if failing else 204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = WebhookReceiver(server.server_port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["receiver"]
    server.shutdown()
    server.server_close()
