"""The `make run` supervisor and the embedded services it starts when no URLs are given."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import psycopg2
import redis

from scripts.run import Child, ChildSpec
from scripts.services import Services, pid_alive

PY = sys.executable


def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def restarted(child: Child, old_pid: int) -> bool:
    child.supervise(time.monotonic())
    return child.proc is not None and child.proc.pid != old_pid


def test_a_child_that_dies_is_restarted_while_the_others_keep_running():
    crashing = Child(ChildSpec("crashing", [PY, "-c", "import sys; sys.exit(3)"]), env={})
    steady = Child(ChildSpec("steady", [PY, "-c", "import time; time.sleep(60)"]), env={})
    crashing.start()
    steady.start()
    assert crashing.proc is not None and steady.proc is not None
    first_pid, steady_pid = crashing.proc.pid, steady.proc.pid
    try:
        crashing.proc.wait(10)
        crashing.supervise(time.monotonic())
        assert crashing.restart_at is not None  # waits out its backoff, then starts again
        wait_for(lambda: restarted(crashing, first_pid))
        steady.supervise(time.monotonic())
        assert steady.proc.pid == steady_pid and steady.proc.poll() is None
    finally:
        for child in (crashing, steady):
            child.request_stop()
            child.finish_stop(time.monotonic() + 10)
    assert not pid_alive(steady_pid)


def test_a_child_that_keeps_crashing_backs_off_longer_each_time():
    child = Child(ChildSpec("crashing", [PY, "-c", "raise SystemExit(1)"]), env={})
    delays = []
    for _ in range(3):
        child.start()
        assert child.proc is not None
        child.proc.wait(10)
        now = time.monotonic()
        child.supervise(now)
        assert child.restart_at is not None
        delays.append(child.restart_at - now)
    assert delays == sorted(delays) and delays[0] < delays[-1]


def test_stopping_a_child_also_stops_the_processes_it_started():
    grandchild = (
        "import subprocess, sys, time;"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
        "time.sleep(60)"
    )
    child = Child(ChildSpec("parent", [PY, "-u", "-c", grandchild]), env={})
    child.start()
    assert child.proc is not None
    parent_pid = child.proc.pid
    wait_for(lambda: any(p.pid != parent_pid for p in _children_of(parent_pid)))
    grandchild_pids = [p.pid for p in _children_of(parent_pid)]
    child.request_stop()
    child.finish_stop(time.monotonic() + 10)
    assert not pid_alive(parent_pid)
    wait_for(lambda: not any(pid_alive(pid) for pid in grandchild_pids))


def _children_of(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def test_embedded_postgres_and_redis_start_answer_and_stop(tmp_path: Path):
    services = Services(tmp_path / "data", env={})
    env = services.start()
    pids = services.pids()
    try:
        assert len(pids) == 2
        conn = psycopg2.connect(env["DATABASE_URL"])
        try:
            with conn.cursor() as cur:
                # the migrations need pg_trgm, which plain pgserver lacks
                cur.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
                assert cur.fetchone() == (1,)
        finally:
            conn.close()
        assert redis.Redis.from_url(env["REDIS_URL"]).ping()
    finally:
        services.stop()
    wait_for(lambda: not any(pid_alive(pid) for pid in pids))
