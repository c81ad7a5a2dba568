"""The improvement loop's pages: proposed findings (accept, edit and accept, drop, with htmx and
without), trends, and the case library (search in Chinese, new from a finished drill, edit with
steps, delete). Coordinators only; every write through the services; bad input 400, nothing made."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from drillops.core.models import AuditEntry
from drillops.reports import services
from drillops.reports.models import Case, Finding, FindingProposal, ImprovementItem, ProposalState
from tests.reports.loop_world import build_loop

from .conftest import client_for

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def loop(org, cs, risk):
    return build_loop(org, cs, risk)


@pytest.fixture
def slow(loop):
    t = loop.drill(forward=300, name="Slow report")
    services.proposals_refresh(drill=t.drill)
    return t


# --- proposed findings -----------------------------------------------------------------------------


def test_the_proposals_page_lists_them_for_coordinators_only(slow, coordinator, cs_staff):
    url = reverse("drill_proposals", args=[slow.drill.pk])
    page = client_for(coordinator).get(url)
    assert page.status_code == 200
    assert "Slowest hand-off: Customer Service → Risk Management" in page.text
    assert "Over target: Customer service reports to risk" in page.text
    fragment = client_for(coordinator).get(url, **HTMX)
    assert 'id="proposals"' in fragment.text and "<html" not in fragment.text
    assert client_for(cs_staff).get(url).status_code == 404


def test_accepting_with_htmx_answers_the_fragment_and_makes_the_finding_and_item(loop, slow, coordinator):
    proposal = FindingProposal.objects.get(drill=slow.drill, key=f"task:{loop.handoff_task.pk}")
    url = reverse("proposal_accept", args=[slow.drill.pk, proposal.pk])
    answer = client_for(coordinator).post(url, **HTMX)
    assert answer.status_code == 200 and "Accepted as a finding." in answer.text
    assert ImprovementItem.objects.get(finding__drill=slow.drill).target == loop.handoff_target()
    client_for(coordinator).post(url, **HTMX)  # twice: nothing more
    assert Finding.objects.count() == 1 and ImprovementItem.objects.count() == 1


def test_edit_and_accept_takes_the_coordinators_words_and_refuses_bad_values(loop, slow, coordinator):
    proposal = FindingProposal.objects.get(drill=slow.drill, key="deadlines")
    url = reverse("proposal_accept", args=[slow.drill.pk, proposal.pk])
    prefix = f"p{proposal.pk}-"
    form = {
        "edit": "1", f"{prefix}title": "Deadlines slip", f"{prefix}analysis": "One in three.",
        f"{prefix}kind": "improvement", f"{prefix}with_item": "on", f"{prefix}item_title": "Deadline drill",
        f"{prefix}item_owner_department": str(loop.departments["cs"].pk), f"{prefix}item_target_value": "1.5",
    }  # fmt: skip
    refused = client_for(coordinator).post(url, form, **HTMX)
    assert refused.status_code == 400 and "A share is between 0 and 1." in refused.text
    assert not Finding.objects.exists()
    refused_plain = client_for(coordinator).post(url, {**form, f"{prefix}title": ""})
    assert refused_plain.status_code == 400 and not Finding.objects.exists()
    accepted = client_for(coordinator).post(url, {**form, f"{prefix}item_target_value": "0.9"})
    assert accepted.status_code == 302
    finding = Finding.objects.get()
    assert (finding.title, finding.analysis) == ("Deadlines slip", "One in three.")
    item = ImprovementItem.objects.get()
    assert item.title == "Deadline drill" and item.target == {"metric": "deadline_compliance", "op": ">=", "value": 0.9}


def test_dropping_then_accepting_after_all(slow, coordinator):
    proposal = FindingProposal.objects.get(drill=slow.drill, key="decisions")
    client = client_for(coordinator)
    dropped = client.post(reverse("proposal_drop", args=[slow.drill.pk, proposal.pk]), **HTMX)
    assert dropped.status_code == 200 and "Accept after all" in dropped.text
    client.post(reverse("proposal_accept", args=[slow.drill.pk, proposal.pk]), **HTMX)
    assert FindingProposal.objects.get(pk=proposal.pk).state == ProposalState.ACCEPTED
    refused = client.post(reverse("proposal_drop", args=[slow.drill.pk, proposal.pk]), **HTMX)
    assert refused.status_code == 409 and "delete its finding instead" in refused.text


# --- trends -----------------------------------------------------------------------------------------


def test_the_trend_page_draws_the_line_and_lists_the_other_time_scale(loop, coordinator, cs_staff):
    loop.drill(forward=300, name="March drill")
    loop.drill(forward=120, name="April drill")
    loop.drill(forward=60, time_scale=60, name="Fast drill", ends=900)
    d = loop.departments
    client = client_for(coordinator)
    page = client.get(reverse("trends"), {"metric": "handoff_p50", "from_department": d["cs"].pk,
                                          "to_department": d["risk"].pk})  # fmt: skip
    assert page.status_code == 200
    assert "<svg" in page.text and "<polyline" in page.text and "March drill" in page.text
    assert "Not comparable" in page.text and "Fast drill" in page.text
    assert "Customer Service → Risk Management" in page.text
    chinese = client.get(reverse("trends"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 200
    assert client.get(reverse("trends"), {"metric": "speed"}).status_code == 400
    assert client_for(cs_staff).get(reverse("trends")).status_code == 404


# --- the case library -------------------------------------------------------------------------------


@pytest.fixture
def library(org, coordinator, cs):
    def make(title, summary="", steps=None, tags=None):
        return services.case_create(
            organisation=org, by=coordinator, kind="incident", title=title, summary=summary, steps=steps or [],
            tags=tags or [],
        )  # fmt: skip

    step = {"at": datetime(2025, 5, 1, 9, 0, tzinfo=UTC), "department": cs, "description": "集体投诉升级到监管"}
    return {
        "title": make("客户投诉处理流程"),
        "summary": make("Press storm", summary="网络舆情在两小时内发酵"),
        "step": make("Refund backlog", steps=[step]),
        "tag": make("Hotline queue", tags=["舆情"]),
        "none": make("System outage", summary="No customer contact"),
    }


def _listed(client, query):
    page = client.get(reverse("case_list"), {"q": query})
    assert page.status_code == 200
    return {title for title in ("客户投诉处理流程", "Press storm", "Refund backlog", "Hotline queue", "System outage")
            if title in page.text}  # fmt: skip


def test_the_case_search_finds_every_case_containing_投诉_or_舆情(library, coordinator, cs_staff):
    client = client_for(coordinator)
    assert _listed(client, "投诉") == {"客户投诉处理流程", "Refund backlog"}
    assert _listed(client, "舆情") == {"Press storm", "Hotline queue"}
    assert len(_listed(client, "")) == 5
    assert client_for(cs_staff).get(reverse("case_list")).status_code == 404


def test_a_new_case_with_steps_and_bad_input_that_makes_nothing(org, coordinator, cs):
    client = client_for(coordinator)
    steps = {"steps-TOTAL_FORMS": "2", "steps-INITIAL_FORMS": "0"}
    form = {
        "organisation": org.pk, "kind": "incident", "title": "Mass complaint", "summary": "群体投诉",
        "occurred_on": "2025-06-01", "resolution_seconds": "2:00:00", "resolution_change": "-30",
        "satisfaction": "0.9", "satisfaction_kind": "share", "satisfaction_change": "15", "tags": "投诉，舆情, 退款",
        **steps, "steps-0-at": "2025-06-01T09:00", "steps-0-department": cs.pk, "steps-0-description": "First call",
    }  # fmt: skip
    bad = client.post(reverse("case_new"), {**form, "title": ""})
    assert bad.status_code == 400 and not Case.objects.exists()
    no_time = client.post(reverse("case_new"), {**form, "steps-0-at": ""})
    assert no_time.status_code == 400 and "A step has a time." in no_time.text and not Case.objects.exists()
    wrong_share = client.post(reverse("case_new"), {**form, "satisfaction": "4"})
    assert wrong_share.status_code == 400 and not Case.objects.exists()
    made = client.post(reverse("case_new"), form)
    case = Case.objects.get()
    assert made.status_code == 302 and made["Location"] == reverse("case_detail", args=[case.pk])
    assert (case.resolution_seconds, case.resolution_change, case.satisfaction_change) == (7200, -0.3, 0.15)
    assert case.tags == ["投诉", "舆情", "退款"]
    [step] = case.steps.all()
    assert step.department == cs and step.at == datetime(2025, 6, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert AuditEntry.objects.filter(action="case.create", object_id=case.pk).exists()


def test_add_to_case_library_from_a_finished_drill(loop, org, coordinator):
    finished = loop.drill(forward=300, name="Slow report").drill
    client = client_for(coordinator)
    listing = client.get(reverse("case_list"))
    assert "Slow report" in listing.text  # offered, not yet in the library
    page = client.get(reverse("case_new"), {"drill": finished.pk})
    # The first event: customer service's copy, delivered at +0, resolved at +360.
    assert page.status_code == 200 and 'value="0:06:00"' in page.text and "6 min" in page.text
    form = {
        "organisation": org.pk, "kind": "drill", "drill": finished.pk, "title": "Slow report",
        "resolution_seconds": "0:06:00", "tags": "投诉", "steps-TOTAL_FORMS": "0", "steps-INITIAL_FORMS": "0",
    }  # fmt: skip
    assert client.post(reverse("case_new"), form).status_code == 302
    case = Case.objects.get()
    assert (case.kind, case.drill, case.resolution_seconds) == ("drill", finished, 360)
    assert 'id="case-drill"' not in client.get(reverse("case_list")).text  # no other finished drill to add


def test_editing_a_case_replaces_its_steps_and_deleting_removes_it(library, org, coordinator, cs):
    case = library["step"]
    client = client_for(coordinator)
    url = reverse("case_detail", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200 and "集体投诉升级到监管" in page.text
    form = {
        "organisation": org.pk, "kind": "incident", "title": "Refund backlog", "tags": "退款",
        "steps-TOTAL_FORMS": "2", "steps-INITIAL_FORMS": "1",
        "steps-0-at": "2025-05-01T17:00", "steps-0-department": cs.pk, "steps-0-description": "集体投诉升级到监管",
        "steps-0-DELETE": "on",
        "steps-1-at": "2025-05-02T10:30", "steps-1-description": "Refunds approved",
    }  # fmt: skip
    assert client.post(url, form).status_code == 302
    case.refresh_from_db()
    assert case.tags == ["退款"] and [s.description for s in case.steps.all()] == ["Refunds approved"]
    assert _listed(client, "投诉") == {"客户投诉处理流程"}  # the search text follows the steps
    assert client.post(reverse("case_delete", args=[case.pk])).status_code == 302
    assert not Case.objects.filter(pk=case.pk).exists()


def test_the_dashboard_links_coordinators_to_trends_and_the_case_library(coordinator, cs_staff, org):
    assert reverse("trends") in client_for(coordinator).get(reverse("home")).text
    assert reverse("case_list") not in client_for(cs_staff).get(reverse("home")).text


def test_a_case_from_a_drill_of_another_organisation_is_not_offered(loop, coordinator):
    from tests.factories import DrillFactory, ScenarioVersionFactory

    theirs = DrillFactory(scenario_version=ScenarioVersionFactory(), state="finished", name="Their drill",
                          ended_at=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
    page = client_for(coordinator).get(reverse("case_new"), {"drill": theirs.pk})
    assert page.status_code == 200 and "Their drill" not in page.text


def test_a_scenario_is_made_from_a_cases_steps_and_a_case_without_steps_is_refused(library, coordinator, risk):
    from drillops.scenarios.models import Scenario

    client = client_for(coordinator)
    refused = client.post(reverse("case_scenario", args=[library["none"].pk]))
    assert refused.status_code == 400 and not Scenario.objects.exists()
    made = client.post(reverse("case_scenario", args=[library["step"].pk]), {"default_department": risk.pk})
    scenario = Scenario.objects.get()
    assert made.status_code == 302 and made["Location"] == reverse("scenario_detail", args=[scenario.pk])
    assert [e.title for e in scenario.versions.get().events.all()] == ["集体投诉升级到监管"]
