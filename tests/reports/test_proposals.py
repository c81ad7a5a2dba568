"""Findings proposed from a drill's metrics: a hand-built drill whose customer service -> risk
management hand-off (300 s) is over its 60 s target, accepted, edited and dropped; regenerating
never duplicates or undoes what the coordinator decided."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from drillops.core.errors import DomainError, InvalidInput
from drillops.core.models import AuditEntry
from drillops.reports import services
from drillops.reports.models import Finding, FindingProposal, ImprovementItem, Observation, ProposalState
from drillops.reports.selectors import proposals_of

from ..factories import UserFactory
from .loop_world import Loop, build_loop

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(org, cs, risk) -> Loop:
    return build_loop(org, cs, risk)


@pytest.fixture
def slow(loop: Loop) -> Any:
    t = loop.drill(forward=300, name="Slow report")
    observer = UserFactory(username="obs-p")
    Observation.objects.create(
        drill=t.drill, observer=observer, rating="M", flag="delay", note="Hesitant answer",
        timeline_entry=t.drill.timeline.get(inject=t.injects["P3"]),
    )  # fmt: skip
    return t


def _by_key(drill: Any) -> dict[str, FindingProposal]:
    return {p.key: p for p in proposals_of(drill)}


def test_a_slow_handoff_proposes_its_task_over_target_the_slowest_pair_and_an_item_with_the_target(
    loop, slow, coordinator
):
    services.proposals_refresh(drill=slow.drill, by=coordinator)
    d = loop.departments
    found = _by_key(slow.drill)
    assert set(found) == {
        f"task:{loop.handoff_task.pk}", f"task:{loop.ack_task.pk}", f"handoff:{d['cs'].pk}-{d['risk'].pk}",
        "decisions", "deadlines", f"press:{slow.injects['P3'].pk}",
    }  # fmt: skip
    over = found[f"task:{loop.handoff_task.pk}"]
    assert (over.rule, over.kind, over.figure, over.metric) == ("task_missed", "improvement", 300.0, "handoff_p50")
    assert over.objective_id == loop.handoff_task.objective_id
    assert over.item_target == loop.handoff_target() and over.item_owner_department_id == d["cs"].pk
    evidence = {e.pk for e in over.timeline_entries.all()}
    assert slow.entries["forward"].pk in evidence  # the forward that made the hand-off
    assert slow.drill.timeline.get(inject=slow.injects["F1"], kind="delivered").pk in evidence

    met = found[f"task:{loop.ack_task.pk}"]
    assert (met.rule, met.kind, met.figure) == ("task_met", "strength", 120.0)

    handoff = found[f"handoff:{d['cs'].pk}-{d['risk'].pk}"]
    assert handoff.params["p50"] == 300.0 and handoff.params["max"] == 300.0
    assert handoff.item_target == loop.handoff_target()
    assert handoff.display_title == "Slowest hand-off: Customer Service → Risk Management"
    assert "median 5 min" in handoff.display_analysis and "Target: Hand-off latency, median" in handoff.display_analysis
    with translation.override("zh-hans"):
        [zh] = [p for p in proposals_of(slow.drill) if p.key == handoff.key]
    assert "客户服务部 → 风险管理部" in zh.display_title

    decisions = found["decisions"]
    assert decisions.kind == "improvement" and decisions.params["late"] == 1 and decisions.figure == 120.0
    deadlines = found["deadlines"]
    assert deadlines.params["missed"] == 1 and deadlines.params["escalations"] == 1
    assert deadlines.display_title == "1 of 3 response deadlines missed"
    press = found[f"press:{slow.injects['P3'].pk}"]
    assert press.params["seconds"] == 200.0 and press.params["observations"][0]["flag"] == "delay"
    assert "Hesitant answer" in press.display_analysis


def test_a_handoff_within_its_target_proposes_no_task_over_target(loop, coordinator):
    quick = loop.drill(forward=30)
    services.proposals_refresh(drill=quick.drill)
    found = _by_key(quick.drill)
    assert found[f"task:{loop.handoff_task.pk}"].rule == "task_met"  # 30 <= 60 / 2
    # The slowest pair is now cs -> exec (the escalation at +90), without a failed target to carry.
    d = loop.departments
    slowest = found[f"handoff:{d['cs'].pk}-{d['exec'].pk}"]
    assert slowest.item_target is None and slowest.params["template"]["metric"] == "handoff_p50"


def test_accepting_makes_the_finding_and_the_item_once(loop, slow, coordinator):
    services.proposals_refresh(drill=slow.drill)
    proposal = FindingProposal.objects.get(drill=slow.drill, key=f"task:{loop.handoff_task.pk}")
    accepted = services.proposal_accept(proposal=proposal, by=coordinator)
    again = services.proposal_accept(proposal=proposal, by=coordinator, title="Ignored")
    assert accepted.state == again.state == ProposalState.ACCEPTED and again.finding_id == accepted.finding_id
    finding = Finding.objects.get(drill=slow.drill)
    assert finding.title == "Over target: Customer service reports to risk"
    assert finding.objective_id == loop.handoff_task.objective_id and finding.kind == "improvement"
    assert "Measured: 5 min" in finding.analysis
    assert set(finding.timeline_entries.all()) == set(proposal.timeline_entries.all())
    item = ImprovementItem.objects.get(finding=finding)
    assert item.target == loop.handoff_target() and item.drill_id == slow.drill.pk
    assert item.owner_department_id == loop.departments["cs"].pk
    assert AuditEntry.objects.filter(action="proposal.accept", object_id=proposal.pk).count() == 1

    services.proposals_refresh(drill=slow.drill)  # regenerating leaves it accepted, makes no second one
    assert FindingProposal.objects.filter(drill=slow.drill, key=proposal.key).get().state == ProposalState.ACCEPTED
    assert Finding.objects.count() == 1 and ImprovementItem.objects.count() == 1


def test_accepting_with_edits_uses_the_coordinators_words_and_target(loop, slow, coordinator):
    services.proposals_refresh(drill=slow.drill)
    d = loop.departments
    proposal = FindingProposal.objects.get(drill=slow.drill, key=f"handoff:{d['cs'].pk}-{d['risk'].pk}")
    services.proposal_accept(
        proposal=proposal, by=coordinator, title="客户服务部上报风险管理部太慢", analysis="Five minutes, not one.",
        item={"title": "Direct line to risk", "target_value": 120, "owner_department": d["risk"]},
    )  # fmt: skip
    finding = Finding.objects.get(drill=slow.drill)
    assert (finding.title, finding.analysis) == ("客户服务部上报风险管理部太慢", "Five minutes, not one.")
    item = ImprovementItem.objects.get(finding=finding)
    assert item.title == "Direct line to risk" and item.owner_department_id == d["risk"].pk
    assert item.target == {**loop.handoff_target(), "value": 120.0}


def test_accepting_as_a_strength_without_an_item(loop, slow, coordinator):
    services.proposals_refresh(drill=slow.drill)
    proposal = FindingProposal.objects.get(drill=slow.drill, key="decisions")
    services.proposal_accept(proposal=proposal, by=coordinator, kind="strength", objective=None)
    finding = Finding.objects.get(drill=slow.drill)
    assert finding.kind == "strength" and finding.objective is None
    assert not ImprovementItem.objects.exists()


def test_bad_edits_change_nothing(loop, slow, coordinator):
    services.proposals_refresh(drill=slow.drill)
    proposal = FindingProposal.objects.get(drill=slow.drill, key="deadlines")
    with pytest.raises(InvalidInput) as refused:
        services.proposal_accept(proposal=proposal, by=coordinator, item={"target_value": -5})
    assert "item" in refused.value.errors
    with pytest.raises(InvalidInput):
        services.proposal_accept(proposal=proposal, by=coordinator, kind="praise")
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PROPOSED and not Finding.objects.exists()
    assert not ImprovementItem.objects.exists()


def test_dropping_is_idempotent_survives_regeneration_and_never_drops_an_accepted_one(loop, slow, coordinator):
    services.proposals_refresh(drill=slow.drill)
    dropped = FindingProposal.objects.get(drill=slow.drill, key="deadlines")
    services.proposal_drop(proposal=dropped, by=coordinator)
    services.proposal_drop(proposal=dropped, by=coordinator)
    assert AuditEntry.objects.filter(action="proposal.drop").count() == 1
    services.proposals_refresh(drill=slow.drill)
    assert FindingProposal.objects.get(pk=dropped.pk).state == ProposalState.DROPPED
    assert FindingProposal.objects.filter(drill=slow.drill).count() == 6

    accepted = FindingProposal.objects.get(drill=slow.drill, key="decisions")
    services.proposal_accept(proposal=accepted, by=coordinator)
    with pytest.raises(DomainError):
        services.proposal_drop(proposal=accepted, by=coordinator)
    # A dropped proposal may still be accepted: the coordinator changed their mind.
    services.proposal_accept(proposal=dropped, by=coordinator, with_item=False)
    assert FindingProposal.objects.get(pk=dropped.pk).state == ProposalState.ACCEPTED


def test_a_proposal_the_metrics_no_longer_suggest_is_removed_unless_decided(loop, coordinator):
    t = loop.drill(forward=300)
    services.proposals_refresh(drill=t.drill)
    press = FindingProposal.objects.get(drill=t.drill, key=f"press:{t.injects['P3'].pk}")
    decided = FindingProposal.objects.get(drill=t.drill, key="deadlines")
    services.proposal_drop(proposal=decided, by=coordinator)
    # The press question was in fact answered in time, and the missed deadline was met.
    t.injects["P3"].__class__.objects.filter(pk=t.injects["P3"].pk).update(resolved_at=t.injects["P3"].delivered_at)
    t.injects["A1"].__class__.objects.filter(pk=t.injects["A1"].pk).update(acknowledged_at=t.injects["A1"].delivered_at)
    services.proposals_refresh(drill=t.drill)
    assert not FindingProposal.objects.filter(pk=press.pk).exists()
    assert FindingProposal.objects.get(pk=decided.pk).state == ProposalState.DROPPED
