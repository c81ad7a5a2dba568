"""Schemathesis against a running DrillOps, as the coordinator, a member of staff and an observer.

Each role gets a database of its own, copied from a template built from the migrations and the
demo (`seed_demo`), and the web server `make run` runs (gunicorn with gunicorn.conf.py) on a free
port; so the destructive calls of one role's run never change the next one's world. The
schemathesis CLI reads `/api/schema/` from that server and checks every answer:
    not_a_server_error          no 5xx, whatever the input
    status_code_conformance     every status code answered is documented for the operation
    content_type_conformance    every Content-Type answered is documented
    response_schema_conformance every body is valid against its documented schema
After each run the database is read: every organisation that had an active coordinator still
has one, and no administrator's or coordinator's credentials (password, e-mail, activity, staff
and superuser flags) changed: no fuzzed call may take the organisation away from those who run it.

    python bench/fuzz.py                       # 25 examples per operation, a random seed (printed)
    python bench/fuzz.py --examples 100 --seed 7 --roles coordinator
    python bench/fuzz.py --phases examples,coverage,fuzzing,stateful

Needs DATABASE_URL and REDIS_URL (the databases are made on DATABASE_URL's server, named after
its database, and dropped at the end unless --keep). Exits 1 on any failure; the full CLI output
and the server's log of each role are in `.data/fuzz/`. tests/test_fuzz_api.py runs the same with
a fixed seed and a few examples per operation.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import _admin_connect, with_database  # noqa: E402

# Role -> the demo login that plays it (seed_demo's users).
ROLES = {"coordinator": "coordinator", "staff": "cs", "observer": "observer"}
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance")
DEMO_PASSWORD = "fuzz-" + "demo-password"
LOG_DIR = ROOT / ".data" / "fuzz"
LOGIN_FAILURES_PREFIX = "drillops:login-failures:"  # departments.login_guard.KEY_PREFIX


@dataclass
class RoleResult:
    role: str
    username: str
    operations_total: int = 0
    operations_tested: int = 0
    examples: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # "ST101 Server error" -> count
    failing_operations: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # the run itself broke (schema, network, CLI)
    invariant_problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    output_path: Path | None = None

    @property
    def failure_count(self) -> int:
        return sum(self.failures.values()) + len(self.errors) + len(self.invariant_problems)

    @property
    def ok(self) -> bool:
        return self.failure_count == 0 and self.operations_tested > 0

    def summary(self) -> str:
        return (
            f"{self.role:<12} {self.username:<12} operations {self.operations_tested}/{self.operations_total}  "
            f"examples {self.examples}  failures {self.failure_count}  {self.seconds:.1f} s"
        )

    def details(self) -> list[str]:
        lines = [f"  {name}: {count} in {shortened(self.failing_operations.get(name, []))}"
                 for name, count in self.failures.items()]  # fmt: skip
        lines += [f"  error: {text}" for text in self.errors]
        lines += [f"  database: {text}" for text in self.invariant_problems]
        if lines and self.output_path:
            lines.append(f"  full output: {self.output_path}")
        return lines


def shortened(operations: list[str], most: int = 6) -> str:
    more = f" and {len(operations) - most} more" if len(operations) > most else ""
    return ", ".join(operations[:most]) + more


# --- databases ------------------------------------------------------------------------------------


def database_prefix(server_url: str) -> str:
    name = urlsplit(server_url).path.lstrip("/") or "drillops"
    return os.environ.get("FUZZ_DATABASE_PREFIX") or f"{name}_fuzz"


def _drop_and_create(server_url: str, name: str, template: str | None = None) -> str:
    conn = _admin_connect(server_url)
    try:
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    finally:
        conn.close()
    return with_database(server_url, name)


def _exists(server_url: str, name: str) -> bool:
    conn = _admin_connect(server_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cur.fetchone() is not None
    finally:
        conn.close()


def drop_databases(server_url: str, names: list[str]) -> None:
    conn = _admin_connect(server_url)
    try:
        with conn.cursor() as cur:
            for name in names:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment `make run` gives its web child (scripts/run.py base_env), on our database."""
    env = dict(os.environ)
    env.update(
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="drillops.settings",
        DATABASE_URL=database_url,
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        DRILLOPS_DEMO_PASSWORD=DEMO_PASSWORD,
        DRILLOPS_DEMO_HIDE_PASSWORD="1",  # noqa: S106 (a flag, not a password)
        # Tasks the fuzzed calls enqueue go to a queue of this run's own, emptied at the end.
        CELERY_QUEUE=f"fuzz-{urlsplit(database_url).path.lstrip('/')}",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        GUNICORN_ACCESS_LOG="0",
        GUNICORN_LOG_LEVEL="warning",
        WEB_CONCURRENCY=os.environ.get("FUZZ_WEB_CONCURRENCY", "1"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def build_template(server_url: str, *, reuse: bool = False) -> str:
    """A database from the migrations and the demo; each role's database is a copy of it."""
    name = f"{database_prefix(server_url)}_template"
    if reuse and _exists(server_url, name):
        return name
    url = _drop_and_create(server_url, name)
    env = server_env(url)
    for argv in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *argv], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(argv)} failed:\n{done.stdout}{done.stderr}")
    return name


