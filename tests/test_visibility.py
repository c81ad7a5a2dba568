"""Who sees what, asked at every door (DESIGN.md, "Who sees what (one rule, every door)").

The world holds a running drill with delivered, pending, waiting and cancelled-before-delivery
injects for two departments, observers on and off its roster (one of whom rates it), another
organisation, and an ended drill of the same script whose report is published
(tests/api/world_secrets.py). Every GET route of the URL resolver is a door: it has a case below,
or an entry in NO_DRILL_CONTENT saying why it shows nothing of a drill, or it is POST-only (and
answers GET with 405). A route added later without either fails here.

Each door is asked as every role; its answer's text must not hold a title or body of an
undelivered inject unless the role may read the script (coordinators and administrators, or
everyone on the roster once the report is published), nor the second observer's rating unless
the role may read it; where the answer lists injects, the ids must be exactly those the rule
gives. The rule is written again, plainly, from DESIGN.md (world_secrets.may_see), so that the
test does not grade the code with its own answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from drillops.timelines import services as drill_services
from drillops.timelines.engine.outbox import outbox_process
from drillops.timelines.live import render
from drillops.timelines.live.hub import Connection
from drillops.timelines.models import Inject, Notification, Outbox, TimelineEntry
from drillops.timelines.visibility import scope_for

from .api.world import ROLES, World, build_world
from .api.world_secrets import (
    OBSERVER_TWO,
    ON_ROSTER,
    RATING_NOTE,
    SCRIPT_READERS,
    add_secrets,
    may_see,
    undelivered,
)
from .test_role_matrix import all_routes, fill, methods_of

A, C, ST, SO, OI, OU, OC, SU = ROLES
EVERY_ROLE = (*ROLES, OBSERVER_TWO)
RATING_READERS = frozenset({C, SU, OBSERVER_TWO})  # the second observer's rating, before publishing
ROSTER = ON_ROSTER  # everyone who sees the secret drills


# --- doors ------------------------------------------------------------------------------------------

Ids = Callable[[Any], set[int]]


def _json_ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def _timeline_injects(response: Any) -> set[int]:
    return {row["inject"] for row in response.json()["results"] if row.get("inject")}


INJECT_MARK = re.compile(r'data-inject-id="(\d+)"')  # the console's chips and escalations, the inbox's cards


def _page_injects(response: Any) -> set[int]:
    return {int(n) for n in INJECT_MARK.findall(response.content.decode())}


@dataclass
class Door:
    target: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    query: Callable[[World], str] = field(default=lambda w: "")
    script_readers: frozenset[str] = SCRIPT_READERS
    rating_readers: frozenset[str] = RATING_READERS
    rating_marks: tuple[str, ...] = (RATING_NOTE,)
    injects: Ids | None = None  # the inject ids the answer lists, compared with the rule
    coordinator_reads_script: bool = False  # the check is not vacuous: the coordinator sees it here
    coordinator_reads_rating: bool = False  # likewise for the second observer's rating


def _secret(w: World) -> dict[str, Any]:
    return {"pk": w.secret.pk}


def _secret_child(w: World) -> dict[str, Any]:
    return {"drill_pk": w.secret.pk}


def _ended_child(w: World) -> dict[str, Any]:
    return {"drill_pk": w.secret_ended.pk}


def _script(w: World) -> dict[str, Any]:
    return {"pk": w.secret_scenario.pk, "scenario_pk": w.secret_scenario.pk}


def _script_event(w: World) -> dict[str, Any]:
    event = w.secret_scenario.versions.get().events.get(title__startswith="Secret pending for cs")
    return {**_script(w), "pk": w.secret_scenario.pk, "event_pk": event.pk}


def _script_event_api(w: World) -> dict[str, Any]:
    return {**_script_event(w), "pk": _script_event(w)["event_pk"]}


def _script_objective(w: World) -> dict[str, Any]:
    objective = w.secret_scenario.versions.get().objectives.get()
    return {"pk": w.secret_scenario.pk, "scenario_pk": w.secret_scenario.pk, "objective_pk": objective.pk}


def _script_objective_api(w: World) -> dict[str, Any]:
    return {**_script_objective(w), "pk": _script_objective(w)["objective_pk"]}


PUBLISHED = Door(_ended_child, script_readers=ROSTER)
# The published report names observers to observers and coordinators, never to staff.
PUBLISHED_DETAIL = Door(
    lambda w: {"drill_pk": w.secret_ended.pk, "number": 1},
    script_readers=ROSTER,
    rating_readers=frozenset({C, SU, OI, OBSERVER_TWO}),
    rating_marks=("obs-two",),
)
# The published report as a whole (page, exports): the roster reads the script and the ratings, and
# only coordinators and observers read who gave them.
AS_PUBLISHED: dict[str, Any] = {
    "script_readers": ROSTER,
    "rating_readers": frozenset({C, SU, OI, OBSERVER_TWO}),
    "rating_marks": ("obs-two",),
}
LIVE_PAGE = Door(_secret, injects=_page_injects, coordinator_reads_script=True)

DOORS: dict[str, list[Door]] = {
    # --- API ---------------------------------------------------------------------------------------
    "api:drill-list": [Door()],
    "api:drill-detail": [Door(_secret)],
    "api:drill-injects": [
        Door(_secret, injects=_json_ids, coordinator_reads_script=True),
        Door(_secret, query=lambda w: "?status=pending", injects=_json_ids),
        Door(_secret, query=lambda w: f"?department={w.cs.pk}", injects=_json_ids),
    ],
    "api:drill-timeline": [Door(_secret, injects=_timeline_injects)],
    "api:drill-messages": [Door(_secret)],
    "api:drill-roster": [Door(_secret)],
    "api:drill-observation-list": [Door(_secret_child, coordinator_reads_rating=True), PUBLISHED],
    "api:drill-score-list": [Door(_secret_child, rating_marks=("obs-two",), coordinator_reads_rating=True)],
    "api:drill-finding-list": [Door(_secret_child), Door(_ended_child)],
    "api:drill-finding-detail": [Door(lambda w: {"drill_pk": w.ended.pk, "pk": w.finding.pk})],
    "api:drill-proposal-list": [Door(_ended_child)],
    "api:drill-questionnaire-list": [Door(_ended_child)],
    "api:drill-questionnaire-results": [Door(_ended_child)],
    "api:drill-report-list": [Door(_secret_child), PUBLISHED],
    "api:drill-report-version-list": [PUBLISHED],
    "api:drill-report-version-detail": [PUBLISHED_DETAIL],
    "api:drill-report-export": [
        Door(_secret_child, query=lambda w: "?format=json"),
        Door(_ended_child, query=lambda w: "?format=json", **AS_PUBLISHED),
        Door(_ended_child, query=lambda w: "?format=csv", **AS_PUBLISHED),
    ],
    # api:inject-detail: every inject of the secret drill, in test_inject_details_follow_the_rule.
    "api:inject-detail": [],
    "api:scenario-list": [Door()],
    "api:scenario-detail": [Door(_script)],
    "api:scenario-export": [Door(_script)],
    "api:scenario-diff": [Door(_script, query=lambda w: "?from=1&to=1")],
    "api:scenario-versions": [Door(_script)],
    "api:scenario-event-list": [Door(_script, coordinator_reads_script=True)],
    "api:scenario-event-detail": [Door(_script_event_api)],
    "api:scenario-objective-list": [Door(_script)],
    "api:scenario-objective-detail": [Door(_script_objective_api)],
    "api:improvement-item-list": [Door()],
    "api:improvement-item-detail": [Door(lambda w: {"pk": w.item.pk})],
    "api:trend-list": [Door()],
    "api:case-list": [Door()],
    "api:case-detail": [Door(lambda w: {"pk": w.case.pk})],
    # --- pages -------------------------------------------------------------------------------------
    "home": [Door()],
    "drill_console": [LIVE_PAGE],
    "drill_live": [LIVE_PAGE],
    # Under the test client the stream answers "poll instead"; the pushes themselves are asked in
    # test_pushes_follow_the_rule.
    "drill_stream": [Door(_secret)],
    # inject_detail: every inject of the secret drill, in test_inject_details_follow_the_rule.
    "inject_detail": [],
    "drill_setup": [Door(_secret)],
    "drill_new": [Door(query=lambda w: f"?scenario={w.secret_scenario.pk}")],
    "drill_preview": [
        Door(query=lambda w: f"?version={w.secret_scenario.versions.get().pk}&time_scale=60&start=manual")
    ],
    "invite": [Door(lambda w: {"token": w.secret_invitation.token})],
    "questionnaire_answer": [Door(lambda w: {"pk": w.secret_ended.pk})],
    "drill_proposals": [Door(lambda w: {"pk": w.secret_ended.pk})],
    "drill_report": [Door(_secret), Door(lambda w: {"pk": w.secret_ended.pk}, **AS_PUBLISHED)],
    # PDF and XLSX are compressed (a text search cannot read them); JSON and CSV hold the same rows.
    "report_export": [
        Door(lambda w: {"pk": w.secret.pk, "fmt": "json"}),
        Door(lambda w: {"pk": w.secret_ended.pk, "fmt": "json"}, **AS_PUBLISHED),
        Door(lambda w: {"pk": w.secret_ended.pk, "fmt": "csv"}, **AS_PUBLISHED),
    ],
    "trends": [Door()],
    "case_list": [Door()],
    "case_new": [Door()],
    "case_detail": [Door(lambda w: {"pk": w.case.pk})],
    "scenario_list": [Door()],
    "scenario_new": [Door()],
    "scenario_import": [Door()],
    "scenario_detail": [Door(_script, coordinator_reads_script=True)],
    "scenario_timeline": [Door(_script)],
    "scenario_diff": [Door(_script)],
    "scenario_events": [Door(_script)],
    "scenario_event_new": [Door(_script)],
    "scenario_event_row": [Door(_script_event)],
    "scenario_event_edit": [Door(_script_event)],
    "scenario_objectives": [Door(_script)],
    "scenario_objective_new": [Door(_script)],
    "scenario_objective_edit": [Door(_script_objective)],
}

# GET routes that show nothing of any drill (no inject, event, timeline entry or rating).
NO_DRILL_CONTENT: dict[str, str] = {
    "healthz": "the service's health: counts of the engine, no drill content",
    "api:not-found": "a JSON 404 for an API path no route takes",
    # A background export's progress and its file: the job is looked up under the reader's own role
    # on the drill (reports.views_report._job), so it holds what the report_export door gives them.
    "report_export_status": "a job's state and progress, for the reader's own role's job",
    "report_export_file": "the file of the reader's own role's job: the report_export door's content",
    "schema": "the OpenAPI schema: the shape of the API, no data",
    "api-docs": "the API's documentation page, no data",
    "set_language": "switches the language and redirects",
    "favicon": "a redirect to a static file",
    "login": "the login form",
    "set_password": "the set-password form of a link",
    "set_password_done": "a confirmation page",
    "password_change": "one's own password form",
    "password_change_done": "a confirmation page",
    "people": "the organisation's accounts (names and roles; no drill)",
    "invite_confirm": "confirms an e-mail address of an invitation; says only whether it worked",
    "scenario_import_template": "an empty MSEL template workbook",
    "api:department-list": "departments of the caller's organisations",
    "api:department-detail": "one department",
    "api:user-list": "accounts of the organisation",
    "api:user-detail": "one account",
    "api:questionnaire-template-list": "questionnaire templates (questions, no drill)",
    "api:questionnaire-template-detail": "one questionnaire template",
}

# Function views that only take POST (their GET answer is checked: 405).
POST_ONLY = {
    "person_action", "scenario_details", "scenario_clone", "scenario_version_move", "scenario_events_reorder",
    "scenario_event_duplicate", "scenario_event_move", "scenario_event_delete", "scenario_objective_delete",
    "observation_create", "proposals_refresh", "proposal_accept", "proposal_drop", "case_delete", "case_scenario",
    "drill_roster_add", "drill_roster_entry", "drill_invitation_new", "drill_invitation_revoke", "drill_stop",
    "drill_control", "drill_adhoc", "drill_to_scenario", "drill_trigger", "drill_message", "inject_respond",
}  # fmt: skip


# --- the world, once per module ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        built = build_world()
        add_secrets(built)
        built.secret_invitation = drill_services.invitation_create(  # type: ignore[attr-defined]
            drill=built.secret, by=built.users[C], expires_at=timezone.now() + timedelta(days=7)
        )
        for role in EVERY_ROLE:  # signed in once for the module, in its transaction
            client_for(built, role, token=False)
            client_for(built, role, token=True)
        yield built
        transaction.set_rollback(True)


def client_for(world: World, role: str, token: bool) -> APIClient:
    """One client per role (and way of signing in) for the module: signing in once, not per request."""
    clients: dict[tuple[str, bool], APIClient] = world.__dict__.setdefault("clients", {})
    if (role, token) not in clients:
        client = APIClient()
        user = world.users[role]
        if user is not None and token:
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        elif user is not None:
            client.force_login(user)
        clients[role, token] = client
    return clients[role, token]


def ask(world: World, role: str, url: str, *, token: bool = False) -> Any:
    """GET as one role, rolled back afterwards."""
    client = client_for(world, role, token)
    with transaction.atomic():
        response = client.get(url)
        transaction.set_rollback(True)
    return response


def secrets_in(text: str, world: World) -> set[str]:
    script = {s for i in undelivered(world.secret) for s in (i.title, i.body)}
    return {s for s in script if s in text}


def counts_to_come(text: str) -> int:
    """How many injects the console's counts say are still to come ("2 of 6" delivered: 4)."""
    found = re.search(r'data-delivered="(\d+)" data-total="(\d+)"', text)
    return int(found.group(2)) - int(found.group(1)) if found else 0


