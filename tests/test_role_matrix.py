"""Every route, every method, every role: an explicit expectation for each, so no route escapes.

The test walks the URL resolver. A route (or a method of it) without a row in EXPECTATIONS fails
with "new route ... has no expectations". Admin routes are covered by one rule (only users with
is_staff get in). To add a route, add rows: (route name, METHOD) -> Case(expect(...), target, body).
Each request runs in a transaction that is rolled back, so one world serves every row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from drillops.departments import services as department_services
from drillops.departments.models import Department
from drillops.reports import services as report_services
from drillops.reports.models import Case as CaseRecord
from drillops.reports.models import (
    Finding,
    FindingProposal,
    ImprovementItem,
    Observation,
    QuestionnaireTemplate,
    ReportExport,
    ReportVersion,
    Survey,
)
from drillops.scenarios import services as scenario_services
from drillops.scenarios.models import Objective, Scenario, ScenarioEvent, ScenarioVersion
from drillops.timelines import services as drill_services
from drillops.timelines.models import Drill, EntryKind, Inject, RosterEntry, TimelineEntry

from .api.world import ROLES, World, build_world
from .api.world_reports import answers_for
from .api.world_secrets import add_secrets, may_see
from .factories import OrganisationFactory

A, C, ST, SO, OI, OU, OC, SU = ROLES
MEMBERS = (C, ST, SO, OI, OU)
NON_COORDINATORS = (ST, SO, OI, OU)
DRILL_SEERS = (C, ST, SO, OI)
SKIPPED_METHODS = {"OPTIONS", "HEAD", "TRACE"}


def expect(
    ok: int,
    who: Iterable[str] = (),
    *,
    forbidden: Iterable[str] = (),
    hidden: Iterable[str] = (),
    anonymous: int | set[int] = 401,
    others: dict[str, int | set[int]] | None = None,
) -> dict[str, int | set[int]]:
    """Statuses per role: `who` (and the superuser) get `ok`, `forbidden` 403, `hidden` 404."""
    table: dict[str, int | set[int]] = {A: anonymous, SU: ok}
    table.update({role: ok for role in who})
    table.update({role: 403 for role in forbidden})
    table.update({role: 404 for role in hidden})
    table.update(others or {})
    missing = set(ROLES) - set(table)
    assert not missing, f"expectation misses roles {missing}"
    return table


def everyone(status: int | set[int]) -> dict[str, int | set[int]]:
    return dict.fromkeys(ROLES, status)


@dataclass
class Case:
    expect: dict[str, int | set[int]]
    target: Callable[[Any], dict[str, Any]] = field(default=lambda w: {})
    body: Callable[[Any], Any] | None = None


def coordinators_only(ok: int, target: Callable[[Any], dict[str, Any]], body: Any = None) -> Case:
    """Coordinator writes on an object of the organisation: roles below coordinator 403, the other
    organisation's coordinator cannot see it (404)."""
    return Case(expect(ok, [C], forbidden=NON_COORDINATORS, hidden=[OC]), target, body)


def drill_write(ok: int, target: Callable[[Any], dict[str, Any]], body: Any = None) -> Case:
    return coordinators_only(ok, target, body)


def drill_read(target: Callable[[Any], dict[str, Any]]) -> Case:
    return Case(expect(200, DRILL_SEERS, hidden=[OU, OC]), target)


def inject_act(ok: int, body: Any = None) -> Case:
    """Players act on injects of their department: another department's is not visible (404);
    observers never act (403)."""
    return Case(expect(ok, [C, ST], hidden=[SO, OC], forbidden=[OI, OU]), lambda w: {"pk": w.inject.pk}, body)


def _scenario(w: Any) -> dict[str, Any]:
    return {"pk": w.draft.pk}


def _draft_event(w: Any) -> dict[str, Any]:
    return {"scenario_pk": w.draft.pk, "pk": w.draft_event.pk}


def _draft_objective(w: Any) -> dict[str, Any]:
    return {"scenario_pk": w.draft.pk, "pk": w.draft_objective.pk}


def _event_body(w: Any) -> dict[str, Any]:
    return {"title": "New", "body": "Body", "offset_seconds": 5, "departments": [w.cs.pk]}


def _drill(w: Any) -> dict[str, Any]:
    return {"pk": w.drill.pk}


def _secret(w: Any) -> dict[str, Any]:
    """The running drill with pending, waiting and cancelled injects (tests/api/world_secrets.py)."""
    return {"pk": w.secret.pk}


def _roster_entry(name: str) -> Callable[[Any], dict[str, Any]]:
    """The invited observer's roster entry of the running drill, under the route's name for it."""
    return lambda w: {"pk": w.drill.pk, name: w.drill.roster.get(user=w.users[OI]).pk}


def setup_page(ok: int, target: Callable[[Any], dict[str, Any]]) -> Case:
    return Case(expect(ok, [C], hidden=[*NON_COORDINATORS, OC], anonymous=302), target)


def _ended(w: Any) -> dict[str, Any]:
    return {"drill_pk": w.ended.pk}


def _finding(w: Any) -> dict[str, Any]:
    return {"drill_pk": w.ended.pk, "pk": w.finding.pk}


def _item(w: Any) -> dict[str, Any]:
    return {"pk": w.item.pk}


def _proposal(w: Any) -> dict[str, Any]:
    return {"drill_pk": w.ended.pk, "pk": w.proposal.pk}


def _proposal_page(w: Any) -> dict[str, Any]:
    return {"pk": w.ended.pk, "proposal_pk": w.proposal.pk}


def _export_job(w: Any) -> dict[str, Any]:
    return {"pk": w.ended.pk, "job_pk": w.export_job.pk}


def coordinator_page(ok: int, target: Callable[[Any], dict[str, Any]] = lambda w: {}) -> Case:
    """A page of the after-action loop about one object: its organisation's coordinators; everyone
    else 404; anonymous visitors go to login."""
    return Case(expect(ok, [C], hidden=[*NON_COORDINATORS, OC], anonymous=302), target)


