"""Header helpers: whether to show the People link."""

from __future__ import annotations

from typing import Any

from django import template

from drillops.departments.models import Role
from drillops.departments.selectors import has_any_role

register = template.Library()


@register.filter
def coordinates(user: Any) -> bool:
    """True for a coordinator of any organisation (or a superuser): they manage its people."""
    return bool(getattr(user, "is_authenticated", False) and has_any_role(user, Role.COORDINATOR))
