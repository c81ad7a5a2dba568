"""The admin's drill actions call the timelines services; records stay read-only."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from drillops.timelines.models import DrillState
from tests.factories import UserFactory

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


def test_every_admin_changelist_renders(drill, admin_user):
    from django.contrib import admin

    client = client_for(admin_user)
    _act(client, "start", drill)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