def coordinators_page(ok: int) -> Case:
    """A page of the organisation a coordinator runs (trends, the case library)."""
    return Case(expect(ok, [C, OC], hidden=NON_COORDINATORS, anonymous=302))


TEMPLATE_BODY = {"kind": "participant", "title": "T", "questions": [{"kind": "likert", "text": "Clear?"}]}
ITEM_STAFF = expect(200, [C, ST], forbidden=[OI, OU], hidden=[SO, OC])
ITEM_WRITE = expect(200, [C], forbidden=[ST, SO, OI, OU], hidden=[OC])
ORG_COORDINATORS = expect(200, [C, OC], forbidden=NON_COORDINATORS)


def editor_page(ok: int, target: Callable[[Any], dict[str, Any]]) -> Case:
    """A page of the scenario editor: the organisation's coordinators; anonymous visitors go to login."""
    return Case(expect(ok, [C], hidden=[*NON_COORDINATORS, OC], anonymous=302), target)


def _editor_event(w: Any) -> dict[str, Any]:
    return {"pk": w.draft.pk, "event_pk": w.draft_event.pk}


def _editor_objective(w: Any) -> dict[str, Any]:
    return {"pk": w.draft.pk, "objective_pk": w.draft_objective.pk}


SCENARIO_CASE = Case(expect(200, [C], forbidden=NON_COORDINATORS, hidden=[OC]), _scenario)
USER_BODY = {"username": "newbie", "role": "observer"}
OBJECTIVE_BODY = {"capability": "C", "title": "T", "critical_tasks": ["One"]}