def door_failures(world: World, name: str, url: str, door: Door, *, token: bool = False) -> list[str]:
    failures = []
    for role in EVERY_ROLE:
        response = ask(world, role, url, token=token)
        text = response.content.decode(errors="replace")
        where = f"GET {url} ({name}) as {role} [{response.status_code}]"
        leaked = secrets_in(text, world)
        if leaked and role not in door.script_readers:
            failures.append(f"{where} shows undelivered injects: {sorted(leaked)}")
        if role == C and door.coordinator_reads_script and not leaked:
            failures.append(f"{where}: the coordinator should read the script here")
        if role == C and door.injects is _page_injects and not counts_to_come(text):
            failures.append(f"{where}: the coordinator's counts should show what is still to come")
        if counts_to_come(text) and role not in door.script_readers:
            failures.append(f"{where} counts {counts_to_come(text)} injects still to come")
        marks = [m for m in door.rating_marks if m in text]
        if marks and role not in door.rating_readers:
            failures.append(f"{where} shows the second observer's rating: {marks}")
        if role == C and door.coordinator_reads_rating and not marks:
            failures.append(f"{where}: the coordinator should read the second observer's rating here")
        if door.injects is not None and response.status_code == 200:
            shown = door.injects(response)
            expected = expected_injects(world, role, name, door, url)
            if shown != expected:
                failures.append(f"{where} lists injects {sorted(shown)}, the rule gives {sorted(expected)}")
    return failures


