"""Writes for organisations' departments and users. Each is one transaction and leaves an audit record."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _

from drillops.core.audit import record
from drillops.core.errors import DomainError, InvalidInput
from drillops.departments.models import Department, Membership, Organisation, Role
from drillops.departments.selectors import forget_memberships

DEPARTMENT_FIELDS = ("code", "name", "name_zh", "description", "parent")


@transaction.atomic
def organisation_create(*, by: Any, slug: str, name: str, time_zone: str = "Asia/Shanghai") -> Organisation:
    """A new tenant. Only people who run the installation make one (the admin, seed_demo)."""
    organisation = Organisation(slug=slug, name=name, time_zone=time_zone)
    try:
        organisation.full_clean()
    except ValidationError as exc:
        raise InvalidInput({k: [str(m) for m in v] for k, v in exc.message_dict.items()}) from exc
    organisation.save()
    record(
        action="organisation.create", obj=organisation, actor=by, organisation_id=organisation.pk, data={"slug": slug}
    )
    return organisation


def _check_department(department: Department) -> None:
    try:
        department.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise InvalidInput({k: [str(m) for m in v] for k, v in exc.message_dict.items()}) from exc
    clash = Department.objects.filter(organisation_id=department.organisation_id, code=department.code)
    if clash.exclude(pk=department.pk).exists():
        raise InvalidInput({"code": [str(_("A department with this code exists already."))]})


@transaction.atomic
def department_create(
    *,
    organisation: Organisation,
    by: Any,
    code: str,
    name: str,
    name_zh: str = "",
    description: str = "",
    parent: Department | None = None,
) -> Department:
    department = Department(
        organisation=organisation, code=code, name=name, name_zh=name_zh, description=description, parent=parent
    )
    _check_department(department)
    department.save()
    record(action="department.create", obj=department, actor=by, organisation_id=organisation.pk, data={"code": code})
    return department


@transaction.atomic
def department_update(*, department: Department, by: Any, **changes: Any) -> Department:
    unknown = set(changes) - set(DEPARTMENT_FIELDS)
    if unknown:
        raise InvalidInput({name: [str(_("This field cannot be changed."))] for name in sorted(unknown)})
    for name, value in changes.items():
        setattr(department, name, value)
    _check_department(department)
    department.save()
    record(
        action="department.update",
        obj=department,
        actor=by,
        organisation_id=department.organisation_id,
        data={k: getattr(v, "pk", v) for k, v in changes.items()},
    )
    return department


@transaction.atomic
def department_delete(*, department: Department, by: Any) -> None:
    pk, org_id, code = department.pk, department.organisation_id, department.code
    # Members and scenario events would silently lose their department: refuse instead.
    if department.memberships.exists() or department.scenario_events.exists():
        raise DomainError(str(_("This department still has members or scenario events.")))
    try:
        with transaction.atomic():
            department.delete()
    except (ProtectedError, IntegrityError) as exc:
        raise DomainError(str(_("This department is still in use (sub-departments or injects)."))) from exc
    record(action="department.delete", actor=by, organisation_id=org_id, data={"id": pk, "code": code})


def _check_membership_input(organisation: Organisation, role: str, departments: list[Department]) -> None:
    if role not in Role.values:
        raise InvalidInput({"role": [str(_("Unknown role."))]})
    if any(d.organisation_id != organisation.pk for d in departments):
        raise InvalidInput({"departments": [str(_("A department belongs to another organisation."))]})
    if role == Role.STAFF and not departments:
        raise InvalidInput({"departments": [str(_("Department staff need at least one department."))]})


def _set_memberships(*, user: Any, organisation: Organisation, role: str, departments: list[Department]) -> None:
    Membership.objects.filter(user=user, organisation=organisation).delete()
    if role == Role.STAFF:
        rows = [Membership(user=user, organisation=organisation, role=role, department=d) for d in departments]
    else:
        rows = [Membership(user=user, organisation=organisation, role=role, department=None)]
    Membership.objects.bulk_create(rows)
    forget_memberships(user)


def _check_password(password: str, user: Any) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput({"password": [str(m) for m in exc.messages]}) from exc


@transaction.atomic
def user_create(
    *,
    organisation: Organisation,
    by: Any,
    username: str,
    role: str,
    password: str | None = None,
    email: str = "",
    departments: list[Department] | None = None,
    first_name: str = "",
    last_name: str = "",
) -> Any:
    departments = list(departments or [])
    _check_membership_input(organisation, role, departments)
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise InvalidInput({"username": [str(_("A user with this username exists already."))]})
    user = user_model(username=username, email=email, first_name=first_name, last_name=last_name)
    if password is None:  # the person sets it (seed_demo sets the demo's own afterwards)
        user.set_unusable_password()
    else:
        _check_password(password, user)
        user.set_password(password)
    user.save()
    _set_memberships(user=user, organisation=organisation, role=role, departments=departments)
    record(
        action="user.create",
        obj=user,
        actor=by,
        organisation_id=organisation.pk,
        data={"username": username, "role": role, "departments": [d.pk for d in departments]},
    )
    return user


@transaction.atomic
def user_update(
    *,
    user: Any,
    organisation: Organisation,
    by: Any,
    role: str | None = None,
    departments: list[Department] | None = None,
    password: str | None = None,
    **profile: Any,
) -> Any:
    unknown = set(profile) - {"email", "first_name", "last_name", "is_active"}
    if unknown:
        raise InvalidInput({name: [str(_("This field cannot be changed."))] for name in sorted(unknown)})
    if role is not None or departments is not None:
        current = Membership.objects.filter(user=user, organisation=organisation)
        new_role = role or (current.first().role if current.exists() else Role.STAFF)  # type: ignore[union-attr]
        new_departments = (
            list(departments) if departments is not None else [m.department for m in current if m.department]
        )
        _check_membership_input(organisation, new_role, new_departments)
        _set_memberships(user=user, organisation=organisation, role=new_role, departments=new_departments)
    for name, value in profile.items():
        setattr(user, name, value)
    if password:
        _check_password(password, user)
        user.set_password(password)
    user.save()
    changed = sorted([*profile, *(["role"] if role else []), *(["departments"] if departments is not None else [])])
    record(action="user.update", obj=user, actor=by, organisation_id=organisation.pk, data={"changed": changed})
    return user


@transaction.atomic
def user_remove(*, user: Any, organisation: Organisation, by: Any) -> None:
    """Takes the user out of the organisation; the account stays, since the timeline names it."""
    Membership.objects.filter(user=user, organisation=organisation).delete()
    forget_memberships(user)
    record(action="user.remove", obj=user, actor=by, organisation_id=organisation.pk)
