"""Drills, injects, timeline, messages and roster through the API, as each role uses them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.test import APIClient

from drillops.timelines.models import Drill, Inject, RosterEntry, TimelineEntry

from .world import World

Clients = Callable[[str], APIClient]
INJECT_FIELDS = {
    "id",
    "event",
    "department",
    "title",
    "body",
    "channel",
    "cause",
    "source",
    "status",
    "is_overdue",
    "due_at",
    "delivered_at",
    "acknowledged_at",
    "first_action_at",
    "resolved_at",
    "deadline_at",
    "escalation_level",
}


def test_coordinator_creates_drill_pinned_to_approved_version(world: World, client_as: Clients) -> None:
    answer = client_as("coordinator").post(
        "/api/v1/drills/", {"scenario": world.scenario.pk, "name": "Q4 drill", "time_scale": 60}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["state"] == "scheduled"
    assert data["scenario"] == world.scenario.pk
    assert data["scenario_version"] == world.scenario.versions.get().pk
    assert data["time_scale"] == 60


def test_drill_of_scenario_without_approved_version_is_400(world: World, client_as: Clients) -> None:
    before = Drill.objects.count()
    answer = client_as("coordinator").post(
        "/api/v1/drills/", {"scenario": world.draft.pk, "name": "Too early"}, format="json"
    )
    assert answer.status_code == 400 and "scenario" in answer.json()
    assert Drill.objects.count() == before


def test_drill_lifecycle_through_the_api(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    pk = world.scheduled.pk
    assert client.post(f"/api/v1/drills/{pk}/start/").json()["state"] == "running"
    assert client.post(f"/api/v1/drills/{pk}/pause/").json()["state"] == "paused"
    assert client.post(f"/api/v1/drills/{pk}/resume/").json()["state"] == "running"
    assert client.post(f"/api/v1/drills/{pk}/finish/").json()["state"] == "finished"


def test_transition_not_allowed_is_409_with_reason(world: World, client_as: Clients) -> None:
    answer = client_as("coordinator").post(f"/api/v1/drills/{world.scheduled.pk}/pause/")
    assert answer.status_code == 409
    assert answer.json()["detail"]


def test_stop_needs_a_reason_and_keeps_it(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    assert client.post(f"/api/v1/drills/{world.drill.pk}/stop/", {}, format="json").status_code == 400
    answer = client.post(f"/api/v1/drills/{world.drill.pk}/stop/", {"reason": "Real outage"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["state"] == "stopped" and answer.json()["stop_reason"] == "Real outage"
    ack = client_as("staff_target").post(f"/api/v1/injects/{world.inject.pk}/acknowledge/")
    assert ack.status_code == 409


def test_inject_list_has_exactly_the_design_fields(world: World, client_as: Clients) -> None:
    answer = client_as("coordinator").get(f"/api/v1/drills/{world.drill.pk}/injects/")
    assert answer.status_code == 200
    data = answer.json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == 2
    assert set(data["results"][0]) == INJECT_FIELDS
    assert data["results"][0]["delivered_at"].endswith("Z")


def test_inject_list_filters_by_department_and_status(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    by_department = client.get(f"/api/v1/drills/{world.drill.pk}/injects/?department={world.risk.pk}").json()
    assert [i["id"] for i in by_department["results"]] == [world.risk_inject.pk]
    by_status = client.get(f"/api/v1/drills/{world.drill.pk}/injects/?status=resolved").json()
    assert by_status["count"] == 0
    assert client.get(f"/api/v1/drills/{world.drill.pk}/injects/?status=bogus").status_code == 400
    assert client.get(f"/api/v1/drills/{world.drill.pk}/injects/?department=abc").status_code == 400


def test_page_size_is_capped_at_1000(world: World, client_as: Clients) -> None:
    answer = client_as("coordinator").get(f"/api/v1/drills/{world.drill.pk}/injects/?page_size=5000")
    assert answer.status_code == 200


def test_staff_see_only_injects_of_their_departments(world: World, client_as: Clients) -> None:
    client = client_as("staff_target")
    listed = client.get(f"/api/v1/drills/{world.drill.pk}/injects/").json()
    assert [i["id"] for i in listed["results"]] == [world.inject.pk]
    assert client.get(f"/api/v1/injects/{world.risk_inject.pk}/").status_code == 404
    assert client.post(f"/api/v1/injects/{world.risk_inject.pk}/acknowledge/").status_code == 404


def test_staff_acknowledge_act_forward_resolve(world: World, client_as: Clients) -> None:
    client = client_as("staff_target")
    url = f"/api/v1/injects/{world.inject.pk}"
    first = client.post(f"{url}/acknowledge/")
    assert first.status_code == 200 and first.json()["status"] == "acknowledged"
    again = client.post(f"{url}/acknowledge/")
    assert again.status_code == 200 and again.json()["acknowledged_at"] == first.json()["acknowledged_at"]
    action = client.post(f"{url}/actions/", {"text": "Called the customer back", "is_decision": False}, format="json")
    assert action.status_code == 201 and action.json()["kind"] == "action"
    decision = client.post(f"{url}/actions/", {"text": "Refund approved", "is_decision": True}, format="json")
    assert decision.json()["kind"] == "decision"
    forward = client.post(f"{url}/forward/", {"department": world.risk.pk, "text": "For risk"}, format="json")
    assert forward.status_code == 201
    assert forward.json()["cause"] == "forward" and forward.json()["source"] == world.inject.pk
    assert forward.json()["department"] == world.risk.pk
    resolved = client.post(f"{url}/resolve/", {"text": "Done"}, format="json")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"


def test_resolving_implies_acknowledging(world: World, client_as: Clients) -> None:
    answer = client_as("staff_target").post(f"/api/v1/injects/{world.inject.pk}/resolve/", {}, format="json")
    assert answer.status_code == 200
    assert answer.json()["acknowledged_at"] is not None and answer.json()["resolved_at"] is not None


def test_observer_may_read_injects_but_not_act(world: World, client_as: Clients) -> None:
    client = client_as("observer_invited")
    assert client.get(f"/api/v1/drills/{world.drill.pk}/injects/").json()["count"] == 2
    assert client.post(f"/api/v1/injects/{world.inject.pk}/acknowledge/").status_code == 403
    assert client_as("observer_uninvited").get(f"/api/v1/drills/{world.drill.pk}/").status_code == 404


def test_coordinator_sends_adhoc_inject_to_departments(world: World, client_as: Clients) -> None:
    body = {
        "title": "Journalist calls",
        "body": "A reporter asks about refunds.",
        "departments": [world.cs.pk, world.risk.pk],
        "channel": "press",
        "sender": "Reporter",
        "response_deadline_seconds": 300,
    }
    answer = client_as("coordinator").post(f"/api/v1/drills/{world.drill.pk}/injects/", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert {i["department"] for i in answer.json()} == {world.cs.pk, world.risk.pk}
    assert all(i["cause"] == "adhoc" and i["delivered_at"] for i in answer.json())


def test_trigger_event_of_the_pinned_version(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    event = world.scenario.versions.get().events.order_by("sequence")[0]
    answer = client.post(f"/api/v1/drills/{world.scheduled.pk}/events/{event.pk}/trigger/")
    assert answer.status_code in (200, 409), answer.json()
    running = client.post(f"/api/v1/drills/{world.drill.pk}/events/{event.pk}/trigger/")
    assert running.status_code == 200, running.json()
    assert Inject.objects.filter(drill=world.drill, event=event).count() == 1
    other = client.post(f"/api/v1/drills/{world.drill.pk}/events/{world.draft_event.pk}/trigger/")
    assert other.status_code == 404


def test_timeline_and_messages(world: World, client_as: Clients) -> None:
    client = client_as("staff_target")
    posted = client.post(f"/api/v1/drills/{world.drill.pk}/messages/", {"text": "Meeting at 09:30"}, format="json")
    assert posted.status_code == 201 and posted.json()["kind"] == "message"
    messages = client.get(f"/api/v1/drills/{world.drill.pk}/messages/").json()
    assert [m["text"] for m in messages["results"]] == ["Customer service on it", "Meeting at 09:30"]
    timeline = client_as("coordinator").get(f"/api/v1/drills/{world.drill.pk}/timeline/").json()
    assert timeline["count"] >= 3
    kinds = {e["kind"] for e in timeline["results"]}
    assert {"state", "delivered", "message"} <= kinds


def test_staff_timeline_hides_other_departments_injects(world: World, client_as: Clients) -> None:
    timeline = client_as("staff_target").get(f"/api/v1/drills/{world.drill.pk}/timeline/?page_size=1000").json()
    risk_entries = TimelineEntry.objects.filter(inject=world.risk_inject).values_list("pk", flat=True)
    assert risk_entries
    assert not {e["id"] for e in timeline["results"]} & set(risk_entries)


def test_observer_cannot_post_messages(world: World, client_as: Clients) -> None:
    answer = client_as("observer_invited").post(
        f"/api/v1/drills/{world.drill.pk}/messages/", {"text": "hi"}, format="json"
    )
    assert answer.status_code == 403


def test_roster_add_and_list(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    body = {"user": world.users["staff_target"].pk, "department": world.cs.pk, "role": "player", "seat": "Lead"}
    answer = client.post(f"/api/v1/drills/{world.drill.pk}/roster/", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["username"] == "cs1"
    listed = client_as("staff_target").get(f"/api/v1/drills/{world.drill.pk}/roster/").json()
    assert {r["username"] for r in listed["results"]} == {"cs1", "obs1"}


def test_roster_refuses_users_outside_the_organisation(world: World, client_as: Clients) -> None:
    before = RosterEntry.objects.count()
    body = {"user": world.users["other_coordinator"].pk, "role": "observer"}
    answer = client_as("coordinator").post(f"/api/v1/drills/{world.drill.pk}/roster/", body, format="json")
    assert answer.status_code == 400 and "user" in answer.json()
    assert RosterEntry.objects.count() == before


def test_lists_show_only_what_the_caller_may_see(world: World, client_as: Clients) -> None:
    mine = {d["id"] for d in client_as("coordinator").get("/api/v1/drills/").json()["results"]}
    assert world.other_drill.pk not in mine and world.drill.pk in mine
    observed = {d["id"] for d in client_as("observer_invited").get("/api/v1/drills/").json()["results"]}
    assert observed == {world.drill.pk, world.scheduled.pk, world.paused.pk, world.ended.pk}
    assert client_as("observer_uninvited").get("/api/v1/drills/").json()["count"] == 0
    every = {d["id"] for d in client_as("superuser").get("/api/v1/drills/").json()["results"]}
    assert world.other_drill.pk in every


def test_drill_detail_lists_objectives_for_rating(world: World, client_as: Clients) -> None:
    data = client_as("observer_invited").get(f"/api/v1/drills/{world.drill.pk}/").json()
    assert [o["id"] for o in data["objectives"]] == [world.objective.pk]
    assert data["objectives"][0]["critical_tasks"][0]["title"] == "Report in 10 min"


def test_is_overdue_in_the_list_follows_the_deadline(world: World, client_as: Clients) -> None:
    from datetime import timedelta

    from django.utils import timezone

    past = timezone.now() - timedelta(minutes=5)
    Inject.objects.filter(pk=world.inject.pk).update(deadline_at=past)
    Inject.objects.filter(pk=world.risk_inject.pk).update(deadline_at=past, acknowledged_at=past - timedelta(minutes=1))
    rows = client_as("coordinator").get(f"/api/v1/drills/{world.drill.pk}/injects/").json()["results"]
    overdue = {row["id"]: row["is_overdue"] for row in rows}
    assert overdue == {world.inject.pk: True, world.risk_inject.pk: False}
    world.inject.refresh_from_db()
    assert world.inject.is_overdue  # the property and the list agree
    single = client_as("coordinator").get(f"/api/v1/injects/{world.inject.pk}/").json()
    assert single["is_overdue"] is True


def test_inject_list_page_costs_a_fixed_number_of_queries(
    world: World, client_as: Clients, django_assert_max_num_queries: Any
) -> None:
    client = client_as("staff_target")
    url = f"/api/v1/drills/{world.drill.pk}/injects/"
    client.get(url)
    # token+user, memberships, drill, the page with its total: the same for 2 injects or 1000.
    with django_assert_max_num_queries(4):
        assert client.get(url).status_code == 200


def test_scheduled_start_round_trips_as_utc_milliseconds(world: World, client_as: Clients) -> None:
    body = {"scenario": world.scenario.pk, "name": "Later", "scheduled_start": "2030-01-01T17:00:00+08:00"}
    answer = client_as("coordinator").post("/api/v1/drills/", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["scheduled_start"] == "2030-01-01T09:00:00.000Z"


def test_list_and_detail_write_the_same_times(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    from django.utils import timezone

    edge = timezone.now().replace(microsecond=999_999)  # rounding would carry into the next second
    Inject.objects.filter(pk=world.inject.pk).update(acknowledged_at=edge)
    row = next(
        r
        for r in client.get(f"/api/v1/drills/{world.drill.pk}/injects/").json()["results"]
        if r["id"] == world.inject.pk
    )
    single = client.get(f"/api/v1/injects/{world.inject.pk}/").json()
    assert row == single
    assert row["acknowledged_at"] == edge.strftime("%Y-%m-%dT%H:%M:%S.999Z")


def test_inject_list_pages_like_every_list(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    for n in range(3):
        client.post(
            f"/api/v1/drills/{world.drill.pk}/injects/",
            {"title": f"Ad hoc {n}", "departments": [world.cs.pk]},
            format="json",
        )
    url = f"/api/v1/drills/{world.drill.pk}/injects/"
    first = client.get(f"{url}?page_size=2").json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
    assert "page=2" in first["next"] and "page_size=2" in first["next"]
    second = client.get(first["next"]).json()
    assert "page=" not in second["previous"] and "page_size=2" in second["previous"]
    third = client.get(second["next"]).json()
    assert len(third["results"]) == 1 and third["next"] is None
    seen = [r["id"] for page in (first, second, third) for r in page["results"]]
    assert len(set(seen)) == 5
    assert client.get(f"{url}?page=9").status_code == 404
    assert client.get(f"{url}?page=zero").status_code == 404
    filtered = client.get(f"{url}?department={world.risk.pk}&status=delivered").json()
    assert filtered["count"] == 1 and filtered["results"][0]["id"] == world.risk_inject.pk
    staff = client_as("staff_other").get(f"{url}?department={world.cs.pk}").json()
    assert staff["count"] == 0  # another department's injects stay invisible, filter or not


def test_an_api_path_that_names_no_route_is_a_json_404(world: World, client_as: Clients) -> None:
    """Found by fuzzing: an id the route's pattern does not take (`0.5`, `x`) fell through to
    Django's HTML 404 page; the API answers JSON like everywhere else (401 without credentials)."""
    for path in ("/api/v1/drills/0.5/", "/api/v1/scenarios/x/events/", "/api/v1/nothing/here/"):
        for method in ("get", "post", "delete"):
            answer = getattr(client_as("coordinator"), method)(path)
            assert answer.status_code == 404 and answer["Content-Type"] == "application/json", (method, path)
            assert answer.json() == {"detail": "Not found."}
        assert client_as("anonymous").get(path).status_code == 401
    assert client_as("coordinator").get("/api/v1/drills/").status_code == 200  # the routes before it still answer
