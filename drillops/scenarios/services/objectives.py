"""Writes of objectives and their critical tasks, on the scenario's editable version."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from drillops.core.errors import InvalidInput
from drillops.scenarios.models import CriticalTask, Objective, Scenario
from drillops.scenarios.services.common import audit, editable_version, of_current_version
from drillops.scenarios.validation import normalize_critical_tasks

EARLIER = _("This objective belongs to an earlier version, which can no longer change.")


def _set_critical_tasks(objective: Objective, tasks: list[Any]) -> None:
    """Titles, or {"title", "target"} objects with a structured target (scenarios.targets)."""
    clean = normalize_critical_tasks(objective.version, tasks)
    objective.critical_tasks.all().delete()
    CriticalTask.objects.bulk_create(
        CriticalTask(objective=objective, sequence=i, title=task["title"], target=task["target"])
        for i, task in enumerate(clean, start=1)
    )


@transaction.atomic
def objective_create(
    *,
    scenario: Scenario,
    by: Any,
    capability: str,
    title: str,
    target: str = "",
    critical_tasks: list[Any] | None = None,
    sequence: int | None = None,
) -> Objective:
    version = editable_version(scenario)
    if sequence is None:
        sequence = (version.objectives.aggregate(m=Max("sequence"))["m"] or 0) + 1
    objective = Objective.objects.create(
        version=version, capability=capability, title=title, target=target, sequence=sequence
    )
    _set_critical_tasks(objective, critical_tasks or [])
    audit("objective.create", objective, by, scenario, version=version.pk)
    return objective


@transaction.atomic
def objective_update(
    *, objective: Objective, by: Any, critical_tasks: list[Any] | None = None, **fields: Any
) -> Objective:
    scenario = objective.version.scenario
    version = editable_version(scenario)
    of_current_version(objective, version, EARLIER)
    unknown = set(fields) - {"capability", "title", "target", "sequence"}
    if unknown:
        raise InvalidInput({name: [str(_("Unknown field."))] for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(objective, name, value)
    objective.save()
    if critical_tasks is not None:
        _set_critical_tasks(objective, critical_tasks)
    changed = sorted([*fields, *(["critical_tasks"] if critical_tasks is not None else [])])
    audit("objective.update", objective, by, scenario, changed=changed)
    return objective


@transaction.atomic
def objective_delete(*, objective: Objective, by: Any) -> None:
    scenario = objective.version.scenario
    version = editable_version(scenario)
    of_current_version(objective, version, EARLIER)
    pk = objective.pk
    objective.delete()
    audit("objective.delete", None, by, scenario, id=pk, version=version.pk)
