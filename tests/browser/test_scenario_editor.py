"""The scenario editor in Chromium, in English and in Chinese: a new draft of an approved scenario,
an event with a two-step ladder added (after a refusal that keeps what was typed), moved up by
button and by keyboard and dragged back to the end, the version submitted, refused to its author
where the organisation wants an independent reviewer, approved by a second coordinator, and the
diff shows the change.
Screenshots of the editor, the diff and the timeline preview at 1366 and 390 px go to SHOTS; at
390 px the page never scrolls sideways (the rows stack as cards)."""

from __future__ import annotations

from typing import Any

import pytest

from drillops.departments.models import Role
from drillops.scenarios import services
from drillops.scenarios.models import Scenario, VersionStatus
from tests.factories import DepartmentFactory, MembershipFactory, OrganisationFactory, UserFactory

from .conftest import SHOTS, login, watch_console

pytestmark = [pytest.mark.browser]
WAIT_MS = 15_000
LANGUAGES = ("en", "zh-hans")


@pytest.fixture
def editor_world(transactional_db: Any) -> dict[str, Any]:
    org = OrganisationFactory(slug="acme", name="Acme Insurance")
    cs = DepartmentFactory(organisation=org, code="cs", name="Customer Service", name_zh="客户服务部")
    risk = DepartmentFactory(organisation=org, code="risk", name="Risk Management", name_zh="风险管理部")
    author = MembershipFactory(organisation=org, role=Role.COORDINATOR, user=UserFactory(username="author")).user
    MembershipFactory(organisation=org, role=Role.COORDINATOR, user=UserFactory(username="reviewer"))
    scenarios = {}
    for language in LANGUAGES:
        scenario = services.scenario_create(organisation=org, by=author, title=f"Mass complaints ({language})")
        for n, (offset, department) in enumerate(((0, cs), (600, risk)), start=1):
            services.event_create(
                scenario=scenario,
                by=author,
                title=f"Complaint call {n}",
                body="A customer demands a refund.",
                offset_seconds=offset,
                departments=[department],
                response_deadline_seconds=300,
            )
        services.version_submit(scenario=scenario, by=author)
        services.version_approve(scenario=scenario, by=author)
        scenarios[language] = scenario.pk
    # From now on (version 2) a version's author cannot approve it.
    org.require_independent_review = True
    org.save()
    return {"cs": cs.pk, "risk": risk.pk, "scenarios": scenarios}


def _open(browser: Any, base: str, username: str, language: str, width: int = 1366) -> Any:
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(f"{base}/accounts/login/")
    page.click(f"button[name=language][value={language}]")
    page.wait_for_selector(f"html[lang={language}]")
    login(page, base, username, f"pw-{username}")
    return page


def _fill_event(page: Any, world: dict[str, Any], title: str, second_target: str) -> None:
    form = "#event-new"
    page.fill(f"{form} input[name=offset]", "00:04:00")
    page.check(f"{form} input[name=departments][value='{world['cs']}']")
    page.fill(f"{form} input[name=title]", title)
    page.fill(f"{form} textarea[name=body]", "A reporter asks for a statement by 10:30.")
    page.fill(f"{form} input[name=response_deadline]", "00:05:00")
    page.fill(f"{form} input[name='step-0-after']", "00:02:00")
    page.select_option(f"{form} select[name='step-0-target']", f"d:{world['risk']}")
    page.fill(f"{form} input[name='step-0-message']", "Customer service silent")
    page.fill(f"{form} input[name='step-1-after']", "00:05:00")
    page.select_option(f"{form} select[name='step-1-target']", second_target)
    page.select_option(f"{form} select[name='step-1-unless']", "resolved")


