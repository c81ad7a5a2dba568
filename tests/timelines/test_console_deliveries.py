"""`make run`'s delivery lines (DRILLOPS_SHOW_DELIVERIES=1): each delivery once, saying what and where."""

from __future__ import annotations

import pytest

from drillops.timelines import services
from drillops.timelines.engine import dispatcher
from drillops.timelines.engine.clock import db_now
from scripts.deliveries import describe, new_deliveries

pytestmark = pytest.mark.django_db


def test_each_delivery_is_listed_once_with_its_department_title_and_lateness(build_scenario, cs, coordinator,
                                                                             start_drill):  # fmt: skip
    since = db_now()
    drill = start_drill(build_scenario([{"offset": 0, "title": "Mass complaints online", "departments": [cs]}]))
    dispatcher.run_once()
    services.drill_send_adhoc(drill=drill, by=coordinator, title="Reporter calls", body="", departments=[cs])
    entries = new_deliveries(since, set())
    lines = [describe(entry) for entry in entries]
    assert len(lines) == 2
    assert f'{cs.name} <- "Mass complaints online" (scheduled, ' in lines[0] and "ms after due" in lines[0]
    assert lines[1].endswith(f'{cs.name} <- "Reporter calls" (adhoc)')
    assert new_deliveries(since, {entry.pk for entry in entries}) == []
