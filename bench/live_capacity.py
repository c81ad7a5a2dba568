"""Live capacity: many open live pages (server-sent events) while deliveries go out.

Target (DESIGN.md): 1,000 open live pages on one 2-core machine (one drill, and 50 drills) receive
each change p99 <= 1 s; CPU and memory per open page reported. The web runs as `make run` runs it
(gunicorn.conf.py: two uvicorn workers serving drillops.asgi) with one dispatcher; an asyncio
client holds the connections with session cookies of coordinators, observers and staff of six
departments, one of which gets no inject at all (its pages must receive nothing). A scenario
delivers 10 injects a second in total, each to one department, through the real engine.

Per page and inject: delivery = the inject's delivered_at (database clock), receipt = the moment
the client parsed the pushed message showing it delivered (same machine, same clock). Missed = a
delivered inject that a page may see (the visibility rule) but never received; duplicate = the
delivered state received twice; foreign = an inject the page may not see. Exit 1 on a miss, a
duplicate, a foreign receipt or p99 over 1 s.

    python bench/live_capacity.py --short   # 300 pages, one drill, 30 s (CI)
    python bench/live_capacity.py --full    # 1,000 pages: one drill 5 min, then 50 drills 5 min
    python bench/live_capacity.py --pages 500 --drills 10 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import socket
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Report,
    Stack,
    base_env,
    coordinator,
    db_now,
    empty_tables,
    prepare_database,
    setup_django,
)

TARGET_P99_MS = 1000.0
RATE = 10  # deliveries a second, all drills together
DEPARTMENTS = 6  # the last one ("quiet") is sent nothing
ROLE_MIX = ["coordinator"] * 1 + ["observer"] * 2 + ["staff"] * 7  # of every 10 pages
STATUS = re.compile(r'data-status="(\w+)"')
INJECT_TAG = re.compile(r'<[^>]*data-live-key="inject-(\d+)"[^>]*>')
NOT_YET = {"pending", "waiting", "cancelled"}
# The console's event card (coordinators, observers) shows each department copy as a chip.
CHIP = re.compile(r'data-inject-id="(\d+)" data-status="(\w+)"')


@dataclass
class Page:
    """One open live page (one connection) and what it received."""

    drill: int
    role: str
    department: int | None  # staff: the one department they belong to
    cookie: str
    received: dict[int, float] = field(default_factory=dict)  # inject -> receipt (epoch s)
    duplicates: int = 0
    patches: int = 0
    refreshes: int = 0
    refetched: int = 0  # injects first seen in a refetched fragment
    from_refetch: set[int] = field(default_factory=set)
    connected: bool = False
    error: str = ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(drills: int, seconds: int, pages: int) -> tuple[list[int], list[Any], dict[str, list[Any]], float]:
    """An organisation, an approved scenario whose events go to departments 0-4 in turn (each
    drill delivers RATE / drills a second), `drills` drills started so that deliveries interleave
    evenly from t0 (returned, epoch seconds), and users of every role on each drill's roster."""
    from drillops.departments.models import Department, Membership, Organisation, Role
    from drillops.scenarios.models import Scenario, ScenarioEvent, ScenarioVersion, VersionStatus
    from drillops.timelines import services
    from drillops.timelines.models import RosterEntry, SeatRole

    org = Organisation.objects.create(name="Live bench insurer", slug=f"live-{time.time_ns()}")
    depts = [
        Department.objects.create(organisation=org, code=f"d{n}", name=f"Department {n}") for n in range(DEPARTMENTS)
    ]
    users = people(org, depts)
    per_drill = RATE / drills  # deliveries a second per drill: the scenario's seconds run that fast
    events = int(seconds * per_drill) + 1
    scenario = Scenario.objects.create(organisation=org, title="Live bench")
    version = ScenarioVersion.objects.create(scenario=scenario, number=1, status=VersionStatus.APPROVED)
    made = ScenarioEvent.objects.bulk_create(
        ScenarioEvent(version=version, sequence=n + 1, title=f"Live event {n + 1}", offset_seconds=n + 1)
        for n in range(events)
    )
    through = ScenarioEvent.departments.through
    through.objects.bulk_create(
        through(scenarioevent_id=e.pk, department_id=depts[n % (DEPARTMENTS - 1)].pk) for n, e in enumerate(made)
    )
    by = coordinator()
    Membership.objects.create(user=by, organisation=org, role=Role.COORDINATOR)
    # Time to start the web and open the pages (about 100 a second) before the first delivery.
    base = db_now() + timedelta(seconds=12 + pages / 50 + len(made) * drills / 2000)
    ids = []
    for k in range(drills):
        drill = services.drill_create(scenario=scenario, name=f"live {k}", by=by, time_scale=per_drill)
        for observer in users["observer"]:
            RosterEntry.objects.create(drill=drill, user=observer, role=SeatRole.OBSERVER)
        services.drill_start(
            drill=drill, by=by, at=base + timedelta(seconds=k / RATE) - timedelta(seconds=1 / per_drill)
        )
        ids.append(drill.pk)
    return ids, depts, users, base.timestamp()


