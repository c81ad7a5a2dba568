"""The admin writes through the services (or not at all), approved versions cannot change from
any door, every admin change is audited, and an administrator who is not a superuser sees only
their organisations."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import quote
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from drillops.core.admin import AuditedAdmin
from drillops.core.errors import TransitionNotAllowed
from drillops.core.models import AuditEntry
from drillops.departments.models import Role
from drillops.scenarios import services as authoring
from drillops.scenarios.models import CriticalTask, Objective, ScenarioEvent, ScenarioVersion, VersionStatus
from drillops.timelines import services as drills
from drillops.timelines.models import DrillState
from tests.factories import MembershipFactory, UserFactory

from .admin_world import AdminWorld, add_installation_records, build, form_data
from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return UserFactory(username="root-admin", is_staff=True, is_superuser=True)


def _act(client, action, drill, **extra):
    url = reverse("admin:timelines_drill_changelist")
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [drill.pk], **extra}, follow=True)


def test_admin_starts_and_pauses_a_drill(drill, admin_user):
    client = client_for(admin_user)
    _act(client, "start", drill)
    drill.refresh_from_db()
    assert drill.state == DrillState.RUNNING and drill.injects.exists()
    _act(client, "pause", drill)
    drill.refresh_from_db()
    assert drill.state == DrillState.PAUSED


def test_admin_stop_asks_for_a_reason_first(drill, admin_user):
    client = client_for(admin_user)
    _act(client, "start", drill)
    page = _act(client, "stop", drill)
    assert "Stopping aborts the drill" in page.content.decode()
    drill.refresh_from_db()
    assert drill.state == DrillState.RUNNING
    _act(client, "stop", drill, reason="Real fire alarm in the building")
    drill.refresh_from_db()
    assert drill.state == DrillState.STOPPED and drill.stop_reason == "Real fire alarm in the building"


def test_a_refused_transition_is_reported_not_raised(drill, admin_user):
    page = _act(client_for(admin_user), "resume", drill)
    assert page.status_code == 200
    drill.refresh_from_db()
    assert drill.state == DrillState.SCHEDULED


def test_timeline_and_audit_are_read_only(drill, admin_user):
    client = client_for(admin_user)
    _act(client, "start", drill)
    assert client.get(reverse("admin:timelines_timelineentry_add")).status_code == 403
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    entry = drill.timeline.first()
    change = client.post(reverse("admin:timelines_timelineentry_change", args=[entry.pk]), {"text": "rewritten"})
    assert change.status_code == 403
    entry.refresh_from_db()
    assert entry.text != "rewritten"


def _change_url(obj: Any) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[quote(obj.pk)])


def _changelist(model: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _change_links(page: Any, model: Any) -> list[str]:
    prefix = _changelist(model)
    return sorted(set(re.findall(rf'href="({re.escape(prefix)}[^"/]+/change/)[^"]*"', page.content.decode())))


@pytest.fixture
def world_a() -> AdminWorld:
    return build("a")


@pytest.fixture
def world_b() -> AdminWorld:
    return build("b")


@pytest.fixture
def scoped_admin(world_a: AdminWorld) -> Any:
    """An administrator of organisation A: a staff user, not a superuser, without model permissions."""
    user = UserFactory(username="admin-a", is_staff=True)
    MembershipFactory(user=user, organisation=world_a.org, role=Role.COORDINATOR)
    return user


def test_every_registered_admin_is_audited_and_scoped():
    unguarded = [m._meta.label for m, a in admin.site._registry.items() if not isinstance(a, AuditedAdmin)]
    assert unguarded == []


def test_every_admin_page_renders_for_a_superuser(world_a, world_b, admin_user):
    add_installation_records()
    client = client_for(admin_user)
    for model, model_admin in admin.site._registry.items():
        page = client.get(_changelist(model))
        assert page.status_code == 200, model
        links = _change_links(page, model)
        assert links, f"{model._meta.label}: the world holds no object of it"
        for link in links[:3]:
            assert client.get(link).status_code == 200, link
        add = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        assert client.get(add).status_code == (200 if model_admin.has_add_permission(page.wsgi_request) else 403), add


def test_a_scoped_administrator_sees_their_organisation_only(world_a, world_b, scoped_admin):
    add_installation_records()
    client = client_for(scoped_admin)
    for model, model_admin in admin.site._registry.items():
        page = client.get(_changelist(model))
        if not model_admin.scoped:  # the installation's records: superusers only
            assert page.status_code == 403, model
            continue
        assert page.status_code == 200, model
        links = _change_links(page, model)
        mine, theirs = world_a.objects.get(model), world_b.objects.get(model)
        assert mine is not None and theirs is not None, f"{model._meta.label}: missing from the world"
        assert _change_url(mine) in links, model
        assert _change_url(theirs) not in links, model
        assert client.get(_change_url(mine)).status_code == 200, model
        other = client.get(_change_url(theirs))
        assert other.status_code == 302 and other.url == reverse("admin:index"), model


def test_a_scoped_administrator_picks_only_their_organisations_objects(world_a, world_b, scoped_admin):
    client = client_for(scoped_admin)
    add_page = client.get(reverse("admin:departments_department_add")).content.decode()
    assert world_a.org.name in add_page and world_b.org.name not in add_page
    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "timelines", "model_name": "rosterentry", "field_name": "user", "term": ""},
    ).json()
    names = {r["text"] for r in found["results"]}
    assert "a-cs" in names and not any(name.startswith("b-") for name in names)


def test_a_scoped_administrator_cannot_grant_superuser_or_touch_other_accounts(world_a, world_b, scoped_admin):
    client = client_for(scoped_admin)
    staff = world_a.objects[type(scoped_admin)]
    url = _change_url(staff)
    client.post(url, {**form_data(client, url, email="new@a.test"), "is_superuser": "on"})  # a read-only field
    staff.refresh_from_db()
    assert staff.email == "new@a.test" and not staff.is_superuser
    entry = AuditEntry.objects.get(action="admin.change", object_id=staff.pk)
    assert entry.actor == scoped_admin and entry.organisation_id == world_a.org.pk
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    MembershipFactory(user=root, organisation=world_a.org, role=Role.COORDINATOR)
    assert client.post(_change_url(root), {"email": "x@y.z"}).status_code == 403
    assert client.get(_change_url(world_b.objects[type(scoped_admin)])).status_code == 302


def _frozen_event(world: AdminWorld) -> ScenarioEvent:
    event = ScenarioEvent.objects.select_related("version__scenario").get(pk=world.objects[ScenarioEvent].pk)
    assert event.version.status == VersionStatus.APPROVED
    return event


def test_an_approved_versions_event_cannot_be_changed_in_the_admin(world_a, admin_user):
    event = _frozen_event(world_a)
    client = client_for(admin_user)
    url = _change_url(event)
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # read-only view
    answer = client.post(url, {"title": "Rewritten", "escalations": "[]", "offset_seconds": 0})
    assert answer.status_code == 403
    assert (
        client.post(reverse("admin:scenarios_scenarioevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    event.refresh_from_db()
    assert event.title == "First complaint" and len(event.escalations) == 1


def _sql(statement: str, *params: Any) -> None:
    """A door that bypasses Django's checks (its collector would stop at the drills' protection)."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.parametrize(
    "change",
    [
        lambda e: ScenarioEvent.objects.filter(pk=e.pk).update(escalations=[]),
        lambda e: ScenarioEvent.objects.filter(pk=e.pk).update(title="Rewritten"),
        lambda e: _sql("DELETE FROM scenarios_scenarioevent WHERE id = %s", e.pk),
        lambda e: e.departments.clear(),
        lambda e: Objective.objects.filter(version=e.version).update(target="Anything goes"),
        lambda e: CriticalTask.objects.filter(objective__version=e.version).delete(),
        lambda e: e.attachments.update(content="Changed small print"),
        lambda e: ScenarioVersion.objects.filter(pk=e.version_id).update(status=VersionStatus.DRAFT),
        lambda e: ScenarioVersion.objects.filter(pk=e.version_id).update(notes="Edited after approval"),
        lambda e: _sql("DELETE FROM scenarios_scenarioversion WHERE id = %s", e.version_id),
    ],
    ids=["ladder", "title", "delete", "departments", "objective", "tasks", "attachment", "status", "notes", "version"],
)
def test_the_database_refuses_to_change_an_approved_version(world_a, change):
    event = _frozen_event(world_a)
    with pytest.raises(IntegrityError, match="approved"), transaction.atomic():
        change(event)