# --- the server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(method: str, url: str, body: dict[str, Any] | None = None, timeout: float = 10) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 (our own server)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (our own server)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextmanager
def running_server(database_url: str, log_path: Path) -> Iterator[str]:
    """gunicorn as `make run` starts it (gunicorn.conf.py: uvicorn workers on drillops.asgi)."""
    port = free_port()
    env = server_env(database_url, PORT=str(port), GUNICORN_BIND=f"127.0.0.1:{port}")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if http("GET", f"{base}/api/schema/", timeout=5)[0] == 200:
                        break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start; see {log_path}")
                time.sleep(0.3)
            yield base
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def forget_login_failures() -> None:
    """The token door counts failed logins per address in Redis; one role's fuzzed logins must not
    throttle the next role's own login."""
    import redis

    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    keys = list(client.scan_iter(match=LOGIN_FAILURES_PREFIX + "*", count=500))
    if keys:
        client.delete(*keys)


def drop_queue(database_url: str) -> None:
    import redis

    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    client.delete(server_env(database_url)["CELERY_QUEUE"])


def token_for(base: str, username: str) -> str:
    status, body = http("POST", f"{base}/api/v1/auth/token/", {"username": username, "password": DEMO_PASSWORD})
    if status != 200:
        raise RuntimeError(f"no token for {username}: {status} {body[:300]!r}")
    return str(json.loads(body)["token"])


# --- what the run must leave alone ----------------------------------------------------------------

PRIVILEGED_SQL = """
SELECT u.id FROM auth_user u
WHERE u.is_staff OR u.is_superuser
   OR EXISTS (SELECT 1 FROM departments_membership m WHERE m.user_id = u.id AND m.role = 'coordinator')
"""
ACCOUNTS_SQL = "SELECT id, username, password, email, is_active, is_staff, is_superuser FROM auth_user"
COORDINATED_SQL = """
SELECT o.id, o.name FROM departments_organisation o
WHERE EXISTS (SELECT 1 FROM departments_membership m JOIN auth_user u ON u.id = m.user_id
              WHERE m.organisation_id = o.id AND m.role = 'coordinator' AND u.is_active)
"""
FIELDS = ("username", "password", "email", "is_active", "is_staff", "is_superuser")


def accounts_snapshot(database_url: str) -> dict[str, Any]:
    """Every account's credentials, who is an administrator or a coordinator, and which
    organisations have an active coordinator."""
    import psycopg2

    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute(ACCOUNTS_SQL)
            accounts = {row[0]: row[1:] for row in cur.fetchall()}
            cur.execute(PRIVILEGED_SQL)
            privileged = {row[0] for row in cur.fetchall()}
            cur.execute(COORDINATED_SQL)
            coordinated = dict(cur.fetchall())
    finally:
        conn.close()
    return {"accounts": accounts, "privileged": privileged, "coordinated": coordinated}


