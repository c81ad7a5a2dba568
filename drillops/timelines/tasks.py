"""Celery tasks: a few lines each, they load by id and call the outbox code, which is idempotent."""

from __future__ import annotations

import logging

from celery import shared_task

from drillops.timelines import sideeffects

log = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=8,
)
def process_outbox(outbox_id: int) -> bool:
    return sideeffects.outbox_process(outbox_id=outbox_id)


@shared_task
def sweep_outbox() -> int:
    """Re-send outbox work whose task was lost (a broker restarted empty, a worker was killed)."""
    return sideeffects.outbox_sweep(send=enqueue_outbox)


def enqueue_outbox(outbox_ids: list[int]) -> int:
    """Hand outbox rows to Celery. A broker outage must not block or fail the caller: what could
    not be sent is left to the sweep."""
    sent = 0
    sideeffects.outbox_mark_enqueued(outbox_ids=outbox_ids)
    for outbox_id in outbox_ids:
        try:
            process_outbox.apply_async((outbox_id,), retry=False)
            sent += 1
        except Exception as exc:  # the broker is down: the sweep re-sends later
            log.warning("could not enqueue outbox %s: %s", outbox_id, exc)
            break
    return sent
