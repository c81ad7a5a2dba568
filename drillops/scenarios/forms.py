"""Forms of the scenario editor. They read what a coordinator typed (times as HH:MM:SS or seconds,
the ladder as rows of steps) into the values the services take; the services decide what is valid
for the MSEL, and their messages are put back on the fields they name."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from drillops.core.errors import InvalidInput
from drillops.core.glossary import step_label
from drillops.departments.models import Department, Role
from drillops.scenarios.models import (
    TITLE_MAX_LENGTH,
    Channel,
    ConditionKind,
    Objective,
    ScenarioEvent,
    ScenarioVersion,
)
from drillops.scenarios.validation import FREE_TEXT_MAX, MAX_STEPS, SECONDS_MAX, UNLESS_VALUES

CLOCK = re.compile(r"^(\d{1,5}):([0-5]?\d)(?::([0-5]?\d))?$")
TIME_HELP = _("HH:MM:SS of scenario time, or a number of seconds.")


def parse_seconds(text: str) -> int:
    """'00:05:00', '0:05' (hours and minutes) or '300' -> 300 seconds; anything else is refused."""
    text = text.strip()
    if text.isdigit():
        seconds = int(text)
    else:
        match = CLOCK.match(text)
        if match is None:
            raise ValidationError(_("Use HH:MM:SS (for example 00:05:00) or a number of seconds."))
        hours, minutes, secs = (int(part or 0) for part in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if seconds > SECONDS_MAX:
        raise ValidationError(_("That is longer than this field can hold."))
    return seconds


def as_clock(seconds: int | None) -> str:
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


class DurationField(forms.CharField):
    """Scenario time typed as HH:MM:SS or seconds; cleaned to whole seconds (None when left empty)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", TIME_HELP)
        attrs = {"inputmode": "numeric", "placeholder": "00:00:00", "maxlength": "16"}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)  # no max_length: the validators would measure the cleaned seconds

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text: str | None = super().to_python(value)
        if text and len(text) > 16:
            raise ValidationError(_("Use HH:MM:SS (for example 00:05:00) or a number of seconds."))
        return parse_seconds(text) if text else None

    def prepare_value(self, value: Any) -> Any:
        return as_clock(value) if isinstance(value, int) else value


class ScenarioForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=FREE_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


def put_errors(form: forms.Form, error: InvalidInput, fields: dict[str, str]) -> None:
    """A service's field messages onto the form: `fields` maps its names to the form's."""
    for name, messages in error.errors.items():
        mapped = fields.get(name, name)
        target = mapped if mapped in form.fields else None
        for message in messages if isinstance(messages, list) else [messages]:
            form.add_error(target, str(message))


STEP_PARTS = ("after", "target", "unless", "message", "deadline")


