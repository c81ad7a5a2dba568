"""Celery tasks: a few lines each, they load by id and call the outbox code, which is idempotent."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings

from drillops.timelines.engine import outbox as sideeffects

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def process_outbox(outbox_ids: list[int] | int) -> int:
    """Carry out these rows. Failures are recorded on each row (backoff, then `failed`), never
    retried by Celery: the sweep hands a row over again when it is due."""
    ids = [outbox_ids] if isinstance(outbox_ids, int) else list(outbox_ids)
    return sideeffects.outbox_process(outbox_ids=ids)


@shared_task
def sweep_outbox() -> int:
    """Re-send outbox work whose task was lost (a broker restarted empty, a worker was killed) or
    whose retry is due. Rows that merely wait in a long queue are not lost: a backlog shrinks what
    is re-sent, so that a busy worker is not buried under copies."""
    return sideeffects.outbox_sweep(
        send=sideeffects.enqueue_outbox, limit=max(0, SWEEP_LIMIT - _backlog() * sideeffects.TASK_CHUNK)
    )


SWEEP_LIMIT = 2000  # rows; a queued task carries up to TASK_CHUNK of them


def _backlog() -> int:
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    try:
        with process_outbox.app.connection_for_read() as conn:
            channel: Any = conn.default_channel
            return int(channel.queue_declare(queue=queue, passive=True).message_count)
    except Exception as exc:  # no queue yet, or the broker is down: nothing is waiting in it
        log.debug("could not read the length of queue %s: %s", queue, exc)  # the sweep stays quiet
        return 0
