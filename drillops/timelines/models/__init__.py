"""Running drills: drills, rosters and observer invitations, injects with their clocks, escalation
steps, the timeline, and the engine's records (notifications, outbox, heartbeats)."""

from drillops.timelines.models.drill import (
    Drill,
    DrillState,
    RosterEntry,
    SeatRole,
    real_delta,
    real_interval_sql,
    sql_list,
    values_of,
)
from drillops.timelines.models.inject import (
    LIVE_STATUSES,
    OPEN_STATUSES,
    SCENARIO_CAUSES,
    UNDELIVERED_STATUSES,
    EntryKind,
    EscalationStep,
    EscalationUnless,
    Inject,
    InjectCause,
    InjectSource,
    InjectStatus,
    TimelineEntry,
    overdue_sql,
)
from drillops.timelines.models.invitation import (
    InvitationRefusal,
    ObserverInvitation,
    email_domain_of,
    read_token,
    sign_token,
)
from drillops.timelines.models.records import DispatcherHeartbeat, Notification, Outbox

__all__ = [
    "LIVE_STATUSES",
    "OPEN_STATUSES",
    "SCENARIO_CAUSES",
    "UNDELIVERED_STATUSES",
    "DispatcherHeartbeat",
    "Drill",
    "DrillState",
    "EntryKind",
    "EscalationStep",
    "EscalationUnless",
    "Inject",
    "InjectCause",
    "InjectSource",
    "InjectStatus",
    "InvitationRefusal",
    "Notification",
    "ObserverInvitation",
    "Outbox",
    "RosterEntry",
    "SeatRole",
    "TimelineEntry",
    "email_domain_of",
    "overdue_sql",
    "read_token",
    "real_delta",
    "real_interval_sql",
    "sign_token",
    "sql_list",
    "values_of",
]
