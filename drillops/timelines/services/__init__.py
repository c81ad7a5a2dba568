"""Every write to a running drill goes through here: keyword-only, one transaction each, audited.

drill: control of the drill (create, update, start, pause, resume, finish, stop, ad-hoc, trigger);
inject: responses (acknowledge, act, forward, resolve) and the comms channel;
state: ending a drill, cancelling what can no longer happen, the scenario a drill leaves behind;
roster: who sits where;
invitation: observer invitation links, joining by them and setting up an account on the spot;
outbox: retrying or dismissing side effects that gave up."""

from drillops.timelines.services.drill import (
    drill_create,
    drill_finish,
    drill_pause,
    drill_resume,
    drill_send_adhoc,
    drill_start,
    drill_stop,
    drill_trigger_event,
    drill_update,
)
from drillops.timelines.services.inject import (
    inject_acknowledge,
    inject_forward,
    inject_log_action,
    inject_resolve,
    message_post,
)
from drillops.timelines.services.invitation import (
    invitation_confirm,
    invitation_create,
    invitation_join,
    invitation_revoke,
    invitation_signup,
)
from drillops.timelines.services.outbox import outbox_dismiss, outbox_retry
from drillops.timelines.services.roster import roster_add, roster_remove, roster_set_attended
from drillops.timelines.services.state import drill_end, drill_to_scenario, finish_if_done

__all__ = [
    "drill_create",
    "drill_end",
    "drill_finish",
    "drill_pause",
    "drill_resume",
    "drill_send_adhoc",
    "drill_start",
    "drill_stop",
    "drill_to_scenario",
    "drill_trigger_event",
    "drill_update",
    "finish_if_done",
    "inject_acknowledge",
    "inject_forward",
    "inject_log_action",
    "inject_resolve",
    "invitation_confirm",
    "invitation_create",
    "invitation_join",
    "invitation_revoke",
    "invitation_signup",
    "message_post",
    "outbox_dismiss",
    "outbox_retry",
    "roster_add",
    "roster_remove",
    "roster_set_attended",
]
