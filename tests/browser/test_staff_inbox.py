"""The staff inbox and the inject page in Chromium, in English and Chinese, at 1366 px and on a
390 px phone, against the web tier as production runs it (live stream) and a real dispatcher.

One world: an outage event for six departments that nobody answers, with a ladder step to senior
management; customer service also has items with later deadlines, one without, and one that is a
decision. Customer service's inbox lists open items by deadline and counts them down, the tab
title says how many wait; the inject page turns overdue when its deadline passes and changes
state when the item is acknowledged elsewhere, while what is typed in its form stays; senior
management's inbox shows ONE escalation naming the six departments; nothing is wider than a
phone's screen and every button there is big enough to tap."""

from __future__ import annotations

import re
from typing import Any

import pytest

from drillops.departments.models import Role
from drillops.scenarios.models import VersionStatus
from drillops.timelines import services
from tests.asgi_server import asgi_server  # noqa: F401 - a fixture
from tests.factories import (
    DepartmentFactory,
    MembershipFactory,
    OrganisationFactory,
    ScenarioEventFactory,
    ScenarioFactory,
    ScenarioVersionFactory,
    UserFactory,
)

from .conftest import PASSWORD, SHOTS, login, watch_console

pytestmark = [pytest.mark.browser]

WAIT_MS = 20_000
OUTAGE_DEADLINE = 8  # seconds, at time scale 1: the six copies miss it while the test looks on
COMBOS = [("en", 1366), ("zh-hans", 390), ("zh-hans", 1366), ("en", 390)]
SIX = [
    ("cs", "Customer Service", "客户服务部"),
    ("risk", "Risk Management", "风险管理部"),
    ("claims", "Claims", "理赔部"),
    ("it", "IT Operations", "信息技术部"),
    ("pr", "Public Relations", "公共关系部"),
    ("legal", "Legal", "法律合规部"),
]

# What is wider than the screen (the page must not scroll sideways) and what is too small to tap.
LAYOUT = """() => {
  const w = document.documentElement.clientWidth, wide = [], small = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    const name = `${el.tagName}#${el.id}.${el.className}`;
    if (r.right > w + 1 || r.left < -1) wide.push(`${name} ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  for (const el of document.querySelectorAll('button, a.btn, summary')) {
    const r = el.getBoundingClientRect();
    const name = `${el.tagName}#${el.id}.${el.className} "${el.textContent.trim().slice(0, 20)}"`;
    if (r.width && r.height < 40) small.push(`${name} ${r.height}`);
  }
  return {scroll: document.documentElement.scrollWidth, width: w, wide: wide.slice(0, 8), small: small.slice(0, 8)};
}"""


# The keys of the pieces pushed to a page (live.js announces every patch).
RECORD_KEYS = """() => { window.__keys = [];
  document.addEventListener('drillops:live', e => (e.detail.parts || []).forEach(p => window.__keys.push(p.key)));
}"""


def _world() -> dict[str, Any]:
    org = OrganisationFactory(name="Inbox Insurance", slug="inbox-insurance", time_zone="Asia/Shanghai")
    six = [DepartmentFactory(organisation=org, code=c, name=n, name_zh=z) for c, n, z in SIX]
    exec_dept = DepartmentFactory(organisation=org, code="exec", name="Senior Management", name_zh="高级管理层")
    coordinator = MembershipFactory(
        organisation=org,
        role=Role.COORDINATOR,
        department=None,
        user=UserFactory(username="inbox-coord", password=PASSWORD),
    ).user
    for dept in six[:1]:
        MembershipFactory(organisation=org, department=dept, user=UserFactory(username="inbox-cs", password=PASSWORD))
    MembershipFactory(
        organisation=org, department=exec_dept, user=UserFactory(username="inbox-exec", password=PASSWORD)
    )
    scenario = ScenarioFactory(organisation=org, title="Outage")
    version = ScenarioVersionFactory(scenario=scenario, number=1, status=VersionStatus.APPROVED)
    step = {"after_seconds": 0, "department": exec_dept.pk, "message": "Nobody answered the outage alert",
            "unless": "acknowledged", "response_deadline_seconds": 900}  # fmt: skip
    cs = six[0]
    events = [
        ("Core system outage", six, OUTAGE_DEADLINE, [step], False),
        ("Regulator asks for a statement", [cs], 1800, [], True),
        ("Angry post on social media", [cs], 240, [], False),
        ("Internal memo: FAQ updated", [cs], None, [], False),
        *((f"Media enquiry {n}", [cs], 600 + 60 * n, [], False) for n in range(1, 5)),
    ]
    for sequence, (title, departments, deadline, ladder, decision) in enumerate(events, start=1):
        ScenarioEventFactory(
            version=version, sequence=sequence, offset_seconds=0, title=title, departments=departments,
            response_deadline_seconds=deadline, escalations=ladder, is_decision=decision,
        )  # fmt: skip
    drill = services.drill_create(scenario=scenario, name="Inbox drill", by=coordinator, time_scale=1.0)
    services.drill_start(drill=drill, by=coordinator)
    return {"drill": drill.pk, "six": [d.name for d in six], "six_zh": [d.name_zh for d in six]}