def expected_injects(world: World, role: str, name: str, door: Door, url: str) -> set[int]:
    injects = [i for i in Inject.objects.filter(drill=world.secret) if may_see(world, role, i)]
    if "status=pending" in url:
        injects = [i for i in injects if i.status == "pending"]
    if f"department={world.cs.pk}" in url:
        injects = [i for i in injects if i.department_id == world.cs.pk]
    if door.injects is _timeline_injects:
        with_entries = set(TimelineEntry.objects.filter(drill=world.secret).values_list("inject_id", flat=True))
        injects = [i for i in injects if i.pk in with_entries]
    return {i.pk for i in injects}


# --- tests --------------------------------------------------------------------------------------------


def get_routes() -> list[Any]:
    return [
        route
        for route in all_routes()
        if not route.pattern.startswith("admin/")
        and (methods_of(route.callback) is None or "GET" in methods_of(route.callback))
    ]


def test_every_get_route_is_a_door_or_says_it_shows_no_drill() -> None:
    missing = [
        f"GET {route.pattern} ({route.name}) has no visibility case (DOORS), nor a NO_DRILL_CONTENT reason"
        for route in get_routes()
        if route.name not in DOORS and route.name not in NO_DRILL_CONTENT and route.name not in POST_ONLY
    ]
    names = {route.name for route in all_routes()}
    gone = sorted((DOORS.keys() | NO_DRILL_CONTENT.keys() | POST_ONLY) - names)
    assert not missing and not gone, "\n".join([*missing, *(f"{name} is no route any more" for name in gone)])