def people(org: Any, depts: list[Any]) -> dict[str, list[Any]]:
    """Two coordinators, two observers and two staff per department."""
    from django.contrib.auth import get_user_model

    from drillops.departments.models import Membership, Role

    users: dict[str, list[Any]] = defaultdict(list)
    make = get_user_model().objects.create
    for n in range(2):
        users["coordinator"].append(make(username=f"live-coord-{n}"))
        Membership.objects.create(user=users["coordinator"][-1], organisation=org, role=Role.COORDINATOR)
        users["observer"].append(make(username=f"live-observer-{n}"))
        Membership.objects.create(user=users["observer"][-1], organisation=org, role=Role.OBSERVER)
    for dept in depts:
        for n in range(2):
            user = make(username=f"live-{dept.code}-{n}")
            Membership.objects.create(user=user, organisation=org, department=dept, role=Role.STAFF)
            users[f"staff-{dept.pk}"].append(user)
    return users


def session_cookie(user: Any) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"sessionid={store.session_key}"


def plan_pages(count: int, drills: list[int], depts: list[Any], users: dict[str, list[Any]]) -> list[Page]:
    cookies = {user.pk: session_cookie(user) for group in users.values() for user in group}
    pages = []
    for n in range(count):
        role = ROLE_MIX[n % len(ROLE_MIX)]
        department = depts[(n // len(ROLE_MIX)) % DEPARTMENTS].pk if role == "staff" else None
        group = users[f"staff-{department}"] if role == "staff" else users[role]
        pages.append(Page(drills[n % len(drills)], role, department, cookies[group[n % len(group)].pk]))
    return pages


async def refetch(session: Any, base: str, page: Page, jitter: float) -> None:
    """What live.js does when told to refresh: fetch the whole fragment once, after the jitter the
    server gave. An inject it shows is seen from then on (a person sees the page, not a push)."""
    await asyncio.sleep(jitter)
    try:
        async with session.get(f"{base}/drills/{page.drill}/live/?rev=x", headers={"Cookie": page.cookie}) as answer:
            html = await answer.text()
    except Exception as exc:
        page.error = f"refetch {type(exc).__name__}: {exc}"
        return
    now = time.time()
    for tag in INJECT_TAG.finditer(html):
        status = STATUS.search(tag.group(0))
        inject = int(tag.group(1))
        if status is not None and status.group(1) not in NOT_YET and inject not in page.received:
            page.received[inject] = now
            page.from_refetch.add(inject)
            page.refetched += 1
    for found, status_of in CHIP.findall(html):  # the console's event cards
        inject = int(found)
        if status_of not in NOT_YET and inject not in page.received:
            page.received[inject] = now
            page.from_refetch.add(inject)
            page.refetched += 1


async def listen(session: Any, base: str, page: Page, revs: dict[int, str]) -> None:
    url = f"{base}/drills/{page.drill}/stream/?rev={revs.get(page.drill, '')}"
    refetches: set[asyncio.Task[None]] = set()
    try:
        async with session.get(url, headers={"Cookie": page.cookie, "Accept": "text/event-stream"}) as answer:
            if answer.status != 200:
                page.error = f"HTTP {answer.status}"
                return
            page.connected = True
            event, data = "", ""
            async for raw in answer.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data = line[6:]
                elif not line and event:
                    if receive(page, event, data):
                        jitter = json.loads(data or "{}").get("jitter", 0) / 1000
                        refetches.add(asyncio.create_task(refetch(session, base, page, jitter)))
                    event, data = "", ""
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        page.error = f"{type(exc).__name__}: {exc}"
    finally:
        for task in refetches:
            task.cancel()


def receive(page: Page, event: str, data: str) -> bool:
    """Takes one server-sent event; True when the server asks the page to refetch."""
    if event == "refresh":
        page.refreshes += 1
        return True
    if event != "patch":
        return False
    parts = json.loads(data)["parts"]
    now = time.time()
    page.patches += 1
    for part in parts:
        if part["key"].startswith("event-"):
            # A card shows every copy of its event again when one changes: the first receipt of
            # each copy delivered counts, later showings are not duplicates.
            for inject, status in CHIP.findall(part["html"]):
                if status == "delivered":
                    page.received.setdefault(int(inject), now)
            continue
        if not part["key"].startswith("inject-"):
            continue
        status = STATUS.search(part["html"])
        if status is None or status.group(1) != "delivered":
            continue
        inject = int(part["key"][7:])
        if inject in page.from_refetch:
            page.from_refetch.discard(inject)  # already on the page by the refetch: not a second push
        elif inject in page.received:
            page.duplicates += 1
        else:
            page.received[inject] = now
    return False


def server_processes(master: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(master)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def usage(master: int) -> tuple[float, float]:
    """CPU seconds and resident MB of the web's processes (gunicorn's master and workers)."""
    cpu = rss = 0.0
    for proc in server_processes(master):
        try:
            times = proc.cpu_times()
            cpu += times.user + times.system
            rss += proc.memory_info().rss / 2**20
        except psutil.NoSuchProcess:
            continue
    return cpu, rss


async def hold(
    base: str, pages: list[Page], revs: dict[int, str], t0: float, seconds: int, master: int
) -> dict[str, float]:
    import aiohttp

    figures: dict[str, float] = {}
    timeout = aiohttp.ClientTimeout(total=None, sock_read=60)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as session:
        figures["cpu_idle"], figures["rss_before"] = usage(master)
        tasks = []
        for n, page in enumerate(pages):
            tasks.append(asyncio.create_task(listen(session, base, page, revs)))
            if n % 25 == 24:
                await asyncio.sleep(0.25)  # about 100 connects a second
        while sum(p.connected or bool(p.error) for p in pages) < len(pages) and time.time() < t0 - 2:
            await asyncio.sleep(0.2)
        await asyncio.sleep(max(0.0, t0 - 1 - time.time()))
        figures["cpu_start"], figures["rss_open"] = usage(master)
        me = psutil.Process()
        client_cpu = sum(me.cpu_times()[:2])
        await asyncio.sleep(t0 + seconds - time.time())
        figures["cpu_end"], figures["rss_end"] = usage(master)
        figures["client_cpu"] = sum(me.cpu_times()[:2]) - client_cpu
        await asyncio.sleep(3)  # the last deliveries' pushes
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return figures


def deliveries(drill_ids: list[int], start: Any, end: Any) -> list[tuple[int, int, int, float]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, drill_id, department_id, extract(epoch FROM delivered_at) FROM timelines_inject"
            " WHERE drill_id = ANY(%s) AND delivered_at >= %s AND delivered_at < %s",
            [drill_ids, start, end],
        )
        return [(i, d, dept, float(at)) for i, d, dept, at in cursor.fetchall()]


def judge(
    report: Report, pages: list[Page], delivered: list[tuple[int, int, int, float]], t0: float, end: float
) -> None:
    """`delivered`: every delivery of the drills; latencies and misses count those of [t0, end)."""
    at = {inject: when for inject, _d, _dept, when in delivered}
    by_drill: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for inject, drill, dept, _when in delivered:
        by_drill[drill].append((inject, dept))
    latencies, missed, foreign, owed, quiet = [], 0, 0, 0, Counter[str]()
    for page in pages:
        may_see = {i for i, dept in by_drill[page.drill] if page.role != "staff" or dept == page.department}
        foreign += len(page.received.keys() - may_see)
        timed = {i for i in may_see if t0 <= at[i] < end}
        owed += len(timed)
        latencies += [(page.received[i] - at[i]) * 1000 for i in timed & page.received.keys()]
        missed += len(timed - page.received.keys())
        if page.role == "staff" and not may_see:
            quiet["pages"] += 1
            quiet["received"] += len(page.received)
    figures = report.distribution("delivery -> receipt (ms)", latencies, expected=owed)
    errors = Counter(p.error.split(":")[0] for p in pages if p.error)
    report.figure(f"pages connected {sum(p.connected for p in pages)} of {len(pages)}; errors {dict(errors) or 0}")
    patches, refreshes = sum(p.patches for p in pages), sum(p.refreshes for p in pages)
    report.figure(
        f"injects delivered {len(delivered)}; receipts {len(latencies)}; patches {patches}; refetch asks {refreshes}"
        f" (injects first seen in a refetched fragment: {sum(p.refetched for p in pages)})"
    )
    report.figure(
        f"staff pages of the department sent nothing: {quiet['pages']}; inject pieces they got: {quiet['received']}"
    )
    report.target(
        figures["p99"] <= TARGET_P99_MS, f"p99 {figures['p99']:.0f} ms <= {TARGET_P99_MS:.0f} ms", timing=True
    )
    report.target(missed == 0 and sum(p.connected for p in pages) == len(pages), f"missed receipts: {missed}")
    report.target(sum(p.duplicates for p in pages) == 0, f"duplicate receipts: {sum(p.duplicates for p in pages)}")
    report.target(foreign == 0 and quiet["received"] == 0, f"receipts a page may not see: {foreign}")


def usage_figures(report: Report, figures: dict[str, float], seconds: int, opened: int, deliveries: int) -> None:
    busy = figures["cpu_end"] - figures["cpu_start"]
    per_page = busy / seconds * 1000 / opened
    per_delivery = busy * 1000 / max(1, deliveries)
    client = figures["client_cpu"] / seconds * 100
    report.figure(
        f"web CPU {busy / seconds * 100:.1f} % of a core ({per_page:.3f} ms/s per open page, "
        f"{per_delivery:.1f} ms per delivery); client CPU {client:.0f} % of a core"
    )
    connects = (figures["cpu_start"] - figures["cpu_idle"]) * 1000 / opened
    report.figure(f"opening the streams: {connects:.1f} ms of web CPU per page (the door's view and the hub)")
    grown = (figures["rss_end"] - figures["rss_before"]) * 1024 / opened
    report.figure(
        f"web RSS {figures['rss_before']:.0f} MB idle -> {figures['rss_open']:.0f} MB with the pages open -> "
        f"{figures['rss_end']:.0f} MB at the end: {grown:.1f} KB per open page"
    )


def run_phase(url: str, redis_url: str, *, pages: int, drills: int, seconds: int) -> int:
    from drillops.timelines.engine.notify import live_rev_key, redis_client

    port = free_port()
    env = base_env(url, redis_url)
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2", GUNICORN_ACCESS_LOG="0",
               ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0", GUNICORN_LOG_LEVEL="warning")  # fmt: skip
    stack = Stack(env)
    stack.collect_static()  # before the drills are scheduled: it takes a while on a busy machine
    empty_tables()
    drill_ids, depts, users, t0 = seed(drills, seconds, pages)
    planned = plan_pages(pages, drill_ids, depts, users)
    report = Report(
        f"live capacity ({pages} pages, {drills} drill{'s' if drills > 1 else ''}, {RATE} deliveries/s, {seconds} s)"
    )
    try:
        stack.start("dispatcher-1")
        web = stack.start("web")
        wait_up(f"http://127.0.0.1:{port}/healthz")
        start = db_now()
        revs = {d: (redis_client().get(live_rev_key(d)) or b"0").decode() for d in drill_ids}
        figures = asyncio.run(hold(f"http://127.0.0.1:{port}", planned, revs, t0, seconds, web.pid))
        delivered = deliveries(drill_ids, start, start + timedelta(seconds=3600))
        judge(report, planned, delivered, t0, t0 + seconds)
        window = [row for row in delivered if t0 <= row[3] < t0 + seconds]
        usage_figures(report, figures, seconds, sum(p.connected for p in planned) or 1, len(window))
        report.figure(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        stack.stop_all()
    return report.finish()


def wait_up(url: str) -> None:
    import urllib.error
    import urllib.request

    for _ in range(300):
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except urllib.error.HTTPError:  # answering is enough (/healthz may say 503 at first)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the web did not come up; see .data/bench-logs/web.log")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--short", action="store_true", help="300 pages, one drill, 30 s")
    mode.add_argument("--full", action="store_true", help="1,000 pages: one drill, then 50 drills, 5 min each")
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--drills", type=int, nargs="*", default=[1])
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args(argv)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 1,000 sockets on each side
    phases = [(1000, 1, 300), (1000, 50, 300)] if args.full else [(args.pages, d, args.seconds) for d in args.drills]
    server, redis_url = os.environ["DATABASE_URL"], os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    url = prepare_database(server)
    setup_django(url, redis_url)
    codes = [run_phase(url, redis_url, pages=p, drills=d, seconds=s) for p, d, s in phases]
    return max(codes)


if __name__ == "__main__":
    sys.exit(main())
