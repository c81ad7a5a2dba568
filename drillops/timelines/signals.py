"""Signals of the running drill for the apps above it (the timeline never imports reporting).

drill_state_changed is sent after the commit of a drill's state change (start, pause, resume,
finish, stop), with `drill_id`, `state` and `previous`; receivers are isolated from each other and
from the sender (a failing receiver is logged, never undoes or fails the change)."""

from __future__ import annotations

from django.dispatch import Signal

drill_state_changed = Signal()
