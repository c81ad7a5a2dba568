"""One console line per inject delivered, for `make run` when asked (DRILLOPS_SHOW_DELIVERIES=1
or `scripts/run.py --deliveries`): when, which drill, which department, what, and how long
after its due time.

It reads the drill timelines (the `delivered` entries, which every cause of delivery writes) a
few times a second, looking back a while so that a delivery committed a little after its own
time is not skipped, and prints each entry once.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

POLL_SECONDS = 0.5
LOOK_BACK = timedelta(seconds=30)


def describe(entry: Any) -> str:
    """`15:42:55 drill «name»: Customer Service <- "title" (scheduled, 12 ms after due)`."""
    from drillops.timelines.models import InjectCause

    inject = entry.inject
    when = entry.at.astimezone().strftime("%H:%M:%S")
    late = ""
    if inject.due_at is not None and inject.cause == InjectCause.SCHEDULED:
        late = f", {(entry.at - inject.due_at).total_seconds() * 1000:.0f} ms after due"
    return f'{when} drill «{entry.drill.name}»: {inject.department.name} <- "{inject.title}" ({inject.cause}{late})'


def new_deliveries(since: datetime, printed: set[int]) -> list[Any]:
    from drillops.timelines.models import EntryKind, TimelineEntry

    entries = (
        TimelineEntry.objects.filter(kind=EntryKind.DELIVERED, at__gte=since, inject__isnull=False)
        .exclude(pk__in=printed)
        .select_related("drill", "inject", "inject__department")
        .order_by("at", "id")
    )
    return list(entries[:500])


def watch(stop: list[bool]) -> None:
    from django.db import OperationalError, connection

    from drillops.timelines.engine.clock import db_now

    printed: dict[int, datetime] = {}
    started = db_now()
    print("showing deliveries as they happen", flush=True)
    while not stop:
        try:
            now = db_now()
            for entry in new_deliveries(max(started, now - LOOK_BACK), set(printed)):
                printed[entry.pk] = entry.at
                print(describe(entry), flush=True)
            for pk in [pk for pk, at in printed.items() if at < now - LOOK_BACK]:
                del printed[pk]
        except OperationalError as exc:  # the database restarted: try again
            print(f"database unavailable ({exc}); retrying", flush=True)
            connection.close()
        time.sleep(POLL_SECONDS)


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drillops.settings")
    import django

    django.setup()
    stop: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    signal.signal(signal.SIGINT, lambda *_: stop.append(True))
    watch(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
