"""One object of every model the admin shows, per organisation, and the admin's forms as a browser
would post them back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.forms import JSONField, MultiWidget
from django.test.client import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from drillops.core.models import AuditEntry
from drillops.departments.models import DepartmentWebhook, LoginLock, Organisation, Role
from drillops.reports import services as reports
from drillops.reports.models import Finding, FindingKind, ImprovementItem, Observation, Rating
from drillops.scenarios import services as authoring
from drillops.timelines import services as drills
from drillops.timelines.models import DispatcherHeartbeat, Notification, Outbox, SeatRole
from tests.factories import DepartmentFactory, MembershipFactory, OrganisationFactory, UserFactory


@dataclass
class AdminWorld:
    org: Organisation
    objects: dict[type, Any] = field(default_factory=dict)  # model -> one object of this organisation

    def add(self, *objs: Any) -> None:
        for obj in objs:
            self.objects.setdefault(type(obj), obj)


def build(slug: str) -> AdminWorld:
    """An organisation with departments, people, an approved scenario whose first event was
    delivered in a running drill (injects, steps, timeline, outbox), and after-action records."""
    org = OrganisationFactory(slug=slug, name=f"Org {slug}")
    world = AdminWorld(org=org)
    cs = DepartmentFactory(organisation=org, code=f"{slug}-cs", name="Customer Service")
    risk = DepartmentFactory(organisation=org, code=f"{slug}-risk", name="Risk")
    coordinator = MembershipFactory(organisation=org, role=Role.COORDINATOR, user=UserFactory(username=f"{slug}-co"))
    staff = MembershipFactory(organisation=org, role=Role.STAFF, department=cs, user=UserFactory(username=f"{slug}-cs"))
    by = coordinator.user
    world.add(org, cs, staff, staff.user, DepartmentWebhook.objects.create(department=cs, url="https://hooks.test/a"))
    # A login lock of one of its members (axes' row, shown as LoginLock).
    world.add(
        LoginLock.objects.create(username=staff.user.username, ip_address="198.51.100.7", failures_since_start=10)
    )

    scenario = authoring.scenario_create(organisation=org, by=by, title=f"Complaints {slug}")
    objective = authoring.objective_create(
        scenario=scenario, by=by, capability="Comms", title="Report", critical_tasks=["Call risk"]
    )
    ladder = [{"after_seconds": 60, "department": risk.pk, "message": "Unacked", "unless": "acknowledged"}]
    event = authoring.event_create(
        scenario=scenario,
        by=by,
        title="First complaint",
        body="Refund!",
        offset_seconds=0,
        departments=[cs],
        objective=objective,
        response_deadline_seconds=300,
        escalations=ladder,
    )
    attachment = authoring.attachment_create(event=event, by=by, title="Leaflet", content="Small print")
    authoring.version_submit(scenario=scenario, by=by)
    version = authoring.version_approve(scenario=scenario, by=by)
    world.add(scenario, version, objective, objective.critical_tasks.get(), event, attachment)

    drill = drills.drill_create(scenario=scenario, name=f"Drill {slug}", by=by)
    roster = drills.roster_add(drill=drill, user=staff.user, department=cs, role=SeatRole.PLAYER, by=by)
    invitation = drills.invitation_create(drill=drill, by=by, expires_at=timezone.now() + timedelta(days=7))
    drills.drill_start(drill=drill, by=by)
    inject = drills.drill_trigger_event(drill=drill, event=event, by=by)[0]
    notice = Notification.objects.create(user=staff.user, drill=drill, inject=inject, title="New", idempotency_key=slug)
    observation = Observation.objects.create(drill=drill, observer=by, objective=objective, rating=Rating.S)
    finding = Finding.objects.create(drill=drill, kind=FindingKind.IMPROVEMENT, title="Slow first report")
    item = ImprovementItem.objects.create(organisation=org, finding=finding, title="Direct line to risk")
    world.add(drill, roster, invitation, inject, inject.escalation_steps.get(), drill.timeline.first(), notice)
    world.add(Outbox.objects.filter(drill=drill).order_by("pk").first())
    world.add(observation, finding, item, coordinator, AuditEntry.objects.filter(organisation_id=org.pk).first())
    world.add(reports.proposals_refresh(drill=drill)[0])  # its inject's deadline is not met: one at least
    _after_action(world, scenario, objective, by)
    return world


def _after_action(world: AdminWorld, scenario: Any, objective: Any, by: Any) -> None:
    """An ended drill with its questionnaires, an agreed rating, a published report and a case."""
    ended = drills.drill_create(scenario=scenario, name="Ended drill", by=by)
    drills.drill_start(drill=ended, by=by)
    ended = drills.drill_finish(drill=ended, by=by)
    survey = reports.questionnaires_send(drill=ended, phase="post")[0]
    agreed = reports.agreed_rating_set(drill=ended, by=by, objective=objective, rating=Rating.S)
    version = reports.report_publish(drill=ended, by=by)
    case = reports.case_create(
        organisation=world.org,
        by=by,
        kind="incident",
        title="Mass complaint",
        steps=[{"at": ended.ended_at, "description": "Call"}],
    )
    world.add(survey, survey.template, agreed, version, case)


def add_installation_records() -> None:
    """What belongs to no organisation: groups, tokens, dispatcher heartbeats."""
    Group.objects.create(name="Auditors")
    Token.objects.create(user=UserFactory(username="api-robot"))
    DispatcherHeartbeat.objects.create(name="dispatcher-1")


def form_data(client: Client, url: str, **changes: Any) -> dict[str, Any]:
    """The admin form at `url` as the page shows it (inline management forms included), with
    `changes` applied: what a person's "Save" would post."""
    page = client.get(url)
    assert page.status_code == 200, url
    data: dict[str, Any] = {}
    form = page.context["adminform"].form
    for name in form.fields:
        _put(data, form[name], changes.pop(name) if name in changes else form[name].value())
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    assert not changes, f"not fields of the form: {sorted(changes)}"
    return data


def _put(data: dict[str, Any], bound: Any, value: Any) -> None:
    widget = bound.field.widget
    if isinstance(bound.field, JSONField):
        data[bound.html_name] = value if isinstance(value, str) else json.dumps(value)
    elif isinstance(widget, MultiWidget):
        for index, part in enumerate(widget.decompress(value)):
            data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
    elif isinstance(value, bool):
        if value:
            data[bound.html_name] = "on"
    elif isinstance(value, list | tuple):
        data[bound.html_name] = [str(v) for v in value]
    elif value is not None:
        data[bound.html_name] = value