def test_an_approved_version_may_only_be_archived_and_then_never_changes(world_a):
    event = _frozen_event(world_a)
    version = authoring.version_archive(scenario=event.version.scenario, by=None)
    assert version.status == VersionStatus.ARCHIVED
    with pytest.raises(IntegrityError, match="archived"), transaction.atomic():
        ScenarioVersion.objects.filter(pk=version.pk).update(status=VersionStatus.APPROVED)
    with pytest.raises(IntegrityError, match="approved or archived"), transaction.atomic():
        ScenarioEvent.objects.filter(pk=event.pk).update(body="Later")


def test_a_scenario_without_drills_can_still_be_deleted_whole(org, cs, coordinator):
    scenario = authoring.scenario_create(organisation=org, by=coordinator, title="Unused")
    authoring.event_create(scenario=scenario, by=coordinator, title="E", offset_seconds=0, departments=[cs])
    authoring.version_submit(scenario=scenario, by=coordinator)
    authoring.version_approve(scenario=scenario, by=coordinator)
    authoring.scenario_delete(scenario=scenario, by=coordinator)
    assert not ScenarioEvent.objects.filter(title="E").exists()


@pytest.fixture
def draft_event(org, cs, risk, coordinator) -> ScenarioEvent:
    scenario = authoring.scenario_create(organisation=org, by=coordinator, title="Draft scenario")
    return authoring.event_create(
        scenario=scenario, by=coordinator, title="Draft call", offset_seconds=0, departments=[cs]
    )


