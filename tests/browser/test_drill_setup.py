"""End to end in Chromium: a coordinator sets up a drill from the dashboard (a time scale whose
preview the server recomputes as it is typed), seats someone on the roster and ticks attendance,
makes an invitation link; an outside expert opens it in a second browser, sets up an account,
confirms the address from the e-mail and lands on the drill as an observer; the coordinator sees
who joined through the link and starts the drill."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from drillops.timelines.models import Drill, DrillState, RosterEntry, SeatRole

from .conftest import SHOTS, login, watch_console

pytestmark = [pytest.mark.browser]

PASSWORD = "Observe-the-drill-42"


def _shoot(page: Any, name: str) -> None:
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}_{width}_en.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def _set_up(coord: Any, base: str, scenario_id: int) -> dict[str, Any]:
    coord.click("#new-drill-link")
    coord.click(f"a[href='?scenario={scenario_id}']")
    coord.fill("#id_name", "Browser drill")
    coord.fill("#id_time_scale", "60")
    # The preview comes back from the server while the coordinator types: no reload, no submit.
    coord.wait_for_selector("#preview-short")
    preview = coord.inner_text("#timing-preview")
    _shoot(coord, "drill_new")
    coord.click("#create-drill")
    coord.wait_for_url(re.compile(r"/drills/\d+/setup/$"))
    drill_id = int(coord.url.rstrip("/").split("/")[-2])

    coord.select_option("#id_user", label="cs")
    coord.select_option("#id_role", value="player")
    coord.select_option("#id_department", label="Customer Service")
    coord.fill("#id_seat", "Hotline lead")
    coord.click("#roster-add button[type=submit]")
    coord.wait_for_selector("#roster-table tr[data-user='cs'][data-role='player']")
    box = coord.query_selector("#roster-table tr[data-user='cs'] input[name=attended]")
    box.check()
    coord.wait_for_selector("#roster-table tr[data-user='cs'] input[name=attended]:checked")
    coord.wait_for_timeout(300)  # the tick is posted by htmx; the swap brings back the saved box

    coord.fill("#id_label", "Regulator's expert")
    coord.fill("#id_max_uses", "1")
    coord.click("#invitation-new button[type=submit]")
    link = coord.input_value("input.link")
    return {"drill_id": drill_id, "preview": preview, "link": link}


def _observer_signs_up(browser: Any, link: str, errors: list[str]) -> dict[str, Any]:
    expert = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    watch_console(expert, errors)
    expert.goto(link)
    expert.screenshot(path=str(SHOTS / "invite_390_en.png"), full_page=True)
    expert.fill("#id_username", "dr-wang")
    expert.fill("#id_email", "wang@regulator.example")
    expert.fill("#id_password", PASSWORD)
    expert.fill("#id_password_again", PASSWORD)
    expert.click("#signup-submit")
    expert.wait_for_selector("#invite-sent")
    body = mail.outbox[-1].body  # the live server's e-mail, in this process's outbox
    confirm = re.search(r"https?://\S+/invite/confirm/\S+/", body)
    assert confirm, body
    expert.goto(confirm.group(0))
    expert.click("#confirm-address")
    expert.wait_for_url(re.compile(r"/drills/\d+/$"))
    return {"heading": expert.inner_text("h1"), "messages": expert.inner_text(".messages")}


def test_coordinator_sets_up_a_drill_an_outside_observer_joins_by_link_and_it_starts(live_server, demo, in_browser):
    base = live_server.url

    def scenario(browser: Any) -> dict[str, Any]:
        errors: list[str] = []
        coord = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        watch_console(coord, errors)
        login(coord, base, "coordinator")
        made = _set_up(coord, base, demo["scenario_id"])
        _shoot(coord, "drill_setup")
        joined = _observer_signs_up(browser, made["link"], errors)

        coord.reload()
        roster = coord.inner_text("#roster-table")
        coord.click("#btn-start")
        coord.wait_for_selector("#drill-state[data-state=running]")
        return {**made, **joined, "roster": roster, "errors": errors}

    result = in_browser(scenario)
    assert result["errors"] == []
    assert "×60" in result["preview"] and "shorter than 30 real seconds" in result["preview"]
    assert "Browser drill" in result["heading"] and "Observer view (read-only)" in result["heading"]
    assert "you observe Browser drill" in result["messages"]
    assert "dr-wang" in result["roster"] and "Regulator's expert" in result["roster"]

    drill = Drill.objects.get(pk=result["drill_id"])
    assert drill.state == DrillState.RUNNING and drill.time_scale == 60
    seat = RosterEntry.objects.get(drill=drill, user__username="cs", department__code="cs")
    assert (seat.role, seat.seat, seat.attended) == (SeatRole.PLAYER, "Hotline lead", True)
    joined = RosterEntry.objects.get(drill=drill, user__username="dr-wang")
    assert joined.role == SeatRole.OBSERVER and joined.invitation is not None and joined.invitation.uses == 1
