"""Login abuse is refused at every door: a (username, address) pair locks after 10 failures (403),
an address is throttled after 100 failures in an hour (429 with Retry-After), other users from
the same address still log in, and administrators see and lift locks in the admin."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from drillops.core.models import AuditEntry
from drillops.departments import login_guard
from drillops.departments.models import Role
from drillops.departments.selectors import forget_memberships

from ..api.world import World
from ..factories import MembershipFactory, UserFactory

TOKEN = "/api/v1/auth/token/"
OTHER_ADDRESS = "10.9.8.7"


def token(username: str, password: str, address: str = "127.0.0.1") -> Any:
    return APIClient(REMOTE_ADDR=address).post(TOKEN, {"username": username, "password": password}, format="json")


def page_login(username: str, password: str, path: str = "/accounts/login/") -> Any:
    return Client().post(path, {"username": username, "password": password})


def lock(username: str) -> None:
    for _ in range(10):
        token(username, "wrong")


def test_ten_wrong_passwords_lock_the_pair_then_even_the_right_one_is_refused(world: World) -> None:
    answers = [token("coord", f"wrong-{n}") for n in range(10)]
    assert [a.status_code for a in answers] == [400] * 9 + [403]
    assert "locked" in answers[-1].json()["detail"] and "administrator" in answers[-1].json()["detail"]
    refused = token("coord", "pw-coord")
    assert refused.status_code == 403 and "token" not in refused.json()
    assert "15 minutes" in refused.json()["detail"]
    assert AccessAttempt.objects.get(username="coord").failures_since_start == 10


def test_the_login_page_and_the_admin_login_share_the_lock(world: World) -> None:
    for _ in range(5):
        assert page_login("root", "wrong").status_code == 200  # the form again, with its error
    for _ in range(4):
        assert page_login("root", "wrong", "/admin/login/").status_code == 200
    locked = page_login("root", "wrong", "/admin/login/")
    assert locked.status_code == 403 and "locked" in locked.content.decode()
    for path in ("/accounts/login/", "/admin/login/"):
        answer = page_login("root", "pw-root", path)
        assert answer.status_code == 403 and "_auth_user_id" not in answer.client.session, path
    assert token("root", "pw-root").status_code == 403


def test_another_user_from_the_same_address_logs_in_while_the_pair_is_locked(world: World) -> None:
    lock("coord")
    assert token("coord", "pw-coord").status_code == 403
    assert token("cs1", "pw-cs1").status_code == 200
    assert page_login("cs1", "pw-cs1").status_code == 302


def test_the_same_username_from_another_address_is_not_locked(world: World) -> None:
    lock("coord")
    assert token("coord", "pw-coord", OTHER_ADDRESS).status_code == 200


def test_the_lock_ends_after_the_cool_off(world: World) -> None:
    lock("coord")
    assert token("coord", "pw-coord").status_code == 403
    AccessAttempt.objects.filter(username="coord").update(
        attempt_time=AccessAttempt.objects.get(username="coord").attempt_time - timedelta(minutes=15, seconds=1)
    )
    assert token("coord", "pw-coord").status_code == 200


def test_a_success_forgets_the_pairs_failures(world: World) -> None:
    for _ in range(9):
        token("coord", "wrong")
    assert token("coord", "pw-coord").status_code == 200
    assert [token("coord", "wrong").status_code for _ in range(9)] == [400] * 9


def test_lock_message_is_translated(world: World) -> None:
    lock("coord")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    answer = client.post("/accounts/login/", {"username": "coord", "password": "pw-coord"})
    assert answer.status_code == 403 and "管理员" in answer.content.decode()


def hundred_failures(address: str = "127.0.0.1") -> None:
    # A hundred usernames, one failure each: no pair comes near its lock, the address does.
    for n in range(100):
        assert token(f"guess{n}", "wrong", address).status_code == 400, n


def test_a_hundred_failures_from_one_address_throttle_it_with_retry_after(world: World) -> None:
    started = time.monotonic()
    hundred_failures()
    throttled = token("cs1", "pw-cs1")
    took = time.monotonic() - started  # the first failure ages while the others are made
    assert throttled.status_code == 429 and "token" not in throttled.json()
    assert 3600 - took - 1 <= int(throttled["Retry-After"]) <= 3600
    assert "address" in throttled.json()["detail"]
    page = page_login("cs1", "pw-cs1")
    assert page.status_code == 429 and page["Retry-After"] and "_auth_user_id" not in page.client.session
    assert token("cs1", "pw-cs1", OTHER_ADDRESS).status_code == 200


def test_throttled_attempts_write_nothing_and_do_not_extend_the_wait(world: World) -> None:
    hundred_failures()
    attempts = AccessAttempt.objects.count()
    waits = [int(token("coord", "wrong")["Retry-After"]) for _ in range(5)]
    assert AccessAttempt.objects.count() == attempts
    assert max(waits) <= 3600 and waits == sorted(waits, reverse=True)


def test_the_throttle_lifts_when_the_hour_has_passed(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    start = login_guard.clock()
    hundred_failures()
    assert token("cs1", "pw-cs1").status_code == 429
    monkeypatch.setattr(login_guard, "clock", lambda: start + 3601)
    assert token("cs1", "pw-cs1").status_code == 200


def test_the_address_behind_trusted_proxies_is_the_one_they_saw(settings: Any) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.TRUSTED_PROXY_COUNT = 0
    assert login_guard.client_address(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert login_guard.client_address(request) == "203.0.113.9"  # what the client wrote first is ignored


def test_administrator_sees_the_lock_and_lifts_it(world: World) -> None:
    lock("coord")
    admin = Client()
    admin.force_login(world.users["superuser"])
    listing = admin.get("/admin/departments/loginlock/").content.decode()
    assert "coord" in listing and "locked until" in listing
    attempt = AccessAttempt.objects.get(username="coord")
    answer = admin.post(
        "/admin/departments/loginlock/", {"action": "lift", "_selected_action": [attempt.pk]}, follow=True
    )
    assert answer.status_code == 200 and not AccessAttempt.objects.filter(username="coord").exists()
    entry = AuditEntry.objects.get(action="login.lock_lift")
    assert entry.data["username"] == "coord" and entry.actor == world.users["superuser"]
    assert entry.organisation_id == world.org.pk
    assert token("coord", "pw-coord").status_code == 200


def test_an_organisation_administrator_sees_only_their_members_locks(world: World) -> None:
    staff_admin: Any = UserFactory(username="orgadmin", is_staff=True)
    MembershipFactory(user=staff_admin, organisation=world.org, role=Role.COORDINATOR)
    staff_admin.user_permissions.add(*Permission.objects.filter(codename__in=["view_loginlock", "delete_loginlock"]))
    forget_memberships(staff_admin)
    lock("coord")
    lock("othercoord")
    admin = Client()
    admin.force_login(staff_admin)
    listing = admin.get("/admin/departments/loginlock/").content.decode()
    assert "coord" in listing and "othercoord" not in listing
