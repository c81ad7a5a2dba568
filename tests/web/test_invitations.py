"""Observer invitation links: an outside expert joins one drill as an observer, with an account or
by setting one up that opens once its e-mail address is confirmed. Expired, revoked, used-up and
tampered links admit nobody; sign-ups are throttled per address; someone not on a drill's roster
is told how to get on it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from drillops.core.models import AuditEntry
from drillops.departments.models import Membership
from drillops.timelines import services
from drillops.timelines.models import Drill, ObserverInvitation, RosterEntry, SeatRole, sign_token
from drillops.timelines.models.invitation import TOKEN_SALT
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db
PASSWORD = "Observe-the-drill-42"


def _invite(drill: Drill, by: Any, **options: Any) -> ObserverInvitation:
    return services.invitation_create(drill=drill, by=by, expires_at=timezone.now() + timedelta(days=7), **options)


def _url(invitation: ObserverInvitation) -> str:
    return reverse("invite", args=[invitation.token])


def _signup(client: Client, invitation: ObserverInvitation, capture: Any, **changes: str) -> Any:
    form = {"username": "dr-wang", "email": "wang@uni.example", "password": PASSWORD, "password_again": PASSWORD}
    with capture(execute=True):
        return client.post(_url(invitation), {**form, **changes})


def _confirmation_path() -> str:
    (message,) = mail.outbox
    found = re.search(r"https?://testserver(/invite/confirm/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_new_account_is_confirmed_by_email_then_observes_that_drill_only(
    drill, coordinator, django_capture_on_commit_callbacks
):
    invitation = _invite(drill, coordinator, label="Regulator's expert")
    client = Client()
    page = client.get(_url(invitation))
    assert page.status_code == 200 and "Web drill" in page.content.decode()

    answer = _signup(client, invitation, django_capture_on_commit_callbacks)
    assert answer.status_code == 200 and "wang@uni.example" in answer.content.decode()
    user = get_user_model().objects.get(username="dr-wang")
    assert not user.is_active and user.check_password(PASSWORD)
    assert not drill.roster.filter(user=user).exists()
    assert ObserverInvitation.objects.get(pk=invitation.pk).uses == 0  # nothing counts before the confirmation
    assert "EXERCISE / 演练" in mail.outbox[0].subject and mail.outbox[0].to == ["wang@uni.example"]
    refused = client.post(reverse("login"), {"username": "dr-wang", "password": PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session

    path = _confirmation_path()
    assert client.get(path).status_code == 200  # a button: a mail scanner's GET opens nothing
    assert not get_user_model().objects.get(pk=user.pk).is_active
    confirmed = client.post(path)
    assert confirmed.status_code == 302 and confirmed["Location"] == reverse("drill_console", args=[drill.pk])

    entry = RosterEntry.objects.get(drill=drill, user=user)
    assert (entry.role, entry.department_id, entry.invitation_id) == (SeatRole.OBSERVER, None, invitation.pk)
    assert get_user_model().objects.get(pk=user.pk).is_active
    assert not Membership.objects.filter(user=user).exists()  # no organisation: one drill, observer only
    assert ObserverInvitation.objects.get(pk=invitation.pk).uses == 1
    console = client.get(reverse("drill_console", args=[drill.pk])).content.decode()
    assert "Observer view (read-only)" in console
    other = services.drill_create(scenario=drill.scenario_version.scenario, name="Another drill", by=coordinator)
    assert client.get(reverse("drill_console", args=[other.pk])).status_code == 404
    assert "Another drill" not in client.get(reverse("home")).content.decode()

    client.post(path)  # a second click: no second seat, no second use
    assert ObserverInvitation.objects.get(pk=invitation.pk).uses == 1
    actions = set(AuditEntry.objects.filter(drill_id=drill.pk).values_list("action", flat=True))
    assert {"drill.invitation_create", "drill.invitation_signup", "drill.invitation_confirm"} <= actions


def test_domain_limit_refuses_another_address_and_admits_a_confirmed_one(
    drill, coordinator, django_capture_on_commit_callbacks
):
    invitation = _invite(drill, coordinator, email_domain="@Regulator.Example")
    assert invitation.email_domain == "regulator.example"
    client = Client()
    refused = _signup(client, invitation, django_capture_on_commit_callbacks, email="wang@gmail.example")
    assert refused.status_code == 400 and "regulator.example" in refused.content.decode()
    assert not get_user_model().objects.filter(username="dr-wang").exists() and not mail.outbox

    _signup(client, invitation, django_capture_on_commit_callbacks, email="Wang@Regulator.example")
    assert client.post(_confirmation_path()).status_code == 302
    assert drill.roster.filter(user__username="dr-wang", role=SeatRole.OBSERVER).exists()

    outsider = UserFactory(username="outsider", email="someone@gmail.example")
    refused = client_for(outsider).post(_url(invitation))
    assert refused.status_code == 403 and not drill.roster.filter(user=outsider).exists()


def test_existing_user_joins_with_one_click_once(drill, coordinator):
    invitation = _invite(drill, coordinator)
    expert = UserFactory(username="expert")  # an account of no organisation at all
    anonymous = Client().get(_url(invitation)).content.decode()
    assert f"/accounts/login/?next=%2Finvite%2F{invitation.token.replace(':', '%3A')}%2F" in anonymous

    client = client_for(expert)
    assert "Join as an observer" in client.get(_url(invitation)).content.decode()
    answer = client.post(_url(invitation))
    assert answer.status_code == 302 and answer["Location"] == reverse("drill_console", args=[drill.pk])
    assert client.post(_url(invitation)).status_code == 302
    assert RosterEntry.objects.filter(drill=drill, user=expert, invitation=invitation).count() == 1
    assert ObserverInvitation.objects.get(pk=invitation.pk).uses == 1
    assert client.get(reverse("drill_console", args=[drill.pk])).status_code == 200
    assert AuditEntry.objects.filter(action="drill.invitation_join", drill_id=drill.pk).count() == 1


def test_who_takes_part_already_is_not_seated_as_observer(drill, coordinator, cs_staff):
    invitation = _invite(drill, coordinator)
    answer = client_for(cs_staff).post(_url(invitation))
    assert answer.status_code == 302 and not drill.roster.filter(user=cs_staff).exists()
    assert ObserverInvitation.objects.get(pk=invitation.pk).uses == 0


def test_a_controller_seat_is_not_turned_into_an_observer_seat(drill, coordinator):
    invitation = _invite(drill, coordinator)
    expert = UserFactory(username="expert")
    services.roster_add(drill=drill, user=expert, role=SeatRole.CONTROLLER, by=coordinator)
    assert client_for(expert).post(_url(invitation)).status_code == 302
    assert list(drill.roster.filter(user=expert).values_list("role", flat=True)) == [SeatRole.CONTROLLER]
    assert ObserverInvitation.objects.get(pk=invitation.pk).uses == 0


def test_expired_link_admits_nobody(drill, coordinator):
    invitation = _invite(drill, coordinator)
    ObserverInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expert = UserFactory(username="expert")
    for client in (Client(), client_for(expert)):
        page = client.get(_url(invitation))
        assert page.status_code == 410 and "expired" in page.content.decode()
        assert client.post(_url(invitation)).status_code == 410
    assert not drill.roster.filter(user=expert).exists()


def test_revoked_link_stops_new_joins_and_keeps_the_joined(drill, coordinator):
    invitation = _invite(drill, coordinator)
    first, second = UserFactory(username="first"), UserFactory(username="second")
    client_for(first).post(_url(invitation))
    revoke = reverse("drill_invitation_revoke", args=[drill.pk, invitation.pk])
    assert client_for(coordinator).post(revoke).status_code == 302
    assert client_for(second).post(_url(invitation)).status_code == 410
    assert "revoked" in client_for(second).get(_url(invitation)).content.decode()
    assert drill.roster.filter(user=first).exists() and not drill.roster.filter(user=second).exists()

    setup = client_for(coordinator).get(reverse("drill_setup", args=[drill.pk])).content.decode()
    assert 'data-closed="revoked"' in setup and "Joined through it: first" in setup
    entry = drill.roster.get(user=first)
    client_for(coordinator).post(reverse("drill_roster_entry", args=[drill.pk, entry.pk, "remove"]))
    assert not drill.roster.filter(user=first).exists()
    assert client_for(first).get(reverse("drill_console", args=[drill.pk])).status_code == 404


def test_used_up_link_admits_nobody_more(drill, coordinator, django_capture_on_commit_callbacks):
    invitation = _invite(drill, coordinator, max_uses=1)
    client_for(UserFactory(username="first")).post(_url(invitation))
    late = UserFactory(username="late")
    refused = client_for(late).post(_url(invitation))
    assert refused.status_code == 410 and "as many times as it allows" in refused.content.decode()
    assert _signup(Client(), invitation, django_capture_on_commit_callbacks).status_code == 410
    assert not drill.roster.filter(user=late).exists()
    assert ObserverInvitation.objects.get(pk=invitation.pk).uses == 1


def test_a_link_cannot_be_replayed_for_another_drill(drill, coordinator):
    invitation = _invite(drill, coordinator)
    other = services.drill_create(scenario=drill.scenario_version.scenario, name="Board drill", by=coordinator)
    expert = UserFactory(username="expert")
    client = client_for(expert)
    # The signed value names the drill: edit it, and the signature no longer holds.
    value, signature = invitation.token.rsplit(":", 1)
    payload = signing.b64_decode(value.encode()).decode().replace(str(drill.pk), str(other.pk))
    edited = f"{signing.b64_encode(payload.encode()).decode()}:{signature}"
    assert client.get(reverse("invite", args=[edited])).status_code == 404
    # Even a validly signed token that names the other drill finds no invitation of it.
    forged = signing.Signer(salt=TOKEN_SALT).sign_object({"d": other.pk, "t": invitation.token_id})
    assert forged == sign_token(other.pk, invitation.token_id)
    assert client.post(reverse("invite", args=[forged])).status_code == 404
    # Signed with another purpose's salt: refused as well.
    other_salt = signing.dumps({"d": drill.pk, "t": invitation.token_id})
    assert client.get(reverse("invite", args=[other_salt])).status_code == 404
    assert not RosterEntry.objects.filter(user=expert).exists()
    client.post(_url(invitation))
    assert list(RosterEntry.objects.filter(user=expert).values_list("drill_id", flat=True)) == [drill.pk]


def test_signups_are_throttled_per_address_like_logins(drill, coordinator, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 2
    invitation = _invite(drill, coordinator)
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _attempt in range(2):
        assert client.post(_url(invitation), {"username": "x"}).status_code == 400
    throttled = client.post(_url(invitation), {"username": "x"})
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
    assert Client(REMOTE_ADDR="203.0.113.10").post(_url(invitation), {"username": "x"}).status_code == 400
    assert not get_user_model().objects.filter(username="x").exists()


def test_confirmation_link_that_is_forged_or_old_opens_nothing(drill, coordinator, django_capture_on_commit_callbacks):
    invitation = _invite(drill, coordinator)
    _signup(Client(), invitation, django_capture_on_commit_callbacks)
    path = _confirmation_path()
    assert Client().post(path[:-3] + "xx/").status_code == 400
    services.invitation_revoke(invitation=invitation, by=coordinator)
    assert Client().post(path).status_code == 410  # revoked in between: the account stays closed
    assert not get_user_model().objects.get(username="dr-wang").is_active


# --- the page of a drill one is not on ------------------------------------------------------------


def _card(response: Any) -> str:
    found = re.search(r'<div class="card login" id="not-on-roster">(.*?)</div>', response.content.decode(), re.S)
    assert found, response.content.decode()
    return found.group(1)


def test_not_on_roster_page_names_the_drill_only_inside_its_organisation(drill, org):
    member = MembershipFactory(organisation=org, role="observer", user=UserFactory(username="obs-x")).user
    inside = client_for(member).get(reverse("drill_console", args=[drill.pk]))
    assert inside.status_code == 404 and "Web drill" in _card(inside) and "ask its coordinator" in _card(inside)

    stranger = MembershipFactory(
        organisation=OrganisationFactory(slug="elsewhere"), role="coordinator", user=UserFactory(username="elsewhere")
    ).user
    outside = client_for(stranger).get(reverse("drill_console", args=[drill.pk]))
    missing = client_for(stranger).get(reverse("drill_console", args=[drill.pk + 1000]))
    assert outside.status_code == missing.status_code == 404
    assert "Web drill" not in outside.content.decode()
    assert _card(outside) == _card(missing)  # the same page whether the drill exists or not
    assert "You are not on this drill's roster; ask its coordinator for an invitation." in _card(outside)
