"""A small organisation with a drill in every state and one user per role, built through the services.

Shared by the API tests, the role matrix and the bad-input tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from drillops.departments.models import Department, Organisation, Role
from drillops.reports import services as report_services
from drillops.reports.models import Observation
from drillops.scenarios import services as scenario_services
from drillops.scenarios.models import Objective, Scenario, ScenarioEvent
from drillops.timelines import services as drill_services
from drillops.timelines.engine.delivery import deliver_due
from drillops.timelines.models import Drill, Inject, SeatRole, TimelineEntry

from ..factories import DepartmentFactory, MembershipFactory, OrganisationFactory, UserFactory
from .world_reports import add_after_action

ROLES = (
    "anonymous",
    "coordinator",
    "staff_target",
    "staff_other",
    "observer_invited",
    "observer_uninvited",
    "other_coordinator",
    "superuser",
)


@dataclass
class World:
    org: Organisation
    cs: Department
    risk: Department
    other_org: Organisation
    other_dept: Department
    users: dict[str, Any]
    scenario: Scenario  # approved v1
    draft: Scenario  # draft v1 with one event and one objective
    event: ScenarioEvent  # approved scenario's first event (cs)
    draft_event: ScenarioEvent
    objective: Objective  # of the approved version, rated by observers
    draft_objective: Objective
    drill: Drill  # running, with an inject delivered to cs
    scheduled: Drill
    paused: Drill
    inject: Inject  # to cs, delivered
    risk_inject: Inject  # to risk, delivered
    entry: TimelineEntry
    observation: Observation
    other_scenario: Scenario
    other_drill: Drill
    # The after-action part (world_reports.add_after_action): a finished drill and its report.
    ended: Drill = None  # type: ignore[assignment]
    survey: Any = None
    finding: Any = None
    item: Any = None
    version: Any = None
    template: Any = None
    case: Any = None
    proposal: Any = None
    # The secrets (world_secrets.add_secrets, for the visibility tests and the role matrix).
    secret_scenario: Any = None
    secret: Drill = None  # type: ignore[assignment]
    secret_ended: Drill = None  # type: ignore[assignment]


def _member(org: Organisation, username: str, role: str, department: Department | None = None) -> Any:
    return MembershipFactory(
        organisation=org, role=role, department=department, user=UserFactory(username=username)
    ).user


def _users(org: Organisation, cs: Department, risk: Department, other_org: Organisation) -> dict[str, Any]:
    superuser: Any = UserFactory(username="root")
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    return {
        "anonymous": None,
        "coordinator": _member(org, "coord", Role.COORDINATOR),
        "staff_target": _member(org, "cs1", Role.STAFF, cs),
        "staff_other": _member(org, "risk1", Role.STAFF, risk),
        "observer_invited": _member(org, "obs1", Role.OBSERVER),
        "observer_uninvited": _member(org, "obs2", Role.OBSERVER),
        "other_coordinator": _member(other_org, "othercoord", Role.COORDINATOR),
        "superuser": superuser,
    }


def approved_scenario(
    org: Organisation, by: Any, departments: list[Department], title: str = "Mass complaints"
) -> Scenario:
    scenario = scenario_services.scenario_create(organisation=org, by=by, title=title, description="Refund demands")
    objective = scenario_services.objective_create(
        scenario=scenario,
        by=by,
        capability="Communications",
        title="Report to risk",
        critical_tasks=["Report in 10 min"],
    )
    for number, department in enumerate(departments):
        # A ladder escalates away from the event's own department: to the last other one, else the coordinator.
        others = [d for d in departments if d != department]
        step: dict[str, Any] = {"department": others[-1].pk} if others else {"role": "coordinator"}
        scenario_services.event_create(
            scenario=scenario,
            by=by,
            title=f"Complaint call {number + 1}",
            body="A customer demands a refund.",
            offset_seconds=0,
            departments=[department],
            objective=objective,
            response_deadline_seconds=600,
            escalations=[{"after_seconds": 60, **step, "message": "No answer"}],
        )
    scenario_services.version_submit(scenario=scenario, by=by)
    scenario_services.version_approve(scenario=scenario, by=by)
    return scenario


def build_world() -> World:
    org: Any = OrganisationFactory(slug="acme-insurance", name="Acme Insurance")
    cs: Any = DepartmentFactory(organisation=org, code="cs", name="Customer Service", name_zh="客户服务部")
    risk: Any = DepartmentFactory(organisation=org, code="risk", name="Risk Management", name_zh="风险管理部")
    other_org: Any = OrganisationFactory(slug="other-insurer", name="Other Insurer")
    other_dept: Any = DepartmentFactory(organisation=other_org, code="cs", name="Their CS")
    users = _users(org, cs, risk, other_org)
    coord = users["coordinator"]

    scenario = approved_scenario(org, coord, [cs, risk])
    event = scenario.versions.get().events.order_by("sequence")[0]
    objective = scenario.versions.get().objectives.get()

    draft = scenario_services.scenario_create(organisation=org, by=coord, title="Draft scenario")
    draft_objective = scenario_services.objective_create(scenario=draft, by=coord, capability="C", title="Draft obj")
    draft_event = scenario_services.event_create(
        scenario=draft, by=coord, title="Draft event", body="Body", offset_seconds=30, departments=[cs]
    )

    drill = drill_services.drill_create(scenario=scenario, name="Running drill", by=coord)
    drill_services.drill_start(drill=drill, by=coord)
    deliver_due(limit=100)
    drill_services.roster_add(drill=drill, user=users["observer_invited"], by=coord, role=SeatRole.OBSERVER)
    scheduled = drill_services.drill_create(scenario=scenario, name="Scheduled drill", by=coord)
    paused = drill_services.drill_create(scenario=scenario, name="Paused drill", by=coord)
    drill_services.drill_start(drill=paused, by=coord)
    drill_services.drill_pause(drill=paused, by=coord)
    for other in (scheduled, paused):
        drill_services.roster_add(drill=other, user=users["observer_invited"], by=coord, role=SeatRole.OBSERVER)

    inject = Inject.objects.get(drill=drill, department=cs)
    risk_inject = Inject.objects.get(drill=drill, department=risk)
    entry = drill_services.message_post(drill=drill, by=users["staff_target"], text="Customer service on it")
    observation = report_services.observation_create(
        drill=drill, by=users["observer_invited"], objective=objective, rating="S", note="Slow first report"
    )

    other_coord = users["other_coordinator"]
    other_scenario = approved_scenario(other_org, other_coord, [other_dept], title="Their scenario")
    other_drill = drill_services.drill_create(scenario=other_scenario, name="Their drill", by=other_coord)
    for changed in (drill, paused, inject, risk_inject):
        changed.refresh_from_db()
    world = World(
        org=org,
        cs=cs,
        risk=risk,
        other_org=other_org,
        other_dept=other_dept,
        users=users,
        scenario=scenario,
        draft=draft,
        event=event,
        draft_event=draft_event,
        objective=objective,
        draft_objective=draft_objective,
        drill=drill,
        scheduled=scheduled,
        paused=paused,
        inject=inject,
        risk_inject=risk_inject,
        entry=entry,
        observation=observation,
        other_scenario=other_scenario,
        other_drill=other_drill,
    )
    add_after_action(world)
    return world


def user_model() -> Any:
    return get_user_model()
