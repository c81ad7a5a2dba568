"""Bad input answers 400 with field messages and changes nothing; never a 500.

Each case runs against the same world inside a rolled-back transaction; before it is rolled back
the test checks that no row anywhere was added, removed or touched and no audit entry written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .api.bad_input import (
    HUGE,
    LONG_TEXT,
    LONG_TITLE,
    Bad,
    bad_world,
    check,
    drill_sub,
    drills,
    event_url,
    inject_sub,
    obs_url,
)
from .api.world import World

__all__ = ["bad_world"]  # the module-scoped world fixture, shared through the import


def objectives_url(w: Any) -> str:
    return f"/api/v1/scenarios/{w.draft.pk}/objectives/"


def target(**changes: Any) -> dict[str, Any]:
    return {"metric": "acknowledge_p90", "op": "<=", "value": 300, **changes}


def objective_with(w: Any, task: Callable[[Any], Any]) -> dict[str, Any]:
    return {"capability": "c", "title": "t", "critical_tasks": ["A good one", task(w)]}


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
    *(
        Bad(
            f"objective task {label}",
            objectives_url,
            lambda w, t=task: objective_with(w, t),
            fields=("critical_tasks",),
        )
        for label, task in (
            ("neither title nor object", lambda w: 5),
            ("object without title", lambda w: {"target": None}),
            ("object with unknown key", lambda w: {"title": "t", "owner": "cs"}),
            ("blank title", lambda w: {"title": "  "}),
            ("target not an object", lambda w: {"title": "t", "target": "fast"}),
            ("target unknown metric", lambda w: {"title": "t", "target": target(metric="speed")}),
            ("target bad op", lambda w: {"title": "t", "target": target(op="<")}),
            ("target negative", lambda w: {"title": "t", "target": target(value=-1)}),
            ("target value as text", lambda w: {"title": "t", "target": target(value="10")}),
            ("share above one", lambda w: {"title": "t", "target": target(metric="deadline_compliance", value=1.5)}),
            (
                "hand-off without to",
                lambda w: {"title": "t", "target": target(metric="handoff_p50", **{"from": w.cs.pk})},
            ),
            (
                "hand-off to itself",
                lambda w: {"title": "t", "target": target(metric="handoff_p50", **{"from": w.cs.pk, "to": w.cs.pk})},
            ),
            (
                "hand-off with a department",
                lambda w: {
                    "title": "t",
                    "target": target(metric="handoff_p50", department=w.cs.pk, **{"from": w.cs.pk, "to": w.risk.pk}),
                },
            ),
            ("department of another org", lambda w: {"title": "t", "target": target(department=w.other_dept.pk)}),
            ("department unknown", lambda w: {"title": "t", "target": target(department=999_999)}),
        )
    ),
    Bad("approve a draft", lambda w: f"/api/v1/scenarios/{w.draft.pk}/approve/", None, status=409),
    Bad("second draft version", lambda w: f"/api/v1/scenarios/{w.draft.pk}/versions/", None, status=409),
]


def users(w: Any) -> str:
    return "/api/v1/users/"


def user_url(role: str) -> Any:
    return lambda w: f"/api/v1/users/{w.users[role].pk}/"


def new_user(**changes: Any) -> Any:
    return lambda w: {"username": "u1", "role": "observer", **changes}


ACCOUNTS = [
    Bad("user given a password", users, new_user(password="a-long-Secret-42"), fields=("password",)),
    Bad(
        "user given a password and a bad role", users, new_user(password="x", role="king"), fields=("password", "role")
    ),
    Bad(
        "user's password patched",
        user_url("staff_target"),
        lambda w: {"password": "a-long-Secret-42"},
        fields=("password",),
        method="patch",
    ),
    Bad("user with unknown role", users, new_user(role="king"), fields=("role",)),
    Bad("user name taken", users, new_user(username="CS1"), fields=("username",)),
    Bad("user name with a space", users, new_user(username="a b"), fields=("username",)),
    Bad("user name too long", users, new_user(username="u" * 151), fields=("username",)),
    Bad("user e-mail not an address", users, new_user(email="nope"), fields=("email",)),
    Bad(
        "user with another org's department",
        users,
        lambda w: {"username": "u1", "role": "staff", "departments": [w.other_dept.pk]},
        fields=("departments",),
    ),
    Bad("staff user without a department", users, new_user(role="staff"), fields=("departments",)),
    Bad("user departments not a list", users, new_user(role="staff", departments=5), fields=("departments",)),
    Bad(
        "user activity not a boolean",
        user_url("observer_uninvited"),
        lambda w: {"is_active": "maybe"},
        fields=("is_active",),
        method="patch",
    ),
    Bad(
        "observer made staff without a department",
        user_url("observer_uninvited"),
        lambda w: {"role": "staff"},
        fields=("departments",),
        method="patch",
    ),
    # Refused (403) and conflicting (409) account changes change nothing either.
    Bad("coordinator creates a coordinator", users, new_user(role="coordinator"), status=403),
    Bad(
        "coordinator promotes an observer",
        user_url("observer_uninvited"),
        lambda w: {"role": "coordinator"},
        status=403,
        method="patch",
    ),
    Bad(
        "coordinator changes their own e-mail",
        user_url("coordinator"),
        lambda w: {"email": "me@example.test"},
        status=403,
        method="patch",
    ),
    Bad(
        "last coordinator demoted",
        user_url("coordinator"),
        lambda w: {"role": "observer"},
        status=409,
        role="superuser",
        method="patch",
    ),
    Bad(
        "last coordinator deactivated",
        user_url("coordinator"),
        lambda w: {"is_active": False},
        status=409,
        role="superuser",
        method="patch",
    ),
    Bad("last coordinator removed", user_url("coordinator"), None, status=409, role="superuser", method="delete"),
    Bad("last coordinator leaves", user_url("coordinator"), None, status=409, method="delete"),
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
    Bad(
        "drill of a draft version",
        drills,
        lambda w: {"scenario": w.draft.pk, "name": "x", "version": w.draft.versions.get().pk},
        fields=("version",),
    ),
    Bad(
        "drill version of another scenario",
        drills,
        lambda w: {"scenario": w.scenario.pk, "name": "x", "version": w.draft.versions.get().pk},
        fields=("version",),
    ),
    Bad(
        "drill version of another org",
        drills,
        lambda w: {"scenario": w.scenario.pk, "name": "x", "version": w.other_scenario.versions.get().pk},
        fields=("version",),
    ),
    Bad(
        "drill version as text",
        drills,
        lambda w: {"scenario": w.scenario.pk, "name": "x", "version": "v1"},
        fields=("version",),
    ),
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


def roster_entry(w: Any) -> str:
    return f"/api/v1/drills/{w.drill.pk}/roster/{w.drill.roster.get(user=w.users['observer_invited']).pk}/"


ROSTER = [
    Bad(
        "roster player without department",
        drill_sub("roster/"),
        lambda w: {"user": w.users["staff_target"].pk, "role": "player"},
        fields=("department",),
    ),
    Bad("attended not a boolean", roster_entry, lambda w: {"attended": "maybe"}, fields=("attended",), method="patch"),
    Bad("attended missing", roster_entry, lambda w: {}, fields=("attended",), method="patch"),
    Bad("roster entry unknown", drill_sub("roster/999999/"), None, status=404, method="delete"),
    Bad("roster entry id huge", drill_sub(f"roster/{HUGE}/"), None, status=404, method="delete"),
]


def case_scenario(w: Any) -> str:
    return f"/api/v1/cases/{w.case.pk}/scenario/"


CASE_TO_SCENARIO = [
    Bad("scenario from a case without steps", case_scenario, lambda w: {}, fields=("steps",)),
    Bad(
        "scenario from a case, another org's department",
        case_scenario,
        lambda w: {"default_department": w.other_dept.pk},
        fields=("default_department",),
    ),
    Bad("scenario from a case, title too long", case_scenario, lambda w: {"title": LONG_TITLE}, fields=("title",)),
    Bad("scenario from an unknown case", lambda w: "/api/v1/cases/999999/scenario/", lambda w: {}, status=404),
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


EVERY_CASE = MALFORMED + ORGANISATION + ACCOUNTS + DRILLS + ROSTER + CASE_TO_SCENARIO + INJECTS


@pytest.mark.parametrize("case", EVERY_CASE, ids=lambda c: c.label)
def test_bad_input_is_refused_and_changes_nothing(bad_world: World, case: Bad, django_db_blocker: Any) -> None:
    check(bad_world, case, django_db_blocker)
