"""What every scenario service shares: the audit call, and the version that an edit applies to.

Events and objectives are edited on the scenario's current version; an approved or archived
version is immutable (ImmutableObject -> 409), so editing it means a new draft version first.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from drillops.core.audit import record
from drillops.core.errors import DomainError, ImmutableObject
from drillops.scenarios.models import Scenario, ScenarioVersion


def audit(action: str, obj: Any, by: Any, scenario: Scenario, **data: Any) -> None:
    record(action=action, obj=obj, actor=by, organisation_id=scenario.organisation_id, data=data)


def current_version(scenario: Scenario) -> ScenarioVersion:
    version = ScenarioVersion.objects.select_for_update().filter(scenario=scenario).order_by("-number").first()
    if version is None:  # every scenario is created with version 1; this is a broken import
        raise DomainError(str(_("This scenario has no version.")))
    return version


def editable_version(scenario: Scenario) -> ScenarioVersion:
    version = current_version(scenario)
    if not version.is_editable:
        raise ImmutableObject(
            str(_("Version %(n)d is %(status)s and cannot change; make a new draft version first."))
            % {"n": version.number, "status": version.get_status_display()}
        )
    return version


def of_current_version(obj: Any, version: ScenarioVersion, message: Any) -> None:
    """Rows of an earlier version stay as they were: changing one is refused with `message`."""
    if obj.version_id != version.pk:
        raise ImmutableObject(str(message))
