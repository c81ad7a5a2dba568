"""Role lookups that every permission check rests on."""

from __future__ import annotations

from typing import Any

from drillops.departments.models import Role
from drillops.departments.selectors import department_ids_of, forget_memberships, organisation_ids_of, role_of

from ..factories import DepartmentFactory, MembershipFactory, OrganisationFactory, UserFactory


def test_strongest_role_wins_and_departments_are_per_organisation(db: Any) -> None:
    org, other = OrganisationFactory(), OrganisationFactory()
    cs, risk = DepartmentFactory(organisation=org), DepartmentFactory(organisation=org)
    user: Any = UserFactory()
    MembershipFactory(user=user, organisation=org, role=Role.STAFF, department=cs)
    MembershipFactory(user=user, organisation=org, role=Role.STAFF, department=risk)
    MembershipFactory(user=user, organisation=other, role=Role.OBSERVER)
    assert role_of(user, org) == Role.STAFF
    assert department_ids_of(user, org) == {cs.pk, risk.pk}
    assert department_ids_of(user, other) == set()
    MembershipFactory(user=user, organisation=org, role=Role.COORDINATOR)
    forget_memberships(user)
    assert role_of(user, org) == Role.COORDINATOR
    assert role_of(user, other) == Role.OBSERVER
    assert organisation_ids_of(user, Role.COORDINATOR) == {org.pk}


def test_superuser_coordinates_everywhere_and_strangers_nowhere(db: Any) -> None:
    org = OrganisationFactory()
    root: Any = UserFactory(is_superuser=True)
    assert role_of(root, org) == Role.COORDINATOR
    assert role_of(UserFactory(), org) is None
