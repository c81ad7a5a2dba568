"""The database's clock (every due time is compared with it, never with a process's clock) and the
drill lock that orders every change of a drill."""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from drillops.timelines.models import Drill


def db_now() -> datetime:
    """The database's clock at this instant (not the transaction's start, not this process's)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        value: datetime = cursor.fetchone()[0]
    return value


def lock_drill(drill: Drill | int) -> Drill:
    pk = drill if isinstance(drill, int) else drill.pk
    return Drill.objects.select_for_update(of=("self",), no_key=True).get(pk=pk)