EXPECTATIONS: dict[tuple[str, str], Case] = {
    # --- core -------------------------------------------------------------------------------------
    ("healthz", "GET"): Case(everyone({200, 503})),
    ("schema", "GET"): Case(everyone(200)),
    ("api-docs", "GET"): Case(everyone(200)),
    ("set_language", "POST"): Case(everyone({302, 204}), body=lambda w: {"language": "zh-hans"}),
    # --- API: auth, departments, users ------------------------------------------------------------
    ("api:auth-token", "POST"): Case(everyone(200), body=lambda w: {"username": "coord", "password": "pw-coord"}),
    # A path under /api/v1/ that names no route: JSON 404 for members, 401 without credentials.
    **{
        ("api:not-found", method): Case(expect(404, [*MEMBERS, OC]), lambda w: {"rest": "drills/0.5"})
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    },
    ("api:department-list", "GET"): Case(expect(200, [*MEMBERS, OC])),
    ("api:department-list", "POST"): Case(
        expect(201, [C, OC], forbidden=NON_COORDINATORS), body=lambda w: {"code": "new", "name": "New"}
    ),
    ("api:department-detail", "GET"): Case(expect(200, MEMBERS, hidden=[OC]), lambda w: {"pk": w.cs.pk}),
    ("api:department-detail", "PUT"): coordinators_only(
        200, lambda w: {"pk": w.cs.pk}, lambda w: {"code": "cs", "name": "Customer Care"}
    ),
    ("api:department-detail", "PATCH"): coordinators_only(200, lambda w: {"pk": w.cs.pk}, lambda w: {"name": "CC"}),
    ("api:department-detail", "DELETE"): coordinators_only(204, lambda w: {"pk": w.spare.pk}),
    ("api:user-list", "GET"): Case(expect(200, [C, OC], forbidden=NON_COORDINATORS)),
    ("api:user-list", "POST"): Case(expect(201, [C, OC], forbidden=NON_COORDINATORS), body=lambda w: USER_BODY),
    ("api:user-detail", "GET"): coordinators_only(200, lambda w: {"pk": w.users[OU].pk}),
    ("api:user-detail", "PUT"): coordinators_only(
        200, lambda w: {"pk": w.users[OU].pk}, lambda w: {"email": "o@example.test", "role": "observer"}
    ),
    ("api:user-detail", "PATCH"): coordinators_only(200, lambda w: {"pk": w.users[OU].pk}, lambda w: {"email": ""}),
    ("api:user-detail", "DELETE"): coordinators_only(204, lambda w: {"pk": w.users[OU].pk}),
    ("api:user-set-password-link", "POST"): coordinators_only(201, lambda w: {"pk": w.users[OU].pk}),
    # --- API: scenarios -----------------------------------------------------------------------------
    ("api:scenario-list", "GET"): Case(expect(200, [C, OC], forbidden=NON_COORDINATORS)),
    ("api:scenario-list", "POST"): Case(
        expect(201, [C, OC], forbidden=NON_COORDINATORS), body=lambda w: {"title": "T", "description": ""}
    ),
    ("api:scenario-detail", "GET"): SCENARIO_CASE,
    ("api:scenario-detail", "PUT"): coordinators_only(200, _scenario, lambda w: {"title": "T2", "description": "D"}),
    ("api:scenario-detail", "PATCH"): coordinators_only(200, _scenario, lambda w: {"title": "T3"}),
    ("api:scenario-detail", "DELETE"): coordinators_only(204, _scenario),
    ("api:scenario-submit", "POST"): coordinators_only(200, _scenario),
    ("api:scenario-approve", "POST"): coordinators_only(200, lambda w: {"pk": w.review.pk}),
    ("api:scenario-archive", "POST"): coordinators_only(200, lambda w: {"pk": w.scenario.pk}),
    # Without a file the import answers 400 with `errors`: the roles that get past the door see that.
    ("api:scenario-import", "POST"): Case(expect(400, [C, OC], forbidden=NON_COORDINATORS)),
    ("api:scenario-export", "GET"): SCENARIO_CASE,
    ("api:scenario-clone", "POST"): coordinators_only(201, _scenario),
    # Without ?from=&to= the diff is bad input, for those who may ask.
    ("api:scenario-diff", "GET"): coordinators_only(400, _scenario),
    ("api:scenario-versions", "GET"): SCENARIO_CASE,
    ("api:scenario-versions", "POST"): coordinators_only(201, lambda w: {"pk": w.scenario.pk}),
    ("api:scenario-event-list", "GET"): Case(SCENARIO_CASE.expect, lambda w: {"scenario_pk": w.draft.pk}),
    ("api:scenario-event-list", "POST"): coordinators_only(201, lambda w: {"scenario_pk": w.draft.pk}, _event_body),
    ("api:scenario-event-detail", "GET"): Case(SCENARIO_CASE.expect, _draft_event),
    ("api:scenario-event-detail", "PUT"): coordinators_only(200, _draft_event, _event_body),
    ("api:scenario-event-detail", "PATCH"): coordinators_only(200, _draft_event, lambda w: {"title": "Changed"}),
    ("api:scenario-event-detail", "DELETE"): coordinators_only(204, _draft_event),
    ("api:scenario-objective-list", "GET"): Case(SCENARIO_CASE.expect, lambda w: {"scenario_pk": w.draft.pk}),
    ("api:scenario-objective-list", "POST"): coordinators_only(
        201, lambda w: {"scenario_pk": w.draft.pk}, lambda w: OBJECTIVE_BODY
    ),
    ("api:scenario-objective-detail", "GET"): Case(SCENARIO_CASE.expect, _draft_objective),
    ("api:scenario-objective-detail", "PUT"): coordinators_only(200, _draft_objective, lambda w: OBJECTIVE_BODY),
    ("api:scenario-objective-detail", "PATCH"): coordinators_only(200, _draft_objective, lambda w: {"title": "X"}),
    ("api:scenario-objective-detail", "DELETE"): coordinators_only(204, _draft_objective),
    # --- API: drills --------------------------------------------------------------------------------
    ("api:drill-list", "GET"): Case(expect(200, [*MEMBERS, OC])),
    ("api:drill-list", "POST"): Case(
        # The other organisation's coordinator names a scenario it cannot see: bad input.
        expect(201, [C], forbidden=NON_COORDINATORS, others={OC: 400}),
        body=lambda w: {"scenario": w.scenario.pk, "name": "New drill"},
    ),
    ("api:drill-detail", "GET"): drill_read(_drill),
    ("api:drill-start", "POST"): drill_write(200, lambda w: {"pk": w.scheduled.pk}),
    ("api:drill-pause", "POST"): drill_write(200, _drill),
    ("api:drill-resume", "POST"): drill_write(200, lambda w: {"pk": w.paused.pk}),
    ("api:drill-finish", "POST"): drill_write(200, _drill),
    ("api:drill-stop", "POST"): drill_write(200, _drill, lambda w: {"reason": "Real emergency"}),
    ("api:drill-injects", "GET"): drill_read(_secret),
    ("api:drill-injects", "POST"): drill_write(
        201, _drill, lambda w: {"title": "Reporter calls", "body": "B", "departments": [w.cs.pk]}
    ),
    ("api:drill-trigger", "POST"): drill_write(200, lambda w: {"pk": w.drill.pk, "event_id": w.event.pk}),
    ("api:drill-timeline", "GET"): drill_read(_secret),
    ("api:drill-messages", "GET"): drill_read(_drill),
    ("api:drill-messages", "POST"): Case(
        expect(201, [C, ST, SO], forbidden=[OI, OU], hidden=[OC]), _drill, lambda w: {"text": "Hello"}
    ),
    ("api:drill-roster", "GET"): drill_read(_drill),
    ("api:drill-roster", "POST"): drill_write(201, _drill, lambda w: {"user": w.users[ST].pk, "department": w.cs.pk}),
    ("api:drill-roster-entry", "PATCH"): drill_write(200, _roster_entry("entry_id"), lambda w: {"attended": True}),
    ("api:drill-roster-entry", "DELETE"): drill_write(204, _roster_entry("entry_id")),
    ("api:drill-observation-list", "GET"): Case(
        expect(200, [C, OI], forbidden=[ST, SO], hidden=[OU, OC]), lambda w: {"drill_pk": w.drill.pk}
    ),
    ("api:drill-observation-list", "POST"): Case(
        expect(201, [OI], forbidden=[C, ST, SO, OC], hidden=[OU]),
        lambda w: {"drill_pk": w.drill.pk},
        lambda w: {"rating": "P", "objective": w.objective.pk},
    ),
    # --- API: after-action ------------------------------------------------------------------------
    ("api:drill-score-list", "GET"): Case(
        expect(200, [C, OI], forbidden=[ST, SO], hidden=[OU, OC]), lambda w: {"drill_pk": w.drill.pk}
    ),
    ("api:drill-score-agree", "POST"): coordinators_only(
        200, lambda w: {"drill_pk": w.drill.pk}, lambda w: {"objective": w.objective.pk, "rating": "S"}
    ),
    ("api:drill-finding-list", "GET"): coordinators_only(200, _ended),
    ("api:drill-finding-list", "POST"): coordinators_only(201, _ended, lambda w: {"kind": "strength", "title": "Fast"}),
    ("api:drill-finding-detail", "GET"): coordinators_only(200, _finding),
    ("api:drill-finding-detail", "PUT"): coordinators_only(
        200, _finding, lambda w: {"kind": "improvement", "title": "Slow", "timeline_entries": []}
    ),
    ("api:drill-finding-detail", "PATCH"): coordinators_only(200, _finding, lambda w: {"analysis": "Why"}),
    ("api:drill-finding-detail", "DELETE"): coordinators_only(204, _finding),
    ("api:drill-questionnaire-list", "GET"): drill_read(_ended),
    ("api:drill-questionnaire-results", "GET"): coordinators_only(200, _ended),
    ("api:drill-questionnaire-send", "POST"): coordinators_only(
        201, lambda w: {"drill_pk": w.scheduled.pk}, lambda w: {"phase": "pre"}
    ),
    # Sent to the players and controllers of the ended drill: others cannot see it (404); the
    # superuser sees every survey but was not asked (403).
    ("api:drill-questionnaire-answer", "POST"): Case(
        expect(201, [C, ST], hidden=[SO, OI, OU, OC], others={SU: 403}),
        lambda w: {"drill_pk": w.ended.pk, "pk": w.survey.pk},
        lambda w: {"answers": answers_for(w.survey)},
    ),
    ("api:drill-report-publish", "POST"): coordinators_only(201, _ended),
    ("api:drill-report-version-list", "GET"): drill_read(_ended),
    ("api:drill-report-version-detail", "GET"): drill_read(lambda w: {"drill_pk": w.ended.pk, "number": 1}),
    ("api:improvement-item-list", "GET"): Case(expect(200, [C, ST, SO, OC], forbidden=[OI, OU])),
    ("api:improvement-item-list", "POST"): Case(
        # Another organisation's coordinator names a drill it cannot see: bad input.
        expect(201, [C], forbidden=NON_COORDINATORS, others={OC: 400}),
        body=lambda w: {"title": "Crisis team", "owner_department": w.cs.pk, "drill": w.ended.pk},
    ),
    ("api:improvement-item-detail", "GET"): Case(ITEM_STAFF, _item),
    ("api:improvement-item-detail", "PUT"): Case(ITEM_WRITE, _item, lambda w: {"title": "Crisis team"}),
    ("api:improvement-item-detail", "PATCH"): Case(ITEM_WRITE, _item, lambda w: {"status": "verified"}),
    ("api:improvement-item-detail", "DELETE"): Case(expect(204, [C], forbidden=[ST, SO, OI, OU], hidden=[OC]), _item),
    ("api:improvement-item-progress", "POST"): Case(
        ITEM_STAFF, _item, lambda w: {"status": "in_progress", "progress_note": "Draft ready"}
    ),
    ("api:questionnaire-template-list", "GET"): Case(ORG_COORDINATORS),
    ("api:questionnaire-template-list", "POST"): Case(
        expect(201, [C, OC], forbidden=NON_COORDINATORS), body=lambda w: TEMPLATE_BODY
    ),
    ("api:questionnaire-template-detail", "GET"): coordinators_only(200, lambda w: {"pk": w.template.pk}),
    ("api:questionnaire-template-detail", "PUT"): coordinators_only(
        200, lambda w: {"pk": w.template.pk}, lambda w: TEMPLATE_BODY
    ),
    ("api:questionnaire-template-detail", "PATCH"): coordinators_only(
        200, lambda w: {"pk": w.template.pk}, lambda w: {"title": "Renamed"}
    ),
    ("api:questionnaire-template-detail", "DELETE"): coordinators_only(204, lambda w: {"pk": w.template.pk}),
    ("api:case-list", "GET"): Case(ORG_COORDINATORS),
    ("api:case-list", "POST"): Case(
        expect(201, [C, OC], forbidden=NON_COORDINATORS), body=lambda w: {"kind": "incident", "title": "舆情事件"}
    ),
    ("api:case-detail", "GET"): coordinators_only(200, lambda w: {"pk": w.case.pk}),
    ("api:case-detail", "PUT"): coordinators_only(
        200, lambda w: {"pk": w.case.pk}, lambda w: {"kind": "incident", "title": "Mass complaint"}
    ),
    ("api:case-detail", "PATCH"): coordinators_only(200, lambda w: {"pk": w.case.pk}, lambda w: {"tags": ["投诉"]}),
    ("api:case-detail", "DELETE"): coordinators_only(204, lambda w: {"pk": w.case.pk}),
    ("api:case-scenario", "POST"): coordinators_only(201, lambda w: {"pk": w.case.pk}),
    ("api:drill-proposal-list", "GET"): coordinators_only(200, _ended),
    ("api:drill-proposal-refresh", "POST"): coordinators_only(200, _ended),
    ("api:drill-proposal-accept", "POST"): coordinators_only(200, _proposal),
    ("api:drill-proposal-drop", "POST"): coordinators_only(200, _proposal),
    ("api:trend-list", "GET"): Case(ORG_COORDINATORS),
    # The report: coordinators; others who see the drill get 403 until publishing lets the roster read it.
    ("api:drill-report-list", "GET"): Case(
        expect(200, [C], forbidden=[ST, SO, OI], hidden=[OU, OC]), lambda w: {"drill_pk": w.drill.pk}
    ),
    # Exports: the published report for the roster, the live draft for coordinators (a short timeline: 200).
    ("api:drill-report-export", "GET"): Case(
        expect(200, DRILL_SEERS, hidden=[OU, OC]), _ended, lambda w: {"format": "csv"}
    ),
    # --- API: injects -------------------------------------------------------------------------------
    ("api:inject-detail", "GET"): Case(expect(200, [C, ST, OI], hidden=[SO, OU, OC]), lambda w: {"pk": w.inject.pk}),
    ("api:inject-acknowledge", "POST"): inject_act(200),
    ("api:inject-actions", "POST"): inject_act(201, lambda w: {"text": "Called back"}),
    ("api:inject-forward", "POST"): inject_act(201, lambda w: {"department": w.risk.pk}),
    ("api:inject-resolve", "POST"): inject_act(200, lambda w: {"text": "Done"}),
    # --- web pages (rows owned by the web UI work; add yours here) ---------------------------------
    # Pages answer anonymous visitors with a redirect to the login page.
    ("login", "GET"): Case(expect(302, [*MEMBERS, OC], anonymous=200)),
    ("login", "POST"): Case(expect(302, [*MEMBERS, OC], anonymous=200)),
    ("login", "PUT"): Case(expect(302, [*MEMBERS, OC], anonymous=200)),
    ("logout", "POST"): Case(everyone(302)),
    # Accounts: a set-password link that is not valid shows so to anyone; one's own password.
    ("set_password", "GET"): Case(everyone(200), lambda w: {"uidb64": "MQ", "token": "x-y"}),
    ("set_password", "POST"): Case(everyone(200), lambda w: {"uidb64": "MQ", "token": "x-y"}),
    ("set_password", "PUT"): Case(everyone(200), lambda w: {"uidb64": "MQ", "token": "x-y"}),
    ("set_password_done", "GET"): Case(everyone(200)),
    ("password_change", "GET"): Case(expect(200, [*MEMBERS, OC], anonymous=302)),
    ("password_change", "POST"): Case(expect(200, [*MEMBERS, OC], anonymous=302)),  # empty form: errors shown
    ("password_change", "PUT"): Case(expect(200, [*MEMBERS, OC], anonymous=302)),
    ("password_change_done", "GET"): Case(expect(200, [*MEMBERS, OC], anonymous=302)),
    # People: coordinators of the organisation; others do not see the page.
    ("people", "GET"): Case(expect(200, [C, OC], hidden=NON_COORDINATORS, anonymous=302)),
    ("people", "POST"): Case(expect(200, [C, OC], hidden=NON_COORDINATORS, anonymous=302)),  # empty form: errors shown
    ("person_action", "POST"): Case(
        expect(302, [C], hidden=[*NON_COORDINATORS, OC], anonymous=302),
        lambda w: {"pk": w.users[OU].pk, "op": "deactivate"},
    ),
    ("home", "GET"): Case(expect(200, [*MEMBERS, OC], anonymous=302)),
    ("favicon", "GET"): Case(everyone(301)),
    ("scenario_detail", "GET"): Case(
        expect(200, [C], hidden=[*NON_COORDINATORS, OC], anonymous=302), lambda w: {"pk": w.scenario.pk}
    ),
    ("scenario_import", "GET"): Case(expect(200, [C, OC], hidden=NON_COORDINATORS, anonymous=302)),
    # A post without a file shows the page again with the problem named.
    ("scenario_import", "POST"): Case(expect(200, [C, OC], hidden=NON_COORDINATORS, anonymous=302)),
    ("scenario_import_template", "GET"): Case(expect(200, [C, OC], hidden=NON_COORDINATORS, anonymous=302)),
    # --- the scenario editor: coordinators of the organisation; everyone else 404 ------------------
    # Posts here carry no body: a form left empty is bad input (400), and the redirect-style row
    # actions answer 302 with the refusal as a message.
    ("scenario_list", "GET"): Case(expect(200, [C, OC], hidden=NON_COORDINATORS, anonymous=302)),
    ("scenario_new", "GET"): Case(expect(200, [C, OC], hidden=NON_COORDINATORS, anonymous=302)),
    ("scenario_new", "POST"): Case(expect(400, [C, OC], hidden=NON_COORDINATORS, anonymous=302)),
    ("scenario_details", "POST"): editor_page(400, _scenario),
    ("scenario_timeline", "GET"): editor_page(200, _scenario),
    ("scenario_diff", "GET"): editor_page(200, lambda w: {"pk": w.scenario.pk}),
    ("scenario_clone", "POST"): editor_page(400, _scenario),
    ("scenario_version_move", "POST"): editor_page(302, lambda w: {"pk": w.draft.pk, "move": "submit"}),
    ("scenario_events", "GET"): editor_page(302, _scenario),
    ("scenario_event_new", "GET"): editor_page(200, _scenario),
    ("scenario_event_new", "POST"): editor_page(400, _scenario),
    ("scenario_events_reorder", "POST"): editor_page(302, _scenario),
    ("scenario_event_row", "GET"): editor_page(302, _editor_event),
    ("scenario_event_edit", "GET"): editor_page(200, _editor_event),
    ("scenario_event_edit", "POST"): editor_page(400, _editor_event),
    ("scenario_event_duplicate", "POST"): editor_page(302, _editor_event),
    ("scenario_event_move", "POST"): editor_page(302, _editor_event),
    ("scenario_event_delete", "POST"): editor_page(302, _editor_event),
    ("scenario_objectives", "GET"): editor_page(302, _scenario),
    ("scenario_objective_new", "GET"): editor_page(200, _scenario),
    ("scenario_objective_new", "POST"): editor_page(400, _scenario),
    ("scenario_objective_edit", "GET"): editor_page(200, _editor_objective),
    ("scenario_objective_edit", "POST"): editor_page(400, _editor_objective),
    ("scenario_objective_delete", "POST"): editor_page(302, _editor_objective),
    # Setting up a drill: coordinators of its organisation; nobody else learns the pages exist.
    ("drill_new", "GET"): Case(
        expect(200, [C], hidden=[*NON_COORDINATORS, OC], anonymous=302), body=lambda w: {"scenario": w.scenario.pk}
    ),
    # A post that names no scenario shows the choice of scenarios again, as bad input.
    ("drill_new", "POST"): Case(expect(400, [C, OC], hidden=NON_COORDINATORS, anonymous=302)),
    ("drill_preview", "GET"): Case(
        expect(200, [C], hidden=[*NON_COORDINATORS, OC], anonymous=302),
        body=lambda w: {"version": w.scenario.versions.get().pk, "time_scale": 60, "start": "manual"},
    ),
    ("drill_setup", "GET"): setup_page(200, _drill),
    # The setup page's forms post back to it, which shows the outcome (a refusal included).
    ("drill_roster_add", "POST"): setup_page(302, _drill),
    ("drill_roster_entry", "POST"): setup_page(302, lambda w: {**_roster_entry("entry_pk")(w), "op": "attended"}),
    ("drill_invitation_new", "POST"): setup_page(302, _drill),
    ("drill_invitation_revoke", "POST"): setup_page(
        302, lambda w: {"pk": w.drill.pk, "invitation_pk": w.invitation.pk}
    ),
    # The invitation link needs no login. A post signs up the anonymous (here without a form: 400)
    # and joins the signed-in: those who take part already are sent to the console (302) too.
    ("invite", "GET"): Case(everyone(200), lambda w: {"token": w.invitation.token}),
    ("invite", "POST"): Case(expect(302, (*MEMBERS, OC), anonymous=400), lambda w: {"token": w.invitation.token}),
    ("invite_confirm", "GET"): Case(everyone(400), lambda w: {"token": "not-a-token"}),
    ("invite_confirm", "POST"): Case(everyone(400), lambda w: {"token": "not-a-token"}),
    ("drill_console", "GET"): Case(expect(200, DRILL_SEERS, hidden=[OU, OC], anonymous=302), _drill),
    ("drill_live", "GET"): Case(expect(200, DRILL_SEERS, hidden=[OU, OC], anonymous=302), _drill),
    # The live stream's door (here under the test client, a plain WSGI handler: "poll instead").
    ("drill_stream", "GET"): Case(expect(200, DRILL_SEERS, hidden=[OU, OC], anonymous=302), _drill),
    # Forms post back to the console, which shows the outcome (a refusal included) as a message.
    ("drill_stop", "POST"): Case(expect(302, DRILL_SEERS, hidden=[OU, OC], anonymous=302), _drill),
    ("drill_control", "POST"): Case(
        expect(302, DRILL_SEERS, hidden=[OU, OC], anonymous=302), lambda w: {"pk": w.drill.pk, "action": "pause"}
    ),
    # A new scenario from the version an ended drill ran, for its coordinators; then its page (302).
    ("drill_to_scenario", "POST"): Case(
        expect(302, [C], hidden=[*NON_COORDINATORS, OC], anonymous=302), lambda w: {"pk": w.ended.pk}
    ),
    ("drill_adhoc", "POST"): Case(expect(302, [C], hidden=[*NON_COORDINATORS, OC], anonymous=302), _drill),
    ("drill_trigger", "POST"): Case(expect(302, [C], hidden=[*NON_COORDINATORS, OC], anonymous=302), _drill),
    ("drill_message", "POST"): Case(expect(302, DRILL_SEERS, hidden=[OU, OC], anonymous=302), _drill),
    ("observation_create", "POST"): Case(expect(302, DRILL_SEERS, hidden=[OU, OC], anonymous=302), _drill),
    ("questionnaire_answer", "GET"): Case(expect(200, DRILL_SEERS, hidden=[OU, OC], anonymous=302), _drill),
    ("questionnaire_answer", "POST"): Case(expect(302, DRILL_SEERS, hidden=[OU, OC], anonymous=302), _drill),
    # --- the after-action loop: proposed findings, trends, the case library -----------------------
    # Bare posts: accept as proposed, drop, propose again; a case form left empty is bad input (400).
    ("drill_proposals", "GET"): coordinator_page(200, lambda w: {"pk": w.ended.pk}),
    ("proposals_refresh", "POST"): coordinator_page(302, lambda w: {"pk": w.ended.pk}),
    ("proposal_accept", "POST"): coordinator_page(302, _proposal_page),
    ("proposal_drop", "POST"): coordinator_page(302, _proposal_page),
    ("trends", "GET"): coordinators_page(200),
    # The report page and its exports: whoever sees the drill once it is published (coordinators always).
    ("drill_report", "GET"): Case(
        expect(200, DRILL_SEERS, hidden=[OU, OC], anonymous=302), lambda w: {"pk": w.ended.pk}
    ),
    ("report_export", "GET"): Case(
        expect(200, DRILL_SEERS, hidden=[OU, OC], anonymous=302), lambda w: {"pk": w.ended.pk, "fmt": "csv"}
    ),
    # A background export is read by readers of its own audience (here the coordinators'; still running).
    ("report_export_status", "GET"): coordinator_page(200, _export_job),
    ("report_export_file", "GET"): coordinator_page(202, _export_job),
    ("case_list", "GET"): coordinators_page(200),
    ("case_new", "GET"): coordinators_page(200),
    ("case_new", "POST"): coordinators_page(400),
    ("case_detail", "GET"): coordinator_page(200, lambda w: {"pk": w.case.pk}),
    ("case_detail", "POST"): coordinator_page(400, lambda w: {"pk": w.case.pk}),
    ("case_delete", "POST"): coordinator_page(302, lambda w: {"pk": w.case.pk}),
    # The matrix's case has a step: the new scenario opens in the editor.
    ("case_scenario", "POST"): coordinator_page(302, lambda w: {"pk": w.case.pk}),
    ("inject_detail", "GET"): Case(
        expect(200, [C, ST, OI], hidden=[SO, OU, OC], anonymous=302), lambda w: {"pk": w.inject.pk}
    ),
    ("inject_respond", "POST"): Case(
        expect(302, [C, ST], hidden=[SO, OI, OU, OC], anonymous=302),
        lambda w: {"pk": w.inject.pk, "op": "acknowledge"},
    ),
}


