"""Bad MSEL rows (events, escalation ladders, conditions) answer 400/404/409 and change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from ..api.bad_input import HUGE, LONG_TEXT, LONG_TITLE, Bad, bad_world, check, draft_event_url, event, event_url, step
from ..api.world import World

__all__ = ["bad_world"]  # the module-scoped world fixture, shared through the import


def clone_url(w: Any) -> str:
    return f"/api/v1/scenarios/{w.scenario.pk}/clone/"


def diff_url(query: str) -> Any:
    return lambda w: f"/api/v1/scenarios/{w.scenario.pk}/diff/{query}"


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
    Bad("step deadline negative", event_url, lambda w: step(w, response_deadline_seconds=-1), fields=("escalations",)),
    Bad("step deadline as text", event_url, lambda w: step(w, response_deadline_seconds="60"), fields=("escalations",)),
    Bad(
        "step deadline fractional", event_url, lambda w: step(w, response_deadline_seconds=0.5), fields=("escalations",)
    ),
    Bad("step deadline boolean", event_url, lambda w: step(w, response_deadline_seconds=True), fields=("escalations",)),
    Bad(
        "step deadline beyond the column",
        event_url,
        lambda w: step(w, response_deadline_seconds=2**31),
        fields=("escalations",),
    ),
    Bad(
        "step after_seconds beyond the column",
        event_url,
        lambda w: step(w, after_seconds=2**31),
        fields=("escalations",),
    ),
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
    Bad("clone of a version it does not have", clone_url, lambda w: {"version": 99}, fields=("version",)),
    Bad("clone version as text", clone_url, lambda w: {"version": "latest"}, fields=("version",)),
    Bad("clone title too long", clone_url, lambda w: {"title": LONG_TITLE}, fields=("title",)),
    Bad("diff without versions", diff_url(""), None, fields=("from", "to"), method="get"),
    Bad("diff from text", diff_url("?from=one&to=1"), None, fields=("from",), method="get"),
    Bad("diff to a version it does not have", diff_url("?from=1&to=5"), None, fields=("to",), method="get"),
    Bad("approve a draft by API", lambda w: f"/api/v1/scenarios/{w.draft.pk}/approve/", None, status=409),
    Bad(
        "ladder to the event's own department",
        event_url,
        lambda w: step(w, department=w.cs.pk),
        fields=("escalations",),
    ),
    Bad(
        "deadline longer than the drill",
        event_url,
        lambda w: event(w, response_deadline_seconds=86_400),
        fields=("response_deadline_seconds",),
    ),
    Bad(
        "event on an approved version",
        lambda w: f"/api/v1/scenarios/{w.scenario.pk}/events/",
        lambda w: event(w),
        status=409,
    ),
]


@pytest.mark.parametrize("case", EVENTS, ids=lambda c: c.label)
def test_bad_event_input_is_refused_and_changes_nothing(bad_world: World, case: Bad, django_db_blocker: Any) -> None:
    check(bad_world, case, django_db_blocker)
