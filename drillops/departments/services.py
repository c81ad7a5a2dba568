"""Writes for organisations' departments. Each is one transaction and leaves an audit record.
Accounts (members, links, login locks) are written by departments.accounts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _

from drillops.core.audit import record
from drillops.core.errors import DomainError, InvalidInput
from drillops.departments.models import Department, Organisation

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
