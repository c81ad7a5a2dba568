"""A drill stopped for a real-world reason says so, with the reason, on every page of everyone on
it (DESIGN.md, "Exercise safety"), and to no one else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from drillops.timelines import services
from drillops.timelines.models import Drill
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db
REASON = "Real typhoon warning: everyone to the real incident room"


def _stopped(drill: Drill, coordinator) -> Drill:
    services.drill_start(drill=drill, by=coordinator)
    return services.drill_stop(drill=drill, by=coordinator, reason=REASON)


def test_a_stopped_drill_shows_its_reason_on_every_page_of_its_people(drill, coordinator, cs_staff, observer):
    stopped = _stopped(drill, coordinator)
    for user, path in (
        (coordinator, reverse("scenario_list")),
        (coordinator, reverse("home")),
        (cs_staff, reverse("home")),
        (cs_staff, reverse("password_change")),
        (observer, reverse("home")),
    ):
        body = client_for(user).get(path).content.decode()
        assert f'data-stopped-drill="{stopped.pk}"' in body and REASON in body, (user, path)
        assert reverse("drill_console", args=[stopped.pk]) in body


def test_the_stop_is_not_shown_to_others_nor_long_after(drill, coordinator, org):
    stopped = _stopped(drill, coordinator)
    outsider = MembershipFactory(organisation=OrganisationFactory(slug="other"), role="coordinator").user
    uninvited = MembershipFactory(organisation=org, role="observer", user=UserFactory(username="obs-x")).user
    for user in (outsider, uninvited):
        assert REASON not in client_for(user).get(reverse("home")).content.decode()
    Drill.objects.filter(pk=stopped.pk).update(ended_at=timezone.now() - timedelta(days=1))
    assert REASON not in client_for(coordinator).get(reverse("scenario_list")).content.decode()


def test_a_finished_drill_shows_no_stop_banner(drill, coordinator):
    services.drill_start(drill=drill, by=coordinator)
    services.drill_finish(drill=drill, by=coordinator)
    assert "data-stopped-drill" not in client_for(coordinator).get(reverse("home")).content.decode()
