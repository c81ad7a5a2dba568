"""Findings and the improvement plan: evidence from the timeline, items the owner department sees
and moves forward (never to verified), one reminder before the due date, and the open items the
organisation's next drill carries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from drillops.core.models import AuditEntry
from drillops.reports import services
from drillops.reports.models import ImprovementItem, ImprovementStatus
from drillops.reports.selectors import open_items_for_drill
from drillops.timelines import services as drill_services
from drillops.timelines.engine import outbox as sideeffects
from drillops.timelines.models import Notification, Outbox

from ..api.world import World

Clients = Callable[[str], APIClient]


def test_a_finding_points_at_the_timeline_entries_that_show_it(world: World, client_as: Clients) -> None:
    entry = world.ended.timeline.order_by("at").first()
    url = f"/api/v1/drills/{world.ended.pk}/findings/"
    body = {
        "kind": "improvement",
        "title": "Late first report",
        "objective": world.objective.pk,
        "timeline_entries": [entry.pk],
    }
    made = client_as("coordinator").post(url, body, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["timeline_entries"] == [entry.pk] and made.json()["objective"] == world.objective.pk
    changed = client_as("coordinator").patch(f"{url}{made.json()['id']}/", {"timeline_entries": []}, format="json")
    assert changed.json()["timeline_entries"] == []
    assert AuditEntry.objects.filter(action__startswith="finding.", object_id=made.json()["id"]).count() == 2


def _items(client: APIClient) -> list[int]:
    return [item["id"] for item in client.get("/api/v1/improvement-items/").json()["results"]]


def test_the_owner_departments_staff_see_their_items_and_nobody_elses(world: World, client_as: Clients) -> None:
    risk_item = services.item_create(organisation=world.org, by=None, title="Risk drill", owner_department=world.risk)
    assert sorted(_items(client_as("coordinator"))) == sorted([world.item.pk, risk_item.pk])
    assert _items(client_as("staff_target")) == [world.item.pk]
    assert _items(client_as("staff_other")) == [risk_item.pk]
    assert _items(client_as("other_coordinator")) == []
    assert client_as("observer_invited").get("/api/v1/improvement-items/").status_code == 403


def test_staff_move_their_item_forward_but_never_verify_it(world: World, client_as: Clients) -> None:
    url = f"/api/v1/improvement-items/{world.item.pk}/"
    staff = client_as("staff_target")
    done = staff.post(url + "progress/", {"status": "done", "progress_note": "New IM group set up"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert done.json()["progress_note"] == "New IM group set up"
    assert staff.post(url + "progress/", {"status": "verified"}, format="json").status_code == 400
    assert staff.patch(url, {"status": "verified"}, format="json").status_code == 403
    assert ImprovementItem.objects.get(pk=world.item.pk).status == ImprovementStatus.DONE
    verified = client_as("coordinator").patch(url, {"status": "verified"}, format="json")
    assert verified.status_code == 200 and verified.json()["status"] == "verified"


def test_an_item_stores_a_structured_target(world: World, client_as: Clients) -> None:
    target = {"metric": "handoff_p50", "op": "<=", "value": 600.0, "from": world.cs.pk, "to": world.risk.pk}
    answer = client_as("coordinator").patch(
        f"/api/v1/improvement-items/{world.item.pk}/", {"target": target}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["target"] == target


def _due_in(item: ImprovementItem, days: int) -> ImprovementItem:
    today = timezone.now().astimezone(item.organisation.tz).date()
    return services.item_update(item=item, by=None, due_date=today + timedelta(days=days))


def test_the_owner_department_is_reminded_once_before_the_due_date(world: World, mailoutbox: Any) -> None:
    _due_in(world.item, 2)
    assert services.items_remind_due(days=3) == 1
    due = Outbox.objects.filter(topic="notice", idempotency_key__startswith="improvement-due:")
    sideeffects.outbox_process(outbox_ids=due.values_list("pk", flat=True))
    note = Notification.objects.get(user=world.users["staff_target"])
    assert "Streamline reporting" in note.body and note.drill == world.ended
    assert [m for m in mailoutbox if world.users["staff_target"].email in m.bcc]
    assert not Notification.objects.filter(user=world.users["staff_other"]).exists()
    assert services.items_remind_due(days=3) == 0  # once per item
    assert Outbox.objects.filter(idempotency_key__startswith="improvement-due:").count() == 2  # app and e-mail


def test_moving_the_due_date_arms_the_reminder_again(world: World) -> None:
    _due_in(world.item, 1)
    assert services.items_remind_due(days=3) == 1
    _due_in(world.item, 2)
    assert services.items_remind_due(days=3) == 1


def test_no_reminder_for_items_due_later_done_or_without_an_owner(world: World) -> None:
    _due_in(world.item, 10)
    done = _due_in(services.item_create(organisation=world.org, by=None, title="Done", owner_department=world.cs), 1)
    services.item_progress(item=done, by=None, status="done")
    _due_in(services.item_create(organisation=world.org, by=None, title="Nobody's"), 1)
    assert services.items_remind_due(days=3) == 0


def test_the_next_drill_carries_the_organisations_open_items(world: World) -> None:
    coord = world.users["coordinator"]
    verified = services.item_create(organisation=world.org, by=coord, title="Verified", drill=world.ended)
    services.item_update(item=verified, by=coord, status="verified")
    dropped = services.item_create(organisation=world.org, by=coord, title="Dropped", drill=world.ended)
    services.item_update(item=dropped, by=coord, status="dropped")
    in_progress = services.item_create(organisation=world.org, by=coord, title="Training", drill=world.ended)
    services.item_progress(item=in_progress, by=coord, status="in_progress")
    services.item_create(organisation=world.other_org, by=None, title="Theirs")
    later = drill_services.drill_create(scenario=world.scenario, name="Next year's drill", by=coord)
    assert [i.pk for i in open_items_for_drill(later)] == sorted([world.item.pk, in_progress.pk])
    assert list(open_items_for_drill(world.ended)) == []  # its own items are not carried into itself
