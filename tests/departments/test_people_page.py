"""The People page: coordinators list, add and deactivate the staff and observers of their
organisation; the new account's set-password link is shown once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

from drillops.departments.models import Membership, Role

from ..api.world import World
from ..factories import MembershipFactory, UserFactory


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_coordinators_have_the_people_link_and_page(world: World) -> None:
    coordinator = browser(world.users["coordinator"])
    page = coordinator.get("/people/").content.decode()
    assert 'href="/people/"' in page
    for username in ("coord", "cs1", "risk1", "obs1", "obs2"):
        assert f"<td>{username}</td>" in page
    assert "othercoord" not in page
    staff = browser(world.users["staff_target"])
    assert 'href="/people/"' not in staff.get("/").content.decode()
    assert staff.get("/people/").status_code == 404


def test_coordinator_adds_a_staff_member_and_sees_the_link_once(world: World) -> None:
    client = browser(world.users["coordinator"])
    body = {"username": "legal1", "email": "legal1@example.test", "role": "staff", "departments": [world.cs.pk]}
    answer = client.post(f"/people/?organisation={world.org.pk}", body)
    assert answer.status_code == 302
    shown = client.get(answer["Location"]).content.decode()
    assert "/accounts/set-password/" in shown and "legal1@example.test" in shown
    assert "/accounts/set-password/" not in client.get(answer["Location"]).content.decode()
    user = get_user_model().objects.get(username="legal1")
    assert not user.has_usable_password()
    assert list(Membership.objects.filter(user=user).values_list("role", "department")) == [("staff", world.cs.pk)]


def test_the_add_form_shows_what_is_wrong_and_adds_nobody(world: World) -> None:
    client = browser(world.users["coordinator"])
    for body in (
        {"username": "nodept", "role": "staff"},
        {"username": "CS1", "role": "observer"},
        {"username": "x", "role": "coordinator"},
        {"username": "a b", "role": "observer"},
    ):
        answer = client.post("/people/", body)
        assert answer.status_code == 200 and 'class="errorlist"' in answer.content.decode(), body
    assert not get_user_model().objects.filter(username__in=["nodept", "x", "a b"]).exists()


def test_coordinator_deactivates_and_reactivates_staff(world: World) -> None:
    client = browser(world.users["coordinator"])
    staff = world.users["staff_target"]
    assert client.post(f"/people/{staff.pk}/deactivate/").status_code == 302
    staff.refresh_from_db()
    assert not staff.is_active
    client.post(f"/people/{staff.pk}/reactivate/")
    staff.refresh_from_db()
    assert staff.is_active


def test_a_refused_change_on_the_page_says_why_and_changes_nothing(world: World) -> None:
    other: Any = UserFactory(username="coord2")
    MembershipFactory(user=other, organisation=world.org, role=Role.COORDINATOR)
    client = browser(world.users["coordinator"])
    page = client.get("/people/").content.decode()
    assert f"/people/{other.pk}/deactivate/" not in page
    answer = client.post(f"/people/{other.pk}/deactivate/", follow=True)
    assert "administrator" in answer.content.decode()
    other.refresh_from_db()
    assert other.is_active


def test_a_new_link_from_the_page_is_shown_once(world: World) -> None:
    client = browser(world.users["coordinator"])
    observer = world.users["observer_uninvited"]
    answer = client.post(f"/people/{observer.pk}/link/", follow=True)
    assert "/accounts/set-password/" in answer.content.decode()
    assert client.post(f"/people/{observer.pk}/unknown/").status_code == 404
