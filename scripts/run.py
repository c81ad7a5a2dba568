"""`make run`: DrillOps on one machine, supervised the way compose's `restart: unless-stopped` would.

Starts the embedded PostgreSQL / Redis when DATABASE_URL / REDIS_URL are unset, migrates,
collects static files, loads the demo, then runs web (gunicorn with uvicorn workers: pages, the
API and the live streams), two dispatchers, a Celery worker and Celery beat. A child that dies
is restarted with backoff while the others keep running; Ctrl-C or SIGTERM stops every child,
then the embedded services.

The console says what a person needs: start-up, the URL and the demo logins, warnings and
errors, and a child that dies. Not every request, task or beat tick: Celery runs at WARNING
(our own loggers stay at INFO, see celery_console.py) and gunicorn without an access log.
More when asked:
    GUNICORN_ACCESS_LOG=1 make run         # a line per HTTP request
    DRILLOPS_SHOW_DELIVERIES=1 make run    # a line per inject delivered (or run.py --deliveries)
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# Run as a file (python scripts/run.py): make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.services import BASE_DIR, DEFAULT_DATA_DIR, Services, ensure_database

PY = sys.executable
PIDS_FILE = DEFAULT_DATA_DIR / "run.pids"
STOP_GRACE_SECONDS = 15
HEALTH_GRACE_SECONDS = 90
MAX_BACKOFF_SECONDS = 30
STABLE_AFTER_SECONDS = 60

log = logging.getLogger("run")
_out_lock = threading.Lock()


def emit(name: str, line: str) -> None:
    with _out_lock:
        sys.stdout.write(f"{name:>12} | {line.rstrip()}\n")
        sys.stdout.flush()


@dataclass
class ChildSpec:
    name: str
    argv: list[str]
    needs_command: str | None = None  # a management command that may not be written yet


def management_command_exists(name: str) -> bool:
    return any(BASE_DIR.glob(f"drillops/*/management/commands/{name}.py"))


def child_specs(*, deliveries: bool = False) -> list[ChildSpec]:
    manage = [PY, "manage.py"]
    # -q: no banner; -l warning: no line per task or beat tick (our loggers stay at INFO).
    celery = [PY, "scripts/celery_console.py", "-A", "drillops", "-q"]
    queue = os.environ.get("CELERY_QUEUE", "drillops")  # the queue the app sends to (settings)
    schedule = str(DEFAULT_DATA_DIR / "celerybeat-schedule")
    specs = [
        # gunicorn.conf.py names the app (drillops.asgi: pages, API and live streams) and uvicorn's worker.
        ChildSpec("web", [PY, "-m", "gunicorn", "-c", "gunicorn.conf.py"]),
        ChildSpec("dispatcher-1", [*manage, "run_dispatcher", "--name", "dispatcher-1"], "run_dispatcher"),
        ChildSpec("dispatcher-2", [*manage, "run_dispatcher", "--name", "dispatcher-2"], "run_dispatcher"),
        ChildSpec("worker", [*celery, "worker", "-P", "threads", "-c", "8", "-Q", queue, "-l", "warning"]),
        ChildSpec("beat", [*celery, "beat", "-l", "warning", "--schedule", schedule]),
    ]
    if deliveries:
        specs.append(ChildSpec("deliveries", [PY, "scripts/deliveries.py"]))
    return specs


class Child:
    """One supervised process, in a process group of its own so that a stop reaches its
    own children (gunicorn's workers) and a terminal's Ctrl-C reaches only the supervisor."""

    def __init__(self, spec: ChildSpec, env: dict[str, str]) -> None:
        self.spec = spec
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.failures = 0
        self.started_at = 0.0
        self.restart_at: float | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.spec.argv,
            cwd=BASE_DIR,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started_at = time.monotonic()
        self.restart_at = None
        threading.Thread(target=self._pump, args=(self.proc,), daemon=True).start()
        emit(self.name, f"started (pid {self.proc.pid})")

    def _pump(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            emit(self.name, raw.decode("utf-8", "replace"))

    def supervise(self, now: float) -> None:
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.start()
            return
        if self.proc is None or self.proc.poll() is None:
            return
        code = self.proc.returncode
        self._kill_group(signal.SIGKILL)  # leftovers (e.g. gunicorn workers) would hold the port
        if now - self.started_at > STABLE_AFTER_SECONDS:
            self.failures = 0
        delay = min(MAX_BACKOFF_SECONDS, 2**self.failures)
        self.failures += 1
        self.restart_at = now + delay
        emit(self.name, f"exited with code {code}; restarting in {delay} s")

    def _kill_group(self, sig: signal.Signals) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def request_stop(self) -> None:
        self.restart_at = None
        if self.proc is not None and self.proc.poll() is None:
            self._kill_group(signal.SIGTERM)

    def finish_stop(self, deadline: float) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            emit(self.name, "did not stop in time; killing it")
        self._kill_group(signal.SIGKILL)
        self.proc.wait()


def data_dir() -> Path:
    DEFAULT_DATA_DIR.mkdir(parents=True, exist_ok=True)
    return DEFAULT_DATA_DIR


def dev_secret_key() -> str:
    """A random key kept across restarts, so that sessions survive a `make run` restart."""
    path = data_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("PORT", "8000")
    env.setdefault("DJANGO_SETTINGS_MODULE", "drillops.settings")
    # A console, not a server log: gunicorn says when something is wrong, not every request.
    env.setdefault("GUNICORN_ACCESS_LOG", "0")
    env.setdefault("GUNICORN_LOG_LEVEL", "warning")
    env["PYTHONUNBUFFERED"] = "1"
    if not env.get("SECRET_KEY"):
        env["SECRET_KEY"] = dev_secret_key()
    return env


def run_step(name: str, argv: list[str], env: dict[str, str]) -> tuple[int, list[str]]:
    """A one-shot command (migrate, collectstatic, seed_demo). Its output is kept, and shown
    only if it fails: a start-up that works says so in a line, one that fails says why."""
    proc = subprocess.Popen(argv, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    lines = [raw.decode("utf-8", "replace").rstrip() for raw in proc.stdout]
    code = proc.wait()
    if code != 0:
        for line in lines:
            emit(name, line)
    return code, lines


def port_is_free(port: int) -> bool:
    """Whether the server could listen on the port. SO_REUSEADDR, as the server itself binds:
    connections of a server stopped a moment ago linger in TIME_WAIT for a minute and do not
    stop a new one from listening; only a live listener does."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def prepare(env: dict[str, str]) -> list[str]:
    """Migrate, collect static files and load the demo; returns what seed_demo printed."""
    manage = [PY, "manage.py"]
    try:
        if ensure_database(env["DATABASE_URL"]):
            emit("run", "created the database DATABASE_URL names")
    except Exception as exc:  # migrate will say what is wrong in more detail
        emit("run", f"WARNING: could not check the database exists: {exc}")
    code, lines = run_step("migrate", [*manage, "migrate", "--noinput"], env)
    if code != 0:
        raise SystemExit(f"migrate failed with code {code}")
    applied = sum(line.strip().startswith("Applying ") for line in lines)
    emit("run", f"database migrated ({applied} migrations applied)" if applied else "database up to date")
    code, lines = run_step("collectstatic", [*manage, "collectstatic", "--noinput", "-v", "0"], env)
    if code != 0:
        raise SystemExit(f"collectstatic failed with code {code}")
    if not management_command_exists("seed_demo"):
        emit("seed_demo", "WARNING: the seed_demo command does not exist yet; no demo data loaded")
        return []
    code, lines = run_step("seed_demo", [*manage, "seed_demo"], env)
    if code != 0:
        emit("seed_demo", f"WARNING: seed_demo failed with code {code}; the demo logins may not work")
        return []
    emit("run", "demo loaded; starting the services")
    return lines


class Supervisor:
    def __init__(self, *, deliveries: bool = False) -> None:
        self.deliveries = deliveries
        self.stopping = threading.Event()
        self.services = Services(data_dir())
        self.children: list[Child] = []
        self.seed_output: list[str] = []

    def handle_signal(self, signum: int, _frame: object) -> None:
        if not self.stopping.is_set():
            emit("run", f"{signal.Signals(signum).name} received; stopping")
        self.stopping.set()

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self.handle_signal)
        port = int(os.environ.get("PORT", "8000"))
        if not port_is_free(port):
            emit("run", f"port {port} is already in use; choose another, e.g. PORT={port + 1} make run")
            return 1
        try:
            env = self.services.start() if not self.stopping.is_set() else {}
            env.update({k: v for k, v in base_env().items() if k not in {"DATABASE_URL", "REDIS_URL"}})
            if not self.stopping.is_set():
                self.seed_output = prepare(env)
            if not self.stopping.is_set():
                self.start_children(env)
                self.loop(int(env["PORT"]))
        finally:
            self.shutdown()
        return 0

    def start_children(self, env: dict[str, str]) -> None:
        for spec in child_specs(deliveries=self.deliveries):
            if spec.needs_command and not management_command_exists(spec.needs_command):
                emit(spec.name, f"WARNING: `manage.py {spec.needs_command}` does not exist yet; not started")
                continue
            child = Child(spec, env)
            child.start()
            self.children.append(child)
        self.write_pids()

    def write_pids(self) -> None:
        pids = [os.getpid(), *self.services.pids()]
        pids += [c.proc.pid for c in self.children if c.proc is not None]
        PIDS_FILE.write_text("\n".join(str(pid) for pid in pids) + "\n")

    def loop(self, port: int) -> None:
        started = time.monotonic()
        announced = False
        last_watch = 0.0
        while not self.stopping.wait(0.5):
            now = time.monotonic()
            for child in self.children:
                pid_before = child.proc.pid if child.proc else None
                child.supervise(now)
                if child.proc is not None and child.proc.pid != pid_before:
                    self.write_pids()
            if now - last_watch > 5:
                last_watch = now
                self.services.watch()
            if not announced:
                announced = self.announce_when_healthy(port, now - started)

    def announce_when_healthy(self, port: int, waited: float) -> bool:
        status, body = healthz(port)
        if status == 200 or (status is not None and waited > HEALTH_GRACE_SECONDS):
            print_banner(port, self.seed_output, None if status == 200 else body)
            return True
        return False

    def shutdown(self) -> None:
        for child in self.children:
            child.request_stop()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children:
            child.finish_stop(deadline)
            emit(child.name, "stopped")
        self.services.stop()
        PIDS_FILE.unlink(missing_ok=True)
        emit("run", "all stopped")


