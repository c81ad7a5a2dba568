"""The structured target of an improvement item (DESIGN.md, "Metrics, precisely"): a metric key
from a fixed list, `<=` or `>=`, a value in real seconds or a share, and the department it is
measured for (or, for a hand-off, the ordered pair `from` -> `to`):

    {"metric": "handoff_p50", "op": "<=", "value": 600.0, "from": cs_id, "to": risk_id}
    {"metric": "deadline_compliance", "op": ">=", "value": 0.9, "department": cs_id}

The shape and the metric keys are those of the critical tasks' targets that come with the metrics
(scenarios.targets, on the aar-metrics branch); this validator stands in for theirs until it
lands: swapping `validate_target` for `Target.from_json(...).as_json()` plus the organisation check
changes no stored row."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext_lazy as _

from drillops.core.errors import InvalidInput
from drillops.departments.models import Department

SECONDS, SHARE = "seconds", "share"
# metric key -> unit of its value. The hand-off metrics are measured from one department to another.
METRICS: dict[str, str] = {
    **{
        f"{name}_{stat}": SECONDS
        for name in ("acknowledge", "first_action", "resolve")
        for stat in ("p50", "p90", "max")
    },
    "acknowledged_share": SHARE,
    "deadline_compliance": SHARE,
    "decision_p50": SECONDS,
    "decision_max": SECONDS,
    "press_answer_p50": SECONDS,
    "press_answer_max": SECONDS,
    "handoff_p50": SECONDS,
    "handoff_max": SECONDS,
}
PAIR_METRICS = frozenset({"handoff_p50", "handoff_max"})
OPERATORS = ("<=", ">=")
KEYS = frozenset({"metric", "op", "value", "department", "from", "to"})


def _fail(message: Any) -> InvalidInput:
    return InvalidInput({"target": [str(message)]})


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _departments(value: dict[str, Any], metric: str) -> dict[str, int]:
    if metric in PAIR_METRICS:
        if "department" in value or not (_is_id(value.get("from")) and _is_id(value.get("to"))):
            raise _fail(_("A hand-off target names two departments, 'from' and 'to'."))
        if value["from"] == value["to"]:
            raise _fail(_("A hand-off goes from one department to another."))
        return {"from": value["from"], "to": value["to"]}
    if "from" in value or "to" in value:
        raise _fail(_("Only hand-off targets name 'from' and 'to'."))
    department = value.get("department")
    if department is None:
        return {}
    if not _is_id(department):
        raise _fail(_("department must be a department id."))
    return {"department": department}


def _value(value: Any, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise _fail(_("value must be a number, 0 or more."))
    if unit == SHARE and value > 1:
        raise _fail(_("value of a share is between 0 and 1."))
    return float(value)


def validate_target(value: Any, *, organisation_id: int) -> dict[str, Any] | None:
    """The target in its stored shape, or InvalidInput({"target": [...]}) naming what is wrong."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _fail(_("A target is an object with metric, op and value."))
    if set(value) - KEYS:
        raise _fail(_("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(set(value) - KEYS))})
    metric = value.get("metric")
    if not isinstance(metric, str) or metric not in METRICS:
        raise _fail(_("Unknown metric; use one of: %(keys)s.") % {"keys": ", ".join(METRICS)})
    if value.get("op") not in OPERATORS:
        raise _fail(_("op must be '<=' or '>='."))
    target: dict[str, Any] = {"metric": metric, "op": value["op"], "value": _value(value.get("value"), METRICS[metric])}
    departments = _departments(value, metric)
    named = set(departments.values())
    if Department.objects.filter(organisation_id=organisation_id, pk__in=named).count() != len(named):
        raise _fail(_("A department of the target is not one of the organisation's."))
    return {**target, **departments}
