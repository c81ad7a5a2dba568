"""Token and session authentication; no credentials answers 401."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from .world import World


def test_token_for_good_credentials_then_usable(world: World) -> None:
    client = APIClient()
    answer = client.post("/api/v1/auth/token/", {"username": "coord", "password": "pw-coord"}, format="json")
    assert answer.status_code == 200
    token = answer.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/drills/").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"username": "coord", "password": "wrong"},
        {"username": "nobody", "password": "x"},
        {"username": "coord"},
        {},
        {"username": ["coord"], "password": {"x": 1}},
    ],
)
def test_token_for_bad_credentials_is_400(world: World, body: dict) -> None:
    answer = APIClient().post("/api/v1/auth/token/", body, format="json")
    assert answer.status_code == 400
    assert "token" not in answer.json()


def test_inactive_user_gets_no_token(world: World) -> None:
    user = world.users["coordinator"]
    user.is_active = False
    user.save()
    answer = APIClient().post("/api/v1/auth/token/", {"username": "coord", "password": "pw-coord"}, format="json")
    assert answer.status_code == 400


@pytest.mark.parametrize(
    "path", ["/api/v1/departments/", "/api/v1/users/", "/api/v1/scenarios/", "/api/v1/drills/", "/api/v1/injects/1/"]
)
def test_no_credentials_is_401(world: World, path: str) -> None:
    assert APIClient().get(path).status_code == 401


def test_wrong_token_is_401(world: World) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/drills/").status_code == 401


def test_session_login_works_for_the_api(world: World) -> None:
    client = APIClient()
    client.force_login(world.users["staff_target"])
    assert client.get("/api/v1/drills/").status_code == 200


def test_times_are_utc_with_milliseconds_and_z(world: World, client_as: Callable[[str], APIClient]) -> None:
    data = client_as("coordinator").get(f"/api/v1/drills/{world.drill.pk}/").json()
    started = data["started_at"]
    assert started.endswith("Z") and len(started) == len("2026-11-25T09:00:00.000Z")
    assert started[19] == "."
