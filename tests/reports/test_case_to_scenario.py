"""A scenario started from a case of the library: each timestamped step becomes a draft event,
its offset the step's time after the first step's, its target the step's department."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from drillops.core.errors import InvalidInput
from drillops.core.models import AuditEntry
from drillops.reports import services
from drillops.scenarios.models import Scenario, VersionStatus
from tests.factories import DepartmentFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(hour: int, minute: int) -> datetime:
    return datetime(2025, 6, 3, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def incident(org, cs, risk, coordinator):
    return services.case_create(
        organisation=org,
        by=coordinator,
        kind="incident",
        title="Refund wave after the product launch",
        summary="Mass complaints, a viral post and the regulator's inquiry.",
        steps=[
            {"at": _at(9, 0), "department": cs, "description": "First complaint call\nA customer demands a refund."},
            {"at": _at(9, 20), "department": None, "description": "Viral post: 5,000 reposts"},
            {"at": _at(9, 12), "department": risk, "description": "Risk management called in"},
        ],
    )


def test_each_step_becomes_a_draft_event_offset_from_the_first(incident, coordinator, cs, risk):
    scenario = services.case_to_scenario(case=incident, by=coordinator, default_department=cs)
    version = scenario.versions.get()
    assert version.status == VersionStatus.DRAFT and scenario.title == incident.title
    assert scenario.organisation_id == incident.organisation_id and scenario.description == incident.summary
    events = [
        (e.sequence, e.offset_seconds, e.title, [d.code for d in e.departments.all()])
        for e in version.events.order_by("sequence")
    ]
    assert events == [
        (1, 0, "First complaint call", ["cs"]),
        (2, 720, "Risk management called in", ["risk"]),  # 09:12 is 12 minutes after 09:00
        (3, 1200, "Viral post: 5,000 reposts", ["cs"]),  # no department of its own: the default
    ]
    assert version.events.get(sequence=1).body == "First complaint call\nA customer demands a refund."
    audit = AuditEntry.objects.get(action="case.to_scenario", object_id=incident.pk)
    assert audit.data == {"scenario": scenario.pk, "events": 3}


def test_a_step_without_department_needs_a_default(incident, coordinator):
    before = Scenario.objects.count()
    with pytest.raises(InvalidInput) as caught:
        services.case_to_scenario(case=incident, by=coordinator, title="From the case")
    assert list(caught.value.errors["steps"]) == ["1"]  # the case's second step, which names no department
    assert Scenario.objects.count() == before


def test_a_case_without_steps_or_with_another_organisations_default_is_refused(org, incident, coordinator):
    bare = services.case_create(organisation=org, by=coordinator, kind="incident", title="Nothing timed")
    with pytest.raises(InvalidInput) as caught:
        services.case_to_scenario(case=bare, by=coordinator)
    assert "steps" in caught.value.errors
    elsewhere = DepartmentFactory(organisation=OrganisationFactory(slug="elsewhere"), code="cs")
    with pytest.raises(InvalidInput) as caught:
        services.case_to_scenario(case=incident, by=coordinator, default_department=elsewhere)
    assert "default_department" in caught.value.errors
    assert not Scenario.objects.exists()
