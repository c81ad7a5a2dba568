"""Fixtures of the API tests: the shared world, and clients logged in as each role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from .world import World, build_world


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    # The default hasher is slow by design; these tests make a dozen users each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def client_as(world: World) -> Callable[[str], APIClient]:
    """client_as("coordinator") -> an APIClient with that role's token (anonymous: none)."""

    def make(role: str) -> APIClient:
        from rest_framework.authtoken.models import Token

        client = APIClient()
        user = world.users[role]
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make
