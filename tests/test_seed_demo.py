"""seed_demo loads the insurer's joint drill once: a second run changes nothing."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client

from drillops.core.models import AuditEntry
from drillops.demo import content
from drillops.demo.loader import next_start
from drillops.departments.models import Department, Membership, Role
from drillops.scenarios.models import ScenarioEvent, ScenarioVersion, VersionStatus
from drillops.timelines.models import Drill, DrillState, RosterEntry

pytestmark = pytest.mark.django_db

CODES = {"cs", "risk", "legal", "hr", "it", "exec", "pr"}


def _counts() -> dict[str, int]:
    models = [
        m
        for app in ("core", "departments", "scenarios", "timelines", "reports")
        for m in apps.get_app_config(app).get_models()
    ]
    counts = {m._meta.label: m._default_manager.count() for m in models}
    counts["users"] = get_user_model().objects.count()
    return counts


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_running_twice_changes_nothing():
    _seed("--password", "demo-pass-1")
    first = _counts()
    hashes = dict(get_user_model().objects.values_list("username", "password"))
    _seed("--password", "demo-pass-1")
    assert _counts() == first
    assert dict(get_user_model().objects.values_list("username", "password")) == hashes
    assert Drill.objects.count() == 1


def test_every_row_is_written_through_the_services():
    _seed()
    actions = Counter(AuditEntry.objects.values_list("action", flat=True))
    assert actions["organisation.create"] == 1
    assert actions["department.create"] == len(content.DEPARTMENTS)
    assert actions["user.create"] == 4 + len(content.DEPARTMENTS)
    assert actions["objective.create"] == len(content.OBJECTIVES)
    assert actions["event.create"] == len(content.EVENTS) == 20
    assert actions["attachment.create"] == sum("attachment" in spec for spec in content.EVENTS) > 0
    assert (actions["version.submit"], actions["version.approve"], actions["drill.create"]) == (1, 1, 1)
    assert actions["drill.roster_add"] == RosterEntry.objects.count()


def test_the_approved_version_is_the_content_module():
    _seed("--language", "en")
    version = ScenarioVersion.objects.get()
    assert version.status == VersionStatus.APPROVED and version.notes == content.SCENARIO["notes"][0]
    events = list(version.events.order_by("sequence"))
    specs = content.EVENTS
    assert [e.title for e in events] == [spec["title"][0] for spec in specs]
    assert [e.offset_seconds for e in events] == [spec["offset"] for spec in specs]
    assert [e.response_deadline_seconds for e in events] == [spec.get("deadline") for spec in specs]
    assert [sorted(d.code for d in e.departments.all()) for e in events] == [sorted(spec["targets"]) for spec in specs]

    def target(step: dict[str, Any]) -> str:  # a department (stored by id) or a role (stored by name)
        return Department.objects.get(pk=step["department"]).code if "department" in step else step["role"]

    ladders = [[(s["after_seconds"], target(s)) for s in e.escalations] for e in events]
    assert ladders == [[(s["after_seconds"], s["department"]) for s in spec.get("escalations", [])] for spec in specs]
    keys = [spec["key"] for spec in specs]
    conditions = [
        (e.sequence, e.condition_kind, e.condition_event.sequence, e.condition_delay_seconds)
        for e in events
        if e.is_conditional
    ]
    expected = [
        (keys.index(spec["key"]) + 1, spec["condition"][0], keys.index(spec["condition"][1]) + 1, spec["condition"][2])
        for spec in specs
        if "condition" in spec
    ]
    assert conditions == expected and len(conditions) == 2


def test_departments_carry_codes_and_both_names():
    _seed()
    departments = {d.code: d for d in Department.objects.all()}
    assert set(departments) == CODES
    assert departments["cs"].name == "Customer Service"
    assert departments["cs"].name_zh == "客户服务部"
    assert departments["risk"].organisation.time_zone == "Asia/Shanghai"


def test_scenario_has_at_least_15_events_with_deadlines_and_ladders():
    _seed()
    events = list(ScenarioEvent.objects.select_related("version").order_by("offset_seconds", "sequence"))
    assert len(events) >= 15
    assert events[0].offset_seconds == 0
    assert events[0].version.status == VersionStatus.APPROVED
    assert all(e.departments.exists() for e in events)
    assert sum(1 for e in events if e.response_deadline_seconds) >= 15
    ladders = [e for e in events if e.escalations]
    assert len(ladders) >= 5
    cs_first = events[0].escalations
    risk = Department.objects.get(code="risk")
    execs = Department.objects.get(code="exec")
    assert [s["department"] for s in cs_first] == [risk.pk, execs.pk]
    assert all(s["unless"] in {"acknowledged", "resolved"} for e in ladders for s in e.escalations)
    assert any(e.is_conditional for e in events)
    assert any(e.is_decision for e in events)
    assert {e.channel for e in events} >= {"call", "email", "social", "news", "press", "meeting", "system"}


def test_language_option_selects_english_content():
    _seed("--language", "en")
    first = ScenarioEvent.objects.order_by("offset_seconds", "sequence").first()
    assert first is not None and first.title.startswith("First complaint call")


def test_default_content_is_chinese(monkeypatch):
    monkeypatch.delenv("DRILLOPS_DEMO_LANGUAGE", raising=False)
    _seed()
    first = ScenarioEvent.objects.order_by("offset_seconds", "sequence").first()
    assert first is not None and first.title.startswith("第一通投诉电话")


def test_drill_is_scheduled_for_nine_shanghai_with_roster():
    _seed()
    drill = Drill.objects.get()
    assert drill.state == DrillState.SCHEDULED
    assert drill.scheduled_start == next_start(drill.organisation.tz, drill.created_at)
    local = drill.scheduled_start.astimezone(drill.organisation.tz)
    assert (local.hour, local.minute) == (9, 0)
    roster = RosterEntry.objects.filter(drill=drill)
    assert {r.user.username for r in roster if r.role == "player"} == CODES
    assert {r.user.username for r in roster if r.role == "observer"} == {"observer", "observer2"}


def test_password_comes_from_environment(monkeypatch):
    monkeypatch.setenv("DRILLOPS_DEMO_PASSWORD", "from-the-env-42")
    output = _seed()
    assert "coordinator" in output and "http://" in output
    assert get_user_model().objects.get(username="coordinator").check_password("from-the-env-42")


def test_every_demo_login_works_and_has_its_role():
    _seed("--password", "demo-pass-2")
    for username in ["admin", "coordinator", "observer", "observer2", *CODES]:
        client = Client()
        # axes guards every login and needs the request it guards.
        assert client.login(request=HttpRequest(), username=username, password="demo-pass-2"), username
    assert Membership.objects.get(user__username="coordinator").role == Role.COORDINATOR
    staff = Membership.objects.select_related("department").get(user__username="cs")
    assert staff.department is not None and staff.department.code == "cs"
    assert get_user_model().objects.get(username="admin").is_superuser
