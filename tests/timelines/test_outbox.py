"""Side effects after a delivery: notifications, e-mail, webhooks; idempotent, and re-sent when lost."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.utils import timezone

from drillops.celery import app
from drillops.departments.models import DepartmentWebhook
from drillops.timelines import tasks
from drillops.timelines.engine import dispatcher
from drillops.timelines.engine import outbox as sideeffects
from drillops.timelines.engine.notify import live_rev_key, redis_client
from drillops.timelines.models import Inject, Notification, Outbox


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append({"key": self.headers["Idempotency-Key"], "body": json.loads(body)})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook_server():
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    _Hook.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Hook.received
    server.shutdown()


@pytest.mark.django_db
def test_delivery_notifies_members_by_app_email_and_webhook_once(
    build_scenario, cs, cs_staff, start_drill, mailoutbox, webhook_server
):
    url, received = webhook_server
    DepartmentWebhook.objects.create(department=cs, url=url)
    drill = start_drill(build_scenario([{"offset": 0, "departments": [cs], "title": "First complaint"}]))
    dispatcher.run_once()
    row = Outbox.objects.get(topic="deliveries")
    rev_before = int(redis_client().get(live_rev_key(drill.pk)) or 0)
    assert sideeffects.outbox_process(outbox_id=row.pk) is True
    inject = Inject.objects.get(drill=drill)
    note = Notification.objects.get(user=cs_staff)
    assert note.inject == inject and note.marking == "EXERCISE / 演练"
    assert mailoutbox[0].subject.startswith("[EXERCISE / 演练]") and cs_staff.email in mailoutbox[0].bcc
    assert received[0]["key"] == f"inject:{inject.pk}" and received[0]["body"]["marking"] == "EXERCISE / 演练"
    assert int(redis_client().get(live_rev_key(drill.pk))) > rev_before
    assert sideeffects.outbox_process(outbox_id=row.pk) is False  # done rows are skipped


@pytest.mark.django_db
def test_a_repeated_side_effect_is_dropped_by_its_idempotency_key(build_scenario, cs, cs_staff, start_drill):
    start_drill(build_scenario([{"offset": 0, "departments": [cs]}]))
    dispatcher.run_once()
    row = Outbox.objects.get(topic="deliveries")
    sideeffects.outbox_process(outbox_id=row.pk)
    Outbox.objects.filter(pk=row.pk).update(done_at=None)  # as if the worker died before marking it done
    sideeffects.outbox_process(outbox_id=row.pk)
    assert Notification.objects.filter(user=cs_staff).count() == 1


@pytest.mark.django_db
def test_failed_side_effect_is_recorded_and_raised_for_retry(build_scenario, cs, start_drill):
    DepartmentWebhook.objects.create(department=cs, url="http://127.0.0.1:9/unreachable")
    start_drill(build_scenario([{"offset": 0, "departments": [cs]}]))
    dispatcher.run_once()
    row = Outbox.objects.get(topic="deliveries")
    with pytest.raises(OSError):
        sideeffects.outbox_process(outbox_id=row.pk)
    row.refresh_from_db()
    assert row.done_at is None and row.attempts == 1 and row.last_error


@pytest.mark.django_db(transaction=True)
def test_a_lost_outbox_task_is_re_sent_by_the_sweep(build_scenario, cs, cs_staff, start_drill):
    from celery.contrib.testing.worker import start_worker

    app.control.purge()
    start_drill(build_scenario([{"offset": 0, "departments": [cs]}]))
    dispatcher.run_once()  # commits, and enqueues the outbox task on commit
    assert app.control.purge() >= 1  # the broker lost it (e.g. Redis restarted empty)
    row = Outbox.objects.get(topic="deliveries")
    assert tasks.sweep_outbox() == 0  # too young to be called lost
    long_ago = timezone.now() - timedelta(minutes=5)
    Outbox.objects.filter(pk=row.pk).update(created_at=long_ago, enqueued_at=long_ago)
    assert tasks.sweep_outbox() == 1
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        for _ in range(100):
            row.refresh_from_db()
            if row.done_at:
                break
            time.sleep(0.1)
    assert row.done_at is not None
    assert Notification.objects.filter(user=cs_staff).count() == 1
