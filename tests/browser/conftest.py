"""Headless Chromium against pytest-django's live server, with a real dispatcher process on the
test database. Playwright runs in its own thread so that Django's ORM in the test's thread never
sees Playwright's event loop (no DJANGO_ALLOW_ASYNC_UNSAFE needed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

BROWSER = os.environ.get("DRILLOPS_BROWSER", "/usr/bin/chromium")
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_HINT = "sudo apt-get install -y chromium fonts-wqy-microhei  (or set DRILLOPS_BROWSER to a Chromium binary)"
SHOTS = Path(os.environ.get("DRILLOPS_SHOTS_DIR", "/tmp/shots"))  # noqa: S108 - screenshots for people to look at
PASSWORD = "browser-demo-pass"
ROOT = Path(__file__).resolve().parents[2]


def _require_browser() -> None:
    if not (Path(BROWSER).exists() or shutil.which(BROWSER)):
        pytest.fail(f"Chromium not found at {BROWSER}. Install it: {INSTALL_HINT}", pytrace=False)


@pytest.fixture
def demo(transactional_db: Any) -> dict[str, Any]:
    """The demo drill in English, its users' password known."""
    from drillops.timelines.models import Drill

    call_command("seed_demo", "--password", PASSWORD, "--language", "en", stdout=open(os.devnull, "w"))  # noqa: SIM115
    drill = Drill.objects.select_related("scenario_version").get()
    return {"drill_id": drill.pk, "scenario_id": drill.scenario_version.scenario_id, "password": PASSWORD}


def _database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "root"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    auth = f"{user}:{db['PASSWORD']}" if db.get("PASSWORD") else user
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def dispatcher(live_server: Any) -> Iterator[subprocess.Popen[bytes]]:
    """`manage.py run_dispatcher` on the test database (the live server's), stopped after the test."""
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL, "DEBUG": "1"}
    proc = subprocess.Popen(  # noqa: S603 - our own manage.py with the running interpreter
        [sys.executable, str(ROOT / "manage.py"), "run_dispatcher", "--name", "browser-test", "--max-sleep", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(0.5)
    if proc.poll() is not None:
        err = proc.stderr.read().decode() if proc.stderr else ""
        pytest.fail(f"dispatcher did not start: {err[-2000:]}")
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def in_browser() -> Callable[[Callable[[Any], Any]], Any]:
    """Runs `scenario(browser)` in a worker thread with a fresh Chromium and returns its result."""
    _require_browser()
    SHOTS.mkdir(parents=True, exist_ok=True)

    def run(scenario: Callable[[Any], Any]) -> Any:
        def body() -> Any:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=BROWSER, args=BROWSER_ARGS)
                try:
                    return scenario(browser)
                finally:
                    browser.close()

        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(body).result(timeout=300)

    return run


def login(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def watch_console(page: Any, errors: list[str]) -> None:
    """A CSP violation (inline script, foreign asset) shows up here as a console error."""
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
