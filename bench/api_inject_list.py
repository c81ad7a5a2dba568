"""API benchmark: the inject list (one page, token auth) under 50 concurrent connections on gunicorn.

Target (DESIGN.md): p95 <= 50 ms. Builds its own database (`bench_drillops_api` on the server that
DATABASE_URL names), a drill of 1,000 events over two departments with 300 delivered, starts
gunicorn with production settings (DEBUG off) and loads one page with wrk. Needs `wrk` on PATH.

    .venv/bin/python bench/api_inject_list.py [--connections 50] [--duration 20] [--workers N] [--threads 4]

Prints one JSON line with the percentiles and what one request costs in CPU: the server's
(gunicorn master and workers), PostgreSQL's (the backends of the bench database) and wrk's, so a
result taken on a busy machine still says whether the code or the machine is slow. With every
CPU busy a closed loop's latency is about connections x CPU per request / CPUs (Little's law):
`cpu_bound_latency_ms` gives that floor. wrk runs a closed loop (latency under coordinated
omission); wrk2 would run an open loop at a fixed rate, and a note says when it is missing.
Exits 1 when p95 is over the target.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import with_database  # noqa: E402

DB_NAME = os.environ.get("BENCH_API_DATABASE_NAME", "bench_drillops_api")
TARGET_P95_MS = 50.0
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P50=%d P95=%d P99=%d MAX=%d REQS=%d ERRS=%d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
"""


