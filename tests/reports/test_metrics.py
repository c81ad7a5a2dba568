"""The report's metrics on a hand-built timeline, every answer worked out by hand.

The drill runs at time scale 2 from T0 and is paused from +100 s to +160 s (60 s), so a duration
that spans the pause is 60 s shorter than the wall clock says, and its scenario figure is double.

E1 (a call, deadline at +60) reaches cs, risk and it at +0:
  cs  A1 acknowledged +30, forwarded to risk +90 (its first action), resolved +300
  risk R1 never acknowledged; it I1 never acknowledged
  F1 cs->risk delivered +90, acknowledged +130 (inside the pause: 10 s)
  X1 escalation (level 1) to exec for R1, delivered +180; I1 joins it at +240; acknowledged +400
  F2 risk->exec (F1 passed on) delivered +250, acknowledged +260
E2 (a meeting that expects a decision, deadline +700, first step "unless resolved"):
  risk R2 acknowledged +410, decisions at +460 and +470, resolved +700 (in time)
  exec EX2 acknowledged +500, never resolved (its deadline missed although acknowledged)
E3 (a press question, deadline +920): pr P3 acknowledged +810, resolved +850.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from drillops.reports.metrics import comparable_with, drill_metrics, evaluate_target, is_verifying
from drillops.reports.metrics.clock import Clock, nearest_rank, paused_intervals
from drillops.reports.models import Observation
from drillops.scenarios.models import Channel
from drillops.scenarios.targets import Target
from drillops.timelines.models import DrillState, EntryKind

from ..factories import (
    CriticalTaskFactory,
    DepartmentFactory,
    DrillFactory,
    ObjectiveFactory,
    ScenarioEventFactory,
    ScenarioVersionFactory,
    UserFactory,
)
from .hand_built import T0, Timeline, at

pytestmark = pytest.mark.django_db


def real(seconds: float) -> dict[str, float]:
    return {"real": seconds, "scenario": seconds * 2}


def stats(count: int, missing: int, p50: float | None, p90: float | None, top: float | None) -> dict[str, Any]:
    return {
        "count": count,
        "missing": missing,
        "p50": real(p50) if p50 is not None else None,
        "p90": real(p90) if p90 is not None else None,
        "max": real(top) if top is not None else None,
    }


@pytest.fixture
def departments(org, cs, risk) -> dict[str, Any]:
    made = {code: DepartmentFactory(organisation=org, code=code) for code in ("exec", "it", "pr")}
    return {"cs": cs, "risk": risk, **made}


def _tasks(version: Any, d: dict[str, Any]) -> None:
    objective = ObjectiveFactory(version=version)
    targets = [
        {"metric": "handoff_p50", "from": d["cs"].pk, "to": d["risk"].pk, "op": "<=", "value": 60},
        {"metric": "deadline_compliance", "op": ">=", "value": 0.5},
        {"metric": "acknowledge_p90", "department": d["exec"].pk, "op": "<=", "value": 200},
        {"metric": "handoff_max", "from": d["pr"].pk, "to": d["cs"].pk, "op": "<=", "value": 60},
    ]
    for n, target in enumerate(targets, start=1):
        CriticalTaskFactory(objective=objective, sequence=n, target=target)


def build(org: Any, d: dict[str, Any], state: str = DrillState.FINISHED) -> Timeline:
    version = ScenarioVersionFactory(scenario__organisation=org, status="approved")
    e1 = ScenarioEventFactory(version=version, sequence=1, title="First complaint")
    e2 = ScenarioEventFactory(version=version, sequence=2, title="Emergency meeting", is_decision=True)
    e3 = ScenarioEventFactory(version=version, sequence=3, title="Refunds for all?", channel=Channel.PRESS)
    _tasks(version, d)
    drill = DrillFactory(scenario_version=version, time_scale=2, state=state, started_at=T0, ended_at=at(1000))
    t = Timeline(drill)
    t.state(0, "scheduled", "running")
    t.state(100, "running", "paused")
    t.state(160, "paused", "running")
    t.state(1000, "running", state)
    t.inject("A1", e1, d["cs"], delivered=0, deadline=60, ack=30, action=90, resolved=300)
    t.inject("R1", e1, d["risk"], delivered=0, deadline=60)
    t.inject("I1", e1, d["it"], delivered=0, deadline=60)
    for name in ("A1", "R1", "I1"):
        t.step(name, "acknowledged", d["exec"])
    t.inject("F1", e1, d["risk"], delivered=90, cause="forward", source="A1", ack=130)
    t.inject("X1", e1, d["exec"], delivered=180, cause="escalation", source="R1", level=1, ack=400)
    t.join("X1", "R1", 180)
    t.join("X1", "I1", 240)
    t.inject("F2", e1, d["exec"], delivered=250, cause="forward", source="F1", ack=260)
    t.inject("R2", e2, d["risk"], delivered=400, deadline=700, ack=410, action=460, resolved=700)
    t.inject("EX2", e2, d["exec"], delivered=400, deadline=700, ack=500)
    for name in ("R2", "EX2"):
        t.step(name, "resolved", d["exec"])
    t.entry("R2", EntryKind.DECISION, 460)
    t.entries["second decision"] = t.entry("R2", EntryKind.DECISION, 470)
    t.inject("P3", e3, d["pr"], delivered=800, deadline=920, ack=810, resolved=850, channel=Channel.PRESS)
    return t


@pytest.fixture
def timeline(org, departments) -> Timeline:
    t = build(org, departments)
    first, second = UserFactory(username="obs-a"), UserFactory(username="obs-b")
    press_entries = t.drill.timeline.filter(inject=t.injects["P3"])
    Observation.objects.create(drill=t.drill, observer=first, rating="S", note="Late", timeline_entry=press_entries[0])
    Observation.objects.create(
        drill=t.drill, observer=second, rating="P", timeline_entry=t.entry("P3", "resolved", 850)
    )
    Observation.objects.create(
        drill=t.drill,
        observer=first,
        note="Decided without legal",
        flag="error",
        timeline_entry=t.entries["second decision"],
    )
    return t


def _by_code(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["department"]["code"]: row for row in rows}


def test_response_times_subtract_the_pause_and_count_missing_acknowledgements_as_such(timeline):
    response = drill_metrics(timeline.drill)["response"]
    drill = response["drill"]
    assert drill["injects"] == 9
    assert drill["acknowledge"] == stats(7, 2, 10, 220, 220)  # 10 10 10 10 30 100 220
    assert drill["first_action"] == stats(2, 7, 60, 90, 90)  # R2 60, A1 90
    assert drill["resolve"] == stats(3, 6, 240, 300, 300)  # P3 50, A1 300-60, R2 300
    assert drill["acknowledged_share"] == 0.7778
    departments = _by_code(response["departments"])
    assert departments["risk"]["acknowledge"] == stats(2, 1, 10, 10, 10)  # F1 in the pause: 40 - 30
    assert departments["exec"]["acknowledge"] == stats(3, 0, 100, 220, 220)
    assert departments["it"]["acknowledge"] == stats(0, 1, None, None, None)
    events = {row["event"]["title"]: row for row in response["events"]}
    assert events["First complaint"]["acknowledge"]["count"] == 4 and events["First complaint"]["injects"] == 6


def test_deadline_compliance_follows_the_first_steps_condition(timeline):
    metrics = drill_metrics(timeline.drill)
    assert metrics["response"]["drill"]["deadline"] == {"with_deadline": 6, "met": 3, "missed": 3, "share": 0.5}
    departments = _by_code(metrics["response"]["departments"])
    # EX2 was acknowledged in time, but its first step says "unless resolved", and it never was.
    assert departments["exec"]["deadline"] == {"with_deadline": 1, "met": 0, "missed": 1, "share": 0.0}
    assert departments["risk"]["deadline"]["met"] == 1  # R2 resolved at its deadline, to the microsecond
    rows = {row["title"]: row for row in metrics["injects"]}
    assert [rows[n]["deadline_met"] for n in ("A1", "R1", "I1", "F1", "R2", "EX2", "P3")] == [
        True, False, False, None, True, False, True,
    ]  # fmt: skip


def test_handoffs_follow_forwards_chains_and_joined_escalations(timeline):
    handoffs = drill_metrics(timeline.drill)["handoffs"]
    pairs = {(p["from"]["code"], p["to"]["code"]): (p["count"], p["p50"], p["max"]) for p in handoffs["pairs"]}
    assert pairs == {
        ("cs", "risk"): (1, real(90), real(90)),  # F1 at +90, before the pause
        ("cs", "exec"): (1, real(190), real(190)),  # A1 -> F1 -> F2 at +250, less the pause
        ("risk", "exec"): (1, real(120), real(120)),  # R1 made X1 at +180
        ("it", "exec"): (1, real(180), real(180)),  # I1 joined X1 at +240, after exec had it
    }
    via = {(i["from_inject"], i["to_inject"]) for i in handoffs["items"]}
    t = timeline.injects
    assert via == {
        (t["A1"].pk, t["F1"].pk),
        (t["A1"].pk, t["F2"].pk),
        (t["R1"].pk, t["X1"].pk),
        (t["I1"].pk, t["X1"].pk),
    }


def test_escalations_decisions_press_flags_and_misses(timeline):
    metrics = drill_metrics(timeline.drill)
    t = timeline.injects
    escalations = metrics["escalations"]
    assert escalations["count"] == 1 and escalations["by_level"] == [{"level": 1, "count": 1, "sources": 2}]
    assert [(r["department"]["code"], r["count"], r["sources"]) for r in escalations["by_target"]] == [("exec", 1, 2)]
    assert [s["inject"] for s in escalations["items"][0]["sources"]] == [t["R1"].pk, t["I1"].pk]
    decisions = metrics["decisions"]
    assert decisions["drill"] == stats(1, 1, 60, 60, 60)  # R2's first decision; EX2 decided nothing
    assert _by_code(decisions["departments"])["exec"] == {"department": decisions["departments"][0]["department"],
                                                           **stats(0, 1, None, None, None)}  # fmt: skip
    press = metrics["press"]
    assert press["drill"] == stats(1, 0, 50, 50, 50)
    assert press["items"][0]["ratings"] == {"P": 1, "S": 1, "M": 0, "U": 0}
    [flagged] = metrics["flagged_errors"]
    assert flagged["kind"] == "decision" and flagged["note"] == "Decided without legal"
    assert flagged["department"]["code"] == "risk" and flagged["inject"] == t["R2"].pk
    assert [m["inject"] for m in metrics["never_acknowledged"]] == [t["R1"].pk, t["I1"].pk]
    drill = metrics["drill"]
    assert drill["paused_seconds"] == 60 and drill["paused"] == [
        {"from": "2026-03-02T09:01:40.000Z", "to": "2026-03-02T09:02:40.000Z"}
    ]


def test_critical_tasks_are_weighed_against_their_targets(timeline):
    results = [task["result"] for task in drill_metrics(timeline.drill)["critical_tasks"]]
    assert [(r["figure"], r["met"], r["comparable"], r["reason"]) for r in results] == [
        (90.0, False, True, ""),
        (0.5, True, True, ""),
        (220.0, False, True, ""),
        (None, None, False, "no_figure"),  # pr never passed anything to cs
    ]


def test_a_stopped_drill_reports_but_never_verifies_nor_compares(org, departments):
    stopped = build(org, departments, state=DrillState.STOPPED).drill
    finished = DrillFactory(scenario_version=stopped.scenario_version, time_scale=2, state=DrillState.FINISHED)
    faster = DrillFactory(scenario_version=stopped.scenario_version, time_scale=60, state=DrillState.FINISHED)
    running = DrillFactory(scenario_version=stopped.scenario_version, time_scale=2, state=DrillState.RUNNING)
    assert not is_verifying(stopped) and is_verifying(finished) and not is_verifying(running)
    assert comparable_with(finished, DrillFactory(scenario_version=stopped.scenario_version, time_scale=2.0,
                                                  state=DrillState.FINISHED))  # fmt: skip
    assert not comparable_with(finished, faster) and not comparable_with(finished, stopped)
    assert not comparable_with(finished, running)
    metrics = drill_metrics(stopped)
    target = Target.from_json({"metric": "deadline_compliance", "op": ">=", "value": 0.5})
    result = evaluate_target(target, metrics)
    assert (result.figure, result.met, result.comparable, result.reason) == (0.5, True, False, "stopped")


def test_nearest_rank_percentiles_and_open_pauses():
    ordered = list(range(1, 11))
    assert [nearest_rank(ordered, p) for p in (50, 90, 100)] == [5, 9, 10]
    assert nearest_rank([7], 90) == 7 and nearest_rank([], 50) is None
    assert nearest_rank(list(range(1, 8)), 90) == 7  # ceil(6.3) = 7
    pauses = paused_intervals([(at(10), {"to": "paused"}), (at(20), {"from": "paused", "to": "running"}),
                               (at(30), {"from": "running", "to": "paused"})])  # fmt: skip
    assert pauses == [(at(10), at(20)), (at(30), None)]
    clock = Clock(pauses=tuple(pauses), time_scale=0.5)
    assert clock.between(at(0), at(40)) == 20_000_000  # 10 s paused, then paused still from 30
    assert clock.between(at(15), at(25)) == 5_000_000
    assert clock.duration(1_234_567) == {"real": 1.235, "scenario": 0.617}


def test_the_report_api_answers_these_metrics_to_coordinators_only(timeline, coordinator, cs_staff):
    client = APIClient()
    client.force_login(coordinator)
    answer = client.get(f"/api/v1/drills/{timeline.drill.pk}/report/")
    assert answer.status_code == 200 and answer.json() == drill_metrics(timeline.drill)
    client.force_login(cs_staff)
    assert client.get(f"/api/v1/drills/{timeline.drill.pk}/report/").status_code == 403