def invariant_problems(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What the run changed that no coordinator, staff member or observer may change: an
    organisation left without an active coordinator; an administrator's or a coordinator's
    credentials (a coordinator may leave an organisation, as anyone may, but not change them);
    someone made an administrator."""
    problems = [f"organisation {name!r} has no active coordinator any more"
                for org_id, name in before["coordinated"].items() if org_id not in after["coordinated"]]  # fmt: skip
    for user_id in sorted(before["privileged"]):
        old, new = before["accounts"][user_id], after["accounts"].get(user_id)
        if new is None:
            problems.append(f"the account of administrator or coordinator {old[0]!r} was deleted")
            continue
        changed = [name for name, a, b in zip(FIELDS, old, new, strict=True) if a != b]
        if changed:
            problems.append(f"administrator or coordinator {old[0]!r}: {', '.join(changed)} changed")
    problems += [f"{new[0]!r} became an administrator" for user_id, new in after["accounts"].items()
                 if (new[4] or new[5]) and user_id not in before["privileged"]]  # fmt: skip
    return problems


# --- one role -------------------------------------------------------------------------------------


def schemathesis_argv(base: str, token: str, report: Path, *, examples: int, seed: int, phases: str) -> list[str]:
    return [
        sys.executable, "-m", "schemathesis.cli", "run", f"{base}/api/schema/",
        "--header", f"Authorization: Token {token}",
        "--checks", ",".join(CHECKS),
        "--max-examples", str(examples),
        "--seed", str(seed),
        "--generation-database", "none",  # the seed alone decides what is sent
        "--phases", phases,
        "--workers", "1",  # one at a time: the database's story, so the run, is then reproducible
        "--request-timeout", "30",
        "--suppress-health-check", "all",
        "--no-color",
        "--report", "json", "--report-json-path", str(report),
    ]  # fmt: skip


def read_report(result: RoleResult, report: Path) -> None:
    data = json.loads(report.read_text())
    result.operations_total = int(data["operations"]["selected"])
    result.operations_tested = int(data["operations"]["tested"])
    result.examples = int(data["test_cases"]["generated"])
    for failure in data["failures"]:
        name = f"{failure['code']} {failure['title']}"
        result.failures[name] = int(failure["count"])
        result.failing_operations[name] = list(failure["operations"])
    result.errors += [json.dumps(error, ensure_ascii=False)[:500] for error in data.get("errors", [])]
    if data["operations"].get("errored"):
        result.errors.append(f"{data['operations']['errored']} operations errored")


def run_role(
    server_url: str, template: str, role: str, *, examples: int, seed: int, phases: str, keep: bool = False
) -> RoleResult:
    username = ROLES[role]
    result = RoleResult(role=role, username=username)
    started = time.monotonic()
    name = f"{database_prefix(server_url)}_{role}"
    url = _drop_and_create(server_url, name, template=template)
    report = LOG_DIR / f"{role}.json"
    report.unlink(missing_ok=True)
    try:
        before = accounts_snapshot(url)
        with running_server(url, LOG_DIR / f"{role}-server.log") as base:
            forget_login_failures()
            token = token_for(base, username)
            argv = schemathesis_argv(base, token, report, examples=examples, seed=seed, phases=phases)
            done = subprocess.run(argv, cwd=LOG_DIR, capture_output=True, text=True, check=False, timeout=3600)
        result.output_path = LOG_DIR / f"{role}.txt"
        result.output_path.write_text(done.stdout + done.stderr)
        if report.exists():
            read_report(result, report)
        else:
            result.errors.append(f"schemathesis wrote no report (exit {done.returncode}): {done.stderr[-500:]}")
        if done.returncode != 0 and not result.failure_count:
            result.errors.append(f"schemathesis exited {done.returncode}: {done.stdout[-800:]}")
        result.invariant_problems = invariant_problems(before, accounts_snapshot(url))
    finally:
        forget_login_failures()
        drop_queue(url)
        if not keep:
            drop_databases(server_url, [name])
    result.seconds = time.monotonic() - started
    return result


def run(
    roles: list[str],
    *,
    examples: int,
    seed: int,
    phases: str,
    keep: bool = False,
    echo: bool = True,
    reuse_template: bool = False,
) -> list[RoleResult]:
    server_url = os.environ["DATABASE_URL"]
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    template = build_template(server_url, reuse=reuse_template)
    if echo:
        print(f"template database {template} built (migrations + seed_demo) in {time.monotonic() - started:.1f} s")
    results = []
    try:
        for role in roles:
            result = run_role(server_url, template, role, examples=examples, seed=seed, phases=phases, keep=keep)
            results.append(result)
            if echo:
                print(result.summary(), flush=True)
                for line in result.details():
                    print(line, flush=True)
    finally:
        if not (keep or reuse_template):
            drop_databases(server_url, [template])
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roles", nargs="+", choices=list(ROLES), default=list(ROLES))
    parser.add_argument("--examples", type=int, default=25, help="at most this many examples per operation")
    parser.add_argument("--seed", type=int, default=None, help="default: a random one, printed")
    parser.add_argument("--phases", default="examples,coverage,fuzzing")
    parser.add_argument("--keep", action="store_true", help="keep the databases (to read what a run did)")
    parser.add_argument(
        "--reuse-template", action="store_true", help="keep the template database and use it again (while working)"
    )
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    print(f"schemathesis against /api/schema/: seed {seed}, {args.examples} examples per operation, "
          f"phases {args.phases}, checks {', '.join(CHECKS)}")  # fmt: skip
    started = time.monotonic()
    results = run(
        args.roles, examples=args.examples, seed=seed, phases=args.phases, keep=args.keep,
        reuse_template=args.reuse_template,
    )  # fmt: skip
    failed = [r.role for r in results if not r.ok]
    total = sum(r.failure_count for r in results)
    print(f"{'FAIL' if failed else 'PASS'}: {total} failures ({', '.join(failed) or 'none'}) "
          f"in {time.monotonic() - started:.1f} s; reproduce with --seed {seed}")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
