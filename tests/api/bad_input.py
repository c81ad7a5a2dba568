"""The harness of the bad-input tests: bad input answers 400 with field messages, changes nothing.

Each case runs against the same world inside a rolled-back transaction; before it is rolled back
the test checks that no row anywhere was added, removed or touched and no audit entry written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import models, transaction
from django.db.models import F
from django.db.models.functions import Cast
from rest_framework.test import APIClient

from .world import World, build_world

LONG_TITLE = "t" * 201
LONG_TEXT = "x" * 10_001
HUGE = 2**70


@dataclass
class Bad:
    label: str
    url: Callable[[Any], str]
    body: Callable[[Any], Any] | str | None
    status: int = 400
    fields: tuple[str, ...] = ()
    role: str = "coordinator"
    method: str = "post"


def event_url(w: Any) -> str:
    return f"/api/v1/scenarios/{w.draft.pk}/events/"


def draft_event_url(w: Any) -> str:
    return f"/api/v1/scenarios/{w.draft.pk}/events/{w.draft_event.pk}/"


def event(w: Any, **changes: Any) -> dict[str, Any]:
    body = {"title": "Call", "body": "Refund", "offset_seconds": 0, "departments": [w.cs.pk]}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def step(w: Any, **changes: Any) -> dict[str, Any]:
    return event(w, escalations=[{"after_seconds": 60, "department": w.risk.pk, **changes}])


def drills(w: Any) -> str:
    return "/api/v1/drills/"


def drill_sub(path: str) -> Callable[[Any], str]:
    return lambda w: f"/api/v1/drills/{w.drill.pk}/{path}"


def inject_sub(path: str) -> Callable[[Any], str]:
    return lambda w: f"/api/v1/injects/{w.inject.pk}/{path}"


def obs_url(w: Any) -> str:
    return f"/api/v1/drills/{w.drill.pk}/observations/"


def fingerprint() -> dict[str, tuple[Any, ...]]:
    """Row count, highest id and latest change of every table of the project and of auth."""
    prints = {}
    for model in apps.get_models():
        if model._meta.app_label not in {"core", "departments", "scenarios", "timelines", "reports", "auth"}:
            continue
        # PostgreSQL has no max() of UUIDs (anonymous answers have random ids): compare them as text.
        top = Cast("pk", models.TextField()) if isinstance(model._meta.pk, models.UUIDField) else F("pk")
        aggregates: dict[str, Any] = {"n": models.Count("pk"), "top": models.Max(top)}
        if any(f.name == "updated_at" for f in model._meta.fields):
            aggregates["changed"] = models.Max("updated_at")
        prints[model._meta.label] = tuple(model.objects.aggregate(**aggregates).values())
    return prints


def send(world: World, case: Bad) -> tuple[int, Any, list[str]]:
    with transaction.atomic():
        client = APIClient()
        user = world.users[case.role]
        if user is not None:
            client.force_login(user)
        before = fingerprint()
        url = case.url(world)
        if case.body is None:
            response = getattr(client, case.method)(url)
        else:
            raw = case.body if isinstance(case.body, str) else json.dumps(case.body(world))
            response = client.generic(case.method.upper(), url, raw, content_type="application/json")
        after = fingerprint()
        transaction.set_rollback(True)
    changed = [label for label in before if before[label] != after[label]]
    try:
        body = response.json()
    except ValueError:
        body = None
    return response.status_code, body, changed


@pytest.fixture(scope="module")
def bad_world(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """One world for every case, since each case is rolled back; dropped at the end of the module."""
    from django.contrib.auth.hashers import make_password  # noqa: F401  - hashers load before the world

    with django_db_blocker.unblock(), transaction.atomic():
        from django.test import override_settings

        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            world = build_world()
        yield world
        transaction.set_rollback(True)


def check(world: World, case: Bad, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        status, body, changed = send(world, case)
    assert status == case.status, f"{case.label}: {status} {body}"
    assert not changed, f"{case.label} changed {changed}"
    if case.status == 400 and case.fields:
        # {"field": ["message"]}; a list field names the bad item: {"field": {"0": ["message"]}}.
        assert isinstance(body, dict) and all(isinstance(body.get(f), list | dict) and body[f] for f in case.fields), (
            body
        )
    elif case.status == 400:
        assert isinstance(body, dict) and body, body
