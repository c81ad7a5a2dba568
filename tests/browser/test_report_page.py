"""The after-action report page in the browser: English and Chinese, on a desktop (1366 px) and a
phone (390 px), with its charts drawn, no sideways scroll and no console error (CSP); the timeline
filtered to what observers flagged; a background export's progress bar offering the file when the
task is done. Screenshots go to DRILLOPS_SHOTS_DIR for people to look at."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import DepartmentFactory, OrganisationFactory
from tests.reports.report_world import build_report_world

from .conftest import PASSWORD, SHOTS, login, watch_console

pytestmark = [pytest.mark.browser]
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def report(transactional_db: Any) -> int:
    org = OrganisationFactory(slug="acme-insurance", name="Acme Insurance")
    cs = DepartmentFactory(organisation=org, code="cs", name="Customer Service", name_zh="客户服务部")
    risk = DepartmentFactory(organisation=org, code="risk", name="Risk Management", name_zh="风险管理部")
    return build_report_world(org, cs, risk, password=PASSWORD).drill.pk


def _visit(browser: Any, base: str, drill: int, language: str, size: str, errors: list[str]) -> dict[str, Any]:
    page = browser.new_context(viewport=SIZES[size]).new_page()
    watch_console(page, errors)
    page.goto(f"{base}/accounts/login/")
    page.click(f"button[name=language][value={language}]")
    page.wait_for_selector(f"html[lang={language}]")
    login(page, base, "coord")
    page.goto(f"{base}/drills/{drill}/report/")
    page.wait_for_selector("#handoffs .chart-box svg rect")
    page.screenshot(path=str(SHOTS / f"report_{size}_{language}.png"), full_page=True)
    seen = {
        "text": page.inner_text("main"),
        "overflow": int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth")),
        "charts": page.locator(".chart-box svg").count(),
    }
    if size == "phone":
        page.check("#id_flagged")
        page.locator(".timeline-filters button[type=submit]").click()
        page.wait_for_url("**flagged=on**")
        seen["flagged"] = page.inner_text("#timeline-count")
        if language == "en":  # the background export (every timeline is "long" here): its progress bar
            response = page.goto(f"{base}/drills/{drill}/report/export/xlsx/")
            seen["export_status"] = response.status if response else None
            page.wait_for_selector("[data-export-job][data-state=done] [data-export-file]")
            page.screenshot(path=str(SHOTS / "report_export_done_phone_en.png"), full_page=True)
            seen["export_file"] = page.get_attribute("[data-export-file]", "href")
            seen["export_text"] = page.inner_text("[data-export-job]")
    page.context.close()
    return seen


@pytest.fixture
def background_exports(settings: Any) -> Any:
    from drillops.celery import app

    settings.REPORT_EXPORT_ASYNC_ENTRIES = 1
    app.conf.task_always_eager = True  # the task runs when the request's job is committed
    yield
    app.conf.task_always_eager = False


def test_the_report_page_in_both_languages_on_a_desktop_and_a_phone(
    live_server, report, background_exports, in_browser
):
    base = live_server.url

    def scenario_run(browser: Any) -> dict[str, Any]:
        errors: list[str] = []
        seen = {(lang, size): _visit(browser, base, report, lang, size, errors)
                for lang in ("en", "zh-hans") for size in SIZES}  # fmt: skip
        return {"errors": errors, "seen": seen}

    result = in_browser(scenario_run)
    assert result["errors"] == []
    for (language, size), seen in result["seen"].items():
        assert seen["overflow"] <= 0, (language, size)
        assert seen["charts"] == 4, (language, size)  # response times, hand-offs, escalations, ratings
        assert "EXERCISE / 演练" in seen["text"]
    en, zh = result["seen"][("en", "phone")], result["seen"][("zh-hans", "phone")]
    assert "After-action report: March drill" in en["text"] and "Slow first report" in en["text"]
    assert "Customer Service (cs) → Risk Management (risk)" in en["text"]
    assert "演练总结报告：March drill" in zh["text"] and "客户服务部 (cs) → 风险管理部 (risk)" in zh["text"]
    assert en["flagged"] == "1 entry" and zh["flagged"] == "1 条记录"
    assert en["export_status"] == 202 and en["export_file"].endswith("/file/")
    assert "The XLSX file is ready." in en["export_text"] and "being built" not in en["export_text"]
