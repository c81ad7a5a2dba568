"""Bad input answers 400 with field messages and changes nothing; never a 500.

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
from rest_framework.test import APIClient

from .api.world import World, build_world

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


MALFORMED = [
    Bad(f"malformed JSON to {name}", url, '{"title": "x",', role=role)
    for name, url, role in [
        ("scenarios", lambda w: "/api/v1/scenarios/", "coordinator"),
        ("events", event_url, "coordinator"),
        ("drills", drills, "coordinator"),
        ("adhoc", drill_sub("injects/"), "coordinator"),
        ("messages", drill_sub("messages/"), "staff_target"),
        ("actions", inject_sub("actions/"), "staff_target"),
        ("observations", obs_url, "observer_invited"),
        ("token", lambda w: "/api/v1/auth/token/", "anonymous"),
    ]
] + [
    Bad("JSON NaN", drills, '{"scenario": 1, "name": "x", "time_scale": NaN}'),
    Bad("a list instead of an object", lambda w: "/api/v1/scenarios/", "[1, 2]"),
    Bad("a bare string", event_url, '"hello"'),
]

EVENTS = [
    Bad("event missing everything", event_url, lambda w: {}, fields=("title", "body", "offset_seconds", "departments")),
    Bad("offset not a number", event_url, lambda w: event(w, offset_seconds="soon"), fields=("offset_seconds",)),
    Bad("offset negative", event_url, lambda w: event(w, offset_seconds=-1), fields=("offset_seconds",)),
    Bad("offset fractional", event_url, lambda w: event(w, offset_seconds=1.5), fields=("offset_seconds",)),
    Bad("offset beyond the column", event_url, lambda w: event(w, offset_seconds=HUGE), fields=("offset_seconds",)),
    Bad(
        "deadline negative",
        event_url,
        lambda w: event(w, response_deadline_seconds=-5),
        fields=("response_deadline_seconds",),
    ),
    Bad("departments not a list", event_url, lambda w: event(w, departments="cs"), fields=("departments",)),
    Bad("departments empty", event_url, lambda w: event(w, departments=[]), fields=("departments",)),
    Bad("department unknown", event_url, lambda w: event(w, departments=[999_999]), fields=("departments",)),
    Bad("department id huge", event_url, lambda w: event(w, departments=[HUGE]), fields=("departments",)),
    Bad(
        "department of another org",
        event_url,
        lambda w: event(w, departments=[w.other_dept.pk]),
        fields=("departments",),
    ),
    Bad("title too long", event_url, lambda w: event(w, title=LONG_TITLE), fields=("title",)),
    Bad("title blank", event_url, lambda w: event(w, title=""), fields=("title",)),
    Bad("title with a NUL", event_url, lambda w: event(w, title="a\x00b"), fields=("title",)),
    Bad("body over the free-text cap", event_url, lambda w: event(w, body=LONG_TEXT), fields=("body",)),
    Bad(
        "expected action over the cap",
        event_url,
        lambda w: event(w, expected_action=LONG_TEXT),
        fields=("expected_action",),
    ),
    Bad("sender too long", event_url, lambda w: event(w, sender=LONG_TITLE), fields=("sender",)),
    Bad("channel unknown", event_url, lambda w: event(w, channel="pigeon"), fields=("channel",)),
    Bad("is_decision not a boolean", event_url, lambda w: event(w, is_decision="maybe"), fields=("is_decision",)),
    Bad("objective unknown", event_url, lambda w: event(w, objective=999_999), fields=("objective",)),
    Bad("objective of another version", event_url, lambda w: event(w, objective=w.objective.pk), fields=("objective",)),
    Bad("sequence taken", event_url, lambda w: event(w, sequence=w.draft_event.sequence), fields=("sequence",)),
    Bad("sequence zero", event_url, lambda w: event(w, sequence=0), fields=("sequence",)),
    Bad(
        "escalations not a list",
        event_url,
        lambda w: event(w, escalations={"after_seconds": 1}),
        fields=("escalations",),
    ),
    Bad("step not an object", event_url, lambda w: event(w, escalations=[5]), fields=("escalations",)),
    Bad("step negative", event_url, lambda w: step(w, after_seconds=-1), fields=("escalations",)),
    Bad("step after_seconds as text", event_url, lambda w: step(w, after_seconds="60"), fields=("escalations",)),
    Bad("step after_seconds fractional", event_url, lambda w: step(w, after_seconds=1.5), fields=("escalations",)),
    Bad("step after_seconds boolean", event_url, lambda w: step(w, after_seconds=True), fields=("escalations",)),
    Bad(
        "step without after_seconds",
        event_url,
        lambda w: event(w, escalations=[{"department": w.risk.pk}]),
        fields=("escalations",),
    ),
    Bad("step with department and role", event_url, lambda w: step(w, role="coordinator"), fields=("escalations",)),
    Bad(
        "step without target",
        event_url,
        lambda w: event(w, escalations=[{"after_seconds": 5}]),
        fields=("escalations",),
    ),
    Bad("step unknown department", event_url, lambda w: step(w, department=999_999), fields=("escalations",)),
    Bad("step other org department", event_url, lambda w: step(w, department=w.other_dept.pk), fields=("escalations",)),
    Bad(
        "step unknown role",
        event_url,
        lambda w: event(w, escalations=[{"after_seconds": 5, "role": "king"}]),
        fields=("escalations",),
    ),
    Bad("step unknown unless", event_url, lambda w: step(w, unless="never"), fields=("escalations",)),
    Bad("step unknown key", event_url, lambda w: step(w, colour="red"), fields=("escalations",)),
    Bad("step message over the cap", event_url, lambda w: step(w, message=LONG_TEXT), fields=("escalations",)),
    Bad("step message with a NUL", event_url, lambda w: step(w, message="a\x00"), fields=("escalations",)),
    Bad("condition not an object", event_url, lambda w: event(w, condition="after"), fields=("condition",)),
    Bad(
        "condition unknown kind",
        event_url,
        lambda w: event(w, condition={"kind": "when", "event": w.draft_event.pk}),
        fields=("condition",),
    ),
    Bad(
        "condition unknown event",
        event_url,
        lambda w: event(w, condition={"kind": "after_resolved", "event": 999_999}),
        fields=("condition",),
    ),
    Bad(
        "condition event of another version",
        event_url,
        lambda w: event(w, condition={"kind": "after_resolved", "event": w.event.pk}),
        fields=("condition",),
    ),
    Bad(
        "condition negative delay",
        event_url,
        lambda w: event(w, condition={"kind": "after_resolved", "event": w.draft_event.pk, "delay_seconds": -1}),
        fields=("condition",),
    ),
    Bad(
        "condition on itself",
        draft_event_url,
        lambda w: {"condition": {"kind": "after_resolved", "event": w.draft_event.pk}},
        fields=("condition",),
        method="patch",
    ),
    Bad(
        "update with negative offset",
        draft_event_url,
        lambda w: {"offset_seconds": -3},
        fields=("offset_seconds",),
        method="patch",
    ),
    Bad(
        "update of unknown event",
        lambda w: f"/api/v1/scenarios/{w.draft.pk}/events/999999/",
        lambda w: {"title": "x"},
        status=404,
        method="patch",
    ),
    Bad("events of unknown scenario", lambda w: "/api/v1/scenarios/999999/events/", lambda w: event(w), status=404),
    Bad(
        "events of another org's scenario",
        lambda w: f"/api/v1/scenarios/{w.other_scenario.pk}/events/",
        lambda w: event(w),
        status=404,
    ),
    Bad(
        "event on an approved version",
        lambda w: f"/api/v1/scenarios/{w.scenario.pk}/events/",
        lambda w: event(w),
        status=409,
    ),
]

ORGANISATION = [
    Bad("department missing code", lambda w: "/api/v1/departments/", lambda w: {"name": "X"}, fields=("code",)),
    Bad(
        "department code not a slug",
        lambda w: "/api/v1/departments/",
        lambda w: {"code": "a b", "name": "X"},
        fields=("code",),
    ),
    Bad(
        "department code too long",
        lambda w: "/api/v1/departments/",
        lambda w: {"code": "c" * 33, "name": "X"},
        fields=("code",),
    ),
    Bad(
        "department parent of another org",
        lambda w: "/api/v1/departments/",
        lambda w: {"code": "x", "name": "X", "parent": w.other_dept.pk},
        fields=("parent",),
    ),
    Bad(
        "department in another org",
        lambda w: "/api/v1/departments/",
        lambda w: {"code": "x", "name": "X", "organisation": w.other_org.pk},
        fields=("organisation",),
    ),
    Bad(
        "department description over the cap",
        lambda w: "/api/v1/departments/",
        lambda w: {"code": "x", "name": "X", "description": LONG_TEXT},
        fields=("description",),
    ),
    Bad(
        "user without password",
        lambda w: "/api/v1/users/",
        lambda w: {"username": "u1", "role": "observer"},
        fields=("password",),
    ),
    Bad(
        "user with a weak password",
        lambda w: "/api/v1/users/",
        lambda w: {"username": "u1", "password": "123", "role": "observer"},
        fields=("password",),
    ),
    Bad(
        "user with unknown role",
        lambda w: "/api/v1/users/",
        lambda w: {"username": "u1", "password": "a-long-Secret-42", "role": "king"},
        fields=("role",),
    ),
    Bad(
        "user name taken",
        lambda w: "/api/v1/users/",
        lambda w: {"username": "CS1", "password": "a-long-Secret-42", "role": "observer"},
        fields=("username",),
    ),
    Bad(
        "user with another org's department",
        lambda w: "/api/v1/users/",
        lambda w: {"username": "u1", "password": "a-long-Secret-42", "role": "staff", "departments": [w.other_dept.pk]},
        fields=("departments",),
    ),
    Bad("scenario without title", lambda w: "/api/v1/scenarios/", lambda w: {"description": "d"}, fields=("title",)),
    Bad(
        "scenario description over the cap",
        lambda w: "/api/v1/scenarios/",
        lambda w: {"title": "t", "description": LONG_TEXT},
        fields=("description",),
    ),
    Bad(
        "objective with tasks not a list",
        lambda w: f"/api/v1/scenarios/{w.draft.pk}/objectives/",
        lambda w: {"capability": "c", "title": "t", "critical_tasks": "one"},
        fields=("critical_tasks",),
    ),
    Bad(
        "objective task title too long",
        lambda w: f"/api/v1/scenarios/{w.draft.pk}/objectives/",
        lambda w: {"capability": "c", "title": "t", "critical_tasks": [LONG_TITLE]},
        fields=("critical_tasks",),
    ),
    Bad("approve a draft", lambda w: f"/api/v1/scenarios/{w.draft.pk}/approve/", None, status=409),
    Bad("second draft version", lambda w: f"/api/v1/scenarios/{w.draft.pk}/versions/", None, status=409),
]

DRILLS = [
    Bad("drill missing fields", drills, lambda w: {}, fields=("scenario", "name")),
    Bad("drill of unknown scenario", drills, lambda w: {"scenario": 999_999, "name": "x"}, fields=("scenario",)),
    Bad(
        "drill of another org's scenario",
        drills,
        lambda w: {"scenario": w.other_scenario.pk, "name": "x"},
        fields=("scenario",),
    ),
    Bad("drill scenario as text", drills, lambda w: {"scenario": "mass complaints", "name": "x"}, fields=("scenario",)),
    Bad(
        "drill time scale zero",
        drills,
        lambda w: {"scenario": w.scenario.pk, "name": "x", "time_scale": 0},
        fields=("time_scale",),
    ),
    Bad(
        "drill time scale too big",
        drills,
        lambda w: {"scenario": w.scenario.pk, "name": "x", "time_scale": 1e9},
        fields=("time_scale",),
    ),
    Bad(
        "drill time scale text",
        drills,
        lambda w: {"scenario": w.scenario.pk, "name": "x", "time_scale": "fast"},
        fields=("time_scale",),
    ),
    Bad(
        "drill start not a time",
        drills,
        lambda w: {"scenario": w.scenario.pk, "name": "x", "scheduled_start": "tomorrow"},
        fields=("scheduled_start",),
    ),
    Bad("drill name too long", drills, lambda w: {"scenario": w.scenario.pk, "name": LONG_TITLE}, fields=("name",)),
    Bad("stop without reason", drill_sub("stop/"), lambda w: {}, fields=("reason",)),
    Bad("stop reason over the cap", drill_sub("stop/"), lambda w: {"reason": LONG_TEXT}, fields=("reason",)),
    Bad("start a running drill", drill_sub("start/"), None, status=409),
    Bad("resume a running drill", drill_sub("resume/"), None, status=409),
    Bad("unknown drill", lambda w: "/api/v1/drills/999999/start/", None, status=404),
    Bad("drill id not a number", lambda w: "/api/v1/drills/abc/", None, status=404, method="get"),
    Bad("drill id huge", lambda w: f"/api/v1/drills/{HUGE}/", None, status=404, method="get"),
    Bad("adhoc without departments", drill_sub("injects/"), lambda w: {"title": "x"}, fields=("departments",)),
    Bad(
        "adhoc to another org",
        drill_sub("injects/"),
        lambda w: {"title": "x", "departments": [w.other_dept.pk]},
        fields=("departments",),
    ),
    Bad(
        "adhoc negative deadline",
        drill_sub("injects/"),
        lambda w: {"title": "x", "departments": [w.cs.pk], "response_deadline_seconds": -1},
        fields=("response_deadline_seconds",),
    ),
    Bad(
        "adhoc body over the cap",
        drill_sub("injects/"),
        lambda w: {"title": "x", "body": LONG_TEXT, "departments": [w.cs.pk]},
        fields=("body",),
    ),
    Bad(
        "adhoc unknown channel",
        drill_sub("injects/"),
        lambda w: {"title": "x", "departments": [w.cs.pk], "channel": "fax"},
        fields=("channel",),
    ),
    Bad("trigger unknown event", lambda w: f"/api/v1/drills/{w.drill.pk}/events/999999/trigger/", None, status=404),
    Bad(
        "trigger another scenario's event",
        lambda w: f"/api/v1/drills/{w.drill.pk}/events/{w.draft_event.pk}/trigger/",
        None,
        status=404,
    ),
    Bad(
        "injects filtered by unknown status", drill_sub("injects/?status=lost"), None, fields=("status",), method="get"
    ),
    Bad(
        "injects filtered by department text",
        drill_sub("injects/?department=cs"),
        None,
        fields=("department",),
        method="get",
    ),
    Bad("message without text", drill_sub("messages/"), lambda w: {}, fields=("text",), role="staff_target"),
    Bad("message blank", drill_sub("messages/"), lambda w: {"text": ""}, fields=("text",), role="staff_target"),
    Bad(
        "message over the cap",
        drill_sub("messages/"),
        lambda w: {"text": LONG_TEXT},
        fields=("text",),
        role="staff_target",
    ),
    Bad("roster unknown user", drill_sub("roster/"), lambda w: {"user": 999_999}, fields=("user",)),
    Bad(
        "roster another org's user",
        drill_sub("roster/"),
        lambda w: {"user": w.users["other_coordinator"].pk},
        fields=("user",),
    ),
    Bad(
        "roster another org's department",
        drill_sub("roster/"),
        lambda w: {"user": w.users["staff_target"].pk, "department": w.other_dept.pk},
        fields=("department",),
    ),
    Bad(
        "roster unknown role",
        drill_sub("roster/"),
        lambda w: {"user": w.users["staff_target"].pk, "role": "hero"},
        fields=("role",),
    ),
]

INJECTS = [
    Bad("action without text", inject_sub("actions/"), lambda w: {}, fields=("text",), role="staff_target"),
    Bad(
        "action over the cap",
        inject_sub("actions/"),
        lambda w: {"text": LONG_TEXT},
        fields=("text",),
        role="staff_target",
    ),
    Bad(
        "action decision flag not boolean",
        inject_sub("actions/"),
        lambda w: {"text": "t", "is_decision": "perhaps"},
        fields=("is_decision",),
        role="staff_target",
    ),
    Bad(
        "forward without department",
        inject_sub("forward/"),
        lambda w: {"text": "t"},
        fields=("department",),
        role="staff_target",
    ),
    Bad(
        "forward to unknown department",
        inject_sub("forward/"),
        lambda w: {"department": 999_999},
        fields=("department",),
        role="staff_target",
    ),
    Bad(
        "forward to another org",
        inject_sub("forward/"),
        lambda w: {"department": w.other_dept.pk},
        fields=("department",),
        role="staff_target",
    ),
    Bad(
        "forward text over the cap",
        inject_sub("forward/"),
        lambda w: {"department": w.risk.pk, "text": LONG_TEXT},
        fields=("text",),
        role="staff_target",
    ),
    Bad(
        "resolve text over the cap",
        inject_sub("resolve/"),
        lambda w: {"text": LONG_TEXT},
        fields=("text",),
        role="staff_target",
    ),
    Bad("unknown inject", lambda w: "/api/v1/injects/999999/acknowledge/", None, status=404, role="staff_target"),
    Bad("observation without rating or note", obs_url, lambda w: {"flag": "error"}, role="observer_invited"),
    Bad("observation unknown rating", obs_url, lambda w: {"rating": "A"}, fields=("rating",), role="observer_invited"),
    Bad(
        "observation unknown flag",
        obs_url,
        lambda w: {"note": "n", "flag": "oops"},
        fields=("flag",),
        role="observer_invited",
    ),
    Bad(
        "observation note over the cap",
        obs_url,
        lambda w: {"note": LONG_TEXT},
        fields=("note",),
        role="observer_invited",
    ),
    Bad(
        "observation on another drill's entry",
        obs_url,
        lambda w: {"note": "n", "timeline_entry": 999_999},
        fields=("timeline_entry",),
        role="observer_invited",
    ),
    Bad(
        "observation on another version's objective",
        obs_url,
        lambda w: {"rating": "P", "objective": w.draft_objective.pk},
        fields=("objective",),
        role="observer_invited",
    ),
    Bad(
        "observation objective as text",
        obs_url,
        lambda w: {"rating": "P", "objective": "first"},
        fields=("objective",),
        role="observer_invited",
    ),
]


def _fingerprint() -> dict[str, tuple[Any, ...]]:
    """Row count, highest id and latest change of every table of the project and of auth."""
    prints = {}
    for model in apps.get_models():
        if model._meta.app_label not in {"core", "departments", "scenarios", "timelines", "reports", "auth"}:
            continue
        aggregates: dict[str, Any] = {"n": models.Count("pk"), "top": models.Max("pk")}
        if any(f.name == "updated_at" for f in model._meta.fields):
            aggregates["changed"] = models.Max("updated_at")
        prints[model._meta.label] = tuple(model.objects.aggregate(**aggregates).values())
    return prints


def _send(world: World, case: Bad) -> tuple[int, Any, list[str]]:
    with transaction.atomic():
        client = APIClient()
        user = world.users[case.role]
        if user is not None:
            client.force_login(user)
        before = _fingerprint()
        url = case.url(world)
        if case.body is None:
            response = getattr(client, case.method)(url)
        else:
            raw = case.body if isinstance(case.body, str) else json.dumps(case.body(world))
            response = client.generic(case.method.upper(), url, raw, content_type="application/json")
        after = _fingerprint()
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


@pytest.mark.parametrize("case", MALFORMED + EVENTS + ORGANISATION + DRILLS + INJECTS, ids=lambda c: c.label)
def test_bad_input_is_refused_and_changes_nothing(bad_world: World, case: Bad, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        status, body, changed = _send(bad_world, case)
    assert status == case.status, f"{case.label}: {status} {body}"
    assert not changed, f"{case.label} changed {changed}"
    if case.status == 400 and case.fields:
        # {"field": ["message"]}; a list field names the bad item: {"field": {"0": ["message"]}}.
        assert isinstance(body, dict) and all(isinstance(body.get(f), list | dict) and body[f] for f in case.fields), (
            body
        )
    elif case.status == 400:
        assert isinstance(body, dict) and body, body
