"""Writes of scenarios as a whole: create, describe, delete, clone."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _

from drillops.core.audit import record
from drillops.core.errors import DomainError
from drillops.departments.models import Organisation
from drillops.scenarios.models import TITLE_MAX_LENGTH, Scenario, ScenarioEvent, ScenarioVersion, VersionStatus
from drillops.scenarios.services.common import audit, current_version
from drillops.scenarios.services.versions import copy_version_into


@transaction.atomic
def scenario_create(*, organisation: Organisation, by: Any, title: str, description: str = "") -> Scenario:
    scenario = Scenario.objects.create(organisation=organisation, title=title, description=description, created_by=by)
    version = ScenarioVersion.objects.create(scenario=scenario, number=1, status=VersionStatus.DRAFT, created_by=by)
    audit("scenario.create", scenario, by, scenario, title=title, version=version.pk)
    return scenario


@transaction.atomic
def scenario_update(
    *, scenario: Scenario, by: Any, title: str | None = None, description: str | None = None
) -> Scenario:
    """Title and description describe the scenario, not a version, so they may change any time."""
    if title is not None:
        scenario.title = title
    if description is not None:
        scenario.description = description
    scenario.save(update_fields=["title", "description", "updated_at"])
    audit("scenario.update", scenario, by, scenario, title=scenario.title)
    return scenario


@transaction.atomic
def scenario_delete(*, scenario: Scenario, by: Any) -> None:
    pk, title = scenario.pk, scenario.title
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # The database refuses to touch approved versions (scenarios migration 0004) unless
            # the whole scenario goes, which this names for the rest of the transaction.
            cursor.execute("SELECT set_config('drillops.deleting_scenario', %s, true)", [str(pk)])
            # Conditions point between events of the scenario; the cascade would null the event
            # first and trip the check that a condition names its event.
            ScenarioEvent.objects.filter(version__scenario=scenario).exclude(condition_kind="").update(
                condition_kind="", condition_event=None
            )
            scenario.delete()
            cursor.execute("SELECT set_config('drillops.deleting_scenario', '', true)")
    except (ProtectedError, IntegrityError) as exc:
        raise DomainError(str(_("This scenario has drills; archive it instead."))) from exc
    record(
        action="scenario.delete", actor=by, organisation_id=scenario.organisation_id, data={"id": pk, "title": title}
    )


@transaction.atomic
def scenario_clone(
    *, scenario: Scenario, by: Any, version: ScenarioVersion | None = None, title: str | None = None
) -> Scenario:
    """A new scenario of the same organisation whose draft version 1 is a copy of `version` (by
    default the current one): its objectives, critical tasks, events, ladders and conditions."""
    source = version if version is not None else current_version(scenario)
    if source.scenario_id != scenario.pk:
        raise DomainError(str(_("That version belongs to another scenario.")))
    name = title or str(_("%(title)s (copy)") % {"title": scenario.title})
    clone = Scenario.objects.create(
        organisation_id=scenario.organisation_id,
        title=name[:TITLE_MAX_LENGTH],
        description=scenario.description,
        created_by=by,
    )
    draft = ScenarioVersion.objects.create(scenario=clone, number=1, status=VersionStatus.DRAFT, created_by=by)
    copy_version_into(source, draft)
    audit("scenario.clone", clone, by, clone, source_scenario=scenario.pk, source_version=source.pk)
    return clone
