"""The structured target of an improvement item: the same shape as a critical task's
(scenarios.targets: a metric key from a fixed list, `<=` or `>=`, a value in real seconds or a
share, and the department it is measured for or, for a hand-off, `from` -> `to`), checked
against the item's organisation rather than a scenario version's.

    {"metric": "handoff_p50", "op": "<=", "value": 600.0, "from": cs_id, "to": risk_id}"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from drillops.core.errors import InvalidInput
from drillops.departments.models import Department
from drillops.scenarios.targets import Target, TargetError


def validate_target(value: Any, *, organisation_id: int) -> dict[str, Any] | None:
    """The target in its stored shape, or InvalidInput({"target": [...]}) naming what is wrong."""
    if value is None:
        return None
    try:
        target = Target.from_json(value)
    except TargetError as exc:
        raise InvalidInput({"target": exc.messages}) from exc
    named = target.department_ids
    if Department.objects.filter(organisation_id=organisation_id, pk__in=named).count() != len(named):
        raise InvalidInput({"target": [str(_("A department of the target is not one of the organisation's."))]})
    return target.as_json()
