"""Burst: 5,000 injects due at the same instant (100 events x 50 departments), two dispatchers.

Target: all delivered within 1 s of their due time (the last delivered_at - due_at <= 1 s)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Report,
    Stack,
    base_env,
    build_scenario,
    coordinator,
    db_now,
    delivery_figures,
    delivery_integrity,
    due_rows,
    empty_tables,
    prepare_database,
    setup_django,
)
from bench.visible import VisibilityWatch


def run(*, departments: int, events: int) -> int:
    server, redis_url = os.environ["DATABASE_URL"], os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    url = prepare_database(server)
    setup_django(url, redis_url)
    from drillops.timelines import services
    from drillops.timelines.models import Inject

    empty_tables()
    total = departments * events
    scenario, _ = build_scenario(departments=departments, events=events, offsets=[0] * events)
    stack = Stack(base_env(url, redis_url))
    report = Report(f"burst ({total} injects due at one instant)")
    watch = VisibilityWatch(url, stack.logdir / "visible-burst.json")
    try:
        for name in ("dispatcher-1", "dispatcher-2", "worker-1"):
            stack.start(name)
        stack.wait_dispatchers_ready(2)
        watch.start()
        by = coordinator()
        drill = services.drill_create(scenario=scenario, name="burst", by=by)
        due = db_now() + timedelta(seconds=5)  # written well before it is due
        services.drill_start(drill=drill, by=by, at=due)
        written = db_now()
        report.target(
            written < due, f"rows written {(due - written).total_seconds():.1f} s before they were due", timing=True
        )
        deadline = time.monotonic() + 30
        while Inject.objects.filter(drill=drill, delivered_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # the last commit's notice reaches the listener
        seen, _reconnects = watch.stop()
        rows = due_rows([drill.pk])
        figures = delivery_figures(report, "", rows, seen)
        delivered = sum(r.delivered_at is not None for r in rows)
        report.target(
            len(rows) == total and delivered == total, f"delivered {delivered} of {len(rows)} (planned {total})"
        )
        report.target(
            figures["max"] <= 1000,
            f"last delivery {figures['max']:.1f} ms after the due instant <= 1000 ms",
            timing=True,
        )
        delivery_integrity(report, [drill.pk], due_before=db_now())
    finally:
        watch.stop()
        stack.stop_all()
    return report.finish()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--departments", type=int, default=50)
    parser.add_argument("--events", type=int, default=100)
    args = parser.parse_args(argv)
    return run(departments=args.departments, events=args.events)


if __name__ == "__main__":
    sys.exit(main())
