"""Who belongs where in which role. Membership rows are read once per user object and cached on it,
so a request that asks many role questions costs one query."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from drillops.departments.models import Department, Membership, Organisation, Role

_CACHE_ATTR = "_drillops_memberships"
# When one user holds several roles in one organisation, the strongest wins.
_ROLE_RANK: dict[str, int] = {Role.COORDINATOR.value: 3, Role.STAFF.value: 2, Role.OBSERVER.value: 1}


def memberships_of(user: Any) -> list[Membership]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(Membership.objects.filter(user_id=user.pk).only("organisation_id", "department_id", "role"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_memberships(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _org_id(organisation: Organisation | int) -> int:
    return organisation if isinstance(organisation, int) else organisation.pk


def role_of(user: Any, organisation: Organisation | int) -> str | None:
    """The user's role in the organisation; a superuser is a coordinator everywhere."""
    if getattr(user, "is_superuser", False):
        return Role.COORDINATOR
    org_id = _org_id(organisation)
    roles = [m.role for m in memberships_of(user) if m.organisation_id == org_id]
    return max(roles, key=lambda r: _ROLE_RANK.get(r, 0)) if roles else None


def department_ids_of(user: Any, organisation: Organisation | int) -> set[int]:
    org_id = _org_id(organisation)
    return {
        m.department_id
        for m in memberships_of(user)
        if m.organisation_id == org_id and m.role == Role.STAFF and m.department_id is not None
    }


def organisation_ids_of(user: Any, *roles: str) -> set[int]:
    """Organisations where the user holds one of `roles` (any role when none are given)."""
    return {m.organisation_id for m in memberships_of(user) if not roles or m.role in roles}


def has_any_role(user: Any, *roles: str) -> bool:
    return bool(getattr(user, "is_superuser", False) or organisation_ids_of(user, *roles))


def organisations_visible_to(user: Any, *roles: str) -> QuerySet[Organisation]:
    if getattr(user, "is_superuser", False):
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=organisation_ids_of(user, *roles))


def acting_organisation(user: Any, requested: Organisation | None = None) -> Organisation | None:
    """The organisation a new object of this user belongs to: the one asked for, if the user
    coordinates it, else the first organisation the user coordinates."""
    allowed = organisations_visible_to(user, Role.COORDINATOR)
    if requested is not None:
        return requested if allowed.filter(pk=requested.pk).exists() else None
    return allowed.order_by("id").first()


def departments_visible_to(user: Any) -> QuerySet[Department]:
    if getattr(user, "is_superuser", False):
        return Department.objects.all()
    return Department.objects.filter(organisation_id__in=organisation_ids_of(user))


def users_of_organisation(organisation: Organisation | int) -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(memberships__organisation_id=_org_id(organisation))
        .distinct()
        .order_by("username")
        .prefetch_related("memberships")
    )


def users_managed_by(user: Any) -> QuerySet[Any]:
    users = get_user_model().objects.all()
    if not getattr(user, "is_superuser", False):
        users = users.filter(memberships__organisation_id__in=organisation_ids_of(user, Role.COORDINATOR))
    return users.distinct().order_by("username").prefetch_related("memberships")
