"""One department's webhook fails while the others work, with a real Celery worker, the real sweep
and a local HTTP receiver: nobody else hears anything twice, the failing one hears each inject
once it recovers, and e-mails go out once per inject whatever the webhooks do."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

import pytest
from celery.contrib.testing.worker import start_worker

from drillops.celery import app
from drillops.departments.models import DepartmentWebhook
from drillops.timelines import tasks
from drillops.timelines.engine import dispatcher
from drillops.timelines.models import Inject, Notification, Outbox, OutboxState

from ..factories import DepartmentFactory, MembershipFactory, UserFactory


def _wait(until: Callable[[], bool], *, sweep: bool = False, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not until():
        assert time.monotonic() < deadline, "timed out"
        if sweep:
            tasks.sweep_outbox()  # what beat does every few seconds: re-send what is due
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_a_failing_webhook_delays_only_its_department_which_hears_each_inject_once_it_recovers(
    build_scenario, org, cs, risk, start_drill, settings, mailoutbox, webhook_receiver
):
    settings.OUTBOX_RETRY_BASE_SECONDS, settings.OUTBOX_RETRY_MAX_SECONDS = 0.2, 0.5
    ops = DepartmentFactory(organisation=org, code="ops")
    departments = {"cs": cs, "risk": risk, "ops": ops}
    for code, department in departments.items():
        MembershipFactory(organisation=org, department=department, user=UserFactory(username=f"{code}-staff"))
        DepartmentWebhook.objects.create(department=department, url=webhook_receiver.url(code))
    webhook_receiver.failing.add("cs")
    drill = start_drill(build_scenario([{"departments": list(departments.values())} for _ in range(4)]))
    app.control.purge()

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert dispatcher.run_once().delivered == 12  # commits; the rows go to the worker on commit
        injects = {code: list(Inject.objects.filter(drill=drill, department=d).values_list("pk", flat=True))
                   for code, d in departments.items()}  # fmt: skip
        cs_hooks = Outbox.objects.filter(idempotency_key__in=[f"inject:{pk}:webhook" for pk in injects["cs"]])
        assert Outbox.objects.count() == 36  # 12 injects x (in-app, e-mail, webhook)
        # Everything but the failing department's webhook is done; its rows were tried and wait.
        _wait(lambda: Outbox.objects.filter(state=OutboxState.DONE).count() == 32)
        # Still failing: the sweep hands them over again after their backoff, and they fail again.
        _wait(lambda: not cs_hooks.filter(attempts__lt=2).exists(), sweep=True)
        assert webhook_receiver.keys("cs") == [] and not cs_hooks.exclude(state=OutboxState.PENDING).exists()
        webhook_receiver.failing.clear()  # the receiver recovers
        _wait(lambda: not Outbox.objects.exclude(state=OutboxState.DONE).exists(), sweep=True)
        # Sweeps after everything is done re-send nothing.
        assert tasks.sweep_outbox() == 0

    for code in departments:
        assert Counter(webhook_receiver.keys(code)) == {f"inject:{pk}:webhook": 1 for pk in injects[code]}
    assert {hit["key"] for hit in webhook_receiver.refused} == {row.idempotency_key for row in cs_hooks}
    assert all(hit["body"]["marking"] == "EXERCISE / 演练" for hit in webhook_receiver.accepted)
    mail_keys = Counter(m.extra_headers["X-DrillOps-Idempotency-Key"] for m in mailoutbox)
    all_injects = [pk for pks in injects.values() for pk in pks]
    assert mail_keys == {f"inject:{pk}:email": 1 for pk in all_injects}
    assert sorted(Notification.objects.values_list("inject_id", flat=True)) == sorted(all_injects)
