"""The coordinator's edits when accepting a proposed finding: the finding's words, kind and
objective, and the improvement item it suggests (title, owner, due date, target value)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from drillops.departments.models import Department
from drillops.reports.models import FindingKind, FindingProposal
from drillops.reports.services.common import TITLE_MAX
from drillops.scenarios.models import Objective
from drillops.scenarios.targets import METRICS, SHARE


def target_shape(proposal: FindingProposal) -> dict[str, Any] | None:
    """The metric and departments an item's target value would apply to, if any."""
    return proposal.item_target or (proposal.params or {}).get("template")


def _plain(value: float | None) -> float | int | None:
    """600.0 shown as 600."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class ProposalAcceptForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    analysis = forms.CharField(label=_("Analysis"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(label=_("Kind"), choices=FindingKind.choices)
    objective = forms.ModelChoiceField(label=_("Objective"), queryset=Objective.objects.none(), required=False)
    with_item = forms.BooleanField(label=_("Also add an improvement item"), required=False)
    item_title = forms.CharField(label=_("Item title"), max_length=TITLE_MAX, required=False)
    item_owner_department = forms.ModelChoiceField(
        label=_("Owner department"), queryset=Department.objects.none(), required=False
    )
    item_due_date = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    item_target_value = forms.FloatField(
        label=_("Target value"), required=False, min_value=0, widget=forms.NumberInput(attrs={"step": "any"})
    )

    def __init__(self, data: Any = None, *, proposal: FindingProposal) -> None:
        super().__init__(data, prefix=f"p{proposal.pk}", initial=self._initial(proposal))
        drill = proposal.drill
        self.proposal = proposal
        self.fields["objective"].queryset = Objective.objects.filter(  # type: ignore[attr-defined]
            version_id=drill.scenario_version_id
        ).order_by("sequence", "id")
        self.fields["item_owner_department"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            organisation_id=drill.organisation_id
        ).order_by("code")
        shape = target_shape(proposal)
        spec = METRICS.get(shape["metric"]) if shape else None
        if spec is None:
            del self.fields["item_target_value"]
        else:
            unit = _("share, 0 to 1") if spec.unit == SHARE else _("real seconds")
            self.fields["item_target_value"].help_text = f"{spec.label} {shape['op']} … ({unit})"  # type: ignore[index]

    @staticmethod
    def _initial(proposal: FindingProposal) -> dict[str, Any]:
        return {
            "title": getattr(proposal, "display_title", ""),
            "analysis": getattr(proposal, "display_analysis", ""),
            "kind": proposal.kind,
            "objective": proposal.objective_id,
            "with_item": proposal.kind == FindingKind.IMPROVEMENT,
            "item_title": getattr(proposal, "display_item_title", ""),
            "item_owner_department": proposal.item_owner_department_id,
            "item_target_value": _plain((proposal.item_target or {}).get("value")),
        }

    def clean_item_target_value(self) -> float | None:
        value = self.cleaned_data.get("item_target_value")
        shape = target_shape(self.proposal)
        spec = METRICS.get(shape["metric"]) if shape else None
        if value is not None and spec is not None and spec.unit == SHARE and value > 1:
            raise forms.ValidationError(_("A share is between 0 and 1."))
        return value

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        item: dict[str, Any] = {
            "owner_department": data["item_owner_department"],
            "due_date": data["item_due_date"],
        }
        if data["item_title"]:
            item["title"] = data["item_title"]
        if data.get("item_target_value") is not None:
            item["target_value"] = data["item_target_value"]
        return {
            "title": data["title"],
            "analysis": data["analysis"],
            "kind": data["kind"],
            "objective": data["objective"],
            "with_item": data["with_item"],
            "item": item,
        }
