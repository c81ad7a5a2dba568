"""Forms of the drill console. They only validate; the views hand clean data to the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from drillops.departments.models import Department
from drillops.scenarios.models import Channel, ScenarioEvent

TEXT_MAX = 4000


class StopForm(forms.Form):
    reason = forms.CharField(label=_("Reason for stopping"), max_length=2000)


class CommentForm(forms.Form):
    """Text for an action, a decision or a resolution."""

    text = forms.CharField(label=_("What was done"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    is_decision = forms.BooleanField(label=_("This is a decision"), required=False)


class ResolveForm(forms.Form):
    text = forms.CharField(
        label=_("Resolution"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ForwardForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Forward to"), queryset=Department.objects.none())
    text = forms.CharField(label=_("Message"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, organisation_id: int, exclude_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(organisation_id=organisation_id)
        if exclude_id is not None:
            departments = departments.exclude(pk=exclude_id)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class MessageForm(forms.Form):
    text = forms.CharField(label=_("Message"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}))


class TriggerForm(forms.Form):
    # The console shows this select without a <label>: its accessible name comes with the widget.
    event = forms.ModelChoiceField(
        label=_("Scenario event"),
        queryset=ScenarioEvent.objects.none(),
        widget=forms.Select(attrs={"aria-label": _("Scenario event")}),
    )

    def __init__(self, *args: Any, version_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = ScenarioEvent.objects.filter(  # type: ignore[attr-defined]
            version_id=version_id
        ).order_by("offset_seconds", "sequence")


class AdhocInjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Body"), required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    departments = forms.ModelMultipleChoiceField(label=_("Departments"), queryset=Department.objects.none())
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.CALL)
    sender = forms.CharField(label=_("Sender"), max_length=200, required=False)
    response_deadline_seconds = forms.IntegerField(
        label=_("Response deadline (seconds)"), required=False, min_value=0, max_value=7 * 24 * 3600
    )

    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            organisation_id=organisation_id
        )
