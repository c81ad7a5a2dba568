"""The form of one questionnaire on the answer page: a row of 1-5 choices per scored question and a
text box per free-text question, in the reader's language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from drillops.core.api.fields import FREE_TEXT_MAX
from drillops.reports.models import LIKERT_MAX, LIKERT_MIN, QuestionKind, Survey

SCALE = [(str(n), str(n)) for n in range(LIKERT_MIN, LIKERT_MAX + 1)]


class QuestionnaireForm(forms.Form):
    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        kwargs["prefix"] = f"s{survey.pk}"
        super().__init__(*args, **kwargs)
        self.survey = survey
        for question in survey.template.questions.all():
            name = f"q{question.pk}"
            if question.kind == QuestionKind.LIKERT:
                self.fields[name] = forms.TypedChoiceField(
                    label=question.display_text, choices=SCALE, coerce=int, widget=forms.RadioSelect,
                    error_messages={"required": _("Choose a score from 1 to 5.")},
                )  # fmt: skip
            else:
                self.fields[name] = forms.CharField(
                    label=question.display_text, required=False, max_length=FREE_TEXT_MAX,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )  # fmt: skip

    def answers(self) -> dict[str, Any]:
        """The cleaned answers by question id, as the service takes them."""
        return {name.removeprefix("q"): value for name, value in self.cleaned_data.items()}
