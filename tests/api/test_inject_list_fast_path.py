"""The inject list answers token clients from one prepared statement, before DRF's dispatch.
It must answer exactly what the regular path answers (the same path for a session login):
same status, same bytes, same headers, for every role, filter and page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from drillops.core.prepared import forget_prepared
from drillops.timelines import services as drill_services
from drillops.timelines.models import Inject

from .world import World

Clients = Callable[[str], APIClient]
ROLES = [
    "coordinator",
    "staff_target",
    "staff_other",
    "observer_invited",
    "observer_uninvited",
    "other_coordinator",
    "superuser",
]
QUERIES = [
    "",
    "?page_size=1",
    "?page_size=1&page=2",
    "?page_size=1&page=3",
    "?page=2",
    "?page=0",
    "?page=abc",
    "?page=%C2%B2",
    "?page=99999999999999999999",
    "?page_size=0",
    "?page_size=5000",
    "?status=delivered",
    "?status=resolved",
    "?status=bogus",
    "?department=abc",
    "?unknown=1&page_size=1",
]
# Everything JSON escapes, and what DRF's renderer escapes beyond that (U+2028, U+2029).
AWKWARD = 'quote " backslash \\ tab \t newline \n bell \x07 del \x7f 演练 😀 \u2028 \u2029 </script>'


def _session_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _same_answer(token_client: APIClient, session_client: APIClient, url: str) -> None:
    fast, regular = token_client.get(url), session_client.get(url)
    assert (fast.status_code, fast.content) == (regular.status_code, regular.content), url
    for header in ("Content-Type", "Allow"):
        assert fast.headers.get(header) == regular.headers.get(header), (url, header)
    # The session login varies on its cookie too; a token request never reads the session.
    assert fast.headers.get("Vary") == regular.headers.get("Vary", "").replace(", Cookie", ""), url


@pytest.mark.parametrize("role", ROLES)
def test_token_inject_list_answers_as_the_session_one_for_every_role_and_query(
    world: World, client_as: Clients, role: str
) -> None:
    by = world.users["coordinator"]
    drill_services.drill_send_adhoc(drill=world.drill, by=by, title="Press call", body=AWKWARD, departments=[world.cs])
    Inject.objects.filter(drill=world.drill, title="Press call").update(title=AWKWARD[:200])
    base = f"/api/v1/drills/{world.drill.pk}/injects/"
    token_client, session_client = client_as(role), _session_client(world.users[role])
    if role in {"coordinator", "staff_target", "observer_invited", "superuser"}:
        titles = [i["title"] for i in token_client.get(base).json()["results"]]
        assert AWKWARD[:200] in titles
    for query in [*QUERIES, f"?department={world.risk.pk}", f"?department={world.cs.pk}&status=delivered"]:
        _same_answer(token_client, session_client, base + query)
    for other in (world.scheduled, world.other_drill):
        _same_answer(token_client, session_client, f"/api/v1/drills/{other.pk}/injects/")
    _same_answer(token_client, session_client, "/api/v1/drills/999999999/injects/")


def test_token_inject_list_is_one_query(world: World, client_as: Clients) -> None:
    client = client_as("staff_target")
    url = f"/api/v1/drills/{world.drill.pk}/injects/"
    assert client.get(url).status_code == 200  # prepares the statement on this connection
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url)
    assert answer.status_code == 200
    assert [i["id"] for i in answer.json()["results"]] == [world.inject.pk]
    assert len(queries) == 1


def test_token_inject_list_prepares_again_after_the_session_forgot(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    url = f"/api/v1/drills/{world.drill.pk}/injects/"
    assert client.get(url).json()["count"] == 2
    forget_prepared()  # as after a new database session: PREPARE again, under a new bookkeeping
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert client.get(url).json()["count"] == 2


@pytest.mark.parametrize(
    "header",
    ["Token not-a-token", "Token ", "Token a b", "Bearer abc", "Token 0123456789abcdef0123456789abcdef01234567"],
)
def test_bad_token_on_inject_list_is_401(world: World, header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(f"/api/v1/drills/{world.drill.pk}/injects/").status_code == 401


def test_token_of_a_deactivated_user_is_401_on_inject_list(world: World) -> None:
    user = world.users["coordinator"]
    token, _ = Token.objects.get_or_create(user=user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"/api/v1/drills/{world.drill.pk}/injects/").status_code == 401


def test_token_inject_list_for_a_browser_is_the_browsable_page(world: World, client_as: Clients) -> None:
    answer = client_as("coordinator").get(f"/api/v1/drills/{world.drill.pk}/injects/", HTTP_ACCEPT="text/html")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/html")
