"""Display helpers of the staff inbox and the inject page."""

from __future__ import annotations

from typing import Any

from django import template

from drillops.core.quoting import split_quoted
from drillops.timelines.models import InjectCause

register = template.Library()


@register.filter
def body_parts(inject: Any) -> dict[str, str]:
    """A forward's or an escalation's body as its note and the original it passes on, shown as two
    blocks instead of one text with a raw separator; any other body is all original."""
    body = getattr(inject, "body", "") or ""
    if getattr(inject, "cause", "") in (InjectCause.FORWARD, InjectCause.ESCALATION):
        note, original = split_quoted(body)
        return {"note": note, "original": original}
    return {"note": "", "original": body}