class EventForm(forms.Form):
    """One MSEL row. The ladder is `step-N-…` fields: the steps the event has and two empty ones."""

    SERVICE_FIELDS = {
        "offset_seconds": "offset",
        "response_deadline_seconds": "response_deadline",
        "escalations": "ladder",
        "condition": "condition_kind",
    }

    sequence = forms.IntegerField(label=_("Sequence"), required=False, min_value=1, max_value=SECONDS_MAX)
    offset = DurationField(label=_("Offset"))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.OTHER)
    sender = forms.CharField(label=_("Sender persona"), required=False, max_length=TITLE_MAX_LENGTH)
    departments = forms.ModelMultipleChoiceField(
        label=_("Target departments"), queryset=Department.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    body = forms.CharField(label=_("Body"), max_length=FREE_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    expected_action = forms.CharField(
        label=_("Expected action"), required=False, max_length=FREE_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_decision = forms.BooleanField(label=_("The expected action is a decision"), required=False)
    response_deadline = DurationField(label=_("Response deadline"), required=False)
    objective: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Objective"), queryset=Objective.objects.none(), required=False
    )
    condition_kind = forms.ChoiceField(
        label=_("Condition"), required=False, choices=[("", _("None: on time")), *ConditionKind.choices]
    )
    condition_event: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Condition event"), queryset=ScenarioEvent.objects.none(), required=False
    )
    condition_delay = DurationField(label=_("Condition delay"), required=False)
    ladder = forms.CharField(required=False, widget=forms.HiddenInput)  # carries the ladder's messages

    def __init__(self, *args: Any, version: ScenarioVersion, event: ScenarioEvent | None = None, **kwargs: Any):
        if event is not None and "initial" not in kwargs:
            kwargs["initial"] = event_initial(event)
        super().__init__(*args, **kwargs)
        self.version, self.event = version, event
        departments = Department.objects.filter(organisation_id=version.scenario.organisation_id)
        self.fields["departments"].queryset = departments  # type: ignore[attr-defined]
        self.fields["objective"].queryset = version.objectives.all()  # type: ignore[attr-defined]
        others = version.events.order_by("sequence")
        if event is not None:
            others = others.exclude(pk=event.pk)
        self.fields["condition_event"].queryset = others  # type: ignore[attr-defined]
        self.fields["condition_event"].label_from_instance = lambda e: f"#{e.sequence} {e.title}"  # type: ignore[attr-defined]
        self.step_targets = _step_targets(list(departments), self.initial.get("steps", []))
        self.step_count = self._step_count()
        for index in range(self.step_count):
            self._add_step_fields(index)

    def _step_count(self) -> int:
        if self.is_bound:
            found = [int(m.group(1)) for key in self.data for m in [re.match(r"^step-(\d+)-", key)] if m]
            count = max(found, default=-1) + 1
        else:
            count = len(self.initial.get("steps", [])) + 2
        return max(2, min(count, MAX_STEPS + 2))

    def _add_step_fields(self, index: int) -> None:
        initial = self.initial.get("steps", [])
        step = initial[index] if index < len(initial) else {}
        prefix = f"step-{index}-"
        self.fields[prefix + "after"] = DurationField(
            label=_("After the deadline"), required=False, initial=step.get("after_seconds")
        )
        self.fields[prefix + "target"] = forms.ChoiceField(
            label=_("Escalate to"), required=False, choices=[("", "—"), *self.step_targets], initial=step.get("key", "")
        )
        self.fields[prefix + "unless"] = forms.ChoiceField(
            label=_("Unless"),
            required=False,
            choices=[("acknowledged", _("acknowledged")), ("resolved", _("resolved"))],
            initial=step.get("unless", "acknowledged"),
        )
        self.fields[prefix + "message"] = forms.CharField(
            label=_("Message"), required=False, max_length=FREE_TEXT_MAX, initial=step.get("message", "")
        )
        self.fields[prefix + "deadline"] = DurationField(
            label=_("Own deadline"), required=False, initial=step.get("response_deadline_seconds")
        )

    def step_rows(self) -> list[dict[str, Any]]:
        """The ladder's fields, one dict per step, for the template."""
        return [
            {"number": i + 1, "name": step_label(i + 1), **{part: self[f"step-{i}-{part}"] for part in STEP_PARTS}}
            for i in range(self.step_count)
        ]

    def _steps(self) -> list[dict[str, Any]]:
        steps = []
        for index in range(self.step_count):
            values = {part: self.cleaned_data.get(f"step-{index}-{part}") for part in STEP_PARTS}
            if values["after"] is None and not values["target"] and not values["message"]:
                continue  # an empty row of the ladder
            if values["after"] is None or not values["target"]:
                self.add_error(
                    "ladder",
                    _("Step %(n)d: give the time after the deadline and whom to escalate to.") % {"n": index + 1},
                )
                continue
            kind, _sep, value = values["target"].partition(":")
            step: dict[str, Any] = {"after_seconds": values["after"], "message": values["message"] or ""}
            step["unless"] = values["unless"] if values["unless"] in UNLESS_VALUES else "acknowledged"
            step.update({"department": int(value)} if kind == "d" else {"role": value})
            if values["deadline"] is not None:
                step["response_deadline_seconds"] = values["deadline"]
            steps.append(step)
        return steps

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["escalations"] = self._steps()
        kind, target = data.get("condition_kind"), data.get("condition_event")
        if kind and target is None:
            self.add_error("condition_event", _("Choose the event this one waits for."))
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind = data.get("condition_kind")
        fields: dict[str, Any] = {
            name: data[name]
            for name in ("title", "body", "channel", "sender", "expected_action", "is_decision", "objective")
        }
        fields.update(
            offset_seconds=data["offset"],
            departments=list(data["departments"]),
            response_deadline_seconds=data.get("response_deadline"),
            escalations=data["escalations"],
            condition={
                "kind": kind,
                "event": data["condition_event"].pk,
                "delay_seconds": data.get("condition_delay") or 0,
            }
            if kind
            else None,
        )
        if data.get("sequence"):
            fields["sequence"] = data["sequence"]
        return fields


def _step_targets(departments: list[Department], steps: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Whom a step may escalate to: a department, or the coordinator; a role an imported ladder named
    (a department code, say) stays a choice so that saving the row keeps it."""
    choices = [(f"d:{d.pk}", d.display_name) for d in departments]
    choices.append((f"r:{Role.COORDINATOR.value}", str(_("Coordinator (role)"))))
    known = {value for value, _label in choices}
    for step in steps:
        if step.get("key") and step["key"] not in known:
            choices.append((step["key"], step["key"].partition(":")[2]))
            known.add(step["key"])
    return choices


def event_initial(event: ScenarioEvent) -> dict[str, Any]:
    steps = []
    for step in event.escalations or []:
        if not isinstance(step, dict):
            continue
        key = f"d:{step['department']}" if step.get("department") is not None else f"r:{step.get('role', '')}"
        steps.append({**step, "key": key})
    return {
        "sequence": event.sequence,
        "offset": event.offset_seconds,
        "channel": event.channel,
        "sender": event.sender,
        "departments": list(event.departments.all()),
        "title": event.title,
        "body": event.body,
        "expected_action": event.expected_action,
        "is_decision": event.is_decision,
        "response_deadline": event.response_deadline_seconds,
        "objective": event.objective_id,
        "condition_kind": event.condition_kind,
        "condition_event": event.condition_event_id,
        "condition_delay": event.condition_delay_seconds if event.condition_kind else None,
        "steps": steps,
    }
