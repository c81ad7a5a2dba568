"""Every write to a running drill goes through here: keyword-only, one transaction each, audited.

drill: control of the drill (create, update, start, pause, resume, finish, stop, ad-hoc, trigger);
inject: responses (acknowledge, act, forward, resolve) and the comms channel;
state: ending a drill and cancelling what can no longer happen; roster: who sits where."""

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
from drillops.timelines.services.roster import roster_add
from drillops.timelines.services.state import drill_end, finish_if_done

__all__ = [
    "drill_create",
    "drill_end",
    "drill_finish",
    "drill_pause",
    "drill_resume",
    "drill_send_adhoc",
    "drill_start",
    "drill_stop",
    "drill_trigger_event",
    "drill_update",
    "finish_if_done",
    "inject_acknowledge",
    "inject_forward",
    "inject_log_action",
    "inject_resolve",
    "message_post",
    "roster_add",
]
