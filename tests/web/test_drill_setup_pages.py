"""Setting up a drill in the pages: the New drill page (a chosen version, a start in the
organisation's time zone, the timing preview), the setup page (roster, attendance, the check before
the start) and the start button that names who would receive nothing."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from drillops.scenarios.models import VersionStatus
from drillops.timelines.models import Drill, DrillState, RosterEntry, SeatRole
from tests.factories import ScenarioVersionFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    """The page as a reader sees it: tags out, spaces folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


def _new(scenario, **changes):
    form = {
        "scenario": scenario.pk,
        "name": "Q1 joint drill",
        "version": scenario.versions.get(number=1).pk,
        "start": "manual",
        "scheduled_start": "",
        "time_scale": "1",
    }
    return {**form, **changes}


def test_dashboard_and_scenario_page_lead_to_the_new_drill_page(drill, coordinator):
    client = client_for(coordinator)
    assert reverse("drill_new") in client.get(reverse("home")).content.decode()
    scenario = drill.scenario_version.scenario
    detail = client.get(reverse("scenario_detail", args=[scenario.pk])).content.decode()
    assert f"{reverse('drill_new')}?scenario={scenario.pk}&amp;version={drill.scenario_version_id}" in detail
    chooser = client.get(reverse("drill_new"))
    assert chooser.status_code == 200 and f"?scenario={scenario.pk}" in chooser.content.decode()
    page = client.get(reverse("drill_new"), {"scenario": scenario.pk})
    assert page.status_code == 200 and 'id="timing-preview"' in page.content.decode()


