"""The console at a glance, in Chromium, during the demo drill played at 60x with nobody answering:
in both languages and at 1366 and 390 px the coordinator's console shows the ticking clock, the
progress and an overdue filter that works; the observer's shows delivered counts only (no totals,
no event still to come, no next event) with the observation form one tap away; nothing is wider
than a 390 px phone and its buttons can be tapped. Screenshots go to SHOTS for people to look at."""

from __future__ import annotations

from typing import Any

import pytest

from drillops.timelines.models import Drill
from tests.asgi_server import asgi_server  # noqa: F401 - a fixture

from .conftest import SHOTS, login, watch_console

pytestmark = [pytest.mark.browser]

WAIT_MS = 60_000
WIDTHS = (1366, 390)
# Elements wider than the viewport (their right edge past it), and tappable controls under 40 px.
TOO_WIDE = """() => [...document.querySelectorAll('body *')].filter(el => {
  const r = el.getBoundingClientRect(); return r.width > 0 && r.right > window.innerWidth + 1;
}).map(el => el.tagName + '#' + el.id + '.' + el.className).slice(0, 5)"""
SMALL_TARGETS = """() => [...document.querySelectorAll(
  '.filter, .attention-item, .chip, .controls .btn, .console-jump a, .topbar button, .topbar a')]
  .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height < 39.5; })
  .map(el => el.textContent.trim().slice(0, 30))"""
# A header button whose words wrapped onto a second line.
WRAPPED_HEADER = """() => [...document.querySelectorAll('.topbar button, .topbar a')]
  .filter(el => el.getClientRects().length > 1 || el.getBoundingClientRect().height > 48)
  .map(el => el.textContent.trim())"""
VISIBLE_CARDS = "() => [...document.querySelectorAll('[data-card]')].filter(c => !c.hidden)"


def check_phone_fit(page: Any) -> None:
    assert page.evaluate(TOO_WIDE) == []
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert page.evaluate(SMALL_TARGETS) == []
    assert page.evaluate(WRAPPED_HEADER) == []


def clock_ticks(page: Any) -> None:
    first = page.inner_text("#clock-scenario")
    assert first.startswith("T+")
    page.wait_for_function(f"() => document.getElementById('clock-scenario').textContent !== '{first}'")


def switch_language(page: Any, language: str) -> None:
    page.click(f"button[name=language][value={language}]")
    page.wait_for_selector(f"html[lang={language}]")
    page.wait_for_selector("#drill-clock")


def test_console_reads_at_a_glance_for_coordinator_and_observer(asgi_server, demo, dispatcher, in_browser):  # noqa: F811
    base, drill_id = asgi_server, demo["drill_id"]
    Drill.objects.filter(pk=drill_id).update(time_scale=60)
    console = f"{base}/drills/{drill_id}/"

    def scenario(browser: Any) -> list[str]:
        errors: list[str] = []
        coord = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        watch_console(coord, errors)
        login(coord, base, "coordinator")
        coord.goto(console)
        coord.click("#btn-start")
        coord.wait_for_selector("#drill-state[data-state=running]")
        # Nobody answers: the first complaint call goes past its deadline (5 s at 60x) and escalates.
        coord.wait_for_selector("[data-card] .chip.is-overdue", timeout=WAIT_MS)
        coord.wait_for_selector("[data-card] .escalation", timeout=WAIT_MS)

        observer = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        watch_console(observer, errors)
        login(observer, base, "observer")
        observer.goto(console)

        for language in ("en", "zh-hans"):
            if language != "en":
                switch_language(coord, language)
                switch_language(observer, language)
            for width in WIDTHS:
                coord.set_viewport_size({"width": width, "height": 900})
                observer.set_viewport_size({"width": width, "height": 900})
                check_coordinator(coord, language, width)
                check_observer(observer, language, width)
        # Paused: a banner on every console, and the scenario clock stands still (no reload).
        coord.click("#btn-pause")
        for page in (coord, observer):
            page.wait_for_selector("#pause-banner", timeout=WAIT_MS)
            page.wait_for_selector("#drill-clock[data-ticking='0']")
            shown = page.inner_text("#clock-scenario")
            page.wait_for_timeout(1500)
            assert page.inner_text("#clock-scenario") == shown
        observer.evaluate("window.scrollTo(0, 0)")
        observer.screenshot(path=str(SHOTS / "console_observer_paused_zh-hans_390.png"))
        return errors

    assert in_browser(scenario) == []


