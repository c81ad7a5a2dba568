"""Display helpers of the staff inbox and the inject page."""

from __future__ import annotations

from typing import Any

from django import template

from drillops.timelines.models import InjectCause

register = template.Library()

# What a forward or an escalation puts between its own note and the body it passes on.
SEPARATOR = "\n\n---\n"


@register.filter
def body_parts(inject: Any) -> dict[str, str]:
    """A forward's or an escalation's body as its note and the original it passes on, shown as two
    blocks instead of one text with a raw separator; any other body is all original."""
    body = getattr(inject, "body", "") or ""
    if getattr(inject, "cause", "") in (InjectCause.FORWARD, InjectCause.ESCALATION) and SEPARATOR in body:
        note, original = body.split(SEPARATOR, 1)
        return {"note": note, "original": original}
    return {"note": "", "original": body}
