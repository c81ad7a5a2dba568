"""Every page, as each role, in Chinese on a 390 px phone: no English left untranslated, nothing
scrolls sideways, and axe-core finds no serious or critical violation; all three checked in the
same visit (tests/browser/a11y.py). What was found is printed, page by page."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import Any

import pytest
from django.core.management import call_command

from drillops.reports import services as report_services
from drillops.reports.models import Case
from drillops.scenarios import services as scenario_services
from drillops.timelines import services
from drillops.timelines.models import Drill

from .a11y import check_page
from .conftest import PASSWORD, SHOTS, login, watch_console
from .pages import Ids, forms_opened_in_place, pages_after_the_end, pages_while_running

pytestmark = [pytest.mark.browser]
PHONE = {"width": 390, "height": 844}
LANGUAGE = "zh-hans"

# Pages another helper is redesigning right now (console, staff inbox, inject detail): what the
# checks find there is printed but not failed. The lead empties this after merging that work.
NOT_YET_ASSERTED: dict[re.Pattern[str], str] = {}  # every page is asserted


@pytest.fixture
def drill_zh(transactional_db: Any) -> Ids:
    """The demo drill seeded in Chinese, started, with one ad-hoc inject for customer service."""
    call_command("seed_demo", "--password", PASSWORD, "--language", LANGUAGE, stdout=open(os.devnull, "w"))  # noqa: SIM115
    drill = Drill.objects.select_related("organisation", "scenario_version").get()
    coordinator = drill.roster.get(role="controller").user
    services.drill_start(drill=drill, by=coordinator)
    cs = drill.organisation.departments.get(code="cs")
    [inject] = services.drill_send_adhoc(
        drill=drill, by=coordinator, title="来电者威胁要找媒体", body="", departments=[cs]
    )
    case = Case.objects.filter(organisation=drill.organisation).order_by("id").first()
    assert case is not None
    draft = scenario_services.scenario_clone(scenario=drill.scenario_version.scenario, by=coordinator, title="演练草稿")
    return Ids(
        drill=drill.pk, scenario=drill.scenario_version.scenario_id, inject=inject.pk, case=case.pk, draft=draft.pk
    )


def _label(username: str, path: str) -> str:
    return f"{username or 'anonymous'} {path}"


def _walk(
    browser: Any, base: str, visits: dict[str, list[str]], tag: str, clicks: Sequence[tuple[str, str, str]] = ()
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for username, paths in visits.items():
        page = browser.new_context(viewport=PHONE).new_page()
        errors: list[str] = []
        watch_console(page, errors)
        page.goto(f"{base}/accounts/login/")
        page.click(f"button[name=language][value={LANGUAGE}]")
        page.wait_for_selector(f"html[lang={LANGUAGE}]")
        if username:
            login(page, base, username)
        for path in paths:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, (username, path, response and response.status)
            page.wait_for_timeout(300)  # htmx partials loaded on "load"
            problems = check_page(page, LANGUAGE) + [f"console: {e}" for e in errors]
            errors.clear()
            if problems:
                name = re.sub(r"\W+", "_", f"{tag}_{username}_{path}").strip("_")
                page.screenshot(path=str(SHOTS / f"a11y_{name}.png"), full_page=True)
            found[_label(username, path)] = problems
        for who, path, selector in clicks:
            if who != username:
                continue
            page.goto(base + path)
            page.click(selector)
            page.wait_for_timeout(600)  # the form swapped in by htmx
            problems = check_page(page, LANGUAGE) + [f"console: {e}" for e in errors]
            errors.clear()
            found[f"{_label(username, path)} → {selector}"] = problems
        page.context.close()
    return found


def _waived(label: str) -> str | None:
    path = label.split(" ")[1].split("?")[0]
    return next((why for pattern, why in NOT_YET_ASSERTED.items() if pattern.match(path)), None)


def test_every_chinese_phone_page_is_translated_fits_and_passes_axe(live_server, drill_zh, in_browser):
    base, ids = live_server.url, drill_zh
    walk = pages_while_running(ids)
    found = in_browser(lambda browser: _walk(browser, base, walk, "running", forms_opened_in_place(ids)))

    drill = Drill.objects.get(pk=ids.drill)
    coordinator = drill.roster.get(role="controller").user
    drill = services.drill_finish(drill=drill, by=coordinator)
    report_services.questionnaires_send(drill=drill, phase="post")
    report_services.proposals_refresh(drill=drill)
    report_services.report_publish(drill=drill, by=coordinator)
    after = in_browser(lambda browser: _walk(browser, base, pages_after_the_end(ids), "ended"))
    found.update({f"{label} (ended)": problems for label, problems in after.items()})

    failing: list[str] = []
    for label, problems in found.items():
        waived = _waived(label)
        report = [f"\n{label}: {len(problems)} problem(s){f' [not asserted: {waived}]' if waived else ''}"]
        sys.stdout.write("\n  - ".join(report + problems) + "\n")
        if problems and not waived:
            failing += [f"{label}: {p}" for p in problems]
    assert len(found) >= 25
    assert failing == [], "\n".join(failing)
