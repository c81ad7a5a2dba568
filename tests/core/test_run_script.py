"""The `make run` supervisor and the embedded services it starts when no URLs are given."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import psycopg2
import pytest
import redis

from scripts.run import Child, ChildSpec, base_env, child_specs, port_is_free, run_step
from scripts.services import BASE_DIR, Services, pid_alive

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


def _time_wait_on(port: int) -> None:
    """Serve one connection on `port` and close it from the server's side first, as gunicorn
    does after a page: the server's end of it lingers in TIME_WAIT, bound to the port."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen()
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _addr = server.accept()
        accepted.close()
        wait_for(lambda: client.recv(1) == b"")  # the server's FIN arrived
        client.close()


def test_the_port_is_free_again_right_after_a_server_with_closed_connections_stopped():
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    _time_wait_on(port)
    with socket.socket() as strict, pytest.raises(OSError):  # the probe as it was: refused in TIME_WAIT
        strict.bind(("127.0.0.1", port))
    assert port_is_free(port)


def test_a_port_with_a_live_listener_is_not_free():
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert not port_is_free(server.getsockname()[1])


def test_celery_and_gunicorn_run_quietly_and_deliveries_only_when_asked(monkeypatch):
    monkeypatch.setenv("CELERY_QUEUE", "drillops_elsewhere")
    monkeypatch.delenv("GUNICORN_ACCESS_LOG", raising=False)
    specs = {spec.name: spec.argv for spec in child_specs()}
    assert "deliveries" not in specs
    for name in ("worker", "beat"):
        argv = specs[name]
        assert argv[1] == "scripts/celery_console.py" and "-q" in argv
        assert argv[argv.index("-l") + 1] == "warning"
    assert specs["worker"][specs["worker"].index("-Q") + 1] == "drillops_elsewhere"
    assert "deliveries" in {spec.name for spec in child_specs(deliveries=True)}
    assert base_env()["GUNICORN_ACCESS_LOG"] == "0"
    monkeypatch.setenv("GUNICORN_ACCESS_LOG", "1")
    assert base_env()["GUNICORN_ACCESS_LOG"] == "1"


def test_celery_at_warning_keeps_our_loggers_at_info():
    """Celery sets the root logger to -l's level; our lines (the sweep re-sending work) still
    show, Celery's per-task lines do not."""
    program = (
        "import logging, sys; sys.path.insert(0, '.');"
        "from scripts.celery_console import install; install();"
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'drillops.settings'); django.setup();"
        "from drillops.celery import app; app.log.setup_logging_subsystem(loglevel='WARNING');"
        "logging.getLogger('celery.worker.strategy').info('Task received');"
        "logging.getLogger('drillops.timelines.engine.outbox').info('sweep re-enqueues 3 outbox rows')"
    )
    done = subprocess.run(  # noqa: S603 - our own program with the running interpreter
        [PY, "-c", program], cwd=BASE_DIR, capture_output=True, text=True, timeout=60, check=True
    )
    output = done.stdout + done.stderr
    assert "sweep re-enqueues 3 outbox rows" in output
    assert "Task received" not in output


def test_a_start_up_step_is_one_line_when_it_works_and_all_its_output_when_it_fails(capsys):
    code, lines = run_step("step", [PY, "-c", "print('working'); print('done')"], env=dict(os.environ))
    assert code == 0 and lines == ["working", "done"] and capsys.readouterr().out == ""
    code, _lines = run_step("step", [PY, "-c", "print('no database'); raise SystemExit(2)"], env=dict(os.environ))
    assert code == 2 and "step | no database" in capsys.readouterr().out
