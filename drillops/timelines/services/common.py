"""Small pieces the timeline services share: the inject lock, text checks, refusals."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from drillops.core.errors import DomainError, InvalidInput, TransitionNotAllowed
from drillops.timelines.models import Drill, DrillState, Inject

TEXT_MAX = 10_000


def lock_inject(inject: Inject | int) -> Inject:
    pk = inject if isinstance(inject, int) else inject.pk
    locked = Inject.objects.select_for_update(of=("self",), no_key=True).select_related("drill").get(pk=pk)
    if locked.drill.is_over:
        raise DomainError(str(_("The drill has ended; its injects can no longer change.")))
    return locked


def clean_text(value: Any, field: str, *, required: bool = True, max_length: int = TEXT_MAX) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise InvalidInput({field: [str(_("Expected text."))]})
    if required and not text:
        raise InvalidInput({field: [str(_("This field may not be blank."))]})
    if len(text) > max_length:
        raise InvalidInput({field: [str(_("At most %(n)d characters.") % {"n": max_length})]})
    return text


def refuse(drill: Drill, action: str) -> DomainError:
    reasons: dict[str, Any] = {
        DrillState.SCHEDULED: _("The drill has not started yet."),
        DrillState.RUNNING: _("The drill is already running."),
        DrillState.PAUSED: _("The drill is paused; resume it first."),
        DrillState.FINISHED: _("The drill has finished."),
        DrillState.STOPPED: _("The drill was stopped."),
    }
    reason = reasons.get(drill.state, _("The drill is in an unknown state."))
    return TransitionNotAllowed(
        str(_("Cannot %(action)s the drill: %(reason)s") % {"action": action, "reason": reason})
    )
