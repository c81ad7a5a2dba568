"""The People page's form: a new staff member or observer of one organisation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from drillops.departments.models import Organisation, Role

# Coordinators open staff and observer accounts; coordinators are made by administrators.
ROLE_CHOICES = [(Role.STAFF.value, Role.STAFF.label), (Role.OBSERVER.value, Role.OBSERVER.label)]


class PersonForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150, validators=[UnicodeUsernameValidator()])
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        # A text box (the page's style has none for type=email) that still brings the e-mail keyboard.
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email"}),
        help_text=_("The set-password link is sent here; it is also shown to you once."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Department staff need at least one."),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["departments"]
        field.queryset = organisation.departments.order_by("code")
        field.label_from_instance = lambda d: d.display_name
