"""Login abuse, refused at every door that calls `authenticate(request, ...)`: the login page, the
admin login and the API token.

Two limits, checked by one axes handler before a password is looked at:
- a (username, address) pair is locked after AXES_FAILURE_LIMIT failures (django-axes, rows in
  the database: administrators see them in the admin and lift them there);
- an address is throttled after LOGIN_ADDRESS_FAILURE_LIMIT failures of any usernames within
  LOGIN_ADDRESS_WINDOW_SECONDS, answered 429 with Retry-After.

The address count lives in Redis, not in axes' rows: axes deletes its rows once the 15-minute
cool-off has passed, so they cannot hold an hour; a sorted set per address is an exact sliding
window that expires by itself, tells exactly when the address may try again, and costs one
round trip, so a flood of throttled attempts writes nothing to the database.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable
from typing import Any

import redis
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

KEY_PREFIX = "drillops:login-failures:"
# Seconds since the epoch; tests move it to see a window pass.
clock: Callable[[], float] = time.time
_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    return _client


def client_address(request: HttpRequest) -> str | None:
    """The caller's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the
    outermost of them saw (proxies append to X-Forwarded-For; what the client wrote comes first
    and is never trusted)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def address_retry_after(address: str | None) -> int:
    """Seconds until the address may try again; 0 while it is under the limit."""
    if not address:
        return 0
    key, now = KEY_PREFIX + address, clock()
    window, limit = settings.LOGIN_ADDRESS_WINDOW_SECONDS, settings.LOGIN_ADDRESS_FAILURE_LIMIT
    try:
        pipe = _redis().pipeline()
        pipe.zremrangebyscore(key, "-inf", now - window)
        pipe.zcard(key)
        _removed, count = pipe.execute()
        if count < limit:
            return 0
        # The address may try again when enough failures have left the window to bring it under the limit.
        ((_member, at),) = _redis().zrange(key, count - limit, count - limit, withscores=True)
    except redis.RedisError:
        # Without Redis the pair lock (database) still holds; refusing every login would be worse.
        log.warning("Login throttle: Redis unavailable, address %s not checked", address)
        return 0
    return max(1, math.ceil(at + window - now))


def note_address_failure(address: str | None) -> None:
    if not address:
        return
    key, now = KEY_PREFIX + address, clock()
    try:
        pipe = _redis().pipeline()
        pipe.zadd(key, {f"{now:.6f}:{secrets.token_hex(4)}": now})
        pipe.zremrangebyscore(key, "-inf", now - settings.LOGIN_ADDRESS_WINDOW_SECONDS)
        pipe.expire(key, settings.LOGIN_ADDRESS_WINDOW_SECONDS)
        pipe.execute()
    except redis.RedisError:
        log.warning("Login throttle: Redis unavailable, failure from %s not counted", address)


def forget_address_failures(address: str | None = None) -> int:
    """Clears the count of one address, or of every address (tests start each from zero)."""
    keys = [KEY_PREFIX + address] if address else list(_redis().scan_iter(match=KEY_PREFIX + "*", count=500))
    return int(_redis().delete(*keys)) if keys else 0


class LoginGuardHandler(AxesDatabaseHandler):
    """axes' database handler (the pair lock) with the address throttle in front of it."""

    def is_allowed(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        wait = address_retry_after(request.axes_ip_address)
        if wait:
            request.drillops_retry_after = wait
            return False
        return bool(super().is_allowed(request, credentials))

    def user_login_failed(self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
        throttled = getattr(request, "drillops_retry_after", None) if request is not None else None
        if throttled:
            # Refused by the address throttle: counted nowhere, so Retry-After stays true and a
            # flood costs no database write.
            request.axes_locked_out = True
            request.axes_credentials = credentials
            return
        if request is not None:
            note_address_failure(request.axes_ip_address)
        super().user_login_failed(sender, credentials, request, **kwargs)


def pair_unlocks_in(username: str | None, address: str | None) -> int:
    """Seconds until the pair's lock ends by itself (15 minutes after its last counted failure)."""
    last = AccessAttempt.objects.filter(username=username, ip_address=address).order_by("-attempt_time").first()
    if last is None:
        return 0
    ends = last.attempt_time + settings.AXES_COOLOFF_TIME
    return max(0, math.ceil((ends - timezone.now()).total_seconds()))


def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def refusal_response(request: Any, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """What a refused login answers: 429 with Retry-After for a throttled address, 403 for a
    locked pair; JSON {"detail"} for the API, the login page's look elsewhere."""
    wait = int(getattr(request, "drillops_retry_after", 0) or 0)
    if wait:
        status = 429
        message = _("Too many failed logins from your address. Try again in %(minutes)d minutes.") % {
            "minutes": _minutes(wait)
        }
    else:
        status = 403
        username = (credentials or {}).get("username") or request.POST.get("username")
        remaining = pair_unlocks_in(username, request.axes_ip_address)
        message = _(
            "This account is locked from your address after %(limit)d failed logins. Try again in "
            "%(minutes)d minutes, or ask an administrator to lift the lock."
        ) % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": _minutes(remaining)}
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=status)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=status)
    if wait:
        response["Retry-After"] = str(wait)
    return response
