"""Departments and users of an organisation through the API."""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.test import APIClient

from drillops.core.models import AuditEntry
from drillops.departments.models import Department, Membership

from ..api.world import World

Clients = Callable[[str], APIClient]


def test_every_member_lists_the_organisations_departments(world: World, client_as: Clients) -> None:
    for role in ("coordinator", "staff_target", "observer_uninvited"):
        codes = {d["code"] for d in client_as(role).get("/api/v1/departments/").json()["results"]}
        assert codes == {"cs", "risk"}, role
    theirs = client_as("other_coordinator").get("/api/v1/departments/").json()["results"]
    assert [d["id"] for d in theirs] == [world.other_dept.pk]


def test_coordinator_builds_a_department_tree(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    answer = client.post("/api/v1/departments/", {"code": "cs-hotline", "name": "Hotline", "parent": world.cs.pk})
    assert answer.status_code == 201, answer.json()
    assert answer.json()["parent"] == world.cs.pk and answer.json()["organisation"] == world.org.pk
    assert AuditEntry.objects.filter(action="department.create").exists()
    child = answer.json()["id"]
    renamed = client.patch(f"/api/v1/departments/{child}/", {"name": "Complaints hotline"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Complaints hotline"
    assert client.delete(f"/api/v1/departments/{child}/").status_code == 204


def test_department_cannot_become_its_own_ancestor(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    child = client.post("/api/v1/departments/", {"code": "sub", "name": "Sub", "parent": world.cs.pk}).json()["id"]
    answer = client.patch(f"/api/v1/departments/{world.cs.pk}/", {"parent": child}, format="json")
    assert answer.status_code == 400 and "parent" in answer.json()


def test_duplicate_code_is_400(world: World, client_as: Clients) -> None:
    before = Department.objects.count()
    answer = client_as("coordinator").post("/api/v1/departments/", {"code": "cs", "name": "Again"})
    assert answer.status_code == 400 and "code" in answer.json()
    assert Department.objects.count() == before


def test_department_in_use_is_409_on_delete(world: World, client_as: Clients) -> None:
    answer = client_as("coordinator").delete(f"/api/v1/departments/{world.cs.pk}/")
    assert answer.status_code == 409
    assert Department.objects.filter(pk=world.cs.pk).exists()


def test_staff_may_not_manage_departments(world: World, client_as: Clients) -> None:
    assert client_as("staff_target").post("/api/v1/departments/", {"code": "x", "name": "X"}).status_code == 403
    assert client_as("other_coordinator").delete(f"/api/v1/departments/{world.cs.pk}/").status_code == 404


def test_coordinator_creates_staff_user_with_memberships(world: World, client_as: Clients) -> None:
    body = {
        "username": "legal1",
        "email": "legal1@example.test",
        "role": "staff",
        "departments": [world.cs.pk, world.risk.pk],
    }
    answer = client_as("coordinator").post("/api/v1/users/", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert "password" not in answer.json() and answer.json()["password_set"] is False
    assert answer.json()["role"] == "staff" and answer.json()["departments"] == sorted([world.cs.pk, world.risk.pk])
    assert answer.json()["set_password_link"].startswith("http://testserver/accounts/set-password/")
    memberships = Membership.objects.filter(user__username="legal1")
    assert {m.department_id for m in memberships} == {world.cs.pk, world.risk.pk}


def test_a_user_may_be_created_inactive(world: World, client_as: Clients) -> None:
    """Found by fuzzing: `is_active` in the body of a new user (as the schema allows) was a 500."""
    for fmt, name, active in (("multipart", "obs-later", "false"), ("json", "obs-now", True)):
        body = {"username": name, "email": f"{name}@example.test", "role": "observer", "is_active": active}
        answer = client_as("coordinator").post("/api/v1/users/", body, format=fmt)
        assert answer.status_code == 201, answer.content
        assert answer.json()["is_active"] is (active is True) and answer.json()["set_password_link"]
        assert Membership.objects.get(user__username=name).user.is_active is (active is True)


def test_staff_user_needs_a_department(world: World, client_as: Clients) -> None:
    body = {"username": "nodept", "role": "staff"}
    answer = client_as("coordinator").post("/api/v1/users/", body, format="json")
    assert answer.status_code == 400 and "departments" in answer.json()


def test_users_list_is_the_organisations(world: World, client_as: Clients) -> None:
    names = {u["username"] for u in client_as("coordinator").get("/api/v1/users/?page_size=100").json()["results"]}
    assert names == {"coord", "cs1", "risk1", "obs1", "obs2"}
    assert client_as("staff_target").get("/api/v1/users/").status_code == 403


def test_coordinator_changes_role_and_removes_user(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    pk = world.users["observer_uninvited"].pk
    changed = client.patch(f"/api/v1/users/{pk}/", {"role": "staff", "departments": [world.risk.pk]}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["role"] == "staff" and changed.json()["departments"] == [world.risk.pk]
    assert client.delete(f"/api/v1/users/{pk}/").status_code == 204
    assert not Membership.objects.filter(user_id=pk).exists()
    assert client.get(f"/api/v1/users/{pk}/").status_code == 404


def test_department_with_members_is_409_on_delete(world: World, client_as: Clients) -> None:
    client = client_as("coordinator")
    spare = client.post("/api/v1/departments/", {"code": "spare", "name": "Spare"}).json()["id"]
    client.patch(
        f"/api/v1/users/{world.users['observer_uninvited'].pk}/",
        {"role": "staff", "departments": [spare]},
        format="json",
    )
    assert client.delete(f"/api/v1/departments/{spare}/").status_code == 409
    assert Membership.objects.filter(department_id=spare).exists()
