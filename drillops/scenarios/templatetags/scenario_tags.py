"""Display helpers of the scenario pages."""

from __future__ import annotations

from typing import Any

from django import template

from drillops.scenarios.models import Channel, condition_text

register = template.Library()


@register.filter
def condition_words(condition: dict[str, Any] | None) -> str:
    """An import preview's condition ({"kind", "sequence", "delay_seconds"}) in words, numbers filled in."""
    if not condition:
        return ""
    return condition_text(condition["kind"], condition.get("sequence"), "", condition.get("delay_seconds"))


@register.filter
def channel_label(value: str) -> str:
    """A channel's name in the reader's language ("call" -> "Phone call" / "电话")."""
    return str(Channel(value).label) if value in Channel.values else value