def _wait_htmx_idle(page: Any) -> None:
    """No htmx request in flight and no swap settling (a load state is reached once per page, so
    `networkidle` would not wait for the requests htmx makes afterwards)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')", timeout=WAIT_MS
    )


def _row_sequence(page: Any, title: str) -> str:
    return page.get_attribute(f"tr.event-row:has(.event-title:text-is('{title}'))", "data-sequence")


def _author_edits(page: Any, world: dict[str, Any], base: str, scenario: int, language: str) -> dict[str, Any]:
    title = f"Reporter calls ({language})"
    page.goto(f"{base}/scenarios/{scenario}/")
    page.click("#btn-new-draft")
    page.wait_for_selector("#btn-add-event")
    page.click("#btn-add-event")
    page.wait_for_selector("#event-new form")
    # A ladder back to the event's own department is refused; everything typed stays.
    _fill_event(page, world, title, f"d:{world['cs']}")
    page.click("#event-new .save-event")
    page.wait_for_selector("#event-new .ladder-fields.has-error", timeout=WAIT_MS)
    kept = {
        "title": page.input_value("#event-new input[name=title]"),
        "after": page.input_value("#event-new input[name='step-1-after']"),
        "error": page.inner_text("#event-new .ladder-fields .errorlist"),
    }
    page.screenshot(path=str(SHOTS / f"editor_refused_row_{language}_1366.png"), full_page=True)
    page.select_option("#event-new select[name='step-1-target']", "r:coordinator")
    page.click("#event-new .save-event")
    page.wait_for_selector(f"tr.event-row:has(.event-title:text-is('{title}'))", timeout=WAIT_MS)
    sequences = [_row_sequence(page, title)]
    # Up one by the button, then one more from the keyboard on the drag handle.
    page.click(f"tr.event-row:has(.event-title:text-is('{title}')) .move-up")
    page.wait_for_selector(f"tr.event-row[data-sequence='2']:has(.event-title:text-is('{title}'))", timeout=WAIT_MS)
    sequences.append(_row_sequence(page, title))
    page.focus(f"tr.event-row:has(.event-title:text-is('{title}')) .drag-handle")
    page.keyboard.press("ArrowUp")
    page.wait_for_selector(f"tr.event-row[data-sequence='1']:has(.event-title:text-is('{title}'))", timeout=WAIT_MS)
    sequences.append(_row_sequence(page, title))
    # And by dragging its handle onto the last row: the whole new order is posted. (Once the table
    # swapped in by the keyboard move has settled and the timeline has refreshed.) The drag events
    # are dispatched as the browser sends them: a drag by the mouse moved rows under the pointer
    # while it travelled, which made the drop row depend on the machine's speed.
    _wait_htmx_idle(page)
    handle = f"tr.event-row:has(.event-title:text-is('{title}')) .drag-handle"
    box = page.locator("tr.event-row[data-sequence='3']").bounding_box()
    assert box is not None
    carried = page.evaluate_handle("() => new DataTransfer()")
    page.dispatch_event(handle, "dragstart", {"dataTransfer": carried})
    over = {"dataTransfer": carried, "clientX": box["x"] + 40, "clientY": box["y"] + box["height"] - 4}
    page.dispatch_event("tr.event-row[data-sequence='3'] td >> nth=0", "dragover", over)  # its lower half: after it
    page.dispatch_event(handle, "drop", {"dataTransfer": carried})
    page.dispatch_event(handle, "dragend", {"dataTransfer": carried})
    page.wait_for_selector(f"tr.event-row[data-sequence='3']:has(.event-title:text-is('{title}'))", timeout=WAIT_MS)
    sequences.append(_row_sequence(page, title))
    page.wait_for_selector("#timeline .tl-step")
    return {"title": title, "kept": kept, "sequences": sequences}


def _shots(browser: Any, base: str, scenario: int, language: str) -> dict[str, int]:
    widths: dict[str, int] = {}
    for width in (1366, 390):
        page = _open(browser, base, "author", language, width)
        for name, path in (
            ("editor", f"/scenarios/{scenario}/?version=2"),
            ("diff", f"/scenarios/{scenario}/diff/?from=1&to=2"),
        ):
            page.goto(base + path)
            page.screenshot(path=str(SHOTS / f"{name}_{language}_{width}.png"), full_page=True)
            widths[f"{name}_{width}"] = page.evaluate("document.documentElement.scrollWidth")
            if name == "editor":
                page.locator("#timeline").screenshot(path=str(SHOTS / f"timeline_{language}_{width}.png"))
        page.context.close()
    return widths


def test_author_edits_submits_and_a_second_coordinator_approves(live_server, editor_world, in_browser):
    base = live_server.url

    def scenario_run(browser: Any) -> dict[str, Any]:
        errors: list[str] = []
        seen: dict[str, Any] = {}
        for language in LANGUAGES:
            scenario = editor_world["scenarios"][language]
            author = _open(browser, base, "author", language)
            watch_console(author, errors)
            seen[language] = _author_edits(author, editor_world, base, scenario, language)
            author.click("#btn-submit")
            author.wait_for_selector(".messages li.success")
            author.click("#btn-approve")
            seen[language]["refusal"] = author.inner_text(".messages li.error")
            author.context.close()

            reviewer = _open(browser, base, "reviewer", language)
            watch_console(reviewer, errors)
            reviewer.goto(f"{base}/scenarios/{scenario}/")
            reviewer.click("#btn-approve")
            reviewer.wait_for_selector(".messages li.success")
            reviewer.click("#btn-diff")
            reviewer.wait_for_selector("#diff-events")
            seen[language]["diff"] = reviewer.inner_text("#diff-events")
            reviewer.context.close()
            seen[language]["widths"] = _shots(browser, base, scenario, language)
        return {"errors": errors, "seen": seen}

    result = in_browser(scenario_run)
    # The refused row is a 400 on purpose (one per language), which Chromium logs as a failed load.
    refused = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    assert [e for e in result["errors"] if e != refused] == []
    assert result["errors"].count(refused) == len(LANGUAGES)
    for language in LANGUAGES:
        seen = result["seen"][language]
        assert seen["kept"]["title"] == seen["title"] and seen["kept"]["after"] == "00:05:00"
        assert seen["kept"]["error"]
        assert seen["sequences"] == ["3", "2", "1", "3"]
        assert seen["refusal"]
        # Dragged back to the end, the new event is the only change: added as #3.
        assert f"#3 {seen['title']}" in seen["diff"] and "Complaint call 1" not in seen["diff"]
        assert all(width <= (1366 if key.endswith("1366") else 390) for key, width in seen["widths"].items()), seen
        scenario = Scenario.objects.get(pk=editor_world["scenarios"][language])
        version = scenario.versions.get(number=2)
        assert version.status == VersionStatus.APPROVED and version.approved_by.username == "reviewer"
        assert version.submitted_by.username == "author"
        added = version.events.get(title=seen["title"])
        assert added.sequence == 3 and len(added.escalations) == 2
        assert added.escalations[1] == {
            "after_seconds": 300,
            "role": "coordinator",
            "message": "",
            "unless": "resolved",
        }
    assert "other than the author" in result["seen"]["en"]["refusal"]
