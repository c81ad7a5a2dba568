"""Who changes whose account through the API: coordinators manage staff and observers, only
administrators touch coordinators and administrators, no organisation loses its last coordinator,
and every change is audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from drillops.core.models import AuditEntry
from drillops.departments.models import Membership, Role
from drillops.departments.selectors import forget_memberships

from ..api.world import World
from ..factories import MembershipFactory, UserFactory

Clients = Callable[[str], APIClient]
CHANGES = [
    {"password": "a-long-Secret-42"},
    {"email": "taken-over@example.test"},
    {"is_active": False},
    {"role": "observer"},
    {"first_name": "Mallory"},
]


def snapshot(user: Any) -> tuple[Any, ...]:
    user.refresh_from_db()
    memberships = sorted(Membership.objects.filter(user=user).values_list("organisation_id", "role", "department_id"))
    return (user.password, user.email, user.is_active, user.first_name, tuple(memberships))


def member(world: World, username: str, role: str, **flags: Any) -> Any:
    user: Any = UserFactory(username=username, **flags)
    MembershipFactory(user=user, organisation=world.org, role=role, department=world.cs if role == Role.STAFF else None)
    return user


def client_of(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    forget_memberships(user)
    return client


@pytest.fixture
def admin_member(world: World) -> Any:
    """The superuser, also a coordinator of the organisation, as the demo's admin is."""
    root = world.users["superuser"]
    MembershipFactory(user=root, organisation=world.org, role=Role.COORDINATOR)
    return root


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: next(iter(c)))
def test_coordinator_cannot_change_the_superusers_account(
    world: World, client_as: Clients, admin_member: Any, change: dict[str, Any]
) -> None:
    before = snapshot(admin_member)
    answer = client_as("coordinator").patch(f"/api/v1/users/{admin_member.pk}/", change, format="json")
    assert answer.status_code == 403, answer.json()
    assert "superuser" in answer.json()["detail"]
    assert snapshot(admin_member) == before
    assert not AuditEntry.objects.filter(action="user.update").exists()


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: next(iter(c)))
def test_coordinator_cannot_change_another_coordinators_account(
    world: World, client_as: Clients, change: dict[str, Any]
) -> None:
    other = member(world, "coord2", Role.COORDINATOR)
    before = snapshot(other)
    answer = client_as("coordinator").patch(f"/api/v1/users/{other.pk}/", change, format="json")
    assert answer.status_code == 403, answer.json()
    assert "administrator" in answer.json()["detail"]
    assert snapshot(other) == before


def test_coordinator_cannot_remove_or_relink_another_coordinator_or_an_administrator(
    world: World, client_as: Clients, admin_member: Any
) -> None:
    others = [member(world, "coord2", Role.COORDINATOR), member(world, "helpdesk", Role.STAFF, is_staff=True)]
    client = client_as("coordinator")
    for user in [admin_member, *others]:
        before = snapshot(user)
        assert client.delete(f"/api/v1/users/{user.pk}/").status_code == 403, user
        assert client.post(f"/api/v1/users/{user.pk}/set-password-link/").status_code == 403, user
        assert snapshot(user) == before