def database_url() -> str:
    return with_database(os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/drillops"), DB_NAME)


def environment(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DEBUG="0",
        SECRET_KEY=env.get("SECRET_KEY", "bench-only-secret-key-" + "x" * 40),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="drillops.settings",
    )
    return env


def prepare(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(
        dbname="postgres", user=parts.username, password=parts.password, host=parts.hostname, port=parts.port or 5432
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{DB_NAME}"')
    conn.close()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=environment(url), check=True)


def seed() -> tuple[str, int]:
    """A running drill with 1,000 injects (300 delivered); returns a staff user's token and the drill id."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from drillops.departments.models import Department, Membership, Organisation, Role
    from drillops.scenarios.models import Scenario, ScenarioEvent, ScenarioVersion, VersionStatus
    from drillops.timelines import services
    from drillops.timelines.engine.delivery import deliver_due

    org = Organisation.objects.create(name="Bench insurer", slug="bench-api")
    cs = Department.objects.create(organisation=org, code="cs", name="Customer Service")
    risk = Department.objects.create(organisation=org, code="risk", name="Risk Management")
    users = get_user_model().objects
    coordinator, staff = users.create(username="bench-coord"), users.create(username="bench-cs")
    Membership.objects.create(user=coordinator, organisation=org, role=Role.COORDINATOR)
    Membership.objects.create(user=staff, organisation=org, role=Role.STAFF, department=cs)
    scenario = Scenario.objects.create(organisation=org, title="Bench")
    version = ScenarioVersion.objects.create(scenario=scenario, number=1, status=VersionStatus.APPROVED)
    events = ScenarioEvent.objects.bulk_create(
        ScenarioEvent(
            version=version,
            sequence=n + 1,
            offset_seconds=0 if n < 300 else 3600 + n,
            title=f"Complaint call {n}",
            body="A customer demands a refund for the new product. " * 4,
            response_deadline_seconds=600,
        )
        for n in range(1000)
    )
    through = ScenarioEvent.departments.through
    through.objects.bulk_create(
        through(scenarioevent_id=e.pk, department_id=(cs if n % 2 else risk).pk) for n, e in enumerate(events)
    )
    drill = services.drill_create(scenario=scenario, name="Bench drill", by=coordinator)
    services.drill_start(drill=drill, by=coordinator)
    deliver_due(limit=1000)
    key = Token.objects.create(user=staff).key
    from django.db import connection

    with connection.cursor() as cursor:  # as autovacuum would soon after: plans from real statistics
        cursor.execute("ANALYZE")
    return key, drill.pk


def wait_until_up(url: str, token: str) -> None:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})  # noqa: S310 - http://127.0.0.1
    for _ in range(100):
        try:
            with urllib.request.urlopen(request, timeout=2) as answer:  # noqa: S310 - our own local server
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not come up")


def server_cpu_seconds(master_pid: int) -> float | None:
    """CPU time used so far by gunicorn's master and workers (Linux /proc), so that a result taken
    on a busy machine still says what one request costs the server."""
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        total = 0
        for pid in [str(master_pid), *children]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks
    except OSError:
        return None


def database_cpu_seconds() -> float | None:
    """CPU time used so far by PostgreSQL's backends of the bench database (their process title
    names it), when PostgreSQL runs on this machine; backends that exit take theirs with them."""
    ticks, total, found = os.sysconf("SC_CLK_TCK"), 0, False
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not title.startswith("postgres: ") or f" {DB_NAME} " not in title:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total, found = total + int(fields[11]) + int(fields[12]), True
    return total / ticks if found else None


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(url: str, token: str, connections: int, duration: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    command = ["wrk", f"-t{min(4, connections)}", f"-c{connections}", f"-d{duration}s", "-s", script.name]
    out = subprocess.run(
        [*command, "-H", f"Authorization: Token {token}", url], capture_output=True, text=True, check=True
    ).stdout
    os.unlink(script.name)
    found = re.search(r"P50=(\d+) P95=(\d+) P99=(\d+) MAX=(\d+) REQS=(\d+) ERRS=(\d+)", out)
    if not found:
        raise SystemExit(f"could not read wrk's output:\n{out}")
    p50, p95, p99, top, reqs, errs = (int(v) for v in found.groups())
    return {
        "p50_ms": p50 / 1000,
        "p95_ms": p95 / 1000,
        "p99_ms": p99 / 1000,
        "max_ms": top / 1000,
        "requests": reqs,
        "errors": errs,
        "rps": round(reqs / duration, 1),
    }


def cpu_per_request(
    before: tuple[float | None, ...], after: tuple[float | None, ...], requests: int, connections: int
) -> dict[str, float]:
    """CPU milliseconds per request of the server, the database and wrk, and the latency that
    this much CPU allows a closed loop of `connections` on this machine's CPUs."""
    if not requests:
        return {}
    figures: dict[str, float] = {}
    for name, start, end in zip(("server", "database", "wrk"), before, after, strict=True):
        if start is not None and end is not None:
            figures[f"{name}_cpu_ms_per_request"] = round((end - start) / requests * 1000, 3)
    total = sum(figures.values())
    figures["cpu_ms_per_request"] = round(total, 3)
    figures["cpu_bound_latency_ms"] = round(connections * total / (os.cpu_count() or 1), 1)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8711)
    parser.add_argument(
        "--server", choices=["project", "gthread", "django-asgi"], default="project",
        help="project: gunicorn.conf.py as make run uses it (uvicorn workers, drillops.asgi); gthread: plain "
        "WSGI (before live streams); django-asgi: uvicorn workers with Django's own ASGI handler",
    )  # fmt: skip
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (Debian/Ubuntu) or brew install wrk (macOS)")
    url = database_url()
    prepare(url)
    os.environ.update(environment(url))
    token, drill_id = seed()
    # The project's gunicorn.conf.py (its worker class and app, keep-alive), as `make run` and compose use it.
    env = environment(url)
    env.update(
        GUNICORN_BIND=f"127.0.0.1:{args.port}",
        WEB_CONCURRENCY=str(args.workers),
        GUNICORN_THREADS=str(args.threads),
        GUNICORN_ACCESS_LOG="0",
        GUNICORN_LOG_LEVEL="warning",
    )
    if args.server == "gthread":  # the web tier before live streams: WSGI on gunicorn's threads
        env.update(GUNICORN_WORKER_CLASS="gthread", GUNICORN_APP="drillops.wsgi")
    elif args.server == "django-asgi":  # Django's own ASGI handler for every request
        env.update(GUNICORN_APP="django.core.asgi:get_asgi_application()")
    server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn"))], cwd=ROOT, env=env)
    page = f"http://127.0.0.1:{args.port}/api/v1/drills/{drill_id}/injects/"
    try:
        wait_until_up(page, token)
        run_wrk(page, token, args.connections, 3)  # warm up every worker
        load_before = os.getloadavg()[0]
        before = (server_cpu_seconds(server.pid), database_cpu_seconds(), children_cpu_seconds())
        result = run_wrk(page, token, args.connections, args.duration)
        after = (server_cpu_seconds(server.pid), database_cpu_seconds(), children_cpu_seconds())
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    result.update(cpu_per_request(before, after, result["requests"], args.connections))
    result.update(
        connections=args.connections,
        server=args.server,
        workers=args.workers,
        threads=args.threads,
        cpus=os.cpu_count(),
        load_before=round(load_before, 2),
        load_after=round(os.getloadavg()[0], 2),
        target_p95_ms=TARGET_P95_MS,
    )
    if shutil.which("wrk2") is None:
        result["note"] = "wrk2 not installed: closed-loop figures only (coordinated omission not corrected)"
    print(json.dumps(result))
    # A p95 of too few requests says nothing: at least one a second per connection.
    enough = result["requests"] >= args.connections * args.duration
    return 0 if enough and result["p95_ms"] <= TARGET_P95_MS and result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
