"""Health checks. Core knows the database and the broker; higher apps register their own
(the timelines app registers the dispatcher) so that core imports no app."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.db import connection

CheckResult = dict[str, Any]
_checks: dict[str, Callable[[], CheckResult]] = {}


def register_check(name: str, check: Callable[[], CheckResult]) -> None:
    _checks[name] = check


def _timed(check: Callable[[], CheckResult]) -> CheckResult:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # a health check reports failures, it never raises them
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result.setdefault("ok", True)
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database() -> CheckResult:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def check_broker() -> CheckResult:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


register_check("database", check_database)
register_check("broker", check_broker)


def check_all() -> dict[str, Any]:
    parts = {name: _timed(check) for name, check in _checks.items()}
    down = [name for name, part in parts.items() if not part["ok"]]
    return {"ok": not down, "down": down, **parts}
