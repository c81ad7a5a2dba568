"""A small drill for the web pages: one approved version, two events, an invited observer."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from drillops.scenarios.models import VersionStatus
from drillops.timelines import services
from drillops.timelines.models import Drill, SeatRole
from tests.factories import ObjectiveFactory, ScenarioEventFactory, ScenarioFactory, ScenarioVersionFactory


@pytest.fixture
def drill(org, cs, risk, coordinator, observer) -> Drill:
    scenario = ScenarioFactory(organisation=org, title="Mass complaints")
    version = ScenarioVersionFactory(scenario=scenario, number=1, status=VersionStatus.APPROVED)
    ObjectiveFactory(version=version, title="Report to risk within 10 minutes")
    ScenarioEventFactory(
        version=version,
        sequence=1,
        offset_seconds=0,
        title="First complaint call",
        response_deadline_seconds=300,
        escalations=[{"after_seconds": 300, "department": risk.pk, "message": "Unacked", "unless": "acknowledged"}],
        departments=[cs],
    )
    ScenarioEventFactory(version=version, sequence=2, offset_seconds=3600, title="Press question", departments=[risk])
    made = services.drill_create(scenario=scenario, name="Web drill", by=coordinator)
    services.roster_add(drill=made, user=observer, role=SeatRole.OBSERVER, by=coordinator)
    return made


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client
