"""A new account has no usable password until its owner follows the one-time set-password link:
the link is e-mailed and shown once to its creator, works once, and dies after 72 hours."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from drillops.core.models import AuditEntry
from drillops.departments import accounts

from ..api.world import World

Clients = Callable[[str], APIClient]
NEW_PASSWORD = "a-long-Secret-42"


def create(client: APIClient, **body: Any) -> Any:
    answer = client.post("/api/v1/users/", {"username": "newbie", "role": "observer", **body}, format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()


def follow(link: str, password: str = NEW_PASSWORD) -> Any:
    """Opens the link as its owner would and chooses a password; returns the final answer."""
    client = Client()
    opened = client.get(urlparse(link).path)
    if opened.status_code != 302:
        return opened
    return client.post(opened["Location"], {"new_password1": password, "new_password2": password})


def token(password: str = NEW_PASSWORD) -> int:
    answer = APIClient().post("/api/v1/auth/token/", {"username": "newbie", "password": password}, format="json")
    return int(answer.status_code)


def test_new_account_has_no_usable_password_until_the_link_is_used(world: World, client_as: Clients) -> None:
    shown = create(client_as("coordinator"))
    user = get_user_model().objects.get(username="newbie")
    assert not user.has_usable_password() and shown["password_set"] is False
    assert token("") == 400 and token("!") == 400
    done = follow(shown["set_password_link"])
    assert done.status_code == 302 and done["Location"] == "/accounts/set-password/done/"
    assert token() == 200
    entry = AuditEntry.objects.get(action="user.password_set")
    assert entry.actor == user and entry.organisation_id == world.org.pk


def test_the_link_works_once(world: World, client_as: Clients) -> None:
    link = create(client_as("coordinator"))["set_password_link"]
    assert follow(link).status_code == 302
    again = follow(link, "another-Secret-43")
    assert again.status_code == 200 and "cannot be used" in again.content.decode()
    assert token() == 200 and token("another-Secret-43") == 400


def _clock_at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(accounts.account_links, "_now", lambda: moment)


def test_the_link_dies_after_72_hours(world: World, client_as: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    made = datetime.now()
    _clock_at(monkeypatch, made)
    shown = create(client_as("coordinator"))
    expires = datetime.fromisoformat(shown["set_password_link_expires_at"].replace("Z", "+00:00"))
    assert timedelta(hours=71, minutes=59) < expires - datetime.now(expires.tzinfo) <= timedelta(hours=72)
    _clock_at(monkeypatch, made + timedelta(hours=72, seconds=1))
    late = follow(shown["set_password_link"])
    assert late.status_code == 200 and "cannot be used" in late.content.decode()
    _clock_at(monkeypatch, made + timedelta(hours=71, minutes=59))
    assert follow(shown["set_password_link"]).status_code == 302 and token() == 200


def test_the_link_is_mailed_to_the_new_account_without_exercise_marking(
    world: World, client_as: Clients, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        shown = create(client_as("coordinator"), email="newbie@example.test")
    (message,) = mail.outbox
    assert message.to == ["newbie@example.test"] and shown["set_password_link"] in message.body
    assert "EXERCISE" not in message.subject and "newbie" in message.body


def test_the_link_dies_when_the_account_is_deactivated(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    shown = create(client)
    assert client.patch(f"/api/v1/users/{shown['id']}/", {"is_active": False}, format="json").status_code == 200
    assert "cannot be used" in follow(shown["set_password_link"]).content.decode()


def test_a_new_link_replaces_one_never_used(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    shown = create(client)
    renewed = client.post(f"/api/v1/users/{shown['id']}/set-password-link/")
    assert renewed.status_code == 201
    assert "cannot be used" in follow(shown["set_password_link"]).content.decode()
    assert follow(renewed.json()["set_password_link"]).status_code == 302 and token() == 200
    assert AuditEntry.objects.filter(action="user.link", object_id=shown["id"]).count() == 1


def test_a_weak_password_is_refused_on_the_link_page(world: World, client_as: Clients) -> None:
    link = create(client_as("coordinator"))["set_password_link"]
    answer = follow(link, "123")
    assert answer.status_code == 200 and "errorlist" in answer.content.decode()
    assert not get_user_model().objects.get(username="newbie").has_usable_password()


def test_everyone_changes_their_own_password(world: World) -> None:
    client = Client()
    staff = world.users["staff_target"]
    client.force_login(staff)
    body = {"old_password": "pw-cs1", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    answer = client.post("/accounts/password/", body)
    assert answer.status_code == 302 and answer["Location"] == "/accounts/password/done/"
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(action="user.password_change", actor=staff).exists()
    wrong_old = client.post("/accounts/password/", {**body, "old_password": "pw-cs1"})
    assert wrong_old.status_code == 200
