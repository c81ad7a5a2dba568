"""Pause and resume a drill with 10,000 pending injects (and their escalation-free schedule).

Targets: resume (the shift of every pending due time) <= 250 ms; every due time moved by exactly
the paused length, to the microsecond."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Report, build_scenario, coordinator, empty_tables, prepare_database, setup_django


def run(*, pending: int, pause_seconds: float) -> int:
    server, redis_url = os.environ["DATABASE_URL"], os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    url = prepare_database(server)
    setup_django(url, redis_url)
    from drillops.timelines import services
    from drillops.timelines.models import Inject

    empty_tables()
    scenario, _ = build_scenario(departments=10, events=pending // 10, offsets=[3600 + n for n in range(pending // 10)])
    by = coordinator()
    report = Report(f"pause ({pending} pending injects)")
    drill = services.drill_create(scenario=scenario, name="pause", by=by)
    drill = services.drill_start(drill=drill, by=by)
    before = dict(Inject.objects.filter(drill=drill).values_list("pk", "due_at"))
    started = time.perf_counter()
    drill = services.drill_pause(drill=drill, by=by)
    pause_ms = (time.perf_counter() - started) * 1000
    time.sleep(pause_seconds)
    started = time.perf_counter()
    drill = services.drill_resume(drill=drill, by=by)
    resume_ms = (time.perf_counter() - started) * 1000
    after = dict(Inject.objects.filter(drill=drill).values_list("pk", "due_at"))
    shifts = {after[pk] - before[pk] for pk in before}  # type: ignore[operator]  # pending rows have due_at
    report.figure(f"pause took {pause_ms:.1f} ms; paused for {drill.paused_total.total_seconds() * 1000:.3f} ms")
    report.target(len(before) == pending, f"pending injects: {len(before)}")
    report.target(
        resume_ms <= 250, f"resume (shift of {getattr(drill, 'shifted_count', '?')} rows) {resume_ms:.1f} ms <= 250 ms"
    )
    report.target(
        shifts == {drill.paused_total},
        f"every due time moved by exactly the paused length ({len(shifts)} distinct shift)",
    )
    return report.finish()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--pause-seconds", type=float, default=1.0)
    args = parser.parse_args(argv)
    return run(pending=args.pending, pause_seconds=args.pause_seconds)


if __name__ == "__main__":
    sys.exit(main())
