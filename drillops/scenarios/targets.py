"""Structured targets (DESIGN.md, "Metrics, precisely"): a metric key from a fixed list, a
department or an ordered pair of departments, `<=` or `>=`, and a value in real seconds or a share.

Critical tasks carry them (and improvement items, in reports); the report computes the figure
that a target names and says whether it is met. This module knows only the shape: which keys
exist, their unit and what they are measured over. Departments are ids of the organisation;
that they belong to it is checked where the organisation is known (validation.check_target)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

SECONDS, SHARE = "seconds", "share"
DRILL, DEPARTMENT, PAIR = "drill", "department", "pair"
OPERATORS = ("<=", ">=")


@dataclass(frozen=True)
class Metric:
    key: str
    unit: str  # SECONDS (real seconds) or SHARE (0..1)
    pair: bool  # measured for an ordered pair of departments (else for the drill or one department)
    label: Any


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("acknowledge_p50", SECONDS, False, _("Time to acknowledge, median")),
        Metric("acknowledge_p90", SECONDS, False, _("Time to acknowledge, 90th percentile")),
        Metric("acknowledge_max", SECONDS, False, _("Time to acknowledge, longest")),
        Metric("first_action_p50", SECONDS, False, _("Time to first action, median")),
        Metric("first_action_p90", SECONDS, False, _("Time to first action, 90th percentile")),
        Metric("first_action_max", SECONDS, False, _("Time to first action, longest")),
        Metric("resolve_p50", SECONDS, False, _("Time to resolve, median")),
        Metric("resolve_p90", SECONDS, False, _("Time to resolve, 90th percentile")),
        Metric("resolve_max", SECONDS, False, _("Time to resolve, longest")),
        Metric("acknowledged_share", SHARE, False, _("Share of injects acknowledged")),
        Metric("deadline_compliance", SHARE, False, _("Share of deadlines met")),
        Metric("decision_p50", SECONDS, False, _("Decision latency, median")),
        Metric("decision_max", SECONDS, False, _("Decision latency, longest")),
        Metric("press_answer_p50", SECONDS, False, _("Press question answer time, median")),
        Metric("press_answer_max", SECONDS, False, _("Press question answer time, longest")),
        Metric("handoff_p50", SECONDS, True, _("Hand-off latency, median")),
        Metric("handoff_max", SECONDS, True, _("Hand-off latency, longest")),
    )
}
KEYS = ("metric", "op", "value", "department", "from", "to")


class TargetError(ValueError):
    """Bad target input: `messages` are user-facing, one per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _whole_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@dataclass(frozen=True)
class Target:
    """A figure to reach. `department` narrows a drill-wide metric to one department; a pair
    metric names `source` -> `destination` (the hand-off from one department to another)."""

    metric: str
    op: str
    value: float
    department: int | None = None
    source: int | None = None
    destination: int | None = None

    @property
    def spec(self) -> Metric:
        return METRICS[self.metric]

    @property
    def scope(self) -> str:
        if self.spec.pair:
            return PAIR
        return DEPARTMENT if self.department is not None else DRILL

    @property
    def department_ids(self) -> set[int]:
        return {d for d in (self.department, self.source, self.destination) if d is not None}

    def met_by(self, figure: float) -> bool:
        return figure <= self.value if self.op == "<=" else figure >= self.value

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"metric": self.metric, "op": self.op, "value": self.value}
        if self.spec.pair:
            data.update({"from": self.source, "to": self.destination})
        elif self.department is not None:
            data["department"] = self.department
        return data

    @classmethod
    def from_json(cls, data: Any) -> Target:
        """Parse and check the shape; raises TargetError naming every problem."""
        if not isinstance(data, dict):
            raise TargetError([str(_("A target is an object with metric, op and value."))])
        errors: list[str] = []
        unknown = sorted(set(data) - set(KEYS))
        if unknown:
            errors.append(str(_("Unknown keys: %(keys)s.") % {"keys": ", ".join(unknown)}))
        name = data.get("metric")
        metric = METRICS.get(name) if isinstance(name, str) else None
        if metric is None:
            errors.append(str(_("Unknown metric; use one of: %(keys)s.") % {"keys": ", ".join(METRICS)}))
        if data.get("op") not in OPERATORS:
            errors.append(str(_("op must be '<=' or '>='.")))
        value = data.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            errors.append(str(_("value must be a number, 0 or more.")))
        elif metric is not None and metric.unit == SHARE and value > 1:
            errors.append(str(_("value of a share is between 0 and 1.")))
        if metric is not None:
            errors += _scope_errors(metric, data)
        if errors:
            raise TargetError(errors)
        assert metric is not None  # no errors, so the metric is known
        return cls(
            metric=metric.key,
            op=data["op"],
            value=float(value),  # type: ignore[arg-type]  # checked above
            department=data.get("department") if not metric.pair else None,
            source=data.get("from") if metric.pair else None,
            destination=data.get("to") if metric.pair else None,
        )


def _scope_errors(metric: Metric, data: dict[str, Any]) -> list[str]:
    if metric.pair:
        if "department" in data:
            return [str(_("A hand-off target names departments 'from' and 'to', not 'department'."))]
        if not (_whole_id(data.get("from")) and _whole_id(data.get("to"))):
            return [str(_("A hand-off target names two departments, 'from' and 'to'."))]
        if data["from"] == data["to"]:
            return [str(_("A hand-off goes from one department to another."))]
        return []
    if "from" in data or "to" in data:
        return [str(_("Only hand-off targets name 'from' and 'to'."))]
    department = data.get("department")
    if department is not None and not _whole_id(department):
        return [str(_("department must be a department id."))]
    return []
