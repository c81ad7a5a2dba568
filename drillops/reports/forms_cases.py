"""The case library's forms: a case (past drill or real incident) and its timestamped steps. The
forms read what people type (a duration as hh:mm:ss, changes in per cent, tags separated by
commas); the case services check the rest."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drillops.departments.models import Department, Organisation
from drillops.reports.models import CaseKind, SatisfactionKind
from drillops.reports.services.common import TITLE_MAX
from drillops.timelines.models import Drill

TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")
CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})$")


class DurationTextField(forms.CharField):
    """A duration as seconds ("5400") or a clock ("1:30:00", "90:00")."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        if len(text) > 20:
            raise forms.ValidationError(_("Write seconds, or hh:mm:ss."))
        if text.isdigit():
            return int(text)
        match = CLOCK.match(text)
        if match is None:
            raise forms.ValidationError(_("Write seconds, or hh:mm:ss."))
        hours, minutes, seconds = (int(part or 0) for part in match.groups())
        if (minutes >= 60 and hours) or seconds >= 60:
            raise forms.ValidationError(_("Write seconds, or hh:mm:ss."))
        return hours * 3600 + minutes * 60 + seconds

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            hours, rest = divmod(value, 3600)
            return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
        return value


class CaseForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Organisation"))
    kind = forms.ChoiceField(choices=CaseKind.choices, label=_("Kind"))
    drill = forms.ModelChoiceField(queryset=Drill.objects.none(), required=False, label=_("Drill"))
    title = forms.CharField(max_length=TITLE_MAX, label=_("Title"))
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), label=_("Summary"))
    occurred_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label=_("Date"))
    resolution_seconds = DurationTextField(
        required=False, label=_("Resolution time"), help_text=_("hh:mm:ss, or seconds")
    )
    resolution_change = forms.FloatField(
        required=False,
        label=_("Change in resolution time (%)"),
        help_text=_("In per cent: -30 is thirty per cent faster."),
    )
    satisfaction = forms.FloatField(required=False, label=_("Customer satisfaction"))
    satisfaction_kind = forms.ChoiceField(
        choices=[("", "—"), *SatisfactionKind.choices], required=False, label=_("Satisfaction measured as")
    )
    satisfaction_change = forms.FloatField(
        required=False,
        label=_("Change in customer satisfaction (%)"),
        help_text=_("In per cent: 15 is fifteen per cent more."),
    )
    tags = forms.CharField(
        required=False, max_length=1200, label=_("Tags"), help_text=_("Separated by commas, e.g. 投诉, 舆情")
    )

    def __init__(self, data: Any = None, *, organisations: Any, drills: Any, initial: dict[str, Any] | None = None):
        super().__init__(data, initial=initial)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["drill"].queryset = drills  # type: ignore[attr-defined]
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()
            self.fields["organisation"].widget = forms.HiddenInput()

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in TAG_SEPARATORS.split(self.cleaned_data.get("tags") or "") if tag.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        drill, organisation = data.get("drill"), data.get("organisation")
        if drill is not None and organisation is not None and drill.organisation_id != organisation.pk:
            self.add_error("drill", _("This drill is of another organisation."))
        return data

    def case_fields(self) -> dict[str, Any]:
        """The service's keyword arguments (without organisation and steps)."""
        data = self.cleaned_data

        def share(value: float | None) -> float | None:
            return None if value is None else round(value / 100, 6)

        return {
            "kind": data["kind"], "drill": data.get("drill"), "title": data["title"], "summary": data["summary"],
            "occurred_on": data.get("occurred_on"), "resolution_seconds": data.get("resolution_seconds"),
            "resolution_change": share(data.get("resolution_change")), "satisfaction": data.get("satisfaction"),
            "satisfaction_kind": data.get("satisfaction_kind") or "",
            "satisfaction_change": share(data.get("satisfaction_change")), "tags": data["tags"],
        }  # fmt: skip


class StepForm(forms.Form):
    at = forms.DateTimeField(
        required=False,
        label=_("Time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    department = forms.ModelChoiceField(queryset=Department.objects.none(), required=False, label=_("Department"))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("What happened"))

    def __init__(self, *args: Any, departments: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("description", "").strip() and data.get("at") is None:
            self.add_error("at", _("A step has a time."))
        if data.get("at") is not None and not data.get("description", "").strip():
            self.add_error("description", _("Say what happened."))
        return data


StepFormSet = forms.formset_factory(StepForm, extra=3, can_delete=True, max_num=200, absolute_max=200)


def steps_of(formset: Any, tz: Any) -> list[dict[str, Any]]:
    """The filled, kept rows as the service takes them: times in the organisation's time zone."""
    steps = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", {})
        if not data or data.get("DELETE") or not (data.get("description") or "").strip():
            continue
        at: datetime = data["at"]
        if timezone.is_naive(at):
            at = timezone.make_aware(at, tz)
        steps.append({"at": at, "department": data.get("department"), "description": data["description"]})
    return steps
