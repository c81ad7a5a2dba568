"""The improvement loop in the browser: the trend page and the case library on a phone (390 px) in
English and Chinese, with no sideways scroll and no console error (CSP); and proposed findings
accepted, refused and dropped through htmx without a reload."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from drillops.departments.models import Department
from drillops.reports import services as report_services
from drillops.reports.models import Finding
from drillops.timelines.models import Drill
from tests.factories import DrillFactory
from tests.reports.hand_built import Timeline, at

from .conftest import SHOTS, login, watch_console

pytestmark = [pytest.mark.browser]
PHONE = {"width": 390, "height": 844}


def _finished(seeded: Drill, name: str, forward: float, ends: float, scale: float = 1.0) -> Drill:
    """A finished run of the demo scenario: the first call reaches customer service at +0, is
    acknowledged at +30 and reported to risk management at `forward` seconds."""
    cs = Department.objects.get(organisation=seeded.organisation, code="cs")
    risk = Department.objects.get(organisation=seeded.organisation, code="risk")
    first = seeded.scenario_version.events.get(sequence=1)
    drill = DrillFactory(
        scenario_version=seeded.scenario_version, name=name, time_scale=scale, state="finished",
        started_at=at(0), ended_at=at(ends),
    )  # fmt: skip
    t = Timeline(drill)
    t.state(0, "scheduled", "running")
    t.inject("A1", first, cs, delivered=0, deadline=300, ack=30, action=forward, resolved=forward + 60)
    t.inject("F1", first, risk, delivered=forward, cause="forward", source="A1", ack=forward + 20)
    t.entry("A1", "forward", forward)
    t.state(ends, "running", "finished")
    return drill


@pytest.fixture
def loop(demo: dict[str, Any]) -> dict[str, Any]:
    seeded = Drill.objects.select_related("organisation", "scenario_version").get(pk=demo["drill_id"])
    runs = (("March drill", 900), ("June drill", 600), ("Sept drill", 240))
    drills = [_finished(seeded, name, forward, ends=2000 + n) for n, (name, forward) in enumerate(runs)]
    _finished(seeded, "Quick drill", 60, ends=1900, scale=60)
    coordinator = seeded.roster.get(role="controller").user
    report_services.case_create(
        organisation=seeded.organisation, by=coordinator, kind="incident", title="网络舆情事件",
        summary="短视频平台上的负面舆情", occurred_on=date(2025, 5, 1),
        resolution_seconds=5400, resolution_change=-0.3,
    )  # fmt: skip
    step = {"at": datetime(2025, 6, 1, 9, tzinfo=UTC), "description": "客户投诉升级到监管部门"}
    for title, steps in (("Refund backlog", [step]), ("客户投诉处理", [])):
        report_services.case_create(
            organisation=seeded.organisation, by=coordinator, kind="incident", title=title, steps=steps
        )
    report_services.proposals_refresh(drill=drills[0])
    return {**demo, "first": drills[0].pk}


def _phone_visits(browser: Any, base: str, errors: list[str]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for language in ("en", "zh-hans"):
        page = browser.new_context(viewport=PHONE).new_page()
        watch_console(page, errors)
        page.goto(f"{base}/accounts/login/")
        page.click(f"button[name=language][value={language}]")
        page.wait_for_selector(f"html[lang={language}]")
        login(page, base, "coordinator")
        page.goto(f"{base}/trends/?metric=handoff_p50")
        page.wait_for_selector(".chart-box svg polyline")
        page.screenshot(path=str(SHOTS / f"trends_phone_{language}.png"), full_page=True)
        trend = {"text": page.inner_text("main"), "overflow": _overflow(page)}
        page.goto(f"{base}/cases/")
        page.fill("#case-q", "舆情")
        page.locator(".search-form button[type=submit]").click()
        page.wait_for_url("**/cases/?q=*")
        page.screenshot(path=str(SHOTS / f"cases_phone_{language}.png"), full_page=True)
        found = {"text": page.inner_text("main"), "overflow": _overflow(page)}
        page.goto(f"{base}/cases/?q=投诉")
        seen[language] = {"trend": trend, "舆情": found, "投诉": page.inner_text("#case-count")}
        page.context.close()
    return seen


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_trends_and_the_case_library_on_a_phone_in_both_languages(live_server, loop, in_browser):
    base = live_server.url

    def scenario_run(browser: Any) -> dict[str, Any]:
        errors: list[str] = []
        return {"errors": errors, "seen": _phone_visits(browser, base, errors)}

    result = in_browser(scenario_run)
    assert result["errors"] == []
    en, zh = result["seen"]["en"], result["seen"]["zh-hans"]
    assert en["trend"]["overflow"] <= 0 and zh["trend"]["overflow"] <= 0
    assert "Hand-off latency, median: Customer Service → Risk Management" in en["trend"]["text"]
    assert "客户服务部 → 风险管理部" in zh["trend"]["text"]
    assert "March drill" in en["trend"]["text"] and "Not comparable" in en["trend"]["text"]
    assert "不可比较" in zh["trend"]["text"] and "网络舆情事件" in zh["trend"]["text"]
    assert en["舆情"]["overflow"] <= 0 and zh["舆情"]["overflow"] <= 0
    assert "网络舆情事件" in en["舆情"]["text"] and "1 case contains “舆情”." in en["舆情"]["text"]
    assert "1 个案例包含“舆情”。" in zh["舆情"]["text"]
    assert en["投诉"] == "2 cases contain “投诉”."  # in a title, in a step


def test_proposed_findings_are_accepted_refused_and_dropped_without_a_reload(live_server, loop, in_browser):
    base, drill = live_server.url, loop["first"]

    def scenario_run(browser: Any) -> dict[str, Any]:
        errors: list[str] = []
        page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        watch_console(page, errors)
        login(page, base, "coordinator")
        page.goto(f"{base}/drills/{drill}/proposals/")
        page.evaluate("window.notReloaded = true")
        first = page.locator("article.proposal").first
        title = first.locator("h3").inner_text()
        first.locator("details.details-edit summary").click()
        first.locator("input[name$=title]").first.fill("")
        first.locator("button", has_text="Accept with these changes").click()
        page.wait_for_selector(".proposal-form .errorlist")
        refused = page.inner_text("#proposals")
        page.screenshot(path=str(SHOTS / "proposals_refused_en.png"), full_page=True)
        page.locator("article.proposal").first.locator("form button", has_text="Accept").first.click()
        page.wait_for_selector("article.proposal.accepted")
        page.locator("article.proposal.proposed").first.locator("button", has_text="Drop").click()
        page.wait_for_selector("article.proposal.dropped")
        page.screenshot(path=str(SHOTS / "proposals_decided_en.png"), full_page=True)
        still = page.evaluate("window.notReloaded === true")
        return {"errors": errors, "title": title, "refused": refused, "still": still}

    result = in_browser(scenario_run)
    # The refused accept is a 400 on purpose, which Chromium logs as a failed load.
    refused = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    assert result["errors"] == [refused] and result["still"] is True
    assert "Check the fields below." in result["refused"]
    assert Finding.objects.get(drill_id=drill).title == result["title"]
