"""Forms of setting up a drill: the new drill, the roster, observer invitations and the sign-up of
an invited observer. They only validate; the views hand clean data to the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from drillops.departments.models import Department
from drillops.scenarios.models import Scenario, ScenarioVersion, VersionStatus
from drillops.timelines.models import Drill, SeatRole

START_MANUAL, START_NOW, START_AT = "manual", "now", "at"
TIME_SCALE_MIN, TIME_SCALE_MAX = 0.01, 3600


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        approved = obj.approved_at.strftime("%Y-%m-%d") if obj.approved_at else ""
        return str(_("v%(number)d, approved %(date)s") % {"number": obj.number, "date": approved})


class NewDrillForm(forms.Form):
    name = forms.CharField(label=_("Drill name"), max_length=200)
    version = VersionChoiceField(label=_("Approved version"), queryset=ScenarioVersion.objects.none(), empty_label=None)
    start = forms.ChoiceField(
        label=_("Start"),
        choices=[
            (START_MANUAL, _("By hand, from the console")),
            (START_NOW, _("Now, as soon as it is created")),
            (START_AT, _("At a set time")),
        ],
        initial=START_MANUAL,
        widget=forms.RadioSelect,
    )
    scheduled_start = forms.DateTimeField(
        label=_("Start at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    time_scale = forms.FloatField(
        label=_("Time scale"),
        initial=1,
        min_value=TIME_SCALE_MIN,
        max_value=TIME_SCALE_MAX,
        widget=forms.NumberInput(attrs={"step": "any", "list": "time-scales"}),
    )

    def __init__(self, *args: Any, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["version"]
        field.queryset = scenario.versions.filter(status=VersionStatus.APPROVED).order_by("-number")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") == START_AT:
            if not data.get("scheduled_start"):
                self.add_error("scheduled_start", _("Give the date and time of the start."))
        else:
            data["scheduled_start"] = None
        return data


def _person_label(user: Any) -> str:
    full = user.get_full_name()
    return f"{user.get_username()} ({full})" if full else user.get_username()


class RosterAddForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=Department.objects.none())
    role = forms.ChoiceField(label=_("Seat"), choices=SeatRole.choices, initial=SeatRole.PLAYER)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("Players and deputies sit for a department."),
    )
    seat = forms.CharField(label=_("Seat name"), max_length=200, required=False)

    def __init__(self, *args: Any, drill: Drill, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_field: Any = self.fields["user"]
        members = get_user_model().objects.filter(memberships__organisation_id=drill.organisation_id, is_active=True)
        user_field.queryset = members.distinct().order_by("username")
        user_field.label_from_instance = _person_label
        department_field: Any = self.fields["department"]
        department_field.queryset = Department.objects.filter(organisation_id=drill.organisation_id).order_by("code")
        department_field.label_from_instance = lambda d: d.display_name


class InvitationForm(forms.Form):
    label = forms.CharField(label=_("For whom"), max_length=200, required=False)
    valid_days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=90, initial=7)
    max_uses = forms.IntegerField(
        label=_("Number of people"), min_value=1, max_value=1000, required=False, help_text=_("Empty: no limit.")
    )
    email_domain = forms.CharField(
        label=_("Only addresses of"),
        max_length=253,
        required=False,
        help_text=_("An e-mail domain such as example.org; empty: any address."),
    )


class SignupForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email"}),
        help_text=_("We send a link here; your account opens when you follow it."),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=lazy(lambda: " ".join(password_validation.password_validators_help_texts()), str)(),
    )
    password_again = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password_again") not in (None, data["password"]):
            self.add_error("password_again", _("The two passwords differ."))
        return data
