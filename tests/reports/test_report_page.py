"""The report page follows the report's one rule (reports.selectors.report_view): coordinators read
the live draft with the proposals, the roster only a published version (staff without observers'
names), nobody else anything; questionnaire results keep the anonymity rule; the console and the
dashboard link to it for those who may read it; bad filters are a 400."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from drillops.reports import services
from drillops.reports.selectors.report_view import key_rows, report_view

from ..api.world import World
from ..api.world_reports import answers_for
from .report_world import ReportWorld, build_report_world

pytestmark = pytest.mark.django_db


def _page(user: Any, url: str) -> Any:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def test_each_reader_gets_the_report_their_role_may_read(world: World) -> None:
    ended, running = f"/drills/{world.ended.pk}/report/", f"/drills/{world.drill.pk}/report/"
    services.observation_create(
        drill=world.ended, by=world.users["observer_invited"], objective=world.objective, rating="M", note="Hesitant"
    )
    services.report_publish(drill=world.ended, by=world.users["coordinator"])
    coordinator = _page(world.users["coordinator"], ended).content.decode()
    assert "Live draft (not published)" in coordinator and 'id="proposals"' in coordinator and "obs1" in coordinator
    staff = _page(world.users["staff_target"], ended).content.decode()
    assert "Version 2" in staff and "Hesitant" in staff and "obs1" not in staff and 'id="proposals"' not in staff
    assert "obs1" in _page(world.users["observer_invited"], ended).content.decode()
    assert _page(world.users["staff_target"], running).status_code == 403  # not published yet
    assert _page(world.users["coordinator"], running).status_code == 200  # the live draft, while it runs
    assert _page(world.users["observer_uninvited"], ended).status_code == 404
    assert _page(world.users["other_coordinator"], ended).status_code == 404
    assert _page(world.users["staff_target"], ended + "?version=9").status_code == 404


def test_questionnaire_results_show_no_breakdown_under_three_answers(world: World) -> None:
    for who in ("staff_target", "coordinator"):
        services.questionnaire_answer(survey=world.survey, user=world.users[who], answers=answers_for(world.survey))
    page = _page(world.users["coordinator"], f"/drills/{world.ended.pk}/report/").content.decode()
    assert "2 of 2 answered" in page and "Fewer than 3 answers" in page and "More practice." not in page


def test_the_console_and_the_dashboard_link_to_the_report_for_its_readers(world: World) -> None:
    link = f'href="/drills/{world.ended.pk}/report/"'
    assert link in _page(world.users["coordinator"], f"/drills/{world.ended.pk}/").content.decode()
    assert link in _page(world.users["staff_target"], f"/drills/{world.ended.pk}/").content.decode()  # published
    assert link in _page(world.users["staff_target"], "/").content.decode()
    unpublished = f'href="/drills/{world.drill.pk}/report/"'
    assert unpublished in _page(world.users["coordinator"], f"/drills/{world.drill.pk}/").content.decode()
    assert unpublished not in _page(world.users["staff_target"], f"/drills/{world.drill.pk}/").content.decode()


@pytest.fixture
def rw(org: Any, cs: Any, risk: Any) -> ReportWorld:
    return build_report_world(org, cs, risk)


@pytest.mark.parametrize("query", ["kind=bogus", "department=999999", "version=0"])
def test_a_bad_filter_is_a_400_that_says_why(rw: ReportWorld, query: str) -> None:
    response = _page(rw.users["coordinator"], f"/drills/{rw.drill.pk}/report/?{query}")
    assert response.status_code == 400 and 'class="form-errors"' in response.content.decode()


def test_the_timeline_filters_by_department_kind_and_flag(rw: ReportWorld) -> None:
    url = f"/drills/{rw.drill.pk}/report/"
    risk = rw.departments["risk"].pk
    assert "3 entries" in _page(rw.users["coordinator"], f"{url}?department={risk}").content.decode()
    assert "1 entry" in _page(rw.users["coordinator"], f"{url}?kind=decision").content.decode()
    flagged = _page(rw.users["coordinator"], f"{url}?flagged=on").content.decode()
    assert "1 entry" in flagged and f'id="entry-{rw.forward_entry.pk}"' in flagged


def test_the_pdfs_timeline_puts_flagged_entries_first_within_its_limit(rw: ReportWorld) -> None:
    view = report_view(rw.users["coordinator"], rw.drill)
    assert view is not None
    rows, total = key_rows(view, limit=2)
    assert total == 5 and len(rows) == 2  # two state changes, the escalation, the forward, the decision
    assert rw.forward_entry.pk in [r["id"] for r in rows] and rows[0]["at"] <= rows[1]["at"]
