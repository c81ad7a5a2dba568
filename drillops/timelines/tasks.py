"""Celery tasks: a few lines each, they load by id and call the outbox code, which is idempotent."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings

from drillops.timelines.engine import outbox as sideeffects

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
    """Re-send outbox work whose task was lost (a broker restarted empty, a worker was killed).
    Rows that merely wait in a long queue are not lost: a backlog shrinks what is re-sent, so
    that a busy worker is not buried under copies."""
    return sideeffects.outbox_sweep(send=sideeffects.enqueue_outbox, limit=max(0, SWEEP_LIMIT - _backlog()))


SWEEP_LIMIT = 2000


def _backlog() -> int:
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    try:
        with process_outbox.app.connection_for_read() as conn:
            channel: Any = conn.default_channel
            return int(channel.queue_declare(queue=queue, passive=True).message_count)
    except Exception as exc:  # no queue yet, or the broker is down: nothing is waiting in it
        log.debug("could not read the length of queue %s: %s", queue, exc)
        return 0