@pytest.mark.django_db
def test_post_only_routes_answer_get_with_405(world: World) -> None:
    routes = {route.name: route for route in all_routes()}
    wrong = [name for name in sorted(POST_ONLY) if ask(world, C, fill(routes[name].pattern, {})).status_code != 405]
    assert not wrong, f"not POST-only after all (give them a door): {wrong}"


@pytest.mark.django_db
def test_every_door_shows_what_the_rule_allows(world: World) -> None:
    routes = {route.name: route for route in all_routes()}
    failures = []
    for name, doors in DOORS.items():
        for door in doors:
            url = fill(routes[name].pattern, door.target(world)) + door.query(world)
            failures += door_failures(world, name, url, door)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_the_token_fast_path_lists_what_the_rule_allows(world: World) -> None:
    routes = {route.name: route for route in all_routes()}
    failures = []
    for door in DOORS["api:drill-injects"]:
        url = fill(routes["api:drill-injects"].pattern, door.target(world)) + door.query(world)
        failures += door_failures(world, "api:drill-injects (token)", url, door, token=True)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_inject_details_follow_the_rule(world: World) -> None:
    """Every inject of the secret drill, as every role: the API and the page show it (200) exactly
    when the rule says so, and otherwise answer as for an inject that does not exist."""
    injects = list(Inject.objects.filter(drill=world.secret).order_by("id"))
    assert {i.status for i in injects} >= {"pending", "waiting", "cancelled", "delivered"}
    failures = []
    for inject in injects:
        for url, hidden in ((f"/api/v1/injects/{inject.pk}/", {401, 404}), (f"/injects/{inject.pk}/", {302, 404})):
            for role in EVERY_ROLE:
                response = ask(world, role, url)
                shown = response.status_code == 200
                if shown != may_see(world, role, inject) or (not shown and response.status_code not in hidden):
                    failures.append(f"GET {url} ({inject.status}) as {role}: {response.status_code}")
                leaked = secrets_in(response.content.decode(errors="replace"), world)
                if leaked and role not in SCRIPT_READERS:
                    failures.append(f"GET {url} as {role} shows {sorted(leaked)}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_pushes_follow_the_rule(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The live stream's pieces, rendered for every inject and entry of the drill, reach each page
    through its own scope (the hub's Connection.sees): each role gets exactly the injects the rule
    gives, and never a word of the script it may not read."""
    # The render thread drops stale connections; here the one connection holds the test's transaction.
    monkeypatch.setattr(render, "close_old_connections", lambda: None)
    drill = world.secret
    ids = set(Inject.objects.filter(drill=drill).values_list("pk", flat=True))
    roles = {"coordinator", "staff", "observer"}
    rendered = render.render_changes(
        drill_id=drill.pk, inject_ids=ids, expand_claims=False, entries_after=0, wanted={(r, "en") for r in roles}
    )
    failures = []
    for role in ROSTER - {SU}:
        scope = scope_for(world.users[role], drill)
        grant = {"drill": drill.pk, "user": world.users[role].pk, "role": scope.role}
        page = Connection({**grant, "departments": sorted(scope.departments), "language": "en"}, max_age=60)
        pieces = [piece for piece in rendered.pieces if page.sees(piece)]
        html = "".join(piece.html for piece in pieces)
        shown = {int(n) for n in INJECT_MARK.findall(html)}
        expected = {i.pk for i in Inject.objects.filter(drill=drill) if may_see(world, role, i)}
        if shown != expected:
            failures.append(f"pushes to {role} carry injects {sorted(shown)}, the rule gives {sorted(expected)}")
        leaked = secrets_in(html, world)
        if leaked and role not in SCRIPT_READERS:
            failures.append(f"pushes to {role} show {sorted(leaked)}")
        if counts_to_come(html) and role not in SCRIPT_READERS:
            failures.append(f"pushes to {role} count {counts_to_come(html)} injects still to come")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_notifications_and_side_effects_name_only_what_their_recipient_may_see(world: World) -> None:
    """Every side effect of the secret drill carried out: in-app notices go to people who may see
    their inject, and no notice, e-mail or outbox row names an undelivered inject."""
    rows = Outbox.objects.filter(drill__in=[world.secret, world.secret_ended])
    assert rows.exists()
    with transaction.atomic():
        outbox_process(outbox_ids=list(rows.values_list("pk", flat=True)))
        notices = list(Notification.objects.filter(drill=world.secret).select_related("inject", "user"))
        texts = [n.title + n.body for n in notices] + [m.subject + m.body for m in mail.outbox]
        payloads = [json.dumps(row.payload) for row in rows]
        transaction.set_rollback(True)
    assert notices
    role_of = {user.pk: role for role, user in world.users.items() if user is not None}
    failures = [
        f"notice {n.pk} to {n.user} about inject {n.inject_id} ({n.inject.status})"
        for n in notices
        if n.inject is not None and not may_see(world, role_of.get(n.user_id, "nobody"), n.inject)
    ]
    failures += [
        f"a side effect names the script: {secrets_in(text, world)}"
        for text in texts + payloads
        if secrets_in(text, world)
    ]
    assert not failures, "\n".join(failures)
