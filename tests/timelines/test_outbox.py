"""Side effects after a delivery: one outbox row per inject and channel, claimed by compare-and-swap,
retried alone with backoff, given up visibly, retried by hand; the sweep respects leases."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from drillops.celery import app
from drillops.core.models import AuditEntry
from drillops.departments.models import DepartmentWebhook
from drillops.timelines import tasks
from drillops.timelines.engine import dispatcher
from drillops.timelines.engine import outbox as sideeffects
from drillops.timelines.models import Inject, Notification, Outbox, OutboxChannel, OutboxState

from ..factories import DepartmentFactory, MembershipFactory, UserFactory

UNREACHABLE = "http://127.0.0.1:9/unreachable"


def _keys(**filters) -> set[str]:
    return set(Outbox.objects.filter(**filters).values_list("idempotency_key", flat=True))


def _process_all() -> int:
    return sideeffects.outbox_process(outbox_ids=Outbox.objects.order_by("pk").values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_delivery_writes_one_row_per_channel_that_reaches_someone(build_scenario, org, cs, risk, start_drill):
    MembershipFactory(organisation=org, department=cs, user=UserFactory(username="mailed"))
    MembershipFactory(organisation=org, department=risk, user=UserFactory(username="no-address", email=""))
    nobody = DepartmentFactory(organisation=org, code="nobody")
    DepartmentWebhook.objects.create(department=cs, url=UNREACHABLE)
    DepartmentWebhook.objects.create(department=risk, url=UNREACHABLE, is_active=False)
    drill = start_drill(build_scenario([{"departments": [cs, risk, nobody]}]))
    dispatcher.run_once()
    by_dept = {i.department_id: i.pk for i in Inject.objects.filter(drill=drill)}
    c, r = by_dept[cs.pk], by_dept[risk.pk]
    assert _keys() == {f"inject:{c}:inapp", f"inject:{c}:email", f"inject:{c}:webhook", f"inject:{r}:inapp"}
    assert set(Outbox.objects.values_list("state", flat=True)) == {OutboxState.PENDING}
    assert set(Outbox.objects.values_list("drill_id", flat=True)) == {drill.pk}


@pytest.mark.django_db
def test_each_channel_carries_its_side_effect_once_marked_as_an_exercise(
    build_scenario, cs, cs_staff, start_drill, mailoutbox, webhook_receiver
):
    DepartmentWebhook.objects.create(department=cs, url=webhook_receiver.url("cs"))
    drill = start_drill(build_scenario([{"departments": [cs], "title": "First complaint"}]))
    dispatcher.run_once()
    inject = Inject.objects.get(drill=drill)
    assert _process_all() == 3
    note = Notification.objects.get(user=cs_staff)
    assert note.inject == inject and note.marking == "EXERCISE / 演练" and note.title.startswith("[EXERCISE")
    [mail] = mailoutbox
    assert mail.subject.startswith("[EXERCISE / 演练]") and cs_staff.email in mail.bcc
    assert mail.extra_headers["X-DrillOps-Idempotency-Key"] == f"inject:{inject.pk}:email"
    [hook] = webhook_receiver.accepted
    assert hook["key"] == f"inject:{inject.pk}:webhook" and hook["body"]["marking"] == "EXERCISE / 演练"
    assert set(Outbox.objects.values_list("state", flat=True)) == {OutboxState.DONE}
    assert _process_all() == 0 and len(mailoutbox) == 1 and len(webhook_receiver.accepted) == 1


@pytest.mark.django_db
def test_a_failing_channel_is_retried_alone_with_backoff(build_scenario, cs, cs_staff, start_drill, mailoutbox):
    DepartmentWebhook.objects.create(department=cs, url=UNREACHABLE)
    start_drill(build_scenario([{"departments": [cs]}]))
    dispatcher.run_once()
    _process_all()
    hook = Outbox.objects.get(channel=OutboxChannel.WEBHOOK)
    assert hook.state == OutboxState.PENDING and hook.attempts == 1 and "URLError" in hook.last_error
    assert hook.next_attempt_at > timezone.now() and hook.claimed_until is None and hook.enqueued_at is None
    assert Outbox.objects.filter(state=OutboxState.DONE).count() == 2
    assert _process_all() == 0  # waiting out its backoff: not even tried
    hook.refresh_from_db()
    assert hook.attempts == 1 and len(mailoutbox) == 1 and Notification.objects.count() == 1


def test_backoff_grows_exponentially_with_jitter_up_to_its_cap(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS, settings.OUTBOX_RETRY_MAX_SECONDS = 2, 60
    delays = {n: [sideeffects.retry_delay(n) for _ in range(50)] for n in (1, 2, 3, 10)}
    assert all(1 <= d <= 2 for d in delays[1]) and all(2 <= d <= 4 for d in delays[2])
    assert all(4 <= d <= 8 for d in delays[3]) and all(30 <= d <= 60 for d in delays[10])
    assert len(set(delays[3])) > 1  # jitter: rows failing together do not come back together


@pytest.mark.django_db
def test_a_claim_is_refused_while_another_lease_is_live_and_a_stale_worker_cannot_finish(
    build_scenario, cs, cs_staff, start_drill
):
    start_drill(build_scenario([{"departments": [cs]}]))
    dispatcher.run_once()
    row = Outbox.objects.get(channel=OutboxChannel.INAPP)
    [first] = sideeffects.outbox_claim(outbox_ids=[row.pk])
    assert first.attempts == 1
    assert sideeffects.outbox_claim(outbox_ids=[row.pk]) == []
    Outbox.objects.filter(pk=row.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))  # worker died
    [second] = sideeffects.outbox_claim(outbox_ids=[row.pk])
    assert second.attempts == 2
    assert sideeffects.outbox_done([first]) == 0  # its lease ran out and the row went on
    assert sideeffects.outbox_done([second]) == 1


def _race(*targets: Callable[[], object]) -> None:
    barrier = threading.Barrier(len(targets))

    def run(target: Callable[[], object]) -> None:
        try:
            barrier.wait()
            target()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[n : n + size] for n in range(0, len(ids), size)]


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_the_same_rows_never_both_run_one(build_scenario, cs, cs_staff, start_drill, mailoutbox):
    start_drill(build_scenario([{"departments": [cs]} for _ in range(40)]))
    dispatcher.run_once()
    ids = list(Outbox.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 80
    claimed: dict[str, list[int]] = {"a": [], "b": []}

    def claimer(name: str, batches: list[list[int]]) -> Callable[[], None]:
        return lambda: claimed[name].extend(
            c.id for batch in batches for c in sideeffects.outbox_claim(outbox_ids=batch)
        )

    # Row by row in the same order (both want each row at once), and in overlapping batches.
    for a_batches, b_batches in ((_chunks(ids, 1), _chunks(ids, 1)), (_chunks(ids, 10), _chunks(ids[::-1], 7))):
        Outbox.objects.update(claimed_until=None, attempts=0)
        claimed = {"a": [], "b": []}
        _race(claimer("a", a_batches), claimer("b", b_batches))
        assert not set(claimed["a"]) & set(claimed["b"]) and sorted(claimed["a"] + claimed["b"]) == ids
    # The whole of it, from both ends at once: every e-mail sent once.
    Outbox.objects.update(claimed_until=None, attempts=0)
    done = {"a": 0, "b": 0}

    def worker(name: str, batches: list[list[int]]) -> Callable[[], None]:
        return lambda: done.update({name: sum(sideeffects.outbox_process(outbox_ids=b) for b in batches)})

    _race(worker("a", _chunks(ids, 10)), worker("b", _chunks(ids[::-1], 10)))
    keys = [m.extra_headers["X-DrillOps-Idempotency-Key"] for m in mailoutbox]
    assert done["a"] + done["b"] == 80 and len(keys) == 40 == len(set(keys))


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_its_lease_through_a_long_batch(
    build_scenario, cs, cs_staff, start_drill, settings, webhook_receiver
):
    settings.OUTBOX_LEASE_SECONDS = 0.6
    webhook_receiver.delay = 0.35  # four slow webhooks: the batch outlasts one lease twice over
    DepartmentWebhook.objects.create(department=cs, url=webhook_receiver.url("cs"))
    start_drill(build_scenario([{"departments": [cs]} for _ in range(4)]))
    dispatcher.run_once()
    hooks = list(Outbox.objects.filter(channel=OutboxChannel.WEBHOOK).values_list("pk", flat=True))
    finished = threading.Event()
    stolen: list[int] = []

    def worker() -> None:
        sideeffects.outbox_process(outbox_ids=hooks)
        finished.set()

    def rival() -> None:  # another worker (or a sweep's copy of the task), once the first holds them
        while not Outbox.objects.filter(pk__in=hooks, claimed_until__isnull=False).exists():
            time.sleep(0.01)
        while not finished.is_set():
            stolen.extend(c.id for c in sideeffects.outbox_claim(outbox_ids=hooks))
            time.sleep(0.05)

    _race(worker, rival)
    assert stolen == [] and Counter(webhook_receiver.keys("cs")) == {
        key: 1 for key in Outbox.objects.filter(pk__in=hooks).values_list("idempotency_key", flat=True)
    }
    assert set(Outbox.objects.filter(pk__in=hooks).values_list("state", flat=True)) == {OutboxState.DONE}


@pytest.mark.django_db
def test_the_sweep_leaves_live_leases_and_backoff_alone_and_re_sends_what_was_lost(
    build_scenario, cs, cs_staff, start_drill
):
    start_drill(build_scenario([{"departments": [cs]}]))
    dispatcher.run_once()
    sent: list[int] = []

    def send(ids: list[int]) -> int:
        sent.extend(ids)
        return len(ids)

    def sweep() -> list[int]:
        sent.clear()
        sideeffects.outbox_sweep(send=send)
        return sorted(sent)

    inapp, email = Outbox.objects.get(channel=OutboxChannel.INAPP), Outbox.objects.get(channel=OutboxChannel.EMAIL)
    assert sweep() == []  # just handed to Celery
    long_ago = timezone.now() - timedelta(minutes=5)
    Outbox.objects.update(enqueued_at=long_ago)
    assert sideeffects.outbox_claim(outbox_ids=[inapp.pk])  # a worker is on it
    Outbox.objects.filter(pk=email.pk).update(enqueued_at=None, next_attempt_at=timezone.now() + timedelta(hours=1))
    assert sweep() == []  # one is leased, the other waits out its backoff
    Outbox.objects.filter(pk=inapp.pk).update(claimed_until=long_ago)  # the worker was killed
    Outbox.objects.filter(pk=email.pk).update(next_attempt_at=long_ago)
    assert sweep() == sorted([inapp.pk, email.pk])
    assert sweep() == []  # handed over just now


@pytest.mark.django_db
def test_a_row_out_of_attempts_is_failed_counted_and_retried_by_hand(
    build_scenario, cs, cs_staff, coordinator, start_drill, settings, client
):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    DepartmentWebhook.objects.create(department=cs, url=UNREACHABLE)
    drill = start_drill(build_scenario([{"departments": [cs]}]))
    dispatcher.run_once()
    hook = Outbox.objects.get(channel=OutboxChannel.WEBHOOK)
    for _ in range(2):
        Outbox.objects.filter(pk=hook.pk).update(next_attempt_at=timezone.now())
        sideeffects.outbox_process(outbox_ids=[hook.pk])
    hook.refresh_from_db()
    assert hook.state == OutboxState.FAILED and hook.attempts == 2
    assert sideeffects.outbox_sweep(send=lambda ids: 0) == 0  # given up: never sent again by itself
    health = client.get("/healthz").json()["outbox"]
    assert health["ok"] is True and health["failed"] == 1
    staff = Client()
    staff.force_login(admin)
    listing = staff.get(reverse("admin:timelines_outbox_changelist") + "?state__exact=failed")
    assert hook.idempotency_key in listing.content.decode()
    DepartmentWebhook.objects.filter(department=cs).update(is_active=False)  # the receiver is fixed (here: gone)
    url = reverse("admin:timelines_outbox_changelist")
    staff.post(url, {"action": "retry", ACTION_CHECKBOX_NAME: [hook.pk]}, follow=True)
    hook.refresh_from_db()
    assert hook.state == OutboxState.PENDING and hook.attempts == 0
    assert AuditEntry.objects.filter(action="outbox.retry", object_id=hook.pk, actor=admin, drill_id=drill.pk).exists()
    assert sideeffects.outbox_process(outbox_ids=[hook.pk]) == 1
    hook.refresh_from_db()
    assert hook.state == OutboxState.DONE and client.get("/healthz").json()["outbox"]["failed"] == 0


@pytest.mark.django_db
def test_dismissing_a_failed_row_takes_it_out_of_the_counts(build_scenario, cs, cs_staff, start_drill, client):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    drill = start_drill(build_scenario([{"departments": [cs]}]))
    dispatcher.run_once()
    failed = Outbox.objects.get(channel=OutboxChannel.EMAIL)
    Outbox.objects.filter(pk=failed.pk).update(state=OutboxState.FAILED)
    staff = Client()
    staff.force_login(admin)
    url = reverse("admin:timelines_outbox_changelist")
    pending = Outbox.objects.get(channel=OutboxChannel.INAPP)
    staff.post(url, {"action": "dismiss", ACTION_CHECKBOX_NAME: [failed.pk, pending.pk]}, follow=True)
    assert dict(Outbox.objects.values_list("pk", "state")) == {
        failed.pk: OutboxState.DISMISSED,
        pending.pk: OutboxState.PENDING,
    }
    assert AuditEntry.objects.filter(action="outbox.dismiss", drill_id=drill.pk).count() == 1
    assert client.get("/healthz").json()["outbox"]["failed"] == 0


@pytest.mark.django_db
def test_a_row_whose_worker_dies_on_every_attempt_gives_up_in_the_sweep(build_scenario, cs, cs_staff, start_drill):
    start_drill(build_scenario([{"departments": [cs]}]))
    dispatcher.run_once()
    row = Outbox.objects.get(channel=OutboxChannel.INAPP)
    long_ago = timezone.now() - timedelta(minutes=5)
    Outbox.objects.filter(pk=row.pk).update(attempts=10, claimed_until=long_ago, enqueued_at=long_ago)
    sideeffects.outbox_sweep(send=lambda ids: 0)
    row.refresh_from_db()
    assert row.state == OutboxState.FAILED and "worker lost" in row.last_error


@pytest.mark.django_db
def test_the_console_shows_failed_side_effects_to_coordinators_only(
    build_scenario, cs, cs_staff, coordinator, start_drill
):
    drill = start_drill(build_scenario([{"departments": [cs]}]))
    dispatcher.run_once()
    Outbox.objects.update(state=OutboxState.FAILED)
    pages = {}
    for user in (coordinator, cs_staff):
        browser = Client()
        browser.force_login(user)
        pages[user.username] = browser.get(reverse("drill_live", args=[drill.pk])).content.decode()
    assert 'id="outbox-failed" data-count="2"' in pages[coordinator.username]
    assert "outbox-failed" not in pages[cs_staff.username]


@pytest.mark.django_db(transaction=True)
def test_a_lost_outbox_task_is_re_sent_by_the_sweep(build_scenario, cs, cs_staff, start_drill):
    from celery.contrib.testing.worker import start_worker

    app.control.purge()
    start_drill(build_scenario([{"departments": [cs]}]))
    dispatcher.run_once()  # commits, and enqueues the outbox task on commit
    assert app.control.purge() >= 1  # the broker lost it (e.g. Redis restarted empty)
    assert tasks.sweep_outbox() == 0  # too recently handed over to be called lost
    Outbox.objects.update(enqueued_at=timezone.now() - timedelta(minutes=5))
    assert tasks.sweep_outbox() == 2
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        for _ in range(100):
            if not Outbox.objects.exclude(state=OutboxState.DONE).exists():
                break
            time.sleep(0.1)
    assert not Outbox.objects.exclude(state=OutboxState.DONE).exists()
    assert Notification.objects.filter(user=cs_staff).count() == 1


@pytest.mark.django_db
def test_an_administrator_retries_only_rows_of_their_own_organisation(
    build_scenario, cs, cs_staff, coordinator, start_drill
):
    from ..factories import OrganisationFactory

    start_drill(build_scenario([{"departments": [cs]}]))
    dispatcher.run_once()
    Outbox.objects.update(state=OutboxState.FAILED)
    outsider = UserFactory(username="other-admin", is_staff=True)
    MembershipFactory(organisation=OrganisationFactory(slug="other-insurer"), user=outsider, role="coordinator")
    url = reverse("admin:timelines_outbox_changelist")
    ids = list(Outbox.objects.values_list("pk", flat=True))
    for user in (outsider, coordinator):  # another organisation's administrator; no administrator at all
        browser = Client()
        browser.force_login(user)
        assert "inject:" not in browser.get(url).content.decode()
        browser.post(url, {"action": "retry", ACTION_CHECKBOX_NAME: ids}, follow=True)
    assert set(Outbox.objects.values_list("state", flat=True)) == {OutboxState.FAILED}
    administrator = UserFactory(username="acme-admin", is_staff=True)
    MembershipFactory(organisation=cs.organisation, user=administrator, role="coordinator")
    browser = Client()
    browser.force_login(administrator)
    assert Outbox.objects.first().idempotency_key in browser.get(url).content.decode()
    browser.post(url, {"action": "retry", ACTION_CHECKBOX_NAME: ids}, follow=True)
    assert set(Outbox.objects.values_list("state", flat=True)) == {OutboxState.PENDING}
    assert AuditEntry.objects.filter(action="outbox.retry", actor=administrator).count() == len(ids)


@pytest.mark.django_db
def test_an_in_app_row_run_again_after_a_lost_worker_adds_no_second_notification(
    build_scenario, cs, cs_staff, start_drill
):
    start_drill(build_scenario([{"departments": [cs]}]))
    dispatcher.run_once()
    row = Outbox.objects.get(channel=OutboxChannel.INAPP)
    assert sideeffects.outbox_process(outbox_ids=[row.pk]) == 1
    # As if the worker had died after notifying and before marking the row done.
    Outbox.objects.filter(pk=row.pk).update(state=OutboxState.PENDING, done_at=None, claimed_until=None)
    assert sideeffects.outbox_process(outbox_ids=[row.pk]) == 1
    assert Notification.objects.filter(user=cs_staff).count() == 1
