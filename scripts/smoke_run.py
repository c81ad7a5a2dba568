"""Smoke test of `make run`, as CI does it: start it in the background, wait for /healthz,
log in as the demo coordinator through the API, check that the console stays quiet while
nothing happens (no line per request, task or beat tick), press Ctrl-C (SIGINT to its process
group, as a terminal would), and check that every process it started is gone. Then start it
again at once, as a person would after Ctrl-C: the pages just served left connections in
TIME_WAIT on the port, which must not stop it.

Uses the embedded PostgreSQL / Redis unless DATABASE_URL / REDIS_URL are set.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

# Run as a file (python scripts/run.py): make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.services import BASE_DIR, DEFAULT_DATA_DIR, pid_alive

PIDS_FILE = DEFAULT_DATA_DIR / "run.pids"
START_TIMEOUT = float(os.environ.get("SMOKE_START_TIMEOUT", "300"))
STOP_TIMEOUT = 60.0
QUIET_SECONDS = 12.0  # longer than beat's 10 s between sweeps
CHATTY = {"web", "worker", "beat"}


def request(url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=5) as response:  # noqa: S310 (loopback only)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(exc)


def tee(proc: subprocess.Popen[bytes], lines: list[str]) -> None:
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = raw.decode("utf-8", "replace")
        lines.append(line)
        sys.stdout.write(line)
        sys.stdout.flush()


def wait_healthy(proc: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    status, body = 0, ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"smoke: make run exited early with code {proc.returncode}")
        status, body = request(base + "/healthz")
        if status == 200:
            print(f"smoke: /healthz 200 {body}", flush=True)
            return
        time.sleep(1)
    raise SystemExit(f"smoke: /healthz never answered 200 in {START_TIMEOUT:.0f} s (last: {status} {body[:300]})")


def log_in(base: str) -> None:
    password = os.environ.get("DRILLOPS_DEMO_PASSWORD", "drillops-demo")
    status, body = request(base + "/api/v1/auth/token/", {"username": "coordinator", "password": password})
    if status != 200 or "token" not in json.loads(body or "{}"):
        raise SystemExit(f"smoke: demo coordinator login failed: {status} {body[:300]}")
    print("smoke: coordinator logged in through /api/v1/auth/token/", flush=True)


def started_pids() -> list[int]:
    if not PIDS_FILE.exists():
        raise SystemExit(f"smoke: {PIDS_FILE} missing: the supervisor never wrote its children")
    return [int(line) for line in PIDS_FILE.read_text().split()]


def stop_and_check(proc: subprocess.Popen[bytes], pids: list[int]) -> None:
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise SystemExit(f"smoke: make run did not stop within {STOP_TIMEOUT:.0f} s of Ctrl-C") from None
    deadline = time.monotonic() + 10
    while (alive := [pid for pid in pids if pid_alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    if alive:
        raise SystemExit(f"smoke: processes still running after Ctrl-C: {alive}")
    print(f"smoke: stopped cleanly; all {len(pids)} processes gone", flush=True)


def check_quiet(base: str, lines: list[str]) -> None:
    """Pages opened, then nothing: web, worker and beat have nothing to say."""
    request(base + "/")
    mark = len(lines)
    time.sleep(QUIET_SECONDS)
    noisy = [line.rstrip() for line in lines[mark:] if line.split("|")[0].strip() in CHATTY]
    if noisy:
        raise SystemExit(f"smoke: the console is not quiet while idle: {noisy[:5]}")
    print(f"smoke: console quiet for {QUIET_SECONDS:.0f} s while idle", flush=True)


def run_once(port: str, *, quiet: bool) -> None:
    base = f"http://127.0.0.1:{port}"
    PIDS_FILE.unlink(missing_ok=True)
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=BASE_DIR,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    lines: list[str] = []
    pump = threading.Thread(target=tee, args=(proc, lines), daemon=True)
    pump.start()
    try:
        wait_healthy(proc, base)
        log_in(base)
        pids = started_pids()
        if quiet:
            check_quiet(base, lines)
    except BaseException:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(STOP_TIMEOUT)
        raise
    stop_and_check(proc, pids)
    pump.join(5)
    if not any("all stopped" in line for line in lines):
        raise SystemExit("smoke: the supervisor never said it had stopped everything")


def main() -> int:
    port = os.environ.get("PORT", "8123")
    run_once(port, quiet=True)
    print("smoke: starting again right after Ctrl-C", flush=True)
    run_once(port, quiet=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