def _deadlines(page: Any) -> list[float]:
    return page.eval_on_selector_all(
        "#inbox-open > article.inject-card",
        "cards => cards.map(c => { const v = c.dataset.sortDeadline.split(':')[0]; return v ? Number(v) : Infinity; })",
    )


def _check_layout(page: Any, name: str) -> None:
    layout = page.evaluate(LAYOUT)
    assert layout["scroll"] <= layout["width"] and not layout["wide"], (name, layout)
    assert not layout["small"], (name, layout)


def _arrived_by_itself_with_a_tone(page: Any) -> None:
    page.wait_for_selector("article.inject-card .missed[data-missed='6']", timeout=WAIT_MS)
    assert page.evaluate("window.__noReload") == "still-here", "the inbox reloaded"
    assert page.title().startswith("(1) ") and page.inner_text("#inbox-count") == "1"
    assert page.locator("#inbox-empty").is_hidden()
    inbox = page.evaluate("() => window.drillopsInbox")
    assert inbox["arrivals"] >= 1 and inbox["beeps"] >= 1, inbox
    # Muting is remembered on this browser.
    assert page.get_attribute("#inbox-sound", "aria-pressed") == "true"
    page.click("#inbox-sound")
    page.reload()
    page.wait_for_selector("#inbox-sound:not([hidden])")
    assert page.get_attribute("#inbox-sound", "aria-pressed") == "false"
    assert page.evaluate("() => localStorage.getItem('drillops.inbox.sound')") == "off"


