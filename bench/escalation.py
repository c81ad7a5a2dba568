"""Escalation: 10,000 injects with deadlines; half are acknowledged just before their deadline.

Targets: escalations fire p99 <= 1 s after their time; zero escalations of injects acknowledged
before the step's time (false escalations) and zero missed ones. Acknowledgements go through
the real service from several threads, racing two dispatcher replicas."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Report,
    Stack,
    base_env,
    build_scenario,
    coordinator,
    db_now,
    empty_tables,
    prepare_database,
    setup_django,
)
from bench.visible import VisibilityWatch, visible_ms

DEADLINE = 3.0  # real seconds from delivery to deadline
ACK_BEFORE = 0.5  # acknowledge this long before the deadline


def _ackers(schedule: list[tuple[datetime, int]], threads: int, by: Any) -> list[float]:
    from django.db import connection

    from drillops.timelines import services
    from drillops.timelines.models import Inject

    lock = threading.Lock()
    took: list[float] = []

    def work() -> None:
        try:
            while True:
                with lock:
                    if not schedule:
                        return
                    when, pk = schedule.pop()
                wait = (when - db_now()).total_seconds()
                if wait > 0:
                    time.sleep(wait)
                started = time.perf_counter()
                services.inject_acknowledge(inject=Inject(pk=pk), by=by)
                took.append((time.perf_counter() - started) * 1000)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return took


def _verdict(report: Report, drill_id: int, seen: dict[int, datetime]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT s.fire_at, s.fired_at, s.cancelled_at, i.acknowledged_at, s.result_id
               FROM timelines_escalationstep s JOIN timelines_inject i ON i.id = s.inject_id
               WHERE i.drill_id = %s""",
            [drill_id],
        )
        rows = cursor.fetchall()
    late = [(fired - due).total_seconds() * 1000 for due, fired, *_ in rows if fired]
    in_time = [r for r in rows if r[3] is not None and r[3] <= r[0]]
    false = [r for r in in_time if r[1] is not None]
    missed = [r for r in rows if r not in in_time and r[1] is None]
    should_fire = len(rows) - len(in_time)
    figures = report.distribution("fired - due", late, expected=should_fire)
    # The escalation inject reaches its department when the firing transaction commits.
    visible = visible_ms([(r[4], r[0]) for r in rows if r[1] and r[4]], seen)
    report.distribution("escalation visible - due", visible, expected=should_fire)
    report.figure(f"steps: {len(rows)}; acknowledged in time: {len(in_time)}; fired: {len(late)}")
    report.target(figures["p99"] <= 1000, f"p99 {figures['p99']:.1f} ms <= 1000 ms", timing=True)
    report.target(not false, f"false escalations (acknowledged before the step's time): {len(false)}")
    report.target(not missed, f"missed escalations: {len(missed)}")
    # The race is only tested if acknowledgements really land just before the step's time; on a
    # loaded machine they land late, which is a property of the load, hence a timing miss.
    report.target(
        len(in_time) >= len(rows) // 4, "at least half the planned acknowledgements landed in time", timing=True
    )


def run(*, injects: int, spread: float, threads: int) -> int:
    server, redis_url = os.environ["DATABASE_URL"], os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    url = prepare_database(server)
    setup_django(url, redis_url)
    from drillops.timelines import services
    from drillops.timelines.models import Inject

    empty_tables()
    scale = injects / spread  # one scenario second per event, `spread` real seconds for all of them
    steps = [{"after_seconds": 0, "message": "No answer by the deadline"}]
    scenario, _ = build_scenario(
        departments=1, events=injects, offsets=range(injects), deadline=round(DEADLINE * scale), escalations=steps
    )
    stack = Stack(base_env(url, redis_url))
    report = Report(f"escalation ({injects} injects with deadlines over {spread:.0f} s, half acknowledged)")
    watch = VisibilityWatch(url, stack.logdir / "visible-escalation.json")
    try:
        for name in ("dispatcher-1", "dispatcher-2", "worker-1"):
            stack.start(name)
        stack.wait_dispatchers_ready(2)
        watch.start()
        by = coordinator()
        drill = services.drill_create(scenario=scenario, name="escalation", by=by, time_scale=scale)
        drill = services.drill_start(drill=drill, by=by, at=db_now() + timedelta(seconds=3 + injects / 2000))
        rows = [
            (pk, due)
            for pk, due in Inject.objects.filter(drill=drill).order_by("due_at").values_list("pk", "due_at")
            if due
        ]
        ack_at = timedelta(seconds=DEADLINE - ACK_BEFORE)
        schedule = sorted(((due + ack_at, pk) for n, (pk, due) in enumerate(rows) if n % 2 == 0), reverse=True)
        planned = len(schedule)
        report.distribution("acknowledge call", _ackers(schedule, threads, by), expected=planned)
        time.sleep(DEADLINE + 2)
        _verdict(report, drill.pk, watch.stop()[0])
    finally:
        watch.stop()
        stack.stop_all()
    return report.finish()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args(argv)
    injects, spread = (10_000, 120.0) if args.full else (1_000, 20.0)
    return run(injects=injects, spread=spread, threads=args.threads)


if __name__ == "__main__":
    sys.exit(main())
