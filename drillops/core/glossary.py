"""The product's words, once: one English and one Chinese term per concept (the Chinese is in
locale/zh_Hans). The model enums take their labels from here, so a drill that is "running" and an
inject that is "in progress" can never again share a word in either language; the test in
tests/core/test_glossary.py fails when two concepts translate alike or a term has no translation.

A word that names two concepts in English carries a context (pgettext) so that each concept gets
its own Chinese word: a drill "Scheduled" (已排期, not yet started) is not an inject sent
"Scheduled" (按计划, by the scenario's timetable).

Terms are lazy: they are translated where they are shown, never stored translated.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

# Drill states: where a drill is in its life.
DRILL_SCHEDULED = pgettext_lazy("drill state", "Scheduled")  # 已排期
DRILL_RUNNING = _("Running")  # 进行中
DRILL_PAUSED = _("Paused")  # 已暂停
DRILL_FINISHED = _("Finished")  # 已结束
DRILL_STOPPED = _("Stopped")  # 已中止 (a real-world stop, before the end)

# Inject statuses: where one event is with one department.
INJECT_WAITING = _("Waiting for its condition")  # 等待条件满足
INJECT_PENDING = _("Pending")  # 待发送
INJECT_DELIVERED = _("Delivered")  # 已送达
INJECT_ACKNOWLEDGED = _("Acknowledged")  # 已确认
INJECT_IN_PROGRESS = _("In progress")  # 处理中 (being worked on; never 进行中, the running drill's)
INJECT_RESOLVED = _("Resolved")  # 已解决
INJECT_CANCELLED = _("Cancelled")  # 已取消

# Causes: why an inject exists.
CAUSE_SCHEDULED = pgettext_lazy("inject cause", "Scheduled")  # 按计划
CAUSE_TRIGGERED = _("Triggered")  # 手动触发
CAUSE_ADHOC = _("Ad hoc")  # 临时
CAUSE_FORWARD = _("Forward")  # 转交
CAUSE_ESCALATION = _("Escalation")  # 升级

# Seats in a drill and roles in an organisation.
ROLE_COORDINATOR = _("Coordinator")  # 协调员: the account role that authors and runs drills
ROLE_STAFF = _("Department staff")  # 部门人员
ROLE_OBSERVER = _("Observer")  # 观察员: the role and the seat alike
SEAT_PLAYER = _("Player")  # 参演人员
SEAT_DEPUTY = _("Deputy")  # 替补
SEAT_CONTROLLER = _("Controller")  # 导控: the coordinator's seat while a drill runs

# Escalation.
UNLESS_ACKNOWLEDGED = _("Unless acknowledged")  # 除非已确认
UNLESS_RESOLVED = _("Unless resolved")  # 除非已解决

# Timeline entries: what happened (the outcomes share the inject statuses' words above).
ENTRY_STATE = _("Drill state change")  # 演练状态变更
ENTRY_DELIVERED = _("Inject delivered")  # 注入事件已送达
ENTRY_ACTION = _("Action")  # 行动
ENTRY_DECISION = _("Decision")  # 决策
ENTRY_FORWARDED = _("Forwarded")  # 已转交
ENTRY_ESCALATED = _("Escalated")  # 已升级
ENTRY_MESSAGE = _("Comms message")  # 沟通消息
ENTRY_NOTE = _("Controller note")  # 导控备注

# Improvement items (after-action): an item being worked on is "in progress" like an inject.
IMPROVEMENT_OPEN = _("Open")  # 待办
IMPROVEMENT_DONE = _("Done")  # 已完成
IMPROVEMENT_VERIFIED = _("Verified")  # 已验证
IMPROVEMENT_DROPPED = _("Dropped")  # 已放弃

# Words the pages use around them.
ESCALATION_LADDER = _("Escalation ladder")  # 升级路径
ESCALATION_STEP = _("Step %(n)d")  # 第 %(n)d 步: always counted from 1
DEADLINE = _("Deadline")  # 时限
RESPONSE_DEADLINE = _("Response deadline")  # 响应时限
OVERDUE = _("overdue")  # 已超时
ACKNOWLEDGE = _("Acknowledge")  # 确认 (the act; 已确认 is the status)
RESOLVE = _("Resolve")  # 解决
INJECT = _("Inject")  # 注入事件
DRILL = _("Drill")  # 演练
SCENARIO = _("Scenario")  # 情景
DEPARTMENT = _("Department")  # 部门

# concept -> term: every concept above once, for the glossary test and for people to read.
TERMS: dict[str, Promise] = {
    "drill.scheduled": DRILL_SCHEDULED,
    "drill.running": DRILL_RUNNING,
    "drill.paused": DRILL_PAUSED,
    "drill.finished": DRILL_FINISHED,
    "drill.stopped": DRILL_STOPPED,
    "inject.waiting": INJECT_WAITING,
    "inject.pending": INJECT_PENDING,
    "inject.delivered": INJECT_DELIVERED,
    "inject.acknowledged": INJECT_ACKNOWLEDGED,
    "inject.in_progress": INJECT_IN_PROGRESS,
    "inject.resolved": INJECT_RESOLVED,
    "inject.cancelled": INJECT_CANCELLED,
    "cause.scheduled": CAUSE_SCHEDULED,
    "cause.triggered": CAUSE_TRIGGERED,
    "cause.adhoc": CAUSE_ADHOC,
    "cause.forward": CAUSE_FORWARD,
    "cause.escalation": CAUSE_ESCALATION,
    "role.coordinator": ROLE_COORDINATOR,
    "role.staff": ROLE_STAFF,
    "role.observer": ROLE_OBSERVER,
    "seat.player": SEAT_PLAYER,
    "seat.deputy": SEAT_DEPUTY,
    "seat.controller": SEAT_CONTROLLER,
    "unless.acknowledged": UNLESS_ACKNOWLEDGED,
    "unless.resolved": UNLESS_RESOLVED,
    "entry.state": ENTRY_STATE,
    "entry.delivered": ENTRY_DELIVERED,
    "entry.action": ENTRY_ACTION,
    "entry.decision": ENTRY_DECISION,
    "entry.forwarded": ENTRY_FORWARDED,
    "entry.escalated": ENTRY_ESCALATED,
    "entry.message": ENTRY_MESSAGE,
    "entry.note": ENTRY_NOTE,
    "improvement.open": IMPROVEMENT_OPEN,
    "improvement.done": IMPROVEMENT_DONE,
    "improvement.verified": IMPROVEMENT_VERIFIED,
    "improvement.dropped": IMPROVEMENT_DROPPED,
    "escalation.ladder": ESCALATION_LADDER,
    "escalation.step": ESCALATION_STEP,
    "deadline": DEADLINE,
    "deadline.response": RESPONSE_DEADLINE,
    "overdue": OVERDUE,
    "acknowledge": ACKNOWLEDGE,
    "resolve": RESOLVE,
    "inject": INJECT,
    "drill": DRILL,
    "scenario": SCENARIO,
    "department": DEPARTMENT,
}


def step_label(position: int) -> str:
    """ "Step 1" for the first rung of a ladder: positions are 1-based everywhere they are shown."""
    return str(ESCALATION_STEP) % {"n": position}


def duration_text(seconds: float) -> str:
    """A duration in the reader's units: 216 -> "3 min 36 s" / "3 分钟 36 秒", 0.5 -> "0.5 s"."""
    if seconds < 10 and round(seconds, 1) != round(seconds):
        return gettext("%(n)s s") % {"n": f"{seconds:.1f}"}
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        gettext("%(n)s h") % {"n": hours} if hours else "",
        gettext("%(n)s min") % {"n": minutes} if minutes else "",
        gettext("%(n)s s") % {"n": secs} if secs or not total else "",
    ]
    return " ".join(part for part in parts if part)
