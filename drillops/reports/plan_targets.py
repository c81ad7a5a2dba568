"""The structured target of an improvement item (DESIGN.md, "Metrics, precisely"): a metric key
from a fixed list, the department it is measured for (or the ordered pair of departments of a
hand-off), `<=` or `>=`, and a value in real seconds or a share.

    {"metric": "handoff_latency", "pair": [cs_id, risk_id], "op": "<=", "value": 600}
    {"metric": "deadline_compliance", "department": cs_id, "op": ">=", "value": 0.9}

This validator stands in for the one that comes with the metrics (scenarios.targets, on critical
tasks): the stored shape is the same, so swapping `validate_target` changes no row."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext_lazy as _

from drillops.core.errors import InvalidInput
from drillops.departments.models import Department

SECONDS, SHARE = "seconds", "share"
# metric key -> unit of its value; "pair" marks the metrics measured between two departments.
METRICS: dict[str, str] = {
    "time_to_acknowledge": SECONDS,
    "time_to_first_action": SECONDS,
    "time_to_resolve": SECONDS,
    "deadline_compliance": SHARE,
    "handoff_latency": SECONDS,
    "decision_latency": SECONDS,
    "press_answer_time": SECONDS,
}
PAIR_METRICS = frozenset({"handoff_latency"})
OPERATORS = ("<=", ">=")
KEYS = frozenset({"metric", "department", "pair", "op", "value"})


def _fail(message: Any) -> InvalidInput:
    return InvalidInput({"target": [str(message)]})


def _department_ids(value: dict[str, Any], metric: str) -> tuple[int | None, list[int] | None]:
    department, pair = value.get("department"), value.get("pair")
    if metric in PAIR_METRICS:
        if department is not None or not isinstance(pair, list) or len(pair) != 2:
            raise _fail(_('A hand-off target names an ordered pair of departments: "pair": [from, to].'))
        if not all(isinstance(d, int) and not isinstance(d, bool) for d in pair) or pair[0] == pair[1]:
            raise _fail(_("The pair is two different department ids."))
        return None, list(pair)
    if pair is not None:
        raise _fail(_("Only a hand-off target names a pair of departments."))
    if department is not None and (not isinstance(department, int) or isinstance(department, bool)):
        raise _fail(_("The department is a department id."))
    return department, None


def _value(value: Any, unit: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(_("The value is a number."))
    if unit == SHARE and not 0 <= value <= 1:
        raise _fail(_("A share is between 0 and 1."))
    if unit == SECONDS and not 0 <= value <= 10**9:
        raise _fail(_("Seconds are between 0 and 1,000,000,000."))
    return value


def validate_target(value: Any, *, organisation_id: int) -> dict[str, Any] | None:
    """The target in its stored shape, or InvalidInput({"target": [...]}) naming what is wrong."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - KEYS:
        raise _fail(_("A target is an object with metric, department or pair, op and value."))
    metric = value.get("metric")
    if metric not in METRICS:
        raise _fail(_("Unknown metric; use one of: %(keys)s.") % {"keys": ", ".join(METRICS)})
    if value.get("op") not in OPERATORS:
        raise _fail(_("The operator is <= or >=."))
    department, pair = _department_ids(value, metric)
    named = [d for d in [department, *(pair or [])] if d is not None]
    known = Department.objects.filter(organisation_id=organisation_id, pk__in=named).count()
    if known != len(set(named)):
        raise _fail(_("A department of the target is not one of the organisation's."))
    target: dict[str, Any] = {"metric": metric, "op": value["op"], "value": _value(value.get("value"), METRICS[metric])}
    if department is not None:
        target["department"] = department
    if pair is not None:
        target["pair"] = pair
    return target