# --- what list answers show: the ids each role may see, by a plain rule per list -------------------
# Every GET answer that is a page of results ({"results": [...]}) is compared with its rule here;
# a list without a rule fails. The inject lists and the timeline are asked of the secret drill
# (delivered, pending, waiting and cancelled injects: tests/api/world_secrets.py).


def _organisations(world: Any, role: str) -> set[int] | None:
    """The organisations a role belongs to; None for the superuser (every one)."""
    if role == SU:
        return None
    return {OC: {world.other_org.pk}, A: set()}.get(role, {world.org.pk})


def in_organisation(model: Any, path: str = "organisation_id") -> Callable[[Any, str], set[int]]:
    def rule(world: Any, role: str) -> set[int]:
        orgs = _organisations(world, role)
        rows = model.objects.all() if orgs is None else model.objects.filter(**{f"{path}__in": orgs})
        return set(rows.values_list("pk", flat=True))

    return rule


def _drills(world: Any, role: str) -> set[int]:
    """Coordinators and staff: their organisation's drills; observers: the drills they sit in."""
    if role in (SU, C, ST, SO, OC):
        return in_organisation(Drill)(world, role)
    return set(RosterEntry.objects.filter(user=world.users[role]).values_list("drill_id", flat=True))


def _secret_injects(world: Any, role: str) -> set[int]:
    return {i.pk for i in Inject.objects.filter(drill=world.secret) if may_see(world, role, i)}


