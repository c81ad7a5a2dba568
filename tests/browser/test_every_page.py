"""Every page, as each role and in both languages, renders without a console error: a CSP violation
(inline script, asset from elsewhere) or a missing asset would show up there. Screenshots go to
DRILLOPS_SHOTS_DIR (default /tmp/shots) for people to look at."""

from __future__ import annotations

import re
from typing import Any

import pytest

from drillops.timelines import services
from drillops.timelines.models import Drill

from .conftest import SHOTS, login, watch_console

pytestmark = [pytest.mark.browser]


def _label(path: str) -> str:
    """A screenshot name that does not change with the ids of a run."""
    return re.sub(r"/\d+/", "/", path.split("?")[0]).strip("/").replace("/", "_") or "home"


@pytest.fixture
def running(demo: dict[str, Any]) -> dict[str, Any]:
    """The demo drill started, and one ad-hoc inject delivered to customer service."""
    drill = Drill.objects.select_related("organisation").get(pk=demo["drill_id"])
    coordinator = drill.roster.get(role="controller").user
    services.drill_start(drill=drill, by=coordinator)
    cs = drill.organisation.departments.get(code="cs")
    [inject] = services.drill_send_adhoc(
        drill=drill, by=coordinator, title="Caller threatens to go to the press", body="", departments=[cs]
    )
    return {**demo, "inject_id": inject.pk}


def test_every_page_renders_cleanly_in_english_and_chinese(live_server, running, in_browser):
    base, drill, scenario = live_server.url, running["drill_id"], running["scenario_id"]
    inject = running["inject_id"]
    version = Drill.objects.get(pk=drill).scenario_version_id
    visits = {
        "coordinator": [
            "/",
            f"/scenarios/{scenario}/",
            "/scenarios/import/",
            f"/drills/new/?scenario={scenario}",
            f"/drills/{drill}/setup/",
            f"/drills/{drill}/",
            f"/injects/{inject}/",
        ],
        "cs": ["/", f"/drills/{drill}/", f"/injects/{inject}/"],
        "observer": ["/", f"/drills/{drill}/"],
        "admin": [
            "/admin/",
            f"/admin/timelines/drill/{drill}/change/",
            f"/admin/timelines/inject/{inject}/change/",
            f"/admin/scenarios/scenarioversion/{version}/change/",
            "/admin/scenarios/objective/",
            "/admin/timelines/timelineentry/",
            "/admin/core/auditentry/",
        ],
    }

    def scenario_run(browser: Any) -> dict[str, Any]:
        errors: list[str] = []
        seen: dict[str, str] = {}
        for language in ("en", "zh-hans"):
            for username, paths in visits.items():
                page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                watch_console(page, errors)
                page.goto(f"{base}/accounts/login/")
                page.click(f"button[name=language][value={language}]")
                page.wait_for_selector(f"html[lang={language}]")
                if username == "coordinator":
                    page.screenshot(path=str(SHOTS / f"login_{language}.png"))
                login(page, base, username)
                for path in paths:
                    response = page.goto(base + path)
                    assert response is not None and response.status == 200, (username, path)
                    name = f"{username}_{_label(path)}_{language}"
                    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
                    seen[name] = page.inner_text("body")
                page.context.close()
        return {"errors": errors, "seen": seen}

    result = in_browser(scenario_run)
    assert result["errors"] == []
    seen = result["seen"]
    assert all("EXERCISE / 演练" in text for text in seen.values())
    assert "Department inbox" in seen["cs_drills_en"]
    assert "部门收件箱" in seen["cs_drills_zh-hans"]
    assert "主情景事件清单" in seen["coordinator_scenarios_zh-hans"]
    assert "Caller threatens to go to the press" in seen["cs_drills_zh-hans"]
