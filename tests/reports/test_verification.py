"""An improvement item re-tested by later drills: verified by the next comparable drill whose figure
meets the target; left open (both figures shown) when it does not; recorded as not comparable for
a drill at another time scale; never touched by a stopped drill. Re-running changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from drillops.celery import app
from drillops.core.models import AuditEntry
from drillops.reports import services
from drillops.reports.models import FindingProposal, ImprovementItem, ImprovementStatus, ItemVerification
from drillops.reports.selectors import open_items_for_drill
from drillops.timelines import services as drill_services
from drillops.timelines.models import DrillState

from .loop_world import Loop, build_loop

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(org, cs, risk) -> Loop:
    return build_loop(org, cs, risk)


@pytest.fixture
def item(loop: Loop, coordinator: Any) -> ImprovementItem:
    """The item accepted from a real-time drill whose hand-off took 300 s (target 60 s)."""
    first = loop.drill(forward=300, name="First")
    services.proposals_refresh(drill=first.drill)
    proposal = FindingProposal.objects.get(drill=first.drill, key=f"task:{loop.handoff_task.pk}")
    accepted = services.proposal_accept(proposal=proposal, by=coordinator)
    assert accepted.item is not None
    return accepted.item


def test_the_next_comparable_drill_that_meets_the_target_verifies_the_item(loop, item):
    second = loop.drill(forward=45, name="Second")
    [attempt] = services.items_verify(drill=second.drill)
    assert (attempt.figure, attempt.baseline, attempt.met, attempt.comparable) == (45.0, 300.0, True, True)
    assert attempt.reason == "met" and attempt.target == loop.handoff_target()
    item.refresh_from_db()
    assert item.status == ImprovementStatus.VERIFIED and item.verified_in_id == second.drill.pk
    assert item.baseline_figure == 300.0 and item.followed_up_in_id == second.drill.pk
    assert services.items_verify(drill=second.drill) == []  # verified: nothing left to re-test
    assert ItemVerification.objects.count() == 1


def test_a_figure_over_the_target_leaves_the_item_open_with_both_figures(loop, item):
    second = loop.drill(forward=200, name="Still slow")
    [attempt] = services.items_verify(drill=second.drill)
    assert (attempt.figure, attempt.baseline, attempt.met, attempt.reason) == (200.0, 300.0, False, "not_met")
    item.refresh_from_db()
    assert item.status == ImprovementStatus.OPEN and item.verified_in is None
    # The next drill's console lists it with its last figure.
    third = loop.drill(forward=30, state=DrillState.RUNNING, name="Third")
    [listed] = open_items_for_drill(third.drill)
    assert (listed.pk, listed.last_figure, listed.last_met, listed.last_drill_name) == (
        item.pk,
        200.0,
        False,
        "Still slow",
    )
    assert listed.baseline_figure == 300.0
    # Re-running the same drill adds no second attempt.
    services.items_verify(drill=second.drill)
    assert ItemVerification.objects.filter(item=item).count() == 1
    assert AuditEntry.objects.filter(action="improvement.verify", object_id=item.pk).count() == 2


def test_a_drill_at_another_time_scale_is_recorded_as_not_comparable(loop, item):
    faster = loop.drill(forward=10, time_scale=60, name="Sixty times faster")
    [attempt] = services.items_verify(drill=faster.drill)
    assert (attempt.comparable, attempt.met, attempt.reason, attempt.figure) == (False, None, "time_scale", 10.0)
    item.refresh_from_db()
    assert item.status == ImprovementStatus.OPEN and item.followed_up_in is None


def test_a_stopped_drill_verifies_nothing(loop, item):
    stopped = loop.drill(forward=10, state=DrillState.STOPPED, name="Stopped")
    assert services.items_verify(drill=stopped.drill) == []
    item.refresh_from_db()
    assert item.status == ImprovementStatus.OPEN and not ItemVerification.objects.exists()


def test_items_without_a_target_or_already_dropped_are_not_retested(loop, item, coordinator):
    services.item_create(organisation=loop.org, by=coordinator, title="Crisis team")  # no target
    services.item_update(item=item, by=coordinator, status=ImprovementStatus.DROPPED)
    later = loop.drill(forward=10, name="Later")
    assert services.items_verify(drill=later.drill) == []


@pytest.fixture
def eager_celery() -> Any:
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_finishing_a_drill_verifies_through_the_signal_and_stopping_does_not(
    loop, item, coordinator, eager_celery, django_capture_on_commit_callbacks
):
    stopped = loop.drill(forward=10, state=DrillState.RUNNING, name="Stopped live")
    with django_capture_on_commit_callbacks(execute=True):
        drill_services.drill_stop(drill=stopped.drill, by=coordinator, reason="Real emergency")
    assert not ItemVerification.objects.exists()
    assert FindingProposal.objects.filter(drill=stopped.drill).exists()  # a stopped drill still gets proposals

    finished = loop.drill(forward=10, state=DrillState.RUNNING, name="Finished live")
    with django_capture_on_commit_callbacks(execute=True):
        drill_services.drill_finish(drill=finished.drill, by=coordinator)
    item.refresh_from_db()
    assert item.status == ImprovementStatus.VERIFIED and item.verified_in_id == finished.drill.pk
    assert FindingProposal.objects.filter(drill=finished.drill).exists()


def test_the_item_detail_shows_its_verification_history(loop, item, coordinator):
    from rest_framework.test import APIClient

    services.items_verify(drill=loop.drill(forward=200, name="Still slow").drill)
    services.items_verify(drill=loop.drill(forward=10, time_scale=60, name="Faster clock").drill)
    client = APIClient()
    client.force_login(coordinator)
    body = client.get(f"/api/v1/improvement-items/{item.pk}/").json()
    assert body["baseline_figure"] == 300.0 and body["verified_in"] is None and body["status"] == "open"
    history = [(v["drill_name"], v["figure"], v["baseline"], v["met"], v["comparable"], v["reason"])
               for v in body["verifications"]]  # fmt: skip
    assert history == [
        ("Still slow", 200.0, 300.0, False, True, "not_met"),
        ("Faster clock", 10.0, 300.0, None, False, "time_scale"),
    ]
    assert "verifications" not in client.get("/api/v1/improvement-items/").json()["results"][0]


def test_the_sweep_catches_up_on_a_drill_whose_tasks_were_lost(loop, item):
    from django.utils import timezone

    from drillops.reports.tasks import sweep_improvement_loop
    from drillops.timelines.models import Drill

    lost = loop.drill(forward=30, name="Broker was down").drill
    Drill.objects.filter(pk=lost.pk).update(ended_at=timezone.now())  # ended just now, nothing ran
    assert sweep_improvement_loop() > 0
    item.refresh_from_db()
    assert item.status == ImprovementStatus.VERIFIED and item.verified_in_id == lost.pk
    assert FindingProposal.objects.filter(drill=lost).exists()
    made = FindingProposal.objects.count()
    sweep_improvement_loop()  # caught up: nothing more
    assert FindingProposal.objects.count() == made and ItemVerification.objects.count() == 1
