"""The secrets of the shared world: a running drill whose script players must not read before it
arrives (DESIGN.md, "Who sees what"), and an ended one whose report is published.

`secret` runs a scenario of its own with, per department (cs, risk):
- delivered: "Opening call" (offset 0);
- pending: "Reporter calls" (an hour later);
- waiting (cs): "Regulator letter", N s after the opening call is resolved;
- cancelled before delivery (cs): "Hotline overload", only if the opening call is not acknowledged
  by its deadline (customer service acknowledged it in time, so it never comes).
A second observer on the roster rates the drill: the first may not read that rating until the
report is published. `secret_ended` ran the same script, was finished (what was still to come is
cancelled) and its report published. Every undelivered title and body is unique, so that a test
can search any answer's text for it. Built through the services; the other drills of the world
stay as they are."""

from __future__ import annotations

from typing import Any

from drillops.departments.models import Role
from drillops.reports import services as report_services
from drillops.scenarios import services as scenario_services
from drillops.scenarios.models import ConditionKind, Scenario
from drillops.timelines import services as drill_services
from drillops.timelines.engine.delivery import deliver_due
from drillops.timelines.models import Drill, Inject, InjectStatus, SeatRole

from ..factories import MembershipFactory, UserFactory

OBSERVER_TWO = "observer_two"
RATING_NOTE = "Rating note of the second observer 7c1f"


def secret_title(kind: str, code: str) -> str:
    return f"Secret {kind} for {code} 9e4b"


def secret_body(kind: str, code: str) -> str:
    return f"Secret body {kind} {code} 51d0"


def _event(scenario: Scenario, by: Any, kind: str, department: Any, **fields: Any) -> Any:
    return scenario_services.event_create(
        scenario=scenario,
        by=by,
        title=secret_title(kind, department.code) if kind != "opening" else f"Opening call for {department.code}",
        body=secret_body(kind, department.code) if kind != "opening" else "A customer calls.",
        departments=[department],
        **fields,
    )


def secret_scenario(world: Any) -> Scenario:
    coord = world.users["coordinator"]
    scenario = scenario_services.scenario_create(organisation=world.org, by=coord, title="The script 3a7e")
    scenario_services.objective_create(scenario=scenario, by=coord, capability="Comms", title="Report on time")
    opening = {}
    for department in (world.cs, world.risk):
        opening[department.code] = _event(
            scenario, coord, "opening", department, offset_seconds=0, response_deadline_seconds=600
        )
    for department in (world.cs, world.risk):
        _event(scenario, coord, "pending", department, offset_seconds=3600)
    after = {"kind": ConditionKind.AFTER_RESOLVED, "event": opening["cs"].pk, "delay_seconds": 60}
    _event(scenario, coord, "waiting", world.cs, offset_seconds=0, condition=after)
    unless = {"kind": ConditionKind.IF_NOT_ACKNOWLEDGED, "event": opening["cs"].pk, "delay_seconds": 0}
    _event(scenario, coord, "cancelled", world.cs, offset_seconds=0, condition=unless)
    scenario_services.version_submit(scenario=scenario, by=coord)
    scenario_services.version_approve(scenario=scenario, by=coord)
    return scenario


def _run(world: Any, scenario: Scenario, name: str) -> Drill:
    users, coord = world.users, world.users["coordinator"]
    drill = drill_services.drill_create(scenario=scenario, name=name, by=coord)
    for user in (users["observer_invited"], users[OBSERVER_TWO]):
        drill_services.roster_add(drill=drill, user=user, by=coord, role=SeatRole.OBSERVER)
    drill_services.drill_start(drill=drill, by=coord)
    deliver_due(limit=100)
    opening = Inject.objects.get(drill=drill, department=world.cs, status=InjectStatus.DELIVERED)
    drill_services.inject_acknowledge(inject=opening, by=users["staff_target"])
    objective = drill.scenario_version.objectives.get()
    report_services.observation_create(drill=drill, by=users[OBSERVER_TWO], objective=objective, rating="U")
    report_services.observation_create(drill=drill, by=users[OBSERVER_TWO], note=RATING_NOTE)
    drill.refresh_from_db()
    return drill


def add_secrets(world: Any) -> None:
    world.users[OBSERVER_TWO] = MembershipFactory(
        organisation=world.org, role=Role.OBSERVER, user=UserFactory(username="obs-two")
    ).user
    world.secret_scenario = secret_scenario(world)
    world.secret = _run(world, world.secret_scenario, "Secret drill")
    ended = _run(world, world.secret_scenario, "Secret drill, ended")
    ended = drill_services.drill_finish(drill=ended, by=world.users["coordinator"])
    report_services.report_publish(drill=ended, by=world.users["coordinator"])
    world.secret_ended = ended


# Who reads what of the secret drills, by the names of tests/api/world.py's ROLES.
SCRIPT_READERS = frozenset({"coordinator", "superuser"})  # undelivered injects, before publishing
ON_ROSTER = frozenset({*SCRIPT_READERS, "staff_target", "staff_other", "observer_invited", OBSERVER_TWO})


def may_see(world: Any, role: str, inject: Inject) -> bool:
    """DESIGN.md's rule, written out plainly (not through drillops' own code) for the secret
    drills: coordinators and administrators everything; staff what was delivered to their
    department; observers on the roster what was delivered to any department."""
    if role in SCRIPT_READERS:
        return True
    if role not in ON_ROSTER or inject.delivered_at is None:
        return False
    if role == "staff_target":
        return inject.department_id == world.cs.pk
    if role == "staff_other":
        return inject.department_id == world.risk.pk
    return True


def undelivered(drill: Drill) -> list[Inject]:
    return list(Inject.objects.filter(drill=drill, delivered_at__isnull=True).order_by("id"))
