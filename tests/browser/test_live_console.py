"""End to end in Chromium: the coordinator starts the demo drill, customer service sees the first
complaint arrive without reloading and acknowledges it, and the coordinator's console shows the
acknowledgement and the comms message without reloading. No test here measures speed; each
waits for what must appear."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import SHOTS, login, watch_console

pytestmark = [pytest.mark.browser]

WAIT_MS = 20_000
MARK = "window.__noReload = 'still-here'"
STILL_HERE = "window.__noReload"


def test_inject_arrives_and_ack_shows_without_reload(live_server, demo, dispatcher, in_browser):
    base, drill_id = live_server.url, demo["drill_id"]
    console = f"{base}/drills/{drill_id}/"

    def scenario(browser: Any) -> list[str]:
        errors: list[str] = []
        coord = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        staff = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        watch_console(coord, errors)
        watch_console(staff, errors)

        login(staff, base, "cs")
        staff.goto(console)
        staff.wait_for_selector("#inbox-empty")
        staff.evaluate(MARK)

        login(coord, base, "coordinator")
        coord.goto(f"{base}/scenarios/{demo['scenario_id']}/")
        coord.click(f"a[href='/drills/{drill_id}/']")
        coord.wait_for_selector("#btn-start")
        coord.click("#btn-start")
        coord.wait_for_selector("#drill-state[data-state=running]")
        coord.evaluate(MARK)

        # The dispatcher delivers the 09:00 complaint call; the inbox refreshes by itself.
        card = staff.wait_for_selector("article.inject-card[data-status=delivered]", timeout=WAIT_MS)
        assert "First complaint call" in card.inner_text()
        assert staff.evaluate(STILL_HERE) == "still-here", "the staff page reloaded"
        inject_id = card.get_attribute("data-inject-id")
        staff.screenshot(path=str(SHOTS / "browser_staff_inbox_en.png"), full_page=True)

        row = f"#injects tr[data-inject-id='{inject_id}']"
        coord.wait_for_selector(f"{row}[data-status=delivered]", timeout=WAIT_MS)
        staff.click(f"article[data-inject-id='{inject_id}'] .btn-ack")
        staff.wait_for_selector(f"article[data-inject-id='{inject_id}'][data-status=acknowledged]")

        coord.wait_for_selector(f"{row}[data-status=acknowledged]", timeout=WAIT_MS)
        assert coord.evaluate(STILL_HERE) == "still-here", "the coordinator page reloaded"

        # The comms channel rides along with the refresh (an out-of-band swap).
        staff.fill("#id_text", "CS: first report sent to risk management")
        staff.click("form[action$='/messages/new/'] button[type=submit]")
        coord.wait_for_selector("#comms-feed li:has-text('first report sent to risk')", timeout=WAIT_MS)
        assert coord.evaluate(STILL_HERE) == "still-here", "the coordinator page reloaded"
        coord.screenshot(path=str(SHOTS / "browser_coordinator_console_en.png"), full_page=True)
        return errors

    errors = in_browser(scenario)
    assert errors == []
