"""The server-rendered pages: who sees what, and that every form goes through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from drillops.reports.models import Observation
from drillops.timelines.engine.delivery import deliver_due
from drillops.timelines.engine.notify import live_rev_key, redis_client
from drillops.timelines.models import Drill, DrillState, EntryKind, InjectStatus
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _start_and_deliver(drill, coordinator):
    # Nobody is seated for these departments: the coordinator starts anyway, as the button offers.
    departments = ",".join(str(d.pk) for d in drill.organisation.departments.all())
    response = client_for(coordinator).post(
        reverse("drill_control", args=[drill.pk, "start"]), {"confirm_missing": departments}
    )
    assert response.status_code == 302
    deliver_due(limit=100)
    drill.refresh_from_db()
    return drill


def test_anonymous_visitor_is_sent_to_login(drill):
    response = client_for_anonymous().get(reverse("drill_console", args=[drill.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def client_for_anonymous():
    from django.test import Client

    return Client()


def test_login_page_renders_with_exercise_banner(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "EXERCISE / 演练" in response.content.decode()


def test_coordinator_dashboard_lists_drills_and_scenarios(drill, coordinator):
    body = client_for(coordinator).get(reverse("home")).content.decode()
    assert "Web drill" in body and "Mass complaints" in body


def test_staff_dashboard_hides_scenarios(drill, cs_staff):
    body = client_for(cs_staff).get(reverse("home")).content.decode()
    assert "Web drill" in body
    assert reverse("scenario_detail", args=[drill.scenario_version.scenario_id]) not in body


def test_uninvited_observer_sees_no_drill(drill, org):
    outsider = MembershipFactory(organisation=org, role="observer", user=UserFactory(username="obs-x")).user
    client = client_for(outsider)
    assert "Web drill" not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("drill_console", args=[drill.pk])).status_code == 404


def test_other_organisation_cannot_open_the_console(drill):
    other = OrganisationFactory(slug="other-org")
    stranger = MembershipFactory(organisation=other, role="coordinator", user=UserFactory(username="stranger")).user
    assert client_for(stranger).get(reverse("drill_console", args=[drill.pk])).status_code == 404
    scenario_url = reverse("scenario_detail", args=[drill.scenario_version.scenario_id])
    assert client_for(stranger).get(scenario_url).status_code == 404


def test_scenario_page_shows_msel_with_offsets_clock_and_ladder(drill, coordinator):
    url = reverse("scenario_detail", args=[drill.scenario_version.scenario_id])
    body = client_for(coordinator).get(url).content.decode()
    assert "T+00:00:00" in body and "09:00:00" in body
    assert "T+01:00:00" in body and "10:00:00" in body
    assert "Risk Management" in body and "5 min" in body


def test_players_cannot_read_the_msel(drill, cs_staff):
    url = reverse("scenario_detail", args=[drill.scenario_version.scenario_id])
    assert client_for(cs_staff).get(url).status_code == 404


def test_coordinator_starts_drill_and_staff_inbox_shows_delivered_inject(drill, coordinator, cs_staff, risk_staff):
    _start_and_deliver(drill, coordinator)
    assert drill.state == DrillState.RUNNING
    assert (
        "First complaint call" in client_for(cs_staff).get(reverse("drill_console", args=[drill.pk])).content.decode()
    )
    # Risk's event is an hour away: not delivered, so not shown to risk yet.
    risk_body = client_for(risk_staff).get(reverse("drill_console", args=[drill.pk])).content.decode()
    assert "Press question" not in risk_body


def test_staff_acknowledges_from_the_inbox(drill, coordinator, cs_staff):
    _start_and_deliver(drill, coordinator)
    inject = drill.injects.get(department__code="cs")
    response = client_for(cs_staff).post(reverse("inject_respond", args=[inject.pk, "acknowledge"]))
    assert response.status_code == 302
    inject.refresh_from_db()
    assert inject.status == InjectStatus.ACKNOWLEDGED and inject.acknowledged_by == cs_staff


def test_staff_of_another_department_cannot_answer(drill, coordinator, risk_staff):
    _start_and_deliver(drill, coordinator)
    inject = drill.injects.get(department__code="cs")
    response = client_for(risk_staff).post(reverse("inject_respond", args=[inject.pk, "acknowledge"]))
    assert response.status_code == 404
    inject.refresh_from_db()
    assert inject.acknowledged_at is None


def test_forward_without_text_or_department_changes_nothing(drill, coordinator, cs_staff):
    _start_and_deliver(drill, coordinator)
    inject = drill.injects.get(department__code="cs")
    before = drill.injects.count()
    response = client_for(cs_staff).post(
        reverse("inject_respond", args=[inject.pk, "forward"]), {"department": "999999", "text": ""}, follow=True
    )
    assert response.status_code == 200
    assert drill.injects.count() == before


def test_forward_reports_on_to_risk(drill, coordinator, cs_staff, risk):
    _start_and_deliver(drill, coordinator)
    inject = drill.injects.get(department__code="cs")
    client_for(cs_staff).post(
        reverse("inject_respond", args=[inject.pk, "forward"]), {"department": risk.pk, "text": "23 complaints"}
    )
    assert drill.injects.filter(cause="forward", department=risk, source=inject).exists()


def test_stop_without_reason_is_refused(drill, coordinator):
    _start_and_deliver(drill, coordinator)
    response = client_for(coordinator).post(reverse("drill_stop", args=[drill.pk]), {"reason": ""}, follow=True)
    assert response.status_code == 200
    drill.refresh_from_db()
    assert drill.state == DrillState.RUNNING


def test_stop_with_reason_is_shown_to_everyone(drill, coordinator, cs_staff):
    _start_and_deliver(drill, coordinator)
    client_for(coordinator).post(reverse("drill_stop", args=[drill.pk]), {"reason": "Real fire alarm"})
    drill.refresh_from_db()
    assert drill.state == DrillState.STOPPED
    assert "Real fire alarm" in client_for(cs_staff).get(reverse("drill_console", args=[drill.pk])).content.decode()


def test_staff_cannot_control_the_drill(drill, cs_staff):
    client_for(cs_staff).post(reverse("drill_control", args=[drill.pk, "start"]))
    drill.refresh_from_db()
    assert drill.state == DrillState.SCHEDULED


def test_transition_not_allowed_is_a_message_not_an_error(drill, coordinator):
    response = client_for(coordinator).post(reverse("drill_control", args=[drill.pk, "pause"]), follow=True)
    assert response.status_code == 200
    assert "Cannot" in response.content.decode()


def test_comms_message_is_posted_and_observers_cannot_post(drill, coordinator, cs_staff, observer):
    _start_and_deliver(drill, coordinator)
    client_for(cs_staff).post(reverse("drill_message", args=[drill.pk]), {"text": "CS: 23 calls so far"})
    client_for(observer).post(reverse("drill_message", args=[drill.pk]), {"text": "observer chatter"})
    texts = list(drill.timeline.filter(kind=EntryKind.MESSAGE).values_list("text", flat=True))
    assert texts == ["CS: 23 calls so far"]


def test_observer_records_an_observation(drill, coordinator, observer):
    objective = drill.scenario_version.objectives.get()
    client_for(observer).post(
        reverse("observation_create", args=[drill.pk]), {"objective": objective.pk, "rating": "S", "note": "Slow"}
    )
    assert Observation.objects.filter(drill=drill, observer=observer, rating="S").count() == 1


def test_empty_observation_is_refused(drill, observer):
    client_for(observer).post(reverse("observation_create", args=[drill.pk]), {"rating": "", "note": ""})
    assert not Observation.objects.filter(drill=drill).exists()


def test_live_endpoint_answers_204_until_the_revision_moves(drill, coordinator):
    client = client_for(coordinator)
    redis_client().delete(live_rev_key(drill.pk))
    first = client.get(reverse("drill_live", args=[drill.pk]))
    assert first.status_code == 200
    assert client.get(reverse("drill_live", args=[drill.pk]) + "?rev=0").status_code == 204
    redis_client().incr(live_rev_key(drill.pk))
    changed = client.get(reverse("drill_live", args=[drill.pk]) + "?rev=0")
    assert changed.status_code == 200
    assert 'hx-swap-oob="true"' in changed.content.decode()


def test_chinese_interface_shows_chinese_department_names(drill, coordinator):
    _start_and_deliver(drill, coordinator)
    client = client_for(coordinator)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    body = client.get(reverse("drill_console", args=[drill.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "客户服务部" in body


def test_observer_flags_a_timeline_entry_as_an_error(drill, coordinator, observer):
    _start_and_deliver(drill, coordinator)
    entry = drill.timeline.filter(kind=EntryKind.DELIVERED).first()
    page = client_for(observer).get(reverse("drill_console", args=[drill.pk]) + f"?entry={entry.pk}")
    assert f'name="timeline_entry" value="{entry.pk}"' in page.content.decode()
    client_for(observer).post(
        reverse("observation_create", args=[drill.pk]),
        {"timeline_entry": entry.pk, "flag": "error", "note": "Wrong department answered"},
    )
    assert Observation.objects.get(drill=drill).timeline_entry == entry


def _new_drill(drill, **fields):
    """The New drill page's form for the drill's scenario, with its version, started by hand."""
    form = {"scenario": drill.scenario_version.scenario_id, "version": drill.scenario_version_id}
    return {**form, "start": "manual", "time_scale": "1", **fields}


def test_new_drill_opens_its_setup_page(drill, coordinator):
    response = client_for(coordinator).post(reverse("drill_new"), _new_drill(drill, name="Rehearsal", time_scale="60"))
    made = Drill.objects.get(name="Rehearsal")
    assert response.status_code == 302 and response["Location"] == reverse("drill_setup", args=[made.pk])
    assert made.time_scale == 60 and made.state == DrillState.SCHEDULED


def test_new_drill_in_the_past_or_with_bad_scale_is_refused(drill, coordinator):
    client = client_for(coordinator)
    late = client.post(
        reverse("drill_new"), _new_drill(drill, name="Late", start="at", scheduled_start="2001-01-01T09:00")
    )
    assert late.status_code == 400 and "Give a time in the future" in late.content.decode()
    assert client.post(reverse("drill_new"), _new_drill(drill, name="Fast", time_scale="99999")).status_code == 400
    assert client.post(reverse("drill_new"), _new_drill(drill, name="", time_scale="abc")).status_code == 400
    assert set(Drill.objects.values_list("name", flat=True)) == {"Web drill"}


def test_scheduled_start_is_read_in_the_organisation_time_zone(drill, coordinator):
    form = _new_drill(drill, name="Nine", start="at", scheduled_start="2099-11-26T09:00")
    client_for(coordinator).post(reverse("drill_new"), form)
    start = Drill.objects.get(name="Nine").scheduled_start.astimezone(drill.organisation.tz)
    assert (start.hour, start.minute, str(start.tzinfo)) == (9, 0, "Asia/Shanghai")


def test_coordinator_triggers_a_later_event_now(drill, coordinator, risk_staff):
    _start_and_deliver(drill, coordinator)
    event = drill.scenario_version.events.get(title="Press question")
    client_for(coordinator).post(reverse("drill_trigger", args=[drill.pk]), {"event": event.pk})
    inject = drill.injects.get(event=event)
    assert inject.delivered_at is not None
    assert "Press question" in client_for(risk_staff).get(reverse("drill_console", args=[drill.pk])).content.decode()


def test_paused_drill_says_so_to_players(drill, coordinator, cs_staff):
    _start_and_deliver(drill, coordinator)
    client_for(coordinator).post(reverse("drill_control", args=[drill.pk, "pause"]))
    body = client_for(cs_staff).get(reverse("drill_console", args=[drill.pk])).content.decode()
    assert "pause-notice" in body


def test_coordinator_sees_the_escalation_ladder_of_an_inject(drill, coordinator):
    _start_and_deliver(drill, coordinator)
    inject = drill.injects.get(department__code="cs")
    body = client_for(coordinator).get(reverse("inject_detail", args=[inject.pk])).content.decode()
    assert "Risk Management" in body and "armed" in body


def test_staff_logs_a_decision_then_resolves_from_the_inbox(drill, coordinator, cs_staff):
    _start_and_deliver(drill, coordinator)
    inject = drill.injects.get(department__code="cs")
    client = client_for(cs_staff)
    client.post(
        reverse("inject_respond", args=[inject.pk, "action"]),
        {"text": "Refund approved", "is_decision": "on", "next": "inject"},
    )
    client.post(reverse("inject_respond", args=[inject.pk, "resolve"]))
    inject.refresh_from_db()
    assert inject.status == InjectStatus.RESOLVED and inject.first_action_at is not None
    assert drill.timeline.filter(kind=EntryKind.DECISION, text="Refund approved").exists()


def test_acting_on_an_inject_of_a_finished_drill_is_refused_with_a_message(drill, coordinator, cs_staff):
    _start_and_deliver(drill, coordinator)
    inject = drill.injects.get(department__code="cs")
    client_for(coordinator).post(reverse("drill_control", args=[drill.pk, "finish"]))
    response = client_for(cs_staff).post(reverse("inject_respond", args=[inject.pk, "acknowledge"]), follow=True)
    assert response.status_code == 200
    inject.refresh_from_db()
    assert inject.acknowledged_at is None


def test_staff_dashboard_counts_what_waits_for_their_department(drill, coordinator, cs_staff, risk_staff):
    _start_and_deliver(drill, coordinator)
    assert "1 waiting for you" in client_for(cs_staff).get(reverse("home")).content.decode()
    assert "waiting for you" not in client_for(risk_staff).get(reverse("home")).content.decode()
