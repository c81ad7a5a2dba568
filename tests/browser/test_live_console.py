"""End to end in Chromium: the coordinator starts the demo drill, customer service sees the first
complaint arrive without reloading and acknowledges it, and the coordinator's console shows the
acknowledgement and the comms message without reloading, all pushed over the live stream (the
web tier as production runs it: drillops.asgi under uvicorn) with no polling while it is up; and
when the stream cannot be had, the page falls back to polling. No test here measures speed; each
waits for what must appear."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from drillops.departments.models import Department
from tests.asgi_server import asgi_server  # noqa: F401 - a fixture

from .conftest import SHOTS, login, watch_console

pytestmark = [pytest.mark.browser]

WAIT_MS = 20_000
MARK = "window.__noReload = 'still-here'"
STILL_HERE = "window.__noReload"
# Remembers, per element key, the states pushed to the page (live.js announces every patch).
RECORD_PUSHES = """() => { window.__pushed = {};
  document.addEventListener('drillops:live', e => (e.detail.parts || []).forEach(p => {
    const status = (p.html.match(/data-status="(\\w+)"/) || [])[1] || '';
    (window.__pushed[p.key] = window.__pushed[p.key] || []).push(status);
  }));
}"""


def pushed(page: Any, key: str) -> list[str]:
    return page.evaluate(f"() => (window.__pushed || {{}})['{key}'] || []")


def fragment_requests(page: Any) -> list[str]:
    """Records every request for the whole live fragment (what polling asks for)."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if "/live/" in request.url else None)
    return seen


def coordinator_token() -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=get_user_model().objects.get(username="coordinator"))[0].key