def _secret_timeline(world: Any, role: str) -> set[int]:
    entries = TimelineEntry.objects.filter(drill=world.secret).select_related("inject")
    return {e.pk for e in entries if e.inject is None or may_see(world, role, e.inject)}


def _of_drill(model: Any, drill: str, **filters: Any) -> Callable[[Any, str], set[int]]:
    return lambda w, role: set(model.objects.filter(drill=getattr(w, drill), **filters).values_list("pk", flat=True))


def _observations(world: Any, role: str) -> set[int]:
    """Coordinators every observation of the drill; an observer their own (until published)."""
    rows = Observation.objects.filter(drill=world.drill)
    if role not in (C, SU):
        rows = rows.filter(observer=world.users[role])
    return set(rows.values_list("pk", flat=True))


def _surveys(world: Any, role: str) -> set[int]:
    """Coordinators every survey of the drill; everyone else the surveys they were sent."""
    rows = Survey.objects.filter(drill=world.ended)
    if role not in (C, SU):
        rows = rows.filter(invitations__user=world.users[role])
    return set(rows.values_list("pk", flat=True))


def _items(world: Any, role: str) -> set[int]:
    """Coordinators their organisation's improvement items; staff those their department owns."""
    if role in (ST, SO):
        department = world.cs if role == ST else world.risk
        return set(ImprovementItem.objects.filter(owner_department=department).values_list("pk", flat=True))
    return in_organisation(ImprovementItem)(world, role)


