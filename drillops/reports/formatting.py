"""Figures and targets in words, in the language of the request: durations in real seconds (to the
tenth below a minute, the report's figures being exact to the millisecond), shares as per cent,
counts as they are, and a structured target as "Hand-off latency, median: A → B ≤ 10 min"."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from drillops.departments.models import Department
from drillops.scenarios.targets import SECONDS, SHARE, Target, TargetError

COUNT = "count"


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        shown = f"{seconds:.3f}".rstrip("0").rstrip(".") if seconds < 10 else f"{seconds:.1f}".removesuffix(".0")
        return _("%(n)s s") % {"n": shown}
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    if secs:
        return _("%(m)d min %(s)d s") % {"m": minutes, "s": secs}
    return _("%(m)d min") % {"m": minutes}


def figure_text(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == SECONDS:
        return duration_text(value)
    if unit == SHARE:
        return f"{value:.0%}"
    return f"{value:g}"


def department_name(departments: dict[int, Department], pk: Any) -> str:
    found = departments.get(pk) if isinstance(pk, int) else None
    return found.display_name if found else "?"


def target_text(data: Any, departments: dict[int, Department]) -> str:
    """A stored target in words; "" when it is not a target (never an error on a page)."""
    try:
        target = Target.from_json(data)
    except TargetError:
        return ""
    if target.spec.pair:
        scope = f"{department_name(departments, target.source)} → {department_name(departments, target.destination)}"
    else:
        scope = department_name(departments, target.department) if target.department is not None else ""
    op = "≤" if target.op == "<=" else "≥"
    label = str(target.spec.label)
    return f"{label}{': ' + scope if scope else ''} {op} {figure_text(target.value, target.spec.unit)}"
