"""Setting up a drill through the services and reads: the chosen version, the roster with
attendance, what a time scale does to the timing, and the check before the start."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from drillops.core.errors import DomainError, InvalidInput
from drillops.core.models import AuditEntry
from drillops.scenarios.models import VersionStatus
from drillops.timelines import services
from drillops.timelines.models import RosterEntry, SeatRole
from drillops.timelines.plan import duration_text, readiness, timing_preview

from ..factories import MembershipFactory, ScenarioVersionFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_create_pins_the_chosen_approved_version_not_the_latest(build_scenario, cs, coordinator):
    scenario = build_scenario([{"departments": [cs]}])
    first = scenario.versions.get()
    ScenarioVersionFactory(scenario=scenario, number=2, status=VersionStatus.APPROVED)
    drill = services.drill_create(scenario=scenario, version=first, name="Rerun of v1", by=coordinator)
    assert drill.scenario_version == first
    assert AuditEntry.objects.get(action="drill.create", object_id=drill.pk).data["version"] == first.pk


@pytest.mark.parametrize("status", [VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.ARCHIVED])
def test_create_refuses_a_version_that_is_not_approved(build_scenario, cs, coordinator, status):
    scenario = build_scenario([{"departments": [cs]}])
    other = ScenarioVersionFactory(scenario=scenario, number=2, status=status)
    with pytest.raises(InvalidInput) as caught:
        services.drill_create(scenario=scenario, version=other, name="x", by=coordinator)
    assert list(caught.value.errors) == ["version"]
    assert not scenario.versions.filter(drills__isnull=False).exists()


def test_create_refuses_another_scenarios_version(build_scenario, cs, coordinator):
    mine, theirs = build_scenario([{"departments": [cs]}]), build_scenario([{"departments": [cs]}])
    with pytest.raises(InvalidInput) as caught:
        services.drill_create(scenario=mine, version=theirs.versions.get(), name="x", by=coordinator)
    assert "version" in caught.value.errors


# --- the roster ----------------------------------------------------------------------------------


def test_roster_add_remove_and_attended_are_audited(build_scenario, cs, coordinator, cs_staff):
    drill = services.drill_create(scenario=build_scenario([{"departments": [cs]}]), name="D", by=coordinator)
    entry = services.roster_add(drill=drill, user=cs_staff, department=cs, role=SeatRole.PLAYER, by=coordinator)
    assert entry.attended is False
    entry = services.roster_set_attended(entry=entry, attended=True, by=coordinator)
    assert RosterEntry.objects.get(pk=entry.pk).attended is True
    services.roster_set_attended(entry=entry, attended=True, by=coordinator)  # no change, no record
    services.roster_remove(entry=entry, by=coordinator)
    assert not drill.roster.exists()
    actions = list(AuditEntry.objects.filter(drill_id=drill.pk).order_by("id").values_list("action", flat=True))
    assert actions == ["drill.create", "drill.roster_add", "drill.roster_attended", "drill.roster_remove"]


def test_player_or_deputy_needs_a_department(build_scenario, cs, coordinator, cs_staff):
    drill = services.drill_create(scenario=build_scenario([{"departments": [cs]}]), name="D", by=coordinator)
    for role in (SeatRole.PLAYER, SeatRole.DEPUTY):
        with pytest.raises(InvalidInput) as caught:
            services.roster_add(drill=drill, user=cs_staff, role=role, by=coordinator)
        assert "department" in caught.value.errors
    assert services.roster_add(drill=drill, user=cs_staff, role=SeatRole.CONTROLLER, by=coordinator).pk


def test_roster_of_an_ended_drill_cannot_change_but_attendance_can(build_scenario, cs, coordinator, cs_staff):
    drill = services.drill_create(scenario=build_scenario([{"departments": [cs]}]), name="D", by=coordinator)
    entry = services.roster_add(drill=drill, user=cs_staff, department=cs, by=coordinator)
    services.drill_start(drill=drill, by=coordinator)
    services.drill_finish(drill=drill, by=coordinator)
    with pytest.raises(DomainError):
        services.roster_remove(entry=entry, by=coordinator)
    with pytest.raises(DomainError):
        services.roster_add(drill=drill, user=coordinator, role=SeatRole.CONTROLLER, by=coordinator)
    assert services.roster_set_attended(entry=entry, attended=True, by=coordinator).attended


# --- what the time scale does --------------------------------------------------------------------


@pytest.fixture
def press_scenario(build_scenario, cs, risk, exec_dept):
    """09:00 complaint (10 min deadline), 09:30 press question (2 min, escalating 10 min later to
    senior management), 10:12 board call (30 min deadline): the scenario spans 72 minutes."""
    return build_scenario(
        [
            {"offset": 0, "title": "Complaint call", "departments": [cs], "deadline": 600},
            {
                "offset": 1800,
                "title": "Press question",
                "departments": [risk],
                "deadline": 120,
                "escalations": [{"after_seconds": 600, "department": exec_dept.pk, "message": "No answer"}],
            },
            {"offset": 4320, "title": "Board call", "departments": [exec_dept], "deadline": 1800},
        ]
    )


def test_preview_at_60x_ends_72_seconds_after_a_0900_start(press_scenario):
    start = datetime(2030, 3, 4, 9, 0, tzinfo=SHANGHAI)
    preview = timing_preview(press_scenario.versions.get(), 60, start)
    # The last event is at T+01:12:00 = 4320 scenario seconds; 4320 / 60 = 72 real seconds.
    assert preview.ends_at == datetime(2030, 3, 4, 9, 1, 12, tzinfo=SHANGHAI)
    assert preview.scenario_ends_at == datetime(2030, 3, 4, 10, 12, tzinfo=SHANGHAI)
    assert (preview.span_text, preview.real_span_text) == ("1 h 12 min", "1 min 12 s")
    # The board call's 30-minute deadline closes at 4320 + 1800 = 6120 s, 102 s real: 09:01:42.
    assert preview.responses_end_at == datetime(2030, 3, 4, 9, 1, 42, tzinfo=SHANGHAI)
    press = next(i for i in preview.items if i.event.title == "Press question" and i.what == "response deadline")
    assert (press.scenario_text, press.real_seconds, press.real_text) == ("2 min", 2.0, "2 s")


def test_preview_warns_of_every_deadline_and_ladder_step_under_30_real_seconds(press_scenario):
    preview = timing_preview(press_scenario.versions.get(), 60)
    short = [(i.event.title, i.what, i.real_text) for i in preview.short]
    assert short == [
        ("Complaint call", "response deadline", "10 s"),
        ("Press question", "response deadline", "2 s"),
        ("Press question", "escalation 1 after the deadline", "10 s"),
    ]  # the board call's 30 minutes become exactly 30 s: not shorter
    assert timing_preview(press_scenario.versions.get(), 1).short == []
    assert preview.ends_at is None  # started by hand: no clock time yet


def test_preview_leaves_conditional_events_out_of_the_end(build_scenario, cs):
    scenario = build_scenario(
        [
            {"offset": 600, "departments": [cs]},
            {"offset": 9000, "departments": [cs], "condition": ("after_resolved", 0, 30)},
        ]
    )
    preview = timing_preview(scenario.versions.get(), 10)
    assert (preview.last_offset, preview.conditional, preview.real_span_text) == (600, 1, "1 min")


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0 s"), (0.5, "0.5 s"), (2.0, "2 s"), (216, "3 min 36 s"), (4320, "1 h 12 min")]
)
def test_durations_read_as_words(seconds, text):
    assert duration_text(seconds) == text


# --- the check before the start ------------------------------------------------------------------


def test_readiness_lists_departments_that_nobody_receives(press_scenario, org, cs, risk, exec_dept, coordinator):
    MembershipFactory(organisation=org, role="staff", department=cs, user=UserFactory(username="cs1"))
    gone = UserFactory(username="risk-gone")
    gone.is_active = False
    gone.save()
    MembershipFactory(organisation=org, role="staff", department=risk, user=gone)
    drill = services.drill_create(scenario=press_scenario, name="D", by=coordinator)
    check = readiness(drill)
    assert [d.code for d in check.missing] == ["exec", "risk"]  # an inactive account receives nothing
    assert {c.department.code: c.receivers for c in check.covers}["cs"] == ["cs1"]

    player = MembershipFactory(organisation=org, role="observer", user=UserFactory(username="stand-in")).user
    services.roster_add(drill=drill, user=player, department=risk, role=SeatRole.DEPUTY, by=coordinator)
    services.roster_add(drill=drill, user=coordinator, department=exec_dept, role=SeatRole.OBSERVER, by=coordinator)
    assert [d.code for d in readiness(drill).missing] == ["exec"]  # an observer seat receives nothing


def test_readiness_counts_a_department_reached_only_by_escalation(build_scenario, cs, exec_dept, coordinator):
    scenario = build_scenario(
        [{"departments": [cs], "deadline": 60, "escalations": [{"after_seconds": 0, "department": exec_dept.pk}]}]
    )
    drill = services.drill_create(scenario=scenario, name="D", by=coordinator)
    covers = {c.department.code: c for c in readiness(drill).covers}
    assert covers["exec"].by_escalation_only and not covers["cs"].by_escalation_only