LIST_RULES: dict[str, Callable[[Any, str], set[int]]] = {
    "api:department-list": in_organisation(Department),
    "api:user-list": in_organisation(get_user_model(), "memberships__organisation_id"),
    "api:scenario-list": in_organisation(Scenario),
    "api:drill-list": _drills,
    "api:drill-injects": _secret_injects,
    "api:drill-timeline": _secret_timeline,
    "api:drill-messages": _of_drill(TimelineEntry, "drill", kind=EntryKind.MESSAGE),
    "api:drill-roster": _of_drill(RosterEntry, "drill"),
    "api:drill-observation-list": _observations,
    "api:drill-finding-list": _of_drill(Finding, "ended"),
    "api:drill-proposal-list": _of_drill(FindingProposal, "ended"),
    "api:drill-questionnaire-list": _surveys,
    "api:drill-report-version-list": lambda w, role: set(
        ReportVersion.objects.filter(drill=w.ended).values_list("number", flat=True)
    ),
    "api:scenario-versions": lambda w, role: set(
        ScenarioVersion.objects.filter(scenario=w.draft).values_list("pk", flat=True)
    ),
    "api:scenario-event-list": lambda w, role: set(
        ScenarioEvent.objects.filter(version__scenario=w.draft).values_list("pk", flat=True)
    ),
    "api:scenario-objective-list": lambda w, role: set(
        Objective.objects.filter(version__scenario=w.draft).values_list("pk", flat=True)
    ),
    "api:improvement-item-list": _items,
    "api:questionnaire-template-list": in_organisation(QuestionnaireTemplate),
    "api:case-list": in_organisation(CaseRecord),
}


