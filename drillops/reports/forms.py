"""The observer's form on the drill console."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from drillops.reports.models import ObservationFlag, Rating
from drillops.scenarios.models import CriticalTask, Objective
from drillops.timelines.models import Drill, TimelineEntry


class ObservationForm(forms.Form):
    objective = forms.ModelChoiceField(label=_("Objective"), queryset=Objective.objects.none(), required=False)
    critical_task = forms.ModelChoiceField(
        label=_("Critical task"), queryset=CriticalTask.objects.none(), required=False
    )
    rating = forms.ChoiceField(label=_("Rating"), choices=[("", "—"), *Rating.choices], required=False)
    flag = forms.ChoiceField(label=_("Flag"), choices=ObservationFlag.choices, required=False)
    timeline_entry = forms.ModelChoiceField(
        label=_("Timeline entry"), queryset=TimelineEntry.objects.none(), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, drill: Drill, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        objectives = Objective.objects.filter(version_id=drill.scenario_version_id)
        self.fields["objective"].queryset = objectives  # type: ignore[attr-defined]
        self.fields["critical_task"].queryset = CriticalTask.objects.filter(  # type: ignore[attr-defined]
            objective__version_id=drill.scenario_version_id
        ).select_related("objective")
        self.fields["timeline_entry"].queryset = TimelineEntry.objects.filter(drill=drill)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("rating") and not (data.get("note") or "").strip():
            raise forms.ValidationError(_("Give a rating or a note."))
        return data
