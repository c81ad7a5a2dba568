"""Writes for scenarios, their versions, events (MSEL rows) and objectives, one module per kind;
every one is keyword-only, runs in one transaction and is audited. Import them from here."""

from drillops.scenarios.services.attachments import attachment_create, attachment_delete, attachment_update
from drillops.scenarios.services.common import current_version, editable_version
from drillops.scenarios.services.events import (
    EVENT_FIELDS,
    event_create,
    event_delete,
    event_duplicate,
    event_move,
    event_reorder,
    event_update,
)
from drillops.scenarios.services.objectives import objective_create, objective_delete, objective_update
from drillops.scenarios.services.scenario import scenario_clone, scenario_create, scenario_delete, scenario_update
from drillops.scenarios.services.versions import (
    copy_version_into,
    version_approve,
    version_archive,
    version_new_draft,
    version_submit,
    version_update,
)

__all__ = [
    "EVENT_FIELDS",
    "attachment_create",
    "attachment_delete",
    "attachment_update",
    "copy_version_into",
    "current_version",
    "editable_version",
    "event_create",
    "event_delete",
    "event_duplicate",
    "event_move",
    "event_reorder",
    "event_update",
    "objective_create",
    "objective_delete",
    "objective_update",
    "scenario_clone",
    "scenario_create",
    "scenario_delete",
    "scenario_update",
    "version_approve",
    "version_archive",
    "version_new_draft",
    "version_submit",
    "version_update",
]