def _listed(response: Any) -> set[int] | None:
    """The ids a page of results shows (report versions go by number); None if not such a page."""
    if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
        return None
    data = response.json()
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return None
    return {row["id"] if "id" in row else row["number"] for row in data["results"]}


def _shown_failures(world: Any, name: str, method: str, role: str, where: str, response: Any) -> list[str]:
    shown = _listed(response) if method == "GET" else None
    if shown is None:
        return []
    if name not in LIST_RULES:
        return [f"{where}: a list without a rule in LIST_RULES"]
    expected = LIST_RULES[name](world, role)
    return [] if shown == expected else [f"{where} lists {sorted(shown)}, the rule gives {sorted(expected)}"]


# --- walking the resolver -----------------------------------------------------------------------------


@dataclass
class Route:
    pattern: str
    name: str
    callback: Any


def walk(patterns: Iterable[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield Route(prefix + str(entry.pattern), name or prefix + str(entry.pattern), entry.callback)


def methods_of(callback: Any) -> set[str] | None:
    """The methods a view answers, when the view says so; None for a plain function view."""
    actions = getattr(callback, "actions", None)
    if actions:
        return {method.upper() for method in actions} - SKIPPED_METHODS
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return None
    return {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)} - SKIPPED_METHODS


def fill(pattern: str, values: dict[str, Any]) -> str:
    """A URL from a route pattern (path converters or regex groups) and its values."""

    def value(name: str, default: str) -> str:
        return str(values.get(name, default))

    def group(m: re.Match[str]) -> str:
        choices = m.group(2).split("|")
        return value(m.group(1), choices[0] if len(choices) > 1 else "1")

    url = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", group, pattern)
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: value(m.group(1), "1"), url)
    return "/" + url.replace("^", "").replace("$", "").replace("\\", "")


def all_routes() -> list[Route]:
    return list(walk(get_resolver().url_patterns))


