"""Hand-built drills for the improvement loop: one scenario version whose critical tasks carry
targets, played several times with customer service reporting the first complaint to risk
management after a chosen number of seconds. Times are seconds after T0.

Each drill (time scale as given, no pause):
  E1 first complaint (call, deadline +60) to cs: acknowledged +120 (deadline missed), escalated to
     exec at +90 (level 1), forwarded to risk at `forward` (the hand-off), risk acknowledges 10 s later
  E2 emergency meeting (expects a decision, deadline +60) to risk at +400: decision +520, resolved +600
  E3 press question (deadline +60) to pr at +700: acknowledged +710, resolved +900

Critical tasks: cs -> risk hand-off median <= 60 s; cs acknowledges (p90) <= 600 s."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drillops.scenarios.models import Channel, CriticalTask, ScenarioVersion
from drillops.timelines.models import DrillState, EntryKind

from ..factories import (
    CriticalTaskFactory,
    DepartmentFactory,
    DrillFactory,
    ObjectiveFactory,
    ScenarioEventFactory,
    ScenarioVersionFactory,
)
from .hand_built import Timeline, at

HANDOFF_TARGET = 60


@dataclass
class Loop:
    org: Any
    departments: dict[str, Any]
    version: ScenarioVersion
    handoff_task: CriticalTask
    ack_task: CriticalTask

    def handoff_target(self) -> dict[str, Any]:
        d = self.departments
        return {
            "metric": "handoff_p50",
            "op": "<=",
            "value": float(HANDOFF_TARGET),
            "from": d["cs"].pk,
            "to": d["risk"].pk,
        }

    def drill(
        self,
        *,
        forward: float,
        time_scale: float = 1.0,
        state: str = DrillState.FINISHED,
        name: str = "Drill",
        ends: float = 1000,
        escalate: bool = True,
    ) -> Timeline:
        d = self.departments
        events = {e.sequence: e for e in self.version.events.all()}
        ended = DrillState.FINISHED if state == DrillState.RUNNING else state
        drill = DrillFactory(
            scenario_version=self.version, name=name, time_scale=time_scale, state=state, started_at=at(0),
            ended_at=None if state == DrillState.RUNNING else at(ends),
        )  # fmt: skip
        t = Timeline(drill)
        t.state(0, "scheduled", "running")
        if state != DrillState.RUNNING:
            t.state(ends, "running", ended)
        t.inject("A1", events[1], d["cs"], delivered=0, deadline=60, ack=120, action=forward, resolved=forward + 60)
        t.step("A1", "acknowledged", d["exec"])
        if escalate:
            t.inject("X1", events[1], d["exec"], delivered=90, cause="escalation", source="A1", level=1, ack=95)
            t.join("X1", "A1", 90)
            t.entry("A1", EntryKind.ESCALATION, 90)
        t.inject("F1", events[1], d["risk"], delivered=forward, cause="forward", source="A1", ack=forward + 10)
        t.entries["forward"] = t.entry("A1", EntryKind.FORWARD, forward)
        t.inject("R2", events[2], d["risk"], delivered=400, deadline=460, ack=410, action=520, resolved=600)
        t.entries["decision"] = t.entry("R2", EntryKind.DECISION, 520)
        t.inject("P3", events[3], d["pr"], delivered=700, deadline=760, ack=710, resolved=900, channel=Channel.PRESS)
        return t


def build_loop(org: Any, cs: Any, risk: Any) -> Loop:
    departments = {"cs": cs, "risk": risk, **{c: DepartmentFactory(organisation=org, code=c) for c in ("exec", "pr")}}
    version = ScenarioVersionFactory(scenario__organisation=org, status="approved")
    objective = ObjectiveFactory(version=version, title="Report to risk within a minute")
    ScenarioEventFactory(version=version, sequence=1, title="First complaint", objective=objective)
    ScenarioEventFactory(version=version, sequence=2, title="Emergency meeting", is_decision=True)
    ScenarioEventFactory(version=version, sequence=3, title="Refunds for all?", channel=Channel.PRESS)
    handoff = {"metric": "handoff_p50", "from": cs.pk, "to": risk.pk, "op": "<=", "value": HANDOFF_TARGET}
    handoff_task = CriticalTaskFactory(
        objective=objective, sequence=1, title="Customer service reports to risk", target=handoff
    )
    ack_task = CriticalTaskFactory(
        objective=objective,
        sequence=2,
        title="Customer service acknowledges",
        target={"metric": "acknowledge_p90", "department": cs.pk, "op": "<=", "value": 600},
    )
    return Loop(org, departments, version, handoff_task, ack_task)