def send_adhoc(base: str, token: str, drill_id: int, department: int, title: str) -> int:
    """An ad-hoc inject through the API (HTTP only: the browser thread stays away from the ORM)."""
    body = json.dumps({"title": title, "body": "EXERCISE", "departments": [department]}).encode()
    request = urllib.request.Request(  # noqa: S310 - the test's own server
        f"{base}/api/v1/drills/{drill_id}/injects/",
        data=body,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310
        made = json.loads(answer.read())
    rows = made if isinstance(made, list) else made.get("results", [made])
    return int(rows[0]["id"])


def assert_no_polling(page: Any, fetches: list[str]) -> None:
    """The stream stayed up: nothing polled; the whole fragment was fetched only when the stream
    asked for it (a drill's start changes every part of a page)."""
    live = page.evaluate("() => window.drillopsLive")
    assert live["mode"] == "stream" and live["polls"] == 0, live
    assert len(fetches) <= live["refreshes"], (fetches, live)


def test_inject_arrives_and_ack_shows_without_reload(asgi_server, demo, dispatcher, in_browser):  # noqa: F811
    base, drill_id = asgi_server, demo["drill_id"]
    token, cs_id = coordinator_token(), Department.objects.get(code="cs").pk
    console = f"{base}/drills/{drill_id}/"

    def scenario(browser: Any) -> list[str]:
        errors: list[str] = []
        coord = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        staff = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        watch_console(coord, errors)
        watch_console(staff, errors)

        login(staff, base, "cs")
        staff_fetches = fragment_requests(staff)
        staff.goto(console)
        staff.wait_for_selector("#inbox-empty")
        staff.wait_for_function("() => window.drillopsLive && window.drillopsLive.mode === 'stream'")
        staff.evaluate(MARK)
        staff.evaluate(RECORD_PUSHES)

        login(coord, base, "coordinator")
        coord.goto(f"{base}/scenarios/{demo['scenario_id']}/")
        coord.click(f"a[href='/drills/{drill_id}/']")
        coord.wait_for_selector("#btn-start")
        coord.click("#btn-start")
        coord.wait_for_selector("#drill-state[data-state=running]")
        coord.wait_for_function("() => window.drillopsLive && window.drillopsLive.mode === 'stream'")
        coord_fetches = fragment_requests(coord)
        coord.evaluate(MARK)
        coord.evaluate(RECORD_PUSHES)

        # The dispatcher delivers the 09:00 complaint call; the inbox shows it by itself (pushed,
        # or fetched once when it lands in the same moment as the drill's start).
        card = staff.wait_for_selector("article.inject-card[data-status=delivered]", timeout=WAIT_MS)
        assert "First complaint call" in card.inner_text()
        assert staff.evaluate(STILL_HERE) == "still-here", "the staff page reloaded"

        # A journalist's call, sent now: pushed to the inbox and to the coordinator's event cards.
        made = send_adhoc(base, token, drill_id, cs_id, "Journalist asks for comment")
        card = staff.wait_for_selector(f"article[data-inject-id='{made}'][data-status=delivered]", timeout=WAIT_MS)
        assert "Journalist asks for comment" in card.inner_text()
        assert "delivered" in pushed(staff, f"inject-{made}"), "the card did not come with a push"
        staff.screenshot(path=str(SHOTS / "browser_staff_inbox_en.png"), full_page=True)
        row = f"[data-card] .chip[data-inject-id='{made}']"
        coord.wait_for_selector(f"{row}[data-status=delivered]", timeout=WAIT_MS)
        assert "delivered" in pushed(coord, f"inject-{made}"), "the card did not come with a push"
        assert_no_polling(staff, staff_fetches)  # before its own form posts reload it

        # Acknowledging from the pushed card (its form got the page's CSRF token).
        staff.click(f"article[data-inject-id='{made}'] .btn-ack")
        staff.wait_for_selector(f"article[data-inject-id='{made}'][data-status=acknowledged]")
        inject_id = made

        coord.wait_for_selector(f"{row}[data-status=acknowledged]", timeout=WAIT_MS)
        assert coord.evaluate(STILL_HERE) == "still-here", "the coordinator page reloaded"
        assert "acknowledged" in pushed(coord, f"inject-{inject_id}"), "the response did not come with a push"

        # The comms channel's new message is pushed to the coordinator too.
        staff.fill("#id_text", "CS: first report sent to risk management")
        staff.click("form[action$='/messages/new/'] button[type=submit]")
        coord.wait_for_selector("#comms-feed li:has-text('first report sent to risk')", timeout=WAIT_MS)
        assert coord.evaluate(STILL_HERE) == "still-here", "the coordinator page reloaded"
        coord.screenshot(path=str(SHOTS / "browser_coordinator_console_en.png"), full_page=True)
        assert "message" in " ".join(coord.evaluate("() => Object.keys(window.__pushed)"))
        assert_no_polling(coord, coord_fetches)
        return errors

    errors = in_browser(scenario)
    assert errors == []


def test_console_falls_back_to_polling_when_the_stream_fails(asgi_server, demo, dispatcher, in_browser):  # noqa: F811
    base, drill_id = asgi_server, demo["drill_id"]
    console = f"{base}/drills/{drill_id}/"

    def scenario(browser: Any) -> dict[str, Any]:
        staff = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        coord = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        staff.route("**/stream/**", lambda route: route.fulfill(status=502, body="proxy error"))
        login(staff, base, "cs")
        fetches = fragment_requests(staff)
        staff.goto(console)
        staff.wait_for_selector("#inbox-empty")
        staff.wait_for_function("() => window.drillopsLive && window.drillopsLive.mode === 'polling'")
        staff.evaluate(MARK)

        login(coord, base, "coordinator")
        coord.goto(console)
        coord.click("#btn-start")
        coord.wait_for_selector("#drill-state[data-state=running]")

        staff.wait_for_selector("article.inject-card[data-status=delivered]", timeout=WAIT_MS)
        assert staff.evaluate(STILL_HERE) == "still-here", "the staff page reloaded"
        live = staff.evaluate("() => window.drillopsLive")
        assert live["polls"] >= 1 and fetches, live
        return live

    in_browser(scenario)