# Tables whose writes are no change of the world: the session of the signed-in test client.
UNWATCHED_TABLES = frozenset({"django_session"})
_WRITES_SQL = """
SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables
WHERE n_tup_ins + n_tup_upd + n_tup_del > 0
"""


def _writes() -> dict[str, int]:
    """Rows written so far in this transaction, per table (PostgreSQL's own count: every insert,
    update and delete, also one undone by a savepoint: a refused request must not even try)."""
    with connection.cursor() as cursor:
        cursor.execute(_WRITES_SQL)
        return {table: n for table, n in cursor.fetchall() if table not in UNWATCHED_TABLES}


def _request(world: World, role: str, method: str, url: str, body: Any) -> Any:
    """One request as one role, rolled back afterwards so that the next row sees the same world.
    The response carries `written`: the tables the request wrote to."""
    with transaction.atomic():
        client = APIClient()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        data = body(world) if body else None
        before = _writes()
        response = (
            getattr(client, method.lower())(url, data, format="json") if data else getattr(client, method.lower())(url)
        )
        after = _writes()
        response.written = sorted(table for table, n in after.items() if n != before.get(table, 0))
        transaction.set_rollback(True)
    return response


def refused(response: Any) -> bool:
    """A refusal: an error status, or a form post sent back (302) with an error message."""
    if 400 <= response.status_code < 500:
        return True
    request = getattr(response, "wsgi_request", None)
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", [])
    return response.status_code == 302 and any(m.level >= messages.ERROR for m in queued)


def _matches(status: int, expected: int | set[int]) -> bool:
    return status in expected if isinstance(expected, set) else status == expected


@pytest.fixture
def matrix_world(db: Any, settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = build_world()
    coordinator = world.users[C]
    world.spare = department_services.department_create(
        organisation=world.org, by=coordinator, code="spare", name="Unused"
    )
    review = scenario_services.scenario_create(organisation=world.org, by=coordinator, title="In review")
    scenario_services.event_create(
        scenario=review, by=coordinator, title="E", body="B", offset_seconds=0, departments=[world.cs]
    )
    scenario_services.version_submit(scenario=review, by=coordinator)
    world.review = review
    step = {"at": timezone.now() - timedelta(days=1), "department": world.cs, "description": "Complaint call"}
    report_services.case_update(case=world.case, by=coordinator, steps=[step])
    world.export_job = ReportExport.objects.create(drill=world.ended, format="csv", audience=C, language="en")
    world.invitation = drill_services.invitation_create(
        drill=world.drill, by=coordinator, expires_at=timezone.now() + timedelta(days=7)
    )
    add_secrets(world)
    return world


def test_every_route_has_expectations() -> None:
    missing = []
    for route in all_routes():
        if route.pattern.startswith("admin/"):
            continue
        methods = methods_of(route.callback)
        rows = {method for (name, method) in EXPECTATIONS if name == route.name}
        if methods is None:
            if not rows:
                missing.append(f"new route {route.pattern} ({route.name}) has no expectations")
            continue
        missing += [f"new route {route.pattern} ({route.name}) {m} has no expectations" for m in sorted(methods - rows)]
    assert not missing, "\n".join(missing)


def test_no_expectation_for_a_route_that_is_gone() -> None:
    names = {route.name for route in all_routes()}
    assert not [key for key in EXPECTATIONS if key[0] not in names]


def test_role_matrix(matrix_world: World) -> None:
    routes = {route.name: route for route in all_routes()}
    failures = []
    writes_seen = form_refusals_seen = False
    for (name, method), case in EXPECTATIONS.items():
        url = fill(routes[name].pattern, case.target(matrix_world))
        for role in ROLES:
            response = _request(matrix_world, role, method, url, case.body)
            where = f"{method} {url} ({name}) as {role}"
            if not _matches(response.status_code, case.expect[role]):
                failures.append(f"{where}: {response.status_code}, want {case.expect[role]}")
            if refused(response) and response.written:
                failures.append(f"{where}: refused ({response.status_code}) but wrote to {response.written}")
            failures += _shown_failures(matrix_world, name, method, role, where, response)
            writes_seen = writes_seen or bool(response.written)
            form_refusals_seen = form_refusals_seen or (response.status_code == 302 and refused(response))
    assert writes_seen, "no request wrote anything: the check of refused requests sees nothing"
    assert form_refusals_seen, "no form post was seen refused: the 302-with-an-error check sees nothing"
    assert not failures, "\n".join(failures)


ADMIN_PUBLIC = {"admin:login": 200, "admin:logout": 405}


def test_admin_is_for_staff_users_only(matrix_world: World) -> None:
    """Rule for every admin/ route: anonymous and non-staff members are sent to the admin login;
    a superuser gets in (never a server error, never the login page)."""
    failures = []
    for route in all_routes():
        if not route.pattern.startswith("admin/"):
            continue
        url = fill(route.pattern, {"url": "nowhere/"})
        for role in (A, C, ST, SU):
            status = _request(matrix_world, role, "GET", url, None)
            code, location = status.status_code, status.headers.get("Location", "")
            if role == SU:
                # 403 is the admin's truth for read-only records (no add or delete): still no way in.
                ok = code < 500 and "/admin/login/" not in location
            elif route.name in ADMIN_PUBLIC:
                ok = code == ADMIN_PUBLIC[route.name] or (code == 302 and "/admin/" in location)
            else:
                ok = code == 302 and "/admin/login/" in location
            if not ok:
                failures.append(f"GET {url} ({route.name}) as {role}: {code} {location}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_the_write_check_sees_even_a_write_that_a_savepoint_undid() -> None:
    """The probe behind "a refused request changed nothing": a row inserted and rolled back still
    counts, and a read does not."""
    before = _writes()
    Department.objects.filter(pk=0).exists()
    assert _writes() == before
    with transaction.atomic():
        OrganisationFactory(slug="probe")
        transaction.set_rollback(True)
    assert _writes() != before
