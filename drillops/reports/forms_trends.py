"""What a trend is asked for, read the same way by the page (/trends/) and the API
(/api/v1/trends/): the metric, a date range (days in the organisation's time zone), the time scale
whose drills share the line, and for a hand-off the ordered pair of departments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from drillops.departments.models import Department, Organisation, Role
from drillops.departments.selectors import organisations_visible_to
from drillops.reports.selectors import TREND_METRICS, TrendQuery

MAX_TIME_SCALE = 3600


class TrendForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False, label=_("Organisation"))
    metric = forms.ChoiceField(choices=[], required=False, label=_("Metric"))
    to = forms.DateField(
        required=False, label=pgettext_lazy("date range", "To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    time_scale = forms.FloatField(
        required=False, min_value=0.001, max_value=MAX_TIME_SCALE, label=_("Time scale"),
        widget=forms.NumberInput(attrs={"step": "any"}),
    )  # fmt: skip
    from_department = forms.IntegerField(required=False, min_value=1, label=_("Hand-off from"))
    to_department = forms.IntegerField(required=False, min_value=1, label=_("Hand-off to"))

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        organisations = organisations_visible_to(user, Role.COORDINATOR).order_by("name")
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["metric"].choices = [(m.key, m.label) for m in TREND_METRICS.values()]  # type: ignore[attr-defined]
        # "from" is a Python keyword, so the field is added by name.
        self.fields["from"] = forms.DateField(
            required=False, label=pgettext_lazy("date range", "From"), widget=forms.DateInput(attrs={"type": "date"})
        )
        self.order_fields(["organisation", "metric", "from", "to", "time_scale", "from_department", "to_department"])
        self.default_organisation = organisations.first()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["organisation"] = data.get("organisation") or self.default_organisation
        data["metric"] = data.get("metric") or "acknowledge_p50"
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", _("The end comes on or after the start."))
        self._clean_pair(data)
        return data

    def _clean_pair(self, data: dict[str, Any]) -> None:
        source, destination = data.get("from_department"), data.get("to_department")
        if (source is None) != (destination is None):
            self.add_error("to_department", _("Name both departments of the hand-off, or neither."))
            return
        if source is None:
            return
        if source == destination:
            self.add_error("to_department", _("A hand-off goes from one department to another."))
        organisation = data.get("organisation")
        known = Department.objects.filter(organisation=organisation, pk__in=[source, destination]).count()
        if known != len({source, destination}):
            self.add_error("from_department", _("Choose departments of the organisation."))

    def query(self) -> TrendQuery:
        data = self.cleaned_data
        return TrendQuery(
            organisation=data["organisation"], metric=data["metric"], date_from=data.get("from"),
            date_to=data.get("to"), time_scale=data.get("time_scale"), source=data.get("from_department"),
            destination=data.get("to_department"),
        )  # fmt: skip