def test_new_drill_runs_the_chosen_version_from_a_start_in_the_organisations_time(drill, coordinator):
    scenario = drill.scenario_version.scenario
    ScenarioVersionFactory(scenario=scenario, number=2, status=VersionStatus.APPROVED)
    answer = client_for(coordinator).post(
        reverse("drill_new"), _new(scenario, start="at", scheduled_start="2030-03-04T09:00", time_scale="20")
    )
    made = Drill.objects.get(name="Q1 joint drill")
    assert answer.status_code == 302 and answer["Location"] == reverse("drill_setup", args=[made.pk])
    assert made.scenario_version.number == 1 and made.time_scale == 20
    assert made.scheduled_start == datetime(2030, 3, 4, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert made.state == DrillState.SCHEDULED


def test_new_drill_refuses_a_version_that_is_not_approved(drill, coordinator):
    scenario = drill.scenario_version.scenario
    draft = ScenarioVersionFactory(scenario=scenario, number=2, status=VersionStatus.DRAFT)
    before = Drill.objects.count()
    answer = client_for(coordinator).post(reverse("drill_new"), _new(scenario, version=draft.pk))
    assert answer.status_code == 400 and "Select a valid choice" in answer.content.decode()
    missing_time = client_for(coordinator).post(reverse("drill_new"), _new(scenario, start="at"))
    assert missing_time.status_code == 400 and "Give the date and time of the start." in missing_time.content.decode()
    assert Drill.objects.count() == before


def test_new_drill_of_another_organisations_scenario_is_not_found(drill):
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    other = MembershipFactory(
        organisation=OrganisationFactory(slug="other"), role="coordinator", user=UserFactory(username="other")
    ).user
    scenario = drill.scenario_version.scenario
    assert client_for(other).get(reverse("drill_new"), {"scenario": scenario.pk}).status_code == 404
    assert client_for(other).post(reverse("drill_new"), _new(scenario)).status_code == 404


def test_start_now_with_a_department_nobody_receives_asks_first(drill, coordinator, cs_staff):
    scenario = drill.scenario_version.scenario
    answer = client_for(coordinator).post(reverse("drill_new"), _new(scenario, start="now"), follow=True)
    made = Drill.objects.get(name="Q1 joint drill")
    assert made.state == DrillState.SCHEDULED
    page = _text(answer)
    assert "Drill created but not started: nobody receives the injects of Risk Management." in page
    assert "Start anyway" in page


def test_start_now_with_every_department_covered_starts_at_once(drill, coordinator, cs_staff, risk_staff):
    answer = client_for(coordinator).post(reverse("drill_new"), _new(drill.scenario_version.scenario, start="now"))
    made = Drill.objects.get(name="Q1 joint drill")
    assert answer["Location"] == reverse("drill_console", args=[made.pk]) and made.state == DrillState.RUNNING


def test_preview_gives_the_end_and_the_shortened_deadlines_at_60x(drill, coordinator):
    query = {
        "version": drill.scenario_version_id,
        "time_scale": "60",
        "start": "at",
        "scheduled_start": "2030-03-04T09:00",
    }
    text = _text(client_for(coordinator).get(reverse("drill_preview"), query))
    # Events at T+0 and T+1:00:00; at 60x the hour plays in 60 s: 09:00 -> 09:01:00.
    assert "Starts 2030-03-04 09:00, ends at 09:01:00" in text
    assert "The scenario's 09:00–10:00 (1 h of scenario time) plays in 1 min at ×60." in text
    assert "2 deadlines become shorter than 30 real seconds:" in text
    assert (
        "#1 First complaint call · response deadline: 5 min → 5 s; escalation 1 after the deadline: 5 min → 5 s"
    ) in text
    manual = _text(client_for(coordinator).get(reverse("drill_preview"), {**query, "start": "manual"}))
    assert "Ends 1 min after you start it" in manual


def test_preview_says_what_is_wrong_with_the_time_scale(drill, coordinator, observer):
    client = client_for(coordinator)
    bad = client.get(reverse("drill_preview"), {"version": drill.scenario_version_id, "time_scale": "0"})
    assert bad.status_code == 200 and "Give a time scale more than 0 and at most 3600." in _text(bad)
    assert client.get(reverse("drill_preview"), {"time_scale": "1"}).status_code == 400
    hidden = client_for(observer).get(reverse("drill_preview"), {"version": drill.scenario_version_id})
    assert hidden.status_code == 404


def test_setup_page_lists_the_department_without_a_player(drill, coordinator, cs_staff, observer):
    page = client_for(coordinator).get(reverse("drill_setup", args=[drill.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    risk_row = re.search(r'<tr class="overdue" data-department="risk">(.*?)</tr>', html, re.S)
    assert risk_row and "nobody" in risk_row.group(1)
    assert re.search(r'<tr data-department="cs">.*?cs1.*?</tr>', html, re.S)
    assert (
        "Start anyway" in html and client_for(observer).get(reverse("drill_setup", args=[drill.pk])).status_code == 404
    )
    console = client_for(coordinator).get(reverse("drill_console", args=[drill.pk])).content.decode()
    assert reverse("drill_setup", args=[drill.pk]) in console and "Start anyway" in console


def test_start_needs_confirming_every_department_that_nobody_receives(drill, coordinator, cs):
    start = reverse("drill_control", args=[drill.pk, "start"])
    client = client_for(coordinator)
    refused = client.post(start, follow=True)
    assert "Not started: nobody receives the injects of" in _text(refused)
    client.post(start, {"confirm_missing": str(cs.pk)})  # risk was not confirmed
    assert Drill.objects.get(pk=drill.pk).state == DrillState.SCHEDULED
    missing = re.search(r'name="confirm_missing" value="([\d,]*)"', refused.content.decode())
    assert missing
    client.post(start, {"confirm_missing": missing.group(1)})
    assert Drill.objects.get(pk=drill.pk).state == DrillState.RUNNING


def test_roster_add_attended_and_remove_from_the_setup_page(drill, coordinator, risk, risk_staff):
    client = client_for(coordinator)
    add = reverse("drill_roster_add", args=[drill.pk])
    answer = client.post(add, {"user": risk_staff.pk, "role": "deputy", "department": risk.pk, "seat": "Night desk"})
    assert answer.status_code == 302
    entry = RosterEntry.objects.get(drill=drill, user=risk_staff)
    assert (entry.role, entry.department_id, entry.seat) == (SeatRole.DEPUTY, risk.pk, "Night desk")

    tick = reverse("drill_roster_entry", args=[drill.pk, entry.pk, "attended"])
    box = client.post(tick, {"attended": "on"}, HTTP_HX_REQUEST="true")
    assert box.status_code == 200 and "checked" in box.content.decode()
    assert RosterEntry.objects.get(pk=entry.pk).attended
    client.post(tick, {})
    assert not RosterEntry.objects.get(pk=entry.pk).attended

    refused = client.post(add, {"user": risk_staff.pk, "role": "player"}, follow=True)
    assert "A player or deputy sits for a department: choose one." in _text(refused)
    client.post(reverse("drill_roster_entry", args=[drill.pk, entry.pk, "remove"]))
    assert not RosterEntry.objects.filter(pk=entry.pk).exists()
    assert client.post(reverse("drill_roster_entry", args=[drill.pk, entry.pk, "remove"])).status_code == 404


def test_invitation_made_on_the_setup_page_shows_its_link(drill, coordinator):
    client = client_for(coordinator)
    made = client.post(
        reverse("drill_invitation_new", args=[drill.pk]),
        {"label": "Regulator", "valid_days": "3", "max_uses": "2", "email_domain": "regulator.example"},
        follow=True,
    )
    invitation = drill.invitations.get()
    assert (invitation.label, invitation.max_uses, invitation.email_domain) == ("Regulator", 2, "regulator.example")
    assert f"http://testserver{reverse('invite', args=[invitation.token])}" in made.content.decode()
    bad = client.post(reverse("drill_invitation_new", args=[drill.pk]), {"valid_days": "400"}, follow=True)
    assert drill.invitations.count() == 1 and "Valid for (days)" in _text(bad)
