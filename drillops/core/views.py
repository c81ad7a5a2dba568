"""Health: database, broker and dispatcher, each named when it is down."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from drillops.core.health import check_all


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = check_all()
    return JsonResponse(report, status=200 if report["ok"] else 503)


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on every page, the admin's included."""
    return HttpResponsePermanentRedirect(settings.STATIC_URL + "drillops/favicon.svg")
