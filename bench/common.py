"""Shared machinery of the timing-engine benchmarks.

Every benchmark uses a database of its own (`bench_drillops` on the server that DATABASE_URL
names, created and migrated here), never the development database, and a Celery queue of its
own. Figures come from the database (due_at, delivered_at, fired_at), never from logs."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.visible import visible_ms

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("BENCH_DATABASE_NAME", "bench_drillops")
BENCH_QUEUE = "bench_drillops"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def base_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    # Production settings, as the engine runs in production (DEBUG off keeps no query log).
    env.update(DEBUG="0", SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-only-" + "k" * 50)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_QUEUE=BENCH_QUEUE,
        DJANGO_SETTINGS_MODULE="drillops.settings",
        LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        PYTHONUNBUFFERED="1",
        # E-mails are built and handed to a backend that drops them: no console flood in the logs.
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    return env


def _admin_connect(url: str) -> Any:
    import dj_database_url
    import psycopg2

    cfg = dj_database_url.parse(with_database(url, "postgres"))
    conn = psycopg2.connect(
        dbname="postgres", user=cfg["USER"] or None, host=cfg["HOST"] or None, port=cfg["PORT"] or None,
        password=cfg["PASSWORD"] or None,
    )  # fmt: skip
    conn.autocommit = True
    return conn


def prepare_database(server_url: str, *, fresh: bool = False) -> str:
    """Create (or reuse) the bench database on the server of `server_url`, migrate it, return its URL."""
    url = with_database(server_url, BENCH_DB)
    conn = _admin_connect(server_url)
    try:
        with conn.cursor() as cur:
            if fresh:
                cur.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{BENCH_DB}"')
    finally:
        conn.close()
    if fresh or os.environ.get("BENCH_MIGRATED_URL") != url:
        env = base_env(url, os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return url


def drop_database(server_url: str) -> None:
    conn = _admin_connect(server_url)
    try:
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    finally:
        conn.close()


def setup_django(database_url: str, redis_url: str) -> None:
    os.environ.update(base_env(database_url, redis_url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def empty_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE departments_organisation, auth_user, core_auditentry, timelines_outbox, "
            "timelines_dispatcherheartbeat CASCADE"
        )


def build_scenario(
    *, departments: int, events: int, offsets: Iterable[int], deadline: int | None = None,
    escalations: list[dict[str, Any]] | None = None, members: int = 0,
    fields: Callable[[int], dict[str, Any]] | None = None,
) -> tuple[Any, list[Any]]:  # fmt: skip
    """An organisation with `departments`, and an approved scenario of `events` events, each for
    every department (bulk inserts, so 100,000 rows take seconds). `fields(sequence)` gives an
    event more fields: an approved version's rows cannot be changed afterwards."""
    from django.contrib.auth import get_user_model

    from drillops.departments.models import Department, Membership, Organisation, Role
    from drillops.scenarios.models import Scenario, ScenarioEvent, ScenarioVersion, VersionStatus

    org = Organisation.objects.create(name="Bench insurer", slug=f"bench-{time.time_ns()}")
    depts = Department.objects.bulk_create(
        Department(organisation=org, code=f"d{n}", name=f"Department {n}") for n in range(departments)
    )
    for dept in depts:
        for n in range(members):
            user = get_user_model().objects.create(username=f"{org.slug}-{dept.code}-{n}", email=f"{n}@bench.test")
            Membership.objects.create(user=user, organisation=org, department=dept, role=Role.STAFF)
    scenario = Scenario.objects.create(organisation=org, title="Bench scenario")
    version = ScenarioVersion.objects.create(scenario=scenario, number=1, status=VersionStatus.APPROVED)
    ladder = [dict(step, department=depts[0].pk) for step in (escalations or [])]
    offsets = list(offsets)
    made = ScenarioEvent.objects.bulk_create(
        (
            ScenarioEvent(version=version, sequence=n + 1, title=f"Bench event {n + 1}", offset_seconds=offsets[n],
                          response_deadline_seconds=deadline, escalations=ladder,
                          **(fields(n + 1) if fields else {}))
            for n in range(events)
        ),
        batch_size=5000,
    )  # fmt: skip
    through = ScenarioEvent.departments.through
    through.objects.bulk_create(
        (through(scenarioevent_id=e.pk, department_id=d.pk) for e in made for d in depts), batch_size=10000
    )
    return scenario, depts


def coordinator() -> Any:
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="bench-coordinator")
    return user


def db_now() -> Any:
    from drillops.timelines.engine.clock import db_now as now

    return now()