def test_staff_inbox_and_inject_page_for_triage(asgi_server, dispatcher, in_browser):  # noqa: F811
    base, world = asgi_server, _world()
    console = f"{base}/drills/{world['drill']}/"

    def scenario(browser: Any) -> list[str]:
        errors: list[str] = []
        # Senior management's inbox is open before anything escalates: the escalation arrives
        # there by itself, with the tone and the count in the tab title.
        watcher_context = browser.new_context(viewport={"width": 1366, "height": 860})
        watcher = watcher_context.new_page()
        watch_console(watcher, errors)
        login(watcher, base, "inbox-exec")
        watcher.goto(console)
        watcher.wait_for_selector("#inbox-empty")
        watcher.wait_for_function("() => window.drillopsLive && window.drillopsLive.mode === 'stream'")
        watcher.click("#inbox-count")  # a gesture on the page: browsers allow sound only after one
        watcher.evaluate("window.__noReload = 'still-here'")
        assert not watcher.title().startswith("(")
        for n, (language, width) in enumerate(COMBOS):
            context = browser.new_context(viewport={"width": width, "height": 860 if width > 400 else 800})
            context.add_cookies([{"name": "django_language", "value": language, "url": base}])
            page = context.new_page()
            watch_console(page, errors)
            login(page, base, "inbox-cs")
            tag = f"{language}_{width}"

            # The inbox: open items by deadline (none last), counting down; the count in the title.
            page.goto(console)
            page.wait_for_selector("#inbox-open > article.inject-card", timeout=WAIT_MS)
            page.wait_for_function("() => document.querySelectorAll('#inbox-open > article.inject-card').length >= 6")
            deadlines = _deadlines(page)
            assert deadlines == sorted(deadlines) and deadlines[-1] == float("inf"), deadlines
            waiting = int(page.inner_text("#inbox-count"))
            assert page.title().startswith(f"({waiting}) "), page.title()
            assert page.locator("#inbox-open article.decision").count() == 1
            countdown = page.locator("#inbox-open .countdown").last
            first = countdown.inner_text()
            page.wait_for_function(
                "t => [...document.querySelectorAll('#inbox-open .countdown')].pop().textContent !== t",
                arg=first,
            )
            assert re.search(r"\d+:\d\d", countdown.inner_text())
            page.screenshot(path=str(SHOTS / f"inbox_staff_{tag}.png"), full_page=True)
            if width < 400:
                _check_layout(page, f"inbox {tag}")
                page.click("#jump-comms")
                page.wait_for_function(
                    "() => { const r = document.getElementById('id_text').getBoundingClientRect();"
                    " return r.top >= 0 && r.bottom <= innerHeight; }"
                )

            # The inject page: it changes state without a reload and keeps what is being typed.
            enquiry = page.locator(f"#inbox-open article.inject-card:has-text('Media enquiry {n + 1}')")
            inject_id = enquiry.get_attribute("data-inject-id")
            detail = context.new_page()
            watch_console(detail, errors)
            if n == 0:  # the outage's deadline passes while its page is open: it turns overdue there
                outage = page.locator("#inbox-open article.inject-card:has-text('Core system outage')").get_attribute(
                    "data-inject-id"
                )
                detail.goto(f"{base}/injects/{outage}/")
                detail.wait_for_selector(f"[data-live-key='detail-{outage}'].overdue .badge.overdue", timeout=WAIT_MS)
            detail.goto(f"{base}/injects/{inject_id}/")
            detail.wait_for_function("() => window.drillopsLive && window.drillopsLive.mode === 'stream'")
            detail.evaluate("window.__noReload = 'still-here'")
            detail.evaluate(RECORD_KEYS)
            detail.fill("#act-text", "Draft statement, not sent yet")
            page.click(f"article[data-inject-id='{inject_id}'] .btn-ack")  # acknowledged from the inbox
            detail.wait_for_selector(f"[data-live-key='detail-{inject_id}'][data-status=acknowledged]", timeout=WAIT_MS)
            assert detail.evaluate("window.__noReload") == "still-here", "the inject page reloaded"
            assert f"detail-{inject_id}" in detail.evaluate("() => window.__keys"), "not pushed"
            assert detail.input_value("#act-text") == "Draft statement, not sent yet"
            assert detail.locator("#ack-card").is_hidden()
            detail.screenshot(path=str(SHOTS / f"inject_detail_staff_{tag}.png"), full_page=True)
            if width < 400:
                _check_layout(detail, f"inject page {tag}")
            if n == 0:  # resolved on its page: the open inbox folds it away by itself
                page.evaluate("window.__noReload = 'still-here'")
                before = int(page.inner_text("#inbox-count"))
                detail.fill("#res-text", "Statement sent")
                detail.click("form[action$='/resolve/'] button[type=submit]")
                page.wait_for_selector(f"#inbox-done article[data-inject-id='{inject_id}']", state="attached")
                assert page.evaluate("window.__noReload") == "still-here", "the inbox reloaded"
                assert int(page.inner_text("#inbox-count")) == before - 1
                assert page.title().startswith(f"({before - 1}) ")
                assert page.locator("#inbox-done").is_visible() and page.inner_text("#inbox-done-count") == "1"
                assert page.locator(f"#inbox-done article[data-inject-id='{inject_id}']").is_hidden()  # folded

            # Senior management: ONE escalation, naming the six departments that missed.
            boss = browser.new_context(viewport={"width": width, "height": 860})
            boss.add_cookies([{"name": "django_language", "value": language, "url": base}])
            exec_page = boss.new_page()
            watch_console(exec_page, errors)
            login(exec_page, base, "inbox-exec")
            exec_page.goto(console)
            exec_page.wait_for_selector("article.inject-card .missed[data-missed='6']", timeout=WAIT_MS)
            assert exec_page.locator("article.inject-card").count() == 1
            names = exec_page.inner_text("article.inject-card .missed")
            expected = world["six_zh"] if language.startswith("zh") else world["six"]
            assert all(name in names for name in expected), names
            assert exec_page.locator("article.inject-card .countdown").count() == 1  # the step's own deadline
            exec_page.screenshot(path=str(SHOTS / f"inbox_escalation_{tag}.png"), full_page=True)
            if width < 400:
                _check_layout(exec_page, f"senior management {tag}")
            exec_page.click("article.inject-card .actions a[href*='/injects/']")
            exec_page.wait_for_selector("#live.detail-live .missed[data-missed='6']")
            exec_page.screenshot(path=str(SHOTS / f"inject_detail_escalation_{tag}.png"), full_page=True)
            if width < 400:
                _check_layout(exec_page, f"senior management's inject page {tag}")
            context.close()
            boss.close()
            if n == 0:
                _arrived_by_itself_with_a_tone(watcher)
        watcher_context.close()
        return errors

    errors = in_browser(scenario)
    assert errors == []