def healthz(port: int) -> tuple[int | None, str]:
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return None, ""


def print_banner(port: int, seed_output: list[str], problem: str | None) -> None:
    url = f"http://127.0.0.1:{port}/"
    lines = ["", "=" * 72, f"DrillOps is running at {url}", f"API docs: {url}api/docs/   admin: {url}admin/"]
    if problem:
        lines.append(f"WARNING: /healthz does not answer 200 yet: {problem[:300]}")
    logins = [line for line in seed_output if line.strip()]
    if logins:
        lines += ["", "Demo (from seed_demo):", *(f"  {line}" for line in logins)]
    lines += [
        "",
        "Quiet by default: GUNICORN_ACCESS_LOG=1 shows requests, DRILLOPS_SHOW_DELIVERIES=1 deliveries.",
        "Stop with Ctrl-C.",
        "=" * 72,
        "",
    ]
    with _out_lock:
        print("\n".join(lines), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deliveries", action="store_true", help="a console line per inject delivered")
    args = parser.parse_args(argv)
    deliveries = args.deliveries or os.environ.get("DRILLOPS_SHOW_DELIVERIES", "") not in {"", "0", "false", "no"}
    logging.basicConfig(level=logging.INFO, format="%(name)12s | %(message)s")
    os.chdir(BASE_DIR)
    return Supervisor(deliveries=deliveries).run()


if __name__ == "__main__":
    sys.exit(main())
