"""Every write of after-action material goes through here: keyword-only, one transaction each,
audited.

observations: observers' ratings and notes, the coordinator's agreed rating; questionnaires:
templates, sending, answering; plan: findings, improvement items, progress and reminders;
publishing: frozen report versions; cases: the case library, and scenarios started from a case;
proposals: findings proposed from the metrics; verification: improvement items re-tested by a
later drill."""

from drillops.reports.services.cases import case_create, case_delete, case_to_scenario, case_update
from drillops.reports.services.exports import export_job_for, export_job_run, job_file, job_state
from drillops.reports.services.observations import agreed_rating_set, observation_create
from drillops.reports.services.plan import (
    finding_create,
    finding_delete,
    finding_update,
    item_create,
    item_delete,
    item_progress,
    item_update,
    items_remind_due,
)
from drillops.reports.services.proposals import proposal_accept, proposal_drop, proposals_refresh
from drillops.reports.services.publishing import report_publish
from drillops.reports.services.questionnaires import (
    NotInvited,
    questionnaire_answer,
    questionnaires_send,
    template_create,
    template_delete,
    template_update,
    templates_ensure_defaults,
)
from drillops.reports.services.verification import items_verify

__all__ = [
    "NotInvited",
    "agreed_rating_set",
    "case_create",
    "case_delete",
    "case_to_scenario",
    "case_update",
    "export_job_for",
    "export_job_run",
    "finding_create",
    "finding_delete",
    "finding_update",
    "item_create",
    "item_delete",
    "item_progress",
    "item_update",
    "items_remind_due",
    "items_verify",
    "job_file",
    "job_state",
    "observation_create",
    "proposal_accept",
    "proposal_drop",
    "proposals_refresh",
    "questionnaire_answer",
    "questionnaires_send",
    "report_publish",
    "template_create",
    "template_delete",
    "template_update",
    "templates_ensure_defaults",
]