def test_an_admin_change_of_a_draft_event_goes_through_the_service(draft_event, cs, risk, admin_user):
    client = client_for(admin_user)
    url = _change_url(draft_event)
    # The call moves to risk management and escalates back to customer service (never to itself).
    ladder = [{"after_seconds": 120, "department": cs.pk, "message": "Still nothing", "unless": "resolved"}]
    answer = client.post(url, form_data(client, url, title="Edited call", escalations=ladder, departments=[risk.pk]))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    draft_event.refresh_from_db()
    assert draft_event.title == "Edited call" and draft_event.escalations == ladder
    assert [d.pk for d in draft_event.departments.all()] == [risk.pk]
    entry = AuditEntry.objects.get(action="event.update", object_id=draft_event.pk)
    assert entry.actor == admin_user
    assert set(entry.data["changed"]) == {"title", "escalations", "departments"}
    # The service audited the write; the admin adds no second entry for it.
    assert not AuditEntry.objects.filter(action__startswith="admin.", object_id=draft_event.pk).exists()


def test_a_service_refusal_is_shown_on_the_form_and_changes_nothing(draft_event, admin_user):
    client = client_for(admin_user)
    url = _change_url(draft_event)
    bad_ladder = [{"after_seconds": 60, "role": "nobody-here", "message": "?", "unless": "acknowledged"}]
    page = client.post(url, form_data(client, url, title="Never saved", escalations=bad_ladder))
    assert page.status_code == 200
    assert "Step 1: unknown role." in page.content.decode()
    draft_event.refresh_from_db()
    assert draft_event.title == "Draft call" and draft_event.escalations == []
    assert not AuditEntry.objects.filter(action="event.update").exists()


def test_an_admin_delete_goes_through_the_service(draft_event, admin_user):
    client = client_for(admin_user)
    client.post(reverse("admin:scenarios_scenarioevent_delete", args=[draft_event.pk]), {"post": "yes"})
    assert not ScenarioEvent.objects.filter(pk=draft_event.pk).exists()
    assert AuditEntry.objects.get(action="event.delete").actor == admin_user


def test_a_drills_time_scale_is_fixed_once_it_starts(drill, admin_user):
    client = client_for(admin_user)
    url = _change_url(drill)
    start = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    client.post(url, form_data(client, url, time_scale=10, scheduled_start=start))
    drill.refresh_from_db()
    assert (drill.time_scale, drill.scheduled_start) == (10, start)
    assert AuditEntry.objects.get(action="drill.update").data["changed"] == ["scheduled_start", "time_scale"]
    _act(client, "start", drill)
    page = client.get(url).content.decode()
    assert 'name="time_scale"' not in page and 'name="name"' in page
    client.post(url, {**form_data(client, url, name="Renamed"), "time_scale": "20"})
    drill.refresh_from_db()
    assert (drill.name, drill.time_scale) == ("Renamed", 10)
    with pytest.raises(TransitionNotAllowed):
        drills.drill_update(drill=drill, by=admin_user, time_scale=20)


def test_direct_admin_edits_are_audited_with_the_changed_fields(world_a, scoped_admin):
    client = client_for(scoped_admin)
    url = _change_url(world_a.org)
    client.post(url, form_data(client, url, name="Renamed insurer"))
    entry = AuditEntry.objects.get(action="admin.change", object_type="departments.organisation")
    assert entry.actor == scoped_admin and entry.organisation_id == world_a.org.pk
    assert entry.data["changes"] == [{"changed": {"fields": ["Name"]}}]


def test_an_objective_edit_keeps_its_critical_tasks_and_their_targets(org, cs, coordinator, admin_user):
    scenario = authoring.scenario_create(organisation=org, by=coordinator, title="Draft scenario")
    target = {"metric": "acknowledge_p90", "department": cs.pk, "op": "<=", "value": 300}
    objective = authoring.objective_create(
        scenario=scenario,
        by=coordinator,
        capability="Comms",
        title="Report",
        critical_tasks=[{"title": "Ack", "target": target}],
    )
    client = client_for(admin_user)
    url = _change_url(objective)
    client.post(url, form_data(client, url, title="Report fast"))
    objective.refresh_from_db()
    task = objective.critical_tasks.get()
    assert objective.title == "Report fast" and task.title == "Ack" and (task.target or {}).get("value") == 300
    assert AuditEntry.objects.get(action="objective.update").data["changed"] == ["title"]
    client.post(url, form_data(client, url, critical_tasks=["Ack", "Call risk"]))
    assert list(objective.critical_tasks.values_list("title", "target")) == [("Ack", None), ("Call risk", None)]


def test_the_admin_cannot_deactivate_an_organisations_last_coordinator(org, coordinator, admin_user):
    client = client_for(admin_user)
    url = reverse("admin:auth_user_change", args=[coordinator.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(is_active="", date_joined_0="2026-01-01", date_joined_1="09:00:00")
    data["groups"], data["user_permissions"] = [], []
    answer = client.post(url, {k: v for k, v in data.items() if k != "last_login"})
    assert answer.status_code == 200 and "last coordinator" in answer.content.decode()
    coordinator.refresh_from_db()
    assert coordinator.is_active
