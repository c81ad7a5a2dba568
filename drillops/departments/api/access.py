"""Roles for API views: what the caller is, anywhere and in the organisation of one object."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request

from drillops.core.errors import InvalidInput
from drillops.core.permissions import ActionRoles
from drillops.departments.models import Organisation, Role
from drillops.departments.selectors import acting_organisation, memberships_of, role_of

COORDINATOR = frozenset({Role.COORDINATOR.value})
MEMBERS = frozenset(Role.values)


class OrganisationScopedMixin:
    """For views whose objects belong to one organisation (`organisation_id`, or override)."""

    permission_classes: Any = [ActionRoles]
    action_roles: dict[str, frozenset[str]] = {"*": COORDINATOR}

    def roles_anywhere(self, request: Request) -> set[str]:
        return {m.role for m in memberships_of(request.user)}

    def organisation_id_of(self, obj: Any) -> int:
        return int(obj.organisation_id)

    def roles_on(self, request: Request, obj: Any) -> set[str]:
        role = role_of(request.user, self.organisation_id_of(obj))
        return {role} if role else set()

    def acting_organisation(self, request: Request, requested: Organisation | None = None) -> Organisation:
        """The organisation a new object goes to; the permission check made sure there is one,
        except for a superuser without any organisation, which is a setup mistake."""
        organisation = acting_organisation(request.user, requested)
        if organisation is None:
            raise InvalidInput({"organisation": [str(_("You coordinate no organisation to create this in."))]})
        return organisation
