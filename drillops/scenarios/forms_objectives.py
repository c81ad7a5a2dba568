"""The objective form: capability, title, target in words, and critical tasks, each with an
optional structured target (scenarios.targets) chosen from lists rather than typed as JSON."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from drillops.departments.models import Department
from drillops.scenarios.forms import as_clock, parse_seconds
from drillops.scenarios.models import TITLE_MAX_LENGTH, Objective, ScenarioVersion
from drillops.scenarios.targets import METRICS, OPERATORS, SECONDS
from drillops.scenarios.validation import FREE_TEXT_MAX

TASK_PARTS = ("title", "metric", "op", "value", "department", "from", "to")
MAX_TASKS = 100


def parse_target_value(metric: str, text: str) -> float:
    """Seconds metrics take HH:MM:SS or seconds; shares take '90%' or '0.9'."""
    text = text.strip()
    if METRICS[metric].unit == SECONDS:
        return float(parse_seconds(text))
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError as exc:
        raise ValidationError(_("A share is a percentage (90%) or a fraction (0.9).")) from exc
    return value


def _value_text(target: dict[str, Any]) -> str:
    metric = METRICS.get(target.get("metric", ""))
    value = target.get("value")
    if metric is None or not isinstance(value, int | float):
        return ""
    return as_clock(int(value)) if metric.unit == SECONDS else f"{value:.0%}"


class ObjectiveForm(forms.Form):
    SERVICE_FIELDS = {"critical_tasks": "tasks"}

    capability = forms.CharField(label=_("Capability"), max_length=200)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    target = forms.CharField(
        label=_("Target in words"),
        required=False,
        max_length=FREE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What good looks like, e.g. 'report to risk within 10 minutes'."),
    )
    tasks = forms.CharField(required=False, widget=forms.HiddenInput)  # carries the critical tasks' messages

    def __init__(self, *args: Any, version: ScenarioVersion, objective: Objective | None = None, **kwargs: Any):
        if objective is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "capability": objective.capability,
                "title": objective.title,
                "target": objective.target,
                "tasks_list": [{"title": t.title, "target": t.target or {}} for t in objective.critical_tasks.all()],
            }
        super().__init__(*args, **kwargs)
        departments = [("", "—")] + [
            (str(d.pk), d.display_name)
            for d in Department.objects.filter(organisation_id=version.scenario.organisation_id)
        ]
        initial = self.initial.get("tasks_list", [])
        if self.is_bound:
            found = [int(m.group(1)) for key in self.data for m in [re.match(r"^task-(\d+)-", key)] if m]
            count = max(found, default=-1) + 1
        else:
            count = len(initial) + 2
        self.task_count = max(2, min(count, MAX_TASKS))
        for index in range(self.task_count):
            task = initial[index] if index < len(initial) else {"title": "", "target": {}}
            self._add_task_fields(index, task, departments)

    def _add_task_fields(self, index: int, task: dict[str, Any], departments: list[tuple[str, str]]) -> None:
        target = task["target"] or {}
        prefix = f"task-{index}-"
        metrics = [("", _("No measured target"))] + [(key, m.label) for key, m in METRICS.items()]
        self.fields[prefix + "title"] = forms.CharField(
            label=_("Critical task"), required=False, max_length=TITLE_MAX_LENGTH, initial=task["title"]
        )
        self.fields[prefix + "metric"] = forms.ChoiceField(
            label=_("Measured by"), required=False, choices=metrics, initial=target.get("metric", "")
        )
        self.fields[prefix + "op"] = forms.ChoiceField(
            label=_("Comparison"),
            required=False,
            choices=[(op, op) for op in OPERATORS],
            initial=target.get("op", "<="),
        )
        self.fields[prefix + "value"] = forms.CharField(
            label=_("Value"), required=False, max_length=32, initial=_value_text(target)
        )
        for part, key in (("department", "department"), ("from", "from"), ("to", "to")):
            self.fields[prefix + part] = forms.ChoiceField(
                label={"department": _("Department"), "from": _("From"), "to": _("To")}[part],
                required=False,
                choices=departments,
                initial=str(target.get(key) or ""),
            )

    def task_rows(self) -> list[dict[str, Any]]:
        return [{"number": i + 1, **{p: self[f"task-{i}-{p}"] for p in TASK_PARTS}} for i in range(self.task_count)]

    def _task(self, index: int) -> dict[str, Any] | None:
        values = {part: self.cleaned_data.get(f"task-{index}-{part}") or "" for part in TASK_PARTS}
        if not values["title"].strip():
            if values["metric"]:
                self.add_error("tasks", _("Critical task %(n)d: give it a title.") % {"n": index + 1})
            return None
        if not values["metric"]:
            return {"title": values["title"], "target": None}
        target: dict[str, Any] = {"metric": values["metric"], "op": values["op"] or "<="}
        try:
            target["value"] = parse_target_value(values["metric"], values["value"])
        except ValidationError as exc:
            self.add_error(
                "tasks", _("Critical task %(n)d: %(problem)s") % {"n": index + 1, "problem": exc.messages[0]}
            )
            return None
        if METRICS[values["metric"]].pair:
            target.update({k: int(values[k]) for k in ("from", "to") if values[k]})
        elif values["department"]:
            target["department"] = int(values["department"])
        return {"title": values["title"], "target": target}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["critical_tasks"] = [task for i in range(self.task_count) if (task := self._task(i)) is not None]
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "capability": data["capability"],
            "title": data["title"],
            "target": data.get("target") or "",
            "critical_tasks": data["critical_tasks"],
        }
