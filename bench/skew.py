"""Delivery skew: 50 drills running, 200 injects/s in total; delivered_at - due_at from the database.

Targets (DESIGN.md): p50 <= 20 ms, p99 <= 250 ms, max <= 1 s; zero lost, zero duplicates.
--full runs 10 minutes; --short runs 30 s (CI)."""

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


def run(*, duration: int, drills: int, rate: int) -> int:
    server, redis_url = os.environ["DATABASE_URL"], os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    url = prepare_database(server)
    setup_django(url, redis_url)
    from drillops.timelines import services

    empty_tables()
    per_drill = rate / drills  # injects per second per drill: one scenario second each
    events = int(duration * per_drill)
    scenario, _depts = build_scenario(departments=1, events=events, offsets=range(events))
    stack = Stack(base_env(url, redis_url))
    report = Report(f"skew ({drills} drills, {rate} injects/s, {duration} s)")
    watch = VisibilityWatch(url, stack.logdir / "visible-skew.json")
    try:
        for name in ("dispatcher-1", "dispatcher-2", "worker-1"):
            stack.start(name)
        stack.wait_dispatchers_ready(2)
        watch.start()
        by = coordinator()
        # Drill k starts k/rate seconds after the first, so deliveries interleave evenly.
        base = db_now() + timedelta(seconds=5 + drills * events / 2000)
        ids = []
        for k in range(drills):
            drill = services.drill_create(scenario=scenario, name=f"skew {k}", by=by, time_scale=per_drill)
            services.drill_start(drill=drill, by=by, at=base + timedelta(seconds=k / rate))
            ids.append(drill.pk)
        # Rows committed after their due time would be late by construction, not by the engine:
        # measure from when every drill had been written (on a busy machine that can be after t0).
        ready = max(db_now(), base)
        if ready > base:
            report.figure(f"writing the drills ran {(ready - base).total_seconds():.1f} s past t0; measured from then")
        end = base + timedelta(seconds=duration)
        while db_now() < end + timedelta(seconds=1.5):
            time.sleep(0.5)
        seen, _reconnects = watch.stop()
        rows = due_rows(ids, where="AND due_at > %s AND due_at <= %s", params=[ready, end])
        figures = delivery_figures(report, "", rows, seen)
        report.figure(f"injects due in the window: {len(rows)} over {duration} s")
        report.target(figures["p50"] <= 20, f"p50 {figures['p50']:.1f} ms <= 20 ms", timing=True)
        report.target(figures["p99"] <= 250, f"p99 {figures['p99']:.1f} ms <= 250 ms", timing=True)
        report.target(figures["max"] <= 1000, f"max {figures['max']:.1f} ms <= 1000 ms", timing=True)
        early = [r for r in rows if r.delivered_at is not None and r.delivered_at < r.due_at]
        report.target(not early, f"delivered before their due time: {len(early)}")
        delivery_integrity(report, ids, due_before=end)
    finally:
        watch.stop()
        stack.stop_all()
    return report.finish()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--short", action="store_true")
    mode.add_argument("--full", action="store_true")
    parser.add_argument("--duration", type=int, default=None, help="seconds of load")
    parser.add_argument("--drills", type=int, default=50)
    parser.add_argument("--rate", type=int, default=200, help="injects per second, all drills together")
    args = parser.parse_args(argv)
    duration = args.duration or (600 if args.full else 30)
    return run(duration=duration, drills=args.drills, rate=args.rate)


if __name__ == "__main__":
    sys.exit(main())
