"""The dispatcher process: wakes on NOTIFY, delivers on time, beats for /healthz, stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from drillops.core.health import check_all
from drillops.timelines import services
from drillops.timelines.models import DispatcherHeartbeat, Inject

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dispatcher_process():
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url, "DISPATCHER_MAX_SLEEP_SECONDS": "5"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_dispatcher", "--name", "test-replica"], cwd=ROOT, env=env
    )
    for _ in range(100):
        if DispatcherHeartbeat.objects.filter(name="test-replica").exists():
            break
        time.sleep(0.05)
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


def test_dispatcher_process_delivers_a_started_drill_on_time_and_stops_cleanly(
    dispatcher_process, build_scenario, cs, coordinator
):
    health = check_all()["dispatcher"]
    assert health["ok"] and health["replicas"] == 1
    # Started while the replica sleeps (up to 5 s): the NOTIFY of drill_start must wake it.
    drill = services.drill_create(
        scenario=build_scenario([{"offset": 0, "departments": [cs]}, {"offset": 1, "departments": [cs]}]),
        name="x", by=coordinator, time_scale=2,
    )  # fmt: skip
    services.drill_start(drill=drill, by=coordinator)
    for _ in range(60):
        if not Inject.objects.filter(drill=drill, delivered_at__isnull=True).exists():
            break
        time.sleep(0.05)
    late = [(i.delivered_at - i.due_at).total_seconds() for i in Inject.objects.filter(drill=drill)]
    assert len(late) == 2 and all(0 <= s < 1 for s in late), late
    dispatcher_process.send_signal(signal.SIGTERM)
    assert dispatcher_process.wait(timeout=10) == 0
