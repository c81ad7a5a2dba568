"""The benchmarks' visibility listener hears a delivery when its transaction commits."""

from __future__ import annotations

import os
import time

import pytest
from django.conf import settings
from django.db import connection

from bench.common import with_database
from bench.visible import VisibilityWatch, visible_ms
from drillops.timelines import services


@pytest.mark.django_db(transaction=True)
def test_the_listener_hears_a_delivery_once_committed_and_not_before_its_claim(build_scenario, cs, coordinator,
                                                                               tmp_path):  # fmt: skip
    url = with_database(os.environ["DATABASE_URL"], settings.DATABASES["default"]["NAME"])
    watch = VisibilityWatch(url, tmp_path / "visible.json")
    watch.start()
    try:
        drill = services.drill_create(scenario=build_scenario([{"offset": 3600, "departments": [cs]}]), name="x",
                                      by=coordinator)  # fmt: skip
        drill = services.drill_start(drill=drill, by=coordinator)
        sent = services.drill_send_adhoc(drill=drill, by=coordinator, title="t", body="", departments=[cs])
        time.sleep(0.3)
    finally:
        seen, _reconnects = watch.stop()
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS bench_visible ON timelines_timelineentry")
    inject = sent[0]
    assert set(seen) == {inject.pk}  # the scheduled inject is pending: nothing else was delivered
    assert inject.delivered_at is not None and inject.due_at is not None
    assert seen[inject.pk] >= inject.delivered_at
    assert visible_ms([(inject.pk, inject.due_at)], seen)[0] >= 0