def test_coordinator_manages_staff_and_observers_and_each_change_is_audited(world: World, client_as: Clients) -> None:
    client, staff = client_as("coordinator"), world.users["staff_target"]
    changes = {"email": "cs1-new@example.test", "first_name": "Lin", "role": "staff", "departments": [world.risk.pk]}
    answer = client.patch(f"/api/v1/users/{staff.pk}/", changes, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["email"] == "cs1-new@example.test" and answer.json()["departments"] == [world.risk.pk]
    assert client.patch(f"/api/v1/users/{staff.pk}/", {"is_active": False}, format="json").json()["is_active"] is False
    assert client.patch(f"/api/v1/users/{staff.pk}/", {"role": "observer"}, format="json").json()["role"] == "observer"
    assert client.delete(f"/api/v1/users/{staff.pk}/").status_code == 204
    actions = list(AuditEntry.objects.filter(object_id=staff.pk).order_by("pk").values_list("action", flat=True))
    assert actions == ["user.update", "user.update", "user.update", "user.remove"]
    assert AuditEntry.objects.filter(action="user.update", actor=world.users["coordinator"]).count() == 3


def test_coordinator_cannot_make_a_coordinator(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    observer = world.users["observer_uninvited"]
    assert client.patch(f"/api/v1/users/{observer.pk}/", {"role": "coordinator"}, format="json").status_code == 403
    created = client.post("/api/v1/users/", {"username": "boss", "role": "coordinator"}, format="json")
    assert created.status_code == 403 and not get_user_model().objects.filter(username="boss").exists()


def test_coordinator_cannot_change_an_account_of_another_organisation_too(world: World, client_as: Clients) -> None:
    shared = world.users["observer_uninvited"]
    MembershipFactory(user=shared, organisation=world.other_org, role=Role.OBSERVER)
    before = snapshot(shared)
    answer = client_as("coordinator").patch(f"/api/v1/users/{shared.pk}/", {"is_active": False}, format="json")
    assert answer.status_code == 403 and "another organisation" in answer.json()["detail"]
    assert snapshot(shared) == before


def test_superuser_changes_and_demotes_a_coordinator_while_another_remains(world: World, client_as: Clients) -> None:
    other = member(world, "coord2", Role.COORDINATOR)
    client = client_as("superuser")
    assert client.patch(f"/api/v1/users/{other.pk}/", {"email": "c2@example.test"}, format="json").status_code == 200
    demoted = client.patch(f"/api/v1/users/{other.pk}/", {"role": "observer"}, format="json")
    assert demoted.status_code == 200 and demoted.json()["role"] == "observer"
    # coord is now the last one again.
    coord = world.users["coordinator"]
    assert client.patch(f"/api/v1/users/{coord.pk}/", {"role": "observer"}, format="json").status_code == 409


def test_an_organisation_administrator_changes_its_coordinators_but_not_the_superuser(
    world: World, admin_member: Any
) -> None:
    org_admin = member(world, "orgadmin", Role.COORDINATOR, is_staff=True)
    client = client_of(org_admin)
    coord = world.users["coordinator"]
    changed = client.patch(f"/api/v1/users/{coord.pk}/", {"email": "coord@example.test"}, format="json")
    assert changed.status_code == 200, changed.json()
    before = snapshot(admin_member)
    assert (
        client.patch(f"/api/v1/users/{admin_member.pk}/", {"email": "x@example.test"}, format="json").status_code == 403
    )
    assert snapshot(admin_member) == before
    other = world.users["other_coordinator"]
    assert client.patch(f"/api/v1/users/{other.pk}/", {"email": "x@example.test"}, format="json").status_code == 404


@pytest.mark.parametrize(
    ("method", "body"),
    [("patch", {"role": "observer"}), ("patch", {"is_active": False}), ("delete", None)],
    ids=["demoted", "deactivated", "removed"],
)
def test_the_last_coordinator_stays(world: World, client_as: Clients, method: str, body: Any) -> None:
    coord = world.users["coordinator"]
    before = snapshot(coord)
    answer = getattr(client_as("superuser"), method)(f"/api/v1/users/{coord.pk}/", body, format="json")
    assert answer.status_code == 409, answer.content
    assert "last coordinator" in answer.json()["detail"]
    assert snapshot(coord) == before


def test_a_coordinator_may_leave_unless_last(world: World, client_as: Clients) -> None:
    coord = world.users["coordinator"]
    assert client_as("coordinator").delete(f"/api/v1/users/{coord.pk}/").status_code == 409
    other = member(world, "coord2", Role.COORDINATOR)
    assert client_as("coordinator").delete(f"/api/v1/users/{coord.pk}/").status_code == 204
    assert not Membership.objects.filter(user=coord).exists()
    # coord2 is now the last one, and stays.
    assert client_of(other).delete(f"/api/v1/users/{other.pk}/").status_code == 409


def test_a_deactivated_coordinator_does_not_count_as_the_remaining_one(world: World, client_as: Clients) -> None:
    member(world, "coord2", Role.COORDINATOR, is_active=False)
    coord = world.users["coordinator"]
    assert (
        client_as("superuser").patch(f"/api/v1/users/{coord.pk}/", {"role": "observer"}, format="json").status_code
        == 409
    )
