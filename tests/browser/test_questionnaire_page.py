"""The questionnaire page works on a phone: a player opens it from the link the drill's end sends,
chooses scores with a thumb, writes a sentence and sends it, in English and in Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from drillops.reports import services as report_services
from drillops.reports.models import AnswerSet, Survey
from drillops.timelines import services
from drillops.timelines.models import Drill

from .conftest import SHOTS, login, watch_console

pytestmark = [pytest.mark.browser]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def ended(demo: dict[str, Any]) -> dict[str, Any]:
    """The demo drill started, finished, and its questionnaires sent to the roster."""
    drill = Drill.objects.select_related("organisation").get(pk=demo["drill_id"])
    coordinator = drill.roster.get(role="controller").user
    services.drill_start(drill=drill, by=coordinator)
    drill = services.drill_finish(drill=drill, by=coordinator)
    report_services.questionnaires_send(drill=drill, phase="post")
    return demo


def test_a_player_answers_the_questionnaire_on_a_phone_in_both_languages(live_server, ended, in_browser):
    base, drill = live_server.url, ended["drill_id"]
    url = f"{base}/drills/{drill}/questionnaire/"

    def scenario_run(browser: Any) -> dict[str, Any]:
        errors: list[str] = []
        seen = {}
        for username, language in (("cs", "zh-hans"), ("risk", "en")):
            page = browser.new_context(viewport=PHONE).new_page()
            watch_console(page, errors)
            page.goto(f"{base}/accounts/login/")
            page.click(f"button[name=language][value={language}]")
            page.wait_for_selector(f"html[lang={language}]")
            login(page, base, username)
            page.goto(url)
            page.screenshot(path=str(SHOTS / f"questionnaire_phone_{language}.png"), full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            for group in page.locator(".likert").all():
                group.locator("label.likert-choice").nth(3).click()  # a 4 for every scored question
            page.locator(".questionnaire textarea").first.fill("多做几次演练 / More practice")
            page.locator(".questionnaire form button[type=submit]").first.click()
            page.wait_for_selector(".messages li.success")
            page.screenshot(path=str(SHOTS / f"questionnaire_sent_phone_{language}.png"), full_page=True)
            seen[language] = {"overflow": overflow, "after": page.inner_text("main")}
            page.context.close()
        wide = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        login(wide, base, "observer")
        wide.goto(url)
        wide.screenshot(path=str(SHOTS / "questionnaire_observer_wide_en.png"), full_page=True)
        seen["observer"] = wide.inner_text("main")
        return {"errors": errors, "seen": seen}

    result = in_browser(scenario_run)
    assert result["errors"] == []
    assert result["seen"]["zh-hans"]["overflow"] <= 0 and result["seen"]["en"]["overflow"] <= 0
    assert "谢谢" in result["seen"]["zh-hans"]["after"] and "Thank you" in result["seen"]["en"]["after"]
    assert "How well did the departments coordinate" in result["seen"]["observer"]
    participants = Survey.objects.get(drill_id=drill, template__kind="participant")
    assert AnswerSet.objects.filter(survey=participants).count() == 2