def check_coordinator(page: Any, language: str, width: int) -> None:
    clock_ticks(page)
    delivered = page.locator("#count-delivered")
    assert int(delivered.get_attribute("data-total")) > int(delivered.get_attribute("data-delivered")) > 0
    assert page.locator("#progress").count() == 1
    assert page.locator("#upcoming [data-card].is-future").count() > 0  # still to come, set apart
    assert page.locator("#next-event .countdown").count() == 1
    page.screenshot(path=str(SHOTS / f"console_coordinator_{language}_{width}.png"), full_page=True)
    page.screenshot(path=str(SHOTS / f"console_coordinator_top_{language}_{width}.png"))
    # The overdue filter leaves only cards with a copy past its deadline, and comes back off.
    page.click("#filter-overdue")
    visible = page.evaluate(f"({VISIBLE_CARDS})().map(c => c.getAttribute('data-overdue'))")
    assert visible and set(visible) == {"1"}, visible
    assert page.locator("[data-card][data-overdue='0']").count() > 0  # hidden, not gone
    if width == WIDTHS[0] and language == "en":  # the filter survives the next live update
        patches = page.evaluate("() => window.drillopsLive.patches")
        page.wait_for_function(f"() => window.drillopsLive.patches > {patches}", timeout=WAIT_MS)
        visible = page.evaluate(f"({VISIBLE_CARDS})().map(c => c.getAttribute('data-overdue'))")
        assert visible and set(visible) == {"1"}, visible
        assert page.get_attribute("#filter-overdue", "aria-pressed") == "true"
    page.screenshot(path=str(SHOTS / f"console_coordinator_overdue_{language}_{width}.png"), full_page=False)
    page.click("#filter-overdue")
    assert page.evaluate(f"({VISIBLE_CARDS})().length") == page.locator("[data-card]").count()
    if width == WIDTHS[0] and language == "en":  # one department's events only, and back
        dept = page.locator("#filter-department option", has_text="Legal & Compliance").get_attribute("value")
        page.select_option("#filter-department", dept)
        shown = page.evaluate(f"({VISIBLE_CARDS})().map(c => c.getAttribute('data-departments').split(' '))")
        assert shown and all(dept in ids for ids in shown), shown
        assert page.evaluate(f"({VISIBLE_CARDS})().length") < page.locator("[data-card]").count()
        page.select_option("#filter-department", "")
    if width < 600:
        check_phone_fit(page)


def check_observer(page: Any, language: str, width: int) -> None:
    clock_ticks(page)
    page.wait_for_selector("[data-card] .chip")
    assert page.locator("#count-delivered").get_attribute("data-total") is None  # no totals
    for hidden in ("#progress", "#upcoming", "#next-event", "#outbox-failed", ".is-future", ".chip.s-pending"):
        assert page.locator(hidden).count() == 0, hidden
    assert page.locator(".controls").count() == 0
    jump = page.locator("#jump-observe")
    assert jump.is_visible() and jump.bounding_box()["y"] < 900  # the form is one tap away
    page.screenshot(path=str(SHOTS / f"console_observer_{language}_{width}.png"), full_page=True)
    page.screenshot(path=str(SHOTS / f"console_observer_top_{language}_{width}.png"))
    if width < 600:
        check_phone_fit(page)
        jump.click()
        page.wait_for_function("() => location.hash === '#observe'")
        save = page.locator("#observe button[type=submit]")
        assert save.bounding_box()["height"] >= 39.5
