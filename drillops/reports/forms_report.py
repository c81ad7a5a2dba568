"""The report page's query: which version, and the timeline's filters (department, kind, flagged)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from drillops.departments.models import Department
from drillops.timelines.models import Drill, EntryKind


class ReportQueryForm(forms.Form):
    version = forms.IntegerField(label=_("Version"), min_value=1, required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False, empty_label=_("All departments")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds")), *EntryKind.choices], required=False)
    flagged = forms.BooleanField(label=_("Flagged by observers only"), required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args: Any, drill: Drill, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["department"]
        field.queryset = Department.objects.filter(organisation_id=drill.organisation_id).order_by("code")
        field.label_from_instance = lambda d: d.display_name

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        department = data["department"]
        return {"department": department.pk if department else None, "kind": data["kind"], "flagged": data["flagged"]}


class ExportQueryForm(forms.Form):
    version = forms.IntegerField(min_value=1, required=False)