@dataclass
class Stack:
    """Dispatcher replicas, Celery worker and beat, as `make run` runs them, for one benchmark."""

    env: dict[str, str]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)
    logdir: Path = ROOT / ".data" / "bench-logs"

    def start(self, name: str) -> subprocess.Popen[bytes]:
        self.logdir.mkdir(parents=True, exist_ok=True)
        if name == "web" and "STATIC_ROOT" not in self.env:
            self.collect_static()
        mode = "ab" if name in self.started else "wb"  # a restart appends to this run's log
        self.started.add(name)
        log = open(self.logdir / f"{name}.log", mode)  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            self._command(name), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.procs[name] = proc
        return proc

    def collect_static(self) -> None:
        """DEBUG is off, so pages need the hashed files' manifest: collect them once, into a
        folder of the benchmarks' own (`make run` collects without a manifest)."""
        self.env = {**self.env, "STATIC_ROOT": str(ROOT / ".data" / "bench-static")}
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=self.env, check=True
        )

    def _command(self, name: str) -> list[str]:
        if name == "web":  # gunicorn.conf.py as `make run` uses it; GUNICORN_BIND in env says where
            return [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
        if name.startswith("dispatcher"):
            return [sys.executable, "manage.py", "run_dispatcher", "--name", name]
        celery = [sys.executable, "-m", "celery", "-A", "drillops"]
        if name.startswith("worker"):
            return [*celery, "worker", "-P", "threads", "-c", "8", "-Q", BENCH_QUEUE, "-l", "warning",
                    "--without-gossip", "--without-mingle", "-n", f"{name}@bench"]  # fmt: skip
        if name == "beat":
            schedule = self.logdir / "beat-schedule"
            return [*celery, "beat", "-l", "warning", "-s", str(schedule)]
        raise ValueError(name)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)  # the group we created: the process and its children
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def pid(self, name: str) -> int:
        return self.procs[name].pid

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)

    def wait_dispatchers_ready(self, count: int, timeout: float = 30) -> None:
        from drillops.timelines.models import DispatcherHeartbeat

        deadline = time.monotonic() + timeout
        while DispatcherHeartbeat.objects.filter(name__startswith="dispatcher").count() < count:
            if time.monotonic() > deadline:
                raise RuntimeError("dispatchers did not start; see .data/bench-logs")
            time.sleep(0.1)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile. There is no percentile of nothing: an empty list is an error, so
    that a benchmark that measured nothing can never pass."""
    if not values:
        raise ValueError("percentile of no samples")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


# Exit codes of a benchmark: a timing miss may be load on a shared machine and is worth one more
# run; any other miss (lost, duplicate, false escalation, too few samples) is a finding.
PASSED, FAILED, TIMING_MISS = 0, 1, 2


@dataclass
class Report:
    name: str
    lines: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    timing_misses: list[str] = field(default_factory=list)

    def distribution(self, label: str, values_ms: list[float], *, expected: int) -> dict[str, float]:
        """p50/p99/max of `values_ms`. Fewer samples than `expected` (what the benchmark planned
        to measure; at least one) is a miss, whatever the figures: a percentile of too little
        says nothing."""
        complete = len(values_ms) >= max(1, expected)
        nan = float("nan")
        figures = {
            "n": len(values_ms),
            "p50": statistics.median(values_ms) if values_ms else nan,
            "p99": percentile(values_ms, 99) if values_ms else nan,
            "max": max(values_ms) if values_ms else nan,
        }
        self.lines.append(
            f"{label}: n={figures['n']} p50={figures['p50']:.1f} ms p99={figures['p99']:.1f} ms "
            f"max={figures['max']:.1f} ms"
        )
        self.target(complete, f"{label}: {len(values_ms)} samples of {expected} expected")
        return figures

    def figure(self, text: str) -> None:
        self.lines.append(text)

    def target(self, ok: bool, text: str, *, timing: bool = False) -> None:
        """`timing`: a target on how fast or how late (load can miss it); otherwise a correctness
        check (lost, duplicate, false escalation, missing samples), never retried."""
        self.lines.append(f"[{'ok' if ok else 'MISS' if not timing else 'MISS (timing)'}] {text}")
        if not ok:
            (self.timing_misses if timing else self.misses).append(text)

    def finish(self) -> int:
        print(f"== {self.name}")
        for line in self.lines:
            print(f"   {line}")
        if self.misses:
            verdict, code = "FAIL", FAILED
        elif self.timing_misses:
            verdict, code = "FAIL (timing only)", TIMING_MISS
        else:
            verdict, code = "PASS", PASSED
        print(f"   result: {verdict}", flush=True)
        return code


def delivery_integrity(report: Report, drill_ids: list[int], *, due_before: Any) -> None:
    """Lost (due but never delivered) and duplicate (two delivery entries) counts, from the database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM timelines_inject WHERE drill_id = ANY(%s) AND due_at <= %s "
            "AND delivered_at IS NULL AND status <> 'cancelled'",
            [drill_ids, due_before],
        )
        lost = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT inject_id FROM timelines_timelineentry WHERE drill_id = ANY(%s) "
            "AND kind = 'delivered' GROUP BY inject_id HAVING COUNT(*) > 1) dup",
            [drill_ids],
        )
        duplicates = cursor.fetchone()[0]
    report.target(lost == 0, f"lost deliveries: {lost}")
    report.target(duplicates == 0, f"duplicate deliveries: {duplicates}")


def due_rows(drill_ids: list[int], *, where: str = "", params: list[Any] | None = None) -> list[DueRow]:
    """Every scheduled inject of these drills that was due to be delivered (delivered or not),
    so that what a benchmark planned to measure is known apart from what it measured."""
    from django.db import connection

    with connection.cursor() as cursor:
        # `where` is a fixed fragment written by the benchmarks; values go in as parameters.
        sql = "SELECT id, due_at, delivered_at FROM timelines_inject WHERE drill_id = ANY(%s)"
        sql += " AND cause = 'scheduled' AND status <> 'cancelled' " + where
        cursor.execute(sql, [drill_ids, *(params or [])])
        return [DueRow(*row) for row in cursor.fetchall()]


@dataclass(frozen=True)
class DueRow:
    id: int
    due_at: datetime
    delivered_at: datetime | None


def delivery_figures(
    report: Report, label: str, rows: list[DueRow], seen: dict[int, datetime] | None
) -> dict[str, float]:
    """Delivered - due (the claim statement's clock) and visible - due (the commit, as another
    connection saw it: what a person sees), each expected for every planned row."""
    delivered = [(r.delivered_at - r.due_at).total_seconds() * 1000 for r in rows if r.delivered_at is not None]
    figures = report.distribution(f"{label}delivered - due", delivered, expected=len(rows))
    if seen is not None:
        visible = visible_ms([(r.id, r.due_at) for r in rows], seen)
        report.distribution(f"{label}visible - due", visible, expected=len(rows))
    return figures
