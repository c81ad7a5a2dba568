"""Fixtures for the timing engine: an approved scenario built from a short list of event specs."""

from __future__ import annotations

from collections.abc import Callable
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
