"""Dispatcher resident memory with 100,000 pending injects (100 drills x 1,000 events).

Target: RSS <= 100 MB, sampled from /proc while the dispatcher works through the first deliveries."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Report,
    Stack,
    base_env,
    build_scenario,
    coordinator,
    empty_tables,
    prepare_database,
    setup_django,
)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(*, drills: int, events: int, watch_seconds: float) -> int:
    server, redis_url = os.environ["DATABASE_URL"], os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    url = prepare_database(server)
    setup_django(url, redis_url)
    from drillops.timelines import services
    from drillops.timelines.models import Inject

    empty_tables()
    # One event a second from the start: the dispatcher keeps delivering while 100,000 wait.
    scenario, _ = build_scenario(departments=1, events=events, offsets=range(events))
    by = coordinator()
    for k in range(drills):
        services.drill_start(drill=services.drill_create(scenario=scenario, name=f"m{k}", by=by), by=by)
    pending = Inject.objects.filter(status="pending").count()
    stack = Stack(base_env(url, redis_url))
    report = Report(f"dispatcher memory ({pending} pending injects)")
    try:
        stack.start("dispatcher-1")
        stack.wait_dispatchers_ready(1)
        samples, deadline = [], time.monotonic() + watch_seconds
        while time.monotonic() < deadline:
            samples.append(rss_mb(stack.pid("dispatcher-1")))
            time.sleep(0.2)
        delivered = Inject.objects.filter(delivered_at__isnull=False).count()
        peak = max(samples, default=float("nan"))
        report.target(pending >= drills * events, f"pending at start: {pending}")
        # A peak of no samples, or of a dispatcher that did nothing, would pass without meaning.
        expected = int(watch_seconds)  # one a second at least (one every 0.2 s when idle)
        report.target(len(samples) >= expected, f"RSS samples: {len(samples)} of {expected} expected")
        report.target(delivered > 0, f"delivered while watched: {delivered}")
        report.target(peak <= 100, f"dispatcher peak RSS {peak:.1f} MB <= 100 MB")
    finally:
        stack.stop_all()
    return report.finish()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--drills", type=int, default=100)
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args(argv)
    return run(drills=args.drills, events=args.events, watch_seconds=30 if args.full else 8)


if __name__ == "__main__":
    sys.exit(main())
