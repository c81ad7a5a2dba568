"""A finished drill whose report has something in every section, for the report page and its
exports: the improvement loop's hand-built timeline (a late hand-off from customer service to risk
management, an escalation to the executive office, a decision, a press question), two observers'
ratings (so that agreement is defined) and a flag, a finding with its evidence, an improvement
item with a target, a comms message in Chinese that a spreadsheet would take for a formula, and a
published version 1 (before the last observation, so that draft and version differ)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drillops.departments.models import Role
from drillops.reports import services
from drillops.reports.models import FindingKind, Observation
from drillops.timelines.models import Drill, EntryKind, Inject, RosterEntry, SeatRole, TimelineEntry

from ..factories import MembershipFactory, UserFactory
from .hand_built import at
from .loop_world import build_loop

TITLES = {
    "A1": "客户投诉电话：要求全额退款 · First complaint call",
    "X1": "升级：客户服务部未及时响应 · Escalation",
    "F1": "客户服务部转报风险管理部 · Reported to risk",
    "R2": "紧急会议：是否统一退款 · Emergency meeting",
    "P3": "记者提问：是否全额退款？ · Press question",
}
FORMULA_TEXT = '=HYPERLINK("x") 已在沟通渠道通报 · posted to the channel'


@dataclass
class ReportWorld:
    drill: Drill
    users: dict[str, Any]
    departments: dict[str, Any]
    forward_entry: TimelineEntry


def build_report_world(org: Any, cs: Any, risk: Any, password: str | None = None) -> ReportWorld:
    loop = build_loop(org, cs, risk)
    t = loop.drill(forward=300, name="March drill · 三月演练")
    drill = t.drill
    for name, inject in t.injects.items():
        Inject.objects.filter(pk=inject.pk).update(title=TITLES[name])
    TimelineEntry.objects.create(drill=drill, at=at(310), kind=EntryKind.MESSAGE, text=FORMULA_TEXT)

    def member(username: str, role: str, department: Any = None) -> Any:
        user = UserFactory(username=username, password=password)
        MembershipFactory(organisation=org, role=role, department=department, user=user)
        return user

    users = {
        "coordinator": member("coord", Role.COORDINATOR),
        "cs": member("cs1", Role.STAFF, cs),
        "observer": member("obs1", Role.OBSERVER),
        "observer2": member("obs2", Role.OBSERVER),
    }
    for user, seat, department in ((users["cs"], SeatRole.PLAYER, cs), (users["observer"], SeatRole.OBSERVER, None),
                                   (users["observer2"], SeatRole.OBSERVER, None)):  # fmt: skip
        RosterEntry.objects.create(drill=drill, user=user, role=seat, department=department)
    objective = loop.handoff_task.objective
    for observer, ratings in ((users["observer"], "MU"), (users["observer2"], "SM")):
        Observation.objects.create(drill=drill, observer=observer, objective=objective, rating=ratings[0])
        Observation.objects.create(
            drill=drill, observer=observer, objective=objective, critical_task=loop.handoff_task, rating=ratings[1]
        )
    forward = t.entries["forward"]
    Observation.objects.create(
        drill=drill, observer=users["observer"], timeline_entry=forward, flag="delay", note="Five minutes to report"
    )
    coordinator = users["coordinator"]
    finding = services.finding_create(
        drill=drill, by=coordinator, kind=FindingKind.IMPROVEMENT, title="首报迟缓 · Slow first report",
        analysis="Customer service reported to risk management after five minutes.", objective=objective,
        timeline_entries=[forward],
    )  # fmt: skip
    services.item_create(
        organisation=org, by=coordinator, title="简化报告流程 · Streamline reporting", owner_department=cs,
        finding=finding, drill=drill, target=loop.handoff_target(),
    )  # fmt: skip
    services.report_publish(drill=drill, by=coordinator)
    Observation.objects.create(drill=drill, observer=users["observer2"], objective=objective, note="Noted later")
    return ReportWorld(drill, users, loop.departments, forward)
