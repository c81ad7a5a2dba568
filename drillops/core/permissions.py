"""Role-based access for API views, without knowing where roles come from (core imports no app).

A view names, per action, the roles that may take it (`action_roles`), and tells which roles the
caller holds anywhere (`roles_anywhere(request)`, optionally `more_roles_anywhere(request)` for
roles that are costly to find) and on one object (`roles_on(request, obj)`).
Objects the caller may not see are filtered out by the view's queryset first (404); this class
answers 403 for an action the caller's role may not take on an object it can see.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

ANY_ROLE = frozenset({"coordinator", "staff", "observer"})


def allowed_roles(view: Any, request: Request) -> frozenset[str]:
    rules: dict[str, Any] = getattr(view, "action_roles", {})
    action = getattr(view, "action", None) or ""
    for key in (f"{action}:{request.method}", action, "*"):
        if key in rules:
            return frozenset(rules[key])
    return frozenset()


def is_superuser(request: Request) -> bool:
    return bool(getattr(request.user, "is_superuser", False))


class ActionRoles(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if is_superuser(request):
            return True
        allowed = allowed_roles(view, request)
        if allowed & set(view.roles_anywhere(request)):
            return True
        # Roles that cost a query (e.g. an observer invited to one drill) are asked only when needed.
        more = getattr(view, "more_roles_anywhere", None)
        return bool(more and allowed & set(more(request)))

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if is_superuser(request):
            return True
        return bool(allowed_roles(view, request) & set(view.roles_on(request, obj)))


class IsSuperuser(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return is_superuser(request)
